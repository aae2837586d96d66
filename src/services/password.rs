//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1). Hashing and verifying take
//! tens of milliseconds, so both always run on the blocking pool, never on the async workers.
//!
//! Each hash or verification holds 19 MiB while it runs, so at most one per CPU runs at a
//! time ([`max_concurrent`]); the rest wait their turn on the async side. A burst of logins
//! then costs queueing time, not memory: without the bound every blocking thread (hundreds)
//! could hold its own 19 MiB at once.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// How many hashes or verifications run at once in this process: one per CPU.
pub fn max_concurrent() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(max_concurrent()))
}

/// Runs `work` on the blocking pool once one of `permits` is free, holding it until done.
async fn run_bounded<T, F>(permits: &'static Semaphore, work: F) -> Result<T, AppError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let _permit = permits
        .acquire()
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("password permits")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(e.into()))
}

/// Hashes a password (a fresh random salt each time).
pub async fn hash(password: String) -> Result<String, AppError> {
    run_bounded(permits(), move || hash_blocking(&password)).await?
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
    run_bounded(permits(), move || {
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
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking(&crate::services::tokens::random_secret())
            .unwrap_or_else(|_| String::from("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA"))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_burst_of_password_checks_runs_at_most_the_bound_at_once_and_queues_the_rest() {
        static TWO: Semaphore = Semaphore::const_new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));

        let checks = (0..24).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            tokio::spawn(run_bounded(&TWO, move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(10));
                running.fetch_sub(1, Ordering::SeqCst);
            }))
        });
        let finished = futures_util::future::join_all(checks).await;

        assert_eq!(finished.into_iter().filter(|r| r.is_ok()).count(), 24);
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "never more than two at once"
        );
    }

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let stored = hash("Tornio-Veloce-42".into()).await.unwrap();

        assert!(
            verify("Tornio-Veloce-42".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("tornio-veloce-42".into(), Some(stored))
                .await
                .unwrap()
        );
        assert!(!verify("Tornio-Veloce-42".into(), None).await.unwrap());
    }
}
