//! Allocation decisions: why a lead waits ([`UnallocatedReason`]), what became of it
//! ([`OfferOutcome`]), who is emailed about an offer ([`OfferRecipients`]), and the stored
//! record of every decision, automatic or by hand (the offer, the decision with every
//! candidate's weight and state, the lead event and the offer email). Offering a single
//! lead ([`super::offering`]) and a batch's snapshot ([`super::network`]) both record
//! through here.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::OfferPolicy;
use super::allocator::Candidate;
use super::eligibility::Ineligible;
use crate::db::DbConnection;
use crate::domain::{DecisionKind, LeadStatus, OfferStatus};
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewLeadEvent};
use crate::models::offer::{
    AllocationDecision, AllocationState, NewAllocationDecision, NewOffer, Offer,
};
use crate::services::dealer_score::weights::Weights;

/// Why no dealer could take a lead (stored on the lead and shown to managers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnallocatedReason {
    NoTerritoryMatch,
    NoDealerForProductLine,
    AllDeclined,
    AllAtCapacity,
    MaxOffersReached,
}

impl UnallocatedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UnallocatedReason::NoTerritoryMatch => "no_territory_match",
            UnallocatedReason::NoDealerForProductLine => "no_dealer_for_product_line",
            UnallocatedReason::AllDeclined => "all_declined",
            UnallocatedReason::AllAtCapacity => "all_at_capacity",
            UnallocatedReason::MaxOffersReached => "max_offers_reached",
        }
    }
}

impl From<Ineligible> for UnallocatedReason {
    /// The reason a lead waits when the closest any dealer came is `closest` (the one
    /// mapping for every path).
    fn from(closest: Ineligible) -> Self {
        match closest {
            Ineligible::NoTerritoryMatch => UnallocatedReason::NoTerritoryMatch,
            Ineligible::Inactive | Ineligible::ProductLine => {
                UnallocatedReason::NoDealerForProductLine
            }
            Ineligible::AlreadyDeclinedOrExpired => UnallocatedReason::AllDeclined,
            Ineligible::AtCapacity => UnallocatedReason::AllAtCapacity,
        }
    }
}

/// What happened to the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferOutcome {
    Offered { dealer_id: i64, offer_id: i64 },
    Unallocated(UnallocatedReason),
}

impl OfferOutcome {
    /// The dealer it went to, or why it waits.
    pub fn decision(self) -> Result<i64, UnallocatedReason> {
        match self {
            OfferOutcome::Offered { dealer_id, .. } => Ok(dealer_id),
            OfferOutcome::Unallocated(reason) => Err(reason),
        }
    }
}

/// What the lead row holds once a lead went to a dealer (`Ok`) or waits (`Err`): its
/// status, dealer and waiting reason. The one mapping the per-lead path (an update) and
/// a batch (the row written once) share.
pub fn lead_status_after(
    decision: Result<i64, UnallocatedReason>,
) -> (LeadStatus, Option<i64>, Option<&'static str>) {
    match decision {
        Ok(dealer_id) => (LeadStatus::Offered, Some(dealer_id), None),
        Err(reason) => (LeadStatus::Unallocated, None, Some(reason.as_str())),
    }
}

/// Writes the running state of each dealer in `states` (creating rows for dealers that
/// have none yet).
pub fn save_states<'a>(
    conn: &mut DbConnection,
    states: impl IntoIterator<Item = &'a Candidate>,
) -> QueryResult<()> {
    for state in states {
        AllocationState::save(
            conn,
            &AllocationState {
                dealer_id: state.dealer_id,
                entitled: state.entitled,
                received: state.received,
            },
        )?;
    }
    Ok(())
}

/// One candidate as stored in the decision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredCandidate {
    pub dealer_id: i64,
    pub weight: f64,
    /// The dealer's score when the decision was made (none before it had one, and in
    /// decisions stored before scores existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The manager's weight override that set `weight`, if one was in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_id: Option<i64>,
    pub entitled_before: i64,
    pub received_before: i64,
}

/// Stores an allocation decision and the lead event it makes: offered to the chosen
/// dealer or, with none chosen, unallocated; `note` goes on the event. The one record of
/// every decision, automatic or by hand.
pub fn record_decision(
    conn: &mut DbConnection,
    decision: &NewAllocationDecision,
    note: &str,
) -> QueryResult<()> {
    AllocationDecision::insert(conn, decision)?;
    let status = match decision.chosen_dealer_id {
        Some(_) => LeadStatus::Offered,
        None => LeadStatus::Unallocated,
    };
    LeadRow::record_event(
        conn,
        &NewLeadEvent {
            lead_id: decision.lead_id,
            occurred_at: decision.decided_at,
            status: status.into(),
            dealer_id: decision.chosen_dealer_id,
            actor: decision.actor,
            note,
        },
    )
}

/// An automatic decision about `lead`, made by `actor` at `now`: what its records share.
/// The lead row already holds the decision's status and dealer
/// ([`lead_status_after`]); these write the rest.
#[derive(Debug, Clone, Copy)]
pub struct AutoDecision<'a> {
    pub lead: &'a LeadRow,
    pub actor: &'a str,
    pub now: NaiveDateTime,
}

impl AutoDecision<'_> {
    /// Records that the lead waits for `reason`: its decision and event.
    pub fn record_unallocated(
        &self,
        conn: &mut DbConnection,
        reason: UnallocatedReason,
    ) -> Result<OfferOutcome, AppError> {
        self.record(conn, None, reason.as_str(), "[]", reason.as_str())?;
        Ok(OfferOutcome::Unallocated(reason))
    }

    /// Stores the offer of the lead to `dealer_id`, the decision (with every candidate's
    /// state before it) and the event, and emails the dealer's `recipients`.
    pub fn record_offer(
        &self,
        conn: &mut DbConnection,
        policy: &OfferPolicy,
        candidates: &[Candidate],
        weights: &Weights,
        dealer_id: i64,
        recipients: &OfferRecipients,
    ) -> Result<OfferOutcome, AppError> {
        let (reminder_at, deadline_at) = policy.reminder_and_deadline(self.now);
        let offer_id = Offer::insert(
            conn,
            &NewOffer {
                lead_id: self.lead.id,
                dealer_id,
                status: OfferStatus::Open,
                offered_at: self.now,
                reminder_at,
                deadline_at,
            },
        )?;
        let stored: Vec<StoredCandidate> = candidates
            .iter()
            .map(|c| StoredCandidate {
                dealer_id: c.dealer_id,
                weight: c.weight,
                score: weights.of(c.dealer_id).score,
                override_id: weights.of(c.dealer_id).override_id,
                entitled_before: c.entitled,
                received_before: c.received,
            })
            .collect();
        let json = serde_json::to_string(&stored).map_err(|e| AppError::Internal(e.into()))?;
        let reason = format!(
            "largest shortfall among {} eligible dealer(s)",
            candidates.len()
        );
        self.record(conn, Some(dealer_id), &reason, &json, "")?;
        send_offer_email(
            conn,
            recipients,
            Some((offer_id, deadline_at)),
            self.lead,
            &OfferEmailTimes {
                deadline: deadline_at,
                sent: self.now,
            },
            &policy.base_url,
            false,
        )?;
        Ok(OfferOutcome::Offered {
            dealer_id,
            offer_id,
        })
    }

    /// The decision record (choosing `chosen`, or none) and its event with `note`.
    fn record(
        &self,
        conn: &mut DbConnection,
        chosen: Option<i64>,
        reason: &str,
        candidates: &str,
        note: &str,
    ) -> QueryResult<()> {
        record_decision(
            conn,
            &NewAllocationDecision {
                lead_id: self.lead.id,
                decided_at: self.now,
                kind: DecisionKind::Auto,
                actor: self.actor,
                chosen_dealer_id: chosen,
                reason,
                candidates,
            },
            note,
        )
    }
}

/// Who is emailed about a dealer's offers: its active users in their languages or, if it
/// has none, its contact address in Italian; with the dealer's name for the message.
#[derive(Debug, Clone)]
pub struct OfferRecipients {
    pub dealer_name: String,
    pub to: Vec<(String, crate::i18n::Locale)>,
}

impl OfferRecipients {
    pub fn load(conn: &mut DbConnection, dealer_id: i64) -> Result<Self, AppError> {
        use crate::i18n::Locale;
        use crate::models::dealer::Dealer;
        use crate::models::user::User;

        let dealer = Dealer::find(conn, dealer_id)?;
        let users: Vec<User> = User::for_dealer(conn, dealer_id)?
            .into_iter()
            .filter(|u| u.active)
            .collect();
        let to: Vec<(String, Locale)> = if users.is_empty() {
            vec![(dealer.contact_email.clone(), Locale::It)]
        } else {
            users
                .iter()
                .map(|u| {
                    (
                        u.email.clone(),
                        u.locale
                            .as_deref()
                            .and_then(|l| l.parse().ok())
                            .unwrap_or_default(),
                    )
                })
                .collect()
        };
        Ok(Self {
            dealer_name: dealer.name,
            to,
        })
    }
}

/// Emails the dealer's users (or, if it has none, its contact address) at `times.sent`
/// about a new offer, or reminds them of one whose deadline (`times.deadline`) is near.
/// Queued in the caller's transaction.
pub fn notify_dealer(
    conn: &mut DbConnection,
    dealer_id: i64,
    lead: &LeadRow,
    times: &OfferEmailTimes,
    base_url: &str,
    reminder: bool,
) -> Result<(), AppError> {
    let recipients = OfferRecipients::load(conn, dealer_id)?;
    let offer_id = Offer::open_for(conn, lead.id, dealer_id)?.map(|o| (o.id, o.deadline_at.get()));
    send_offer_email(conn, &recipients, offer_id, lead, times, base_url, reminder)
}

/// When an offer email goes out, and the deadline it states.
#[derive(Debug, Clone, Copy)]
pub struct OfferEmailTimes {
    pub deadline: NaiveDateTime,
    pub sent: NaiveDateTime,
}

/// Queues the offer email of `lead` to `recipients`; with the open offer (its id and
/// deadline), the email carries one-tap answer links bound to it, issued at `times.sent`,
/// that die with its deadline.
fn send_offer_email(
    conn: &mut DbConnection,
    recipients: &OfferRecipients,
    open_offer: Option<(i64, NaiveDateTime)>,
    lead: &LeadRow,
    times: &OfferEmailTimes,
    base_url: &str,
    reminder: bool,
) -> Result<(), AppError> {
    let deadline = times.deadline;
    use crate::email::OfferEmail;

    let (accept_link, decline_link) = match open_offer {
        Some((offer_id, offer_deadline)) => {
            let secret = crate::services::tokens::random_secret();
            crate::models::offer::OfferLink::insert(
                conn,
                offer_id,
                &crate::services::tokens::hash_secret(&secret),
                times.sent,
                offer_deadline,
            )?;
            (
                Some(format!("{base_url}/offers/answer/{secret}/accept")),
                Some(format!("{base_url}/offers/answer/{secret}/decline")),
            )
        }
        None => (None, None),
    };
    for (to, locale) in &recipients.to {
        crate::email::enqueue(
            conn,
            to,
            &OfferEmail {
                locale: *locale,
                reminder,
                dealer_name: recipients.dealer_name.clone(),
                product_line: lead.product_line.clone(),
                region: lead.region.clone().unwrap_or_else(|| lead.country.clone()),
                deadline: locale.datetime(deadline, chrono_tz::Europe::Rome),
                link: format!("{base_url}/dealer/leads/{}", lead.id),
                accept_link: accept_link.clone(),
                decline_link: decline_link.clone(),
            },
        )?;
    }
    Ok(())
}
