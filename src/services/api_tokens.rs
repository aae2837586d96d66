//! Bearer tokens for machine clients (the marketing system pushing leads): issued once,
//! stored hashed, named, revocable, with the last time each was used.

use diesel::Connection;

use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::api_token::{ApiToken, NewApiToken};
use crate::services::audit::{self, Actor};
use crate::services::tokens;
use crate::services::validation::{FieldErrors, FormError};

/// Prefix of every token, so a leaked one is recognisable in logs and scanners.
pub const TOKEN_PREFIX: &str = "dl_";

/// The lead source a token writes as when none is given.
pub const DEFAULT_SOURCE: &str = "marketing";

/// A token as created: the secret is shown once and never again.
pub struct IssuedToken {
    pub id: i64,
    pub secret: String,
}

fn valid_label(s: &str) -> bool {
    (2..=60).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Creates a token named `name` writing leads as `source`. Errors are keyed by field
/// (`name`, `source`).
pub fn issue(
    conn: &mut DbConnection,
    actor: &Actor,
    name: &str,
    source: &str,
) -> Result<IssuedToken, FormError> {
    let (name, source) = (name.trim(), source.trim());
    let source = if source.is_empty() {
        DEFAULT_SOURCE
    } else {
        source
    };
    let mut errors = FieldErrors::default();
    if name.is_empty() {
        errors.add("name", "error-required");
    } else if !valid_label(name) {
        errors.add("name", "error-token-name");
    }
    if !valid_label(source) {
        errors.add("source", "error-token-name");
    }
    if !errors.is_empty() {
        return Err(FormError::Invalid(errors));
    }
    conn.transaction(|conn| {
        if ApiToken::find_by_name(conn, name)?.is_some() {
            return Err(FormError::invalid("name", "error-token-name-taken"));
        }
        let secret = format!("{TOKEN_PREFIX}{}", tokens::random_secret());
        let id = ApiToken::insert(
            conn,
            &NewApiToken {
                name,
                source,
                token_hash: &tokens::hash_secret(&secret),
                created_at: db::now(),
                created_by: &actor.label,
            },
        )?;
        audit::record(
            conn,
            actor,
            "api_token_created",
            ("api_token", &id.to_string()),
            &format!("{name} (source {source})"),
        )?;
        Ok(IssuedToken { id, secret })
    })
}

/// Every token, for the admin's list.
pub fn list(conn: &mut DbConnection) -> Result<Vec<ApiToken>, AppError> {
    Ok(ApiToken::list(conn)?)
}

/// Revokes a token; requests with it are refused from now on.
pub fn revoke(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    conn.transaction(|conn| {
        if ApiToken::revoke(conn, id, db::now())? {
            audit::record(
                conn,
                actor,
                "api_token_revoked",
                ("api_token", &id.to_string()),
                "",
            )?;
        }
        Ok(())
    })
}

/// Whether `secret` has the shape of an issued token ([`TOKEN_PREFIX`] and 43 URL-safe
/// base64 characters), checked before any database access.
pub fn is_well_formed(secret: &str) -> bool {
    secret.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The active token behind a bearer secret (a read: an unknown token writes nothing).
pub fn find_active(conn: &mut DbConnection, secret: &str) -> Result<Option<ApiToken>, AppError> {
    if !is_well_formed(secret) {
        return Ok(None);
    }
    Ok(ApiToken::find_active_by_hash(
        conn,
        &tokens::hash_secret(secret),
    )?)
}

/// How often a token's last use is written: at most once a minute, so a busy client does
/// not write on every request.
const USE_RECORDED_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// Whether the token's recorded last use is old enough to be written again at `now`.
pub fn use_is_stale(token: &ApiToken, now: chrono::NaiveDateTime) -> bool {
    token
        .last_used_at
        .is_none_or(|used| used < now - USE_RECORDED_EVERY)
}

/// Records that token `id` was used at `now` (if its last use is stale).
pub fn record_use(
    conn: &mut DbConnection,
    id: i64,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    Ok(ApiToken::touch(conn, id, now)?)
}

/// The active token behind a bearer secret, recording its use (at most once a minute).
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> Result<Option<ApiToken>, AppError> {
    let Some(token) = find_active(conn, secret)? else {
        return Ok(None);
    };
    let now = db::now();
    if use_is_stale(&token, now) {
        record_use(conn, token.id, now)?;
    }
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shape_of_an_issued_token_is_well_formed() {
        let issued = format!("{TOKEN_PREFIX}{}", tokens::random_secret());
        assert!(is_well_formed(&issued));
        assert!(!is_well_formed(&issued[..issued.len() - 1]), "too short");
        assert!(!is_well_formed(&format!("{issued}A")), "too long");
        assert!(
            !is_well_formed(&format!("{}!", &issued[..issued.len() - 1])),
            "a character base64url never uses"
        );
        assert!(
            !is_well_formed(&format!("xx_{}", &issued[3..])),
            "another prefix"
        );
        assert!(!is_well_formed(""));
    }
}
