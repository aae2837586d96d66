//! Passwords: the logged-in user's change, "forgot password", and the pages behind an
//! emailed link that set a password (a reset or an invitation).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{echoed_email, retry_message, session_response_with_notice, too_many_attempts};
use crate::error::AppError;
use crate::routes::{html, html_with_status, no_referrer, see_other_with_notice};
use crate::services::auth::{self, NewSession, PasswordError, TypedPassword};
use crate::services::tokens::TokenPurpose;
use crate::web::page::Errors;
use crate::web::{AppState, CurrentUser, Page, RequestContext};

pub(super) fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/account/password", change_password_form)
        .post("/account/password", change_password)
        .get("/password/forgot", forgot_form)
        .post("/password/forgot", forgot)
        .get("/password/reset/{token}", link_form::<ResetLink>)
        .post("/password/reset/{token}", link_submit::<ResetLink>)
        .get("/invite/{token}", link_form::<InvitationLink>)
        .post("/invite/{token}", link_submit::<InvitationLink>);
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
    #[serde(flatten)]
    new: TypedPassword,
}

/// The change form again, with what was wrong: next to a field, or "too many attempts"
/// (a 429) when the change must wait `retry_after`.
fn refused(
    page: Page,
    errors: Errors,
    retry_after: Option<chrono::TimeDelta>,
) -> Result<HttpResponse, AppError> {
    let error = retry_after.map(|wait| retry_message(&page, wait));
    let form = ChangePasswordPage {
        page,
        errors,
        error,
    };
    match retry_after {
        Some(wait) => too_many_attempts(&form, wait),
        None => html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &form),
    }
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
        &form.new,
        ctx.client.clone(),
    )
    .await;
    match result {
        Ok(secret) => session_response_with_notice(
            &state,
            user.0.user.role.home_path(),
            NewSession {
                secret,
                role: user.0.user.role,
            },
            "notice-password-changed",
        ),
        Err(PasswordError::WrongCurrent) => {
            let errors = Errors::one("current_password", "error-current-password", page.locale);
            refused(page, errors, None)
        }
        Err(PasswordError::Invalid(key)) => {
            let errors = Errors::one("new_password", key, page.locale);
            refused(page, errors, None)
        }
        Err(PasswordError::Throttled { retry_after }) => {
            refused(page, Errors::default(), Some(retry_after))
        }
        Err(PasswordError::App(e)) => Err(e),
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

/// A kind of emailed link that sets a password: its purpose, message-key prefix and path.
trait PasswordLink {
    const PURPOSE: TokenPurpose;
    /// The message-key prefix of its pages (`reset-title`).
    const KIND: &'static str;
    /// Its path, before the token.
    const PREFIX: &'static str;
}

/// The link in a "forgot password" email.
struct ResetLink;

impl PasswordLink for ResetLink {
    const PURPOSE: TokenPurpose = TokenPurpose::PasswordReset;
    const KIND: &'static str = "reset";
    const PREFIX: &'static str = "/password/reset/";
}

/// The link in an invitation to a new account.
struct InvitationLink;

impl PasswordLink for InvitationLink {
    const PURPOSE: TokenPurpose = TokenPurpose::Invitation;
    const KIND: &'static str = "invite";
    const PREFIX: &'static str = "/invite/";
}

/// The form to choose a password behind link `token` of kind `L`.
fn set_password_page<L: PasswordLink>(
    page: Page,
    email: String,
    token: &str,
    errors: Errors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    Ok(no_referrer(html_with_status(
        status,
        &SetPasswordPage {
            page,
            kind: L::KIND,
            email,
            action: format!("{}{token}", L::PREFIX),
            errors,
        },
    )?))
}

async fn link_form<L: PasswordLink>(
    state: web::Data<AppState>,
    page: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let user = auth::check_link(&state.db, token.clone(), L::PURPOSE).await?;
    set_password_page::<L>(page, user.email, &token, Errors::default(), StatusCode::OK)
}

async fn link_submit<L: PasswordLink>(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    token: web::Path<String>,
    typed: web::Form<TypedPassword>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let result = auth::set_password_from_link(
        &state.db,
        state.session_policy(),
        token.clone(),
        L::PURPOSE,
        &typed,
        ctx.client.clone(),
    )
    .await;
    match result {
        Ok(Some(session)) => {
            let home = session.role.home_path();
            Ok(no_referrer(session_response_with_notice(
                &state,
                home,
                session,
                "notice-welcome",
            )?))
        }
        Ok(None) => Ok(no_referrer(see_other_with_notice(
            "/login",
            "notice-password-reset",
            state.settings.served_over_tls(),
        ))),
        Err(PasswordError::Invalid(key)) => {
            let user = auth::check_link(&state.db, token.clone(), L::PURPOSE).await?;
            let errors = Errors::one("new_password", key, page.locale);
            set_password_page::<L>(
                page,
                user.email,
                &token,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(PasswordError::App(e)) => Err(e),
        // Only a change checks a current password or counts attempts.
        Err(e @ (PasswordError::WrongCurrent | PasswordError::Throttled { .. })) => Err(
            AppError::Internal(anyhow::anyhow!("unexpected answer to a link: {e}")),
        ),
    }
}
