//! Feedback requests and their links: opening a request (when a dealer reports won or lost,
//! or when an accepted lead has gone a month without an outcome), the emailed links and
//! the short form sessions they are exchanged for, reminders, fresh links, revocation.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::FeedbackPolicy;
use crate::db::DbConnection;
use crate::domain::{Currency, FeedbackOutcome as Outcome, LeadStatus, OfferStatus};
use crate::email::{FeedbackEmail, FeedbackEmailKind};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::dealer::Dealer;
use crate::models::feedback::{FeedbackLink, FeedbackRequest, FeedbackRow, FeedbackSession};
use crate::models::lead::LeadRow;
use crate::models::user::User;
use crate::services::tokens;

/// Why a request opened.
pub const OPENED_BY_OUTCOME: &str = "outcome";
pub const OPENED_BY_TIMER: &str = "timer";

/// Reminders go this long after a request opens, while it is not submitted.
pub const REMINDER_AFTER_DAYS: [i64; 2] = [3, 7];

/// Fresh links one request may get per hour (the button on an expired link).
pub const FRESH_LINKS_PER_HOUR: i64 = 3;

/// Opens a feedback request for `lead`, held by `dealer_id`, unless one is open already;
/// emails its link to the dealer. Runs in the caller's transaction. Returns the new
/// request's id.
pub fn open(
    conn: &mut DbConnection,
    lead: &LeadRow,
    dealer_id: i64,
    opened_by: &str,
    policy: &FeedbackPolicy,
    now: NaiveDateTime,
) -> Result<Option<i64>, AppError> {
    if FeedbackRequest::open_for_lead(conn, lead.id, now)?.is_some() {
        return Ok(None);
    }
    let id = FeedbackRequest::insert(
        conn,
        lead.id,
        dealer_id,
        opened_by,
        now,
        now + policy.window,
    )?;
    // The outcome the dealer just reported starts the form off.
    let outcome = match lead.status {
        LeadStatus::Won => Some(Outcome::Won),
        LeadStatus::Lost => Some(Outcome::Lost),
        _ => None,
    };
    FeedbackRow::insert(
        conn,
        &FeedbackRow {
            request_id: id,
            outcome,
            close_date: None,
            revenue_cents: None,
            currency: Currency::Eur,
            products: String::new(),
            products_other: String::new(),
            lost_reason: None,
            competitor: String::new(),
            decision_factors: String::new(),
            first_heard: None,
            lead_quality: None,
            notes: String::new(),
            completeness_permille: None,
            answered: 0,
            applicable: 0,
            response_seconds: None,
            saved_at: now.into(),
            submitted_at: None,
        },
    )?;
    let request = FeedbackRequest::find(conn, id)?;
    send_link(conn, &request, FeedbackEmailKind::Request, policy, now)?;
    Ok(Some(id))
}

/// Issues a new link to `request` and emails it to the dealer's contact address.
pub fn send_link(
    conn: &mut DbConnection,
    request: &FeedbackRequest,
    kind: FeedbackEmailKind,
    policy: &FeedbackPolicy,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let secret = tokens::random_secret();
    let expires = (now + policy.link_lifetime).min(request.closes_at.get());
    FeedbackLink::insert(
        conn,
        request.id,
        &tokens::hash_secret(&secret),
        now,
        expires,
    )?;
    let dealer = Dealer::find(conn, request.dealer_id)?;
    let lead = LeadRow::find(conn, request.lead_id)?;
    // The contact's own language if they have an account, Italian otherwise.
    let locale = User::find_by_email(conn, &dealer.contact_email)?
        .and_then(|u| u.locale)
        .and_then(|l| l.parse().ok())
        .unwrap_or(Locale::It);
    let area = lead.region.clone().unwrap_or_else(|| lead.country.clone());
    crate::email::enqueue(
        conn,
        &dealer.contact_email,
        &FeedbackEmail {
            locale,
            kind,
            dealer_name: dealer.name.clone(),
            lead: format!("{} · {area}", lead.product_line),
            customer: lead.customer(),
            link: format!("{}/feedback/t/{secret}", policy.base_url),
            open_until: locale.datetime(request.closes_at.get(), policy.tz),
        },
    )?;
    Ok(())
}

/// What a link secret leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkUse {
    /// A live link: a form session was opened; the secret goes in the session cookie.
    Session {
        request_id: i64,
        session_secret: String,
    },
    /// A live link to a request that has closed: its answers can only be read.
    Closed { request_id: i64 },
    /// The link expired or was revoked (also when its request has closed since, or was
    /// withdrawn from the dealer): nothing behind it is shown. While the request is open
    /// a fresh link can be emailed.
    Expired,
    /// Not a link of ours.
    Unknown,
}

/// What a link secret is, read without writing anything: revocation and expiry are
/// checked before anything else, so a dead link never shows the answers again. `None` is a
/// live link to an open request, for [`exchange`] to trade for a form session; so an
/// unknown or dead link never reaches the writer.
pub fn inspect_link(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<LinkUse>, AppError> {
    Ok(match find_link(conn, secret, now)? {
        FoundLink::Dead(dead) => Some(dead),
        FoundLink::Live(request) if !request.is_open(now) => Some(LinkUse::Closed {
            request_id: request.id,
        }),
        FoundLink::Live(_) => None,
    })
}

/// What is behind a link secret.
enum FoundLink {
    /// A link neither revoked nor expired, and its request.
    Live(FeedbackRequest),
    /// Not a live link: [`LinkUse::Expired`] or [`LinkUse::Unknown`].
    Dead(LinkUse),
}

fn find_link(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> Result<FoundLink, AppError> {
    if secret.len() != 43 {
        return Ok(FoundLink::Dead(LinkUse::Unknown));
    }
    let Some(link) = FeedbackLink::find_by_hash(conn, &tokens::hash_secret(secret))? else {
        return Ok(FoundLink::Dead(LinkUse::Unknown));
    };
    if link.revoked_at.is_some() || link.expires_at <= now {
        return Ok(FoundLink::Dead(LinkUse::Expired));
    }
    Ok(FoundLink::Live(FeedbackRequest::find(
        conn,
        link.request_id,
    )?))
}

/// Exchanges a link secret for a form session bound to its request, checking the link
/// again in the writer's transaction (see [`inspect_link`]).
pub fn exchange(
    conn: &mut DbConnection,
    secret: &str,
    policy: &FeedbackPolicy,
    now: NaiveDateTime,
) -> Result<LinkUse, AppError> {
    let request = match find_link(conn, secret, now)? {
        FoundLink::Live(request) => request,
        FoundLink::Dead(dead) => return Ok(dead),
    };
    if !request.is_open(now) {
        return Ok(LinkUse::Closed {
            request_id: request.id,
        });
    }
    let session_secret = tokens::random_secret();
    FeedbackSession::insert(
        conn,
        &tokens::hash_secret(&session_secret),
        request.id,
        now,
        (now + policy.session_lifetime).min(request.closes_at.get()),
    )?;
    Ok(LinkUse::Session {
        request_id: request.id,
        session_secret,
    })
}

/// The request a form session cookie is bound to, if the session is live.
pub fn session_request(
    conn: &mut DbConnection,
    session_secret: &str,
    now: NaiveDateTime,
) -> Result<Option<i64>, AppError> {
    Ok(FeedbackSession::request_of(
        conn,
        &tokens::hash_secret(session_secret),
        now,
    )?)
}

/// Whether the button under an expired link may email a fresh one: the secret belongs
/// to a link of a request that is still open, which has had fewer than
/// [`FRESH_LINKS_PER_HOUR`] links in the last hour. A read: callers only go to the writer
/// (with [`fresh_link`]) when this says yes.
pub fn fresh_link_due(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<FeedbackRequest>, AppError> {
    if secret.len() != 43 {
        return Ok(None);
    }
    let Some(link) = FeedbackLink::find_by_hash(conn, &tokens::hash_secret(secret))? else {
        return Ok(None);
    };
    let request = FeedbackRequest::find(conn, link.request_id)?;
    if !request.is_open(now)
        || FeedbackLink::count_since(conn, request.id, now - TimeDelta::hours(1))?
            >= FRESH_LINKS_PER_HOUR
    {
        return Ok(None);
    }
    Ok(Some(request))
}

/// The button under an expired link: emails a fresh link to the dealer's address on
/// record if [`fresh_link_due`] says so (checked again here, in the writer's
/// transaction). Says nothing about what it found.
pub fn fresh_link(
    conn: &mut DbConnection,
    secret: &str,
    policy: &FeedbackPolicy,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    match fresh_link_due(conn, secret, now)? {
        Some(request) => send_link(conn, &request, FeedbackEmailKind::FreshLink, policy, now),
        None => Ok(()),
    }
}

/// Withdraws every open feedback request of a lead that is being offered anew (a manager
/// reassigned it, or an offer was declined or expired and the lead moves on): the request
/// closes, its links are revoked and its form sessions end, so the dealer who had the lead
/// can no longer record an outcome for it nor see its customer. Runs in the caller's
/// transaction; returns how many requests were withdrawn.
pub fn withdraw_for_lead(
    conn: &mut DbConnection,
    lead_id: i64,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let withdrawn = FeedbackRequest::withdraw_open_for_lead(conn, lead_id, now)?;
    for request_id in &withdrawn {
        FeedbackLink::revoke_all(conn, *request_id, now)?;
        FeedbackSession::end_all(conn, *request_id)?;
    }
    Ok(withdrawn.len())
}

/// Revokes every link of a request and ends its form sessions; the request stays open
/// (a manager can send a new link). Returns how many links were revoked.
pub fn revoke_links(
    conn: &mut DbConnection,
    request_id: i64,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let revoked = FeedbackLink::revoke_all(conn, request_id, now)?;
    FeedbackSession::end_all(conn, request_id)?;
    Ok(revoked)
}

/// Opens requests for accepted leads that have gone `policy.open_after` since acceptance
/// without an outcome and have never had a request. Returns how many opened.
pub fn open_overdue(
    conn: &mut DbConnection,
    policy: &FeedbackPolicy,
    now: NaiveDateTime,
    limit: i64,
) -> Result<usize, AppError> {
    use crate::schema::{feedback_requests, leads, offers};

    let working: Vec<LeadStatus> = LeadStatus::ALL
        .into_iter()
        .filter(|s| s.is_open_for_dealer())
        .collect();
    // Driven from the leads still being worked (an index range on status and creation
    // time: a lead accepted a month ago came in at least a month ago), so the cost follows
    // the open work, not the whole history of offers.
    let cutoff = now - policy.open_after;
    let due: Vec<(i64, Option<i64>)> = leads::table
        .filter(leads::status.eq_any(working))
        .filter(leads::created_at.le(cutoff))
        .filter(diesel::dsl::exists(
            offers::table
                .filter(offers::lead_id.eq(leads::id))
                .filter(offers::dealer_id.nullable().eq(leads::dealer_id))
                .filter(offers::status.eq(OfferStatus::Accepted))
                .filter(offers::responded_at.le(cutoff)),
        ))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            feedback_requests::table.filter(feedback_requests::lead_id.eq(leads::id)),
        )))
        .select((leads::id, leads::dealer_id))
        .limit(limit)
        .load(conn)?;
    let due = due
        .into_iter()
        .filter_map(|(lead, dealer)| dealer.map(|d| (lead, d)));
    let mut opened = 0;
    for (lead_id, dealer_id) in due {
        let lead = LeadRow::find(conn, lead_id)?;
        if open(conn, &lead, dealer_id, OPENED_BY_TIMER, policy, now)?.is_some() {
            opened += 1;
        }
    }
    Ok(opened)
}

/// Sends the reminders due at `now` (3 and 7 days after opening, while not submitted).
/// Each is counted on the request before it is queued, so it goes once.
pub fn remind(
    conn: &mut DbConnection,
    policy: &FeedbackPolicy,
    now: NaiveDateTime,
    limit: i64,
) -> Result<usize, AppError> {
    let mut sent = 0;
    for (nth, days) in REMINDER_AFTER_DAYS.iter().enumerate() {
        let before = i32::try_from(nth).unwrap_or(0);
        for request in
            FeedbackRequest::waiting(conn, now - TimeDelta::days(*days), now, None, limit)?
        {
            if request.reminders_sent == before
                && FeedbackRequest::count_reminder(conn, request.id, before)?
            {
                send_link(conn, &request, FeedbackEmailKind::Reminder, policy, now)?;
                sent += 1;
            }
        }
    }
    Ok(sent)
}
