//! A dealer's answers to offers (accept, decline) and the progress of accepted leads.

use diesel::Connection;

use crate::db::{self, DbConnection};
use crate::domain::{LeadStatus, OfferStatus};
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewLeadEvent};
use crate::models::offer::Offer;
use crate::services::allocation::offering::{self, OfferOutcome, OfferPolicy};

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

/// The dealer accepts an offer: the lead is theirs and its contact details open up.
pub fn accept(
    conn: &mut DbConnection,
    dealer_id: i64,
    offer_id: i64,
    actor: &str,
) -> Result<Answer, AppError> {
    conn.transaction(|conn| {
        let offer = Offer::find(conn, offer_id)?;
        if offer.dealer_id != dealer_id {
            return Err(AppError::NotFound);
        }
        let now = db::now();
        if !Offer::close(
            conn,
            offer_id,
            OfferStatus::Accepted.as_str(),
            true,
            now,
            None,
        )? {
            return Ok(Answer::TooLate);
        }
        LeadRow::set_status(
            conn,
            offer.lead_id,
            LeadStatus::Accepted.as_str(),
            Some(dealer_id),
            None,
            now,
        )?;
        LeadRow::record_event(
            conn,
            &NewLeadEvent {
                lead_id: offer.lead_id,
                occurred_at: now,
                status: LeadStatus::Accepted.as_str(),
                dealer_id: Some(dealer_id),
                actor,
                note: "",
            },
        )?;
        Ok(Answer::Done)
    })
}

/// The dealer declines with a reason from [`DECLINE_REASONS`] (and an optional note); the
/// lead goes straight to the next eligible dealer. This dealer is never offered it again.
pub fn decline(
    conn: &mut DbConnection,
    dealer_id: i64,
    offer_id: i64,
    reason: &str,
    note: &str,
    actor: &str,
    policy: &OfferPolicy,
) -> Result<Result<(Answer, Option<OfferOutcome>), &'static str>, AppError> {
    if !DECLINE_REASONS.contains(&reason) {
        return Ok(Err("error-decline-reason"));
    }
    let note: String = note.trim().chars().take(500).collect();
    db::transaction_retrying(conn, |conn| {
        let offer = Offer::find(conn, offer_id)?;
        if offer.dealer_id != dealer_id {
            return Err(AppError::NotFound);
        }
        let now = db::now();
        if !Offer::close(
            conn,
            offer_id,
            OfferStatus::Declined.as_str(),
            true,
            now,
            Some((reason, &note)),
        )? {
            return Ok(Ok((Answer::TooLate, None)));
        }
        LeadRow::record_event(
            conn,
            &NewLeadEvent {
                lead_id: offer.lead_id,
                occurred_at: now,
                status: "declined",
                dealer_id: Some(dealer_id),
                actor,
                note: reason,
            },
        )?;
        let lead = LeadRow::find(conn, offer.lead_id)?;
        let next = offering::offer_to_next_dealer(conn, &lead, "system", policy, now)?;
        Ok(Ok((Answer::Done, Some(next))))
    })
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

/// Moves an accepted lead forward (contacted → quote sent → won / lost), timestamped.
pub fn advance(
    conn: &mut DbConnection,
    dealer_id: i64,
    lead_id: i64,
    to: &str,
    actor: &str,
    feedback: &crate::services::feedback::FeedbackPolicy,
) -> Result<Result<(), &'static str>, AppError> {
    conn.transaction(|conn| {
        let lead = LeadRow::find(conn, lead_id)?;
        if lead.dealer_id != Some(dealer_id) {
            return Err(AppError::NotFound);
        }
        let current: LeadStatus = lead
            .status
            .parse()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("bad lead status")))?;
        let Ok(target) = to.parse::<LeadStatus>() else {
            return Ok(Err("error-status-invalid"));
        };
        if !next_statuses(current).contains(&target) {
            return Ok(Err("error-status-invalid"));
        }
        let now = db::now();
        LeadRow::set_status(conn, lead_id, target.as_str(), Some(dealer_id), None, now)?;
        LeadRow::record_event(
            conn,
            &NewLeadEvent {
                lead_id,
                occurred_at: now,
                status: target.as_str(),
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
        Ok(Ok(()))
    })
}
