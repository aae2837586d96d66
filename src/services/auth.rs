//! Logging in and out and sessions. Passwords (the change, resets and invitations) are in
//! [`passwords`], the count of failed password checks in [`throttle`].

pub mod passwords;
pub mod throttle;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::Connection;

use crate::db::{self, Db, DbConnection};
use crate::domain::{MessageKey, Role};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::login_attempt;
use crate::models::session::{SessionRow, SessionUser};
use crate::models::token::UserToken;
use crate::models::user::User;
use crate::services::audit::{self, Actor};
use crate::services::password;
use crate::services::tokens;
pub use passwords::{
    PasswordError, TypedPassword, change_password, check_link, request_password_reset,
    set_password_from_link,
};
use throttle::{Admission, admit_attempt, settle_attempt};
pub use throttle::{MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, THROTTLE_WINDOW};

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

/// Why a login attempt did not log anyone in.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong email, wrong password, or a disabled account: the same answer for all three.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failures for this account or from this address lately: wait this long.
    #[error("too many failed attempts")]
    Throttled { retry_after: TimeDelta },
    /// The email is not shaped like an address (or is longer than one can be): refused
    /// before anything was looked up or written. The key names the message to show.
    #[error("malformed email: {0}")]
    MalformedEmail(MessageKey),
    #[error(transparent)]
    App(#[from] AppError),
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

/// Checks a login. The email's shape is checked before anything is looked up; then the
/// throttle is checked and the attempt recorded in one step ([`throttle::admit_attempt`]), so
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
) -> Result<NewSession, LoginError> {
    let email = login_email(email).map_err(LoginError::MalformedEmail)?;
    let (lookup_email, admit_client) = (email.clone(), client.clone());
    // A refused attempt is audited: the transaction commits, and says so as a value.
    let admission = db
        .write(move |conn| {
            conn.transaction(|conn| -> Result<_, AppError> {
                admit_attempt(conn, &lookup_email, &admit_client, "login_throttled")?.and_then(
                    |attempt| {
                        Ok::<_, AppError>((attempt, User::find_by_email(conn, &lookup_email)?))
                    },
                )
            })
        })
        .await?;
    let (attempt, user) = match admission {
        Admission::Admitted(admitted) => admitted,
        Admission::Throttled(retry_after) => return Err(LoginError::Throttled { retry_after }),
    };

    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = password::verify(password, stored).await?;
    let accepted = user.filter(|u| password_ok && u.active);

    // A failed attempt is audited: the transaction commits, and says so with `None`.
    let session = db
        .write(move |conn| {
            conn.transaction(|conn| -> Result<Option<NewSession>, AppError> {
                let now = db::now();
                let Some(user) = accepted else {
                    audit::record(
                        conn,
                        &Actor::anonymous(&client.ip),
                        "login_failed",
                        ("user", &email),
                        "",
                    )?;
                    return Ok(None);
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
                Ok(Some(NewSession { secret, role }))
            })
        })
        .await?;
    session.ok_or(LoginError::InvalidCredentials)
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
