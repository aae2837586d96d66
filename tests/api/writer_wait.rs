//! Waiting for the database writer: a write that cannot get it within the writer wait is
//! answered 503 with `Retry-After` (a localized page, or JSON on the API) and succeeds once
//! the writer is free; nothing unauthenticated waits for the writer at all.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{LeadBody, PASSWORD, TestApp, spawn_app_with};

/// The writer wait of these tests: long enough to tell apart from an answer that did not
/// wait, short enough to keep the tests quick.
const WRITER_WAIT: Duration = Duration::from_secs(2);

async fn app_waiting_briefly() -> TestApp {
    spawn_app_with(|settings| settings.db_writer_wait = WRITER_WAIT).await
}

fn lead(external_id: &str) -> Value {
    LeadBody::new(external_id).json()
}

/// Posts `body` to the intake API; the status, `Retry-After` and body, and how long the
/// answer took.
async fn post_lead(
    app: &TestApp,
    token: &str,
    body: &Value,
) -> (u16, Option<String>, Value, Duration) {
    let started = Instant::now();
    let response = app.post_to_intake(token, body).await;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, body, started.elapsed())
}

#[tokio::test]
async fn an_intake_while_the_writer_is_held_is_answered_503_with_retry_after_and_succeeds_after() {
    let app = app_waiting_briefly().await;
    app.create_dealer("MI-01");
    let token = app.api_token();
    post_lead(&app, &token, &lead("W-0")).await; // its use is recorded: nothing to write later

    let held = app.hold_the_writer();
    let (status, retry_after, body, took) = post_lead(&app, &token, &lead("W-1")).await;
    drop(held);
    let (after_status, _, after_body, _) = post_lead(&app, &token, &lead("W-1")).await;

    assert_eq!(status, 503, "{body}");
    assert!(
        retry_after
            .as_deref()
            .and_then(|s| s.parse::<u64>().ok())
            .is_some(),
        "{retry_after:?}"
    );
    assert_eq!(body["error"], "service unavailable", "{body}");
    assert!(
        took >= WRITER_WAIT - Duration::from_millis(100) && took < WRITER_WAIT * 3,
        "answered after the writer wait, not before and not much after: {took:?}"
    );
    assert_eq!(after_status, 201, "{after_body}");
    assert_eq!(
        after_body["result"], "created",
        "nothing of W-1 was stored before"
    );
}

#[tokio::test]
async fn a_page_write_while_the_writer_is_held_gets_a_localized_busy_page_and_works_after() {
    let app = app_waiting_briefly().await;
    app.create_user("canale@example.it", "manager", None);
    let mut english = app.browser_with_language("en");
    let mut italian = app.browser_with_language("it");
    english.get("/login").await;
    italian.get("/login").await;

    let held = app.hold_the_writer();
    let busy = english
        .post(
            "/login",
            &[("email", "canale@example.it"), ("password", PASSWORD)],
        )
        .await;
    let occupato = italian
        .post(
            "/login",
            &[("email", "canale@example.it"), ("password", PASSWORD)],
        )
        .await;
    drop(held);
    let logged_in = english.login("canale@example.it", PASSWORD).await;

    assert_eq!(busy.status, 503, "{}", busy.html);
    assert!(busy.headers.contains_key("retry-after"));
    assert!(busy.contains("The portal is busy"), "{}", busy.html);
    assert_eq!(occupato.status, 503);
    assert!(
        occupato.contains("Il portale è occupato"),
        "{}",
        occupato.html
    );
    assert_eq!(logged_in.status, 200);
    assert_eq!(logged_in.path(), "/manager");
}

#[tokio::test]
async fn a_malformed_or_unknown_bearer_token_is_refused_at_once_while_the_writer_is_held() {
    let app = app_waiting_briefly().await;
    let issued = app.api_token();
    let unknown = format!("dl_{}", "A".repeat(43));
    let malformed = [
        "nonsense".to_owned(),
        format!("{}!", &issued[..issued.len() - 1]),
        format!("{issued}{}", "x".repeat(10_000)),
    ];

    // Held twice over: by another process, and this instance's own writer connection.
    let held = app.hold_the_writer();
    let own_writer = app.conn();
    let mut answers = Vec::new();
    for token in malformed.iter().chain([&unknown]) {
        let (status, _, body, took) = post_lead(&app, token, &lead("W-2")).await;
        answers.push((status, body, took));
    }
    drop((held, own_writer));

    for (status, body, took) in answers {
        assert_eq!(status, 401, "{body}");
        assert!(
            took < WRITER_WAIT / 2,
            "refused without waiting for the writer: {took:?}"
        );
    }
}
