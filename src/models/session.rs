use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, unique_row};
use crate::domain::Role;
use crate::schema::{sessions, users};

/// A login session. The cookie holds a random id; only its SHA-256 is stored, so a copy
/// of the database does not let anyone take over a session.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: UtcTime,
    pub last_seen_at: UtcTime,
    pub expires_at: UtcTime,
    pub client_ip: String,
    pub user_agent: String,
}

/// The columns of the user a request needs on every page.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub dealer_id: Option<i64>,
    pub locale: Option<String>,
    pub active: bool,
}

impl SessionRow {
    pub fn insert(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<()> {
        diesel::insert_into(sessions::table)
            .values(row)
            .execute(conn)
            .map(drop)
    }

    /// The session and its user, in one query.
    pub fn find_with_user(
        conn: &mut DbConnection,
        id_hash: &str,
    ) -> QueryResult<Option<(SessionRow, SessionUser)>> {
        unique_row(crate::on_native!(conn, |c| sessions::table
            .inner_join(users::table)
            .filter(sessions::id_hash.eq(id_hash))
            .select((SessionRow::as_select(), SessionUser::as_select()))
            .load(c)))
    }

    pub fn touch(conn: &mut DbConnection, id_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(sessions::table.find(id_hash))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)
            .map(drop)
    }

    /// Deletes one session; returns whether it existed.
    pub fn delete(conn: &mut DbConnection, id_hash: &str) -> QueryResult<bool> {
        diesel::delete(sessions::table.find(id_hash))
            .execute(conn)
            .map(|n| n > 0)
    }

    /// Deletes every session of a user; returns how many there were.
    pub fn delete_for_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
    }

    /// Sessions past their absolute expiry or idle for longer than `idle_cutoff`.
    pub fn expired(
        conn: &mut DbConnection,
        now: NaiveDateTime,
        idle_cutoff: NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<SessionRow>> {
        sessions::table
            .filter(
                sessions::expires_at
                    .le(now)
                    .or(sessions::last_seen_at.le(idle_cutoff)),
            )
            .select(SessionRow::as_select())
            .limit(limit)
            .load(conn)
    }

    pub fn count_for_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<i64> {
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .count()
            .get_result(conn)
    }
}
