//! One lead as a channel manager sees it: its customer, touchpoints, offers, the
//! explanation of every allocation decision, its feedback, and assigning it by hand.

use std::ops::Deref;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::{DecisionKind, FeedbackOutcome, LeadEventStatus};
use crate::error::AppError;
use crate::models::feedback::{FeedbackRow, SaleOutcome};
use crate::routes::{html, html_with_status, see_other_with_notice};
use crate::services::allocation::allocator::LEAD;
use crate::services::allocation::decision::StoredCandidate;
use crate::services::leads::detail::{self as lead_detail, DecisionView, LeadDetail};
use crate::services::leads::full_area;
use crate::services::reassign;
use crate::web::page::Errors;
use crate::web::{AppState, Page, Staff};

/// The assignment form as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct AssignForm {
    #[serde(default)]
    dealer_code: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "leads/detail.html")]
struct DetailPage {
    page: Page,
    detail: LeadDetail,
    form: AssignForm,
    errors: Errors,
    can_assign: bool,
}

/// The template names the lead detail's parts (`lead`, `offers`, `decisions`, …) as the
/// page's own.
impl Deref for DetailPage {
    type Target = LeadDetail;
    fn deref(&self) -> &LeadDetail {
        &self.detail
    }
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

impl DetailPage {
    fn new(page: Page, detail: LeadDetail, form: AssignForm, errors: Errors) -> Self {
        Self {
            page,
            can_assign: detail.can_assign(),
            detail,
            form,
            errors,
        }
    }

    fn code(&self, id: &i64) -> String {
        self.codes
            .iter()
            .find(|(d, _)| d == id)
            .map_or_else(|| format!("#{id}"), |(_, c)| c.clone())
    }

    /// Completeness of submitted feedback, as a percentage.
    fn feedback_percent(&self, row: &Option<FeedbackRow>) -> String {
        row.as_ref()
            .and_then(|r| r.completeness_permille)
            .map_or_else(|| "—".to_owned(), |p| format!("{} %", p / 10))
    }

    fn label(&self, group: &str, code: impl std::fmt::Display) -> String {
        self.page.t(&format!("feedback-{group}-{code}"))
    }

    fn feedback_outcome(&self, row: &Option<FeedbackRow>) -> String {
        row.as_ref().and_then(|r| r.outcome).map_or_else(
            || "—".to_owned(),
            |o| self.page.t(&format!("feedback-outcome-{o}")),
        )
    }

    fn sale_revenue(&self, o: &SaleOutcome) -> String {
        self.page.money_in(o.revenue_cents, o.currency.as_str())
    }

    fn code_opt(&self, id: &Option<i64>) -> String {
        id.as_ref()
            .map_or_else(|| "—".to_owned(), |id| self.code(id))
    }

    fn area(&self) -> String {
        full_area(&self.lead)
    }

    fn opt<'a>(&self, value: &'a Option<String>) -> &'a str {
        value.as_deref().filter(|v| !v.is_empty()).unwrap_or("—")
    }

    fn reason(&self, reason: &str) -> String {
        self.page.unallocated_reason(reason)
    }

    fn offer_status(&self, status: impl std::fmt::Display) -> String {
        self.page.t(&format!("leads-offer-{status}"))
    }

    fn event_status(&self, status: &LeadEventStatus) -> String {
        if *status == LeadEventStatus::OfferWithdrawn {
            self.offer_status(status)
        } else {
            self.page.lead_status(status)
        }
    }

    fn kind(&self, kind: impl std::fmt::Display) -> String {
        self.page.t(&format!("leads-kind-{kind}"))
    }

    /// Why this decision went the way it did, in the reader's language.
    fn why(&self, d: &DecisionView) -> String {
        let r = d.decision.reason.as_str();
        match (d.decision.kind, d.decision.chosen_dealer_id) {
            (DecisionKind::Auto, Some(_)) => {
                let count = i64::try_from(d.candidates.len()).unwrap_or(0);
                self.page.t1("leads-why-auto", "count", count)
            }
            (DecisionKind::Auto, None) => self.reason(r),
            _ => r.to_owned(),
        }
    }

    fn is_chosen(&self, d: &DecisionView, c: &StoredCandidate) -> bool {
        d.decision.chosen_dealer_id == Some(c.dealer_id)
    }

    /// The candidate's score when the decision was made, whole; empty before scores.
    fn score_of(&self, c: &StoredCandidate) -> String {
        c.score
            .map_or_else(String::new, |s| self.page.decimal(s, 0))
    }

    fn weight(&self, w: &f64) -> String {
        #[allow(clippy::cast_possible_truncation)]
        let milli = (w * 1000.0).round() as i64;
        fixed3(&self.page, milli)
    }

    fn entitled(&self, c: &StoredCandidate) -> String {
        leads_of(&self.page, c.entitled_before)
    }

    /// Entitled minus received, in leads: the largest shortfall wins.
    fn shortfall(&self, c: &StoredCandidate) -> String {
        leads_of(
            &self.page,
            c.entitled_before
                .saturating_sub(c.received_before.saturating_mul(LEAD)),
        )
    }

    fn tel(&self) -> String {
        self.lead.tel()
    }
}

pub(super) async fn detail(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let d = state
        .db
        .read(move |conn| lead_detail::load(conn, id.into_inner()))
        .await?;
    html(&DetailPage::new(
        page,
        d,
        AssignForm::default(),
        Errors::default(),
    ))
}

pub(super) async fn assign(
    state: web::Data<AppState>,
    page: Page,
    staff: Staff,
    id: web::Path<i64>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = staff.actor();
    let form = form.into_inner();
    let submitted = form.clone();
    let policy = state.offer_policy();
    let result = state
        .db
        .write(move |conn| {
            reassign::assign(
                conn,
                &actor,
                id,
                &submitted.dealer_code,
                &submitted.reason,
                &policy,
                crate::db::now(),
            )
        })
        .await?;
    match result {
        reassign::Assignment::Assigned(_) => Ok(see_other_with_notice(
            &format!("/leads/{id}"),
            "notice-lead-assigned",
            state.settings.served_over_tls(),
        )),
        reassign::Assignment::Refused(errors) => {
            let errors = Errors::translate(&errors, page.locale);
            let d = state
                .db
                .read(move |conn| lead_detail::load(conn, id))
                .await?;
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DetailPage::new(page, d, form, errors),
            )
        }
    }
}
