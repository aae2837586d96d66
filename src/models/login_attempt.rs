use chrono::NaiveDateTime;
use diesel::dsl::min;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime};
use crate::schema::login_attempts;

/// One login attempt, kept for throttling.
#[derive(Debug, Insertable)]
#[diesel(table_name = login_attempts)]
pub struct NewLoginAttempt<'a> {
    pub email: &'a str,
    pub client_ip: &'a str,
    pub succeeded: bool,
    pub attempted_at: NaiveDateTime,
}

/// Failures inside a window: how many, and when the oldest happened.
#[derive(Debug, Clone, Copy)]
pub struct FailureWindow {
    pub count: i64,
    pub oldest: Option<UtcTime>,
}

pub fn record(conn: &mut DbConnection, attempt: &NewLoginAttempt) -> QueryResult<()> {
    diesel::insert_into(login_attempts::table)
        .values(attempt)
        .execute(conn)
        .map(drop)
}

/// Records `attempt` and returns its id.
///
/// The caller holds the account's throttle lock ([`crate::db::lock_login_throttle`]) for
/// the rest of its transaction, so no other attempt for this email can be written in
/// between and the newest row for the email is this one (diesel's multi-backend
/// connection has no `RETURNING`).
pub fn record_returning_id(conn: &mut DbConnection, attempt: &NewLoginAttempt) -> QueryResult<i64> {
    record(conn, attempt)?;
    login_attempts::table
        .filter(login_attempts::email.eq(attempt.email))
        .select(diesel::dsl::max(login_attempts::id))
        .first::<Option<i64>>(conn)?
        .ok_or(diesel::result::Error::NotFound)
}

/// Marks an attempt recorded as a failure (pending its password check) as a success.
pub fn mark_succeeded(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(login_attempts::table.find(id))
        .set(login_attempts::succeeded.eq(true))
        .execute(conn)
        .map(drop)
}

/// Failed attempts for an email since `since`, not counting those before its last success.
pub fn failures_for_email(
    conn: &mut DbConnection,
    email: &str,
    since: NaiveDateTime,
) -> QueryResult<FailureWindow> {
    let last_success: Option<UtcTime> = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::succeeded.eq(true))
        .filter(login_attempts::attempted_at.gt(since))
        .select(diesel::dsl::max(login_attempts::attempted_at))
        .first(conn)?;
    let since = last_success.map_or(since, |s| s.get().max(since));
    let base = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(since));
    let (count, oldest) = base
        .select((diesel::dsl::count_star(), min(login_attempts::attempted_at)))
        .first(conn)?;
    Ok(FailureWindow { count, oldest })
}

/// Failed attempts from a client address since `since`.
pub fn failures_for_ip(
    conn: &mut DbConnection,
    client_ip: &str,
    since: NaiveDateTime,
) -> QueryResult<FailureWindow> {
    let (count, oldest) = login_attempts::table
        .filter(login_attempts::client_ip.eq(client_ip))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(since))
        .select((diesel::dsl::count_star(), min(login_attempts::attempted_at)))
        .first(conn)?;
    Ok(FailureWindow { count, oldest })
}

pub fn delete_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::attempted_at.lt(before)))
        .execute(conn)
}
