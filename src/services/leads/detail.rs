//! One lead as a channel manager sees it: its customer, touchpoints, offers, events, the
//! explanation of every allocation decision, its feedback and its sale outcome.

use crate::db::DbConnection;
use crate::domain::LeadStatus;
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::feedback::{FeedbackRequest, FeedbackRow, SaleOutcome};
use crate::models::lead::{LeadEvent, LeadRow, TouchpointRow};
use crate::models::offer::{AllocationDecision, Offer};
use crate::services::allocation::decision::StoredCandidate;

/// A stored decision with its candidates read back.
pub struct DecisionView {
    pub decision: AllocationDecision,
    pub candidates: Vec<StoredCandidate>,
}

/// Everything the lead page shows.
pub struct LeadDetail {
    pub lead: LeadRow,
    pub touchpoints: Vec<TouchpointRow>,
    pub offers: Vec<Offer>,
    pub events: Vec<LeadEvent>,
    pub decisions: Vec<DecisionView>,
    /// The code of every dealer the page names, by id.
    pub codes: Vec<(i64, String)>,
    pub feedback: Vec<(FeedbackRequest, Option<FeedbackRow>)>,
    pub outcome: Option<SaleOutcome>,
}

impl LeadDetail {
    /// Whether staff may still assign the lead by hand (not withheld, won or lost).
    pub fn can_assign(&self) -> bool {
        !matches!(
            self.lead.status,
            LeadStatus::Withheld | LeadStatus::Won | LeadStatus::Lost
        )
    }
}

/// The lead `id` with everything its page shows.
pub fn load(conn: &mut DbConnection, id: i64) -> Result<LeadDetail, AppError> {
    let lead = LeadRow::find(conn, id)?;
    let touchpoints = LeadRow::touchpoints(conn, id)?;
    let offers = Offer::for_lead(conn, id)?;
    let events = LeadRow::events(conn, id)?;
    let decisions: Vec<DecisionView> = AllocationDecision::for_lead(conn, id)?
        .into_iter()
        .map(|decision| DecisionView {
            candidates: serde_json::from_str(&decision.candidates).unwrap_or_default(),
            decision,
        })
        .collect();
    let mut ids: Vec<i64> = lead.dealer_id.into_iter().collect();
    ids.extend(offers.iter().map(|o| o.dealer_id));
    ids.extend(events.iter().filter_map(|e| e.dealer_id));
    for d in &decisions {
        ids.extend(d.decision.chosen_dealer_id);
        ids.extend(d.candidates.iter().map(|c| c.dealer_id));
    }
    ids.sort_unstable();
    ids.dedup();
    let codes = Dealer::codes_of(conn, &ids)?;
    let requests = FeedbackRequest::for_lead(conn, id)?;
    let request_ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
    let answers = FeedbackRow::find_many(conn, &request_ids)?;
    let feedback = requests
        .into_iter()
        .map(|r| {
            let a = answers.iter().find(|a| a.request_id == r.id).cloned();
            (r, a)
        })
        .collect();
    let outcome = SaleOutcome::find(conn, id)?;
    Ok(LeadDetail {
        feedback,
        outcome,
        lead,
        touchpoints,
        offers,
        events,
        decisions,
        codes,
    })
}
