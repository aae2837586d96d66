//! What the dealer sees on a phone: the inbox (open offers without the customer's
//! identity, leads being worked) and one lead's page. Read models: each page is one call,
//! and the rule "contact details only once the offer is accepted" is kept here.

use diesel::Connection;
use serde::Deserialize;

use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::lead::{LeadEvent, LeadRow, TouchpointRow, WorkingLead};
use crate::models::offer::{InboxOffer, Offer};
use crate::services::dealer_score::dealer_view::{HOME_TREND_DAYS, ScoreCard};
use crate::services::offers;

/// An offer as the dealer sees it before accepting: no customer identity.
pub struct OfferCard {
    pub offer: InboxOffer,
    pub channels: Vec<String>,
}

impl OfferCard {
    pub fn area(&self) -> String {
        area_of(
            &self.offer.country,
            self.offer.postcode.as_deref(),
            self.offer.region.as_deref(),
        )
    }
}

/// Where the customer is, without identifying them: region and postcode area.
pub fn lead_area(lead: &LeadRow) -> String {
    area_of(
        &lead.country,
        lead.postcode.as_deref(),
        lead.region.as_deref(),
    )
}

fn area_of(country: &str, postcode: Option<&str>, region: Option<&str>) -> String {
    let prefix: String = postcode.unwrap_or_default().chars().take(2).collect();
    match (region, prefix.is_empty()) {
        (Some(r), false) => format!("{r} · {prefix}xxx"),
        (Some(r), true) => r.to_owned(),
        (None, false) => format!("{country} {prefix}xxx"),
        (None, true) => country.to_owned(),
    }
}

/// A dealer's "no" to an offer, from the lead page or an emailed link: one of
/// [`offers::DECLINE_REASONS`] and an optional note.
#[derive(Debug, Deserialize)]
pub struct DeclineForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

/// The dealer's inbox.
pub struct Inbox {
    pub dealer_name: String,
    /// Offers waiting for an answer, with the leads' public fields and their channels.
    pub offers: Vec<OfferCard>,
    /// Leads the dealer accepted and is working.
    pub working: Vec<WorkingLead>,
    /// The dealer's score card, once it has been scored.
    pub score: Option<ScoreCard>,
}

/// The inbox of `dealer_id` at `now`: four indexed queries and three key lookups for the
/// score card, each prepared once per connection, read in one transaction so they see one
/// snapshot.
pub fn inbox(
    conn: &mut DbConnection,
    dealer_id: i64,
    now: chrono::NaiveDateTime,
) -> Result<Inbox, AppError> {
    conn.transaction(|conn| {
        let dealer_name = Dealer::name_of(conn, dealer_id)?;
        let offers = InboxOffer::open_for_dealer(conn, dealer_id)?;
        // Each lead's distinct channels in touch order; the rows come sorted by lead.
        let mut by_lead: Vec<(i64, Vec<String>)> = Vec::new();
        for (lead_id, channel) in InboxOffer::channels_for_dealer(conn, dealer_id)? {
            match by_lead.last_mut() {
                Some((id, list)) if *id == lead_id => {
                    if !list.contains(&channel) {
                        list.push(channel);
                    }
                }
                _ => by_lead.push((lead_id, vec![channel])),
            }
        }
        let offers = offers
            .into_iter()
            .map(|offer| {
                let channels = by_lead
                    .binary_search_by_key(&offer.lead_id, |(id, _)| *id)
                    .map(|i| std::mem::take(&mut by_lead[i].1))
                    .unwrap_or_default();
                OfferCard { offer, channels }
            })
            .collect();
        let working = WorkingLead::for_dealer(conn, dealer_id)?;
        let score = ScoreCard::load(conn, dealer_id, now, HOME_TREND_DAYS)?;
        Ok(Inbox {
            dealer_name,
            offers,
            working,
            score,
        })
    })
}

/// One lead as its dealer sees it.
pub struct DealerLead {
    pub lead: LeadRow,
    /// The open offer to this dealer, when the lead is still waiting for an answer (the
    /// page then shows no customer identity).
    pub offer: Option<Offer>,
    pub touchpoints: Vec<TouchpointRow>,
    /// The lead's history while it was with this dealer.
    pub events: Vec<LeadEvent>,
    /// The statuses the dealer may move the lead to next.
    pub next: Vec<&'static str>,
}

/// Lead `lead_id` as dealer `dealer_id` sees it: offered to it, or with it
/// ([`offers::lead_is_with`]). Another dealer's lead, or one this dealer declined, is
/// simply not there ([`AppError::NotFound`]).
pub fn dealer_lead(
    conn: &mut DbConnection,
    dealer_id: i64,
    lead_id: i64,
) -> Result<DealerLead, AppError> {
    let lead = LeadRow::find(conn, lead_id)?;
    let offer = Offer::open_for(conn, lead_id, dealer_id)?;
    if offer.is_none() && !offers::lead_is_with(&lead, dealer_id) {
        return Err(AppError::NotFound);
    }
    let touchpoints = LeadRow::touchpoints(conn, lead_id)?;
    let events = LeadRow::events(conn, lead_id)?
        .into_iter()
        .filter(|e| e.dealer_id == Some(dealer_id))
        .collect();
    let next = offers::next_statuses(lead.status)
        .iter()
        .map(|s| s.as_str())
        .collect();
    Ok(DealerLead {
        lead,
        offer,
        touchpoints,
        events,
        next,
    })
}
