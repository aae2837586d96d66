//! The channel manager's lead pages: search and filter every lead, the queue of leads no
//! dealer could take, one lead with its touchpoints, offers and the explanation of every
//! allocation decision, and assigning or reassigning a lead by hand.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use diesel::prelude::*;
use serde::Deserialize;

use super::{html, html_with_status};
use crate::db::DbConnection;
use crate::domain::location::RegionKey;
use crate::domain::{LeadStatus, Role};
use crate::error::AppError;
use crate::models::lead::LeadRow;
use crate::schema::{dealers, leads, touchpoints};
use crate::services::allocation::allocator::LEAD;
use crate::services::validation::FieldErrors;
use crate::web::page::Errors;
use crate::web::{AppState, CurrentUser, Page};

/// Leads per page.
mod detail;

const PAGE_SIZE: i64 = 50;

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/leads", list)
        .get("/leads/unallocated", unallocated)
        .get("/leads/{id}", detail::detail)
        .post("/leads/{id}/assign", detail::assign);
}

fn staff_only(user: &CurrentUser) -> Result<(), AppError> {
    user.require(&[Role::Manager, Role::Admin])
}

/// Where the customer is, in full (staff see everything): postcode, region, country.
fn full_area(lead: &LeadRow) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if let Some(p) = lead.postcode.as_deref() {
        parts.push(p);
    }
    if let Some(r) = lead.region.as_deref() {
        parts.push(r);
    }
    parts.push(&lead.country);
    parts.join(" · ")
}

/// The translated reason a lead is waiting in the queue (`unallocated-…`).
fn unallocated_reason(page: &Page, reason: &str) -> String {
    page.t(&format!("unallocated-{reason}"))
}

/// `milli` thousandths as a decimal number with the locale's separators (`1.234,567`).
fn fixed3(page: &Page, milli: i64) -> String {
    let sep = match page.locale {
        crate::i18n::Locale::It => ',',
        crate::i18n::Locale::En => '.',
    };
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    let whole = i64::try_from(abs / 1000).unwrap_or(i64::MAX);
    format!("{sign}{}{sep}{:03}", page.locale.number(whole), abs % 1000)
}

/// Nano-leads (the allocator's unit) as leads with three decimals.
fn leads_of(page: &Page, nano: i64) -> String {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let milli = (nano as f64 / (LEAD as f64 / 1000.0)).round() as i64;
    fixed3(page, milli)
}

// ---------------------------------------------------------------------------------------
// The list and its filters

/// The filter form as submitted (all text, so it is shown again as typed).
#[derive(Debug, Clone, Default, Deserialize)]
struct LeadQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    dealer: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    product_line: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
}

/// A validated filter.
#[derive(Debug, Clone, Default)]
struct LeadFilter {
    status: Option<String>,
    dealer: Option<String>,
    region: Option<String>,
    product_line: Option<String>,
    campaign: Option<String>,
    /// Received at or after (UTC).
    from: Option<NaiveDateTime>,
    /// Received before (UTC): the day after the `to` date, at midnight.
    until: Option<NaiveDateTime>,
    before: Option<i64>,
}

/// Midnight of `date` in the portal's time zone, as UTC.
fn local_midnight(tz: chrono_tz::Tz, date: NaiveDate) -> Option<NaiveDateTime> {
    tz.from_local_datetime(&date.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.naive_utc())
}

fn parse_date(input: &str) -> Result<Option<NaiveDate>, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| "leads-error-date")
}

fn text(input: &str, max: usize) -> Option<String> {
    let s: String = input.trim().chars().take(max).collect();
    (!s.is_empty()).then_some(s)
}

impl LeadQuery {
    fn parse(&self, tz: chrono_tz::Tz) -> Result<LeadFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let from = errors.check("from", parse_date(&self.from)).flatten();
        let to = errors.check("to", parse_date(&self.to)).flatten();
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.add("to", "leads-error-date-order");
        }
        let status = text(&self.status, 20);
        if let Some(s) = &status
            && s.parse::<LeadStatus>().is_err()
        {
            errors.add("status", "error-status-invalid");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(LeadFilter {
            status,
            dealer: text(&self.dealer, 20).map(|s| s.to_uppercase()),
            // Compared by the key stored with every lead, so "ÉMILIE" finds "Émilie".
            region: text(&self.region, 80)
                .and_then(|s| RegionKey::of(&s))
                .map(|k| k.as_str().to_owned()),
            product_line: text(&self.product_line, 40).map(|s| s.to_lowercase()),
            campaign: text(&self.campaign, 200),
            from: from.and_then(|d| local_midnight(tz, d)),
            until: to
                .and_then(|d| d.succ_opt())
                .and_then(|d| local_midnight(tz, d)),
            before: self.before.trim().parse().ok(),
        })
    }

    /// This query string with `before` set to `id` (for the next page).
    fn with_before(&self, path: &str, id: Option<i64>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("status", &self.status),
            ("dealer", &self.dealer),
            ("region", &self.region),
            ("product_line", &self.product_line),
            ("campaign", &self.campaign),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.trim().is_empty() {
                s.append_pair(name, value.trim());
            }
        }
        if let Some(id) = id {
            s.append_pair("before", &id.to_string());
        }
        let query = s.finish();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }
}

/// A lead in a list, with its current dealer's code.
pub struct LeadLine {
    pub lead: LeadRow,
    pub dealer_code: Option<String>,
}

impl LeadLine {
    pub fn area(&self) -> String {
        full_area(&self.lead)
    }
}

/// Up to `limit` leads matching `filter`, newest first, before `filter.before`.
fn search(conn: &mut DbConnection, filter: &LeadFilter, limit: i64) -> QueryResult<Vec<LeadLine>> {
    let mut query = leads::table
        .left_join(dealers::table)
        .select((LeadRow::as_select(), dealers::code.nullable()))
        .order(leads::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(leads::status.eq(status.clone()));
    }
    if let Some(code) = &filter.dealer {
        query = query.filter(dealers::code.eq(code.clone()));
    }
    if let Some(region) = &filter.region {
        query = query.filter(leads::region_key.eq(region.clone()));
    }
    if let Some(line) = &filter.product_line {
        query = query.filter(leads::product_line.eq(line.clone()));
    }
    if let Some(campaign) = &filter.campaign {
        query = query.filter(
            leads::id.eq_any(
                touchpoints::table
                    .filter(touchpoints::campaign.eq(campaign.clone()))
                    .select(touchpoints::lead_id),
            ),
        );
    }
    if let Some(from) = filter.from {
        query = query.filter(leads::received_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(leads::received_at.lt(until));
    }
    if let Some(before) = filter.before {
        query = query.filter(leads::id.lt(before));
    }
    Ok(query
        .load::<(LeadRow, Option<String>)>(conn)?
        .into_iter()
        .map(|(lead, dealer_code)| LeadLine { lead, dealer_code })
        .collect())
}

/// One page of leads and the link to the next, if there is more.
async fn load_page(
    state: &AppState,
    filter: LeadFilter,
) -> Result<(Vec<LeadLine>, Option<i64>), AppError> {
    let mut lines = state
        .db
        .read(move |conn| search(conn, &filter, PAGE_SIZE + 1).map_err(AppError::from))
        .await?;
    let more = lines.len() > usize::try_from(PAGE_SIZE).unwrap_or(50);
    lines.truncate(usize::try_from(PAGE_SIZE).unwrap_or(50));
    let next = if more {
        lines.last().map(|l| l.lead.id)
    } else {
        None
    };
    Ok((lines, next))
}

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
        unallocated_reason(&self.page, reason)
    }
}

async fn list(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    query: web::Query<LeadQuery>,
) -> Result<HttpResponse, AppError> {
    staff_only(&user)?;
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
    let paged = filter.before.is_some();
    let (leads, next) = load_page(&state, filter).await?;
    html(&ListPage {
        next_url: next.map(|id| query.with_before("/leads", Some(id))),
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
        unallocated_reason(&self.page, reason)
    }
}

async fn unallocated(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    staff_only(&user)?;
    let filter = LeadFilter {
        status: Some(LeadStatus::Unallocated.as_str().to_owned()),
        before: query.before.trim().parse().ok(),
        ..LeadFilter::default()
    };
    let total = state
        .db
        .read(|conn| {
            leads::table
                .filter(leads::status.eq(LeadStatus::Unallocated))
                .count()
                .get_result::<i64>(conn)
                .map_err(AppError::from)
        })
        .await?;
    let (leads, next) = load_page(&state, filter).await?;
    html(&UnallocatedPage {
        page,
        leads,
        total,
        next_url: next.map(|id| format!("/leads/unallocated?before={id}")),
    })
}
