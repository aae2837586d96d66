//! Replaying the stored allocation history: starting from empty state, every automatic
//! decision is recomputed from its stored candidates and weights, and must choose the same
//! dealer from the same state. This is what makes allocation auditable.

use std::collections::HashMap;

use super::allocator::{self, Candidate};
use super::decision::StoredCandidate;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::offer::AllocationDecision;

/// A stored decision that the replay does not reproduce.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub decision_id: i64,
    pub lead_id: i64,
    pub stored_choice: Option<i64>,
    pub replayed_choice: Option<i64>,
    /// The stored state before the decision differed from the replayed one.
    pub state_differs: bool,
}

/// Replays every automatic decision in order; returns how many were replayed and every
/// mismatch (none when the history is consistent).
pub fn replay(conn: &mut DbConnection) -> Result<(usize, Vec<Mismatch>), AppError> {
    let decisions = AllocationDecision::all_automatic(conn)?;
    let mut state: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut mismatches = Vec::new();
    let mut replayed = 0;
    for decision in decisions.iter().filter(|d| d.chosen_dealer_id.is_some()) {
        let stored: Vec<StoredCandidate> =
            serde_json::from_str(&decision.candidates).map_err(|e| AppError::Internal(e.into()))?;
        let candidates: Vec<Candidate> = stored
            .iter()
            .map(|c| {
                let (entitled, received) = state.get(&c.dealer_id).copied().unwrap_or((0, 0));
                Candidate {
                    dealer_id: c.dealer_id,
                    weight: c.weight,
                    entitled,
                    received,
                }
            })
            .collect();
        let state_differs = stored
            .iter()
            .zip(&candidates)
            .any(|(s, c)| s.entitled_before != c.entitled || s.received_before != c.received);
        let allocation = allocator::allocate(&candidates);
        let replayed_choice = allocation.as_ref().map(|a| a.chosen);
        if replayed_choice != decision.chosen_dealer_id || state_differs {
            mismatches.push(Mismatch {
                decision_id: decision.id,
                lead_id: decision.lead_id,
                stored_choice: decision.chosen_dealer_id,
                replayed_choice,
                state_differs,
            });
        }
        if let Some(allocation) = allocation {
            for c in allocation.after {
                state.insert(c.dealer_id, (c.entitled, c.received));
            }
        }
        replayed += 1;
    }
    Ok((replayed, mismatches))
}
