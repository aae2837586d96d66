//! The dealer network in memory, for offering a large batch of new leads in one
//! transaction: the eligibility index, every dealer's open load and running allocation
//! state are read once, kept up to date as leads are offered, and the changed states are
//! written back at the end. It makes the same choices, with the same stored decisions, as
//! offering lead by lead ([`super::offering::offer_to_next_dealer`]), which the
//! integration tests check; it only saves the per-lead queries.
//!
//! On PostgreSQL the allocation state rows are locked for the whole transaction, so no
//! other instance allocates from a state this snapshot is about to overwrite.

use std::collections::HashMap;

use diesel::prelude::*;

use super::allocator::{self, Candidate};
use super::eligibility::{DealerProfile, EligibilityIndex, Ineligible, LeadProfile};
use super::offering::{OfferRecipients, UnallocatedReason};
use crate::db::DbConnection;
use crate::domain::{LeadStatus, Territory};
use crate::error::AppError;
use crate::models::offer::AllocationState;
use crate::schema::{dealer_allocation_state, dealer_product_lines, dealer_territories, dealers};
use crate::schema::{leads, offers};

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
}

impl NetworkSnapshot {
    /// Reads the network: dealers with their territories and product lines, open loads,
    /// and allocation states (locked on PostgreSQL until the transaction ends).
    pub fn load(conn: &mut DbConnection) -> QueryResult<Self> {
        crate::db::lock_all_allocation_state(conn)?;
        let rows: Vec<(i64, bool, i32)> = dealers::table
            .select((dealers::id, dealers::active, dealers::capacity))
            .order(dealers::id)
            .load(conn)?;
        let mut profiles: Vec<DealerProfile> = rows
            .into_iter()
            .map(|(dealer_id, active, capacity)| DealerProfile {
                dealer_id,
                active,
                capacity: i64::from(capacity),
                open_load: 0,
                territories: Vec::new(),
                product_lines: Vec::new(),
            })
            .collect();
        let at = |profiles: &[DealerProfile], id: i64| {
            profiles.binary_search_by_key(&id, |d| d.dealer_id).ok()
        };
        let territories: Vec<(i64, String, Option<String>, Option<String>)> =
            dealer_territories::table
                .select((
                    dealer_territories::dealer_id,
                    dealer_territories::country,
                    dealer_territories::postcode_prefix,
                    dealer_territories::region,
                ))
                .load(conn)?;
        for (dealer_id, country, prefix, region) in territories {
            let territory = match (prefix, region) {
                (Some(prefix), _) => Territory::Postcode { country, prefix },
                (None, Some(region)) => Territory::Region { country, region },
                (None, None) => continue,
            };
            if let Some(i) = at(&profiles, dealer_id) {
                profiles[i].territories.push(territory);
            }
        }
        let lines: Vec<(i64, String)> = dealer_product_lines::table
            .select((
                dealer_product_lines::dealer_id,
                dealer_product_lines::product_line,
            ))
            .load(conn)?;
        for (dealer_id, line) in lines {
            if let Some(i) = at(&profiles, dealer_id) {
                profiles[i].product_lines.push(line);
            }
        }
        for (dealer_id, open) in open_offer_counts(conn)?
            .into_iter()
            .chain(accepted_open_counts(conn)?)
        {
            if let Some(i) = at(&profiles, dealer_id) {
                profiles[i].open_load += open;
            }
        }
        let mut state: Vec<Candidate> = profiles
            .iter()
            .map(|d| Candidate {
                dealer_id: d.dealer_id,
                weight: allocator::allocation_weight(None),
                entitled: 0,
                received: 0,
            })
            .collect();
        let stored: Vec<AllocationState> = dealer_allocation_state::table
            .select(AllocationState::as_select())
            .load(conn)?;
        for s in stored {
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
        })
    }

    /// Chooses the dealer for a lead that has had no offer yet, as
    /// [`super::offering::offer_to_next_dealer`] would, and counts the offer in the
    /// dealer's load and state. Call [`NetworkSnapshot::undo`] if the offer is not stored.
    pub fn choose(&mut self, lead: &LeadProfile) -> Result<SnapshotChoice, UnallocatedReason> {
        let mut positions = Vec::new();
        self.index
            .candidate_positions_into(lead, &[], &mut positions);
        if positions.is_empty() {
            return Err(match self.index.no_candidate_reason(lead, &[]) {
                None | Some(Ineligible::NoTerritoryMatch) => UnallocatedReason::NoTerritoryMatch,
                Some(Ineligible::Inactive | Ineligible::ProductLine) => {
                    UnallocatedReason::NoDealerForProductLine
                }
                Some(Ineligible::AlreadyDeclinedOrExpired) => UnallocatedReason::AllDeclined,
                Some(Ineligible::AtCapacity) => UnallocatedReason::AllAtCapacity,
            });
        }
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

    /// Who gets `dealer_id`'s offer emails (read once per snapshot).
    pub fn recipients(
        &mut self,
        conn: &mut DbConnection,
        dealer_id: i64,
    ) -> Result<&OfferRecipients, AppError> {
        Ok(match self.recipients.entry(dealer_id) {
            std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::hash_map::Entry::Vacant(new) => {
                new.insert(OfferRecipients::load(conn, dealer_id)?)
            }
        })
    }

    /// Writes the changed allocation states back, in the caller's transaction.
    pub fn save(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let changed = self.state.iter().zip(&self.changed).filter(|(_, c)| **c);
        super::offering::save_states(conn, changed.map(|(state, _)| state))
    }
}

/// Open offers per dealer, for every dealer that has one.
fn open_offer_counts(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    offers::table
        .filter(offers::status.eq("open"))
        .group_by(offers::dealer_id)
        .select((offers::dealer_id, diesel::dsl::count_star()))
        .load(conn)
}

/// Accepted leads still being worked per dealer: one status at a time, so that each count
/// walks the `(status, dealer_id)` index in order without sorting.
fn accepted_open_counts(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    let mut counts = Vec::new();
    for status in LeadStatus::OPEN_FOR_DEALER {
        let rows: Vec<(Option<i64>, i64)> = leads::table
            .filter(leads::status.eq(status.as_str()))
            .group_by(leads::dealer_id)
            .select((leads::dealer_id, diesel::dsl::count_star()))
            .load(conn)?;
        counts.extend(
            rows.into_iter()
                .filter_map(|(dealer, n)| dealer.map(|d| (d, n))),
        );
    }
    Ok(counts)
}

/// The eligibility view of a lead, normalised as the per-lead queries compare it: the
/// postcode without spaces, a blank region as none.
pub fn lead_profile(
    country: &str,
    postcode: Option<&str>,
    region: Option<&str>,
    product_line: &str,
) -> LeadProfile {
    LeadProfile {
        country: country.to_owned(),
        postcode: postcode
            .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<String>())
            .filter(|p| !p.is_empty()),
        region: region.filter(|r| !r.trim().is_empty()).map(str::to_owned),
        product_line: product_line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_profile_compares_postcodes_without_spaces() {
        let p = lead_profile("GB", Some("SW1A 1AA"), Some("  "), "lathes");
        assert_eq!(p.postcode.as_deref(), Some("SW1A1AA"));
        assert_eq!(p.region, None);
    }
}
