//! Logging in and out, sessions, password changes, resets and invitations.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::Connection;

use crate::db::{self, Db, DbConnection, UtcTime};
use crate::domain::{MessageKey, NewPassword, Role};
use crate::email::{self, PasswordResetEmail};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::login_attempt::{self, NewLoginAttempt};
use crate::models::session::{SessionRow, SessionUser};
use crate::models::token::UserToken;
use crate::models::user::User;
use crate::services::audit::{self, Actor};
use crate::services::password;
use crate::services::tokens::{self, TokenPurpose};

/// Failed logins are counted over this sliding window.
pub const THROTTLE_WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failures per account within the window before further attempts wait.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures per client address within the window before further attempts wait.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
/// Reset emails sent to one account per hour, at most.
const MAX_RESETS_PER_HOUR: i64 = 3;
/// A session's last-seen time is written at most this often.
const TOUCH_INTERVAL: TimeDelta = TimeDelta::seconds(60);

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: TimeDelta,
    pub absolute: TimeDelta,
}

/// The person behind a valid session.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub dealer_id: Option<i64>,
    pub locale: Option<Locale>,
}

/// A valid session, as the web layer needs it.
#[derive(Debug, Clone)]
pub struct AuthSession {
    pub id_hash: String,
    pub csrf_token: String,
    pub user: AuthUser,
}

impl AuthSession {
    fn from_rows(session: SessionRow, user: SessionUser) -> Option<Self> {
        Some(Self {
            id_hash: session.id_hash,
            csrf_token: session.csrf_token,
            user: AuthUser {
                id: user.id,
                email: user.email,
                name: user.name,
                role: user.role,
                dealer_id: user.dealer_id,
                locale: user.locale.and_then(|l| l.parse().ok()),
            },
        })
    }
}

/// A new session: the secret goes into the cookie, the rest is stored.
pub struct NewSession {
    pub secret: String,
    pub role: Role,
}

/// Where the request came from, for sessions, throttling and the audit log.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

/// The outcome of a login attempt.
pub enum LoginOutcome {
    LoggedIn(NewSession),
    /// Wrong email, wrong password, or a disabled account: the same answer for all three.
    InvalidCredentials,
    Throttled {
        retry_after: TimeDelta,
    },
    /// The email is not shaped like an address (or is longer than one can be): refused
    /// before anything was looked up or written. The key names the message to show.
    MalformedEmail(MessageKey),
}

fn create_session(
    conn: &mut DbConnection,
    user_id: i64,
    client: &ClientInfo,
    policy: SessionPolicy,
    now: NaiveDateTime,
) -> diesel::QueryResult<String> {
    let secret = tokens::random_secret();
    SessionRow::insert(
        conn,
        &SessionRow {
            id_hash: tokens::hash_secret(&secret),
            user_id,
            csrf_token: tokens::random_secret(),
            created_at: now.into(),
            last_seen_at: now.into(),
            expires_at: (now + policy.absolute).into(),
            client_ip: client.ip.clone(),
            user_agent: client.user_agent.chars().take(300).collect(),
        },
    )?;
    Ok(secret)
}

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

/// The most characters an email address can have (RFC 5321's limit on a path).
const MAX_EMAIL_CHARS: usize = 254;

/// The email typed into the login form, trimmed and lower-cased, if it has the shape of an
/// address: at most 254 characters, one `@` with something on each side, no spaces or
/// control characters. Looser than [`crate::domain::EmailAddress`] (a domain without a dot
/// is fine): it only keeps junk from being looked up and stored, the password decides.
pub fn login_email(input: &str) -> Result<String, MessageKey> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("error-required");
    }
    let shaped = trimmed.chars().count() <= MAX_EMAIL_CHARS
        && !trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
        && trimmed.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if shaped {
        Ok(trimmed.to_lowercase())
    } else {
        Err("error-email-invalid")
    }
}

/// Whether a password check may go ahead.
enum Admission {
    /// It may; the attempt is recorded as a failure under this id until it succeeds.
    Admitted(i64),
    /// The account or the address has had too many failures lately.
    Throttled(TimeDelta),
}

/// Counts the recent failures of `email` and of `client_ip` and, unless either is at its
/// limit, records this attempt as a failure before the password is even looked at, all in
/// the caller's write transaction under the account's lock ([`db::lock_login_throttle`]).
/// So thirty parallel guesses cannot all pass the check: each one sees the attempts
/// before it, finished or not. [`settle_attempt`] marks it a success once the password
/// proved right. A refused attempt is audited as `throttled_action` and not recorded, so
/// waiting is enough to get in again.
fn admit_attempt(
    conn: &mut DbConnection,
    email: &str,
    client: &ClientInfo,
    throttled_action: &str,
) -> Result<Admission, AppError> {
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
fn settle_attempt(conn: &mut DbConnection, attempt: i64) -> Result<(), AppError> {
    Ok(login_attempt::mark_succeeded(conn, attempt)?)
}

/// Checks a login. The email's shape is checked before anything is looked up; then the
/// throttle is checked and the attempt recorded in one step ([`admit_attempt`]), so
/// throttled attempts are refused before the password is looked at and parallel attempts
/// cannot slip past the limit. The password is verified off the async workers (a bounded
/// number at once), against a dummy hash for unknown emails.
/// `previous_session` (the id hash of a session cookie the browser already had) is ended,
/// so every login gets a fresh session id.
pub async fn login(
    db: &Db,
    policy: SessionPolicy,
    email: &str,
    password: String,
    client: ClientInfo,
    previous_session: Option<String>,
) -> Result<LoginOutcome, AppError> {
    let email = match login_email(email) {
        Ok(email) => email,
        Err(key) => return Ok(LoginOutcome::MalformedEmail(key)),
    };
    let (lookup_email, admit_client) = (email.clone(), client.clone());
    let admission = db
        .write(move |conn| {
            conn.transaction(|conn| -> Result<_, AppError> {
                match admit_attempt(conn, &lookup_email, &admit_client, "login_throttled")? {
                    Admission::Admitted(attempt) => {
                        Ok(Ok((attempt, User::find_by_email(conn, &lookup_email)?)))
                    }
                    Admission::Throttled(retry_after) => Ok(Err(retry_after)),
                }
            })
        })
        .await?;
    let (attempt, user) = match admission {
        Ok(admitted) => admitted,
        Err(retry_after) => return Ok(LoginOutcome::Throttled { retry_after }),
    };

    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = password::verify(password, stored).await?;
    let accepted = user.filter(|u| password_ok && u.active);

    db.write(move |conn| {
        conn.transaction(|conn| -> Result<LoginOutcome, AppError> {
            let now = db::now();
            let Some(user) = accepted else {
                audit::record(
                    conn,
                    &Actor::anonymous(&client.ip),
                    "login_failed",
                    ("user", &email),
                    "",
                )?;
                return Ok(LoginOutcome::InvalidCredentials);
            };
            settle_attempt(conn, attempt)?;
            let actor = Actor::user(user.id, &user.email, &client.ip);
            if let Some(previous) = previous_session
                && SessionRow::delete(conn, &previous)?
            {
                audit::record(
                    conn,
                    &actor,
                    "session_ended",
                    ("user", &user.id.to_string()),
                    "replaced by a new login",
                )?;
            }
            let secret = create_session(conn, user.id, &client, policy, now)?;
            audit::record(
                conn,
                &actor,
                "login",
                ("user", &user.id.to_string()),
                &client.user_agent,
            )?;
            let role = user.role;
            Ok(LoginOutcome::LoggedIn(NewSession { secret, role }))
        })
    })
    .await
}

/// Looks up the session behind a cookie secret. An idle, expired or disabled-user session
/// is deleted (and the end audited) and `None` returned.
pub async fn resume_session(
    db: &Db,
    policy: SessionPolicy,
    secret: &str,
) -> Result<Option<AuthSession>, AppError> {
    if secret.len() != 43 {
        return Ok(None);
    }
    let id_hash = tokens::hash_secret(secret);
    let lookup = id_hash.clone();
    let found = db
        .read_quick(move |conn| SessionRow::find_with_user(conn, &lookup).map_err(AppError::from))
        .await?;
    let Some((session, user)) = found else {
        return Ok(None);
    };
    let now = db::now();
    let expired =
        session.expires_at <= now || session.last_seen_at + policy.idle <= now || !user.active;
    if expired {
        let reason = if user.active {
            "expired"
        } else {
            "account disabled"
        };
        let (user_id, email, ip) = (user.id, user.email.clone(), session.client_ip.clone());
        db.write(move |conn| {
            conn.transaction(|conn| -> Result<(), AppError> {
                if SessionRow::delete(conn, &id_hash)? {
                    audit::record(
                        conn,
                        &Actor::user(user_id, &email, &ip),
                        "session_ended",
                        ("user", &user_id.to_string()),
                        reason,
                    )?;
                }
                Ok(())
            })
        })
        .await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_INTERVAL {
        let hash = session.id_hash.clone();
        db.write(move |conn| SessionRow::touch(conn, &hash, now).map_err(AppError::from))
            .await?;
    }
    Ok(AuthSession::from_rows(session, user))
}

/// Ends a session at the user's request.
pub async fn logout(db: &Db, session: &AuthSession, client_ip: &str) -> Result<(), AppError> {
    let (hash, user, ip) = (
        session.id_hash.clone(),
        session.user.clone(),
        client_ip.to_owned(),
    );
    db.write(move |conn| {
        conn.transaction(|conn| -> Result<(), AppError> {
            if SessionRow::delete(conn, &hash)? {
                audit::record(
                    conn,
                    &Actor::user(user.id, &user.email, &ip),
                    "logout",
                    ("user", &user.id.to_string()),
                    "",
                )?;
            }
            Ok(())
        })
    })
    .await
}

/// Why a password change was refused.
pub enum PasswordChangeError {
    WrongCurrent,
    Invalid(&'static str),
    /// Too many wrong current passwords for this account or from this address lately
    /// (counted with failed logins); the right one waits too.
    Throttled {
        retry_after: TimeDelta,
    },
}

/// Changes the password of a logged-in user: every session of theirs ends (other
/// devices are logged out), outstanding reset links stop working, and this browser gets a
/// fresh session whose secret is returned.
///
/// The current password is checked like a login password ([`admit_attempt`]): a wrong one
/// counts as a failed login of the account and the address, and past the limit the change
/// is refused before the password is looked at, so a stolen session cannot be used to
/// guess it.
pub async fn change_password(
    db: &Db,
    policy: SessionPolicy,
    session: &AuthSession,
    current: String,
    new: &str,
    confirmation: &str,
    client: ClientInfo,
) -> Result<Result<String, PasswordChangeError>, AppError> {
    let user = session.user.clone();
    let (admit_user, admit_client) = (user.clone(), client.clone());
    let admission = db
        .write(move |conn| {
            conn.transaction(|conn| -> Result<_, AppError> {
                match admit_attempt(
                    conn,
                    &admit_user.email,
                    &admit_client,
                    "password_change_throttled",
                )? {
                    Admission::Admitted(attempt) => Ok(Ok((
                        attempt,
                        User::find(conn, admit_user.id)?.password_hash,
                    ))),
                    Admission::Throttled(retry_after) => Ok(Err(retry_after)),
                }
            })
        })
        .await?;
    let (attempt, stored) = match admission {
        Ok(admitted) => admitted,
        Err(retry_after) => return Ok(Err(PasswordChangeError::Throttled { retry_after })),
    };
    if !password::verify(current, stored).await? {
        let (user, ip) = (user.clone(), client.ip.clone());
        db.write(move |conn| -> Result<(), AppError> {
            Ok(audit::record(
                conn,
                &Actor::user(user.id, &user.email, &ip),
                "password_change_failed",
                ("user", &user.id.to_string()),
                "wrong current password",
            )?)
        })
        .await?;
        return Ok(Err(PasswordChangeError::WrongCurrent));
    }
    let new = match NewPassword::parse(new, confirmation, &user.email) {
        Ok(p) => p,
        Err(key) => {
            db.write(move |conn| settle_attempt(conn, attempt)).await?;
            return Ok(Err(PasswordChangeError::Invalid(key)));
        }
    };
    let hash = password::hash(new.expose().to_owned()).await?;
    db.write(move |conn| {
        conn.transaction(|conn| -> Result<_, AppError> {
            let now = db::now();
            settle_attempt(conn, attempt)?;
            User::set_password_hash(conn, user.id, &hash, now)?;
            UserToken::delete_for_user(conn, user.id)?;
            let ended = SessionRow::delete_for_user(conn, user.id)?;
            let secret = create_session(conn, user.id, &client, policy, now)?;
            let actor = Actor::user(user.id, &user.email, &client.ip);
            audit::record(
                conn,
                &actor,
                "password_changed",
                ("user", &user.id.to_string()),
                &format!("{ended} session(s) ended"),
            )?;
            Ok(Ok(secret))
        })
    })
    .await
}

/// Sends a reset link if the email belongs to an active account (at most three an hour).
/// The caller shows the same answer whatever happened here.
pub async fn request_password_reset(
    db: &Db,
    email: &str,
    base_url: String,
    client_ip: String,
    fallback_locale: Locale,
) -> Result<(), AppError> {
    // The route refuses a malformed address with a message; nothing junk is looked up
    // whoever calls this.
    let Ok(email) = login_email(email) else {
        return Ok(());
    };
    db.write(move |conn| {
        conn.transaction(|conn| -> Result<(), AppError> {
            let Some(user) = User::find_by_email(conn, &email)? else {
                return Ok(());
            };
            let now = db::now();
            if !user.active
                || UserToken::count_recent(
                    conn,
                    user.id,
                    TokenPurpose::PasswordReset,
                    now - TimeDelta::hours(1),
                )? >= MAX_RESETS_PER_HOUR
            {
                return Ok(());
            }
            let secret = tokens::issue(conn, user.id, TokenPurpose::PasswordReset, now)?;
            let locale = user
                .locale
                .as_deref()
                .and_then(|l| l.parse().ok())
                .unwrap_or(fallback_locale);
            email::enqueue(
                conn,
                &user.email,
                &PasswordResetEmail {
                    locale,
                    name: user.name.clone(),
                    link: format!("{base_url}/password/reset/{secret}"),
                    valid_minutes: TokenPurpose::PasswordReset.lifetime().num_minutes(),
                },
            )?;
            audit::record(
                conn,
                &Actor::anonymous(&client_ip),
                "password_reset_requested",
                ("user", &user.id.to_string()),
                "",
            )?;
            Ok(())
        })
    })
    .await
}

/// The account an emailed link was issued for, if the link is still good.
pub async fn check_link(db: &Db, secret: String, purpose: TokenPurpose) -> Result<User, AppError> {
    db.read(move |conn| {
        let token =
            tokens::find_valid(conn, &secret, purpose, db::now())?.ok_or(AppError::InvalidLink)?;
        let user = User::find(conn, token.user_id)?;
        if !user.active {
            return Err(AppError::InvalidLink);
        }
        Ok(user)
    })
    .await
}

/// Sets a password through an emailed link (reset or invitation). The link is used up,
/// every other token and session of the account ends. For an invitation a session is
/// created and its secret returned, so the new user lands logged in.
pub async fn set_password_from_link(
    db: &Db,
    policy: SessionPolicy,
    secret: String,
    purpose: TokenPurpose,
    new: &str,
    confirmation: &str,
    client: ClientInfo,
) -> Result<Result<Option<NewSession>, &'static str>, AppError> {
    let user = check_link(db, secret.clone(), purpose).await?;
    let password = match NewPassword::parse(new, confirmation, &user.email) {
        Ok(p) => p,
        Err(key) => return Ok(Err(key)),
    };
    let hash = password::hash(password.expose().to_owned()).await?;
    db.write(move |conn| {
        conn.transaction(|conn| -> Result<_, AppError> {
            let now = db::now();
            let token =
                tokens::find_valid(conn, &secret, purpose, now)?.ok_or(AppError::InvalidLink)?;
            if !UserToken::mark_used(conn, token.id, now)? {
                return Err(AppError::InvalidLink);
            }
            User::set_password_hash(conn, user.id, &hash, now)?;
            UserToken::delete_for_user(conn, user.id)?;
            let ended = SessionRow::delete_for_user(conn, user.id)?;
            let actor = Actor::user(user.id, &user.email, &client.ip);
            let (action, session) = match purpose {
                TokenPurpose::PasswordReset => ("password_reset", None),
                TokenPurpose::Invitation => {
                    let secret = create_session(conn, user.id, &client, policy, now)?;
                    let role = user.role;
                    ("invitation_accepted", Some(NewSession { secret, role }))
                }
            };
            audit::record(
                conn,
                &actor,
                action,
                ("user", &user.id.to_string()),
                &format!("{ended} session(s) ended"),
            )?;
            Ok(Ok(session))
        })
    })
    .await
}

/// Deletes expired sessions (auditing each end), old login attempts and old tokens.
pub fn purge_expired(conn: &mut DbConnection, policy: SessionPolicy) -> Result<usize, AppError> {
    let now = db::now();
    let expired = SessionRow::expired(conn, now, now - policy.idle, 500)?;
    let count = expired.len();
    for session in expired {
        conn.transaction(|conn| -> Result<(), AppError> {
            if SessionRow::delete(conn, &session.id_hash)? {
                let actor = Actor {
                    user_id: Some(session.user_id),
                    label: "system".into(),
                    client_ip: session.client_ip.clone(),
                };
                audit::record(
                    conn,
                    &actor,
                    "session_ended",
                    ("user", &session.user_id.to_string()),
                    "expired",
                )?;
            }
            Ok(())
        })?;
    }
    login_attempt::delete_before(conn, now - TimeDelta::days(1))?;
    UserToken::delete_expired(conn, now - TimeDelta::days(30))?;
    Ok(count)
}
