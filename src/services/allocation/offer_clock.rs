//! When an offer's reminder and deadline fall: either plain elapsed time, or business
//! hours only (Monday to Friday, 9:00 to 18:00 in the portal's time zone), so that a lead
//! offered on Friday evening is not lost over the weekend.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Weekday};

/// The working week that offer deadlines count in, when they count business hours only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessHours {
    pub tz: chrono_tz::Tz,
    /// Hour the working day starts (local time).
    pub opens: u32,
    /// Hour the working day ends (local time), after `opens`.
    pub closes: u32,
}

impl BusinessHours {
    /// Monday to Friday, 9:00 to 18:00 in `tz`.
    pub fn office(tz: chrono_tz::Tz) -> Self {
        Self {
            tz,
            opens: 9,
            closes: 18,
        }
    }

    fn is_workday(date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    fn at(date: NaiveDate, hour: u32) -> NaiveDateTime {
        date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN))
    }

    fn local_of(&self, utc: NaiveDateTime) -> NaiveDateTime {
        self.tz.from_utc_datetime(&utc).naive_local()
    }

    fn utc_of(&self, local: NaiveDateTime) -> NaiveDateTime {
        // Opening and closing hours never fall in a DST gap in Europe; if a zone puts one
        // there, the instant one hour later is used.
        self.tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                self.tz
                    .from_local_datetime(&(local + TimeDelta::hours(1)))
                    .earliest()
            })
            .map_or(local, |t| t.naive_utc())
    }

    /// The UTC instant `work` business time after the UTC instant `start`.
    pub fn add(&self, start: NaiveDateTime, work: TimeDelta) -> NaiveDateTime {
        let mut left = work.max(TimeDelta::zero());
        let mut now = self.local_of(start);
        // Bounded: each turn either finishes or consumes the rest of a working day.
        for _ in 0..4000 {
            let date = now.date();
            let (open, close) = (Self::at(date, self.opens), Self::at(date, self.closes));
            if !Self::is_workday(date) || now >= close {
                now = Self::at(date.succ_opt().unwrap_or(date), self.opens);
                continue;
            }
            if now < open {
                now = open;
            }
            let today = close - now;
            if left <= today {
                return self.utc_of(now + left);
            }
            left -= today;
            now = Self::at(date.succ_opt().unwrap_or(date), self.opens);
        }
        self.utc_of(now)
    }
}

/// How long a dealer has to answer, counted in elapsed or in business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferClock {
    pub time_to_answer: TimeDelta,
    pub business_hours: Option<BusinessHours>,
}

impl OfferClock {
    /// The reminder (at 75 % of the time to answer) and the deadline of an offer made at
    /// `now`.
    pub fn reminder_and_deadline(&self, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
        let reminder = self.time_to_answer * 3 / 4;
        match &self.business_hours {
            None => (now + reminder, now + self.time_to_answer),
            Some(hours) => (
                hours.add(now, reminder),
                hours.add(now, self.time_to_answer),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn rome() -> BusinessHours {
        BusinessHours::office(chrono_tz::Europe::Rome)
    }

    #[test]
    fn elapsed_time_counts_every_hour() {
        let clock = OfferClock {
            time_to_answer: TimeDelta::hours(48),
            business_hours: None,
        };
        let (reminder, deadline) = clock.reminder_and_deadline(utc("2026-11-20 17:00"));
        assert_eq!(reminder, utc("2026-11-22 05:00"));
        assert_eq!(deadline, utc("2026-11-22 17:00"));
    }

    #[test]
    fn an_offer_made_on_friday_evening_runs_from_monday_morning() {
        // Friday 20 November 2026, 19:00 in Rome (18:00 UTC): the office is closed.
        let deadline = rome().add(utc("2026-11-20 18:00"), TimeDelta::hours(9));
        // Monday 23 November, 9:00–18:00 Rome = 08:00–17:00 UTC.
        assert_eq!(deadline, utc("2026-11-23 17:00"));
    }

    #[test]
    fn forty_eight_business_hours_span_more_than_five_working_days() {
        // Monday 10:00 Rome (09:00 UTC); 48 h of 9-hour days = 5 days and 3 hours.
        let deadline = rome().add(utc("2026-11-23 09:00"), TimeDelta::hours(48));
        // Mon 8 h left, Tue–Fri 36 h (44), next Monday 4 h → 13:00 Rome = 12:00 UTC.
        assert_eq!(deadline, utc("2026-11-30 12:00"));
    }

    #[test]
    fn summer_time_is_respected() {
        // Friday 27 March 2026, 17:00 Rome (16:00 UTC, winter); the clocks go forward on
        // Sunday 29 March. 2 business hours: 1 on Friday, 1 on Monday from 9:00 CEST.
        let deadline = rome().add(utc("2026-03-27 16:00"), TimeDelta::hours(2));
        assert_eq!(deadline, utc("2026-03-30 08:00"));
    }
}
