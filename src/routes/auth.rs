//! Logging in and out and the language switch; passwords (change, forgotten, invitation)
//! in [`passwords`].

mod passwords;

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{html, html_with_status, local_path, see_other};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::user::User;
use crate::services::auth::{self, LoginError, NewSession};
use crate::services::tokens::hash_secret;
use crate::web::request_context::{cookie, removal_cookie};
use crate::web::{AppState, LOCALE_COOKIE, Page, RequestContext, SESSION_COOKIE};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/", root)
        .get("/login", login_form)
        .post("/login", login)
        .post("/logout", logout)
        .post("/locale", switch_locale);
    passwords::configure(routes);
}

async fn root(ctx: RequestContext) -> HttpResponse {
    match ctx.session {
        Some(s) => see_other(s.user.role.home_path()),
        None => see_other("/login"),
    }
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    page: Page,
    email: String,
    next: String,
    error: Option<Refusal>,
    /// A message next to the email field (an address that cannot be one).
    email_error: Option<Refusal>,
}

/// Why the login form came back: the message, its key (shown as a stable marker) and, when
/// throttled, the minutes to wait.
struct Refusal {
    key: crate::domain::MessageKey,
    text: String,
    retry_minutes: Option<i64>,
}

impl Refusal {
    fn new(page: &Page, key: crate::domain::MessageKey) -> Self {
        Self {
            key,
            text: page.t(key),
            retry_minutes: None,
        }
    }

    fn throttled(page: &Page, retry_after: chrono::TimeDelta) -> Self {
        Self {
            key: "login-throttled",
            text: retry_message(page, retry_after),
            retry_minutes: Some(retry_minutes(retry_after)),
        }
    }
}

/// What a form shows back of the email typed: nothing when it is too long to be an
/// address (254 characters), so a 200 KiB paste is not sent back.
fn echoed_email(email: String) -> String {
    if email.trim().chars().count() > 254 {
        String::new()
    } else {
        email
    }
}

/// The "too many attempts" answer: status 429 with `Retry-After` in seconds.
fn too_many_attempts(
    template: &impl Template,
    retry_after: chrono::TimeDelta,
) -> Result<HttpResponse, AppError> {
    let mut res = html_with_status(StatusCode::TOO_MANY_REQUESTS, template)?;
    res.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(retry_after.num_seconds().max(1)),
    );
    Ok(res)
}

/// "Try again in N minutes", rounded up.
fn retry_message(page: &Page, retry_after: chrono::TimeDelta) -> String {
    page.t1("login-throttled", "minutes", retry_minutes(retry_after))
}

fn retry_minutes(retry_after: chrono::TimeDelta) -> i64 {
    (retry_after.num_seconds() + 59) / 60
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_form(
    page: Page,
    ctx: RequestContext,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = local_path(&query.next).unwrap_or_default().to_owned();
    if let Some(s) = ctx.session {
        return Ok(see_other(if next.is_empty() {
            s.user.role.home_path()
        } else {
            &next
        }));
    }
    html(&LoginPage {
        page,
        email: String::new(),
        next,
        error: None,
        email_error: None,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn session_response(state: &AppState, location: &str, session: NewSession) -> HttpResponse {
    let mut c = cookie(
        SESSION_COOKIE,
        session.secret,
        state.settings.served_over_tls(),
    );
    c.set_max_age(CookieDuration::seconds(
        state.settings.session_absolute.num_seconds(),
    ));
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_owned()))
        .cookie(c)
        .finish()
}

/// [`session_response`] that also shows `notice` on the page it lands on.
fn session_response_with_notice(
    state: &AppState,
    location: &str,
    session: NewSession,
    notice: &str,
) -> Result<HttpResponse, AppError> {
    let mut res = session_response(state, location, session);
    res.add_cookie(&cookie(
        crate::web::FLASH_COOKIE,
        notice.to_owned(),
        state.settings.served_over_tls(),
    ))
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(res)
}

async fn login(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    req: actix_web::HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        email,
        password,
        next,
    } = form.into_inner();
    let next = local_path(&next).unwrap_or_default().to_owned();
    if email.trim().is_empty() || password.is_empty() {
        let error = Some(Refusal::new(&page, "login-missing"));
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LoginPage {
                page,
                email: echoed_email(email),
                next,
                error,
                email_error: None,
            },
        );
    }
    let previous = req.cookie(SESSION_COOKIE).map(|c| hash_secret(c.value()));
    let outcome = auth::login(
        &state.db,
        state.session_policy(),
        &email,
        password,
        ctx.client.clone(),
        previous,
    )
    .await;
    let (error, email_error, retry_after) = match outcome {
        Ok(session) => {
            let home = session.role.home_path();
            let target = if next.is_empty() {
                home.to_owned()
            } else {
                next
            };
            return Ok(session_response(&state, &target, session));
        }
        Err(LoginError::InvalidCredentials) => {
            (Some(Refusal::new(&page, "login-invalid")), None, None)
        }
        Err(LoginError::MalformedEmail(key)) => (None, Some(Refusal::new(&page, key)), None),
        Err(LoginError::Throttled { retry_after }) => (
            Some(Refusal::throttled(&page, retry_after)),
            None,
            Some(retry_after),
        ),
        Err(LoginError::App(e)) => return Err(e),
    };
    // Only a malformed address can be too long to show back: the others passed the check.
    let form = LoginPage {
        page,
        email: echoed_email(email),
        next,
        error,
        email_error,
    };
    match retry_after {
        Some(retry_after) => too_many_attempts(&form, retry_after),
        None => html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &form),
    }
}

async fn logout(state: web::Data<AppState>, ctx: RequestContext) -> Result<HttpResponse, AppError> {
    if let Some(session) = &ctx.session {
        auth::logout(&state.db, session, &ctx.client.ip).await?;
    }
    let secure = state.settings.served_over_tls();
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, "/login"))
        .cookie(removal_cookie(SESSION_COOKIE, secure))
        .cookie(cookie(
            crate::web::FLASH_COOKIE,
            "notice-logged-out".into(),
            secure,
        ))
        .finish())
}

#[derive(Deserialize)]
struct LocaleForm {
    #[serde(default)]
    locale: String,
    #[serde(default)]
    next: String,
}

/// Saves the chosen language (on the account when logged in, in a cookie always).
async fn switch_locale(
    state: web::Data<AppState>,
    ctx: RequestContext,
    form: web::Form<LocaleForm>,
) -> Result<HttpResponse, AppError> {
    let locale: Locale = form
        .locale
        .parse()
        .map_err(|_| AppError::BadRequest("unknown language".into()))?;
    if let Some(session) = &ctx.session {
        let user_id = session.user.id;
        state
            .db
            .write(move |conn| {
                User::set_locale(conn, user_id, locale.as_str()).map_err(AppError::from)
            })
            .await?;
    }
    let mut c = cookie(
        LOCALE_COOKIE,
        locale.as_str().to_owned(),
        state.settings.served_over_tls(),
    );
    c.set_max_age(CookieDuration::days(365));
    Ok(HttpResponse::SeeOther()
        .insert_header((
            actix_web::http::header::LOCATION,
            local_path(&form.next).unwrap_or("/").to_owned(),
        ))
        .cookie(c)
        .finish())
}
