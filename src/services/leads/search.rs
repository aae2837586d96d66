//! The lead search: the filter form as typed, checked into a [`LeadFilter`], and one page
//! of matching leads (newest first, keyset-paged by id) with the link to the next.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use diesel::prelude::*;
use serde::Deserialize;

use super::full_area;
use crate::db::DbConnection;
use crate::domain::LeadStatus;
use crate::domain::location::RegionKey;
use crate::error::AppError;
use crate::models::lead::LeadRow;
use crate::schema::{dealers, leads, touchpoints};
use crate::services::validation::FieldErrors;

/// Leads per page.
const PAGE_SIZE: i64 = 50;

/// The filter form as submitted (all text, so it is shown again as typed).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LeadQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub dealer: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub product_line: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub before: String,
}

/// A validated filter.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
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

impl LeadFilter {
    /// The unallocated queue: every lead no dealer could take, before `before` (an id).
    pub fn unallocated(before: &str) -> Self {
        Self {
            status: Some(LeadStatus::Unallocated.as_str().to_owned()),
            before: before.trim().parse().ok(),
            ..Self::default()
        }
    }

    /// Whether this is a later page (a `before` id is set).
    pub fn is_paged(&self) -> bool {
        self.before.is_some()
    }
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
    /// The filter this form asks for, with dates read in the portal's time zone `tz`.
    pub fn parse(&self, tz: chrono_tz::Tz) -> Result<LeadFilter, FieldErrors> {
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
    pub fn with_before(&self, path: &str, id: Option<i64>) -> String {
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

/// One page of leads, and the id to continue before if there is more.
pub struct LeadPage {
    pub leads: Vec<LeadLine>,
    pub next_before: Option<i64>,
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

/// One page of leads matching `filter`.
pub fn page(conn: &mut DbConnection, filter: &LeadFilter) -> Result<LeadPage, AppError> {
    let mut leads = search(conn, filter, PAGE_SIZE + 1)?;
    let size = usize::try_from(PAGE_SIZE).unwrap_or(50);
    let more = leads.len() > size;
    leads.truncate(size);
    let next_before = if more {
        leads.last().map(|l| l.lead.id)
    } else {
        None
    };
    Ok(LeadPage { leads, next_before })
}

/// The unallocated queue: how many leads wait in it, and one page of them.
pub fn unallocated_queue(
    conn: &mut DbConnection,
    filter: &LeadFilter,
) -> Result<(i64, LeadPage), AppError> {
    let total = leads::table
        .filter(leads::status.eq(LeadStatus::Unallocated.as_str()))
        .count()
        .get_result::<i64>(conn)?;
    Ok((total, page(conn, filter)?))
}
