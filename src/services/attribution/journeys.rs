//! Every lead's journey in one narrow row (`attribution_journeys`), the read a run over a
//! million journeys is designed around: one sequential scan of one table, no join, no
//! sort, no timestamp text to parse.
//!
//! The row is written again, in the same transaction, wherever what it summarises
//! changes: a lead arriving with its touchpoints, a touchpoint added later, a dealer
//! accepting the lead, a feedback form submitted (the outcome, or "never reached"). A
//! test compares every row with one rebuilt from the tables it summarises.
//!
//! The path is the lead's touchpoints in journey order (time, then the order they were
//! given in), each written `<id> <time> <bytes>:<channel>` one after the other: the
//! channel's length in bytes comes first, so any channel text reads back exactly.

use chrono::{DateTime, NaiveDateTime};

use super::credits::conversion_time;
use crate::db::DbConnection;
use crate::domain::FeedbackOutcome;
use crate::error::AppError;
use crate::models::attribution as stored;
use crate::models::feedback::SaleOutcome;
use crate::models::journey::JourneyRow;
use crate::models::lead::LeadRow;

/// `at` in microseconds since 1970 (UTC).
pub fn micros(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp_micros()
}

/// The time `us` microseconds after 1970 (UTC).
pub fn from_micros(us: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(us)
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

/// One touchpoint of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathTouch<'a> {
    pub touchpoint_id: i64,
    pub at_us: i64,
    pub channel: &'a str,
}

/// Writes touchpoints (in journey order) as a path.
pub fn encode<'a>(touches: impl IntoIterator<Item = PathTouch<'a>>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for t in touches {
        let _ = write!(
            out,
            "{} {} {}:{}",
            t.touchpoint_id,
            t.at_us,
            t.channel.len(),
            t.channel
        );
    }
    out
}

/// Reads a path back; `None` if it is not one `encode` wrote.
pub fn decode(path: &str) -> Option<Vec<PathTouch<'_>>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let (id, after) = rest.split_once(' ')?;
        let (at, after) = after.split_once(' ')?;
        let (len, after) = after.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let channel = after.get(..len)?;
        out.push(PathTouch {
            touchpoint_id: id.parse().ok()?,
            at_us: at.parse().ok()?,
            channel,
        });
        rest = &after[len..];
    }
    Some(out)
}

/// A lead's touchpoints as a path, in journey order.
fn path_of(conn: &mut DbConnection, lead_id: i64) -> Result<String, AppError> {
    let mut touches = LeadRow::touchpoints(conn, lead_id)?;
    touches.sort_by_key(|t| (t.occurred_at.get(), t.position));
    Ok(encode(touches.iter().map(|t| PathTouch {
        touchpoint_id: t.id,
        at_us: micros(t.occurred_at.get()),
        channel: &t.channel,
    })))
}

/// A lead's journey row as the tables it summarises have it now.
pub fn current(conn: &mut DbConnection, lead: &LeadRow) -> Result<JourneyRow, AppError> {
    let path = path_of(conn, lead.id)?;
    let accepted = stored::accepted_at(conn, lead.id)?;
    let unreached = stored::is_never_reached(conn, lead.id)?;
    let outcome = SaleOutcome::find(conn, lead.id)?;
    let won = outcome
        .as_ref()
        .filter(|o| o.outcome == FeedbackOutcome::Won);
    Ok(JourneyRow {
        lead_id: lead.id,
        received_us: micros(lead.received_at.get()),
        accepted_us: accepted.map(micros),
        outcome: outcome.as_ref().map(|o| o.outcome),
        unreached,
        converted_us: won.map(|o| micros(conversion_time(o.close_date, o.recorded_at.get()))),
        revenue_cents: outcome.as_ref().and_then(|o| o.revenue_cents),
        currency: outcome.as_ref().map(|o| o.currency),
        last_event_id: outcome.map(|o| o.last_event_id),
        path,
    })
}

/// Writes the journey row of a lead just stored with its touchpoints (no acceptance, no
/// outcome yet): one read of its touchpoints, for their ids.
pub fn insert_new(
    conn: &mut DbConnection,
    lead_id: i64,
    received_at: NaiveDateTime,
) -> Result<(), AppError> {
    let row = JourneyRow {
        lead_id,
        received_us: micros(received_at),
        accepted_us: None,
        outcome: None,
        unreached: false,
        converted_us: None,
        revenue_cents: None,
        currency: None,
        last_event_id: None,
        path: path_of(conn, lead_id)?,
    };
    Ok(JourneyRow::save(conn, &row)?)
}

/// Writes `lead_id`'s journey row again from the tables it summarises, in the caller's
/// transaction.
pub fn refresh(conn: &mut DbConnection, lead_id: i64) -> Result<(), AppError> {
    let lead = LeadRow::find(conn, lead_id)?;
    refresh_lead(conn, &lead).map(drop)
}

/// As [`refresh`], for a lead already read; returns the row written.
pub fn refresh_lead(conn: &mut DbConnection, lead: &LeadRow) -> Result<JourneyRow, AppError> {
    let row = current(conn, lead)?;
    JourneyRow::save(conn, &row)?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;

    #[test]
    fn a_path_reads_back_exactly_whatever_the_channel_holds() {
        let touches = [
            PathTouch {
                touchpoint_id: 7,
                at_us: 1_767_225_600_123_456,
                channel: "paid_search",
            },
            PathTouch {
                touchpoint_id: 12,
                at_us: -5,
                channel: "fiera; 12 3:x émilia",
            },
            PathTouch {
                touchpoint_id: 13,
                at_us: 0,
                channel: "",
            },
        ];
        let path = encode(touches);
        assert_eq!(decode(&path).unwrap(), touches);
        assert_eq!(decode("").unwrap(), vec![]);
        assert_eq!(decode("7 12 40:short"), None);
        assert_eq!(decode("x 1 1:a"), None);
    }

    #[test]
    fn times_go_to_microseconds_and_back() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 10)
            .unwrap()
            .and_hms_micro_opt(9, 30, 0, 123_456)
            .unwrap();
        assert_eq!(from_micros(micros(at)), at);
    }
}
