//! Offering a lead to the next dealer: load the eligible dealers, let the allocator
//! choose, and store the offer, the decision (with every candidate's weight and state)
//! and the allocator's new state in the caller's transaction.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::allocator::{self, Candidate};
use super::eligibility::{EligibilityIndex, Ineligible, LeadProfile};
use super::network::{self, NetworkSnapshot, SnapshotChoice};
use crate::db::{self, DbConnection};
use crate::domain::{DecisionKind, LeadStatus, OfferStatus, RegionKey};
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewLeadEvent};
use crate::models::offer::{
    AllocationDecision, AllocationState, NewAllocationDecision, NewOffer, Offer,
};

/// How long a dealer has to answer, how many dealers a lead is offered to before it
/// waits for a channel manager, and where links in offer emails point.
#[derive(Debug, Clone)]
pub struct OfferPolicy {
    pub deadline: TimeDelta,
    /// Count the deadline in business hours only (Monday to Friday, 9:00–18:00 local).
    pub business_hours: Option<super::offer_clock::BusinessHours>,
    pub max_offers: usize,
    /// The portal's address, for the links in offer emails.
    pub base_url: String,
}

impl OfferPolicy {
    /// The policy the settings describe, with `base_url` for the links in emails.
    pub fn from_settings(settings: &crate::config::Settings, base_url: String) -> Self {
        Self {
            deadline: settings.offer_deadline,
            business_hours: settings
                .offer_business_hours
                .then(|| super::offer_clock::BusinessHours::office(settings.timezone)),
            max_offers: settings.max_offers_per_lead,
            base_url,
        }
    }

    /// The reminder time and the deadline of an offer made at `now`.
    pub fn reminder_and_deadline(&self, now: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
        super::offer_clock::OfferClock {
            time_to_answer: self.deadline,
            business_hours: self.business_hours,
        }
        .reminder_and_deadline(now)
    }
}

impl Default for OfferPolicy {
    fn default() -> Self {
        Self {
            deadline: TimeDelta::hours(48),
            business_hours: None,
            max_offers: 3,
            base_url: "http://127.0.0.1:8080".into(),
        }
    }
}

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
    pub entitled_before: i64,
    pub received_before: i64,
}

/// The eligibility view of a stored lead: its region by the key stored with it (or, for a
/// row not keyed yet, the key of its region).
fn lead_profile(lead: &LeadRow) -> LeadProfile {
    let region = match &lead.region_key {
        Some(key) => Some(RegionKey::from_stored(key.clone())),
        None => lead.region.as_deref().and_then(RegionKey::of),
    };
    LeadProfile::new(
        &lead.country,
        lead.postcode.as_deref(),
        region,
        &lead.product_line,
    )
}

/// Offers `lead` to the next eligible dealer, or marks it unallocated with the reason.
/// Runs inside the caller's transaction.
pub fn offer_to_next_dealer(
    conn: &mut DbConnection,
    lead: &LeadRow,
    actor: &str,
    policy: &OfferPolicy,
    now: NaiveDateTime,
) -> Result<OfferOutcome, AppError> {
    let previous = Offer::for_lead(conn, lead.id)?;
    let excluded: Vec<i64> = previous.iter().map(|o| o.dealer_id).collect();

    let outcome = if previous.len() >= policy.max_offers {
        Err(UnallocatedReason::MaxOffersReached)
    } else {
        choose(conn, lead, &excluded)?
    };

    let (status, dealer_id, reason) =
        lead_status_after(outcome.as_ref().map(|(_, a)| a.chosen).map_err(|r| *r));
    LeadRow::set_status(conn, lead.id, status, dealer_id, reason, now)?;
    // The dealer the lead leaves can no longer report on it.
    crate::services::feedback::requests::withdraw_for_lead(conn, lead.id, now)?;
    match outcome {
        Err(reason) => record_unallocated(conn, lead, actor, now, reason),
        Ok((candidates, allocation)) => {
            save_states(conn, &allocation.after)?;
            let recipients = OfferRecipients::load(conn, allocation.chosen)?;
            record_offer(
                conn,
                lead,
                actor,
                policy,
                now,
                &candidates,
                allocation.chosen,
                &recipients,
            )
        }
    }
}

/// The records of a new lead's offer (or wait) that `network` chose before the lead was
/// stored ([`NetworkSnapshot::choose`], the lead row already holding the resulting status
/// and dealer): the same records as [`offer_to_next_dealer`] writes. The allocation states
/// are written when the batch ends ([`NetworkSnapshot::save`]).
pub fn record_network_choice(
    conn: &mut DbConnection,
    lead: &LeadRow,
    actor: &str,
    policy: &OfferPolicy,
    now: NaiveDateTime,
    network: &mut NetworkSnapshot,
    choice: Result<&SnapshotChoice, UnallocatedReason>,
) -> Result<OfferOutcome, AppError> {
    match choice {
        Err(reason) => record_unallocated(conn, lead, actor, now, reason),
        Ok(choice) => {
            let recipients = network.recipients(conn, choice.chosen)?;
            record_offer(
                conn,
                lead,
                actor,
                policy,
                now,
                &choice.before,
                choice.chosen,
                recipients,
            )
        }
    }
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

/// Records that `lead` (its row already marked unallocated) waits for `reason`: its
/// decision and event.
fn record_unallocated(
    conn: &mut DbConnection,
    lead: &LeadRow,
    actor: &str,
    now: NaiveDateTime,
    reason: UnallocatedReason,
) -> Result<OfferOutcome, AppError> {
    record_decision(
        conn,
        &NewAllocationDecision {
            lead_id: lead.id,
            decided_at: now,
            kind: DecisionKind::Auto,
            actor,
            chosen_dealer_id: None,
            reason: reason.as_str(),
            candidates: "[]",
        },
        reason.as_str(),
    )?;
    Ok(OfferOutcome::Unallocated(reason))
}

/// Stores the offer of `lead` (its row already marked offered to `dealer_id`), the
/// decision (with every candidate's state before it) and the event, and emails the
/// dealer's `recipients`.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one decision record"
)]
fn record_offer(
    conn: &mut DbConnection,
    lead: &LeadRow,
    actor: &str,
    policy: &OfferPolicy,
    now: NaiveDateTime,
    candidates: &[Candidate],
    dealer_id: i64,
    recipients: &OfferRecipients,
) -> Result<OfferOutcome, AppError> {
    let (reminder_at, deadline_at) = policy.reminder_and_deadline(now);
    let offer_id = Offer::insert(
        conn,
        &NewOffer {
            lead_id: lead.id,
            dealer_id,
            status: OfferStatus::Open,
            offered_at: now,
            reminder_at,
            deadline_at,
        },
    )?;
    let stored: Vec<StoredCandidate> = candidates
        .iter()
        .map(|c| StoredCandidate {
            dealer_id: c.dealer_id,
            weight: c.weight,
            entitled_before: c.entitled,
            received_before: c.received,
        })
        .collect();
    let json = serde_json::to_string(&stored).map_err(|e| AppError::Internal(e.into()))?;
    let reason = format!(
        "largest shortfall among {} eligible dealer(s)",
        candidates.len()
    );
    record_decision(
        conn,
        &NewAllocationDecision {
            lead_id: lead.id,
            decided_at: now,
            kind: DecisionKind::Auto,
            actor,
            chosen_dealer_id: Some(dealer_id),
            reason: &reason,
            candidates: &json,
        },
        "",
    )?;
    send_offer_email(
        conn,
        recipients,
        Some((offer_id, deadline_at)),
        lead,
        deadline_at,
        &policy.base_url,
        false,
    )?;
    Ok(OfferOutcome::Offered {
        dealer_id,
        offer_id,
    })
}

type Chosen = (Vec<Candidate>, allocator::Allocation);

/// Chooses the dealer for `lead` among those not in `excluded`: the dealers a query
/// pre-selects ([`network::covering_profiles`]) are decided on by the same
/// [`EligibilityIndex`] a batch uses, then the allocator picks one.
fn choose(
    conn: &mut DbConnection,
    lead: &LeadRow,
    excluded: &[i64],
) -> Result<Result<Chosen, UnallocatedReason>, AppError> {
    let lead = lead_profile(lead);
    let covering = EligibilityIndex::new(network::covering_profiles(conn, &lead)?);
    let mut positions = Vec::new();
    if let Err(closest) = covering.eligible_into(&lead, excluded, &mut positions) {
        return Ok(Err(closest.into()));
    }
    let ids: Vec<i64> = positions
        .iter()
        .filter_map(|&p| covering.dealer_id_at(p))
        .collect();
    db::lock_allocation_state(conn, &ids)?;
    let states = AllocationState::for_dealers(conn, &ids)?;
    let candidates: Vec<Candidate> = ids
        .iter()
        .map(|&dealer_id| {
            let state = states.iter().find(|s| s.dealer_id == dealer_id);
            Candidate {
                dealer_id,
                weight: allocator::allocation_weight(None),
                entitled: state.map_or(0, |s| s.entitled),
                received: state.map_or(0, |s| s.received),
            }
        })
        .collect();
    match allocator::allocate(&candidates) {
        Some(allocation) => Ok(Ok((candidates, allocation))),
        None => Ok(Err(UnallocatedReason::AllAtCapacity)),
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

/// Emails the dealer's users (or, if it has none, its contact address) about a new offer,
/// or reminds them of one whose deadline is near. Queued in the caller's transaction.
pub fn notify_dealer(
    conn: &mut DbConnection,
    dealer_id: i64,
    lead: &LeadRow,
    deadline: NaiveDateTime,
    base_url: &str,
    reminder: bool,
) -> Result<(), AppError> {
    let recipients = OfferRecipients::load(conn, dealer_id)?;
    let offer_id = Offer::open_for(conn, lead.id, dealer_id)?.map(|o| (o.id, o.deadline_at.get()));
    send_offer_email(
        conn,
        &recipients,
        offer_id,
        lead,
        deadline,
        base_url,
        reminder,
    )
}

/// Queues the offer email of `lead` to `recipients`; with the open offer (its id and
/// deadline), the email carries one-tap answer links bound to it that die with its
/// deadline.
fn send_offer_email(
    conn: &mut DbConnection,
    recipients: &OfferRecipients,
    open_offer: Option<(i64, NaiveDateTime)>,
    lead: &LeadRow,
    deadline: NaiveDateTime,
    base_url: &str,
    reminder: bool,
) -> Result<(), AppError> {
    use crate::email::OfferEmail;

    let (accept_link, decline_link) = match open_offer {
        Some((offer_id, offer_deadline)) => {
            let secret = crate::services::tokens::random_secret();
            crate::models::offer::OfferLink::insert(
                conn,
                offer_id,
                &crate::services::tokens::hash_secret(&secret),
                db::now(),
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
