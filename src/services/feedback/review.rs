//! Feedback requests as lines of a list (the dealer's list and the channel manager's
//! review), what a channel manager does with them (re-send a link, revoke the links) and
//! the CSV export of submitted feedback.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::FeedbackPolicy;
use super::requests;
use super::views::{OVERDUE_AFTER_DAYS, RequestLine, lines_of};
use crate::db::DbConnection;
use crate::email::FeedbackEmailKind;
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::dealer_score::FeedbackExclusion;
use crate::models::feedback::{FeedbackRequest, FeedbackRow};
use crate::services::audit::{self, Actor};

/// Rows on a list page; the export has them all.
const PAGE_ROWS: i64 = 200;

/// Which dealers' feedback a review reads.
enum DealerScope {
    All,
    One(i64),
    /// A code no dealer has: nothing matches.
    Unknown,
}

impl DealerScope {
    /// The dealer a filter names by code (any case, spaces around ignored); empty is all.
    fn of(conn: &mut DbConnection, code: &str) -> Result<Self, AppError> {
        let code = code.trim().to_uppercase();
        if code.is_empty() {
            return Ok(Self::All);
        }
        Ok(Dealer::find_by_code(conn, &code)?.map_or(Self::Unknown, |d| Self::One(d.id)))
    }
}

/// Submitted requests, newest first, of the dealers in `scope`.
fn submitted(
    conn: &mut DbConnection,
    scope: &DealerScope,
    limit: Option<i64>,
) -> Result<Vec<FeedbackRequest>, AppError> {
    use crate::schema::feedback_requests as r;
    let mut query = r::table
        .filter(r::submitted_at.is_not_null())
        .select(FeedbackRequest::as_select())
        .order(r::submitted_at.desc())
        .into_boxed();
    match scope {
        DealerScope::One(id) => query = query.filter(r::dealer_id.eq(*id)),
        DealerScope::Unknown => return Ok(Vec::new()),
        DealerScope::All => {}
    }
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    Ok(query.load(conn)?)
}

/// The channel manager's review: overdue requests and submitted feedback.
pub struct Review {
    pub overdue: Vec<RequestLine>,
    pub done: Vec<RequestLine>,
    /// Those of `done` a manager excluded from the dealer's score.
    pub excluded: Vec<FeedbackExclusion>,
}

/// The review of the dealer with code `dealer_code` (or of all dealers when it is empty),
/// as of `now`.
pub fn review(
    conn: &mut DbConnection,
    dealer_code: &str,
    now: NaiveDateTime,
) -> Result<Review, AppError> {
    let scope = DealerScope::of(conn, dealer_code)?;
    let overdue_since = now - chrono::TimeDelta::days(OVERDUE_AFTER_DAYS);
    let overdue = match scope {
        DealerScope::Unknown => Vec::new(),
        DealerScope::One(id) => {
            FeedbackRequest::waiting(conn, overdue_since, now, Some(id), PAGE_ROWS)?
        }
        DealerScope::All => FeedbackRequest::waiting(conn, overdue_since, now, None, PAGE_ROWS)?,
    };
    let done = submitted(conn, &scope, Some(PAGE_ROWS))?;
    let ids: Vec<i64> = done.iter().map(|r| r.id).collect();
    Ok(Review {
        overdue: lines_of(conn, overdue)?,
        done: lines_of(conn, done)?,
        excluded: FeedbackExclusion::for_requests(conn, &ids)?,
    })
}

/// Sends a fresh link for request `id` if it is still open. Returns whether one was sent.
pub fn resend_link(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    policy: &FeedbackPolicy,
) -> Result<bool, AppError> {
    conn.transaction(|conn| {
        let now = crate::db::now();
        let request = FeedbackRequest::find(conn, id)?;
        if !request.is_open(now) {
            return Ok(false);
        }
        requests::send_link(conn, &request, FeedbackEmailKind::FreshLink, policy, now)?;
        audit::record(
            conn,
            actor,
            "feedback_link_sent",
            ("feedback_request", &id.to_string()),
            "",
        )?;
        Ok(true)
    })
}

/// Revokes every link of request `id` and ends its form sessions.
pub fn revoke_links(conn: &mut DbConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    conn.transaction(|conn| {
        FeedbackRequest::find(conn, id)?;
        let n = requests::revoke_links(conn, id, crate::db::now())?;
        audit::record(
            conn,
            actor,
            "feedback_links_revoked",
            ("feedback_request", &id.to_string()),
            &format!("{n} link(s)"),
        )?;
        Ok(())
    })
}

/// Every submitted feedback of the dealer with code `dealer_code` (all dealers when it is
/// empty) as CSV, one row per lead, and the number of rows.
pub fn export_csv(conn: &mut DbConnection, dealer_code: &str) -> Result<(String, usize), AppError> {
    let scope = DealerScope::of(conn, dealer_code)?;
    let requests = submitted(conn, &scope, None)?;
    let lines = lines_of(conn, requests)?;
    let ids: Vec<i64> = lines.iter().map(|l| l.request.id).collect();
    let answers = FeedbackRow::find_many(conn, &ids)?;
    Ok((feedback_csv(&lines, &answers)?, lines.len()))
}

/// Records who took the dealers' answers out of the portal, and which.
pub fn record_export(
    conn: &mut DbConnection,
    actor: &Actor,
    dealer_code: &str,
    rows: usize,
) -> Result<(), AppError> {
    let scope = match dealer_code.trim() {
        "" => "all",
        code => code,
    };
    Ok(audit::record(
        conn,
        actor,
        "feedback_exported",
        ("dealer", scope),
        &format!("{rows} rows"),
    )?)
}

use crate::services::csv_export::cell;

fn feedback_csv(lines: &[RequestLine], answers: &[FeedbackRow]) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(e.into());
    out.write_record([
        "lead_external_id",
        "dealer",
        "outcome",
        "close_date",
        "revenue",
        "currency",
        "products",
        "products_other",
        "lost_reason",
        "competitor",
        "decision_factors",
        "first_heard",
        "lead_quality",
        "notes",
        "completeness_percent",
        "opened_at",
        "submitted_at",
        "response_hours",
    ])
    .map_err(fail)?;
    for line in lines {
        let Some(a) = answers.iter().find(|a| a.request_id == line.request.id) else {
            continue;
        };
        let revenue = a
            .revenue_cents
            .map(|c| format!("{}.{:02}", c / 100, c % 100))
            .unwrap_or_default();
        out.write_record([
            cell(&line.lead.external_id),
            cell(&line.dealer_code),
            a.outcome.map(|o| o.as_str().to_owned()).unwrap_or_default(),
            a.close_date.map(|d| d.to_string()).unwrap_or_default(),
            revenue,
            a.currency.as_str().to_owned(),
            a.products.clone(),
            cell(&a.products_other),
            a.lost_reason
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            cell(&a.competitor),
            a.decision_factors.clone(),
            a.first_heard
                .map(|f| f.as_str().to_owned())
                .unwrap_or_default(),
            a.lead_quality.map(|q| q.to_string()).unwrap_or_default(),
            cell(&a.notes),
            a.completeness_permille
                .map(|p| format!("{:.1}", f64::from(p) / 10.0))
                .unwrap_or_default(),
            line.request
                .opened_at
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            a.submitted_at
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
            a.response_seconds
                .map(|s| format!("{:.1}", s as f64 / 3600.0))
                .unwrap_or_default(),
        ])
        .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}
