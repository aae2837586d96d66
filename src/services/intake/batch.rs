//! Leads stored together in one transaction (an API batch, a chunk of a CSV import).

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::LeadInput;
use super::storage::{IntakeOutcome, KeyLock, store_lead_in};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::services::allocation::OfferPolicy;
use crate::services::allocation::network::NetworkSnapshot;

/// Batches with at least this many valid leads are offered from a [`NetworkSnapshot`]
/// (read once, about as long as offering 40 leads one by one at 5,000 dealers) rather
/// than with the per-lead queries.
pub const SNAPSHOT_FROM: usize = 100;

/// Leads stored together in the caller's transaction (an API batch, a chunk of a CSV
/// import): from [`SNAPSHOT_FROM`] valid leads on, new leads are offered from a
/// [`NetworkSnapshot`] read once for the batch.
///
/// On PostgreSQL the batch takes its locks up front, in the global order of
/// [`db::lock_allocation_state`]: the intake keys of all its leads, then, when it may
/// allocate more than one lead, every allocation state. Two batches (or a batch and a
/// single lead) sent to two instances at once then wait for each other instead of
/// deadlocking.
pub struct Batch {
    network: Option<NetworkSnapshot>,
    /// When the batch is stored: the leads' creation time and their offers'.
    now: NaiveDateTime,
}

impl Batch {
    /// Starts a batch that will store `leads` (the valid ones) from `source` at `now`.
    pub fn begin<'a>(
        conn: &mut DbConnection,
        source: &str,
        leads: impl IntoIterator<Item = &'a LeadInput>,
        now: NaiveDateTime,
    ) -> QueryResult<Self> {
        let leads: Vec<&LeadInput> = leads.into_iter().collect();
        db::lock_lead_keys(conn, source, leads.iter().map(|l| l.external_id.as_str()))?;
        let network = if leads.len() >= SNAPSHOT_FROM {
            Some(NetworkSnapshot::load(conn, now)?)
        } else {
            if leads.len() > 1 {
                db::lock_all_allocation_state(conn)?;
            }
            None
        };
        Ok(Self { network, now })
    }

    /// Stores one lead as [`super::store_lead`] does (its intake key already locked).
    pub fn store(
        &mut self,
        conn: &mut DbConnection,
        source: &str,
        input: &LeadInput,
        policy: &OfferPolicy,
    ) -> Result<IntakeOutcome, AppError> {
        store_lead_in(
            conn,
            source,
            input,
            policy,
            self.network.as_mut(),
            KeyLock::Held,
            self.now,
        )
    }

    /// Writes the allocator's running state the batch changed; call it before the
    /// transaction commits.
    pub fn finish(self, conn: &mut DbConnection) -> QueryResult<()> {
        match &self.network {
            Some(network) => network.save(conn),
            None => Ok(()),
        }
    }
}
