//! Every migration can be undone: its `down` restores exactly the schema that was there
//! before its `up`, on the backend under test (SQLite, or PostgreSQL with
//! `DEALERLOOP_TEST_DATABASE_URL`).

use dealerloop::db::{self, Backend, DatabaseUrl};

use crate::helpers::fresh_database;

/// Fails naming the tables, columns and indexes that differ.
fn assert_same_schema(actual: &[String], expected: &[String], when: &str) {
    let extra: Vec<&String> = actual.iter().filter(|l| !expected.contains(l)).collect();
    let missing: Vec<&String> = expected.iter().filter(|l| !actual.contains(l)).collect();
    assert!(
        extra.is_empty() && missing.is_empty() && actual.len() == expected.len(),
        "{when}, the schema differs:\n  left behind: {extra:#?}\n  missing: {missing:#?}"
    );
}

#[test]
fn each_migration_down_restores_the_schema_its_up_started_from() {
    let (url, _database) = fresh_database();
    let database_url = DatabaseUrl::parse(&url).unwrap();
    let mut conn = database_url.establish().unwrap();
    let expected = db::migration_versions(database_url.backend).unwrap();
    assert!(!expected.is_empty());

    // Up, one migration at a time, remembering the schema before each.
    let mut before_each = Vec::new();
    let mut applied = Vec::new();
    loop {
        let before = db::schema_fingerprint(&mut conn).unwrap();
        let Some(version) = db::run_next_migration(&mut conn).unwrap() else {
            break;
        };
        before_each.push(before);
        applied.push(version);
    }
    assert_eq!(applied, expected, "every migration ran, in order");
    let fully_migrated = db::schema_fingerprint(&mut conn).unwrap();
    assert!(
        fully_migrated
            .iter()
            .any(|line| line.contains("outbound_emails")),
        "{fully_migrated:?}"
    );

    // Down, newest first: each revert lands on the schema recorded before that up.
    for (version, before) in applied.iter().zip(&before_each).rev() {
        let reverted = db::revert_last_migration(&mut conn).unwrap();
        assert_eq!(&reverted, version);
        assert_same_schema(
            &db::schema_fingerprint(&mut conn).unwrap(),
            before,
            &format!("after reverting {version}"),
        );
    }
    assert!(
        db::schema_fingerprint(&mut conn).unwrap().is_empty(),
        "nothing is left behind"
    );

    // And up again, all at once, to the same schema as the first time.
    let reapplied = db::run_migrations(&mut conn).unwrap();
    assert_eq!(reapplied, expected);
    assert_same_schema(
        &db::schema_fingerprint(&mut conn).unwrap(),
        &fully_migrated,
        "after migrating again",
    );
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let sqlite = db::migration_versions(Backend::Sqlite).unwrap();
    let postgres = db::migration_versions(Backend::Postgres).unwrap();

    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}
