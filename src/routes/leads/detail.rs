//! One lead as a channel manager sees it: its customer, touchpoints, offers, the
//! explanation of every allocation decision, its feedback, and assigning it by hand.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{fixed3, full_area, leads_of, staff_only, unallocated_reason};
use crate::db::DbConnection;
use crate::domain::{DecisionKind, FeedbackOutcome, LeadEventStatus, LeadStatus};
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::feedback::{FeedbackRequest, FeedbackRow, SaleOutcome};
use crate::models::lead::{LeadEvent, LeadRow, TouchpointRow};
use crate::models::offer::{AllocationDecision, Offer};
use crate::routes::{html, html_with_status, see_other_with_notice};
use crate::services::allocation::allocator::LEAD;
use crate::services::allocation::offering::StoredCandidate;
use crate::services::reassign;
use crate::web::page::Errors;
use crate::web::{AppState, CurrentUser, Page, RequestContext};

/// A stored decision with its candidates read back.
pub struct DecisionView {
    pub decision: AllocationDecision,
    pub candidates: Vec<StoredCandidate>,
}

/// Everything the lead page shows.
struct LeadDetail {
    lead: LeadRow,
    touchpoints: Vec<TouchpointRow>,
    offers: Vec<Offer>,
    events: Vec<LeadEvent>,
    decisions: Vec<DecisionView>,
    codes: Vec<(i64, String)>,
    feedback: Vec<(FeedbackRequest, Option<FeedbackRow>)>,
    outcome: Option<SaleOutcome>,
}

fn load_detail(conn: &mut DbConnection, id: i64) -> Result<LeadDetail, AppError> {
    let lead = LeadRow::find(conn, id)?;
    let touchpoints = LeadRow::touchpoints(conn, id)?;
    let offers = Offer::for_lead(conn, id)?;
    let events = LeadRow::events(conn, id)?;
    let decisions: Vec<DecisionView> = AllocationDecision::for_lead(conn, id)?
        .into_iter()
        .map(|decision| DecisionView {
            candidates: serde_json::from_str(&decision.candidates).unwrap_or_default(),
            decision,
        })
        .collect();
    let mut ids: Vec<i64> = lead.dealer_id.into_iter().collect();
    ids.extend(offers.iter().map(|o| o.dealer_id));
    ids.extend(events.iter().filter_map(|e| e.dealer_id));
    for d in &decisions {
        ids.extend(d.decision.chosen_dealer_id);
        ids.extend(d.candidates.iter().map(|c| c.dealer_id));
    }
    ids.sort_unstable();
    ids.dedup();
    let codes = Dealer::codes_of(conn, &ids)?;
    let requests = FeedbackRequest::for_lead(conn, id)?;
    let request_ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
    let answers = FeedbackRow::find_many(conn, &request_ids)?;
    let feedback = requests
        .into_iter()
        .map(|r| {
            let a = answers.iter().find(|a| a.request_id == r.id).cloned();
            (r, a)
        })
        .collect();
    let outcome = SaleOutcome::find(conn, id)?;
    Ok(LeadDetail {
        feedback,
        outcome,
        lead,
        touchpoints,
        offers,
        events,
        decisions,
        codes,
    })
}

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
    lead: LeadRow,
    touchpoints: Vec<TouchpointRow>,
    offers: Vec<Offer>,
    events: Vec<LeadEvent>,
    decisions: Vec<DecisionView>,
    codes: Vec<(i64, String)>,
    feedback: Vec<(FeedbackRequest, Option<FeedbackRow>)>,
    outcome: Option<SaleOutcome>,
    form: AssignForm,
    errors: Errors,
    can_assign: bool,
}

impl DetailPage {
    fn new(page: Page, d: LeadDetail, form: AssignForm, errors: Errors) -> Self {
        let can_assign = !matches!(
            d.lead.status,
            LeadStatus::Withheld | LeadStatus::Won | LeadStatus::Lost
        );
        Self {
            page,
            lead: d.lead,
            touchpoints: d.touchpoints,
            offers: d.offers,
            events: d.events,
            decisions: d.decisions,
            codes: d.codes,
            feedback: d.feedback,
            outcome: d.outcome,
            form,
            errors,
            can_assign,
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
        unallocated_reason(&self.page, reason)
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
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff_only(&user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let d = state.db.read(move |conn| load_detail(conn, id)).await?;
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
    ctx: RequestContext,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, AppError> {
    staff_only(&user)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = user.actor(&ctx.client.ip);
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
            )
        })
        .await?;
    match result {
        Ok(_) => {
            state.mail.wake();
            Ok(see_other_with_notice(
                &format!("/leads/{id}"),
                "notice-lead-assigned",
                state.settings.served_over_tls(),
            ))
        }
        Err(errors) => {
            let errors = Errors::translate(&errors, page.locale);
            let d = state.db.read(move |conn| load_detail(conn, id)).await?;
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DetailPage::new(page, d, form, errors),
            )
        }
    }
}
