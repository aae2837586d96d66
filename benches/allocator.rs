//! Lead allocation decisions per second, in memory, over a network of 5,000 dealers
//! spread over Italian postcode prefixes and regions with 2–4 product lines each.
//!
//! One decision is what an in-memory allocator does for a lead once the network is
//! loaded: find the eligible dealers through the territory index (eligibility filter
//! included) and choose among them with the largest-shortfall rule, updating their
//! running state (kept by dealer position, next to the index) in place. Target: at least
//! 1,000,000 decisions/s.
//!
//! Run with `cargo bench --bench allocator`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dealerloop::domain::{RegionKey, Territory, TerritoryKey};
use dealerloop::services::allocation::allocator::{Candidate, allocate_among, allocate_in_place};
use dealerloop::services::allocation::eligibility::{DealerProfile, EligibilityIndex, LeadProfile};
use dealerloop::services::dealer_score::{self, ScoreRule};

const DEALERS: i64 = 5_000;
const LEADS: usize = 20_000;

/// Italian regions with the two-digit postcode (CAP) prefixes of their provinces.
const REGIONS: &[(&str, &[&str])] = &[
    (
        "Lombardia",
        &["20", "21", "22", "23", "24", "25", "26", "27", "46"],
    ),
    ("Piemonte", &["10", "12", "13", "14", "15", "28"]),
    ("Valle d'Aosta", &["11"]),
    ("Liguria", &["16", "17", "18", "19"]),
    ("Veneto", &["30", "31", "32", "35", "36", "37", "45"]),
    ("Trentino-Alto Adige", &["38", "39"]),
    ("Friuli-Venezia Giulia", &["33", "34"]),
    (
        "Emilia-Romagna",
        &["29", "40", "41", "42", "43", "44", "47", "48"],
    ),
    (
        "Toscana",
        &["50", "51", "52", "53", "54", "55", "56", "57", "58", "59"],
    ),
    ("Umbria", &["05", "06"]),
    ("Marche", &["60", "61", "62", "63"]),
    ("Lazio", &["00", "01", "02", "03", "04"]),
    ("Abruzzo", &["64", "65", "66", "67"]),
    ("Molise", &["86"]),
    ("Campania", &["80", "81", "82", "83", "84"]),
    ("Puglia", &["70", "71", "72", "73", "74", "76"]),
    ("Basilicata", &["75", "85"]),
    ("Calabria", &["87", "88", "89"]),
    (
        "Sicilia",
        &["90", "91", "92", "93", "94", "95", "96", "97", "98"],
    ),
    ("Sardegna", &["07", "08", "09"]),
];

const PRODUCT_LINES: &[&str] = &[
    "lathes",
    "milling",
    "press-brakes",
    "laser-cutting",
    "grinding",
    "saws",
    "edm",
    "bending",
];

/// SplitMix64: a small deterministic generator, so every run measures the same network.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A territory as stored: keyed when it was written.
fn territory(rng: &mut Rng) -> TerritoryKey {
    let (region, prefixes) = *rng.pick(REGIONS);
    let territory = if rng.chance(0.25) {
        Territory::Region {
            country: "IT".into(),
            region: region.into(),
        }
    } else {
        postcode_territory(rng, prefixes)
    };
    TerritoryKey::of(&territory).expect("no blank territory")
}

fn postcode_territory(rng: &mut Rng, prefixes: &[&str]) -> Territory {
    let two = *rng.pick(prefixes);
    let prefix = if rng.chance(0.6) {
        format!("{two}{}", rng.below(10))
    } else {
        two.to_owned()
    };
    Territory::Postcode {
        country: "IT".into(),
        prefix,
    }
}

fn network(rng: &mut Rng) -> Vec<DealerProfile> {
    (1..=DEALERS)
        .map(|dealer_id| {
            let territories = (0..1 + rng.below(3)).map(|_| territory(rng)).collect();
            let mut product_lines: Vec<String> = Vec::new();
            let wanted = 2 + rng.below(3);
            while product_lines.len() < wanted {
                let line = (*rng.pick(PRODUCT_LINES)).to_owned();
                if !product_lines.contains(&line) {
                    product_lines.push(line);
                }
            }
            let capacity = 5 + rng.below(46) as i64;
            let open_load = rng.below(capacity as usize + 6) as i64;
            DealerProfile {
                dealer_id,
                active: rng.chance(0.97),
                capacity,
                open_load,
                territories,
                product_lines,
            }
        })
        .collect()
}

fn leads(rng: &mut Rng) -> Vec<LeadProfile> {
    (0..LEADS)
        .map(|_| {
            let (region, prefixes) = *rng.pick(REGIONS);
            let postcode = format!("{}{:03}", rng.pick(prefixes), rng.below(1000));
            // Drawn in this order, so every run measures the same leads.
            let (with_postcode, with_region) = (rng.chance(0.95), rng.chance(0.8));
            let line = *rng.pick(PRODUCT_LINES);
            // As stored: the region's key was taken when the lead was written.
            LeadProfile::new(
                "IT",
                with_postcode.then_some(postcode.as_str()),
                with_region.then(|| RegionKey::of(region)).flatten(),
                line,
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x00de_a1e7_100b);
    let index = EligibilityIndex::new(network(&mut rng));
    let leads = leads(&mut rng);
    // Running state per dealer (position = id - 1), with the weights real scores give:
    // scores spread from 20 to 95 around a network mean of 60, through the score rule's
    // own weight function (floor 0.5, cap 2).
    let rule = ScoreRule::default();
    let mut state: Vec<Candidate> = (1..=DEALERS)
        .map(|dealer_id| Candidate {
            dealer_id,
            weight: dealer_score::weight(20.0 + rng.below(7_501) as f64 / 100.0, 60.0, &rule),
            entitled: 0,
            received: 0,
        })
        .collect();

    let eligible: usize = leads.iter().map(|l| index.candidates(l, &[]).len()).sum();
    let unallocated = leads
        .iter()
        .filter(|l| index.candidates(l, &[]).is_empty())
        .count();
    eprintln!(
        "{DEALERS} dealers, {LEADS} leads: {:.1} eligible dealers per lead on average, {:.1}% of leads with none",
        eligible as f64 / LEADS as f64,
        100.0 * unallocated as f64 / LEADS as f64,
    );

    let mut group = c.benchmark_group("allocator");
    group.throughput(Throughput::Elements(1));

    // The network's running state is kept by position in the index (ascending dealer
    // id), so the decision reads and updates it in place.
    assert!((1..=DEALERS).all(|id| index.dealer_id_at((id - 1) as u32) == Some(id)));
    let mut positions: Vec<u32> = Vec::new();
    let mut next = 0usize;
    group.bench_function("decision over 5000 dealers", |b| {
        b.iter(|| {
            let lead = &leads[next % LEADS];
            next += 1;
            index.candidate_positions_into(black_box(lead), &[], &mut positions);
            let chosen = allocate_among(&mut state, &positions).map(|i| state[i].dealer_id);
            black_box(chosen)
        })
    });

    // The two halves on their own, to see where the time goes.
    let mut next = 0usize;
    group.bench_function("eligibility lookup only", |b| {
        b.iter(|| {
            let lead = &leads[next % LEADS];
            next += 1;
            index.candidate_positions_into(black_box(lead), &[], &mut positions);
            black_box(positions.len())
        })
    });
    let mut twenty: Vec<Candidate> = state[..20].to_vec();
    group.bench_function("allocate only, 20 candidates", |b| {
        b.iter(|| black_box(allocate_in_place(black_box(&mut twenty))))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(50);
    targets = bench
}
criterion_main!(benches);
