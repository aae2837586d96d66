//! Row and advisory locks on PostgreSQL, taken in one global order (see
//! [`lock_allocation_state`]). On SQLite every function here is a no-op: its single writer
//! already runs one write transaction at a time.

use diesel::QueryResult;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;

use super::DbConnection;

/// Locks the allocator's state rows of `dealer_ids` until the transaction ends, so two
/// instances allocating at once cannot both read the same state. PostgreSQL only: SQLite
/// has a single writer, which already serialises write transactions.
///
/// # Lock order
/// Every transaction that allocates on PostgreSQL takes its locks in one global order, so
/// that none waits for another that waits for it (a deadlock, which PostgreSQL detects
/// only after a second):
/// 1. the intake keys of the leads it stores ([`lock_lead_keys`]), sorted;
/// 2. the allocation state rows, by dealer id ascending, in one statement: a few here for
///    one lead, or all of them ([`lock_all_allocation_state`]) for a transaction that
///    allocates more than one lead (an API batch, a CSV chunk, an expiry run);
/// 3. then rows of leads and offers, as the work goes.
///
/// An answer to an offer (a decline) and an expiry run hold the offer rows they close
/// before step 2; that is safe because nothing holding allocation states waits for an
/// existing offer (intake only inserts, and expiry claims offers with `SKIP LOCKED`).
///
/// A dealer's row is created here if it has none yet (a new dealer), in the same ascending
/// pass, so no two transactions race to insert it later.
pub fn lock_allocation_state(conn: &mut DbConnection, dealer_ids: &[i64]) -> QueryResult<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{Array, BigInt};

    if let DbConnection::Postgres(pg) = conn {
        let mut ids = dealer_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        diesel::sql_query(
            "INSERT INTO dealer_allocation_state (dealer_id, entitled, received) \
             SELECT id, 0, 0 FROM unnest($1::bigint[]) AS ids (id) ORDER BY id \
             ON CONFLICT (dealer_id) DO UPDATE SET entitled = dealer_allocation_state.entitled",
        )
        .bind::<Array<BigInt>, _>(&ids)
        .execute(pg)?;
    }
    Ok(())
}

/// Locks the intake keys (`source`, `external_id`) of leads about to be stored until the
/// transaction ends (PostgreSQL advisory locks, taken in sorted order): a second request
/// with the same lead waits here, before any other lock, instead of on the unique index
/// in the middle of its work, and then finds the lead stored. A no-op on SQLite.
pub fn lock_lead_keys<'a>(
    conn: &mut DbConnection,
    source: &str,
    external_ids: impl IntoIterator<Item = &'a str>,
) -> QueryResult<()> {
    lock_advisory_keys(
        conn,
        external_ids
            .into_iter()
            .map(|external_id| advisory_key(&["lead", source, external_id]))
            .collect(),
    )
}

/// Serialises password checks for one account and one client address until the
/// transaction ends, so counting their recent failures and recording the new attempt are
/// one step: parallel attempts each see the ones before them. On PostgreSQL by two
/// advisory locks; SQLite's single writer connection already runs one write transaction
/// at a time.
pub fn lock_login_throttle(
    conn: &mut DbConnection,
    account: &str,
    address: &str,
) -> QueryResult<()> {
    lock_advisory_keys(
        conn,
        vec![
            advisory_key(&["login-account", account]),
            advisory_key(&["login-address", address]),
        ],
    )
}

/// The advisory lock key of `parts` (a namespace first): the first 64 bits of their
/// SHA-256, the parts separated by a zero byte.
fn advisory_key(parts: &[&str]) -> i64 {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    let digest = digest.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Takes transaction-scoped advisory locks on `keys` in ascending order (one global
/// order, so two transactions never wait for each other in a circle). PostgreSQL only.
fn lock_advisory_keys(conn: &mut DbConnection, mut keys: Vec<i64>) -> QueryResult<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{Array, BigInt};

    let DbConnection::Postgres(pg) = conn else {
        return Ok(());
    };
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "SELECT pg_advisory_xact_lock(key) \
         FROM (SELECT unnest($1::bigint[]) AS key ORDER BY key) AS keys",
    )
    .bind::<Array<BigInt>, _>(&keys)
    .execute(pg)
    .map(drop)
}

/// Locks every allocator state row until the transaction ends (PostgreSQL only, in the
/// order of [`lock_allocation_state`]), for a transaction that allocates more than one
/// lead. Dealers without a row get one first.
pub fn lock_all_allocation_state(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(pg) => lock_every_allocation_state(pg),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

fn lock_every_allocation_state(pg: &mut PgConnection) -> QueryResult<()> {
    use diesel::{QueryDsl, RunQueryDsl};

    use crate::schema::dealer_allocation_state::dsl;
    pg.batch_execute(
        "INSERT INTO dealer_allocation_state (dealer_id, entitled, received) \
         SELECT id, 0, 0 FROM dealers WHERE NOT EXISTS \
         (SELECT 1 FROM dealer_allocation_state s WHERE s.dealer_id = dealers.id) \
         ORDER BY id ON CONFLICT (dealer_id) DO NOTHING",
    )?;
    dsl::dealer_allocation_state
        .select(dsl::dealer_id)
        .order(dsl::dealer_id)
        .for_update()
        .load::<i64>(pg)
        .map(drop)
}

/// Which open offers a deadline run is looking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueOffers {
    /// Past their deadline.
    Expiring,
    /// Past their reminder time and not yet reminded.
    Reminding,
}

/// Claims up to `limit` due open offers for the current transaction. On PostgreSQL the
/// rows are locked with `FOR UPDATE SKIP LOCKED`, so instances running side by side each
/// take different offers; SQLite's single writer already runs one transaction at a time.
/// Offers claimed to expire are offered on to the next dealer in the same transaction, so
/// then every allocation state is locked too ([`lock_all_allocation_state`], the global
/// lock order).
pub fn claim_due_offers(
    conn: &mut DbConnection,
    due: DueOffers,
    now: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    use diesel::{BoolExpressionMethods, ExpressionMethods, QueryDsl, RunQueryDsl};

    use crate::schema::offers::dsl;
    let open = dsl::offers
        .filter(dsl::status.eq(crate::domain::OfferStatus::Open))
        .select(dsl::id)
        .limit(limit);
    let expiring = open
        .filter(dsl::deadline_at.le(now))
        .order(dsl::deadline_at);
    let reminding = open
        .filter(dsl::reminder_at.le(now).and(dsl::reminded_at.is_null()))
        .filter(dsl::deadline_at.gt(now))
        .order(dsl::reminder_at);
    match (conn, due) {
        (DbConnection::Postgres(pg), DueOffers::Expiring) => {
            let claimed: Vec<i64> = expiring.for_update().skip_locked().load(pg)?;
            if !claimed.is_empty() {
                lock_every_allocation_state(pg)?;
            }
            Ok(claimed)
        }
        (DbConnection::Postgres(pg), DueOffers::Reminding) => {
            reminding.for_update().skip_locked().load(pg)
        }
        (conn @ DbConnection::Sqlite(_), DueOffers::Expiring) => expiring.load(conn),
        (conn @ DbConnection::Sqlite(_), DueOffers::Reminding) => reminding.load(conn),
    }
}
