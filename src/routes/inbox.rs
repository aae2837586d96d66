//! The dealer's phone inbox: offers waiting for an answer with the time left, leads being
//! worked, and one lead's page (contact details only once the offer is accepted).

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{html, see_other_with_notice};
use crate::domain::DealerTouch;
use crate::domain::feedback_fields::parse_amount;
use crate::error::AppError;
use crate::i18n::FluentArg;
use crate::models::lead::{LeadEvent, LeadRow, TouchpointRow, WorkingLead};
use crate::models::offer::{InboxOffer, Offer};
use crate::services::attribution::dealer_touches;
use crate::services::inbox::{self, DealerLead, DeclineForm, Inbox, OfferCard};
use crate::services::offers::{self, Advanced, Answer, DECLINE_REASONS, Declined};
use crate::web::score_card::ScoreCardText;
use crate::web::{AppState, DealerUser, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/dealer", inbox)
        .get("/dealer/leads/{id}", lead_page)
        .post("/dealer/offers/{id}/accept", accept)
        .post("/dealer/offers/{id}/decline", decline)
        .post("/dealer/leads/{id}/status", advance)
        .post("/dealer/leads/{id}/touches", log_touch);
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

    fn until(&self, deadline: impl Into<NaiveDateTime>) -> String {
        use std::fmt::Write;
        let deadline: NaiveDateTime = deadline.into();
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

#[derive(Template)]
#[template(path = "dealer/inbox.html")]
struct InboxPage {
    page: Page,
    dealer_name: String,
    offers: Vec<OfferCard>,
    working: Vec<WorkingLead>,
    time_left: TimeLeft,
    score: Option<ScoreCardText>,
}

impl InboxPage {
    fn left(&self, offer: &InboxOffer) -> String {
        self.time_left.until(offer.deadline_at)
    }
}

/// The inbox: the dealer's name, its open offers and the leads it is working.
async fn inbox(
    state: web::Data<AppState>,
    page: Page,
    DealerUser { dealer_id, .. }: DealerUser,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    let Inbox {
        dealer_name,
        offers,
        working,
        score,
    } = state
        .db
        .read_quick(move |conn| inbox::inbox(conn, dealer_id, now))
        .await?;
    html(&InboxPage {
        time_left: TimeLeft::new(&page),
        score: score.as_ref().map(|card| ScoreCardText::new(card, &page)),
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
    touch_kinds: &'static [DealerTouch],
}

impl LeadPage {
    fn left(&self) -> String {
        self.offer
            .as_ref()
            .map(|o| TimeLeft::new(&self.page).until(o.deadline_at))
            .unwrap_or_default()
    }

    fn area(&self) -> String {
        inbox::lead_area(&self.lead)
    }

    /// Whether "quote sent" is a next step (the form then asks for the amount).
    fn can_quote(&self) -> bool {
        self.next.contains(&"quote_sent")
    }

    /// `tel:` target: the number without spaces or punctuation other than `+`.
    fn tel(&self) -> String {
        self.lead.tel()
    }
}

async fn lead_page(
    state: web::Data<AppState>,
    page: Page,
    DealerUser { dealer_id, .. }: DealerUser,
    lead_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let lead_id = lead_id.into_inner();
    let DealerLead {
        lead,
        offer,
        touchpoints,
        events,
        next,
    } = state
        .db
        .read_quick(move |conn| inbox::dealer_lead(conn, dealer_id, lead_id))
        .await?;
    html(&LeadPage {
        page,
        lead,
        offer,
        touchpoints,
        events,
        next,
        reasons: DECLINE_REASONS,
        touch_kinds: DealerTouch::ALL,
    })
}

async fn accept(
    state: web::Data<AppState>,
    dealer: DealerUser,
    offer_id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (dealer_id, offer_id) = (dealer.dealer_id, offer_id.into_inner());
    let actor = dealer.actor();
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

async fn decline(
    state: web::Data<AppState>,
    dealer: DealerUser,
    offer_id: web::Path<i64>,
    form: web::Form<DeclineForm>,
) -> Result<HttpResponse, AppError> {
    let (dealer_id, offer_id) = (dealer.dealer_id, offer_id.into_inner());
    let actor = dealer.actor();
    let DeclineForm { reason, note } = form.into_inner();
    let policy = state.offer_policy();
    let (declined, lead_id) = state
        .db
        .write(move |conn| {
            offers::decline(conn, dealer_id, offer_id, &reason, &note, &actor, &policy)
        })
        .await?;
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
    /// The quote's amount, optional, when the lead moves to "quote sent".
    #[serde(default)]
    quote: String,
}

async fn advance(
    state: web::Data<AppState>,
    page: Page,
    dealer: DealerUser,
    lead_id: web::Path<i64>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    let (dealer_id, lead_id) = (dealer.dealer_id, lead_id.into_inner());
    let actor = dealer.user.0.user.email.clone();
    let StatusForm { status, quote } = form.into_inner();
    let quote = match quote.trim() {
        "" => Ok(None),
        typed => parse_amount(typed, page.locale).map(Some).map_err(drop),
    };
    let feedback = state.feedback_policy();
    let advanced = state
        .db
        .write(move |conn| {
            offers::advance_with_quote(
                conn,
                dealer_id,
                lead_id,
                (&status, quote),
                &actor,
                &feedback,
            )
        })
        .await?;
    let secure = state.settings.served_over_tls();
    let lead_page = format!("/dealer/leads/{lead_id}");
    Ok(match advanced {
        Advanced::Done => see_other_with_notice(&lead_page, "notice-saved", secure),
        Advanced::InvalidStep => see_other_with_notice(&lead_page, "notice-status-invalid", secure),
        Advanced::InvalidQuote => {
            see_other_with_notice(&lead_page, "notice-quote-amount-invalid", secure)
        }
        Advanced::Reassigned => see_other_with_notice("/dealer", "notice-lead-reassigned", secure),
    })
}

#[derive(Deserialize)]
struct TouchForm {
    #[serde(default)]
    kind: String,
}

/// A visit, call, demo or quote the dealer logs on the lead page: one tap.
async fn log_touch(
    state: web::Data<AppState>,
    dealer: DealerUser,
    lead_id: web::Path<i64>,
    form: web::Form<TouchForm>,
) -> Result<HttpResponse, AppError> {
    let (dealer_id, lead_id) = (dealer.dealer_id, lead_id.into_inner());
    let lead_page = format!("/dealer/leads/{lead_id}");
    let secure = state.settings.served_over_tls();
    let kind = form.into_inner().kind.parse::<DealerTouch>().ok();
    let settings = state.attribution();
    let logged = state
        .db
        .write(move |conn| {
            dealer_touches::log(conn, dealer_id, lead_id, kind, &settings, crate::db::now())
        })
        .await?;
    if !logged {
        return Ok(see_other_with_notice(
            &lead_page,
            "notice-touch-kind-invalid",
            secure,
        ));
    }
    Ok(see_other_with_notice(
        &lead_page,
        "notice-touch-logged",
        secure,
    ))
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
