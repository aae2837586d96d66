//! Creating, changing, inviting and disabling users.

pub mod views;

use diesel::Connection;

use crate::db::{self, DbConnection};
use crate::domain::{EmailAddress, NewPassword, Role};
use crate::email::{self, InvitationEmail};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::dealer::Dealer;
use crate::models::session::SessionRow;
use crate::models::token::UserToken;
use crate::models::user::{NewUser, User, UserChanges};
use crate::services::audit::{self, Actor};
use crate::services::tokens::{self, TokenPurpose};
use crate::services::validation::{FieldErrors, FormError};

/// A user form as submitted (all text, so nothing is lost when it is shown again).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub dealer_code: String,
    #[serde(default)]
    pub locale: String,
}

/// A validated user form.
pub struct UserInput {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub dealer_id: Option<i64>,
    pub locale: Option<Locale>,
}

impl UserForm {
    /// Checks every field; the dealer code must name an existing dealer for dealer users
    /// and be empty for the others.
    pub fn validate(&self, conn: &mut DbConnection) -> Result<UserInput, FormError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "error-required");
        } else if name.chars().count() > 120 {
            errors.add("name", "error-too-long");
        }
        let role = errors.check("role", self.role.parse::<Role>());
        let locale = match self.locale.trim() {
            "" => None,
            other => errors.check("locale", other.parse::<Locale>()),
        };
        let code = self.dealer_code.trim().to_uppercase();
        let mut dealer_id = None;
        match role {
            Some(Role::Dealer) if code.is_empty() => {
                errors.add("dealer_code", "error-dealer-required")
            }
            Some(Role::Dealer) => match Dealer::find_by_code(conn, &code)? {
                Some(d) => dealer_id = Some(d.id),
                None => errors.add("dealer_code", "error-dealer-unknown"),
            },
            Some(_) if !code.is_empty() => errors.add("dealer_code", "error-dealer-not-allowed"),
            _ => {}
        }
        match (email, role, errors.is_empty()) {
            (Some(email), Some(role), true) => Ok(UserInput {
                email,
                name: name.to_owned(),
                role,
                dealer_id,
                locale,
            }),
            _ => Err(FormError::Invalid(errors)),
        }
    }
}

/// Creates a user and emails them an invitation to set their password. Returns the new id,
/// or the form errors (an email already in use is one).
pub fn create_and_invite(
    conn: &mut DbConnection,
    actor: &Actor,
    form: &UserForm,
    base_url: &str,
) -> Result<i64, FormError> {
    conn.transaction(|conn| {
        let input = new_user_input(conn, form)?;
        let id = insert_user(conn, actor, &input, None)?;
        send_invitation(conn, actor, id, base_url)?;
        Ok(id)
    })
}

/// (Re-)sends the invitation link; earlier invitation links stop working.
pub fn send_invitation(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i64,
    base_url: &str,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let user = User::find(conn, user_id)?;
        UserToken::delete_for_user(conn, user.id)?;
        let secret = tokens::issue(conn, user.id, TokenPurpose::Invitation, db::now())?;
        let locale = user
            .locale
            .as_deref()
            .and_then(|l| l.parse().ok())
            .unwrap_or_default();
        email::enqueue(
            conn,
            &user.email,
            &InvitationEmail {
                locale,
                name: user.name.clone(),
                invited_by: actor.label.clone(),
                link: format!("{base_url}/invite/{secret}"),
                valid_days: TokenPurpose::Invitation.lifetime().num_days(),
            },
        )?;
        audit::record(
            conn,
            actor,
            "user_invited",
            ("user", &user.id.to_string()),
            &user.email,
        )?;
        Ok(())
    })
}

/// Saves changes to a user's name, role, dealer and language.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i64,
    form: &UserForm,
) -> Result<(), FormError> {
    conn.transaction(|conn| {
        let user = User::find(conn, user_id)?;
        // The email is the login and is not changed here.
        let form = UserForm {
            email: user.email.clone(),
            ..form.clone()
        };
        let input = form.validate(conn)?;
        if actor.user_id == Some(user_id) && input.role != Role::Admin {
            return Err(FormError::invalid("role", "error-cannot-demote-self"));
        }
        User::update(
            conn,
            user_id,
            &UserChanges {
                name: &input.name,
                role: input.role,
                dealer_id: input.dealer_id,
                locale: input.locale.map(Locale::as_str),
                updated_at: db::now(),
            },
        )?;
        // A change of role or dealer takes effect at once: end the user's sessions.
        if user.role != input.role || user.dealer_id != input.dealer_id {
            SessionRow::delete_for_user(conn, user_id)?;
        }
        audit::record(
            conn,
            actor,
            "user_updated",
            ("user", &user_id.to_string()),
            &format!("role {} dealer {:?}", input.role, input.dealer_id),
        )?;
        Ok(())
    })
}

/// Disables or re-enables an account. Disabling ends every session at once; no one may
/// disable their own account (refused as a problem of the field `active`).
pub fn set_active(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i64,
    active: bool,
) -> Result<(), FormError> {
    if actor.user_id == Some(user_id) && !active {
        return Err(FormError::invalid("active", "error-cannot-disable-self"));
    }
    conn.transaction(|conn| {
        let user = User::find(conn, user_id)?;
        User::set_active(conn, user.id, active, db::now())?;
        if active {
            audit::record(
                conn,
                actor,
                "user_enabled",
                ("user", &user.id.to_string()),
                &user.email,
            )?;
        } else {
            let ended = SessionRow::delete_for_user(conn, user.id)?;
            audit::record(
                conn,
                actor,
                "user_disabled",
                ("user", &user.id.to_string()),
                &format!("{}; {ended} session(s) ended", user.email),
            )?;
        }
        Ok(())
    })
}

/// Creates an active user with a password (command line and demo data).
pub fn create_with_password(
    conn: &mut DbConnection,
    actor: &Actor,
    form: &UserForm,
    password: &str,
) -> Result<i64, anyhow::Error> {
    let id = conn.transaction(|conn| -> Result<i64, FormError> {
        let input = form.validate(conn)?;
        if let Err(key) = NewPassword::parse(password, password, input.email.as_str()) {
            return Err(FormError::invalid("password", key));
        }
        if User::find_by_email(conn, input.email.as_str())?.is_some() {
            return Err(FormError::invalid("email", "error-email-taken"));
        }
        let hash = crate::services::password::hash_blocking(password)?;
        Ok(insert_user(conn, actor, &input, Some(&hash))?)
    })?;
    Ok(id)
}

/// Disables a user by email (command line).
pub fn disable_by_email(conn: &mut DbConnection, actor: &Actor, email: &str) -> anyhow::Result<()> {
    let email = email.trim().to_lowercase();
    let user = User::find_by_email(conn, &email)
        .map_err(anyhow::Error::new)?
        .ok_or_else(|| anyhow::anyhow!("no user with email {email}"))?;
    Ok(set_active(conn, actor, user.id, false)?)
}

/// Stores a new active user (with a password, or invited to set one) and audits it.
fn insert_user(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &UserInput,
    password_hash: Option<&str>,
) -> diesel::QueryResult<i64> {
    let now = db::now();
    let id = User::insert(
        conn,
        &NewUser {
            email: input.email.as_str(),
            name: &input.name,
            role: input.role,
            dealer_id: input.dealer_id,
            locale: input.locale.map(Locale::as_str),
            password_hash,
            active: true,
            password_changed_at: password_hash.map(|_| now),
            created_at: now,
            updated_at: now,
        },
    )?;
    audit::record(
        conn,
        actor,
        "user_created",
        ("user", &id.to_string()),
        &format!("{} as {}", input.email, input.role),
    )?;
    Ok(id)
}

/// A new user's form, checked: valid, and with an email no one uses yet.
fn new_user_input(conn: &mut DbConnection, form: &UserForm) -> Result<UserInput, FormError> {
    let input = form.validate(conn)?;
    if User::find_by_email(conn, input.email.as_str())?.is_some() {
        return Err(FormError::invalid("email", "error-email-taken"));
    }
    Ok(input)
}
