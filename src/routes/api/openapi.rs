//! The OpenAPI document of the lead API, generated from the handlers' `#[utoipa::path]`
//! and the service's request and answer types, so it cannot drift from the code.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::services::intake::contract::{ApiProblem, LeadResult};
use crate::services::intake::input::RefuseUnknownFields;

/// The body of a 422: one lead's problems, or a body that is not a lead or a batch.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum Unprocessable {
    Lead(LeadResult),
    Request(ApiProblem),
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "dealerloop lead API",
        version = "1.0.0",
        description = "Push qualified leads (with their marketing touchpoints) to the dealer network, append the touchpoints that happen after handover, and read back their status. Authenticate with `Authorization: Bearer <token>`; an admin issues tokens in the portal or with `dealerloop token add --name NAME`.",
    ),
    paths(super::post_leads, super::get_lead, super::post_touchpoints),
    security(("bearer" = [])),
    modifiers(&BearerToken, &RefuseUnknownFields),
)]
struct LeadApi;

/// The bearer scheme of [`super::ApiClient`] (the derive cannot say it).
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, doc: &mut Document) {
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
    }
}

/// The document as JSON.
pub fn json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| LeadApi::openapi().to_json().unwrap_or_default())
}

/// `GET /api/v1/openapi.json` (public: it holds no data).
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(json())
}
