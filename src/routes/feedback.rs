//! The feedback form: opened from an emailed link without logging in (the link is traded
//! for a short form session, then the browser lands on an address without the token), or
//! from the dealer portal. Channel managers read it.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;

use super::{html_with_status, see_other_with_notice};
use crate::domain::feedback_fields::{Currency, DecisionFactor, FirstHeard, LostReason, Outcome};
use crate::error::AppError;
use crate::services::feedback::completeness::Completeness;
use crate::services::feedback::form::{self, Answers, FeedbackForm};
use crate::services::feedback::requests::{self, LinkUse};
use crate::services::feedback::views::{self, RequestLine, Viewer};
use crate::services::feedback::{self, RequestView, Saved};
use crate::web::page::Errors;
use crate::web::{AppState, DealerUser, Page, RequestContext};

/// Cookie holding the form session a link was exchanged for; sent only to `/feedback`.
pub const FORM_SESSION_COOKIE: &str = "dl_fb";

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/feedback/t/{token}", open_link)
        .post("/feedback/t/{token}/fresh", fresh_link)
        .get("/dealer/feedback", dealer_list);
}

/// The form routes, registered after the channel manager's `/feedback/…` pages.
pub fn configure_form(routes: &mut crate::routes::Routes) {
    routes
        .get("/feedback/{id}", show)
        .post("/feedback/{id}", submit);
}

/// Pages of the form never send the address (which may hold a token) anywhere, and are
/// never cached.
fn private(mut res: HttpResponse) -> HttpResponse {
    let headers = res.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

// ---------------------------------------------------------------------------------------
// Emailed links

#[derive(Template)]
#[template(path = "feedback/link.html")]
struct LinkPage {
    page: Page,
    /// `expired`, `ended` (the form session ran out), `sent` (a fresh link was asked for)
    /// or `reassigned` (the lead is no longer with the request's dealer).
    state: &'static str,
    fresh_action: Option<String>,
}

async fn open_link(
    state: web::Data<AppState>,
    page: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let policy = state.feedback_policy();
    let secret = token.clone();
    // A read first: an unknown or dead link never reaches the writer.
    let seen = state
        .db
        .read_quick(move |conn| requests::inspect_link(conn, &secret, crate::db::now()))
        .await?;
    let used = match seen {
        Some(dead_or_closed) => dead_or_closed,
        None => {
            let secret = token.clone();
            state
                .db
                .write(move |conn| requests::exchange(conn, &secret, &policy, crate::db::now()))
                .await?
        }
    };
    match used {
        LinkUse::Session {
            request_id,
            session_secret,
        } => {
            let cookie = Cookie::build(FORM_SESSION_COOKIE, session_secret)
                .path("/feedback")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(state.settings.served_over_tls())
                .finish();
            Ok(private(
                HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, format!("/feedback/{request_id}")))
                    .cookie(cookie)
                    .finish(),
            ))
        }
        LinkUse::Closed { request_id } => {
            let view = state
                .db
                .read(move |conn| feedback::load_view(conn, request_id))
                .await?;
            if view.lead_moved() {
                return link_page(page, "reassigned", None, StatusCode::CONFLICT);
            }
            render_form(page, view, None, Errors::default(), false, StatusCode::OK)
        }
        LinkUse::Expired | LinkUse::Unknown => {
            let fresh_action = Some(format!("/feedback/t/{token}/fresh"));
            link_page(page, "expired", fresh_action, StatusCode::GONE)
        }
    }
}

fn link_page(
    page: Page,
    state: &'static str,
    fresh_action: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    Ok(private(html_with_status(
        status,
        &LinkPage {
            page,
            state,
            fresh_action,
        },
    )?))
}

async fn fresh_link(
    state: web::Data<AppState>,
    page: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let policy = state.feedback_policy();
    let secret = token.into_inner();
    let lookup = secret.clone();
    // A read first: an unknown link, or one whose request is closed, never reaches the
    // writer. The answer is the same either way.
    let due = state
        .db
        .read_quick(move |conn| requests::fresh_link_due(conn, &lookup, crate::db::now()))
        .await?;
    if due.is_some() {
        state
            .db
            .write(move |conn| requests::fresh_link(conn, &secret, &policy, crate::db::now()))
            .await?;
    }
    link_page(page, "sent", None, StatusCode::OK)
}

// ---------------------------------------------------------------------------------------
// The form

/// The viewer of request `id` and, if they may see it, everything its form shows: one
/// trip to the database.
async fn open_request(
    state: &AppState,
    req: &HttpRequest,
    ctx: &RequestContext,
    request_id: i64,
) -> Result<Option<(Viewer, RequestView)>, AppError> {
    let secret = req
        .cookie(FORM_SESSION_COOKIE)
        .map(|c| c.value().to_owned());
    let user = ctx
        .session
        .as_ref()
        .map(|s| (s.user.role, s.user.dealer_id));
    state
        .db
        .read_quick(move |conn| views::open_request(conn, secret.as_deref(), user, request_id))
        .await
}

#[derive(Template)]
#[template(path = "feedback/form.html")]
struct FormPage {
    page: Page,
    view: RequestView,
    form: FeedbackForm,
    errors: Errors,
    editable: bool,
    progress: Completeness,
    submitted: bool,
    outcomes: Vec<&'static str>,
    lost_reasons: Vec<&'static str>,
    factors: Vec<&'static str>,
    first_heard: Vec<&'static str>,
    currencies: Vec<&'static str>,
}

impl FormPage {
    /// `shown` when the field group applies to the outcome chosen so far (for browsers
    /// that cannot reveal it themselves).
    fn shown(&self, outcomes: &str) -> &'static str {
        let chosen = match self.form.chosen_outcome() {
            Some(Outcome::Won) => 'w',
            Some(Outcome::Lost) => 'l',
            Some(Outcome::StillOpen) => 'o',
            Some(Outcome::Unreached) => 'u',
            None => return "",
        };
        if outcomes.contains(chosen) {
            " shown"
        } else {
            ""
        }
    }

    fn checked(&self, list: &[String], value: &str) -> bool {
        list.iter().any(|v| v == value)
    }

    fn label(&self, group: &str, code: impl std::fmt::Display) -> String {
        self.page.t(&format!("feedback-{group}-{code}"))
    }

    fn customer(&self) -> String {
        self.view.lead.customer()
    }

    /// "4 of 6 answered".
    fn progress_text(&self) -> String {
        self.page.locale.t_args(
            "feedback-progress",
            &[
                ("answered", i64::from(self.progress.answered).into()),
                ("applicable", i64::from(self.progress.applicable).into()),
            ],
        )
    }

    fn closed(&self) -> bool {
        !self.view.request.is_open(crate::db::now())
    }

    fn until(&self) -> String {
        self.page.datetime(&self.view.request.closes_at)
    }

    fn percent(&self) -> i64 {
        self.view
            .answers
            .as_ref()
            .and_then(|a| a.completeness_permille)
            .map_or(0, |p| i64::from(p) / 10)
    }

    fn revenue(&self) -> String {
        self.view.answers.as_ref().map_or_else(
            || "—".into(),
            |row| self.page.money_in(row.revenue_cents, row.currency.as_str()),
        )
    }

    fn list_labels(&self, group: &str, list: &[String]) -> String {
        if list.is_empty() {
            return "—".into();
        }
        list.iter()
            .map(|c| self.label(group, c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn render_form(
    page: Page,
    view: RequestView,
    form: Option<FeedbackForm>,
    errors: Errors,
    editable: bool,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let form = form.unwrap_or_else(|| {
        view.answers
            .as_ref()
            .map(|row| FeedbackForm::from_row(row, page.locale))
            .unwrap_or_default()
    });
    let progress = progress_of(&view, &form, &page);
    let submitted = view.request.submitted_at.is_some();
    let editable = editable && view.request.is_open(crate::db::now());
    Ok(private(html_with_status(
        status,
        &FormPage {
            page,
            view,
            form,
            errors,
            editable,
            progress,
            submitted,
            outcomes: Outcome::codes(),
            lost_reasons: LostReason::codes(),
            factors: DecisionFactor::codes(),
            first_heard: FirstHeard::codes(),
            currencies: Currency::codes(),
        },
    )?))
}

/// The progress line: how many of the fields that apply are answered as the form stands;
/// a form with mistakes counts what was last saved.
fn progress_of(view: &RequestView, form: &FeedbackForm, page: &Page) -> Completeness {
    match form::check(form, &view.form_context(page.locale, page.tz), false) {
        Ok(answers) => answers.completeness(),
        Err(_) => view
            .answers
            .as_ref()
            .map(Answers::from_row)
            .unwrap_or_default()
            .completeness(),
    }
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    page: Page,
    ctx: RequestContext,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let Some((who, view)) = open_request(&state, &req, &ctx, id).await? else {
        return link_page(page, "ended", None, StatusCode::GONE);
    };
    if who != Viewer::Staff && view.lead_moved() {
        return link_page(page, "reassigned", None, StatusCode::CONFLICT);
    }
    render_form(
        page,
        view,
        None,
        Errors::default(),
        who != Viewer::Staff,
        StatusCode::OK,
    )
}

async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    page: Page,
    ctx: RequestContext,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (who, view) = match open_request(&state, &req, &ctx, id).await? {
        None => return link_page(page, "ended", None, StatusCode::GONE),
        Some((Viewer::Staff, _)) => return Err(AppError::Forbidden),
        Some(found) => found,
    };
    let (typed, action) = FeedbackForm::from_urlencoded(&body);
    let submitting = action == "submit";
    let context = view.form_context(page.locale, page.tz);
    let answers = match form::check(&typed, &context, submitting) {
        Ok(answers) => answers,
        Err(errors) => {
            let errors = Errors::translate(&errors, page.locale);
            return render_form(
                page,
                view,
                Some(typed),
                errors,
                true,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let actor = who.actor(ctx.session.as_ref().map(|s| &s.user), &ctx.client.ip);
    let rules = feedback::SubmissionRules {
        score: state.score_rule(),
        attribution: state.attribution(),
    };
    let saved = state
        .db
        .write(move |conn| {
            feedback::save(
                conn,
                id,
                &answers,
                submitting,
                &actor,
                &rules,
                crate::db::now(),
            )
        })
        .await?;
    let notice = match saved {
        Saved::Reassigned => return link_page(page, "reassigned", None, StatusCode::CONFLICT),
        Saved::Closed => "notice-feedback-closed",
        Saved::Draft => "notice-feedback-saved",
        Saved::Submitted { .. } => "notice-feedback-submitted",
    };
    Ok(private(see_other_with_notice(
        &format!("/feedback/{id}"),
        notice,
        state.settings.served_over_tls(),
    )))
}

// ---------------------------------------------------------------------------------------
// The dealer's list

#[derive(Template)]
#[template(path = "dealer/feedback.html")]
struct DealerListPage {
    page: Page,
    lines: Vec<RequestLine>,
    now: NaiveDateTime,
}

impl DealerListPage {
    fn of(&self, state: &str) -> Vec<&RequestLine> {
        self.lines
            .iter()
            .filter(|l| l.state(self.now) == state)
            .collect()
    }
}

async fn dealer_list(
    state: web::Data<AppState>,
    page: Page,
    DealerUser { dealer_id, .. }: DealerUser,
) -> Result<HttpResponse, AppError> {
    let lines = state
        .db
        .read_quick(move |conn| views::dealer_requests(conn, dealer_id))
        .await?;
    super::html(&DealerListPage {
        page,
        lines,
        now: crate::db::now(),
    })
}
