//! The dealer score at scale, on the generated network (`dealerloop generate`: 5,000
//! dealers, 1,000,000 leads with their offers and feedback), SQLite:
//! - `recompute_every_dealer_from_history`: read every observation and write every score,
//!   the kept evidence, the network prior and the history points (what the portal does
//!   once a day);
//! - `recompute_every_dealer_from_kept_evidence`: look for dealers whose history changed,
//!   then age every kept evidence and write every score (what the portal does every hour;
//!   target: under 1 s);
//! - `refresh_one_dealer`: one dealer's update, as a feedback submission runs it in its
//!   transaction (target: under 5 ms).
//!
//! Each iteration runs in a transaction that is rolled back, so every one sees the same
//! database. Point `DEALERLOOP_BENCH_DB` at the generated SQLite file
//! (`benches/score.sh` does); without it the bench says so and measures nothing.
//!
//! Run with `DEALERLOOP_BENCH_DB=scale.db cargo bench --bench dealer_score`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dealerloop::db::{DatabaseUrl, DbConnection};
use dealerloop::services::dealer_score::{ScoreRule, gather, store};
use diesel::Connection;
use diesel::prelude::*;

fn bench(c: &mut Criterion) {
    let Ok(path) = std::env::var("DEALERLOOP_BENCH_DB") else {
        eprintln!("DEALERLOOP_BENCH_DB is not set: nothing to measure (see benches/score.sh)");
        return;
    };
    let url = DatabaseUrl::parse(&format!("sqlite://{path}")).expect("a SQLite path");
    let mut conn = url.establish().expect("the generated database opens");
    let rule = ScoreRule::default();
    let now = dealerloop::db::now();
    let dealers: Vec<i64> = {
        use dealerloop::schema::dealers::dsl::*;
        dealers.select(id).order(id).load(&mut conn).unwrap()
    };
    assert!(!dealers.is_empty(), "an empty database");
    // Make sure a network row and the kept evidence exist, as in a running portal.
    store::recompute_full(&mut conn, &rule, now).unwrap();
    let later = now + chrono::TimeDelta::hours(1);

    let mut group = c.benchmark_group("dealer_score");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("recompute_every_dealer_from_history", |b| {
        b.iter(|| {
            rolled_back(&mut conn, |conn| {
                let evidence = gather::gather(conn, gather::Scope::Network, &rule, later)?;
                store::store_network(conn, &evidence, &rule, later).map(drop)
            })
        });
    });
    group.bench_function("recompute_every_dealer_from_kept_evidence", |b| {
        b.iter(|| {
            rolled_back(&mut conn, |conn| {
                store::age_all(conn, &rule, now, later).map(drop)
            })
        });
    });
    group.finish();

    let mut group = c.benchmark_group("dealer_score");
    group.sample_size(100);
    let mut next = 0;
    group.bench_function("refresh_one_dealer", |b| {
        b.iter(|| {
            let dealer = dealers[next % dealers.len()];
            next += 7919;
            rolled_back(&mut conn, |conn| {
                store::refresh_dealer(conn, dealer, &rule, now)
            });
        });
    });
    group.finish();
}

/// Runs `work` in a transaction and rolls it back.
fn rolled_back(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<()>,
) {
    let result: Result<(), diesel::result::Error> = conn.transaction(|conn| {
        work(conn)?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(
        matches!(result, Err(diesel::result::Error::RollbackTransaction)),
        "{result:?}"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
