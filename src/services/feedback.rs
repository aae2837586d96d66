//! Post-sale feedback: the one-minute form a dealer fills in for each accepted lead, by an
//! emailed link (no login) or in the portal. Saving part-way keeps a draft; submitting
//! stores the completeness and, for won or lost, records the sale outcome and its outbox
//! event in the same transaction.

pub mod completeness;
pub mod form;
pub mod outcomes;
pub mod requests;
pub mod review;
pub mod views;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::Connection;

use crate::db::DbConnection;
use crate::domain::LeadStatus;
use crate::domain::feedback_fields::{Currency, Outcome};
use crate::error::AppError;
use crate::models::feedback::{FeedbackRequest, FeedbackRow};
use crate::models::lead::{LeadRow, NewLeadEvent};
use crate::services::audit::{self, Actor};
use crate::services::dealer_score::{self, ScoreRule};
use crate::services::offers;
use form::Answers;
pub use views::{RequestView, load_view};

/// Timings and addresses of feedback requests.
#[derive(Debug, Clone)]
pub struct FeedbackPolicy {
    /// An accepted lead without an outcome gets a request this long after acceptance.
    pub open_after: TimeDelta,
    /// A request can be filled in and edited this long after it opens.
    pub window: TimeDelta,
    /// An emailed link works this long (or until the request closes, if sooner).
    pub link_lifetime: TimeDelta,
    /// A form session (what a link is exchanged for) lasts this long.
    pub session_lifetime: TimeDelta,
    /// The portal's address, for the links in emails.
    pub base_url: String,
    pub tz: chrono_tz::Tz,
}

impl Default for FeedbackPolicy {
    fn default() -> Self {
        Self {
            open_after: TimeDelta::days(30),
            window: TimeDelta::days(14),
            link_lifetime: TimeDelta::days(7),
            session_lifetime: TimeDelta::hours(2),
            base_url: "http://127.0.0.1:8080".into(),
            tz: chrono_tz::Europe::Rome,
        }
    }
}

/// What one background run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackRun {
    pub opened: usize,
    pub reminded: usize,
}

/// Opens the requests and sends the reminders due at `now`, a transaction per batch.
pub fn process_due(
    conn: &mut DbConnection,
    policy: &FeedbackPolicy,
    now: NaiveDateTime,
) -> Result<FeedbackRun, AppError> {
    const BATCH: i64 = 50;
    let mut run = FeedbackRun::default();
    loop {
        let opened = conn.transaction(|conn| requests::open_overdue(conn, policy, now, BATCH))?;
        run.opened += opened;
        if opened < usize::try_from(BATCH).unwrap_or(50) {
            break;
        }
    }
    loop {
        let reminded = conn.transaction(|conn| requests::remind(conn, policy, now, BATCH))?;
        run.reminded += reminded;
        if reminded == 0 {
            break;
        }
    }
    Ok(run)
}

/// The rules a submission feeds: the dealer's score is refreshed by the score's, and a
/// won outcome is credited by attribution's.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubmissionRules {
    pub score: ScoreRule,
    pub attribution: crate::services::attribution::Settings,
}

/// What saving the form did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Draft,
    Submitted {
        /// An outcome event was appended to the outbox.
        event: bool,
    },
    /// The request has closed: nothing was written.
    Closed,
    /// The lead is no longer with the request's dealer (it was reassigned, or moved on
    /// after an offer): nothing was written.
    Reassigned,
}

/// Stores `answers` for `request_id` (a draft, or a submission when `submit`). A
/// submission stores the completeness and the time since the request opened, records a
/// won or lost outcome on the lead with its outbox event, and is a no-op when nothing
/// changed (a double submit). The lead must still be with the request's dealer, checked
/// in the same transaction: otherwise nothing is written.
pub fn save(
    conn: &mut DbConnection,
    request_id: i64,
    answers: &Answers,
    submit: bool,
    actor: &Actor,
    rules: &SubmissionRules,
    now: NaiveDateTime,
) -> Result<Saved, AppError> {
    conn.transaction(|conn| {
        let request = FeedbackRequest::find(conn, request_id)?;
        if request.revoked_at.is_some() {
            return Ok(Saved::Reassigned);
        }
        if !request.is_open(now) {
            return Ok(Saved::Closed);
        }
        let lead = LeadRow::find(conn, request.lead_id)?;
        if !offers::lead_is_with(&lead, request.dealer_id) {
            return Ok(Saved::Reassigned);
        }
        let stored = FeedbackRow::find(conn, request_id)?;
        let score = answers.completeness();
        let submitted_at = if submit {
            stored
                .as_ref()
                .and_then(|s| s.submitted_at)
                .or(Some(now.into()))
        } else {
            stored.as_ref().and_then(|s| s.submitted_at)
        };
        let row = FeedbackRow {
            request_id,
            outcome: answers.outcome,
            close_date: answers.close_date,
            revenue_cents: answers.revenue_cents,
            currency: answers.currency.unwrap_or(Currency::Eur),
            products: answers.products.join(","),
            products_other: answers.products_other.clone(),
            lost_reason: answers.lost_reason,
            competitor: answers.competitor.clone(),
            decision_factors: answers
                .decision_factors
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(","),
            first_heard: answers.first_heard,
            lead_quality: answers.lead_quality,
            notes: answers.notes.clone(),
            completeness_permille: submitted_at.map(|_| i32::try_from(score.permille).unwrap_or(0)),
            answered: i32::try_from(score.answered).unwrap_or(0),
            applicable: i32::try_from(score.applicable).unwrap_or(0),
            response_seconds: submitted_at.map(|at| (at - request.opened_at).num_seconds()),
            saved_at: now.into(),
            submitted_at,
        };
        let unchanged = stored.as_ref().is_some_and(|s| {
            FeedbackRow {
                saved_at: now.into(),
                ..s.clone()
            } == row
        });
        if unchanged {
            return Ok(if submit {
                Saved::Submitted { event: false }
            } else {
                Saved::Draft
            });
        }
        match stored {
            Some(_) => FeedbackRow::update(conn, &row)?,
            None => FeedbackRow::insert(conn, &row)?,
        }
        if row.submitted_at.is_none() {
            return Ok(Saved::Draft);
        }
        FeedbackRequest::mark_submitted(conn, request_id, now)?;
        let event = outcomes::record(
            conn,
            &lead,
            request.dealer_id,
            answers,
            &rules.attribution,
            now,
        )?;
        if event.is_none() {
            // No outcome changed, but "never reached" may have: the journey says so.
            crate::services::attribution::journeys::refresh_lead(conn, &lead)?;
        }
        sync_lead_status(
            conn,
            &lead,
            request.dealer_id,
            answers.outcome,
            &actor.label,
            now,
        )?;
        audit::record(
            conn,
            actor,
            "feedback_submitted",
            ("feedback_request", &request_id.to_string()),
            &format!(
                "lead {}: {}, {}% complete",
                lead.id,
                answers.outcome.map_or("-", |o| o.as_str()),
                score.permille / 10
            ),
        )?;
        // The dealer's score follows its submissions at once.
        dealer_score::store::refresh_dealer(conn, request.dealer_id, &rules.score, now)?;
        Ok(Saved::Submitted {
            event: event.is_some(),
        })
    })
}

/// A reported won or lost moves the lead to that status (timestamped in its history).
fn sync_lead_status(
    conn: &mut DbConnection,
    lead: &LeadRow,
    dealer_id: i64,
    outcome: Option<Outcome>,
    actor: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let target = match outcome {
        Some(Outcome::Won) => LeadStatus::Won,
        Some(Outcome::Lost) => LeadStatus::Lost,
        _ => return Ok(()),
    };
    if lead.status == target {
        return Ok(());
    }
    LeadRow::set_status(conn, lead.id, target, Some(dealer_id), None, now)?;
    LeadRow::record_event(
        conn,
        &NewLeadEvent {
            lead_id: lead.id,
            occurred_at: now,
            status: target.into(),
            dealer_id: Some(dealer_id),
            actor,
            note: "feedback",
        },
    )?;
    Ok(())
}
