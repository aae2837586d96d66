//! Logging in and out, passwords (change, forgotten, invitation) and the language switch.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{html, html_with_status, local_path, see_other, see_other_with_notice};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::user::User;
use crate::services::auth::{self, LoginOutcome, NewSession, PasswordChangeError};
use crate::services::tokens::{TokenPurpose, hash_secret};
use crate::web::page::Errors;
use crate::web::request_context::{cookie, removal_cookie};
use crate::web::{AppState, CurrentUser, LOCALE_COOKIE, Page, RequestContext, SESSION_COOKIE};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/", root)
        .get("/login", login_form)
        .post("/login", login)
        .post("/logout", logout)
        .post("/locale", switch_locale)
        .get("/account/password", change_password_form)
        .post("/account/password", change_password)
        .get("/password/forgot", forgot_form)
        .post("/password/forgot", forgot)
        .get("/password/reset/{token}", reset_form)
        .post("/password/reset/{token}", reset)
        .get("/invite/{token}", invite_form)
        .post("/invite/{token}", accept_invite);
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
    error: Option<String>,
    /// A message next to the email field (an address that cannot be one).
    email_error: Option<String>,
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
    let minutes = (retry_after.num_seconds() + 59) / 60;
    page.t1("login-throttled", "minutes", minutes)
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
        let error = Some(page.t("login-missing"));
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
    .await?;
    match outcome {
        LoginOutcome::LoggedIn(session) => {
            let home = session.role.home_path();
            let target = if next.is_empty() {
                home.to_owned()
            } else {
                next
            };
            Ok(session_response(&state, &target, session))
        }
        LoginOutcome::InvalidCredentials => {
            let error = Some(page.t("login-invalid"));
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LoginPage {
                    page,
                    email,
                    next,
                    error,
                    email_error: None,
                },
            )
        }
        LoginOutcome::MalformedEmail(key) => {
            let email_error = Some(page.t(key));
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LoginPage {
                    page,
                    email: echoed_email(email),
                    next,
                    error: None,
                    email_error,
                },
            )
        }
        LoginOutcome::Throttled { retry_after } => {
            let error = Some(retry_message(&page, retry_after));
            too_many_attempts(
                &LoginPage {
                    page,
                    email,
                    next,
                    error,
                    email_error: None,
                },
                retry_after,
            )
        }
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

#[derive(Template)]
#[template(path = "account/password.html")]
struct ChangePasswordPage {
    page: Page,
    errors: Errors,
    /// A message for the whole form ("too many attempts").
    error: Option<String>,
}

async fn change_password_form(page: Page, _user: CurrentUser) -> Result<HttpResponse, AppError> {
    html(&ChangePasswordPage {
        page,
        errors: Errors::default(),
        error: None,
    })
}

#[derive(Deserialize)]
struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn change_password(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    user: CurrentUser,
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let result = auth::change_password(
        &state.db,
        state.session_policy(),
        &user.0,
        form.current_password,
        &form.new_password,
        &form.confirm_password,
        ctx.client.clone(),
    )
    .await?;
    match result {
        Ok(secret) => {
            let mut res = session_response(
                &state,
                user.0.user.role.home_path(),
                NewSession {
                    secret,
                    role: user.0.user.role,
                },
            );
            res.add_cookie(&cookie(
                crate::web::FLASH_COOKIE,
                "notice-password-changed".into(),
                state.settings.served_over_tls(),
            ))
            .map_err(|e| AppError::Internal(e.into()))?;
            Ok(res)
        }
        Err(PasswordChangeError::WrongCurrent) => {
            let errors = Errors::one("current_password", "error-current-password", page.locale);
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ChangePasswordPage {
                    page,
                    errors,
                    error: None,
                },
            )
        }
        Err(PasswordChangeError::Invalid(key)) => {
            let errors = Errors::one("new_password", key, page.locale);
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ChangePasswordPage {
                    page,
                    errors,
                    error: None,
                },
            )
        }
        Err(PasswordChangeError::Throttled { retry_after }) => {
            let error = Some(retry_message(&page, retry_after));
            too_many_attempts(
                &ChangePasswordPage {
                    page,
                    errors: Errors::default(),
                    error,
                },
                retry_after,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage {
    page: Page,
    email: String,
    sent: bool,
    error: Option<String>,
}

async fn forgot_form(page: Page) -> Result<HttpResponse, AppError> {
    html(&ForgotPage {
        page,
        email: String::new(),
        sent: false,
        error: None,
    })
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let email = form.into_inner().email;
    if let Err(key) = crate::domain::EmailAddress::parse(&email) {
        let error = Some(page.t(key));
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotPage {
                page,
                email: echoed_email(email),
                sent: false,
                error,
            },
        );
    }
    auth::request_password_reset(
        &state.db,
        &email,
        state.base_url.to_string(),
        ctx.client.ip.clone(),
        page.locale,
    )
    .await?;
    state.mail.wake();
    // The same answer whether or not the address has an account.
    html(&ForgotPage {
        page,
        email,
        sent: true,
        error: None,
    })
}

#[derive(Template)]
#[template(path = "auth/set_password.html")]
struct SetPasswordPage {
    page: Page,
    /// `reset` or `invite`: which link this is.
    kind: &'static str,
    email: String,
    action: String,
    errors: Errors,
}

impl SetPasswordPage {
    /// The message key for this kind of link, e.g. `reset-title`.
    fn key(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.kind)
    }
}

/// The message-key prefix and the path of each kind of emailed link.
fn link_kind(purpose: TokenPurpose) -> (&'static str, &'static str) {
    match purpose {
        TokenPurpose::PasswordReset => ("reset", "/password/reset/"),
        TokenPurpose::Invitation => ("invite", "/invite/"),
    }
}

/// Pages reached through an emailed link send no referrer, so the token never leaks.
fn no_referrer(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    res
}

async fn link_form(
    state: &AppState,
    page: Page,
    token: String,
    purpose: TokenPurpose,
) -> Result<HttpResponse, AppError> {
    let (kind, prefix) = link_kind(purpose);
    let user = auth::check_link(&state.db, token.clone(), purpose).await?;
    Ok(no_referrer(html(&SetPasswordPage {
        page,
        kind,
        email: user.email,
        action: format!("{prefix}{token}"),
        errors: Errors::default(),
    })?))
}

#[derive(Deserialize)]
struct SetPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn link_submit(
    state: &AppState,
    page: Page,
    ctx: RequestContext,
    token: String,
    purpose: TokenPurpose,
    form: SetPasswordForm,
) -> Result<HttpResponse, AppError> {
    let result = auth::set_password_from_link(
        &state.db,
        state.session_policy(),
        token.clone(),
        purpose,
        &form.new_password,
        &form.confirm_password,
        ctx.client.clone(),
    )
    .await?;
    let secure = state.settings.served_over_tls();
    match result {
        Ok(Some(session)) => {
            let home = session.role.home_path();
            let mut res = session_response(state, home, session);
            res.add_cookie(&cookie(
                crate::web::FLASH_COOKIE,
                "notice-welcome".into(),
                secure,
            ))
            .map_err(|e| AppError::Internal(e.into()))?;
            Ok(no_referrer(res))
        }
        Ok(None) => Ok(no_referrer(see_other_with_notice(
            "/login",
            "notice-password-reset",
            secure,
        ))),
        Err(key) => {
            let user = auth::check_link(&state.db, token.clone(), purpose).await?;
            let (kind, prefix) = link_kind(purpose);
            let errors = Errors::one("new_password", key, page.locale);
            Ok(no_referrer(html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetPasswordPage {
                    page,
                    kind,
                    email: user.email,
                    action: format!("{prefix}{token}"),
                    errors,
                },
            )?))
        }
    }
}

async fn reset_form(
    state: web::Data<AppState>,
    page: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    link_form(
        &state,
        page,
        token.into_inner(),
        TokenPurpose::PasswordReset,
    )
    .await
}

async fn reset(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    token: web::Path<String>,
    form: web::Form<SetPasswordForm>,
) -> Result<HttpResponse, AppError> {
    link_submit(
        &state,
        page,
        ctx,
        token.into_inner(),
        TokenPurpose::PasswordReset,
        form.into_inner(),
    )
    .await
}

async fn invite_form(
    state: web::Data<AppState>,
    page: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    link_form(&state, page, token.into_inner(), TokenPurpose::Invitation).await
}

async fn accept_invite(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    token: web::Path<String>,
    form: web::Form<SetPasswordForm>,
) -> Result<HttpResponse, AppError> {
    link_submit(
        &state,
        page,
        ctx,
        token.into_inner(),
        TokenPurpose::Invitation,
        form.into_inner(),
    )
    .await
}
