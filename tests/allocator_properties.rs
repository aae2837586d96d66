//! Properties of the pure lead allocator and eligibility check, over random networks and
//! random sequences of leads.
//!
//! Fairness is stated as precisely as it is true (see the `allocator` module docs for the
//! proofs and counterexamples), with `n` dealers in the network:
//! - up to three dealers: each stays strictly within one lead of its weighted share among
//!   the leads it was eligible for, whatever the eligible sets and weights;
//! - every dealer eligible for every lead: nobody is a whole lead ahead, and nobody more
//!   than (n − 1) / 2 leads behind ("within one lead behind" fails from five dealers on:
//!   weights 1, 1, 1, 11, 11 leave the fifth 26/25 behind after 16 leads);
//! - eligible sets that change from lead to lead: no online rule can keep everyone within
//!   one lead from four dealers on (1/4 + 1/3 + 1/2 = 13/12); the greedy rule keeps every
//!   dealer within max(1, (n − 1) / 2) leads (proved for equal weights, observed for
//!   weighted ones);
//! - entitlement never drifts: exactly one lead is handed out per decision.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dealerloop::domain::{RegionKey, Territory, TerritoryKey};
use dealerloop::services::allocation::allocator::{
    Candidate, LEAD, allocate, allocate_in_place, effective_weight,
};
use dealerloop::services::allocation::eligibility::{
    DealerProfile, EligibilityIndex, Ineligible, LeadProfile, is_eligible, territory_matches,
};
use proptest::prelude::*;

/// 512 cases per property unless `PROPTEST_CASES` says otherwise (for longer searches).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512)
}

// ---------------------------------------------------------------------------------------
// Eligibility

/// Region names as people write them: in any case, with accents composed or not, with
/// stray spaces.
const REGIONS: [&str; 10] = [
    "Lombardia",
    "  LOMBARDIA ",
    "Veneto",
    "Südtirol",
    "SU\u{308}DTIROL",
    "Île-de-France",
    "ÎLE-DE-FRANCE",
    "I\u{302}le-de-france",
    "Valle d'Aosta",
    "valle   D'AOSTA",
];

fn territory() -> impl Strategy<Value = TerritoryKey> {
    let country = prop::sample::select(vec!["IT", "CH", "it"]);
    prop_oneof![
        (
            country.clone(),
            prop::sample::select(vec!["2", "20", "201", "2012", "21", "3", "30", "a1", "A"]),
        )
            .prop_map(|(c, p)| Territory::Postcode {
                country: c.into(),
                prefix: p.into(),
            }),
        (country, prop::sample::select(REGIONS.to_vec())).prop_map(|(c, r)| {
            Territory::Region {
                country: c.into(),
                region: r.into(),
            }
        }),
    ]
    .prop_map(|t| TerritoryKey::of(&t).expect("no blank territory here"))
}

const LINES: [&str; 4] = ["lathes", "saws", "Milling", "press-brakes"];

fn dealer(dealer_id: i64) -> impl Strategy<Value = DealerProfile> {
    (
        prop::bool::weighted(0.9),
        0i64..4,
        0i64..4,
        prop::collection::vec(territory(), 0..4),
        prop::sample::subsequence(LINES.to_vec(), 0..=LINES.len()),
    )
        .prop_map(
            move |(active, capacity, open_load, territories, lines)| DealerProfile {
                dealer_id,
                active,
                capacity,
                open_load,
                territories,
                product_lines: lines.into_iter().map(String::from).collect(),
            },
        )
}

/// Up to 40 dealers with distinct, unordered ids.
fn network() -> impl Strategy<Value = Vec<DealerProfile>> {
    prop::collection::btree_set(1i64..500, 0..40)
        .prop_flat_map(|ids| ids.into_iter().map(dealer).collect::<Vec<_>>())
        .prop_shuffle()
}

fn lead() -> impl Strategy<Value = LeadProfile> {
    (
        prop::sample::select(vec!["IT", "it", "CH", "FR"]),
        prop::option::of(prop::sample::select(vec![
            "20121", "20 121", "20", "2", "30100", "21000", "a1b", "A1 B", "",
        ])),
        prop::option::of(prop::sample::select(
            REGIONS
                .iter()
                .copied()
                .chain(["Piemonte", " "])
                .collect::<Vec<_>>(),
        )),
        prop::sample::select(vec!["lathes", "LATHES", "saws", "milling", "robots"]),
    )
        .prop_map(|(country, postcode, region, line)| {
            LeadProfile::new(country, postcode, region.and_then(RegionKey::of), line)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// The index finds exactly the dealers the plain check accepts, and the allocator only
    /// ever chooses among them.
    #[test]
    fn never_an_ineligible_dealer(
        dealers in network(),
        lead in lead(),
        excluded_picks in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        states in prop::collection::vec((0.0f64..6.0, 0i64..5 * LEAD, 0i64..5), 40),
    ) {
        let excluded: Vec<i64> = if dealers.is_empty() {
            Vec::new()
        } else {
            excluded_picks.iter().map(|i| i.get(&dealers).dealer_id).collect()
        };
        let index = EligibilityIndex::new(dealers.clone());
        let found = index.candidates(&lead, &excluded);

        let mut expected: Vec<i64> = dealers
            .iter()
            .filter(|d| is_eligible(d, &lead, &excluded).is_ok())
            .map(|d| d.dealer_id)
            .collect();
        expected.sort_unstable();
        prop_assert_eq!(&found, &expected);
        // The reason a lead waits: the closest any covering dealer came.
        let reason = dealers
            .iter()
            .filter(|d| d.territories.iter().any(|t| territory_matches(t, &lead)))
            .map(|d| is_eligible(d, &lead, &excluded).err())
            .max_by_key(|r| r.map_or(u8::MAX, |r| r as u8));
        let expected_reason = match reason {
            None => Some(Ineligible::NoTerritoryMatch),
            Some(None) => None,
            Some(Some(r)) => Some(r),
        };
        prop_assert_eq!(index.no_candidate_reason(&lead, &excluded), expected_reason);
        prop_assert_eq!(expected_reason.is_none(), !found.is_empty());
        // The decision every path makes: these dealers, or that reason.
        let mut positions = Vec::new();
        let decided = index.eligible_into(&lead, &excluded, &mut positions);
        prop_assert_eq!(decided.err(), expected_reason);
        let decided_ids: Vec<i64> = positions.iter().filter_map(|&p| index.dealer_id_at(p)).collect();
        prop_assert_eq!(&decided_ids, &found);

        let candidates: Vec<Candidate> = found
            .iter()
            .zip(&states)
            .map(|(&dealer_id, &(weight, entitled, received))| Candidate {
                dealer_id,
                weight,
                entitled,
                received,
            })
            .collect();
        match allocate(&candidates) {
            None => prop_assert!(found.is_empty()),
            Some(decision) => {
                prop_assert!(found.contains(&decision.chosen));
                let chosen = dealers.iter().find(|d| d.dealer_id == decision.chosen).unwrap();
                prop_assert_eq!(is_eligible(chosen, &lead, &excluded), Ok(()));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Fairness and exactness

/// A bound on a dealer's shortfall, in leads.
#[derive(Debug, Clone, Copy)]
enum Bound {
    Strict(f64),
    Inclusive(f64),
}

impl Bound {
    fn value(self) -> f64 {
        match self {
            Bound::Strict(b) | Bound::Inclusive(b) => b,
        }
    }
}

/// (n − 1) / 2 leads for a network of `n` dealers.
fn half_n_minus_one(n: usize) -> f64 {
    (n as f64 - 1.0) / 2.0
}

/// Tracks a network of dealers `1..=n` through a sequence of decisions, with both the
/// allocator's integer state and an independent floating-point weighted share.
struct Simulation {
    state: Vec<Candidate>,
    share: Vec<f64>,
    leads: i64,
}

impl Simulation {
    fn new(n: usize) -> Self {
        Simulation {
            state: (1..=n as i64)
                .map(|dealer_id| Candidate {
                    dealer_id,
                    weight: 1.0,
                    entitled: 0,
                    received: 0,
                })
                .collect(),
            share: vec![0.0; n],
            leads: 0,
        }
    }

    /// One lead for the dealers in `eligible` (bit i: dealer i + 1), with `weights`.
    fn decide(&mut self, eligible: u8, weights: &[f64]) -> i64 {
        let members: Vec<usize> = (0..self.state.len())
            .filter(|i| eligible & (1 << i) != 0)
            .collect();
        let mut candidates: Vec<Candidate> = members
            .iter()
            .map(|&i| Candidate {
                weight: weights[i],
                ..self.state[i].clone()
            })
            .collect();
        let total: f64 = members.iter().map(|&i| effective_weight(weights[i])).sum();
        for &i in &members {
            self.share[i] += effective_weight(weights[i]) / total;
        }
        let chosen = allocate_in_place(&mut candidates).unwrap();
        let chosen_id = candidates[chosen].dealer_id;
        for (c, &i) in candidates.into_iter().zip(&members) {
            self.state[i] = c;
        }
        self.leads += 1;
        chosen_id
    }

    /// Checks that every dealer's shortfall (entitlement minus leads received, in leads)
    /// lies between `lowest` and `highest` (strictly at a bound marked strict), on the
    /// exact integer state and on the floating-point share.
    fn check_within(&self, lowest: Bound, highest: Bound) -> Result<(), TestCaseError> {
        // The nano-lead rounding and the weight grid move the integer state away from the
        // real-number share by far less than a millionth of a lead per decision.
        let slack = 1e-6 * self.leads as f64;
        for (c, &share) in self.state.iter().zip(&self.share) {
            let shortfall = c.shortfall() as f64 / LEAD as f64;
            let off = share - c.received as f64;
            let above = match lowest {
                Bound::Strict(b) => shortfall > b,
                Bound::Inclusive(b) => shortfall >= b,
            };
            let below = match highest {
                Bound::Strict(b) => shortfall < b,
                Bound::Inclusive(b) => shortfall <= b,
            };
            prop_assert!(
                above && below,
                "dealer {} shortfall {shortfall}",
                c.dealer_id
            );
            prop_assert!(
                off >= lowest.value() - slack && off <= highest.value() + slack,
                "dealer {} off its share by {off}",
                c.dealer_id
            );
            prop_assert!((off - shortfall).abs() <= slack + 1e-9);
        }
        Ok(())
    }

    fn check_no_drift(&self) -> Result<(), TestCaseError> {
        let entitled: i64 = self.state.iter().map(|c| c.entitled).sum();
        let received: i64 = self.state.iter().map(|c| c.received).sum();
        prop_assert_eq!(entitled, LEAD * self.leads);
        prop_assert_eq!(received, self.leads);
        prop_assert_eq!(self.state.iter().map(Candidate::shortfall).sum::<i64>(), 0);
        Ok(())
    }
}

fn weights(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0.1f64..=5.0, n)
}

/// A network of 1–8 dealers with weights in [0.1, 5] and up to 300 leads, each with a
/// non-empty eligible subset.
fn subsets_scenario(max_dealers: usize) -> impl Strategy<Value = (usize, Vec<f64>, Vec<u8>)> {
    (1..=max_dealers).prop_flat_map(|n| {
        let all = ((1u16 << n) - 1) as u8;
        (
            Just(n),
            weights(n),
            prop::collection::vec((1u8..=255).prop_map(move |m| m & all), 1..300).prop_map(
                move |masks| {
                    masks
                        .into_iter()
                        .map(|m| if m == 0 { all } else { m })
                        .collect()
                },
            ),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Smooth weighted round robin: with every dealer eligible for every lead, nobody is
    /// ever a whole lead ahead of its weighted share nor more than (n − 1) / 2 behind.
    #[test]
    fn with_every_dealer_eligible_none_is_a_lead_ahead_or_half_n_minus_one_behind(
        (n, w) in (1usize..=8).prop_flat_map(|n| (Just(n), weights(n))),
        leads in 1usize..400,
    ) {
        let mut sim = Simulation::new(n);
        let all = ((1u16 << n) - 1) as u8;
        for _ in 0..leads {
            sim.decide(all, &w);
            sim.check_within(Bound::Strict(-1.0), Bound::Inclusive(half_n_minus_one(n)))?;
        }
        sim.check_no_drift()?;
    }

    /// The same when the weights change between leads (scores are recomputed).
    #[test]
    fn with_every_dealer_eligible_changing_weights_keep_the_same_bounds(
        (n, ws) in (1usize..=8).prop_flat_map(|n| (Just(n), prop::collection::vec(weights(n), 1..300))),
    ) {
        let mut sim = Simulation::new(n);
        let all = ((1u16 << n) - 1) as u8;
        for w in &ws {
            sim.decide(all, w);
            sim.check_within(Bound::Strict(-1.0), Bound::Inclusive(half_n_minus_one(n)))?;
        }
        sim.check_no_drift()?;
    }

    /// With up to three dealers, "within one lead of the weighted share among the leads it
    /// was eligible for" holds for any sequence of eligible subsets (proved by induction:
    /// the loser of a pair ends below (1 − third's shortfall) / 2).
    #[test]
    fn with_up_to_three_dealers_any_eligible_subsets_stay_within_one_lead(
        (n, w, masks) in subsets_scenario(3),
    ) {
        let mut sim = Simulation::new(n);
        for &m in &masks {
            sim.decide(m, &w);
            sim.check_within(Bound::Strict(-1.0), Bound::Strict(1.0))?;
        }
        sim.check_no_drift()?;
    }

    /// With any eligible subsets of up to eight dealers, every dealer stays within
    /// max(1, (n − 1) / 2) leads of its weighted share: the greedy rule's worst case for
    /// the carpool problem (equal weights, Ajtai et al. 1998), which random and searched
    /// weighted cases also respect. "Within one lead" itself cannot be promised by any
    /// online rule from four dealers on.
    #[test]
    fn with_any_eligible_subsets_each_stays_within_half_of_n_minus_one_leads(
        (n, w, masks) in subsets_scenario(8),
        equal in any::<bool>(),
    ) {
        let w = if equal { vec![1.0; n] } else { w };
        let bound = half_n_minus_one(n).max(1.0);
        let mut sim = Simulation::new(n);
        for &m in &masks {
            sim.decide(m, &w);
            sim.check_within(Bound::Inclusive(-bound), Bound::Inclusive(bound))?;
        }
        sim.check_no_drift()?;
    }

    /// Exactly one lead of entitlement is handed out per decision, and each dealer's
    /// increment is its exact share rounded down or up, whatever the weights (zero,
    /// negative, NaN and infinite ones count as the floor or the cap).
    #[test]
    fn entitlement_never_drifts(
        (n, masks) in (1usize..=8).prop_flat_map(|n| {
            let all = ((1u16 << n) - 1) as u8;
            (Just(n), prop::collection::vec((1u8..=255).prop_map(move |m| if m & all == 0 { all } else { m & all }), 1..200))
        }),
        raw in prop::collection::vec(
            prop_oneof![
                4 => 0.0f64..1e4,
                1 => Just(0.0),
                1 => Just(-1.0),
                1 => Just(f64::NAN),
                1 => Just(f64::INFINITY),
                1 => Just(f64::MIN_POSITIVE),
            ],
            8,
        ),
    ) {
        let mut sim = Simulation::new(n);
        for &m in &masks {
            let before: Vec<i64> = sim.state.iter().map(|c| c.entitled).collect();
            sim.decide(m, &raw[..n]);
            sim.check_no_drift()?;
            let total: f64 = (0..n).filter(|i| m & (1 << i) != 0).map(|i| effective_weight(raw[i])).sum();
            for i in (0..n).filter(|i| m & (1 << i) != 0) {
                let exact = effective_weight(raw[i]) / total * LEAD as f64;
                let got = (sim.state[i].entitled - before[i]) as f64;
                prop_assert!((got - exact).abs() < 1.0 + 1e-6 * exact, "got {got}, exact {exact}");
            }
        }
    }

    /// Listing the candidates in another order changes neither the choice nor the states.
    #[test]
    fn the_order_of_the_candidates_does_not_matter(
        states in prop::collection::vec((0.05f64..10.0, -3 * LEAD..3 * LEAD, 0i64..3), 1..12),
        ids in prop::collection::btree_set(1i64..1_000, 12),
        seed in any::<u64>(),
    ) {
        let candidates: Vec<Candidate> = states
            .iter()
            .zip(ids)
            .map(|(&(weight, entitled, received), dealer_id)| Candidate { dealer_id, weight, entitled, received })
            .collect();
        let mut shuffled = candidates.clone();
        // A simple deterministic shuffle from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let a = allocate(&candidates).unwrap();
        let b = allocate(&shuffled).unwrap();
        prop_assert_eq!(a.chosen, b.chosen);
        let mut a_after = a.after;
        let mut b_after = b.after;
        a_after.sort_by_key(|c| c.dealer_id);
        b_after.sort_by_key(|c| c.dealer_id);
        prop_assert_eq!(a_after, b_after);
    }

    /// Replaying the stored "before" states of a history gives the same choices and states.
    #[test]
    fn replaying_stored_decisions_gives_the_same_choices(
        (n, w, masks) in subsets_scenario(6),
    ) {
        let mut sim = Simulation::new(n);
        let mut history = Vec::new();
        for &m in &masks {
            let before: Vec<Candidate> = (0..n)
                .filter(|i| m & (1 << i) != 0)
                .map(|i| Candidate { weight: w[i], ..sim.state[i].clone() })
                .collect();
            let chosen = sim.decide(m, &w);
            history.push((before, chosen));
        }
        for (before, chosen) in history {
            prop_assert_eq!(allocate(&before).map(|a| a.chosen), Some(chosen));
        }
    }
}
