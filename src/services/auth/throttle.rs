//! The login throttle: failed password checks counted per account and per client address
//! over a sliding window, for logins and for the current password of a password change.

use chrono::{NaiveDateTime, TimeDelta};

use super::ClientInfo;
use crate::db::{self, DbConnection, UtcTime};
use crate::error::AppError;
use crate::models::login_attempt::{self, NewLoginAttempt};
use crate::services::audit::{self, Actor};

/// Failed logins are counted over this sliding window.
pub const THROTTLE_WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failures per account within the window before further attempts wait.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures per client address within the window before further attempts wait.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;

fn throttle_wait(
    count: i64,
    limit: i64,
    oldest: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Option<TimeDelta> {
    if count < limit {
        return None;
    }
    let until = oldest.map_or(now + THROTTLE_WINDOW, |o| o + THROTTLE_WINDOW);
    Some((until - now).max(TimeDelta::seconds(1)))
}

/// Whether a password check may go ahead, with what the check needs when it may.
pub(super) enum Admission<T> {
    /// It may.
    Admitted(T),
    /// The account or the address has had too many failures lately: wait this long.
    Throttled(TimeDelta),
}

impl<T> Admission<T> {
    /// Adds what the check needs to an admitted attempt.
    pub(super) fn and_then<U, E>(
        self,
        next: impl FnOnce(T) -> Result<U, E>,
    ) -> Result<Admission<U>, E> {
        Ok(match self {
            Admission::Admitted(value) => Admission::Admitted(next(value)?),
            Admission::Throttled(wait) => Admission::Throttled(wait),
        })
    }
}

/// Counts the recent failures of `email` and of `client_ip` and, unless either is at its
/// limit, records this attempt as a failure before the password is even looked at, all in
/// the caller's write transaction under the account's lock ([`db::lock_login_throttle`]).
/// So thirty parallel guesses cannot all pass the check: each one sees the attempts
/// before it, finished or not; an admitted attempt carries its id. [`settle_attempt`] marks it a success once the password
/// proved right. A refused attempt is audited as `throttled_action` and not recorded, so
/// waiting is enough to get in again.
pub(super) fn admit_attempt(
    conn: &mut DbConnection,
    email: &str,
    client: &ClientInfo,
    throttled_action: &str,
) -> Result<Admission<i64>, AppError> {
    db::lock_login_throttle(conn, email, &client.ip)?;
    let now = db::now();
    let since = now - THROTTLE_WINDOW;
    let by_account = login_attempt::failures_for_email(conn, email, since)?;
    let by_address = login_attempt::failures_for_ip(conn, &client.ip, since)?;
    let wait = throttle_wait(
        by_account.count,
        MAX_FAILURES_PER_ACCOUNT,
        by_account.oldest.map(UtcTime::get),
        now,
    )
    .into_iter()
    .chain(throttle_wait(
        by_address.count,
        MAX_FAILURES_PER_ADDRESS,
        by_address.oldest.map(UtcTime::get),
        now,
    ))
    .max();
    if let Some(retry_after) = wait {
        audit::record(
            conn,
            &Actor::anonymous(&client.ip),
            throttled_action,
            ("user", email),
            "",
        )?;
        return Ok(Admission::Throttled(retry_after));
    }
    let id = login_attempt::record_returning_id(
        conn,
        &NewLoginAttempt {
            email,
            client_ip: &client.ip,
            succeeded: false,
            attempted_at: now,
        },
    )?;
    Ok(Admission::Admitted(id))
}

/// Marks an admitted attempt whose password was right as a success: the account's earlier
/// failures stop counting.
pub(super) fn settle_attempt(conn: &mut DbConnection, attempt: i64) -> Result<(), AppError> {
    Ok(login_attempt::mark_succeeded(conn, attempt)?)
}
