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
//! ([`covering_profiles`]); both decide with the same [`EligibilityIndex`].

use std::collections::HashMap;

use diesel::prelude::*;

use super::allocator::{self, Candidate};
use super::eligibility::{DealerProfile, EligibilityIndex, LeadProfile};
use super::offering::{OfferRecipients, UnallocatedReason};
use crate::db::DbConnection;
use crate::domain::{LeadStatus, OfferStatus, TerritoryKey};
use crate::error::AppError;
use crate::models::offer::{AllocationState, Offer};
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
        let dealers: Vec<(i64, bool, i32)> = dealers::table
            .select((dealers::id, dealers::active, dealers::capacity))
            .order(dealers::id)
            .load(conn)?;
        let territories: Vec<StoredTerritory> = dealer_territories::table
            .select(STORED_TERRITORY)
            .load(conn)?;
        let lines: Vec<(i64, String)> = dealer_product_lines::table
            .select((
                dealer_product_lines::dealer_id,
                dealer_product_lines::product_line,
            ))
            .load(conn)?;
        let loads = open_offer_counts(conn)?
            .into_iter()
            .chain(accepted_open_counts(conn)?);
        let profiles = profiles(dealers, territories, lines, loads);
        let at = |profiles: &[DealerProfile], id: i64| {
            profiles.binary_search_by_key(&id, |d| d.dealer_id).ok()
        };
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

/// A territory row as eligibility reads it: dealer, country, postcode prefix, region key.
type StoredTerritory = (i64, String, Option<String>, Option<String>);

const STORED_TERRITORY: (
    dealer_territories::dealer_id,
    dealer_territories::country,
    dealer_territories::postcode_prefix,
    dealer_territories::region_key,
) = (
    dealer_territories::dealer_id,
    dealer_territories::country,
    dealer_territories::postcode_prefix,
    dealer_territories::region_key,
);

/// The eligibility profiles of `dealers` (id, active, capacity; ascending ids) with the
/// `territories`, product `lines` and open `loads` (summed per dealer) read for them.
fn profiles(
    dealers: Vec<(i64, bool, i32)>,
    territories: Vec<StoredTerritory>,
    lines: impl IntoIterator<Item = (i64, String)>,
    loads: impl IntoIterator<Item = (i64, i64)>,
) -> Vec<DealerProfile> {
    let mut profiles: Vec<DealerProfile> = dealers
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
    for (dealer_id, country, prefix, region_key) in territories {
        if let (Some(i), Some(territory)) = (
            at(&profiles, dealer_id),
            TerritoryKey::from_stored(country, prefix.as_deref(), region_key),
        ) {
            profiles[i].territories.push(territory);
        }
    }
    for (dealer_id, line) in lines {
        if let Some(i) = at(&profiles, dealer_id) {
            profiles[i].product_lines.push(line);
        }
    }
    for (dealer_id, open) in loads {
        if let Some(i) = at(&profiles, dealer_id) {
            profiles[i].open_load += open;
        }
    }
    profiles
}

/// The dealers that may cover `lead`, as eligibility profiles: those with a territory in
/// the lead's country whose postcode prefix begins the lead's postcode or whose region key
/// is the lead's (two index look-ups rather than one `OR` that would scan every territory
/// of the country), with just those territories. The query only pre-selects: the
/// [`EligibilityIndex`] built over them decides, as it does for a batch.
pub fn covering_profiles(
    conn: &mut DbConnection,
    lead: &LeadProfile,
) -> QueryResult<Vec<DealerProfile>> {
    let mut territories: Vec<StoredTerritory> = match &lead.postcode {
        Some(postcode) => dealer_territories::table
            .filter(dealer_territories::country.eq(&lead.country))
            .filter(dealer_territories::postcode_prefix.eq_any(postcode.prefixes()))
            .select(STORED_TERRITORY)
            .load(conn)?,
        None => Vec::new(),
    };
    if let Some(region) = &lead.region {
        territories.extend(
            dealer_territories::table
                .filter(dealer_territories::country.eq(&lead.country))
                .filter(dealer_territories::region_key.eq(region.as_str()))
                .select(STORED_TERRITORY)
                .load::<StoredTerritory>(conn)?,
        );
    }
    let mut ids: Vec<i64> = territories.iter().map(|t| t.0).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Each dealer with each of its product lines (once, without any).
    let rows: Vec<(i64, bool, i32, Option<String>)> = dealers::table
        .left_join(dealer_product_lines::table)
        .filter(dealers::id.eq_any(&ids))
        .select((
            dealers::id,
            dealers::active,
            dealers::capacity,
            dealer_product_lines::product_line.nullable(),
        ))
        .order(dealers::id)
        .load(conn)?;
    let mut dealers: Vec<(i64, bool, i32)> = rows.iter().map(|r| (r.0, r.1, r.2)).collect();
    dealers.dedup_by_key(|d| d.0);
    let lines = rows
        .into_iter()
        .filter_map(|(id, _, _, line)| line.map(|line| (id, line)));
    let loads = Offer::open_counts(conn, &ids)?
        .into_iter()
        .chain(accepted_open_counts_of(conn, &ids)?);
    Ok(profiles(dealers, territories, lines, loads))
}

/// Leads accepted and still being worked, per dealer among `dealer_ids`.
fn accepted_open_counts_of(
    conn: &mut DbConnection,
    dealer_ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    let open = LeadStatus::OPEN_FOR_DEALER;
    let rows: Vec<(Option<i64>, i64)> = leads::table
        .filter(leads::dealer_id.eq_any(dealer_ids))
        .filter(leads::status.eq_any(open))
        .group_by(leads::dealer_id)
        .select((leads::dealer_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(dealer, n)| dealer.map(|d| (d, n)))
        .collect())
}

/// Open offers per dealer, for every dealer that has one.
fn open_offer_counts(conn: &mut DbConnection) -> QueryResult<Vec<(i64, i64)>> {
    offers::table
        .filter(offers::status.eq(OfferStatus::Open))
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
            .filter(leads::status.eq(status))
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
