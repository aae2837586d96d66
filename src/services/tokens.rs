//! Random secrets: session ids, CSRF tokens and the single-use tokens in emailed links.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{NaiveDateTime, TimeDelta};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::models::token::{NewUserToken, UserToken};

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a secret, hex-encoded: what is stored instead of the secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub use crate::domain::TokenPurpose;

impl TokenPurpose {
    /// How long a link stays valid: one hour to reset, a week to accept an invitation.
    pub fn lifetime(self) -> TimeDelta {
        match self {
            TokenPurpose::PasswordReset => TimeDelta::hours(1),
            TokenPurpose::Invitation => TimeDelta::days(7),
        }
    }
}

/// Issues a token for `user_id` and returns the secret to put in the link.
pub fn issue(
    conn: &mut DbConnection,
    user_id: i64,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> diesel::QueryResult<String> {
    let secret = random_secret();
    UserToken::insert(
        conn,
        &NewUserToken {
            user_id,
            purpose,
            token_hash: &hash_secret(&secret),
            created_at: now,
            expires_at: now + purpose.lifetime(),
        },
    )?;
    Ok(secret)
}

/// The token behind `secret` if it is unused, unexpired and issued for `purpose`.
pub fn find_valid(
    conn: &mut DbConnection,
    secret: &str,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> diesel::QueryResult<Option<UserToken>> {
    if secret.len() != 43 {
        return Ok(None);
    }
    Ok(UserToken::find_by_hash(conn, &hash_secret(secret))?
        .filter(|t| t.purpose == purpose && t.used_at.is_none() && t.expires_at > now))
}

/// Compares two secrets in constant time.
pub fn secrets_match(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
