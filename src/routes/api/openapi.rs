//! The OpenAPI document of the lead API, generated from the handlers' `#[utoipa::path]`
//! and the service's request and answer types, so it cannot drift from the code.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use utoipa::openapi::schema::AdditionalProperties;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr, Schema};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::services::intake::contract::{ApiProblem, LeadResult};
use crate::services::intake::input::REFUSE_UNKNOWN_FIELDS;

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
        description = "Push qualified leads (with their marketing touchpoints) to the dealer network and read back their status. Authenticate with `Authorization: Bearer <token>`; an admin issues tokens in the portal or with `dealerloop token add --name NAME`.",
    ),
    paths(super::post_leads, super::get_lead),
    security(("bearer" = [])),
    modifiers(&Contract),
)]
struct LeadApi;

/// What the derive cannot say: the bearer scheme, and that the lead's objects refuse
/// fields they do not know ([`REFUSE_UNKNOWN_FIELDS`]).
struct Contract;

impl Modify for Contract {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for name in REFUSE_UNKNOWN_FIELDS {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
                object.additional_properties =
                    Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
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
