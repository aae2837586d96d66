//! Bearer tokens for machine clients (the marketing system pushing leads): issued once,
//! stored hashed, named, revocable, with the last time each was used.

use diesel::Connection;

use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::models::api_token::{ApiToken, NewApiToken};
use crate::services::audit::{self, Actor};
use crate::services::tokens;
use crate::services::validation::FieldErrors;

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
) -> Result<Result<IssuedToken, FieldErrors>, AppError> {
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
        return Ok(Err(errors));
    }
    conn.transaction(|conn| {
        if ApiToken::find_by_name(conn, name)?.is_some() {
            let mut errors = FieldErrors::default();
            errors.add("name", "error-token-name-taken");
            return Ok(Err(errors));
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
        Ok(Ok(IssuedToken { id, secret }))
    })
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

/// The active token behind a bearer secret, recording its use.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> Result<Option<ApiToken>, AppError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() != TOKEN_PREFIX.len() + 43 {
        return Ok(None);
    }
    let Some(token) = ApiToken::find_active_by_hash(conn, &tokens::hash_secret(secret))? else {
        return Ok(None);
    };
    ApiToken::touch(conn, token.id, db::now())?;
    Ok(Some(token))
}
