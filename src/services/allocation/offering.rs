//! Offering a lead to the next dealer: load the eligible dealers, let the allocator
//! choose, and store the offer, the decision (with every candidate's weight and state)
//! and the allocator's new state in the caller's transaction.

use chrono::NaiveDateTime;

use super::OfferPolicy;
use super::allocator::{self, Allocation, Candidate};
use super::decision::{self, AutoDecision, OfferOutcome, OfferRecipients, UnallocatedReason};
use super::eligibility::{EligibilityIndex, LeadProfile, stored};
use crate::db::{self, DbConnection};
use crate::domain::RegionKey;
use crate::error::AppError;
use crate::models::lead::LeadRow;
use crate::models::offer::{AllocationState, Offer};
use crate::services::dealer_score::weights::Weights;

/// The eligibility view of a stored lead: its region by the key stored with it (or, for a
/// row not keyed yet, the key of its region).
fn lead_profile(lead: &LeadRow) -> LeadProfile {
    let region = match &lead.region_key {
        Some(key) => Some(RegionKey::from_stored(key.clone())),
        None => lead.region.as_deref().and_then(RegionKey::of),
    };
    LeadProfile::new(
        &lead.country,
        lead.postcode.as_deref(),
        region,
        &lead.product_line,
    )
}

/// Offers `lead` to the next eligible dealer, or marks it unallocated with the reason.
/// Runs inside the caller's transaction.
pub fn offer_to_next_dealer(
    conn: &mut DbConnection,
    lead: &LeadRow,
    actor: &str,
    policy: &OfferPolicy,
    now: NaiveDateTime,
) -> Result<OfferOutcome, AppError> {
    let previous = Offer::for_lead(conn, lead.id)?;
    let excluded: Vec<i64> = previous.iter().map(|o| o.dealer_id).collect();

    let choice = if previous.len() >= policy.max_offers {
        Choice::Waits(UnallocatedReason::MaxOffersReached)
    } else {
        choose(conn, lead, &excluded, now)?
    };

    let (status, dealer_id, reason) = decision::lead_status_after(choice.decision());
    LeadRow::set_status(conn, lead.id, status, dealer_id, reason, now)?;
    // The dealer the lead leaves can no longer report on it.
    crate::services::feedback::requests::withdraw_for_lead(conn, lead.id, now)?;
    let decided = AutoDecision { lead, actor, now };
    match choice {
        Choice::Waits(reason) => decided.record_unallocated(conn, reason),
        Choice::Chosen {
            candidates,
            weights,
            allocation,
        } => {
            decision::save_states(conn, &allocation.after)?;
            let recipients = OfferRecipients::load(conn, allocation.chosen)?;
            decided.record_offer(
                conn,
                policy,
                &candidates,
                &weights,
                allocation.chosen,
                &recipients,
            )
        }
    }
}

/// What the allocator made of a lead: the dealer it goes to, or why it waits.
enum Choice {
    /// Offered to `allocation.chosen`; `candidates` are every eligible dealer as it was
    /// before the decision (what the decision record stores).
    Chosen {
        candidates: Vec<Candidate>,
        weights: Weights,
        allocation: Allocation,
    },
    Waits(UnallocatedReason),
}

impl Choice {
    /// The dealer chosen, or why the lead waits.
    fn decision(&self) -> Result<i64, UnallocatedReason> {
        match self {
            Choice::Chosen { allocation, .. } => Ok(allocation.chosen),
            Choice::Waits(reason) => Err(*reason),
        }
    }
}

/// Chooses the dealer for `lead` among those not in `excluded`: the dealers a query
/// pre-selects ([`stored::covering_profiles`]) are decided on by the same
/// [`EligibilityIndex`] a batch uses, then the allocator picks one.
fn choose(
    conn: &mut DbConnection,
    lead: &LeadRow,
    excluded: &[i64],
    now: NaiveDateTime,
) -> Result<Choice, AppError> {
    let lead = lead_profile(lead);
    let covering = EligibilityIndex::new(stored::covering_profiles(conn, &lead)?);
    let mut positions = Vec::new();
    if let Err(closest) = covering.eligible_into(&lead, excluded, &mut positions) {
        return Ok(Choice::Waits(closest.into()));
    }
    let ids: Vec<i64> = positions
        .iter()
        .filter_map(|&p| covering.dealer_id_at(p))
        .collect();
    db::lock_allocation_state(conn, &ids)?;
    let states = AllocationState::for_dealers(conn, &ids)?;
    let weights = Weights::load(conn, Some(&ids), now)?;
    let candidates: Vec<Candidate> = ids
        .iter()
        .map(|&dealer_id| {
            let state = states.iter().find(|s| s.dealer_id == dealer_id);
            Candidate {
                dealer_id,
                weight: weights.of(dealer_id).weight,
                entitled: state.map_or(0, |s| s.entitled),
                received: state.map_or(0, |s| s.received),
            }
        })
        .collect();
    Ok(match allocator::allocate(&candidates) {
        Some(allocation) => Choice::Chosen {
            candidates,
            weights,
            allocation,
        },
        None => Choice::Waits(UnallocatedReason::AllAtCapacity),
    })
}
