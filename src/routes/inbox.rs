//! The dealer's phone inbox: offers waiting for an answer with the time left, leads being
//! worked, and one lead's page (contact details only once the offer is accepted).

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use diesel::Connection;
use serde::Deserialize;

use super::{html, see_other_with_notice};
use crate::db::DbConnection;
use crate::domain::{LeadStatus, Role};
use crate::error::AppError;
use crate::i18n::FluentArg;
use crate::models::dealer::Dealer;
use crate::models::lead::{LeadEvent, LeadRow, TouchpointRow, WorkingLead};
use crate::models::offer::{InboxOffer, Offer};
use crate::services::offers::{self, Advanced, Answer, DECLINE_REASONS, Declined};
use crate::web::{AppState, CurrentUser, Page, RequestContext};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/dealer", inbox)
        .get("/dealer/leads/{id}", lead_page)
        .post("/dealer/offers/{id}/accept", accept)
        .post("/dealer/offers/{id}/decline", decline)
        .post("/dealer/leads/{id}/status", advance);
}

/// The dealer the current user works for; anyone else is refused.
fn dealer_of(user: &CurrentUser) -> Result<i64, AppError> {
    user.require(&[Role::Dealer])?;
    user.0.user.dealer_id.ok_or(AppError::Forbidden)
}

/// An offer as the dealer sees it before accepting: no customer identity.
pub struct OfferCard {
    pub offer: InboxOffer,
    pub channels: Vec<String>,
}

impl OfferCard {
    pub fn area(&self) -> String {
        area_of(
            &self.offer.country,
            self.offer.postcode.as_deref(),
            self.offer.region.as_deref(),
        )
    }
}

/// Where the customer is, without identifying them: region and postcode area.
pub(crate) fn lead_area(lead: &LeadRow) -> String {
    area_of(
        &lead.country,
        lead.postcode.as_deref(),
        lead.region.as_deref(),
    )
}

fn area_of(country: &str, postcode: Option<&str>, region: Option<&str>) -> String {
    let prefix: String = postcode.unwrap_or_default().chars().take(2).collect();
    match (region, prefix.is_empty()) {
        (Some(r), false) => format!("{r} · {prefix}xxx"),
        (Some(r), true) => r.to_owned(),
        (None, false) => format!("{country} {prefix}xxx"),
        (None, true) => country.to_owned(),
    }
}

/// The time left until a deadline in the page's language ("5 h 20 min left to answer").
///
/// The message is resolved once per page with markers in place of its two numbers, which
/// are then filled in for each deadline: a page of offers costs one Fluent call instead of
/// one per offer (`perf` had those calls at a twentieth of the inbox's time). A unit test
/// checks the result against Fluent's own for both languages.
struct TimeLeft {
    pieces: Vec<Piece>,
    now: NaiveDateTime,
}

enum Piece {
    Text(String),
    Hours,
    Minutes,
}

impl TimeLeft {
    /// Private-use characters, which no message contains.
    const HOURS: char = '\u{E000}';
    const MINUTES: char = '\u{E001}';

    fn new(page: &Page) -> Self {
        let message = page.locale.t_args(
            "time-left",
            &[
                ("hours", FluentArg::Text(Self::HOURS.into())),
                ("minutes", FluentArg::Text(Self::MINUTES.into())),
            ],
        );
        let mut pieces = Vec::new();
        let mut text = String::new();
        for c in message.chars() {
            let marker = match c {
                Self::HOURS => Piece::Hours,
                Self::MINUTES => Piece::Minutes,
                c => {
                    text.push(c);
                    continue;
                }
            };
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(marker);
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Self {
            pieces,
            now: crate::db::now(),
        }
    }

    fn until(&self, deadline: NaiveDateTime) -> String {
        use std::fmt::Write;
        let minutes = (deadline - self.now).num_minutes().max(0);
        let mut out = String::with_capacity(40);
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Hours => {
                    let _ = write!(out, "{}", minutes / 60);
                }
                Piece::Minutes => {
                    let _ = write!(out, "{}", minutes % 60);
                }
            }
        }
        out
    }
}

type InboxData = (String, Vec<OfferCard>, Vec<WorkingLead>);

fn load_inbox(conn: &mut DbConnection, dealer_id: i64) -> Result<InboxData, AppError> {
    let dealer_name = Dealer::name_of(conn, dealer_id)?;
    let offers = InboxOffer::open_for_dealer(conn, dealer_id)?;
    // Each lead's distinct channels in touch order; the rows come sorted by lead.
    let mut by_lead: Vec<(i64, Vec<String>)> = Vec::new();
    for (lead_id, channel) in InboxOffer::channels_for_dealer(conn, dealer_id)? {
        match by_lead.last_mut() {
            Some((id, list)) if *id == lead_id => {
                if !list.contains(&channel) {
                    list.push(channel);
                }
            }
            _ => by_lead.push((lead_id, vec![channel])),
        }
    }
    let cards = offers
        .into_iter()
        .map(|offer| {
            let channels = by_lead
                .binary_search_by_key(&offer.lead_id, |(id, _)| *id)
                .map(|i| std::mem::take(&mut by_lead[i].1))
                .unwrap_or_default();
            OfferCard { offer, channels }
        })
        .collect();
    let working = WorkingLead::for_dealer(conn, dealer_id)?;
    Ok((dealer_name, cards, working))
}

#[derive(Template)]
#[template(path = "dealer/inbox.html")]
struct InboxPage {
    page: Page,
    dealer_name: String,
    offers: Vec<OfferCard>,
    working: Vec<WorkingLead>,
    time_left: TimeLeft,
}

impl InboxPage {
    fn left(&self, offer: &InboxOffer) -> String {
        self.time_left.until(offer.deadline_at)
    }
}

/// The inbox: the dealer's name, its open offers with the leads' public fields and their
/// channels, and the leads it is working. Four indexed queries, each prepared once per
/// connection, read in one transaction so they see one snapshot.
async fn inbox(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let dealer_id = dealer_of(&user)?;
    let (dealer_name, offers, working) = state
        .db
        .read_quick(move |conn| conn.transaction(|conn| load_inbox(conn, dealer_id)))
        .await?;
    html(&InboxPage {
        time_left: TimeLeft::new(&page),
        page,
        dealer_name,
        offers,
        working,
    })
}

#[derive(Template)]
#[template(path = "dealer/lead.html")]
struct LeadPage {
    page: Page,
    lead: LeadRow,
    /// The open offer to this dealer, when the lead is still waiting for an answer.
    offer: Option<Offer>,
    touchpoints: Vec<TouchpointRow>,
    events: Vec<LeadEvent>,
    next: Vec<&'static str>,
    reasons: [&'static str; 5],
}

impl LeadPage {
    fn left(&self) -> String {
        self.offer
            .as_ref()
            .map(|o| TimeLeft::new(&self.page).until(o.deadline_at))
            .unwrap_or_default()
    }

    fn area(&self) -> String {
        lead_area(&self.lead)
    }

    /// `tel:` target: the number without spaces or punctuation other than `+`.
    fn tel(&self) -> String {
        self.lead.tel()
    }
}

async fn lead_page(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let dealer_id = dealer_of(&user)?;
    let lead_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (lead, offer, touchpoints, events) = state
        .db
        .read_quick(move |conn| -> Result<_, AppError> {
            let lead = LeadRow::find(conn, lead_id)?;
            let offer = Offer::open_for(conn, lead_id, dealer_id)?;
            // Another dealer's lead, or one this dealer declined, is simply not there.
            if offer.is_none() && !offers::lead_is_with(&lead, dealer_id) {
                return Err(AppError::NotFound);
            }
            let touchpoints = LeadRow::touchpoints(conn, lead_id)?;
            let events = LeadRow::events(conn, lead_id)?
                .into_iter()
                .filter(|e| e.dealer_id == Some(dealer_id))
                .collect();
            Ok((lead, offer, touchpoints, events))
        })
        .await?;
    let next = lead
        .status
        .parse::<LeadStatus>()
        .map(|s| {
            offers::next_statuses(s)
                .iter()
                .map(|s| s.as_str())
                .collect()
        })
        .unwrap_or_default();
    html(&LeadPage {
        page,
        lead,
        offer,
        touchpoints,
        events,
        next,
        reasons: DECLINE_REASONS,
    })
}

async fn accept(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: RequestContext,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let dealer_id = dealer_of(&user)?;
    let offer_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = user.actor(&ctx.client.ip);
    let (answer, lead_id) = state
        .db
        .write(move |conn| offers::accept(conn, dealer_id, offer_id, &actor))
        .await?;
    let secure = state.settings.served_over_tls();
    Ok(match answer {
        Answer::Done => see_other_with_notice(
            &format!("/dealer/leads/{lead_id}"),
            "notice-offer-accepted",
            secure,
        ),
        Answer::TooLate => see_other_with_notice("/dealer", "notice-offer-too-late", secure),
    })
}

#[derive(Deserialize)]
struct DeclineForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

async fn decline(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: RequestContext,
    id: web::Path<String>,
    form: web::Form<DeclineForm>,
) -> Result<HttpResponse, AppError> {
    let dealer_id = dealer_of(&user)?;
    let offer_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = user.actor(&ctx.client.ip);
    let DeclineForm { reason, note } = form.into_inner();
    let policy = state.offer_policy();
    let (declined, lead_id) = state
        .db
        .write(move |conn| {
            offers::decline(conn, dealer_id, offer_id, &reason, &note, &actor, &policy)
        })
        .await?;
    state.mail.wake();
    let secure = state.settings.served_over_tls();
    Ok(match declined {
        Declined::Done(_) => see_other_with_notice("/dealer", "notice-offer-declined", secure),
        Declined::TooLate => see_other_with_notice("/dealer", "notice-offer-too-late", secure),
        Declined::ReasonMissing => see_other_with_notice(
            &format!("/dealer/leads/{lead_id}"),
            "notice-choose-reason",
            secure,
        ),
    })
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
}

async fn advance(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    let dealer_id = dealer_of(&user)?;
    let lead_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = user.0.user.email.clone();
    let status = form.into_inner().status;
    let feedback = state.feedback_policy();
    let advanced = state
        .db
        .write(move |conn| offers::advance(conn, dealer_id, lead_id, &status, &actor, &feedback))
        .await?;
    state.mail.wake();
    let secure = state.settings.served_over_tls();
    let lead_page = format!("/dealer/leads/{lead_id}");
    Ok(match advanced {
        Advanced::Done => see_other_with_notice(&lead_page, "notice-saved", secure),
        Advanced::InvalidStep => see_other_with_notice(&lead_page, "notice-status-invalid", secure),
        Advanced::Reassigned => see_other_with_notice("/dealer", "notice-lead-reassigned", secure),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn page(locale: Locale) -> Page {
        Page {
            locale,
            csrf_token: String::new(),
            user: None,
            path: "/dealer".into(),
            tz: chrono_tz::Europe::Rome,
            notice: None,
            notice_key: None,
        }
    }

    /// The message filled in once per page reads exactly as Fluent's own, in both languages
    /// (a selector on the numbers, say for plurals, would make this fail).
    #[test]
    fn the_time_left_reads_as_fluent_writes_it() {
        for locale in [Locale::It, Locale::En] {
            let page = page(locale);
            let time_left = TimeLeft::new(&page);
            for minutes in [
                0,
                1,
                59,
                60,
                61,
                119,
                20 * 60 + 5,
                48 * 60,
                999 * 60 + 59,
                1_234 * 60,
            ] {
                let deadline = time_left.now + chrono::TimeDelta::minutes(minutes);
                let fluent = page.locale.t_args(
                    "time-left",
                    &[
                        ("hours", FluentArg::from(minutes / 60)),
                        ("minutes", FluentArg::from(minutes % 60)),
                    ],
                );
                assert_eq!(
                    time_left.until(deadline),
                    fluent,
                    "{locale:?} {minutes} min"
                );
            }
            let past = time_left.now - chrono::TimeDelta::minutes(5);
            assert!(time_left.until(past).starts_with("0 h 0 min"));
        }
    }
}
