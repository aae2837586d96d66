//! Region keys for rows stored before the keys existed.
//!
//! Every territory and lead is written with the [`RegionKey`] of its region, which leads
//! are matched by. SQL cannot compute a key (SQLite's `lower()` folds ASCII only), so the
//! migration that added the key columns left them empty on the rows already there, and
//! [`fill_missing`] fills them in when the application starts, before it serves. This is
//! also how a future change of the key's rule would be rolled out: a migration that
//! empties the keys, refilled at the next start.

use diesel::{Connection, QueryResult};

use crate::db::DbConnection;
use crate::domain::RegionKey;
use crate::models::dealer::Dealer;
use crate::models::lead::LeadRow;

/// Rows keyed per transaction.
const CHUNK: i64 = 1_000;

/// Writes the region key of every territory and lead that has a region but no key, a
/// chunk per transaction; returns how many rows it wrote. Quick when there are none (an
/// index holds just the leads without one).
pub fn fill_missing(conn: &mut DbConnection) -> QueryResult<usize> {
    Ok(fill(
        conn,
        Dealer::territories_without_region_key,
        Dealer::set_territory_region_key,
    )? + fill(conn, LeadRow::without_region_key, LeadRow::set_region_key)?)
}

type Unkeyed = fn(&mut DbConnection, i64, i64) -> QueryResult<Vec<(i64, String)>>;
type SetKey = fn(&mut DbConnection, i64, Option<&str>) -> QueryResult<()>;

/// Keys the rows `unkeyed` finds, in id order (a blank region stays without a key and is
/// passed over).
fn fill(conn: &mut DbConnection, unkeyed: Unkeyed, set_key: SetKey) -> QueryResult<usize> {
    let (mut after, mut written) = (0, 0);
    loop {
        let rows = conn.transaction(|conn| {
            let rows = unkeyed(conn, after, CHUNK)?;
            for (id, region) in &rows {
                set_key(
                    conn,
                    *id,
                    RegionKey::of(region).as_ref().map(RegionKey::as_str),
                )?;
            }
            QueryResult::Ok(rows)
        })?;
        match rows.last() {
            Some((last, _)) => {
                after = *last;
                written += rows.len();
            }
            None => return Ok(written),
        }
    }
}
