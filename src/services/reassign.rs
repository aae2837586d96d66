//! A channel manager assigns or reassigns a lead by hand: the open offer (if any) is
//! withdrawn, the chosen dealer gets a fresh offer, and the decision is stored with the
//! manager's reason. Capacity and territory are not checked: the manager decides.

use crate::db::{self, DbConnection};
use crate::domain::{DealerCode, DecisionKind, LeadStatus, OfferStatus};
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::lead::LeadRow;
use crate::models::offer::{NewAllocationDecision, NewOffer, Offer};
use crate::services::allocation::OfferPolicy;
use crate::services::allocation::decision;
use crate::services::audit::{self, Actor};
use crate::services::validation::FieldErrors;

/// The longest reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// What a manual assignment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assigned {
    pub dealer_id: i64,
    pub offer_id: i64,
    /// The dealer whose open offer was withdrawn, if there was one.
    pub withdrawn_from: Option<i64>,
}

/// What became of a manual assignment: done, or refused for mistakes in the form.
#[derive(Debug, Clone)]
pub enum Assignment {
    Assigned(Assigned),
    /// The lead cannot be reassigned, the dealer code is wrong, or the reason is missing:
    /// nothing was written.
    Refused(FieldErrors),
}

/// Offers lead `lead_id` to the dealer with `dealer_code`, for `reason`, at `now`, in one
/// transaction. A form mistake comes back as [`Assignment::Refused`] with nothing written.
pub fn assign(
    conn: &mut DbConnection,
    actor: &Actor,
    lead_id: i64,
    dealer_code: &str,
    reason: &str,
    policy: &OfferPolicy,
    now: chrono::NaiveDateTime,
) -> Result<Assignment, AppError> {
    let reason: String = reason.trim().chars().take(MAX_REASON_CHARS).collect();
    db::transaction_retrying(conn, |conn| {
        let lead = LeadRow::find(conn, lead_id)?;
        let mut errors = FieldErrors::default();
        match lead.status {
            LeadStatus::Withheld => errors.add("lead", "leads-error-withheld"),
            LeadStatus::Won | LeadStatus::Lost => errors.add("lead", "leads-error-closed"),
            _ => {}
        }
        let dealer = match DealerCode::parse(dealer_code) {
            Err(key) => {
                errors.add("dealer_code", key);
                None
            }
            Ok(code) => match Dealer::find_by_code(conn, code.as_str())? {
                None => {
                    errors.add("dealer_code", "leads-error-dealer-unknown");
                    None
                }
                Some(d) if !d.active => {
                    errors.add("dealer_code", "leads-error-dealer-inactive");
                    None
                }
                Some(d) => Some(d),
            },
        };
        if reason.is_empty() {
            errors.add("reason", "error-required");
        }
        let Some(dealer) = dealer.filter(|_| errors.is_empty()) else {
            return Ok(Assignment::Refused(errors));
        };

        let mut withdrawn_from = None;
        for open in Offer::for_lead(conn, lead_id)?
            .into_iter()
            .filter(|o| o.status == OfferStatus::Open)
        {
            if Offer::close(conn, open.id, OfferStatus::Withdrawn, false, now, None)? {
                withdrawn_from = Some(open.dealer_id);
            }
        }
        let (reminder_at, deadline) = policy.reminder_and_deadline(now);
        let offer_id = Offer::insert(
            conn,
            &NewOffer {
                lead_id,
                dealer_id: dealer.id,
                status: OfferStatus::Open,
                offered_at: now,
                reminder_at,
                deadline_at: deadline,
            },
        )?;
        LeadRow::set_status(
            conn,
            lead_id,
            LeadStatus::Offered,
            Some(dealer.id),
            None,
            now,
        )?;
        // The dealer the lead leaves can no longer report on it.
        crate::services::feedback::requests::withdraw_for_lead(conn, lead_id, now)?;
        decision::record_decision(
            conn,
            &NewAllocationDecision {
                lead_id,
                decided_at: now,
                kind: DecisionKind::Manual,
                actor: &actor.label,
                chosen_dealer_id: Some(dealer.id),
                reason: &reason,
                candidates: "[]",
            },
            &reason,
        )?;
        let previous = match withdrawn_from {
            Some(id) if id != dealer.id => {
                format!(" (withdrawn from {})", Dealer::find(conn, id)?.code)
            }
            _ => String::new(),
        };
        audit::record(
            conn,
            actor,
            "lead_reassigned",
            ("lead", &lead_id.to_string()),
            &format!("offered to {}{previous}: {reason}", dealer.code),
        )?;
        let times = decision::OfferEmailTimes {
            deadline,
            sent: now,
        };
        decision::notify_dealer(conn, dealer.id, &lead, &times, &policy.base_url, false)?;
        Ok(Assignment::Assigned(Assigned {
            dealer_id: dealer.id,
            offer_id,
            withdrawn_from,
        }))
    })
}
