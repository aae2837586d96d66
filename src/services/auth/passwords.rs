//! Passwords: the logged-in user's change, the "forgot password" email, and setting a
//! password through an emailed link (a reset or an invitation).

use chrono::TimeDelta;
use diesel::Connection;

use super::throttle::{Admission, admit_attempt, settle_attempt};
use super::{AuthSession, ClientInfo, NewSession, SessionPolicy, create_session, login_email};
use crate::db::{self, Db};
use crate::domain::{MessageKey, NewPassword};
use crate::email::{self, PasswordResetEmail};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::session::SessionRow;
use crate::models::token::UserToken;
use crate::models::user::User;
use crate::services::audit::{self, Actor};
use crate::services::password;
use crate::services::tokens::{self, TokenPurpose};

/// A new password as typed twice into a form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TypedPassword {
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

impl TypedPassword {
    /// The new password of `email`'s account, if it is acceptable and typed the same twice.
    fn parse(&self, email: &str) -> Result<NewPassword, PasswordError> {
        NewPassword::parse(&self.new_password, &self.confirm_password, email)
            .map_err(PasswordError::Invalid)
    }
}

/// Reset emails sent to one account per hour, at most.
const MAX_RESETS_PER_HOUR: i64 = 3;

/// Why a new password was not set.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The current password given with a change was wrong.
    #[error("wrong current password")]
    WrongCurrent,
    /// The new password is not acceptable; the key names the message to show.
    #[error("unacceptable new password: {0}")]
    Invalid(MessageKey),
    /// Too many wrong current passwords for this account or from this address lately
    /// (counted with failed logins); the right one waits too.
    #[error("too many failed attempts")]
    Throttled { retry_after: TimeDelta },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<diesel::result::Error> for PasswordError {
    fn from(e: diesel::result::Error) -> Self {
        Self::App(e.into())
    }
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
    typed: &TypedPassword,
    client: ClientInfo,
) -> Result<String, PasswordError> {
    let user = session.user.clone();
    let (admit_user, admit_client) = (user.clone(), client.clone());
    // A refused attempt is audited: the transaction commits, and says so as a value.
    let admission = db
        .write(move |conn| {
            conn.transaction(|conn| -> Result<_, AppError> {
                admit_attempt(
                    conn,
                    &admit_user.email,
                    &admit_client,
                    "password_change_throttled",
                )?
                .and_then(|attempt| {
                    Ok::<_, AppError>((attempt, User::find(conn, admit_user.id)?.password_hash))
                })
            })
        })
        .await?;
    let (attempt, stored) = match admission {
        Admission::Admitted(admitted) => admitted,
        Admission::Throttled(retry_after) => {
            return Err(PasswordError::Throttled { retry_after });
        }
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
        return Err(PasswordError::WrongCurrent);
    }
    let new = match typed.parse(&user.email) {
        Ok(p) => p,
        Err(refused) => {
            db.write(move |conn| settle_attempt(conn, attempt)).await?;
            return Err(refused);
        }
    };
    let hash = password::hash(new.expose().to_owned()).await?;
    let secret = db
        .write(move |conn| {
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
                Ok(secret)
            })
        })
        .await?;
    Ok(secret)
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
    typed: &TypedPassword,
    client: ClientInfo,
) -> Result<Option<NewSession>, PasswordError> {
    let user = check_link(db, secret.clone(), purpose).await?;
    let password = typed.parse(&user.email)?;
    let hash = password::hash(password.expose().to_owned()).await?;
    let session = db
        .write(move |conn| {
            conn.transaction(|conn| -> Result<_, AppError> {
                let now = db::now();
                let token = tokens::find_valid(conn, &secret, purpose, now)?
                    .ok_or(AppError::InvalidLink)?;
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
                Ok(session)
            })
        })
        .await?;
    Ok(session)
}
