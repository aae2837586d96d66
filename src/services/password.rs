//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1). Hashing and verifying take
//! tens of milliseconds, so both always run on the blocking pool, never on the async workers.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::error::AppError;

/// Hashes a password (a fresh random salt each time).
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
}

/// Hashes on the current thread (command-line tools and demo data).
pub fn hash_blocking(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Verifies `password` against `stored`. With no stored hash (unknown email, account not
/// yet activated) it verifies against a dummy hash, so the time taken reveals nothing.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let argon = Argon2::default();
        match stored {
            Some(hash) => argon
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok(),
            None => {
                let _ = argon.verify_password(password.as_bytes(), dummy_hash());
                false
            }
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking(&crate::services::tokens::random_secret())
            .unwrap_or_else(|_| String::from("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"))
    })
}
