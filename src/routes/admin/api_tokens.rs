//! API tokens for machine clients: list, create (the secret is shown once, on the response
//! to the form, never in a URL or a cookie) and revoke.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::AppError;
use crate::models::api_token::ApiToken;
use crate::routes::{html_with_status, see_other_with_notice};
use crate::services::api_tokens;
use crate::services::validation::FormError;
use crate::web::page::Errors;
use crate::web::{Admin, AppState, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/admin/api-tokens", list)
        .post("/admin/api-tokens", create)
        .post("/admin/api-tokens/{id}/revoke", revoke);
}

/// The new-token form as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Template)]
#[template(path = "admin/api_tokens.html")]
struct TokenListPage {
    page: Page,
    tokens: Vec<ApiToken>,
    form: TokenForm,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "admin/api_token_created.html")]
struct TokenCreatedPage {
    page: Page,
    name: String,
    source: String,
    secret: String,
}

/// The list page; `status` is 422 when the form comes back with errors.
async fn list_page(
    state: &AppState,
    page: Page,
    form: TokenForm,
    errors: Errors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let tokens = state.db.read(api_tokens::list).await?;
    html_with_status(
        status,
        &TokenListPage {
            page,
            tokens,
            form,
            errors,
        },
    )
}

async fn list(
    state: web::Data<AppState>,
    page: Page,
    _admin: Admin,
) -> Result<HttpResponse, AppError> {
    list_page(
        &state,
        page,
        TokenForm::default(),
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

async fn create(
    state: web::Data<AppState>,
    page: Page,
    admin: Admin,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let actor = admin.actor();
    let form = form.into_inner();
    let submitted = form.clone();
    let result = state
        .db
        .write(move |conn| api_tokens::issue(conn, &actor, &submitted.name, &submitted.source))
        .await;
    match result {
        Ok(issued) => {
            let source = match form.source.trim() {
                "" => api_tokens::DEFAULT_SOURCE.to_owned(),
                s => s.to_owned(),
            };
            let body = TokenCreatedPage {
                page,
                name: form.name.trim().to_owned(),
                source,
                secret: issued.secret,
            }
            .render()?;
            // The secret is in this body only: never cached, never sent on as a referrer.
            Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::REFERRER_POLICY, "no-referrer"))
                .body(body))
        }
        Err(FormError::Invalid(errors)) => {
            let errors = Errors::translate(&errors, page.locale);
            list_page(&state, page, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(FormError::App(e)) => Err(e),
    }
}

async fn revoke(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = admin.actor();
    state
        .db
        .write(move |conn| api_tokens::revoke(conn, &actor, id))
        .await?;
    Ok(see_other_with_notice(
        "/admin/api-tokens",
        "notice-api-token-revoked",
        state.settings.served_over_tls(),
    ))
}
