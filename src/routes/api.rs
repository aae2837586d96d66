//! The JSON API for machine clients (bearer token): lead intake and lead status.
//! The paths and fields here are an external contract (`DESIGN.md`): keep them stable.
//! Its OpenAPI document is generated from the handlers and the service's types
//! ([`openapi`]).

pub mod openapi;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

use crate::error::AppError;
use crate::models::api_token::ApiToken;
use crate::services::api_tokens;
use crate::services::intake::added::AddedResults;
use crate::services::intake::contract::{ApiProblem, LeadResult, LeadView, Submitted};
use crate::services::intake::{self, IntakeError};
use crate::web::AppState;

/// Largest request body for the intake API (a full batch of 1,000 leads fits easily).
pub const MAX_API_BODY: usize = 8 * 1024 * 1024;

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .post_up_to("/api/v1/leads", MAX_API_BODY, post_leads)
        .get("/api/v1/openapi.json", openapi::document)
        .get("/api/v1/leads/{external_id}", get_lead)
        .post_up_to(
            "/api/v1/leads/{external_id}/touchpoints",
            MAX_API_BODY,
            post_touchpoints,
        );
}

/// The answer to a request the API did not carry out: a client error as an
/// [`ApiProblem`], a server-side failure as every other [`AppError`].
fn refused(error: IntakeError) -> Result<HttpResponse, AppError> {
    let status = match &error {
        IntakeError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        IntakeError::MalformedJson(_) => StatusCode::BAD_REQUEST,
        IntakeError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        IntakeError::BatchTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        IntakeError::LeadNotFound => StatusCode::NOT_FOUND,
        IntakeError::App(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    match (error.problem(), error) {
        (Some(problem), _) => Ok(HttpResponse::build(status).json(problem)),
        (None, IntakeError::App(e)) => Err(e),
        (None, other) => Err(AppError::Internal(anyhow::anyhow!("{other}"))),
    }
}

/// The machine client behind a valid bearer token.
pub struct ApiClient(pub ApiToken);

impl FromRequest for ApiClient {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|s| s.trim().to_owned());
        Box::pin(async move {
            let unauthorized = || {
                let mut res = HttpResponse::Unauthorized().json(ApiProblem::new(
                    "unauthorized",
                    "a valid bearer token is required",
                ));
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
                actix_web::error::InternalError::from_response("unauthorized", res).into()
            };
            // A malformed token is refused before any database access, and a well-formed
            // one is looked up with a read: nothing unauthenticated touches the writer.
            let (Some(state), Some(secret)) = (state, secret) else {
                return Err(unauthorized());
            };
            if !api_tokens::is_well_formed(&secret) {
                return Err(unauthorized());
            }
            let token = state
                .db
                .read_quick(move |conn| api_tokens::find_active(conn, &secret))
                .await
                .map_err(actix_web::Error::from)?;
            if let Some(token) = &token
                && api_tokens::use_is_stale(token, crate::db::now())
            {
                let id = token.id;
                let recorded = state
                    .db
                    .write(move |conn| api_tokens::record_use(conn, id, crate::db::now()))
                    .await;
                // When it was last used is a hint for administrators: a busy writer must
                // not fail the request for it.
                if let Err(e) = recorded {
                    tracing::warn!(error = %e, token = id, "API token use not recorded");
                }
            }
            token.map(ApiClient).ok_or_else(unauthorized)
        })
    }
}

/// `POST /api/v1/leads`: one lead object, or `{"leads": [...]}` with up to 1,000.
#[utoipa::path(
    post,
    path = "/api/v1/leads",
    summary = "Push one lead, or a batch of up to 1,000",
    request_body(content = intake::input::IntakeBody, content_type = "application/json"),
    responses(
        (status = 200, body = Submitted, description = "A batch (one result per lead, good ones stored), or a single lead already received with the same content."),
        (status = 201, body = LeadResult, description = "The lead was stored (and, with consent, offered)."),
        (status = 400, body = ApiProblem, description = "Malformed JSON (with line and column)."),
        (status = 401, body = ApiProblem, description = "Missing, wrong or revoked token."),
        (status = 409, body = LeadResult, description = "Same external_id, different content."),
        (status = 413, body = ApiProblem, description = "More than 1,000 leads (with this body), or a body over 8 MiB."),
        (status = 415, body = ApiProblem, description = "Not application/json."),
        (status = 422, body = openapi::Unprocessable, description = "Invalid lead: every problem with its field path; or a body that is not a lead or a batch."),
    ),
    security(("bearer" = [])),
)]
async fn post_leads(
    state: web::Data<AppState>,
    client: ApiClient,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if !is_json(&req) {
        return refused(IntakeError::UnsupportedMediaType);
    }
    let source = client.0.source.clone();
    let submitted = match intake::submit(&state.db, source, state.offer_policy(), &body).await {
        Ok(submitted) => submitted,
        Err(error) => return refused(error),
    };
    let status = match &submitted {
        Submitted::Batch(_) | Submitted::One(LeadResult::Duplicate(_)) => StatusCode::OK,
        Submitted::One(LeadResult::Created(_)) => StatusCode::CREATED,
        Submitted::One(LeadResult::Conflict(_)) => StatusCode::CONFLICT,
        Submitted::One(LeadResult::Invalid(_)) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok(HttpResponse::build(status).json(submitted))
}

/// Whether the request says its body is JSON.
fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// `POST /api/v1/leads/{external_id}/touchpoints`: touchpoints after handover.
#[utoipa::path(
    post,
    path = "/api/v1/leads/{external_id}/touchpoints",
    summary = "Append touchpoints that happened after the lead was handed over",
    description = "A webinar, a trade-fair visit, a nurturing email: appended to the lead's journey (never replacing what is there). Send one touchpoint, or `{\"touchpoints\": [...]}` with up to 200. Each carries your own `touchpoint_id`: re-sending it with the same content is harmless (`duplicate`), with different content it is a `conflict` and nothing changes. A touchpoint that reaches a lead already won re-credits its revenue under every attribution model.",
    params(("external_id" = String, Path, description = "The lead's id at its source.")),
    request_body(content = intake::input::RawAddedTouchpoints, content_type = "application/json"),
    responses(
        (status = 200, body = AddedResults, description = "Several touchpoints (one result each, good ones stored), or one already received with the same content."),
        (status = 201, body = AddedResults, description = "The touchpoint was appended."),
        (status = 400, body = ApiProblem, description = "Malformed JSON (with line and column)."),
        (status = 401, body = ApiProblem, description = "Missing, wrong or revoked token."),
        (status = 404, body = ApiProblem, description = "No lead with this external_id from this token's source."),
        (status = 409, body = AddedResults, description = "The touchpoint_id was received before with different content."),
        (status = 415, body = ApiProblem, description = "Not application/json."),
        (status = 422, body = AddedResults, description = "Invalid touchpoint: every problem with its field path; or a body that is not a touchpoint or a list of them."),
    ),
    security(("bearer" = [])),
)]
async fn post_touchpoints(
    state: web::Data<AppState>,
    client: ApiClient,
    req: HttpRequest,
    external_id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if !is_json(&req) {
        return refused(IntakeError::UnsupportedMediaType);
    }
    let source = client.0.source.clone();
    let added = intake::added::add(
        &state.db,
        source,
        external_id.into_inner(),
        &body,
        state.attribution(),
    )
    .await;
    match added {
        Ok(results) => {
            let status = StatusCode::from_u16(results.status()).unwrap_or(StatusCode::OK);
            Ok(HttpResponse::build(status).json(results))
        }
        Err(error) => refused(error),
    }
}

/// `GET /api/v1/leads/{external_id}`: status, assignment history and outcome.
#[utoipa::path(
    get,
    path = "/api/v1/leads/{external_id}",
    summary = "A lead's status, assignment history, touchpoints and outcome",
    params(("external_id" = String, Path, description = "The lead's id at its source.")),
    responses(
        (status = 200, body = LeadView, description = "The lead."),
        (status = 401, body = ApiProblem, description = "Missing, wrong or revoked token."),
        (status = 404, body = ApiProblem, description = "No lead with this external_id from this token's source."),
    ),
    security(("bearer" = [])),
)]
async fn get_lead(
    state: web::Data<AppState>,
    client: ApiClient,
    external_id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let source = client.0.source.clone();
    match intake::find_lead(&state.db, source, external_id.into_inner()).await {
        Ok(record) => Ok(HttpResponse::Ok().json(record.view())),
        Err(error) => refused(error),
    }
}
