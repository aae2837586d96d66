//! Attribution at scale, on the generated network (`dealerloop generate`: 1,000,000 leads,
//! about 200,000 won), SQLite:
//! - `credit_one_outcome`: what recording a won outcome adds to a feedback submission —
//!   read the lead's journey and acceptance, compute the seven heuristic models and the
//!   Markov split from the latest run, and write every credit row (target: under 1 ms);
//! - `every_journey_under_every_model`: read every decided journey (one scan of the
//!   journey rows) and credit each converted one under the seven heuristic models and the
//!   Markov chain of order 1, solved exactly over all of them (target: under 1 s).
//!
//! Each iteration that writes runs in a transaction that is rolled back, so every one sees
//! the same database. Point `DEALERLOOP_BENCH_DB` at the generated SQLite file; without it
//! the bench says so and measures nothing.
//!
//! Run with `DEALERLOOP_BENCH_DB=scale.db cargo bench --bench attribution`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dealerloop::db::{DatabaseUrl, DbConnection};
use dealerloop::models::attribution::won_leads_after;
use dealerloop::models::lead::LeadRow;
use dealerloop::services::attribution::{Settings, credits, runs};
use diesel::Connection;

fn bench(c: &mut Criterion) {
    let Ok(path) = std::env::var("DEALERLOOP_BENCH_DB") else {
        eprintln!(
            "DEALERLOOP_BENCH_DB is not set: nothing to measure (see benches/attribution.sh)"
        );
        return;
    };
    let url = DatabaseUrl::parse(&format!("sqlite://{path}")).expect("a SQLite path");
    let mut conn = url.establish().expect("the generated database opens");
    let settings = Settings::default();
    let won = won_leads_after(&mut conn, 0, usize::MAX).unwrap();
    assert!(
        !won.is_empty(),
        "no won outcome: run `dealerloop generate` first"
    );

    let mut group = c.benchmark_group("attribution");
    group.sample_size(200);
    let mut next = 0;
    group.bench_function("credit_one_outcome", |b| {
        b.iter(|| {
            let lead = won[next % won.len()];
            next += 7919;
            rolled_back(&mut conn, |conn| {
                let lead = LeadRow::find(conn, lead)?;
                credits::rewrite_for_lead(conn, &lead, &settings)
            });
        });
    });
    group.finish();

    let mut group = c.benchmark_group("attribution");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    let now = dealerloop::db::now();
    group.bench_function("every_journey_under_every_model", |b| {
        b.iter(|| runs::evaluate(&mut conn, &settings, now).unwrap());
    });
    group.finish();
}

/// Runs `work` in a transaction and rolls it back.
fn rolled_back<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, dealerloop::error::AppError>,
) {
    let result: Result<(), dealerloop::error::AppError> = conn.transaction(|conn| {
        work(conn)?;
        Err(diesel::result::Error::RollbackTransaction.into())
    });
    assert!(result.is_err(), "rolled back");
}

criterion_group!(benches, bench);
criterion_main!(benches);
