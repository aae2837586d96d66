//! The `dealerloop` command as an operator runs it: the real binary, its exit codes and
//! messages, against a fresh database (SQLite, or PostgreSQL with
//! `DEALERLOOP_TEST_DATABASE_URL`).

use std::time::{Duration, Instant};

use dealerloop::db::{self, DatabaseUrl};
use dealerloop::startup::Application;
use diesel::prelude::*;

use crate::helpers::{Browser, LeadBody, api_token_for, dealerloop, fresh_database, test_settings};

/// The portal started on an existing database, as `dealerloop serve` would; its address.
async fn portal_on(database_url: &str) -> String {
    let app = Application::build(test_settings(database_url))
        .await
        .expect("the portal starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// Users stored with `address`. Read from storage: the CLI runs without a portal to ask.
fn users_with_email(database_url: &str, address: &str) -> i64 {
    use dealerloop::schema::users::dsl::*;
    let mut conn = DatabaseUrl::parse(database_url)
        .unwrap()
        .establish()
        .unwrap();
    users
        .filter(email.eq(address))
        .count()
        .get_result(&mut conn)
        .unwrap()
}

#[tokio::test]
async fn migrate_applies_every_migration_and_a_second_run_says_the_database_is_up_to_date() {
    let (url, _database) = fresh_database();
    let backend = DatabaseUrl::parse(&url).unwrap().backend;

    let first = dealerloop(Some(&url), &["migrate"], "", &[]).await;
    let second = dealerloop(Some(&url), &["migrate"], "", &[]).await;

    assert!(first.succeeded(), "{first:?}");
    let applied: Vec<&str> = first
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("applied "))
        .collect();
    assert_eq!(
        applied,
        db::migration_versions(backend).unwrap(),
        "{first:?}"
    );
    assert!(second.succeeded(), "{second:?}");
    assert!(
        second.stdout.contains("the database is up to date"),
        "{second:?}"
    );
    assert!(!second.stdout.contains("applied "), "{second:?}");
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_the_new_user_can_log_in() {
    let (url, _database) = fresh_database();

    let run = dealerloop(
        Some(&url),
        &[
            "user",
            "add",
            "--email",
            "Ops@Example.it",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "Ruota-Dentata-77\n",
        &[],
    )
    .await;

    assert!(run.succeeded(), "{run:?}");
    assert!(
        run.stdout.contains("created user") && run.stdout.contains("ops@example.it"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("Ruota-Dentata-77") && !run.stderr.contains("Ruota-Dentata-77"));
    let address = portal_on(&url).await;
    let mut browser = Browser::new(&address, None);
    let home = browser.login("ops@example.it", "Ruota-Dentata-77").await;
    assert_eq!(home.status, 200, "{}", home.html);
    assert_eq!(home.path(), "/admin");
}

#[tokio::test]
async fn user_add_refuses_a_weak_password_or_an_unknown_dealer_and_says_which() {
    let (url, _database) = fresh_database();

    let weak = dealerloop(
        Some(&url),
        &[
            "user",
            "add",
            "--email",
            "weak@example.it",
            "--role",
            "manager",
            "--password-stdin",
        ],
        "password\n",
        &[],
    )
    .await;
    let unknown_dealer = dealerloop(
        Some(&url),
        &[
            "user",
            "add",
            "--email",
            "orphan@example.it",
            "--role",
            "dealer",
            "--dealer",
            "XX-99",
            "--password-stdin",
        ],
        "Ruota-Dentata-77\n",
        &[],
    )
    .await;

    assert_eq!(weak.code, Some(1), "{weak:?}");
    assert!(
        weak.stderr
            .contains("password: This password is too easy to guess"),
        "{weak:?}"
    );
    assert_eq!(users_with_email(&url, "weak@example.it"), 0);
    assert_eq!(unknown_dealer.code, Some(1), "{unknown_dealer:?}");
    assert!(
        unknown_dealer
            .stderr
            .contains("dealer_code: No dealer has this code"),
        "{unknown_dealer:?}"
    );
    assert_eq!(users_with_email(&url, "orphan@example.it"), 0);
}

#[tokio::test]
async fn user_disable_ends_the_users_sessions_and_stops_them_logging_in() {
    let (url, _database) = fresh_database();
    let added = dealerloop(
        Some(&url),
        &[
            "user",
            "add",
            "--email",
            "leaving@example.it",
            "--role",
            "manager",
            "--password-stdin",
        ],
        "Ruota-Dentata-77",
        &[],
    )
    .await;
    assert!(added.succeeded(), "{added:?}");
    let address = portal_on(&url).await;
    let mut browser = Browser::new(&address, None);
    assert_eq!(
        browser
            .login("leaving@example.it", "Ruota-Dentata-77")
            .await
            .path(),
        "/manager"
    );

    let run = dealerloop(
        Some(&url),
        &["user", "disable", "--email", "leaving@example.it"],
        "",
        &[],
    )
    .await;

    assert!(run.succeeded(), "{run:?}");
    assert!(
        run.stdout.contains("disabled leaving@example.it"),
        "{run:?}"
    );
    let after = browser.get("/manager").await;
    assert_eq!(after.path(), "/login", "the open session has ended");
    let again = Browser::new(&address, None)
        .login("leaving@example.it", "Ruota-Dentata-77")
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(again.path(), "/login");
}

#[tokio::test]
async fn demo_loads_a_dealer_network_whose_printed_accounts_work_and_a_second_run_creates_nothing()
{
    let (url, _database) = fresh_database();

    let first = dealerloop(Some(&url), &["demo", "--leads", "200"], "", &[]).await;
    let second = dealerloop(Some(&url), &["demo", "--leads", "200"], "", &[]).await;

    assert!(first.succeeded(), "{first:?}");
    assert!(
        first
            .stdout
            .contains("demo network ready: 40 dealers and 42 users created"),
        "{first:?}"
    );
    assert!(second.succeeded(), "{second:?}");
    assert!(
        second
            .stdout
            .contains("demo network ready: 0 dealers and 0 users created"),
        "{second:?}"
    );
    assert!(
        first.stdout.contains("demo leads: 200 created"),
        "{first:?}"
    );
    assert!(
        second.stdout.contains("demo leads: 0 created"),
        "{second:?}"
    );

    // The accounts the command prints let an operator log in.
    let printed = |label: &str| -> String {
        let line = first
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in {first:?}"));
        line.split_whitespace().last().unwrap().to_owned()
    };
    let password = printed("log in at");
    let address = portal_on(&url).await;
    for (label, home) in [
        ("admin:", "/admin"),
        ("channel manager:", "/manager"),
        ("dealer user:", "/dealer"),
    ] {
        let page = Browser::new(&address, None)
            .login(&printed(label), &password)
            .await;
        assert_eq!(page.status, 200, "{label}");
        assert_eq!(page.path(), home, "{label}");
    }
}

#[tokio::test]
async fn an_invalid_setting_stops_start_up_with_exit_code_2_and_names_the_setting() {
    let workdir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", workdir.path().join("portal.db").display());

    let bad_port = dealerloop(Some(&sqlite), &[], "", &[("DEALERLOOP_PORT", "notaport")]).await;
    let bad_database = dealerloop(Some("mysql://x"), &[], "", &[]).await;

    assert_eq!(bad_port.code, Some(2), "{bad_port:?}");
    assert!(
        bad_port.stderr.contains("invalid setting DEALERLOOP_PORT"),
        "{bad_port:?}"
    );
    assert_eq!(bad_database.code, Some(2), "{bad_database:?}");
    assert!(
        bad_database
            .stderr
            .contains("invalid setting DEALERLOOP_DATABASE_URL"),
        "{bad_database:?}"
    );
    assert!(
        bad_database
            .stderr
            .contains("unsupported database URL scheme 'mysql'"),
        "{bad_database:?}"
    );
    assert!(
        !workdir.path().join("portal.db").exists(),
        "nothing was started"
    );
}

#[tokio::test]
async fn an_unreachable_postgresql_fails_with_the_drivers_own_error_and_no_password() {
    let run = dealerloop(
        Some("postgres://postgres:hunter2@127.0.0.1:1/x"),
        &["migrate"],
        "",
        &[],
    )
    .await;

    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("Connection refused"), "{run:?}");
    assert!(
        run.stderr
            .contains("cannot connect to postgres://postgres:***@127.0.0.1:1/x"),
        "{run:?}"
    );
    assert!(
        !run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"),
        "{run:?}"
    );
}

#[tokio::test]
async fn generate_builds_a_benchmark_network_once_and_its_dealer_user_sees_an_inbox() {
    let (url, _database) = fresh_database();

    let first = dealerloop(
        Some(&url),
        &["generate", "--dealers", "30", "--leads", "300"],
        "",
        &[],
    )
    .await;
    let second = dealerloop(
        Some(&url),
        &["generate", "--dealers", "30", "--leads", "300"],
        "",
        &[],
    )
    .await;

    assert!(first.succeeded(), "{first:?}");
    assert!(
        first.stdout.contains("generated 30 dealers, 300 leads, "),
        "{first:?}"
    );
    assert!(!second.succeeded(), "a second run refuses: {second:?}");
    let address = portal_on(&url).await;
    let mut phone = Browser::new(&address, None);
    let inbox = phone
        .login("carico@dealerloop.demo", "Officina-Demo-2026")
        .await;
    assert_eq!(inbox.path(), "/dealer", "{}", inbox.html);
    assert!(inbox.contains("Officina Benchmark 0"), "{}", inbox.html);
}

#[tokio::test]
async fn demo_run_beside_a_portal_that_is_writing_waits_its_turn_and_both_succeed() {
    let (url, _database) = fresh_database();
    let mut settings = test_settings(&url);
    // Its mail and deadline workers write too, as in production; requests wait for the
    // command's writes rather than being answered 503.
    settings.run_workers = true;
    settings.db_writer_wait = Duration::from_secs(60);
    let portal = Application::build(settings)
        .await
        .expect("the portal starts");
    let address = format!("http://127.0.0.1:{}", portal.port());
    let token = api_token_for(&portal.db(), "marketing");
    tokio::spawn(portal.run_until_stopped());
    let demo_done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let intake = tokio::spawn({
        let demo_done = demo_done.clone();
        async move {
            let client = reqwest::Client::new();
            let mut statuses = Vec::new();
            while !demo_done.load(std::sync::atomic::Ordering::Relaxed) {
                let lead =
                    LeadBody::new(&format!("BESIDE-{}", statuses.len())).email("giulia@example.it");
                let response = client
                    .post(format!("{address}/api/v1/leads"))
                    .bearer_auth(&token)
                    .json(&lead)
                    .send()
                    .await
                    .unwrap();
                statuses.push(response.status().as_u16());
            }
            statuses
        }
    });

    let demo = dealerloop(Some(&url), &["demo", "--leads", "150"], "", &[]).await;
    demo_done.store(true, std::sync::atomic::Ordering::Relaxed);
    let statuses = intake.await.unwrap();

    assert!(demo.succeeded(), "{demo:?}");
    assert!(demo.stdout.contains("demo leads: 150 created"), "{demo:?}");
    assert!(!statuses.is_empty(), "the portal was writing meanwhile");
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
}

#[tokio::test]
async fn a_command_that_must_wait_for_the_writer_says_what_it_waits_for_and_succeeds_once_free() {
    let (url, _database) = fresh_database();
    let parsed = DatabaseUrl::parse(&url).unwrap();
    db::run_migrations(&mut parsed.establish().unwrap()).unwrap();
    let held = crate::helpers::hold_the_writer_of(&url);
    let released = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(3500));
        drop(held);
        Instant::now()
    });

    let run = dealerloop(Some(&url), &["token", "add", "--name", "crm"], "", &[]).await;
    let finished = Instant::now();
    let released = released.await.unwrap();

    assert!(run.succeeded(), "{run:?}");
    assert!(run.stdout.trim().starts_with("dl_"), "{run:?}");
    assert!(finished >= released, "it waited for the writer");
    if parsed.backend == db::Backend::Sqlite {
        // On PostgreSQL the wait is inside a statement, for a row lock: nothing to tell.
        assert!(
            run.stderr.contains("waiting for the database writer"),
            "{run:?}"
        );
    }
}

/// What a demo or generated database holds, read from storage.
#[derive(Debug, PartialEq)]
struct Holdings {
    leads: i64,
    waiting: i64,
    offers: i64,
    submitted_forms: i64,
    won_with_revenue: i64,
    outbox_events: i64,
    history_points: i64,
    scores: Vec<(String, f64, f64)>,
}

fn holdings(database_url: &str) -> Holdings {
    use dealerloop::domain::{FeedbackOutcome, LeadStatus};
    use dealerloop::schema::{
        dealer_score_history, dealer_scores, dealers, feedback_requests, leads, offers,
        outcome_events, sale_outcomes,
    };
    let mut conn = DatabaseUrl::parse(database_url)
        .unwrap()
        .establish()
        .unwrap();
    let count = |n: QueryResult<i64>| n.unwrap();
    Holdings {
        leads: count(leads::table.count().get_result(&mut conn)),
        waiting: count(
            leads::table
                .filter(leads::status.eq_any([LeadStatus::Unallocated, LeadStatus::Withheld]))
                .count()
                .get_result(&mut conn),
        ),
        offers: count(offers::table.count().get_result(&mut conn)),
        submitted_forms: count(
            feedback_requests::table
                .filter(feedback_requests::submitted_at.is_not_null())
                .count()
                .get_result(&mut conn),
        ),
        won_with_revenue: count(
            sale_outcomes::table
                .filter(sale_outcomes::outcome.eq(FeedbackOutcome::Won))
                .filter(sale_outcomes::revenue_cents.gt(0))
                .count()
                .get_result(&mut conn),
        ),
        outbox_events: count(outcome_events::table.count().get_result(&mut conn)),
        history_points: count(dealer_score_history::table.count().get_result(&mut conn)),
        scores: dealer_scores::table
            .inner_join(dealers::table)
            .select((dealers::code, dealer_scores::score, dealer_scores::weight))
            .order(dealers::code)
            .load(&mut conn)
            .unwrap(),
    }
}

/// The score of the dealer with `code`.
fn score_of(holdings: &Holdings, code: &str) -> f64 {
    holdings
        .scores
        .iter()
        .find(|(c, ..)| c == code)
        .unwrap_or_else(|| panic!("no score for {code}"))
        .1
}

#[tokio::test]
async fn demo_holds_six_months_of_dealer_habits_that_the_scores_tell_apart_and_a_second_run_changes_nothing()
 {
    use dealerloop::models::dealer_score::{DealerScoreRow, NetworkScoreRow, ScoreHistoryRow};
    use dealerloop::services::dealer_score::rule::anomaly;

    let (url, _database) = fresh_database();

    let started = Instant::now();
    let first = dealerloop(Some(&url), &["demo", "--leads", "2000"], "", &[]).await;
    let took = started.elapsed();
    let after_first = holdings(&url);
    let second = dealerloop(Some(&url), &["demo", "--leads", "2000"], "", &[]).await;
    let after_second = holdings(&url);

    assert!(first.succeeded(), "{first:?}");
    assert!(second.succeeded(), "{second:?}");
    eprintln!("demo with 2,000 leads took {took:?}: {after_first:?}");
    let h = &after_first;
    assert_eq!(h.leads, 2000);
    assert!(
        h.waiting * 10 < h.leads,
        "under 10 % of the leads wait: {h:?}"
    );
    assert!(h.submitted_forms > 200, "{h:?}");
    assert!(h.won_with_revenue > 50, "{h:?}");
    assert!(h.outbox_events >= h.won_with_revenue, "{h:?}");
    // Exemplary dealers (Bergamo, Verona, Bologna, Firenze, Bari) above those that never
    // fill in a form (Brescia, Prato, Salerno), clearly.
    let exemplary =
        ["BER-02", "VER-10", "BOL-17", "FIR-21", "BAR-33"].map(|code| score_of(h, code));
    let never = ["BRE-03", "PRA-22", "SAL-32"].map(|code| score_of(h, code));
    let lowest_exemplary = exemplary.iter().copied().fold(f64::MAX, f64::min);
    let highest_never = never.iter().copied().fold(f64::MIN, f64::max);
    assert!(
        lowest_exemplary > highest_never + 20.0,
        "exemplary {exemplary:?}, never fill in {never:?}"
    );
    // Catania marks most leads never reached, Lecce rates every lead 1: both flagged.
    let mut conn = DatabaseUrl::parse(&url).unwrap().establish().unwrap();
    let network = NetworkScoreRow::find(&mut conn)
        .unwrap()
        .expect("network scored");
    let flagged: Vec<i64> = DealerScoreRow::all(&mut conn)
        .unwrap()
        .into_iter()
        .filter(|s| {
            let count = |n: i64| u32::try_from(n).unwrap();
            anomaly(
                count(s.unreached),
                count(s.submissions),
                network.unreached_rate,
                5,
            )
            .is_some()
                || anomaly(
                    count(s.rated_lowest),
                    count(s.rated),
                    network.rated_lowest_rate,
                    5,
                )
                .is_some()
        })
        .map(|s| s.dealer_id)
        .collect();
    assert!(
        (1..=4).contains(&flagged.len()),
        "a few anomaly flags: {flagged:?}"
    );
    // Weekly history points over the six months.
    let milano = dealerloop::models::dealer::Dealer::find_by_code(&mut conn, "MIL-01")
        .unwrap()
        .unwrap();
    let points = ScoreHistoryRow::for_dealer(
        &mut conn,
        milano.id,
        db::now() - chrono::TimeDelta::days(365),
    )
    .unwrap();
    assert!(points.len() >= 20, "{} history points", points.len());
    assert_eq!(after_second, after_first, "a second run changes nothing");
    assert!(
        second.stdout.contains("demo leads: 0 created"),
        "{second:?}"
    );
}

#[tokio::test]
async fn generate_writes_answered_offers_feedback_and_outcomes_that_give_dealers_different_scores()
{
    let (url, _database) = fresh_database();

    let run = dealerloop(
        Some(&url),
        &["generate", "--dealers", "50", "--leads", "5000"],
        "",
        &[],
    )
    .await;

    assert!(run.succeeded(), "{run:?}");
    let h = holdings(&url);
    assert_eq!(h.leads, 5000);
    assert!(
        h.offers > h.leads,
        "some leads were declined or let expire first: {h:?}"
    );
    assert!(h.submitted_forms > 500, "{h:?}");
    assert!(h.won_with_revenue > 100, "{h:?}");
    assert!(
        run.stdout.contains("attribution run 1: "),
        "the outcomes are credited and the data-driven model has run: {run:?}"
    );
    assert_eq!(h.scores.len(), 50, "every dealer scored");
    let (lowest, highest) = h.scores.iter().fold((f64::MAX, f64::MIN), |(lo, hi), s| {
        (lo.min(s.1), hi.max(s.1))
    });
    assert!(highest - lowest > 30.0, "scores from {lowest} to {highest}");

    // An operator recomputes every score: aged from the kept evidence, then read from the
    // whole history. Moments after `generate`, both give the scores it left.
    let kept = dealerloop(Some(&url), &["scores"], "", &[]).await;
    assert!(kept.succeeded(), "{kept:?}");
    assert!(
        kept.stdout
            .contains("recomputed 50 dealer scores from their kept evidence"),
        "{kept:?}"
    );
    let full = dealerloop(Some(&url), &["scores", "--full"], "", &[]).await;
    assert!(full.succeeded(), "{full:?}");
    assert!(
        full.stdout
            .contains("recomputed 50 dealer scores from the history"),
        "{full:?}"
    );
    let after = holdings(&url);
    for ((code, before, _), (_, now, _)) in h.scores.iter().zip(&after.scores) {
        assert!((before - now).abs() < 0.5, "{code}: {before} then {now}");
    }
}

#[tokio::test]
async fn attribution_evaluate_credits_every_journey_as_the_stored_credits_do_and_exports_the_paths()
{
    let (url, _database) = fresh_database();
    let generated = dealerloop(
        Some(&url),
        &["generate", "--dealers", "30", "--leads", "300"],
        "",
        &[],
    )
    .await;
    assert!(generated.succeeded(), "{generated:?}");
    let scratch = tempfile::tempdir().unwrap();
    let paths = scratch.path().join("paths.csv");
    let evaluated = dealerloop(
        Some(&url),
        &[
            "attribution",
            "--evaluate",
            "--json",
            "--export",
            paths.to_str().unwrap(),
        ],
        "",
        &[],
    )
    .await;
    assert!(evaluated.succeeded(), "{evaluated:?}");
    let out: serde_json::Value = serde_json::from_str(&evaluated.stdout).expect("JSON");

    // Per channel, what the linear model credits is what the outcomes' stored credits say.
    let stored: Vec<(String, i64)> = {
        let mut conn = DatabaseUrl::parse(&url).unwrap().establish().unwrap();
        diesel::sql_query(
            "SELECT t.channel AS channel, CAST(SUM(c.cents) AS BIGINT) AS cents \
             FROM attribution_credits c JOIN touchpoints t ON t.id = c.touchpoint_id \
             WHERE c.model = 'linear' GROUP BY t.channel ORDER BY t.channel",
        )
        .load::<ChannelCents>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.channel, r.cents))
        .collect()
    };
    assert!(!stored.is_empty(), "generate credits its won outcomes");
    for (channel, cents) in &stored {
        assert_eq!(
            out["models"]["linear"]["revenue_cents"][channel].as_i64(),
            Some(*cents),
            "{channel}: {out}"
        );
    }
    let shares: f64 = out["markov_shares"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9, "{shares}");

    // The export holds every converted journey once, one row per distinct path.
    let csv = std::fs::read_to_string(&paths).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("path,total_conversions,total_conversion_value,total_null")
    );
    let exported: f64 = lines
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap())
        .sum();
    let credited: f64 = out["models"]["first_touch"]["conversions"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert_eq!(exported, credited.round());
    assert_eq!(
        out["conversions"].as_f64().unwrap(),
        exported,
        "every converted journey with a touchpoint"
    );
}

#[derive(QueryableByName)]
struct ChannelCents {
    #[diesel(sql_type = diesel::sql_types::Text)]
    channel: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cents: i64,
}
