//! Which dealers may take a lead: the one rule, on every path.
//!
//! A dealer is eligible for a lead when it is active, one of its territories matches the
//! lead (same country, and the lead's postcode starts with the territory's prefix or the
//! lead's region is the territory's region), it handles the lead's product line, it has
//! not already declined this lead or let an offer of it expire, and its open load is below
//! its capacity. Postcodes and regions are compared by their keys
//! ([`PostcodeKey`], [`RegionKey`]: case folded, spaces normalised, computed once when a
//! lead or territory is stored, never per comparison); countries and product lines
//! ignoring ASCII case.
//!
//! [`EligibilityIndex`] decides ([`EligibilityIndex::eligible_into`]) for a batch over the
//! whole network and for a single lead over the dealers a query pre-selected (those with a
//! territory in the lead's country whose prefix or region key the lead has): the same code
//! either way. [`is_eligible`] states the rule dealer by dealer; the index explains with it
//! why a lead waits, and finds candidates with lists that give the same answer without
//! looking at every dealer (property-tested against it).
//!
//! The rule is here; the index in `index`, and the profiles read from the database (the
//! whole network, or the SQL pre-select for one lead) in [`stored`].

use std::fmt;

use crate::domain::{PostcodeKey, RegionKey, TerritoryKey};

mod index;
pub mod stored;

pub use index::EligibilityIndex;

/// What the eligibility check needs to know about a dealer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealerProfile {
    pub dealer_id: i64,
    pub active: bool,
    /// How many open leads (open offers + accepted leads without outcome) it can work.
    pub capacity: i64,
    /// Its open offers plus accepted leads without an outcome.
    pub open_load: i64,
    /// Its territories, keyed as stored.
    pub territories: Vec<TerritoryKey>,
    pub product_lines: Vec<String>,
}

/// What the eligibility check needs to know about a lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadProfile {
    /// ISO country code, e.g. `IT`.
    pub country: String,
    pub postcode: Option<PostcodeKey>,
    /// The key of its region (stored with the lead).
    pub region: Option<RegionKey>,
    pub product_line: String,
}

impl LeadProfile {
    /// The profile of a lead in `country` with `postcode` (as typed: its key is taken
    /// here), the key of its region, and `product_line`.
    pub fn new(
        country: &str,
        postcode: Option<&str>,
        region: Option<RegionKey>,
        product_line: &str,
    ) -> Self {
        Self {
            country: country.to_owned(),
            postcode: postcode.and_then(PostcodeKey::of),
            region,
            product_line: product_line.to_owned(),
        }
    }
}

/// Why a dealer may not take a lead. The checks run in this order, and a later variant is
/// "closer to eligible" than an earlier one (the derived order), which
/// [`EligibilityIndex::no_candidate_reason`] uses to name the reason a lead waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ineligible {
    /// The dealer is deactivated.
    Inactive,
    /// None of its territories covers the lead's country and postcode or region.
    NoTerritoryMatch,
    /// It does not handle the lead's product line.
    ProductLine,
    /// It already declined this lead or let an offer of it expire.
    AlreadyDeclinedOrExpired,
    /// Its open load has reached its capacity (may change: the lead can wait).
    AtCapacity,
}

impl Ineligible {
    /// A stable code for storing in a decision or the unallocated queue.
    pub fn as_str(self) -> &'static str {
        match self {
            Ineligible::Inactive => "inactive",
            Ineligible::NoTerritoryMatch => "no_territory_match",
            Ineligible::ProductLine => "product_line",
            Ineligible::AlreadyDeclinedOrExpired => "already_declined_or_expired",
            Ineligible::AtCapacity => "at_capacity",
        }
    }
}

impl fmt::Display for Ineligible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `dealer` may take `lead`; `excluded` lists the dealers that already declined
/// this lead or let an offer of it expire (searched linearly: it is short).
pub fn is_eligible(
    dealer: &DealerProfile,
    lead: &LeadProfile,
    excluded: &[i64],
) -> Result<(), Ineligible> {
    if !dealer.active {
        return Err(Ineligible::Inactive);
    }
    if !dealer
        .territories
        .iter()
        .any(|t| territory_matches(t, lead))
    {
        return Err(Ineligible::NoTerritoryMatch);
    }
    check_beyond_territory(dealer, lead, excluded)
}

/// The checks after the territory, in [`Ineligible`] order.
fn check_beyond_territory(
    dealer: &DealerProfile,
    lead: &LeadProfile,
    excluded: &[i64],
) -> Result<(), Ineligible> {
    if !dealer
        .product_lines
        .iter()
        .any(|p| p.eq_ignore_ascii_case(&lead.product_line))
    {
        return Err(Ineligible::ProductLine);
    }
    if excluded.contains(&dealer.dealer_id) {
        return Err(Ineligible::AlreadyDeclinedOrExpired);
    }
    if dealer.open_load >= dealer.capacity {
        return Err(Ineligible::AtCapacity);
    }
    Ok(())
}

/// Whether `territory` covers `lead`: same country, and the postcode starts with the
/// prefix or the region is the same (by their keys).
pub fn territory_matches(territory: &TerritoryKey, lead: &LeadProfile) -> bool {
    territory.country().eq_ignore_ascii_case(&lead.country)
        && match territory {
            TerritoryKey::Postcode { prefix, .. } => lead
                .postcode
                .as_ref()
                .is_some_and(|postcode| postcode.starts_with(prefix)),
            TerritoryKey::Region { region, .. } => lead.region.as_ref() == Some(region),
        }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn postcode(country: &str, prefix: &str) -> TerritoryKey {
        TerritoryKey::Postcode {
            country: country.into(),
            prefix: PostcodeKey::of(prefix).unwrap(),
        }
    }

    fn region(country: &str, region: &str) -> TerritoryKey {
        TerritoryKey::Region {
            country: country.into(),
            region: RegionKey::of(region).unwrap(),
        }
    }

    fn dealer(dealer_id: i64, territories: Vec<TerritoryKey>, lines: &[&str]) -> DealerProfile {
        DealerProfile {
            dealer_id,
            active: true,
            capacity: 10,
            open_load: 0,
            territories,
            product_lines: lines.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn lead(
        country: &str,
        postcode: Option<&str>,
        region: Option<&str>,
        line: &str,
    ) -> LeadProfile {
        LeadProfile::new(country, postcode, region.and_then(RegionKey::of), line)
    }

    #[test]
    fn a_postcode_prefix_covers_every_postcode_that_starts_with_it() {
        let d = dealer(1, vec![postcode("IT", "20")], &["lathes"]);
        assert_eq!(
            is_eligible(&d, &lead("IT", Some("20121"), None, "lathes"), &[]),
            Ok(())
        );
        assert_eq!(
            is_eligible(&d, &lead("IT", Some("21100"), None, "lathes"), &[]),
            Err(Ineligible::NoTerritoryMatch)
        );
        assert_eq!(
            is_eligible(&d, &lead("IT", None, Some("Lombardia"), "lathes"), &[]),
            Err(Ineligible::NoTerritoryMatch)
        );
    }

    #[test]
    fn the_country_must_match_too() {
        let d = dealer(
            1,
            vec![postcode("IT", "20"), region("IT", "Bayern")],
            &["lathes"],
        );
        let l = lead("DE", Some("20095"), Some("Bayern"), "lathes");
        assert_eq!(is_eligible(&d, &l, &[]), Err(Ineligible::NoTerritoryMatch));
    }

    #[test]
    fn regions_and_countries_match_ignoring_case() {
        let d = dealer(1, vec![region("IT", "Emilia-Romagna")], &["press-brakes"]);
        let l = lead("it", None, Some("EMILIA-ROMAGNA"), "Press-Brakes");
        assert_eq!(is_eligible(&d, &l, &[]), Ok(()));
        let south = dealer(
            2,
            vec![region("IT", "Trentino-Alto Adige/Südtirol")],
            &["saws"],
        );
        let l = lead("IT", None, Some("TRENTINO-ALTO ADIGE/SÜDTIROL"), "saws");
        assert_eq!(is_eligible(&south, &l, &[]), Ok(()));
        let idx = EligibilityIndex::new(vec![south]);
        assert_eq!(idx.candidates(&l, &[]), vec![2]);
    }

    #[test]
    fn accented_regions_and_spaced_postcodes_match_on_the_index_as_in_the_plain_check() {
        let idf = dealer(1, vec![region("FR", "Île-de-France")], &["lathes"]);
        let london = dealer(2, vec![postcode("GB", "sw1a")], &["lathes"]);
        let idx = EligibilityIndex::new(vec![idf.clone(), london.clone()]);
        for (l, id) in [
            (lead("FR", None, Some("ÎLE-DE-FRANCE"), "lathes"), 1),
            (
                lead("FR", None, Some("  I\u{302}le-de-france "), "lathes"),
                1,
            ),
            (lead("GB", Some("SW1A 1AA"), None, "lathes"), 2),
        ] {
            let d = if id == 1 { &idf } else { &london };
            assert_eq!(is_eligible(d, &l, &[]), Ok(()));
            let mut out = Vec::new();
            assert_eq!(idx.eligible_into(&l, &[], &mut out), Ok(()));
            assert_eq!(idx.candidates(&l, &[]), vec![id]);
        }
    }

    #[test]
    fn the_decision_names_why_a_lead_waits_when_no_dealer_may_take_it() {
        let idx = EligibilityIndex::new(vec![dealer(1, vec![postcode("IT", "20")], &["lathes"])]);
        let mut out = vec![7];
        assert_eq!(
            idx.eligible_into(&lead("IT", Some("20121"), None, "saws"), &[], &mut out),
            Err(Ineligible::ProductLine)
        );
        assert!(out.is_empty());
        assert_eq!(
            idx.eligible_into(&lead("IT", Some("30121"), None, "lathes"), &[], &mut out),
            Err(Ineligible::NoTerritoryMatch)
        );
        let empty = EligibilityIndex::new(Vec::new());
        assert_eq!(
            empty.eligible_into(&lead("IT", Some("20121"), None, "lathes"), &[], &mut out),
            Err(Ineligible::NoTerritoryMatch)
        );
    }

    #[test]
    fn each_reason_is_reported_in_check_order() {
        let l = lead("IT", Some("20121"), None, "lathes");
        let mut d = dealer(1, vec![postcode("IT", "20")], &["lathes"]);
        d.open_load = 10;
        assert_eq!(is_eligible(&d, &l, &[]), Err(Ineligible::AtCapacity));
        assert_eq!(
            is_eligible(&d, &l, &[1]),
            Err(Ineligible::AlreadyDeclinedOrExpired)
        );
        d.product_lines = vec!["milling".into()];
        assert_eq!(is_eligible(&d, &l, &[1]), Err(Ineligible::ProductLine));
        d.territories = vec![postcode("IT", "30")];
        assert_eq!(is_eligible(&d, &l, &[1]), Err(Ineligible::NoTerritoryMatch));
        d.active = false;
        assert_eq!(is_eligible(&d, &l, &[1]), Err(Ineligible::Inactive));
    }

    #[test]
    fn a_dealer_with_zero_capacity_never_takes_a_lead() {
        let mut d = dealer(1, vec![postcode("IT", "2")], &["lathes"]);
        d.capacity = 0;
        let l = lead("IT", Some("20121"), None, "lathes");
        assert_eq!(is_eligible(&d, &l, &[]), Err(Ineligible::AtCapacity));
    }

    #[test]
    fn the_index_lists_each_eligible_dealer_once_in_id_order() {
        let idx = EligibilityIndex::new(vec![
            dealer(
                9,
                vec![postcode("IT", "20"), region("IT", "Lombardia")],
                &["lathes"],
            ),
            dealer(
                3,
                vec![postcode("IT", "201"), postcode("IT", "2")],
                &["lathes", "saws"],
            ),
            dealer(5, vec![region("IT", "Veneto")], &["lathes"]),
            dealer(7, vec![postcode("IT", "20")], &["saws"]),
        ]);
        let l = lead("IT", Some("20121"), Some("Lombardia"), "lathes");
        assert_eq!(idx.candidates(&l, &[]), vec![3, 9]);
        assert_eq!(idx.candidates(&l, &[3]), vec![9]);
        assert_eq!(
            idx.candidates(&lead("FR", Some("20121"), None, "lathes"), &[]),
            Vec::<i64>::new()
        );
    }

    #[test]
    fn the_reason_a_lead_waits_is_the_closest_any_dealer_came() {
        let mut full = dealer(1, vec![postcode("IT", "20")], &["lathes"]);
        full.open_load = 10;
        let declined = dealer(2, vec![postcode("IT", "20")], &["lathes"]);
        let mut idx = EligibilityIndex::new(vec![full, declined]);
        let l = lead("IT", Some("20121"), None, "lathes");
        assert_eq!(
            idx.no_candidate_reason(&l, &[2]),
            Some(Ineligible::AtCapacity)
        );
        assert_eq!(
            idx.no_candidate_reason(&l, &[1, 2]),
            Some(Ineligible::AlreadyDeclinedOrExpired)
        );
        assert_eq!(
            idx.no_candidate_reason(&lead("IT", Some("30100"), None, "lathes"), &[]),
            Some(Ineligible::NoTerritoryMatch)
        );
        assert_eq!(
            idx.no_candidate_reason(&lead("IT", Some("20121"), None, "saws"), &[]),
            Some(Ineligible::ProductLine)
        );
        assert!(idx.set_open_load(1, 9));
        assert_eq!(idx.no_candidate_reason(&l, &[2]), None);
        assert_eq!(idx.candidates(&l, &[2]), vec![1]);
        assert!(!idx.set_open_load(42, 0));
    }

    #[test]
    fn inactive_dealers_are_indexed_but_never_candidates() {
        let mut d = dealer(1, vec![postcode("IT", "20")], &["lathes"]);
        d.active = false;
        let idx = EligibilityIndex::new(vec![d]);
        let l = lead("IT", Some("20121"), None, "lathes");
        assert!(idx.candidates(&l, &[]).is_empty());
        assert_eq!(idx.no_candidate_reason(&l, &[]), Some(Ineligible::Inactive));
        assert!(idx.dealer(1).is_some());
    }

    #[test]
    fn reasons_have_stable_codes() {
        assert_eq!(Ineligible::AtCapacity.to_string(), "at_capacity");
        assert_eq!(Ineligible::NoTerritoryMatch.as_str(), "no_territory_match");
    }
}
