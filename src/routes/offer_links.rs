//! Answering an offer from the email, without logging in: the link opens a confirmation
//! page and the answer is posted from it.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{html, no_referrer};
use crate::error::AppError;
use crate::models::lead::LeadRow;
use crate::services::audit::Actor;
use crate::services::inbox::{DeclineForm, lead_area};
use crate::services::offer_links::{self, LinkAction, LinkAnswer};
use crate::services::offers::DECLINE_REASONS;
use crate::web::{AppState, Page, RequestContext};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/offers/answer/{token}/{action}", confirm)
        .post("/offers/answer/{token}/{action}", answer);
}

#[derive(Template)]
#[template(path = "dealer/answer.html")]
struct ConfirmPage {
    page: Page,
    lead: LeadRow,
    accept: bool,
    action: String,
    reasons: [&'static str; 5],
    /// The message key of what to correct.
    error: Option<crate::domain::MessageKey>,
}

impl ConfirmPage {
    fn area(&self) -> String {
        lead_area(&self.lead)
    }
}

#[derive(Template)]
#[template(path = "dealer/answered.html")]
struct AnsweredPage {
    page: Page,
    lead_id: i64,
    accepted: bool,
}

async fn confirm(
    state: web::Data<AppState>,
    page: Page,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (token, action) = path.into_inner();
    let accept = LinkAction::parse(&action)? == LinkAction::Accept;
    let secret = token.clone();
    let (_, lead) = state
        .db
        .read(move |conn| offer_links::resolve(conn, &secret, crate::db::now()))
        .await?;
    let action = format!("/offers/answer/{token}/{action}");
    Ok(no_referrer(html(&ConfirmPage {
        page,
        lead,
        accept,
        action,
        reasons: DECLINE_REASONS,
        error: None,
    })?))
}

async fn answer(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    path: web::Path<(String, String)>,
    form: web::Form<DeclineForm>,
) -> Result<HttpResponse, AppError> {
    let (token, action) = path.into_inner();
    let link_action = LinkAction::parse(&action)?;
    let accept = link_action == LinkAction::Accept;
    let form = form.into_inner();
    let policy = state.offer_policy();
    let secret = token.clone();
    let actor = Actor::email_link(&ctx.client.ip);
    let (lead, answer) = state
        .db
        .write(move |conn| {
            offer_links::answer(
                conn,
                &secret,
                link_action,
                &form,
                &actor,
                &policy,
                crate::db::now(),
            )
        })
        .await?;
    match answer {
        LinkAnswer::TooLate => Err(AppError::InvalidLink),
        LinkAnswer::Done => Ok(no_referrer(html(&AnsweredPage {
            page,
            lead_id: lead.id,
            accepted: accept,
        })?)),
        LinkAnswer::ReasonMissing => {
            let error = Some("error-decline-reason");
            let action = format!("/offers/answer/{token}/{action}");
            let mut res = html(&ConfirmPage {
                page,
                lead,
                accept,
                action,
                reasons: DECLINE_REASONS,
                error,
            })?;
            *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(no_referrer(res))
        }
    }
}
