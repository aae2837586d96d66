use diesel::prelude::*;

use crate::db::DbConnection;
use crate::domain::{Currency, FeedbackOutcome};
use crate::schema::attribution_journeys;

/// A lead's journey as attribution reads it: one narrow row per lead (see the migration
/// `attribution_journeys` and `services::attribution::journeys`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = attribution_journeys)]
#[diesel(treat_none_as_null = true)]
pub struct JourneyRow {
    pub lead_id: i64,
    /// Microseconds since 1970 (UTC), as every time here.
    pub received_us: i64,
    pub accepted_us: Option<i64>,
    pub outcome: Option<FeedbackOutcome>,
    pub unreached: bool,
    pub converted_us: Option<i64>,
    pub revenue_cents: Option<i64>,
    pub currency: Option<Currency>,
    pub last_event_id: Option<String>,
    pub path: String,
}

/// The statement that fills the table from the tables it summarises: the migration's own,
/// so the two can never differ.
const SQLITE_FILL: &str =
    include_str!("../../migrations/sqlite/2026-12-09-000016_attribution_journeys/up.sql");
const POSTGRES_FILL: &str =
    include_str!("../../migrations/postgres/2026-12-09-000016_attribution_journeys/up.sql");

impl JourneyRow {
    /// Writes a lead's row, replacing what was there.
    pub fn save(conn: &mut DbConnection, row: &JourneyRow) -> QueryResult<()> {
        let updated = diesel::update(attribution_journeys::table.find(row.lead_id))
            .set(row)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(attribution_journeys::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn find(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Option<JourneyRow>> {
        attribution_journeys::table
            .find(lead_id)
            .select(JourneyRow::as_select())
            .first(conn)
            .optional()
    }

    /// Hands `each` the row of every decided journey, in lead order, one at a time (a
    /// million rows are never held at once): an outcome recorded, "never reached"
    /// answered, or received at or before `horizon_us` (still open that long after).
    pub fn for_each_decided<E: From<diesel::result::Error>>(
        conn: &mut DbConnection,
        horizon_us: i64,
        mut each: impl FnMut(JourneyRow) -> Result<(), E>,
    ) -> Result<(), E> {
        use attribution_journeys as j;
        use diesel::connection::DefaultLoadingMode;
        crate::on_native!(conn, |c| {
            let rows = j::table
                .filter(
                    j::outcome
                        .is_not_null()
                        .or(j::unreached.eq(true))
                        .or(j::received_us.le(horizon_us)),
                )
                .order(j::lead_id)
                .select(JourneyRow::as_select())
                .load_iter::<JourneyRow, DefaultLoadingMode>(c)?;
            for row in rows {
                each(row?)?;
            }
            Ok(())
        })
    }

    /// Every lead's row, in lead order.
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<JourneyRow>> {
        crate::on_native!(conn, |c| attribution_journeys::table
            .order(attribution_journeys::lead_id)
            .select(JourneyRow::as_select())
            .load(c))
    }

    /// Writes every lead's row again from the tables it summarises, in the caller's
    /// transaction (after a bulk load that bypassed the services, such as `generate`).
    /// Returns the rows written.
    pub fn rebuild_all(conn: &mut DbConnection) -> QueryResult<usize> {
        diesel::delete(attribution_journeys::table).execute(conn)?;
        let migration = match conn {
            DbConnection::Sqlite(_) => SQLITE_FILL,
            DbConnection::Postgres(_) => POSTGRES_FILL,
        };
        let fill = migration
            .find("INSERT INTO attribution_journeys")
            .map_or("", |at| &migration[at..]);
        diesel::sql_query(fill).execute(conn)
    }
}
