//! A channel manager can take a submission out of the dealer's score (answers that look
//! bought rather than given), with a reason, and put it back. Both are audited and
//! recompute the dealer's score at once. The submission itself, its outcome and its
//! outbox event stay as they are: only the score stops counting it.

use chrono::NaiveDateTime;
use diesel::Connection;

use super::rule::ScoreRule;
use super::store;
use crate::db::{DbConnection, UtcTime};
use crate::error::AppError;
use crate::models::dealer_score::FeedbackExclusion;
use crate::models::feedback::FeedbackRequest;
use crate::services::audit::{self, Actor};
use crate::services::validation::{FieldErrors, FormError};

/// The longest reason kept.
pub const MAX_REASON: usize = 500;

/// Excludes submitted request `request_id` from scoring with `reason`. Excluding twice
/// keeps the first reason.
pub fn exclude(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: i64,
    reason: &str,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> Result<(), FormError> {
    let reason = reason.trim();
    let mut errors = FieldErrors::default();
    if reason.is_empty() {
        errors.add("reason", "exclusion-error-reason");
    } else if reason.chars().count() > MAX_REASON {
        errors.add("reason", "exclusion-error-reason-long");
    }
    if !errors.is_empty() {
        return Err(FormError::Invalid(errors));
    }
    Ok(conn.transaction(|conn| -> Result<(), AppError> {
        let request = FeedbackRequest::find(conn, request_id)?;
        if request.submitted_at.is_none() {
            return Err(AppError::NotFound);
        }
        if FeedbackExclusion::find(conn, request_id)?.is_some() {
            return Ok(());
        }
        FeedbackExclusion::insert(
            conn,
            &FeedbackExclusion {
                request_id,
                reason: reason.to_owned(),
                excluded_by: actor.label.clone(),
                excluded_at: UtcTime::from(now),
            },
        )?;
        audit::record(
            conn,
            actor,
            "feedback_excluded_from_score",
            ("feedback_request", &request_id.to_string()),
            reason,
        )?;
        store::refresh_dealer(conn, request.dealer_id, rule, now)?;
        Ok(())
    })?)
}

/// Counts submitted request `request_id` in the score again.
pub fn include(
    conn: &mut DbConnection,
    actor: &Actor,
    request_id: i64,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let request = FeedbackRequest::find(conn, request_id)?;
        if FeedbackExclusion::delete(conn, request_id)? {
            audit::record(
                conn,
                actor,
                "feedback_included_in_score",
                ("feedback_request", &request_id.to_string()),
                "",
            )?;
            store::refresh_dealer(conn, request.dealer_id, rule, now)?;
        }
        Ok(())
    })
}
