//! Storage: one connection type over SQLite and PostgreSQL, the pools, per-connection
//! SQLite pragmas and the embedded migrations.
//!
//! The backend is chosen from the URL scheme (`sqlite://…`, `postgres://…`), never by
//! trying each driver in turn, so a failed connection shows the real error. Where the two
//! backends need different SQL, the branch is written here and nowhere else.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryResult};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use tokio::sync::Semaphore;

use crate::error::AppError;

mod contention;
mod locks;
mod migrations;
mod outbox;
mod text_values;
mod timestamp;
pub use contention::{Contention, TRANSACTION_ATTEMPTS, transaction_retrying};
use contention::{write_as_writer, writer_connection};
pub use locks::{
    DueOffers, claim_due_offers, lock_all_allocation_state, lock_allocation_state, lock_lead_keys,
    lock_login_throttle,
};
pub use migrations::{
    migration_versions, revert_all_migrations, revert_last_migration, run_migrations,
    run_next_migration, schema_fingerprint,
};
pub use outbox::{OutboxSignal, mark_mail_queued};
pub use timestamp::UtcTime;

/// Migrations for each backend; both folders hold the same version names.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

diesel::define_sql_function! {
    /// SQL `lower()`, for searches that ignore case on both backends (`LIKE` ignores
    /// ASCII case on SQLite but not on PostgreSQL).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A connection to either supported backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection (`&mut SqliteConnection`
/// or `&mut PgConnection`), so the body is compiled once per backend.
///
/// For the reads on every page and the dealer inbox. Through [`DbConnection`], diesel
/// renders a statement's SQL text on every call only to find it in the statement cache
/// (`perf`: a tenth of the inbox's time); on the backend's own connection a query of fixed
/// shape is found by its Rust type.
#[macro_export]
macro_rules! on_native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database location parsed from a configured URL.
#[derive(Clone)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// What the driver is given: a file path for SQLite, the URL for PostgreSQL.
    target: String,
}

impl DatabaseUrl {
    /// Parses `sqlite://path`, `sqlite:path`, `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("the SQLite URL names no file (use sqlite://dealerloop.db)".into());
            }
            return Ok(Self {
                backend: Backend::Sqlite,
                target: path.to_owned(),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                target: url.to_owned(),
            });
        }
        let scheme = url.split(':').next().unwrap_or_default();
        Err(format!(
            "unsupported database URL scheme '{scheme}' (use sqlite://FILE or postgres://…)"
        ))
    }

    /// The URL with any password replaced, for logs and messages.
    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => match url::Url::parse(&self.target) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    u.to_string()
                }
                Err(_) => "postgres://***".into(),
            },
        }
    }

    /// Opens one connection, with the real driver error on failure. A statement on it
    /// waits up to 5 s for another connection's lock (SQLite's busy timeout).
    pub fn establish(&self) -> Result<DbConnection, diesel::ConnectionError> {
        self.establish_with(ConnectionSetup::default())
    }

    /// Opens one connection whose statements wait up to `wait` for a lock another
    /// connection holds: SQLite's busy timeout, PostgreSQL's `lock_timeout`. For long jobs
    /// that write outside [`Db::write_blocking`] (`dealerloop generate`).
    pub fn establish_waiting(
        &self,
        wait: Duration,
    ) -> Result<DbConnection, diesel::ConnectionError> {
        self.establish_with(ConnectionSetup {
            sqlite_busy: wait,
            lock_timeout: Some(wait),
        })
    }

    fn establish_with(
        &self,
        setup: ConnectionSetup,
    ) -> Result<DbConnection, diesel::ConnectionError> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)?;
                // The busy timeout comes first: switching a new file to WAL takes a lock.
                // A 32 MiB page cache and memory-mapped reads: at a million leads the
                // indexes no longer fit SQLite's default 2 MiB cache, and reading pages
                // through system calls dominated the profile.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -32768; PRAGMA mmap_size = 1073741824; \
                     PRAGMA wal_autocheckpoint = 10000; \
                     PRAGMA temp_store = MEMORY;",
                    setup.sqlite_busy.as_millis()
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.target)?;
                if let Some(wait) = setup.lock_timeout {
                    conn.batch_execute(&format!("SET lock_timeout = {}", wait.as_millis()))
                        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                }
                Ok(DbConnection::Postgres(conn))
            }
        }
    }
}

/// How the connections of one pool wait for locks held by other connections.
#[derive(Debug, Clone, Copy)]
struct ConnectionSetup {
    /// SQLite's busy timeout.
    sqlite_busy: Duration,
    /// PostgreSQL's `lock_timeout` (none: wait for ever, PostgreSQL's default).
    lock_timeout: Option<Duration>,
}

impl Default for ConnectionSetup {
    fn default() -> Self {
        Self {
            sqlite_busy: Duration::from_secs(5),
            lock_timeout: None,
        }
    }
}

/// r2d2 manager that opens the backend named by the URL.
pub struct ConnectionManager {
    url: DatabaseUrl,
    setup: ConnectionSetup,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.url.establish_with(self.setup)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// How long a write waits for the writer unless configured (`db_writer_wait_ms`).
pub const DEFAULT_WRITER_WAIT: Duration = Duration::from_secs(5);

/// How long one attempt at SQLite's write lock waits inside SQLite (whose busy handler
/// polls after 1, 2, 5, 10, 15, 20 … ms). [`Db::write`] repeats attempts until its writer
/// wait runs out: short polls keep a second process (the CLI, another instance) from
/// starving while this one writes back to back, and let a caller say it is waiting.
const WRITER_POLL: Duration = Duration::from_millis(50);

/// How long start-up waits for the writer to apply migrations.
const MIGRATION_WRITER_WAIT: Duration = Duration::from_secs(60);

/// The pools the application uses. On SQLite, writes go through a single connection so
/// that write transactions queue in the application instead of failing with `SQLITE_BUSY`;
/// reads use a pool of their own (WAL lets them run beside the writer). On PostgreSQL both
/// handles share one pool.
///
/// Each pool has a semaphore with as many permits as it has connections, so at most that
/// many blocking tasks wait for the database at once: further requests queue cheaply on the
/// async side instead of parking threads on the pool.
///
/// A write waits for the writer at most the *writer wait* (`db_writer_wait_ms`): for the
/// permit and connection, on SQLite for the file's write lock (another process, such as the
/// CLI, may hold it), on PostgreSQL for each row or table lock (`lock_timeout`). Past it the
/// write fails with [`Contention::WriterHeld`], which the portal answers with 503 and
/// `Retry-After`.
///
/// A write that queued mail fires the [`OutboxSignal`] once it has committed, which wakes
/// the mail queue built on this `Db`.
#[derive(Clone)]
pub struct Db {
    read: Pool,
    write: Pool,
    read_permits: Arc<Semaphore>,
    write_permits: Arc<Semaphore>,
    writer_wait: Duration,
    outbox: OutboxSignal,
    pub backend: Backend,
}

impl Db {
    /// Connects with the default writer wait, failing with the driver's own message if the
    /// database is unreachable.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Self> {
        Self::connect_with(url, pool_size, DEFAULT_WRITER_WAIT)
    }

    /// Connects; a write waits at most `writer_wait` for the writer (see [`Db`]).
    pub fn connect_with(
        url: &DatabaseUrl,
        pool_size: u32,
        writer_wait: Duration,
    ) -> anyhow::Result<Self> {
        // Open one connection first so a bad URL or a down server gives its real error.
        drop(
            url.establish()
                .with_context(|| format!("cannot connect to {}", url.redacted()))?,
        );
        let build = |size: u32, setup: ConnectionSetup| {
            r2d2::Pool::builder()
                .max_size(size)
                .connection_timeout(Duration::from_secs(10))
                // A broken connection is detected by diesel when it is used; pinging on
                // every checkout would cost one extra round trip per request.
                .test_on_check_out(false)
                .build(ConnectionManager {
                    url: url.clone(),
                    setup,
                })
                .with_context(|| format!("cannot open a pool on {}", url.redacted()))
        };
        let pool_size_usize = usize::try_from(pool_size).unwrap_or(8);
        let (read, write, read_permits, write_permits) = match url.backend {
            Backend::Sqlite => (
                build(pool_size, ConnectionSetup::default())?,
                build(
                    1,
                    ConnectionSetup {
                        sqlite_busy: WRITER_POLL,
                        lock_timeout: None,
                    },
                )?,
                Arc::new(Semaphore::new(pool_size_usize)),
                Arc::new(Semaphore::new(1)),
            ),
            Backend::Postgres => {
                let pool = build(
                    pool_size,
                    ConnectionSetup {
                        lock_timeout: Some(writer_wait),
                        ..ConnectionSetup::default()
                    },
                )?;
                let permits = Arc::new(Semaphore::new(pool_size_usize));
                (pool.clone(), pool, permits.clone(), permits)
            }
        };
        Ok(Self {
            read,
            write,
            read_permits,
            write_permits,
            writer_wait,
            outbox: OutboxSignal::default(),
            backend: url.backend,
        })
    }

    /// What a write that queued mail fires after it commits; the mail queue waits on it.
    pub fn outbox_signal(&self) -> OutboxSignal {
        self.outbox.clone()
    }

    /// Runs read-only work on a pooled connection, off the async workers.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<AppError> + Send + 'static,
    {
        run_blocking(self.read.clone(), &self.read_permits, work).await
    }

    /// Runs a point lookup (a handful of rows by key) on the hot path of every page.
    ///
    /// On SQLite in WAL mode a read never waits for a lock and such a lookup takes a few
    /// microseconds, less than the hand-off to the blocking pool and back (measured with
    /// `benches/load.sh`: the hop cost more than the queries). So when a reader connection
    /// is free it runs right here; otherwise, and always on PostgreSQL (a network round
    /// trip), it goes to the blocking pool like [`Db::read`]. Never use it for scans.
    pub async fn read_quick<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<AppError> + Send + 'static,
    {
        if self.backend == Backend::Sqlite
            && let Some(mut conn) = self.read.try_get()
        {
            return work(&mut conn);
        }
        self.read(work).await
    }

    /// Runs work that writes, off the async workers, as the writer: on SQLite inside one
    /// `BEGIN IMMEDIATE` transaction, so that it waits for another process's write
    /// instead of failing with `database is locked` (see `write_as_writer`), rolled back
    /// if `work` fails. Callers wrap multi-statement changes in `conn.transaction` (for
    /// PostgreSQL, where `work` runs as it is) or in [`transaction_retrying`] where
    /// PostgreSQL may pick them to break a deadlock. Waits at most the writer wait, then
    /// fails with [`Contention::WriterHeld`]. Wakes the mail queue after it commits if it
    /// queued mail.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<AppError> + Send + 'static,
    {
        let deadline = Instant::now() + self.writer_wait;
        let _permit = tokio::time::timeout_at(deadline.into(), self.write_permits.acquire())
            .await
            .map_err(|_| AppError::Busy(Contention::WriterHeld))?
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("database permits")))?;
        let (pool, outbox) = (self.write.clone(), self.outbox.clone());
        tokio::task::spawn_blocking(move || {
            outbox::signalling_queued_mail(&outbox, || {
                let mut conn = writer_connection(&pool, deadline)?;
                write_as_writer(&mut conn, deadline, &mut |_| {}, work)
            })
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("database task")))?
    }

    /// [`Db::write`] for synchronous callers (the CLI): `waiting` is called with the time
    /// waited so far each time the writer was found held (about every 50 ms), so the caller
    /// can say what it is waiting for.
    pub fn write_blocking<T, E>(
        &self,
        waiting: &mut dyn FnMut(Duration),
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<AppError>,
    {
        let deadline = Instant::now() + self.writer_wait;
        outbox::signalling_queued_mail(&self.outbox, || {
            let mut conn = writer_connection(&self.write, deadline)?;
            write_as_writer(&mut conn, deadline, waiting, work)
        })
    }

    /// The writer's connection for synchronous callers (migrations, tests), without the
    /// wait and transaction of [`Db::write_blocking`]. On SQLite its statements wait only
    /// 50 ms for another process's write lock.
    pub fn write_conn(&self) -> anyhow::Result<PooledConnection> {
        self.write.get().context("no database connection available")
    }

    /// A reading connection for synchronous callers (commands, benchmarks).
    pub fn read_conn(&self) -> anyhow::Result<PooledConnection> {
        self.read.get().context("no database connection available")
    }
}

async fn run_blocking<T, E, F>(pool: Pool, permits: &Semaphore, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<AppError> + Send + 'static,
{
    let _permit = permits
        .acquire()
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("database permits")))?;
    tokio::task::spawn_blocking(move || {
        let mut conn = pool
            .get()
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("database pool")))?;
        work(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("database task")))?
}

/// The one row of a lookup by a unique key, loaded without `LIMIT`.
///
/// diesel binds `LIMIT` as a parameter (`.first()`), and SQLite marks a statement whose
/// LIMIT is a bound parameter as expired whenever it is re-bound, so it was parsed and
/// planned again on every run: key lookups on every page cost several times what they
/// should. Loading by a unique key returns at most one row anyway.
pub fn unique_row<T>(rows: QueryResult<Vec<T>>) -> QueryResult<Option<T>> {
    rows.map(|rows| rows.into_iter().next())
}

/// The current time as stored: UTC, truncated to microseconds so that SQLite (which would
/// keep nanoseconds) and PostgreSQL (microseconds) hold the same value.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now().naive_utc();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}

/// Copies what the write-ahead log holds back into the SQLite database file, without
/// waiting for readers or blocking the writer (`PASSIVE`). The serving process does this
/// every second off the request path, so a commit rarely has to: connections only
/// checkpoint themselves once the log passes 10,000 pages (about 40 MB). A no-op on
/// PostgreSQL.
pub fn checkpoint_wal(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA wal_checkpoint(PASSIVE)"),
        DbConnection::Postgres(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use diesel::RunQueryDsl;
    use diesel::sql_types::Text;

    use super::*;

    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds SQLite in multi-thread mode: the pool never shares a
    /// connection between threads, so serialized mode's mutexes would be pure cost.
    #[test]
    fn sqlite_is_built_for_one_thread_per_connection() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options")
            .load(&mut conn)
            .unwrap();
        assert!(
            options.iter().any(|o| o.compile_options == "THREADSAFE=2"),
            "{:?}",
            options
                .iter()
                .map(|o| &o.compile_options)
                .collect::<Vec<_>>()
        );
    }
}
