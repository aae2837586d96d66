//! What the database does when work contends with other work: waiting for the writer
//! (SQLite's one write lock, PostgreSQL's row and table locks) up to the writer wait, and
//! running a transaction again when PostgreSQL fails it to break a deadlock.

use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;

use super::{DbConnection, Pool, PooledConnection};
use crate::error::AppError;

/// The writer's pooled connection, waiting for it until `deadline`.
pub(super) fn writer_connection(
    pool: &Pool,
    deadline: Instant,
) -> Result<PooledConnection, AppError> {
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    pool.get_timeout(left).map_err(|e| {
        tracing::warn!(error = %e, "no writer connection within the writer wait");
        AppError::Busy(Contention::WriterHeld)
    })
}

/// Runs `work` on `conn` as the database writer.
///
/// On SQLite the work runs inside one `BEGIN IMMEDIATE` transaction: the write lock is
/// taken before the first read, waiting in SQLite's busy handler. A deferred transaction
/// that reads first and then writes gets `database is locked` at once, without waiting,
/// when another process (the portal beside the CLI, a second instance) wrote meanwhile.
/// Transactions inside `work` become savepoints (the first [`transaction_retrying`] runs
/// in this transaction itself). The transaction commits when `work` succeeds and rolls
/// back when it fails, so a failed write leaves nothing behind.
/// Waits until `deadline`, calling `waiting` with the time waited after each attempt, then
/// fails with [`Contention::WriterHeld`].
///
/// On PostgreSQL there is no single writer: `work` runs as it is, its statements waiting
/// for row locks up to the pool's `lock_timeout`.
pub(super) fn write_as_writer<T, E>(
    conn: &mut DbConnection,
    deadline: Instant,
    waiting: &mut dyn FnMut(Duration),
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<AppError>,
{
    let DbConnection::Sqlite(sqlite) = conn else {
        return work(conn);
    };
    begin_immediate(sqlite, deadline, waiting)?;
    WRITER_TRANSACTION.set(true);
    let result = work(conn);
    WRITER_TRANSACTION.set(false);
    match result {
        Ok(value) => <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
            .map(|()| value)
            .map_err(|e| E::from(AppError::from(e))),
        Err(e) => {
            // A failed write leaves nothing behind; a connection whose rollback failed is
            // dropped by the pool.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(e)
        }
    }
}

thread_local! {
    /// Set while [`write_as_writer`]'s own transaction is the one this thread is in: the
    /// first [`transaction_retrying`] inside it runs in that transaction rather than in a
    /// savepoint. (SQLite copies every page a savepoint's transaction changes to its
    /// sub-journal, and each inner savepoint's release walks that journal from the start:
    /// a batch of 1,000 leads held in a savepoint ran five times slower.)
    static WRITER_TRANSACTION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Starts an IMMEDIATE transaction (through diesel's transaction manager, so nested
/// `transaction` calls become savepoints), retrying until `deadline` while another
/// connection holds the write lock.
fn begin_immediate(
    sqlite: &mut SqliteConnection,
    deadline: Instant,
    waiting: &mut dyn FnMut(Duration),
) -> Result<(), AppError> {
    let started = Instant::now();
    loop {
        match AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
            Ok(()) => return Ok(()),
            Err(e) if Contention::of(&e) == Some(Contention::WriterHeld) => {
                if Instant::now() >= deadline {
                    return Err(AppError::Busy(Contention::WriterHeld));
                }
                waiting(started.elapsed());
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Why the database could not do a piece of work now. Each passes by itself: the portal
/// answers 503 with `Retry-After`, and [`transaction_retrying`] runs a transaction again
/// after the retryable ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contention {
    /// Another connection held the writer (SQLite) or a lock this work needed
    /// (PostgreSQL) for longer than the writer wait.
    WriterHeld,
    /// PostgreSQL broke a deadlock by failing this transaction (SQLSTATE 40P01).
    Deadlock,
    /// A serializable transaction lost to a concurrent one (SQLSTATE 40001).
    SerializationFailure,
}

impl Contention {
    /// The contention behind a database error, if it is one.
    ///
    /// diesel reports 40001 as [`DatabaseErrorKind::SerializationFailure`] but has no kind
    /// for 40P01 (deadlock) or 55P03 (`lock_timeout`), and gives no SQLSTATE: those are
    /// recognised by PostgreSQL's message, which is English unless the server's
    /// `lc_messages` says otherwise. SQLite's `SQLITE_BUSY` reads "database is locked".
    pub fn of(error: &DieselError) -> Option<Self> {
        match error {
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Some(Self::SerializationFailure)
            }
            DieselError::DatabaseError(_, info) => {
                let message = info.message();
                if message.starts_with("deadlock detected") {
                    Some(Self::Deadlock)
                } else if message.starts_with("database is locked")
                    || message.contains("due to lock timeout")
                {
                    Some(Self::WriterHeld)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Whether running the transaction again may well succeed at once.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Deadlock | Self::SerializationFailure)
    }

    /// What `Retry-After` suggests to a client that got this.
    pub fn retry_after_secs(self) -> u64 {
        match self {
            Self::WriterHeld => 5,
            Self::Deadlock | Self::SerializationFailure => 1,
        }
    }
}

impl std::fmt::Display for Contention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::WriterHeld => "the database writer was held past the writer wait",
            Self::Deadlock => "deadlock detected",
            Self::SerializationFailure => "serialization failure",
        })
    }
}

/// How many times [`transaction_retrying`] runs a transaction that keeps losing to
/// concurrent ones before it gives up.
pub const TRANSACTION_ATTEMPTS: u32 = 5;

/// Runs `work` in a transaction of its own; if PostgreSQL fails it with a deadlock or a
/// serialization failure, rolls back and runs it again, up to [`TRANSACTION_ATTEMPTS`]
/// times, after a short jittered pause (10, 20, 40, 80 ms, ± half). What is still
/// contended after the last attempt fails with [`AppError::Busy`] (503 and `Retry-After`).
///
/// Inside a caller's transaction it is a plain savepoint and does not retry: only the
/// outermost transaction can be run again (the caller's locks would still be held).
/// `work` must not have effects outside the transaction (it may run more than once).
pub fn transaction_retrying<T>(
    conn: &mut DbConnection,
    mut work: impl FnMut(&mut DbConnection) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut attempt = 1;
    loop {
        let began = match conn {
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            }
            DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN"),
        };
        match began {
            Ok(()) => {}
            // The writer's own transaction, just begun for this work by `write_as_writer`,
            // which rolls it back if `work` fails.
            Err(DieselError::AlreadyInTransaction)
                if WRITER_TRANSACTION.replace(false)
                    && <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
                        .transaction_depth()
                        .ok()
                        .flatten()
                        .is_some_and(|depth| depth.get() == 1) =>
            {
                return work(conn);
            }
            Err(DieselError::AlreadyInTransaction) => return conn.transaction(work),
            Err(e) => return Err(e.into()),
        }
        let result = match work(conn) {
            Ok(value) => <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
                .map(|()| value)
                .map_err(AppError::from),
            Err(e) => {
                match <DbConnection as Connection>::TransactionManager::rollback_transaction(conn) {
                    Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(e),
                    Err(rollback) => Err(rollback.into()),
                }
            }
        };
        match result {
            Err(e)
                if attempt < TRANSACTION_ATTEMPTS
                    && e.contention().is_some_and(Contention::is_retryable) =>
            {
                let pause = 10u64 << (attempt - 1);
                let jittered = rand::random_range(pause / 2..=pause + pause / 2);
                tracing::info!(attempt, error = %e, "transaction lost to a concurrent one; retrying");
                std::thread::sleep(Duration::from_millis(jittered));
                attempt += 1;
            }
            other => return other,
        }
    }
}
