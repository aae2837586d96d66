//! The channel manager's view of feedback: every dealer's overdue forms (re-send a link,
//! or revoke the links), the submitted feedback per dealer, and its CSV export.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use super::{html, see_other_with_notice};
use crate::db::DbConnection;
use crate::domain::Role;
use crate::email::FeedbackEmailKind;
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::feedback::{FeedbackRequest, FeedbackRow};
use crate::services::audit;
use crate::services::feedback::requests;
use crate::services::feedback::views::{OVERDUE_AFTER_DAYS, RequestLine, lines_of};
use crate::web::{AppState, CurrentUser, Page, RequestContext};

/// Rows on the page; the export has them all.
const PAGE_ROWS: i64 = 200;

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/feedback", overview)
        .get("/feedback/export.csv", export)
        .post("/feedback/{id}/resend", resend)
        .post("/feedback/{id}/revoke", revoke);
}

fn staff_only(user: &CurrentUser) -> Result<(), AppError> {
    user.require(&[Role::Manager, Role::Admin])
}

#[derive(Debug, Default, Deserialize)]
struct DealerQuery {
    #[serde(default)]
    dealer: String,
}

/// The dealer a filter names (by code), if any; an unknown code matches nothing.
fn dealer_filter(conn: &mut DbConnection, code: &str) -> Result<Option<Option<i64>>, AppError> {
    let code = code.trim().to_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    Ok(Some(Dealer::find_by_code(conn, &code)?.map(|d| d.id)))
}

/// Submitted requests, newest first, for one dealer or all.
fn submitted(
    conn: &mut DbConnection,
    dealer: Option<Option<i64>>,
    limit: Option<i64>,
) -> Result<Vec<FeedbackRequest>, AppError> {
    use crate::schema::feedback_requests as r;
    let mut query = r::table
        .filter(r::submitted_at.is_not_null())
        .select(FeedbackRequest::as_select())
        .order(r::submitted_at.desc())
        .into_boxed();
    match dealer {
        Some(Some(id)) => query = query.filter(r::dealer_id.eq(id)),
        Some(None) => return Ok(Vec::new()),
        None => {}
    }
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    Ok(query.load(conn)?)
}

#[derive(Template)]
#[template(path = "feedback/review.html")]
struct ReviewPage {
    page: Page,
    dealer: String,
    overdue: Vec<RequestLine>,
    done: Vec<RequestLine>,
    now: NaiveDateTime,
}

impl ReviewPage {
    fn percent(&self, line: &RequestLine) -> String {
        line.completeness
            .map_or_else(|| "—".into(), |p| format!("{} %", p / 10))
    }

    fn export_url(&self) -> String {
        if self.dealer.trim().is_empty() {
            "/feedback/export.csv".into()
        } else {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            s.append_pair("dealer", self.dealer.trim());
            format!("/feedback/export.csv?{}", s.finish())
        }
    }

    fn days_waiting(&self, line: &RequestLine) -> i64 {
        (self.now - line.request.opened_at).num_days()
    }
}

async fn overview(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    query: web::Query<DealerQuery>,
) -> Result<HttpResponse, AppError> {
    staff_only(&user)?;
    let dealer = query.into_inner().dealer;
    let code = dealer.clone();
    let (overdue, done) = state
        .db
        .read(move |conn| {
            let now = crate::db::now();
            let filter = dealer_filter(conn, &code)?;
            let overdue = match filter {
                Some(None) => Vec::new(),
                Some(Some(id)) => FeedbackRequest::waiting(
                    conn,
                    now - chrono::TimeDelta::days(OVERDUE_AFTER_DAYS),
                    now,
                    Some(id),
                    PAGE_ROWS,
                )?,
                None => FeedbackRequest::waiting(
                    conn,
                    now - chrono::TimeDelta::days(OVERDUE_AFTER_DAYS),
                    now,
                    None,
                    PAGE_ROWS,
                )?,
            };
            let done = submitted(conn, filter, Some(PAGE_ROWS))?;
            Ok::<_, AppError>((lines_of(conn, overdue)?, lines_of(conn, done)?))
        })
        .await?;
    html(&ReviewPage {
        page,
        dealer,
        overdue,
        done,
        now: crate::db::now(),
    })
}

async fn resend(
    state: web::Data<AppState>,
    ctx: RequestContext,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff_only(&user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = user.actor(&ctx.client.ip);
    let policy = state.feedback_policy();
    let sent = state
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                let now = crate::db::now();
                let request = FeedbackRequest::find(conn, id)?;
                if !request.is_open(now) {
                    return Ok(false);
                }
                requests::send_link(conn, &request, FeedbackEmailKind::FreshLink, &policy, now)?;
                audit::record(
                    conn,
                    &actor,
                    "feedback_link_sent",
                    ("feedback_request", &id.to_string()),
                    "",
                )?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;
    let notice = if sent {
        "notice-feedback-link-sent"
    } else {
        "notice-feedback-closed"
    };
    Ok(see_other_with_notice(
        "/feedback",
        notice,
        state.settings.served_over_tls(),
    ))
}

async fn revoke(
    state: web::Data<AppState>,
    ctx: RequestContext,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff_only(&user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = user.actor(&ctx.client.ip);
    state
        .db
        .write(move |conn| {
            conn.transaction(|conn| {
                FeedbackRequest::find(conn, id)?;
                let n = requests::revoke_links(conn, id, crate::db::now())?;
                audit::record(
                    conn,
                    &actor,
                    "feedback_links_revoked",
                    ("feedback_request", &id.to_string()),
                    &format!("{n} link(s)"),
                )?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    Ok(see_other_with_notice(
        "/feedback",
        "notice-feedback-links-revoked",
        state.settings.served_over_tls(),
    ))
}

/// Every submitted feedback (of one dealer, or all) as CSV, one row per lead.
async fn export(
    state: web::Data<AppState>,
    ctx: RequestContext,
    user: CurrentUser,
    query: web::Query<DealerQuery>,
) -> Result<HttpResponse, AppError> {
    staff_only(&user)?;
    let code = query.into_inner().dealer;
    let scope = if code.trim().is_empty() {
        "all".to_owned()
    } else {
        code.trim().to_owned()
    };
    let (body, rows) = state
        .db
        .read(move |conn| {
            let filter = dealer_filter(conn, &code)?;
            let requests = submitted(conn, filter, None)?;
            let lines = lines_of(conn, requests)?;
            let ids: Vec<i64> = lines.iter().map(|l| l.request.id).collect();
            let answers = FeedbackRow::find_many(conn, &ids)?;
            Ok::<_, AppError>((feedback_csv(&lines, &answers)?, lines.len()))
        })
        .await?;
    // Who took the dealers' answers out of the portal, and which.
    let actor = user.actor(&ctx.client.ip);
    state
        .db
        .write(move |conn| {
            audit::record(
                conn,
                &actor,
                "feedback_exported",
                ("dealer", &scope),
                &format!("{rows} rows"),
            )
            .map_err(AppError::from)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"feedback.csv\"",
        ))
        .body(body))
}

/// A text cell as a spreadsheet will read it: one that would start a formula gets a
/// leading apostrophe.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

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
            a.outcome.clone().unwrap_or_default(),
            a.close_date.map(|d| d.to_string()).unwrap_or_default(),
            revenue,
            a.currency.clone(),
            a.products.clone(),
            cell(&a.products_other),
            a.lost_reason.clone().unwrap_or_default(),
            cell(&a.competitor),
            a.decision_factors.clone(),
            a.first_heard.clone().unwrap_or_default(),
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
