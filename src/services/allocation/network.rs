//! The dealer network in memory, for offering a large batch of new leads in one
//! transaction: the eligibility index, every dealer's open load and running allocation
//! state are read once, kept up to date as leads are offered, and the changed states are
//! written back at the end. It makes the same choices, with the same stored decisions, as
//! offering lead by lead ([`super::offering::offer_to_next_dealer`]), which the
//! integration tests check; it only saves the per-lead queries.
//!
//! On PostgreSQL the allocation state rows are locked for the whole transaction, so no
//! other instance allocates from a state this snapshot is about to overwrite.
//!
//! A single lead reads only the part of the network that may cover it
//! ([`stored::covering_profiles`]); both decide with the same [`EligibilityIndex`].

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::OfferPolicy;
use super::allocator::{self, Candidate};
use super::decision::{self, AutoDecision, OfferOutcome, OfferRecipients, UnallocatedReason};
use super::eligibility::{DealerProfile, EligibilityIndex, LeadProfile, stored};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::lead::LeadRow;
use crate::models::offer::AllocationState;
use crate::schema::dealer_allocation_state;
use crate::services::dealer_score::weights::Weights;

/// A choice made by [`NetworkSnapshot::choose`], with what [`NetworkSnapshot::undo`] needs.
#[derive(Debug, Clone)]
pub struct SnapshotChoice {
    pub chosen: i64,
    /// Every candidate as it was before the decision (what the decision record stores).
    pub before: Vec<Candidate>,
    positions: Vec<u32>,
    chosen_position: u32,
}

/// The network as one transaction sees it; see the module documentation.
pub struct NetworkSnapshot {
    index: EligibilityIndex,
    /// Running allocation state by position in `index`.
    state: Vec<Candidate>,
    /// Positions whose state changed since loading.
    changed: Vec<bool>,
    /// Who gets each dealer's offer emails, read on its first offer in this batch.
    recipients: HashMap<i64, OfferRecipients>,
    /// Every dealer's weight, as a single lead's offer reads it.
    weights: Weights,
}

impl NetworkSnapshot {
    /// Reads the network: dealers with their territories and product lines, open loads,
    /// and allocation states (locked on PostgreSQL until the transaction ends).
    pub fn load(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Self> {
        crate::db::lock_all_allocation_state(conn)?;
        let profiles = stored::network_profiles(conn)?;
        let weights = Weights::load(conn, None, now)?;
        let at = |profiles: &[DealerProfile], id: i64| {
            profiles.binary_search_by_key(&id, |d| d.dealer_id).ok()
        };
        let mut state: Vec<Candidate> = profiles
            .iter()
            .map(|d| Candidate {
                dealer_id: d.dealer_id,
                weight: weights.of(d.dealer_id).weight,
                entitled: 0,
                received: 0,
            })
            .collect();
        let saved: Vec<AllocationState> = dealer_allocation_state::table
            .select(AllocationState::as_select())
            .load(conn)?;
        for s in saved {
            if let Some(i) = at(&profiles, s.dealer_id) {
                state[i].entitled = s.entitled;
                state[i].received = s.received;
            }
        }
        let changed = vec![false; profiles.len()];
        Ok(Self {
            // Ids are unique and sorted, so index positions are the positions here.
            index: EligibilityIndex::new(profiles),
            state,
            changed,
            recipients: HashMap::new(),
            weights,
        })
    }

    /// Chooses the dealer for a lead that has had no offer yet, as
    /// [`super::offering::offer_to_next_dealer`] would, and counts the offer in the
    /// dealer's load and state. Call [`NetworkSnapshot::undo`] if the offer is not stored.
    pub fn choose(&mut self, lead: &LeadProfile) -> Result<SnapshotChoice, UnallocatedReason> {
        let mut positions = Vec::new();
        self.index.eligible_into(lead, &[], &mut positions)?;
        let before: Vec<Candidate> = positions
            .iter()
            .map(|&p| self.state[p as usize].clone())
            .collect();
        let Some(chosen_position) = allocator::allocate_among(&mut self.state, &positions) else {
            return Err(UnallocatedReason::AllAtCapacity);
        };
        for &p in &positions {
            self.changed[p as usize] = true;
        }
        let chosen_position = u32::try_from(chosen_position).unwrap_or(u32::MAX);
        self.add_load(chosen_position, 1);
        Ok(SnapshotChoice {
            chosen: self.state[chosen_position as usize].dealer_id,
            before,
            positions,
            chosen_position,
        })
    }

    /// Takes back a choice whose offer was not stored (its savepoint rolled back).
    pub fn undo(&mut self, choice: &SnapshotChoice) {
        for (&p, before) in choice.positions.iter().zip(&choice.before) {
            self.state[p as usize] = before.clone();
        }
        self.add_load(choice.chosen_position, -1);
    }

    fn add_load(&mut self, position: u32, delta: i64) {
        let dealer_id = self.state[position as usize].dealer_id;
        if let Some(load) = self.index.dealer(dealer_id).map(|d| d.open_load) {
            self.index.set_open_load(dealer_id, load + delta);
        }
    }

    /// Writes the changed allocation states back, in the caller's transaction.
    pub fn save(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let changed = self.state.iter().zip(&self.changed).filter(|(_, c)| **c);
        decision::save_states(conn, changed.map(|(state, _)| state))
    }
}

/// The records of a new lead's offer (or wait) that `network` chose before the lead was
/// stored ([`NetworkSnapshot::choose`], the lead row already holding the resulting status
/// and dealer): the same records as [`super::offering::offer_to_next_dealer`] writes. The allocation states
/// are written when the batch ends ([`NetworkSnapshot::save`]).
pub fn record_network_choice(
    conn: &mut DbConnection,
    lead: &LeadRow,
    actor: &str,
    policy: &OfferPolicy,
    now: NaiveDateTime,
    network: &mut NetworkSnapshot,
    choice: Result<&SnapshotChoice, UnallocatedReason>,
) -> Result<OfferOutcome, AppError> {
    let decided = AutoDecision { lead, actor, now };
    match choice {
        Err(reason) => decided.record_unallocated(conn, reason),
        Ok(choice) => {
            let recipients = match network.recipients.entry(choice.chosen) {
                std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                std::collections::hash_map::Entry::Vacant(new) => {
                    new.insert(OfferRecipients::load(conn, choice.chosen)?)
                }
            };
            decided.record_offer(
                conn,
                policy,
                &choice.before,
                &network.weights,
                choice.chosen,
                recipients,
            )
        }
    }
}
