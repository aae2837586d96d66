//! The JSON API for machine clients (bearer token): lead intake and lead status.
//! The paths and fields here are an external contract (`DESIGN.md`): keep them stable.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::models::api_token::ApiToken;
use crate::models::dealer::Dealer;
use crate::models::lead::LeadRow;
use crate::models::offer::Offer;
use crate::services::api_tokens;
use crate::services::intake::{self, FieldProblem, IntakeOutcome, LeadInput, MAX_BATCH};
use crate::web::AppState;

/// Largest request body for the intake API (a full batch of 1,000 leads fits easily).
pub const MAX_API_BODY: usize = 8 * 1024 * 1024;

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .post_up_to("/api/v1/leads", MAX_API_BODY, post_leads)
        .get("/api/v1/openapi.json", openapi)
        .get("/api/v1/leads/{external_id}", get_lead);
}

/// The OpenAPI description of this API (public: it holds no data).
async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("openapi.json"))
}

/// A JSON error body: `{"error": code, "message": text, …}`.
fn problem(status: StatusCode, code: &str, message: &str, extra: Value) -> HttpResponse {
    let mut body = json!({ "error": code, "message": message });
    if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
        body.extend(extra);
    }
    HttpResponse::build(status).json(body)
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
                let mut res = problem(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "a valid bearer token is required",
                    json!({}),
                );
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

fn time(t: impl Into<NaiveDateTime>) -> String {
    intake::contract_time(t.into())
}

fn dealer_json(dealer: Option<&Dealer>) -> Value {
    dealer.map_or(
        Value::Null,
        |d| json!({ "id": d.id, "code": d.code, "name": d.name }),
    )
}

/// One submitted lead after validation: its `external_id` (if readable) and the result.
type Validated = (Option<String>, Result<LeadInput, Vec<FieldProblem>>);

/// The result of one submitted lead, as returned to the client.
struct LeadResult {
    status: StatusCode,
    body: Value,
}

fn describe(outcome: &IntakeOutcome, dealer: Option<&Dealer>) -> LeadResult {
    let (result, lead, status) = match outcome {
        IntakeOutcome::Created(lead) => ("created", lead, StatusCode::CREATED),
        IntakeOutcome::Duplicate(lead) => ("duplicate", lead, StatusCode::OK),
        IntakeOutcome::Conflict { existing, .. } => ("conflict", existing, StatusCode::CONFLICT),
    };
    let mut body = json!({
        "result": result,
        "id": lead.id,
        "external_id": lead.external_id,
        "status": lead.status,
        "dealer": dealer_json(dealer),
        "unallocated_reason": lead.unallocated_reason,
    });
    if let (IntakeOutcome::Conflict { fields, .. }, Value::Object(map)) = (outcome, &mut body) {
        map.insert(
            "message".into(),
            json!("a lead with this external_id was already received with different content"),
        );
        map.insert("differing_fields".into(), json!(fields));
    }
    LeadResult { status, body }
}

fn invalid(external_id: Option<&str>, problems: &[FieldProblem]) -> LeadResult {
    LeadResult {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        body: json!({ "result": "invalid", "external_id": external_id, "errors": problems }),
    }
}

/// `POST /api/v1/leads`: one lead object, or `{"leads": [...]}` with up to 1,000.
async fn post_leads(
    state: web::Data<AppState>,
    client: ApiClient,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Ok(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the leads as application/json",
            json!({}),
        ));
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return Ok(problem(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                &format!("the body is not valid JSON: {e}"),
                json!({ "line": e.line(), "column": e.column() }),
            ));
        }
    };
    let now = crate::db::now();
    let (items, batch): (Vec<(String, &Value)>, bool) = match &value {
        Value::Object(map) if map.contains_key("leads") => {
            if let Some(extra) = map.keys().find(|k| *k != "leads") {
                return Ok(problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    "the batch envelope has an unknown field",
                    json!({ "errors": [{ "field": extra, "message": "unknown field" }] }),
                ));
            }
            match &map["leads"] {
                Value::Array(leads) if leads.len() > MAX_BATCH => {
                    return Ok(problem(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "batch_too_large",
                        &format!(
                            "at most {MAX_BATCH} leads per request; this one has {}",
                            leads.len()
                        ),
                        json!({}),
                    ));
                }
                Value::Array(leads) if leads.is_empty() => {
                    return Ok(problem(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        "the batch is empty",
                        json!({ "errors": [{ "field": "leads", "message": "must contain at least one lead" }] }),
                    ));
                }
                Value::Array(leads) => (
                    leads
                        .iter()
                        .enumerate()
                        .map(|(i, l)| (format!("leads[{i}]"), l))
                        .collect(),
                    true,
                ),
                _ => {
                    return Ok(problem(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        "leads must be an array",
                        json!({ "errors": [{ "field": "leads", "message": "must be an array" }] }),
                    ));
                }
            }
        }
        Value::Object(_) => (vec![(String::new(), &value)], false),
        _ => {
            return Ok(problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "the body must be a lead object or {\"leads\": [...]}",
                json!({}),
            ));
        }
    };

    // Validate everything first, then store the valid leads in one trip to the database.
    let validated: Vec<Validated> = items
        .iter()
        .map(|(path, lead)| {
            let external_id = lead
                .get("external_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            (external_id, intake::validate_lead(lead, path, now))
        })
        .collect();
    let source = client.0.source.clone();
    let policy = state.offer_policy();
    let results = state
        .db
        .write(move |conn| -> Result<Vec<LeadResult>, AppError> {
            // One transaction for the batch, a savepoint per lead: a lead that fails rolls
            // back alone, and the batch costs one commit instead of one per lead. Run again
            // if PostgreSQL picks it to break a deadlock with another instance.
            crate::db::transaction_retrying(conn, |conn| {
                store_batch(conn, &validated, &source, &policy)
            })
        })
        .await?;

    if !batch {
        let LeadResult { status, body } = results
            .into_iter()
            .next()
            .ok_or(AppError::BadRequest("no lead".into()))?;
        return Ok(HttpResponse::build(status).json(body));
    }
    let count = |r: &str| results.iter().filter(|x| x.body["result"] == r).count();
    let summary = json!({
        "created": count("created"),
        "duplicate": count("duplicate"),
        "conflict": count("conflict"),
        "invalid": count("invalid"),
    });
    let results: Vec<Value> = results
        .into_iter()
        .enumerate()
        .map(|(index, mut r)| {
            if let Value::Object(map) = &mut r.body {
                map.insert("index".into(), json!(index));
            }
            r.body
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "summary": summary, "results": results })))
}

/// `GET /api/v1/leads/{external_id}`: status, assignment history and outcome.
async fn get_lead(
    state: web::Data<AppState>,
    client: ApiClient,
    external_id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let source = client.0.source.clone();
    let external_id = external_id.into_inner();
    let found = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let Some(lead) = LeadRow::find_by_external_id(conn, &source, &external_id)? else {
                return Ok(None);
            };
            let offers = Offer::for_lead(conn, lead.id)?;
            let mut dealers = Vec::new();
            for id in offers.iter().map(|o| o.dealer_id).chain(lead.dealer_id) {
                if !dealers.iter().any(|d: &Dealer| d.id == id) {
                    dealers.push(Dealer::find(conn, id)?);
                }
            }
            let touchpoints = LeadRow::touchpoints(conn, lead.id)?;
            Ok(Some((lead, offers, dealers, touchpoints)))
        })
        .await?;
    let Some((lead, offers, dealers, touchpoints)) = found else {
        return Ok(problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "no lead with this external_id from this source",
            json!({}),
        ));
    };
    let dealer = |id: i64| dealers.iter().find(|d| d.id == id);
    let outcome = match lead.status.as_str() {
        "won" | "lost" => json!({ "result": lead.status, "at": time(lead.status_changed_at) }),
        _ => Value::Null,
    };
    Ok(HttpResponse::Ok().json(json!({
        "id": lead.id,
        "external_id": lead.external_id,
        "received_at": time(lead.received_at),
        "status": lead.status,
        "status_changed_at": time(lead.status_changed_at),
        "dealer": dealer_json(lead.dealer_id.and_then(dealer)),
        "unallocated_reason": lead.unallocated_reason,
        "consent": { "share_with_dealers": lead.consent_share },
        "assignments": offers.iter().map(|o| json!({
            "dealer": dealer_json(dealer(o.dealer_id)),
            "status": o.status,
            "offered_at": time(o.offered_at),
            "deadline_at": time(o.deadline_at),
            "responded_at": o.responded_at.map(time),
            "decline_reason": o.decline_reason,
        })).collect::<Vec<_>>(),
        "touchpoints": touchpoints.iter().map(intake::touchpoint_json).collect::<Vec<_>>(),
        "outcome": outcome,
    })))
}

/// Stores each valid lead of a batch (each in a savepoint of the caller's transaction) and
/// describes every lead's result, in order.
fn store_batch(
    conn: &mut crate::db::DbConnection,
    validated: &[Validated],
    source: &str,
    policy: &crate::services::allocation::OfferPolicy,
) -> Result<Vec<LeadResult>, AppError> {
    let mut results = Vec::with_capacity(validated.len());
    let valid = validated.iter().filter_map(|(_, v)| v.as_ref().ok());
    let mut batch = intake::Batch::begin(conn, source, valid)?;
    let mut dealers: Vec<Dealer> = Vec::new();
    for (external_id, input) in validated {
        results.push(match input {
            Err(problems) => invalid(external_id.as_deref(), problems),
            Ok(input) => {
                let outcome = batch.store(conn, source, input, policy)?;
                let lead = match &outcome {
                    IntakeOutcome::Created(l) | IntakeOutcome::Duplicate(l) => l,
                    IntakeOutcome::Conflict { existing, .. } => existing,
                };
                let dealer = match lead.dealer_id {
                    Some(id) => match dealers.iter().position(|d| d.id == id) {
                        Some(i) => Some(&dealers[i]),
                        None => {
                            dealers.push(Dealer::find(conn, id)?);
                            dealers.last()
                        }
                    },
                    None => None,
                };
                describe(&outcome, dealer)
            }
        });
    }
    batch.finish(conn)?;
    Ok(results)
}
