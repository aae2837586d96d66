//! The channel manager's view of feedback: every dealer's overdue forms (re-send a link,
//! or revoke the links), the submitted feedback per dealer, and its CSV export.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{html, see_other_with_notice};
use crate::error::AppError;
use crate::models::dealer_score::FeedbackExclusion;
use crate::services::dealer_score::exclusions;
use crate::services::feedback::review::{self, Review};
use crate::services::feedback::views::RequestLine;
use crate::services::validation::FormError;
use crate::web::{AppState, Page, Staff};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/feedback", overview)
        .get("/feedback/export.csv", export)
        .post("/feedback/{id}/resend", resend)
        .post("/feedback/{id}/revoke", revoke)
        .post("/feedback/{id}/exclude", exclude)
        .post("/feedback/{id}/include", include);
}

#[derive(Debug, Default, Deserialize)]
struct ExclusionForm {
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
struct DealerQuery {
    #[serde(default)]
    dealer: String,
}

#[derive(Template)]
#[template(path = "feedback/review.html")]
struct ReviewPage {
    page: Page,
    dealer: String,
    overdue: Vec<RequestLine>,
    done: Vec<RequestLine>,
    excluded: Vec<FeedbackExclusion>,
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

    /// Why `line` was excluded from the dealer's score, if it was.
    fn exclusion(&self, line: &RequestLine) -> Option<&FeedbackExclusion> {
        self.excluded
            .iter()
            .find(|x| x.request_id == line.request.id)
    }

    fn days_waiting(&self, line: &RequestLine) -> i64 {
        (self.now - line.request.opened_at).num_days()
    }
}

async fn overview(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<DealerQuery>,
) -> Result<HttpResponse, AppError> {
    let dealer = query.into_inner().dealer;
    let code = dealer.clone();
    let Review {
        overdue,
        done,
        excluded,
    } = state
        .db
        .read(move |conn| review::review(conn, &code, crate::db::now()))
        .await?;
    html(&ReviewPage {
        page,
        dealer,
        overdue,
        done,
        excluded,
        now: crate::db::now(),
    })
}

async fn resend(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = staff.actor();
    let policy = state.feedback_policy();
    let sent = state
        .db
        .write(move |conn| review::resend_link(conn, &actor, id, &policy))
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
    staff: Staff,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = staff.actor();
    state
        .db
        .write(move |conn| review::revoke_links(conn, &actor, id))
        .await?;
    Ok(see_other_with_notice(
        "/feedback",
        "notice-feedback-links-revoked",
        state.settings.served_over_tls(),
    ))
}

/// Takes a submission out of the dealer's score, with the reason the form gives.
async fn exclude(
    state: web::Data<AppState>,
    page: Page,
    staff: Staff,
    id: web::Path<i64>,
    form: web::Form<ExclusionForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (actor, rule, reason) = (staff.actor(), state.score_rule(), form.into_inner().reason);
    let result = state
        .db
        .write(move |conn| exclusions::exclude(conn, &actor, id, &reason, &rule, crate::db::now()))
        .await;
    match result {
        Ok(()) => Ok(see_other_with_notice(
            "/feedback",
            "notice-feedback-excluded",
            state.settings.served_over_tls(),
        )),
        Err(FormError::Invalid(errors)) => {
            let key = errors
                .get("reason")
                .map_or("exclusion-error-reason", |e| e.key);
            Err(AppError::BadRequest(page.t(key)))
        }
        Err(FormError::App(e)) => Err(e),
    }
}

/// Counts an excluded submission in the dealer's score again.
async fn include(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (actor, rule) = (staff.actor(), state.score_rule());
    state
        .db
        .write(move |conn| exclusions::include(conn, &actor, id, &rule, crate::db::now()))
        .await?;
    Ok(see_other_with_notice(
        "/feedback",
        "notice-feedback-included",
        state.settings.served_over_tls(),
    ))
}

/// Every submitted feedback (of one dealer, or all) as CSV, one row per lead.
async fn export(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DealerQuery>,
) -> Result<HttpResponse, AppError> {
    let code = query.into_inner().dealer;
    let scope = code.clone();
    let (body, rows) = state
        .db
        .read(move |conn| review::export_csv(conn, &scope))
        .await?;
    let actor = staff.actor();
    state
        .db
        .write(move |conn| review::record_export(conn, &actor, &code, rows))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"feedback.csv\"",
        ))
        .body(body))
}
