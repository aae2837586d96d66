//! Read models of the feedback pages: the form's request with who is looking at it, and
//! the lines of the dealer's list (also read by the channel manager's overview), with the
//! rule that makes an unsubmitted request overdue.

use chrono::{NaiveDate, NaiveDateTime};

use super::form::FormContext;
use super::requests;
use crate::db::DbConnection;
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::dealer::Dealer;
use crate::models::feedback::{FeedbackRequest, FeedbackRow};
use crate::models::lead::LeadRow;
use crate::services::audit::Actor;
use crate::services::auth::AuthUser;
use crate::services::offers;

/// An unsubmitted request is overdue this long after it opened (after both reminders).
pub const OVERDUE_AFTER_DAYS: i64 = 7;

/// Requests in the dealer's list.
const DEALER_LIST_ROWS: i64 = 200;

/// Everything the form page shows about its request.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: FeedbackRequest,
    pub lead: LeadRow,
    pub dealer: Dealer,
    pub product_lines: Vec<String>,
    pub answers: Option<FeedbackRow>,
}

impl RequestView {
    /// The lead has left the request's dealer (reassigned or moved on): the dealer's side
    /// sees neither the form nor the customer any more.
    pub fn lead_moved(&self) -> bool {
        self.request.revoked_at.is_some()
            || !offers::lead_is_with(&self.lead, self.request.dealer_id)
    }
}

pub fn load_view(conn: &mut DbConnection, request_id: i64) -> Result<RequestView, AppError> {
    let request = FeedbackRequest::find(conn, request_id)?;
    let lead = LeadRow::find(conn, request.lead_id)?;
    let dealer = Dealer::find(conn, request.dealer_id)?;
    let product_lines = Dealer::product_lines(conn, dealer.id)?;
    let answers = FeedbackRow::find(conn, request_id)?;
    Ok(RequestView {
        request,
        lead,
        dealer,
        product_lines,
        answers,
    })
}

impl RequestView {
    /// What checking the form needs to know, for a reader in `locale` and `tz`.
    pub fn form_context(&self, locale: Locale, tz: chrono_tz::Tz) -> FormContext<'_> {
        FormContext {
            locale,
            today: local_date(crate::db::now(), tz),
            lead_received: local_date(self.lead.received_at, tz),
            product_lines: &self.product_lines,
        }
    }
}

fn local_date(at: impl Into<NaiveDateTime>, tz: chrono_tz::Tz) -> NaiveDate {
    use chrono::TimeZone;
    let at: NaiveDateTime = at.into();
    tz.from_utc_datetime(&at).date_naive()
}

/// Who is looking at a request's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Through a form session from an emailed link.
    Link,
    /// A user of the dealer that holds the request.
    Dealer,
    /// A channel manager or admin: read only.
    Staff,
}

impl Viewer {
    /// Who the audit log names for what this viewer saves: the dealer's logged-in user,
    /// or the emailed link.
    pub fn actor(self, user: Option<&AuthUser>, client_ip: &str) -> Actor {
        match (user, self) {
            (Some(user), Viewer::Dealer) => Actor::user(user.id, &user.email, client_ip),
            _ => Actor {
                label: "feedback link".into(),
                ..Actor::email_link(client_ip)
            },
        }
    }
}

/// Who may see request `id`: a live form session bound to it, a user of its dealer, or
/// staff. Anyone else is told the link has ended (without saying whether it exists); a
/// user of another dealer gets [`AppError::NotFound`].
fn viewer_of(
    conn: &mut DbConnection,
    form_session: Option<&str>,
    user: Option<(Role, Option<i64>)>,
    request_id: i64,
) -> Result<Option<Viewer>, AppError> {
    if let Some(secret) = form_session
        && requests::session_request(conn, secret, crate::db::now())? == Some(request_id)
    {
        return Ok(Some(Viewer::Link));
    }
    match user {
        None => Ok(None),
        Some((Role::Admin | Role::Manager, _)) => Ok(Some(Viewer::Staff)),
        Some((Role::Dealer, dealer_id)) => {
            let request = FeedbackRequest::find(conn, request_id)?;
            if dealer_id == Some(request.dealer_id) {
                Ok(Some(Viewer::Dealer))
            } else {
                Err(AppError::NotFound)
            }
        }
    }
}

/// The viewer of request `request_id` (by the form session cookie's secret, or the
/// logged-in user's role and dealer) and, if they may see it, everything its form shows.
pub fn open_request(
    conn: &mut DbConnection,
    form_session: Option<&str>,
    user: Option<(Role, Option<i64>)>,
    request_id: i64,
) -> Result<Option<(Viewer, RequestView)>, AppError> {
    let Some(who) = viewer_of(conn, form_session, user, request_id)? else {
        return Ok(None);
    };
    Ok(Some((who, load_view(conn, request_id)?)))
}

/// A request in a list, with its answers' state.
pub struct RequestLine {
    pub request: FeedbackRequest,
    pub lead: LeadRow,
    pub dealer_code: String,
    pub completeness: Option<i32>,
}

impl RequestLine {
    /// `pending`, `overdue`, `done` or `closed`.
    pub fn state(&self, now: NaiveDateTime) -> &'static str {
        if self.request.submitted_at.is_some() {
            "done"
        } else if !self.request.is_open(now) {
            "closed"
        } else if now - self.request.opened_at >= chrono::TimeDelta::days(OVERDUE_AFTER_DAYS) {
            "overdue"
        } else {
            "pending"
        }
    }

    pub fn customer(&self) -> String {
        self.lead.customer()
    }
}

/// The leads, dealer codes and completeness of `requests`, in the same order.
pub fn lines_of(
    conn: &mut DbConnection,
    requests: Vec<FeedbackRequest>,
) -> Result<Vec<RequestLine>, AppError> {
    let lead_ids: Vec<i64> = requests.iter().map(|r| r.lead_id).collect();
    let leads = LeadRow::find_many(conn, &lead_ids)?;
    let mut dealer_ids: Vec<i64> = requests.iter().map(|r| r.dealer_id).collect();
    dealer_ids.sort_unstable();
    dealer_ids.dedup();
    let codes = Dealer::codes_of(conn, &dealer_ids)?;
    let ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
    let answers = FeedbackRow::find_many(conn, &ids)?;
    Ok(requests
        .into_iter()
        .filter_map(|request| {
            let lead = leads.iter().find(|l| l.id == request.lead_id)?.clone();
            let dealer_code = codes
                .iter()
                .find(|(id, _)| *id == request.dealer_id)
                .map(|(_, c)| c.clone())
                .unwrap_or_default();
            let completeness = answers
                .iter()
                .find(|a| a.request_id == request.id)
                .and_then(|a| a.completeness_permille);
            Some(RequestLine {
                request,
                lead,
                dealer_code,
                completeness,
            })
        })
        .collect())
}

/// The dealer's feedback requests (the latest 200), for its list.
pub fn dealer_requests(
    conn: &mut DbConnection,
    dealer_id: i64,
) -> Result<Vec<RequestLine>, AppError> {
    let requests = FeedbackRequest::for_dealer(conn, dealer_id, DEALER_LIST_ROWS)?;
    lines_of(conn, requests)
}
