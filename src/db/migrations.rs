//! The embedded migrations: applied at start-up and by `dealerloop migrate`, one at a time
//! by the migration round-trip test, and reverted by `migrate --revert-all`.

use diesel::QueryResult;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel_migrations::MigrationHarness;

use std::time::Instant;

use super::contention::write_as_writer;
use super::{Backend, DbConnection, MIGRATION_WRITER_WAIT, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

/// Applies pending migrations and returns the versions applied. On PostgreSQL an advisory
/// lock makes instances that start together migrate one after another (waiting as long as
/// it takes, whatever the pool's `lock_timeout`); on SQLite they run as the writer
/// (in one IMMEDIATE transaction, waiting up to a minute for another process), after checking with
/// a read that any are pending, so a command beside a running portal needs no write.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => {
            let pending = c
                .has_pending_migration(SQLITE_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if !pending {
                return Ok(Vec::new());
            }
            let deadline = Instant::now() + MIGRATION_WRITER_WAIT;
            write_as_writer(conn, deadline, &mut |_| {}, |conn| {
                let DbConnection::Sqlite(c) = conn else {
                    return Ok(Vec::new());
                };
                c.run_pending_migrations(SQLITE_MIGRATIONS)
                    .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                    .map_err(|e| anyhow::anyhow!("{e}"))
            })
        }
        DbConnection::Postgres(c) => {
            let lock_timeout = current_lock_timeout(c)?;
            c.batch_execute("SET lock_timeout = 0; SELECT pg_advisory_lock(4242001)")?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("{e}"));
            c.batch_execute(&format!(
                "SELECT pg_advisory_unlock(4242001); SET lock_timeout = '{lock_timeout}'"
            ))?;
            result
        }
    };
    applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// The session's `lock_timeout`, as PostgreSQL writes it (`5s`, `0`).
fn current_lock_timeout(pg: &mut PgConnection) -> QueryResult<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let setting: Setting =
        diesel::sql_query("SELECT current_setting('lock_timeout') AS value").get_result(pg)?;
    // A value PostgreSQL printed: digits and a unit, nothing to escape.
    Ok(setting
        .value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect())
}

/// Reverts every applied migration, newest first (used by the migration round-trip test
/// and `dealerloop migrate --revert-all`).
pub fn revert_all_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c
            .revert_all_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>()),
        DbConnection::Postgres(c) => c
            .revert_all_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    reverted.map_err(|e| anyhow::anyhow!("migration revert failed: {e}"))
}

/// Reverts the newest applied migration.
pub fn revert_last_migration(conn: &mut DbConnection) -> anyhow::Result<String> {
    let reverted = match conn {
        DbConnection::Sqlite(c) => c.revert_last_migration(SQLITE_MIGRATIONS),
        DbConnection::Postgres(c) => c.revert_last_migration(POSTGRES_MIGRATIONS),
    };
    reverted
        .map(|v| v.to_string())
        .map_err(|e| anyhow::anyhow!("migration revert failed: {e}"))
}

/// The versions of every known migration, oldest first.
pub fn migration_versions(backend: Backend) -> anyhow::Result<Vec<String>> {
    use diesel::migration::MigrationSource;
    let source = match backend {
        Backend::Sqlite => {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .map(|m| m.name().version().to_string())
                .collect()
        }
        Backend::Postgres => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect(),
    };
    Ok(source)
}

/// A description of every table and column, used to prove that each migration's `down`
/// restores exactly the schema that was there before its `up`.
pub fn schema_fingerprint(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Text;
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        line: String,
    }
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%' ORDER BY type, name"
        }
        DbConnection::Postgres(_) => {
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable \
             AS line FROM information_schema.columns WHERE table_schema = 'public' \
             AND table_name NOT LIKE '__diesel%' \
             UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes \
             WHERE schemaname = 'public' AND tablename NOT LIKE '__diesel%' ORDER BY 1"
        }
    };
    Ok(diesel::sql_query(sql)
        .load::<Line>(conn)?
        .into_iter()
        .map(|l| l.line)
        .collect())
}

/// Applies the oldest pending migration, if any; returns its version.
pub fn run_next_migration(conn: &mut DbConnection) -> anyhow::Result<Option<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => {
            if c.has_pending_migration(SQLITE_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                Some(
                    c.run_next_migration(SQLITE_MIGRATIONS)
                        .map(|v| v.to_string()),
                )
            } else {
                None
            }
        }
        DbConnection::Postgres(c) => {
            if c.has_pending_migration(POSTGRES_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                Some(
                    c.run_next_migration(POSTGRES_MIGRATIONS)
                        .map(|v| v.to_string()),
                )
            } else {
                None
            }
        }
    };
    applied
        .transpose()
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}
