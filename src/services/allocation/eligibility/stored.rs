//! Eligibility profiles read from the database: the whole network, for a batch's
//! snapshot ([`network_profiles`]), or just the dealers that may cover one lead, the SQL
//! pre-select of a single offer ([`covering_profiles`]). The queries only read and
//! pre-select: the [`super::EligibilityIndex`] built over the profiles decides, the same
//! way on both paths.

use diesel::prelude::*;

use super::{DealerProfile, LeadProfile};
use crate::db::DbConnection;
use crate::domain::{LeadStatus, OfferStatus, TerritoryKey};
use crate::models::offer::Offer;
use crate::schema::{dealer_product_lines, dealer_territories, dealers, leads, offers};

/// Every dealer's profile, in ascending id order: dealers with their territories, product
/// lines and open loads.
pub fn network_profiles(conn: &mut DbConnection) -> QueryResult<Vec<DealerProfile>> {
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
    Ok(profiles(dealers, territories, lines, loads))
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
/// [`super::EligibilityIndex`] built over them decides, as it does for a batch.
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
    let open = LeadStatus::OPEN_FOR_DEALER.map(LeadStatus::as_str);
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
