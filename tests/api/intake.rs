//! Lead intake over the JSON API: validation with field paths, idempotent re-sends,
//! conflicts, the consent gate, batches, authentication and the first offer.

use dealerloop::services::api_tokens;
use dealerloop::services::audit::Actor;
use serde_json::{Value, json};

use crate::helpers::{LeadBody, TestApp, spawn_app};

fn lead(external_id: &str) -> Value {
    LeadBody::complete(external_id).json()
}

async fn post(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let response = app.post_to_intake(token, body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_lead_with_consent_is_stored_and_offered_to_a_dealer_covering_its_area() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let token = app.api_token();

    let (status, body) = post(&app, &token, &lead("M-1001")).await;

    assert_eq!(status, 201, "{body}");
    assert_eq!(body["result"], "created");
    assert_eq!(body["status"], "offered");
    assert_eq!(body["dealer"]["code"], "MI-01");
    let got = reqwest::Client::new()
        .get(format!("{}/api/v1/leads/M-1001", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    let got: Value = got.json().await.unwrap();
    assert_eq!(got["status"], "offered");
    assert_eq!(got["assignments"][0]["dealer"]["code"], "MI-01");
    assert_eq!(got["assignments"][0]["status"], "open");
    assert_eq!(got["touchpoints"].as_array().map(Vec::len), Some(2));
    assert_eq!(got["touchpoints"][0]["campaign"], "torni-autunno");
}

#[tokio::test]
async fn re_sending_the_same_lead_is_harmless() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let token = app.api_token();

    let (first, created) = post(&app, &token, &lead("M-1")).await;
    let (second, again) = post(&app, &token, &lead("M-1")).await;

    assert_eq!(first, 201);
    assert_eq!(second, 200);
    assert_eq!(again["result"], "duplicate");
    assert_eq!(again["id"], created["id"]);
    let got: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/leads/M-1", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        got["assignments"].as_array().map(Vec::len),
        Some(1),
        "no second offer for a re-send: {got}"
    );
}

#[tokio::test]
async fn a_conflicting_re_send_is_refused_and_names_the_fields_that_differ() {
    let app = spawn_app().await;
    let token = app.api_token();
    post(&app, &token, &lead("M-2")).await;
    let mut changed = lead("M-2");
    changed["contact"]["email"] = json!("other@officine-bianchi.it");
    changed["product_line"] = json!("milling");

    let (status, body) = post(&app, &token, &changed).await;

    assert_eq!(status, 409, "{body}");
    assert_eq!(body["result"], "conflict");
    assert_eq!(
        body["differing_fields"],
        json!(["contact.email", "product_line"])
    );
}

#[tokio::test]
async fn a_lead_without_consent_is_stored_and_never_offered() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let token = app.api_token();
    let mut private = lead("M-3");
    private["consent"]["share_with_dealers"] = json!(false);

    let (status, body) = post(&app, &token, &private).await;

    assert_eq!(status, 201);
    assert_eq!(body["status"], "withheld");
    assert_eq!(body["dealer"], Value::Null);
}

#[tokio::test]
async fn a_lead_nobody_covers_waits_with_the_reason() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let token = app.api_token();
    let mut far = lead("M-4");
    far["location"] = json!({ "country": "IT", "postcode": "90121", "region": "Sicilia" });
    let mut other_line = lead("M-5");
    other_line["product_line"] = json!("press-brakes");

    let (_, far) = post(&app, &token, &far).await;
    let (_, other_line) = post(&app, &token, &other_line).await;

    assert_eq!(far["status"], "unallocated");
    assert_eq!(far["unallocated_reason"], "no_territory_match");
    assert_eq!(other_line["status"], "unallocated");
    assert_eq!(
        other_line["unallocated_reason"],
        "no_dealer_for_product_line"
    );
}

#[tokio::test]
async fn every_field_problem_is_reported_with_its_path() {
    let app = spawn_app().await;
    let token = app.api_token();
    let bad = json!({
        "external_id": "M 6",
        "received_at": "2026-02-30T10:00:00Z",
        "contact": { "name": "", "email": "not-an-email", "fax": "x" },
        "location": { "country": "Italy", "postcode": "ABC" },
        "product_line": "Saws & Blades",
        "qualification": { "score": "high" },
        "consent": {},
        "touchpoints": [{ "channel": 5 }],
        "colour": "red"
    });

    let (status, body) = post(&app, &token, &bad).await;

    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "colour",
        "external_id",
        "received_at",
        "contact.fax",
        "contact.name",
        "contact.email",
        "location.country",
        "product_line",
        "qualification.score",
        "consent.share_with_dealers",
        "touchpoints[0].occurred_at",
        "touchpoints[0].channel",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    let message = |field: &str| {
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == field)
            .unwrap()["message"]
            .clone()
    };
    assert_eq!(message("colour"), "unknown field");
    assert_eq!(message("contact.email"), "is not a valid email address");
}

#[tokio::test]
async fn a_batch_stores_the_good_leads_and_reports_the_bad_ones() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let token = app.api_token();
    let mut bad = lead("B-2");
    bad["location"]["postcode"] = json!("2012");

    let (status, body) = post(
        &app,
        &token,
        &json!({ "leads": [lead("B-1"), bad, lead("B-3")] }),
    )
    .await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["summary"],
        json!({ "created": 2, "duplicate": 0, "conflict": 0, "invalid": 1 })
    );
    assert_eq!(body["results"][1]["result"], "invalid");
    assert_eq!(
        body["results"][1]["errors"][0]["field"],
        "leads[1].location.postcode"
    );
    assert_eq!(body["results"][2]["result"], "created");
}

#[tokio::test]
async fn malformed_json_oversized_batches_and_wrong_types_get_a_precise_client_error() {
    let app = spawn_app().await;
    let token = app.api_token();
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/leads", app.address);

    let malformed = client
        .post(&url)
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{\"external_id\": ")
        .send()
        .await
        .unwrap();
    let not_json = client
        .post(&url)
        .bearer_auth(&token)
        .header("Content-Type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    let too_many: Vec<Value> = (0..1001).map(|i| lead(&format!("X-{i}"))).collect();
    let (batch_status, batch) = post(&app, &token, &json!({ "leads": too_many })).await;
    let (array_status, _) = post(&app, &token, &json!([lead("Y-1")])).await;

    assert_eq!(malformed.status(), 400);
    let malformed: Value = malformed.json().await.unwrap();
    assert_eq!(malformed["error"], "malformed_json");
    assert_eq!(not_json.status(), 415);
    assert_eq!(batch_status, 413, "{batch}");
    assert_eq!(array_status, 422);
}

#[tokio::test]
async fn a_missing_wrong_or_revoked_token_is_refused_without_detail() {
    let app = spawn_app().await;
    let issued = api_tokens::issue(&mut app.conn(), &Actor::cli(), "old-system", "").unwrap();
    api_tokens::revoke(&mut app.conn(), &Actor::cli(), issued.id).unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/leads", app.address);

    let none = client.post(&url).json(&lead("Z-1")).send().await.unwrap();
    let wrong = client
        .post(&url)
        .bearer_auth("dl_not-a-real-token")
        .json(&lead("Z-1"))
        .send()
        .await
        .unwrap();
    let revoked = client
        .post(&url)
        .bearer_auth(&issued.secret)
        .json(&lead("Z-1"))
        .send()
        .await
        .unwrap();
    let get = client
        .get(format!("{}/api/v1/leads/Z-1", app.address))
        .send()
        .await
        .unwrap();

    for response in [none, wrong, revoked, get] {
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
    }
}

#[tokio::test]
async fn an_unknown_lead_is_not_found_and_another_sources_leads_are_invisible() {
    let app = spawn_app().await;
    let token = app.api_token();
    post(&app, &token, &lead("S-1")).await;
    let other =
        api_tokens::issue(&mut app.conn(), &Actor::cli(), "partner-crm", "partner").unwrap();
    let client = reqwest::Client::new();

    let unknown = client
        .get(format!("{}/api/v1/leads/NOPE", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let foreign = client
        .get(format!("{}/api/v1/leads/S-1", app.address))
        .bearer_auth(&other.secret)
        .send()
        .await
        .unwrap();

    assert_eq!(unknown.status(), 404);
    assert_eq!(foreign.status(), 404);
}

#[tokio::test]
async fn leads_are_shared_fairly_between_dealers_covering_the_same_area() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    app.create_dealer("MI-03");
    app.sql("UPDATE dealers SET capacity = 1000");
    let token = app.api_token();

    let leads: Vec<Value> = (0..30).map(|i| lead(&format!("F-{i}"))).collect();
    let (_, body) = post(&app, &token, &json!({ "leads": leads })).await;

    let mut counts = std::collections::BTreeMap::new();
    for r in body["results"].as_array().unwrap() {
        *counts
            .entry(r["dealer"]["code"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    assert_eq!(
        counts.values().copied().collect::<Vec<i32>>(),
        vec![10, 10, 10],
        "{counts:?}"
    );
}

#[tokio::test]
async fn a_dealer_at_capacity_is_skipped() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    app.sql("UPDATE dealers SET capacity = 1 WHERE code = 'MI-01'");
    let token = app.api_token();

    let leads: Vec<Value> = (0..4).map(|i| lead(&format!("C-{i}"))).collect();
    let (_, body) = post(&app, &token, &json!({ "leads": leads })).await;

    let to_first = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["dealer"]["code"] == "MI-01")
        .count();
    assert_eq!(to_first, 1, "{body}");
}

#[tokio::test]
async fn the_api_describes_itself_in_openapi() {
    let app = spawn_app().await;

    let response = reqwest::get(format!("{}/api/v1/openapi.json", app.address))
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let spec: Value = response.json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["paths"]["/api/v1/leads"]["post"].is_object());
    assert!(spec["paths"]["/api/v1/leads/{external_id}"]["get"].is_object());
    let required = &spec["components"]["schemas"]["Lead"]["required"];
    assert_eq!(
        required,
        &json!([
            "external_id",
            "received_at",
            "contact",
            "location",
            "product_line",
            "consent"
        ])
    );
}

/// A validator for `schema` (a part of the API's own document), its `$ref`s resolved in
/// the document's components.
fn validator(spec: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": spec["components"],
        "allOf": [schema],
    });
    jsonschema::validator_for(&root).expect("the document's schemas are valid JSON Schema")
}

fn assert_conforms(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{instance}");
}

#[tokio::test]
async fn the_openapi_document_describes_the_requests_and_answers_of_the_api() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let token = app.api_token();
    let spec: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.address))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let post_spec = &spec["paths"]["/api/v1/leads"]["post"];
    let get_spec = &spec["paths"]["/api/v1/leads/{external_id}"]["get"];
    let request = validator(
        &spec,
        &post_spec["requestBody"]["content"]["application/json"]["schema"],
    );
    let answer = |operation: &Value, status: &str| {
        validator(
            &spec,
            &operation["responses"][status]["content"]["application/json"]["schema"],
        )
    };
    let mut unknown_field = lead("D-9");
    unknown_field["contact"]["fax"] = json!("02 1234567");
    let mut bad_postcode = lead("D-3");
    bad_postcode["location"]["postcode"] = json!("2012");
    let mut changed = lead("D-1");
    changed["product_line"] = json!("milling");
    let batch = json!({ "leads": [lead("D-2"), bad_postcode] });
    for (body, what) in [
        (&lead("D-1"), "one lead"),
        (&changed, "a changed lead"),
        (&batch, "a batch"),
    ] {
        assert_conforms(&request, body, what);
    }
    assert!(
        !request.is_valid(&unknown_field),
        "unknown fields are refused"
    );
    assert!(
        !request.is_valid(&json!({ "leads": [] })),
        "a batch is not empty"
    );

    let (created_status, created) = post(&app, &token, &lead("D-1")).await;
    let (duplicate_status, duplicate) = post(&app, &token, &lead("D-1")).await;
    let (conflict_status, conflict) = post(&app, &token, &changed).await;
    let (batch_status, batch) = post(&app, &token, &batch).await;
    let (invalid_status, invalid) = post(&app, &token, &unknown_field).await;
    let (not_a_lead_status, not_a_lead) = post(&app, &token, &json!([lead("D-4")])).await;
    let client = reqwest::Client::new();
    let read = |id: &str, token: Option<&str>| {
        let request = client.get(format!("{}/api/v1/leads/{id}", app.address));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
        .send()
    };
    let found = read("D-1", Some(&token)).await.unwrap();
    let missing = read("NOPE", Some(&token)).await.unwrap();
    let unauthorized = read("D-1", None).await.unwrap();

    assert_eq!(
        (
            created_status,
            duplicate_status,
            conflict_status,
            batch_status
        ),
        (201, 200, 409, 200)
    );
    assert_conforms(&answer(post_spec, "201"), &created, "created");
    assert_conforms(&answer(post_spec, "200"), &duplicate, "duplicate");
    assert_conforms(&answer(post_spec, "409"), &conflict, "conflict");
    assert_conforms(&answer(post_spec, "200"), &batch, "batch");
    assert_eq!(batch["results"][1]["result"], "invalid");
    assert_eq!((invalid_status, not_a_lead_status), (422, 422));
    assert_conforms(&answer(post_spec, "422"), &invalid, "invalid lead");
    assert_conforms(&answer(post_spec, "422"), &not_a_lead, "not a lead");
    assert_eq!(found.status(), 200);
    let found: Value = found.json().await.unwrap();
    assert_eq!(found["assignments"][0]["dealer"]["code"], "MI-01");
    assert_conforms(&answer(get_spec, "200"), &found, "a lead");
    assert_eq!(missing.status(), 404);
    assert_conforms(
        &answer(get_spec, "404"),
        &missing.json().await.unwrap(),
        "not found",
    );
    assert_eq!(unauthorized.status(), 401);
    assert_conforms(
        &answer(get_spec, "401"),
        &unauthorized.json().await.unwrap(),
        "unauthorized",
    );
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"],
        json!({ "type": "http", "scheme": "bearer" })
    );
}
