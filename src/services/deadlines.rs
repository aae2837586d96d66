//! Offer deadlines, run in the background: a reminder at 75 % of the time to answer, and
//! at the deadline the offer expires and the lead moves on to the next eligible dealer
//! (or, after the last allowed offer, to the unallocated queue).
//!
//! Each offer is handled in a transaction that first claims it (`FOR UPDATE SKIP LOCKED`
//! on PostgreSQL) and then closes it only if it is still open, so running this twice, or
//! on several instances at once, never reminds or expires an offer twice, and a dealer
//! accepting at the same moment either wins or finds the offer gone.

use chrono::NaiveDateTime;
use diesel::Connection;

use crate::db::{self, DbConnection, DueOffers};
use crate::domain::OfferStatus;
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewLeadEvent};
use crate::models::offer::Offer;
use crate::services::allocation::OfferPolicy;
use crate::services::allocation::{decision, offering};

/// How many offers one transaction claims.
const BATCH: i64 = 20;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineRun {
    pub reminded: usize,
    pub expired: usize,
}

/// Processes every reminder and expiry due at `now`.
pub fn process_due(
    conn: &mut DbConnection,
    policy: &OfferPolicy,
    now: NaiveDateTime,
) -> Result<DeadlineRun, AppError> {
    let mut run = DeadlineRun::default();
    loop {
        let reminded = conn.transaction(|conn| -> Result<usize, AppError> {
            let mut done = 0;
            for id in db::claim_due_offers(conn, DueOffers::Reminding, now, BATCH)? {
                if Offer::mark_reminded(conn, id, now)? {
                    let offer = Offer::find(conn, id)?;
                    let lead = LeadRow::find(conn, offer.lead_id)?;
                    decision::notify_dealer(
                        conn,
                        offer.dealer_id,
                        &lead,
                        &decision::OfferEmailTimes {
                            deadline: offer.deadline_at.get(),
                            sent: now,
                        },
                        &policy.base_url,
                        true,
                    )?;
                    done += 1;
                }
            }
            Ok(done)
        })?;
        run.reminded += reminded;
        if reminded < usize::try_from(BATCH).unwrap_or(20) {
            break;
        }
    }
    loop {
        let (claimed, expired) = db::transaction_retrying(conn, |conn| {
            let ids = db::claim_due_offers(conn, DueOffers::Expiring, now, BATCH)?;
            let mut done = 0;
            for &id in &ids {
                if expire_offer(conn, id, policy, now)? {
                    done += 1;
                }
            }
            Ok((ids.len(), done))
        })?;
        run.expired += expired;
        if claimed < usize::try_from(BATCH).unwrap_or(20) {
            break;
        }
    }
    Ok(run)
}

/// Expires offer `offer_id` at `now` if it is still open, and offers its lead to the next
/// eligible dealer (or puts it in the unallocated queue); returns whether it was open.
/// Runs in the caller's transaction.
pub fn expire_offer(
    conn: &mut DbConnection,
    offer_id: i64,
    policy: &OfferPolicy,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    if !Offer::close(conn, offer_id, OfferStatus::Expired, false, now, None)? {
        return Ok(false);
    }
    let offer = Offer::find(conn, offer_id)?;
    LeadRow::record_event(
        conn,
        &NewLeadEvent {
            lead_id: offer.lead_id,
            occurred_at: now,
            status: crate::domain::LeadEventStatus::OfferExpired,
            dealer_id: Some(offer.dealer_id),
            actor: "system",
            note: "no answer before the deadline",
        },
    )?;
    let lead = LeadRow::find(conn, offer.lead_id)?;
    offering::offer_to_next_dealer(conn, &lead, "system", policy, now)?;
    Ok(true)
}
