//! The channel manager's lead pages: search and filter every lead, the queue of leads no
//! dealer could take, one lead with its touchpoints, offers and the explanation of every
//! allocation decision, and assigning or reassigning a lead by hand.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{html, html_with_status};
use crate::domain::LeadStatus;
use crate::error::AppError;
use crate::services::leads::search::{self, LeadFilter, LeadLine, LeadPage, LeadQuery};
use crate::web::page::Errors;
use crate::web::{AppState, Page, Staff};

mod detail;

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/leads", list)
        .get("/leads/unallocated", unallocated)
        .get("/leads/{id}", detail::detail)
        .post("/leads/{id}/assign", detail::assign);
}

// ---------------------------------------------------------------------------------------
// The list and its filters

#[derive(Template)]
#[template(path = "leads/list.html")]
struct ListPage {
    page: Page,
    query: LeadQuery,
    errors: Errors,
    leads: Vec<LeadLine>,
    statuses: Vec<&'static str>,
    next_url: Option<String>,
    first_url: Option<String>,
}

impl ListPage {
    fn reason(&self, reason: &str) -> String {
        self.page.unallocated_reason(reason)
    }
}

async fn list(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<LeadQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let statuses = LeadStatus::ALL.iter().map(|s| s.as_str()).collect();
    let filter = match query.parse(page.tz) {
        Ok(filter) => filter,
        Err(errors) => {
            let errors = Errors::translate(&errors, page.locale);
            return html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ListPage {
                    page,
                    query,
                    errors,
                    leads: Vec::new(),
                    statuses,
                    next_url: None,
                    first_url: None,
                },
            );
        }
    };
    let paged = filter.is_paged();
    let LeadPage { leads, next_before } = state
        .db
        .read(move |conn| search::page(conn, &filter))
        .await?;
    html(&ListPage {
        next_url: next_before.map(|id| query.with_before("/leads", Some(id))),
        first_url: paged.then(|| query.with_before("/leads", None)),
        page,
        query,
        errors: Errors::default(),
        leads,
        statuses,
    })
}

// ---------------------------------------------------------------------------------------
// The unallocated queue

#[derive(Deserialize)]
struct QueueQuery {
    #[serde(default)]
    before: String,
}

#[derive(Template)]
#[template(path = "leads/unallocated.html")]
struct UnallocatedPage {
    page: Page,
    leads: Vec<LeadLine>,
    total: i64,
    next_url: Option<String>,
}

impl UnallocatedPage {
    fn reason(&self, reason: &str) -> String {
        self.page.unallocated_reason(reason)
    }
}

async fn unallocated(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = LeadFilter::unallocated(&query.before);
    let (total, LeadPage { leads, next_before }) = state
        .db
        .read(move |conn| search::unallocated_queue(conn, &filter))
        .await?;
    html(&UnallocatedPage {
        page,
        leads,
        total,
        next_url: next_before.map(|id| format!("/leads/unallocated?before={id}")),
    })
}
