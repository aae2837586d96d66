//! Waking the mail queue when a write that queued mail commits.
//!
//! [`crate::email::enqueue`] marks the write it runs in ([`mark_mail_queued`]); [`Db::write`]
//! and [`Db::write_blocking`] fire the [`OutboxSignal`] once that write has committed. So
//! a message goes out at once after the action that caused it, and no route, background
//! job or CLI command has to remember to wake the queue.
//!
//! [`Db::write`]: super::Db::write
//! [`Db::write_blocking`]: super::Db::write_blocking

use std::cell::Cell;
use std::sync::Arc;

use tokio::sync::Notify;

/// "Mail was queued and committed": fired by the [`super::Db`] that ran the write, awaited
/// by the mail queue built on that `Db`. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    /// Wakes the waiting mail queue, or the next one to wait if none is waiting now.
    pub fn notify(&self) {
        self.0.notify_one();
    }

    /// Waits until a committed write queued mail.
    pub async fn notified(&self) {
        self.0.notified().await;
    }
}

thread_local! {
    /// Set when the write running on this thread put a message in `outbound_emails`. A
    /// write's work runs on one thread from start to commit (off the async workers).
    static MAIL_QUEUED: Cell<bool> = const { Cell::new(false) };
}

/// Marks the write running on this thread as one that queued mail.
pub fn mark_mail_queued() {
    MAIL_QUEUED.set(true);
}

/// Runs a whole write (`write`: take the writer, do the work, commit) and fires `signal`
/// if it queued mail. Also when it failed: on PostgreSQL a write whose work runs several
/// transactions may have committed some before failing (a background run in batches); at
/// worst the queue looks and finds nothing new.
pub(super) fn signalling_queued_mail<T, E>(
    signal: &OutboxSignal,
    write: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let outer = MAIL_QUEUED.replace(false);
    let result = write();
    let queued = MAIL_QUEUED.replace(outer);
    if queued {
        signal.notify();
    }
    result
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Whether the signal fires within a moment.
    async fn fired(signal: &OutboxSignal) -> bool {
        tokio::time::timeout(Duration::from_millis(20), signal.notified())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn a_write_that_queued_mail_wakes_the_queue_and_one_that_did_not_does_not() {
        let signal = OutboxSignal::default();
        signalling_queued_mail(&signal, || Ok::<_, ()>(())).unwrap_or_default();
        assert!(!fired(&signal).await);

        signalling_queued_mail(&signal, || {
            mark_mail_queued();
            Ok::<_, ()>(())
        })
        .unwrap_or_default();
        assert!(fired(&signal).await);

        // The mark belonged to that write: the next write starts unmarked.
        signalling_queued_mail(&signal, || Ok::<_, ()>(())).unwrap_or_default();
        assert!(!fired(&signal).await);
    }
}
