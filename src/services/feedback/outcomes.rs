//! A submitted won or lost outcome becomes the lead's recorded sale outcome, and in the
//! same transaction an outcome event is appended to the outbox (`outcome_events`) with a
//! stable event id. Changing a submitted outcome appends a correcting event that names the
//! one it corrects; history is never rewritten. The attribution work delivers the outbox.

use chrono::NaiveDateTime;
use serde_json::json;

use super::form::Answers;
use crate::db::DbConnection;
use crate::domain::feedback_fields::{Currency, LostReason, Outcome, OutcomeEventKind};
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::feedback::{NewOutcomeEvent, OutcomeEvent, SaleOutcome};
use crate::models::lead::LeadRow;
use crate::services::attribution::credits;
use crate::services::intake::{contract_time, touchpoint_json};

/// Event kinds in the outbox.
pub const RECORDED: OutcomeEventKind = OutcomeEventKind::Recorded;
pub const CORRECTED: OutcomeEventKind = OutcomeEventKind::Corrected;
/// A won or lost outcome was changed to "still open" or "never reached".
pub const RETRACTED: OutcomeEventKind = OutcomeEventKind::Retracted;

/// A new event id: 128 random bits in the UUID v4 layout.
pub fn new_event_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The sale outcome the answers describe, if they describe one (won or lost).
fn outcome_of(
    answers: &Answers,
    lead: &LeadRow,
    dealer_id: i64,
    now: NaiveDateTime,
) -> Option<SaleOutcome> {
    let outcome = answers.outcome.filter(|o| o.is_final())?;
    Some(SaleOutcome {
        lead_id: lead.id,
        dealer_id,
        outcome,
        revenue_cents: answers.revenue_cents.filter(|_| outcome == Outcome::Won),
        currency: answers.currency.unwrap_or(Currency::Eur),
        close_date: answers.close_date,
        lost_reason: answers.lost_reason,
        competitor: Some(answers.competitor.clone()).filter(|c| !c.is_empty()),
        recorded_at: now.into(),
        updated_at: now.into(),
        last_event_id: String::new(),
    })
}

/// Whether two outcomes say the same thing (ignoring when and by which event).
fn same_facts(a: &SaleOutcome, b: &SaleOutcome) -> bool {
    (
        a.outcome,
        a.revenue_cents,
        a.currency,
        a.close_date,
        a.lost_reason,
        &a.competitor,
        a.dealer_id,
    ) == (
        b.outcome,
        b.revenue_cents,
        b.currency,
        b.close_date,
        b.lost_reason,
        &b.competitor,
        b.dealer_id,
    )
}

/// Records the outcome `answers` describe for `lead`, appending the outbox event that
/// tells the attribution store: recorded, corrected or retracted. Nothing is written when
/// the facts have not changed (a double submit). Runs in the caller's transaction;
/// returns the event appended, if any.
pub fn record(
    conn: &mut DbConnection,
    lead: &LeadRow,
    dealer_id: i64,
    answers: &Answers,
    attribution: &crate::services::attribution::Settings,
    now: NaiveDateTime,
) -> Result<Option<String>, AppError> {
    let previous = SaleOutcome::find(conn, lead.id)?;
    let next = outcome_of(answers, lead, dealer_id, now);
    let (kind, corrects) = match (&previous, &next) {
        (None, None) => return Ok(None),
        (Some(p), Some(n)) if same_facts(p, n) => return Ok(None),
        (None, Some(_)) => (RECORDED, None),
        (Some(p), Some(_)) => (CORRECTED, Some(p.last_event_id.clone())),
        (Some(p), None) => (RETRACTED, Some(p.last_event_id.clone())),
    };
    let event_id = new_event_id();
    let dealer = Dealer::find(conn, dealer_id)?;
    let touchpoints = LeadRow::touchpoints(conn, lead.id)?;
    let answered = next.as_ref();
    let payload = json!({
        "event_id": event_id,
        "type": kind.as_str(),
        "occurred_at": contract_time(now),
        "corrects_event_id": corrects,
        "lead": {
            "external_id": lead.external_id,
            "source": lead.source,
            "received_at": contract_time(lead.received_at),
            "product_line": lead.product_line,
        },
        "dealer": { "code": dealer.code, "name": dealer.name },
        "outcome": answers.outcome.map(|o| o.as_str()),
        "revenue": answered.and_then(SaleOutcome::revenue).map(|money| json!({
            "amount_cents": money.cents(),
            "currency": money.currency().as_str(),
        })),
        "close_date": answered.and_then(|o| o.close_date).map(|d| d.to_string()),
        "lost_reason": answered.and_then(|o| o.lost_reason).map(LostReason::as_str),
        "competitor": answered.and_then(|o| o.competitor.clone()),
        "products": answers.products,
        "touchpoints": touchpoints.iter().map(touchpoint_json).collect::<Vec<_>>(),
    });
    let payload = payload.to_string();
    OutcomeEvent::insert(
        conn,
        &NewOutcomeEvent {
            event_id: &event_id,
            lead_id: lead.id,
            kind,
            corrects_event_id: corrects.as_deref(),
            payload: &payload,
            created_at: now,
        },
    )?;
    match (previous, next) {
        (None, Some(mut n)) => {
            n.last_event_id = event_id.clone();
            SaleOutcome::insert(conn, &n)?;
        }
        (Some(p), Some(mut n)) => {
            n.recorded_at = p.recorded_at;
            n.last_event_id = event_id.clone();
            SaleOutcome::update(conn, &n)?;
        }
        (Some(_), None) => SaleOutcome::delete(conn, lead.id)?,
        (None, None) => {}
    }
    credits::rewrite_for_lead(conn, lead, attribution)?;
    Ok(Some(event_id))
}

#[cfg(test)]
mod tests {
    use super::new_event_id;

    #[test]
    fn event_ids_are_random_uuids() {
        let a = new_event_id();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, new_event_id());
    }
}
