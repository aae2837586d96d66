//! A dealer's answers to offers (accept, decline) and the progress of accepted leads.

use chrono::NaiveDateTime;
use diesel::Connection;

use crate::db::{self, DbConnection};
use crate::domain::{LeadEventStatus, LeadStatus, OfferStatus};
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewLeadEvent};
use crate::models::offer::Offer;
use crate::services::allocation::OfferPolicy;
use crate::services::allocation::decision::OfferOutcome;
use crate::services::allocation::offering;
use crate::services::audit::{self, Actor};

/// Why a dealer declines; the short list shown on the phone.
pub const DECLINE_REASONS: [&str; 5] = [
    "out_of_area",
    "no_capacity",
    "not_our_product",
    "existing_customer_elsewhere",
    "other",
];

/// What became of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Done,
    /// The offer had already expired, been answered or withdrawn.
    TooLate,
}

/// What became of a decline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declined {
    /// Declined; the lead went on to the next dealer (or waits, with the reason).
    Done(OfferOutcome),
    /// The offer had already expired, been answered or withdrawn.
    TooLate,
    /// No reason from [`DECLINE_REASONS`] was chosen: nothing was written.
    ReasonMissing,
}

/// The offer `offer_id` if it was made to `dealer_id`. Any other offer, like an unknown
/// id, is a 404: this is the first check of every answer, before any other.
fn offer_of(conn: &mut DbConnection, dealer_id: i64, offer_id: i64) -> Result<Offer, AppError> {
    match Offer::find(conn, offer_id) {
        Ok(offer) if offer.dealer_id == dealer_id => Ok(offer),
        Ok(_) | Err(diesel::result::Error::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The dealer accepts an offer now ([`accept_at`] the current time).
pub fn accept(
    conn: &mut DbConnection,
    dealer_id: i64,
    offer_id: i64,
    actor: &Actor,
) -> Result<(Answer, i64), AppError> {
    accept_at(conn, dealer_id, offer_id, actor, db::now())
}

/// The dealer accepts an offer at `now`: the lead is theirs and its contact details open
/// up. Returns the answer and the offer's lead.
pub fn accept_at(
    conn: &mut DbConnection,
    dealer_id: i64,
    offer_id: i64,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(Answer, i64), AppError> {
    conn.transaction(|conn| {
        let offer = offer_of(conn, dealer_id, offer_id)?;
        if !Offer::close(conn, offer_id, OfferStatus::Accepted, true, now, None)? {
            return Ok((Answer::TooLate, offer.lead_id));
        }
        crate::services::attribution::journeys::refresh(conn, offer.lead_id)?;
        LeadRow::set_status(
            conn,
            offer.lead_id,
            LeadStatus::Accepted,
            Some(dealer_id),
            None,
            now,
        )?;
        LeadRow::record_event(
            conn,
            &NewLeadEvent {
                lead_id: offer.lead_id,
                occurred_at: now,
                status: LeadStatus::Accepted.into(),
                dealer_id: Some(dealer_id),
                actor: &actor.label,
                note: "",
            },
        )?;
        audit::record(
            conn,
            actor,
            "offer_accepted",
            ("offer", &offer_id.to_string()),
            &format!("lead {}", offer.lead_id),
        )?;
        Ok((Answer::Done, offer.lead_id))
    })
}

/// The dealer declines now ([`decline_at`] the current time).
pub fn decline(
    conn: &mut DbConnection,
    dealer_id: i64,
    offer_id: i64,
    reason: &str,
    note: &str,
    actor: &Actor,
    policy: &OfferPolicy,
) -> Result<(Declined, i64), AppError> {
    let answer = DeclineAnswer { reason, note };
    decline_at(conn, dealer_id, offer_id, answer, actor, policy, db::now())
}

/// A decline as the dealer gives it: a reason from [`DECLINE_REASONS`] and an optional
/// note.
#[derive(Debug, Clone, Copy)]
pub struct DeclineAnswer<'a> {
    pub reason: &'a str,
    pub note: &'a str,
}

/// The dealer declines at `now` with a reason (and an optional note); the lead goes
/// straight to the next eligible dealer. This dealer is never offered it again. Returns
/// what became of it and the offer's lead.
pub fn decline_at(
    conn: &mut DbConnection,
    dealer_id: i64,
    offer_id: i64,
    answer: DeclineAnswer<'_>,
    actor: &Actor,
    policy: &OfferPolicy,
    now: NaiveDateTime,
) -> Result<(Declined, i64), AppError> {
    let DeclineAnswer { reason, note } = answer;
    let note: String = note.trim().chars().take(500).collect();
    db::transaction_retrying(conn, |conn| {
        let offer = offer_of(conn, dealer_id, offer_id)?;
        if !DECLINE_REASONS.contains(&reason) {
            return Ok((Declined::ReasonMissing, offer.lead_id));
        }
        if !Offer::close(
            conn,
            offer_id,
            OfferStatus::Declined,
            true,
            now,
            Some((reason, &note)),
        )? {
            return Ok((Declined::TooLate, offer.lead_id));
        }
        LeadRow::record_event(
            conn,
            &NewLeadEvent {
                lead_id: offer.lead_id,
                occurred_at: now,
                status: LeadEventStatus::OfferDeclined,
                dealer_id: Some(dealer_id),
                actor: &actor.label,
                note: reason,
            },
        )?;
        audit::record(
            conn,
            actor,
            "offer_declined",
            ("offer", &offer_id.to_string()),
            &format!("lead {}: {reason}", offer.lead_id),
        )?;
        let lead = LeadRow::find(conn, offer.lead_id)?;
        let next = offering::offer_to_next_dealer(conn, &lead, "system", policy, now)?;
        Ok((Declined::Done(next), offer.lead_id))
    })
}

/// Whether `lead` is held by `dealer_id`: accepted by it (and worked, won or lost) and not
/// moved on since. Only then may the dealer see its customer and report on it.
pub fn lead_is_with(lead: &LeadRow, dealer_id: i64) -> bool {
    lead.dealer_id == Some(dealer_id)
        && (lead.status.is_open_for_dealer()
            || matches!(lead.status, LeadStatus::Won | LeadStatus::Lost))
}

/// The steps an accepted lead moves through, and which step may follow which.
pub fn next_statuses(current: LeadStatus) -> &'static [LeadStatus] {
    match current {
        LeadStatus::Accepted => &[
            LeadStatus::Contacted,
            LeadStatus::QuoteSent,
            LeadStatus::Won,
            LeadStatus::Lost,
        ],
        LeadStatus::Contacted => &[LeadStatus::QuoteSent, LeadStatus::Won, LeadStatus::Lost],
        LeadStatus::QuoteSent => &[LeadStatus::Won, LeadStatus::Lost],
        _ => &[],
    }
}

/// What became of a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advanced {
    Done,
    /// Not a step that may follow the lead's current status: nothing was written.
    InvalidStep,
    /// The lead was this dealer's but has been reassigned: nothing was written.
    Reassigned,
    /// The quote's amount could not be read: nothing was written.
    InvalidQuote,
}

/// Moves an accepted lead forward now, as [`advance`] does, and when it moves to "quote
/// sent" with an amount, records the quote's amount (euro cents) for the pipeline. The
/// lead is checked against the dealer before anything else; an amount that could not be
/// read (`Err`) changes nothing.
pub fn advance_with_quote(
    conn: &mut DbConnection,
    dealer_id: i64,
    lead_id: i64,
    (to, quote): (&str, Result<Option<i64>, ()>),
    actor: &str,
    feedback: &crate::services::feedback::FeedbackPolicy,
) -> Result<Advanced, AppError> {
    conn.transaction(|conn| {
        let Ok(quote) = quote else {
            let lead = LeadRow::find(conn, lead_id)?;
            return if lead.dealer_id == Some(dealer_id) {
                Ok(Advanced::InvalidQuote)
            } else {
                advance(conn, dealer_id, lead_id, "", actor, feedback)
            };
        };
        let done = advance(conn, dealer_id, lead_id, to, actor, feedback)?;
        if let (Advanced::Done, Some(cents), Ok(LeadStatus::QuoteSent)) =
            (done, quote, to.parse::<LeadStatus>())
        {
            LeadRow::set_quote(conn, lead_id, cents)?;
        }
        Ok(done)
    })
}

/// Moves an accepted lead forward now ([`advance_at`] the current time).
pub fn advance(
    conn: &mut DbConnection,
    dealer_id: i64,
    lead_id: i64,
    to: &str,
    actor: &str,
    feedback: &crate::services::feedback::FeedbackPolicy,
) -> Result<Advanced, AppError> {
    advance_at(conn, dealer_id, lead_id, to, actor, feedback, db::now())
}

/// Moves an accepted lead forward (contacted → quote sent → won / lost) at `now`.
/// The lead must still be with `dealer_id`, checked in the same transaction: a lead this
/// dealer once had is [`Advanced::Reassigned`], any other is a 404 like an unknown id.
pub fn advance_at(
    conn: &mut DbConnection,
    dealer_id: i64,
    lead_id: i64,
    to: &str,
    actor: &str,
    feedback: &crate::services::feedback::FeedbackPolicy,
    now: NaiveDateTime,
) -> Result<Advanced, AppError> {
    conn.transaction(|conn| {
        let lead = LeadRow::find(conn, lead_id)?;
        if lead.dealer_id != Some(dealer_id) {
            let had_it = Offer::for_lead(conn, lead_id)?
                .iter()
                .any(|o| o.dealer_id == dealer_id);
            return if had_it {
                Ok(Advanced::Reassigned)
            } else {
                Err(AppError::NotFound)
            };
        }
        let current = lead.status;
        let Ok(target) = to.parse::<LeadStatus>() else {
            return Ok(Advanced::InvalidStep);
        };
        if !next_statuses(current).contains(&target) {
            return Ok(Advanced::InvalidStep);
        }
        LeadRow::set_status(conn, lead_id, target, Some(dealer_id), None, now)?;
        LeadRow::record_event(
            conn,
            &NewLeadEvent {
                lead_id,
                occurred_at: now,
                status: target.into(),
                dealer_id: Some(dealer_id),
                actor,
                note: "",
            },
        )?;
        // Reporting won or lost asks for the details of the sale.
        if matches!(target, LeadStatus::Won | LeadStatus::Lost) {
            let lead = LeadRow::find(conn, lead_id)?;
            crate::services::feedback::requests::open(
                conn,
                &lead,
                dealer_id,
                crate::services::feedback::requests::OPENED_BY_OUTCOME,
                feedback,
                now,
            )?;
        }
        Ok(Advanced::Done)
    })
}
