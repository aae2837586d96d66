//! `dealerloop simulate` at small scale: eight dealers (two per feedback habit), six
//! weeks, 40 leads a day, through the real services on a fresh database (SQLite, or
//! PostgreSQL with `DEALERLOOP_TEST_DATABASE_URL`). The incentive the product rests on:
//! complete and timely feedback earns more leads, nobody is starved, and improving pays.

use std::sync::OnceLock;

use dealerloop::db::{self, DatabaseUrl};
use dealerloop::services::dealer_score::ScoreRule;
use dealerloop::services::simulation::Simulation;
use dealerloop::services::simulation::habits::Group;
use dealerloop::services::simulation::report::Report;

use crate::helpers::fresh_database;

fn small(days: i64, seed: u64) -> Simulation {
    Simulation {
        days,
        dealers: 8,
        leads_per_day: 40,
        seed,
        rule: ScoreRule::default(),
    }
}

/// Six weeks with seed 7, run once for the tests that read it.
fn six_weeks() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| run(small(42, 7)))
}

/// Runs `simulation` on a fresh, migrated database.
fn run(simulation: Simulation) -> Report {
    let (url, _database) = fresh_database();
    let mut conn = DatabaseUrl::parse(&url).unwrap().establish().unwrap();
    db::run_migrations(&mut conn).unwrap();
    simulation.run(&mut conn).unwrap()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn complete_and_timely_dealers_get_more_than_an_equal_share_within_four_weeks_and_nobody_falls_below_the_floor()
 {
    let report = six_weeks();
    println!("{}{}", report.table(), report.summary());

    assert_eq!(report.weeks.len(), 6);
    let week_4 = report.weeks[3].group(Group::Diligent).unwrap();
    assert!(
        week_4.share > week_4.equal_share,
        "diligent share in week 4: {:.3} (equal {:.3})",
        week_4.share,
        week_4.equal_share
    );
    let silent_4 = report.weeks[3].group(Group::Silent).unwrap();
    assert!(
        silent_4.share < silent_4.equal_share,
        "silent share in week 4: {:.3}",
        silent_4.share
    );
    assert!(
        week_4.mean_score.unwrap() > silent_4.mean_score.unwrap(),
        "the diligent score above the silent one"
    );

    // The floor: `rule::weight` keeps every dealer's weight at least `ScoreRule::floor`
    // (0.5) times the weight of a dealer scoring the network's mean score (1), checked
    // after every simulated hour.
    assert!(report.floor.checks >= 41 * 24, "{:?}", report.floor);
    assert!(
        report.floor.lowest_weight >= ScoreRule::default().floor - 1e-9,
        "{:?}",
        report.floor
    );
    // And no dealer is starved: every dealer got offers every week.
    assert!(
        report.weeks.iter().all(|w| w.fewest_offers_to_a_dealer > 0),
        "{}",
        report.table()
    );
}

#[test]
fn a_dealer_who_improves_its_habits_regains_share() {
    let report = six_weeks();
    let improver = report.shares(Group::Improver);

    // Silent in weeks 1-3 (days 0-20), diligent in weeks 4-6. Week 1 is before any
    // score: everyone has an equal share then.
    let while_silent = mean(&improver[1..3]);
    let at_the_end = mean(&improver[4..6]);
    assert!(
        at_the_end > while_silent,
        "improver share: weeks 2-3 {while_silent:.3}, weeks 5-6 {at_the_end:.3}"
    );
    let last = report.weeks[5].group(Group::Improver).unwrap();
    let silent = report.weeks[5].group(Group::Silent).unwrap();
    assert!(
        last.share > silent.share,
        "the improver ends above the silent dealers"
    );
}

#[test]
fn the_same_seed_gives_the_same_report_and_another_seed_a_different_one() {
    let first = run(small(10, 11));
    let again = run(small(10, 11));
    let other = run(small(10, 12));

    assert_eq!(first, again);
    assert_ne!(first.weeks, other.weeks);
}

#[tokio::test]
async fn the_simulate_command_prints_the_weekly_table_and_writes_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart.svg");
    let kept = dir.path().join("kept.db");

    let run = crate::helpers::dealerloop(
        None,
        &[
            "simulate",
            "--days",
            "3",
            "--dealers",
            "4",
            "--leads-per-day",
            "8",
            "--chart",
            chart.to_str().unwrap(),
            "--keep",
            kept.to_str().unwrap(),
        ],
        "",
        &[],
    )
    .await;

    assert!(run.succeeded(), "{run:?}");
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("   1  "))
        .collect();
    assert_eq!(rows.len(), Group::ALL.len(), "{}", run.stdout);
    assert!(run.stdout.contains("simulated in"), "{}", run.stdout);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(kept.exists(), "--keep keeps the simulated database");
}
