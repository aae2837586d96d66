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
        first
            .stdout
            .contains("generated 30 dealers, 300 leads, 300 offers and 600 touchpoints"),
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
