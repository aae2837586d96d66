//! How offers are made: the time a dealer has to answer, how many dealers a lead is
//! offered to, and where the links in offer emails point.

use chrono::{NaiveDateTime, TimeDelta};

use super::offer_clock::{BusinessHours, OfferClock};

/// How long a dealer has to answer, how many dealers a lead is offered to before it
/// waits for a channel manager, and where links in offer emails point.
#[derive(Debug, Clone)]
pub struct OfferPolicy {
    pub deadline: TimeDelta,
    /// Count the deadline in business hours only (Monday to Friday, 9:00–18:00 local).
    pub business_hours: Option<BusinessHours>,
    pub max_offers: usize,
    /// The portal's address, for the links in offer emails.
    pub base_url: String,
}

impl OfferPolicy {
    /// The policy the settings describe, with `base_url` for the links in emails.
    pub fn from_settings(settings: &crate::config::Settings, base_url: String) -> Self {
        Self {
            deadline: settings.offer_deadline,
            business_hours: settings
                .offer_business_hours
                .then(|| BusinessHours::office(settings.timezone)),
            max_offers: settings.max_offers_per_lead,
            base_url,
        }
    }

    /// The reminder time and the deadline of an offer made at `now`.
    pub fn reminder_and_deadline(&self, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
        OfferClock {
            time_to_answer: self.deadline,
            business_hours: self.business_hours,
        }
        .reminder_and_deadline(now)
    }
}

impl Default for OfferPolicy {
    fn default() -> Self {
        Self {
            deadline: TimeDelta::hours(48),
            business_hours: None,
            max_offers: 3,
            base_url: "http://127.0.0.1:8080".into(),
        }
    }
}
