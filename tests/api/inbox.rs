//! The dealer's inbox on the phone: offers without customer identity, accept, decline to
//! the next dealer, and moving an accepted lead forward.

use serde_json::json;

use crate::helpers::{LeadBody, PASSWORD, TestApp, offer_id_on, spawn_app};

/// Two dealers covering Milan, a user for each, and one lead offered to the first.
async fn offered_lead(app: &TestApp) -> (i64, String) {
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    app.create_user("due@example.it", "dealer", Some("MI-02"));
    let lead = LeadBody::new("IN-1")
        .phone("+39 02 1234567")
        .company("Officine Bianchi")
        .region("Lombardia")
        .qualification("A", 82)
        .touchpoint(json!({ "occurred_at": "2026-11-01T10:00:00Z", "channel": "trade_fair", "campaign": "emo-2026" }));
    let body = app.push_lead(&app.api_token(), &lead).await;
    let code = body["dealer"]["code"].as_str().unwrap().to_owned();
    let email = if code == "MI-01" {
        "uno@example.it"
    } else {
        "due@example.it"
    };
    (body["id"].as_i64().unwrap(), email.to_owned())
}

fn other(email: &str) -> &'static str {
    if email == "uno@example.it" {
        "due@example.it"
    } else {
        "uno@example.it"
    }
}

#[tokio::test]
async fn an_offer_shows_what_came_in_but_not_who_until_the_dealer_accepts() {
    let app = spawn_app().await;
    let (lead_id, email) = offered_lead(&app).await;
    let mut phone = app.browser();

    let inbox = phone.login(&email, PASSWORD).await;
    assert_eq!(inbox.count("offers-title"), 1, "{}", inbox.html);
    assert!(inbox.has("data-lead-id", &lead_id.to_string()));
    assert!(
        inbox.contains("lathes")
            && inbox.contains("Lombardia · 20xxx")
            && inbox.contains("trade fair")
    );
    assert!(inbox.contains("per rispondere"), "the time left is shown");
    let offer = phone.get(&format!("/dealer/leads/{lead_id}")).await;
    for secret in ["Giulia", "Bianchi", "giulia@", "1234567"] {
        assert!(!offer.contains(secret), "{secret} shown before accepting");
    }

    let offer_id = offer_id_on(&offer.html);
    let accepted = phone
        .post(&format!("/dealer/offers/{offer_id}/accept"), &[])
        .await;

    assert_eq!(accepted.path(), format!("/dealer/leads/{lead_id}"));
    assert!(accepted.has_notice("notice-offer-accepted"));
    assert!(accepted.has("data-status", "accepted"));
    assert!(accepted.contains("Giulia Bianchi"));
    assert!(accepted.contains("href=\"tel:+39021234567\""));
    assert!(accepted.contains("href=\"mailto:giulia@officine-bianchi.it\""));
    assert_eq!(phone.get("/dealer").await.count("working-title"), 1);
}

#[tokio::test]
async fn a_declined_lead_goes_to_the_next_dealer_and_never_back() {
    let app = spawn_app().await;
    let (lead_id, first) = offered_lead(&app).await;
    let mut phone = app.browser();
    phone.login(&first, PASSWORD).await;
    let offer = phone.get(&format!("/dealer/leads/{lead_id}")).await;
    let offer_id = offer_id_on(&offer.html);

    let declined = phone
        .post(
            &format!("/dealer/offers/{offer_id}/decline"),
            &[("reason", "no_capacity"), ("note", "ferie")],
        )
        .await;

    assert!(declined.has_notice("notice-offer-declined"));
    assert_eq!(declined.count("offers-title"), 0);
    assert_eq!(
        phone.get(&format!("/dealer/leads/{lead_id}")).await.status,
        404
    );
    let mut second = app.browser();
    let inbox = second.login(other(&first), PASSWORD).await;
    assert_eq!(inbox.count("offers-title"), 1, "{}", inbox.html);
}

#[tokio::test]
async fn declining_needs_a_reason_from_the_list() {
    let app = spawn_app().await;
    let (lead_id, first) = offered_lead(&app).await;
    let mut phone = app.browser();
    phone.login(&first, PASSWORD).await;
    let offer = phone.get(&format!("/dealer/leads/{lead_id}")).await;
    let offer_id = offer_id_on(&offer.html);

    let page = phone
        .post(
            &format!("/dealer/offers/{offer_id}/decline"),
            &[("reason", "bored")],
        )
        .await;

    assert!(page.has_notice("notice-choose-reason"), "{}", page.html);
    assert_eq!(
        phone.get("/dealer").await.count("offers-title"),
        1,
        "the offer is still open"
    );
}

#[tokio::test]
async fn another_dealers_lead_and_offer_cannot_be_seen_or_answered() {
    let app = spawn_app().await;
    let (lead_id, first) = offered_lead(&app).await;
    let mut owner = app.browser();
    owner.login(&first, PASSWORD).await;
    let offer = owner.get(&format!("/dealer/leads/{lead_id}")).await;
    let offer_id = offer_id_on(&offer.html);
    let mut intruder = app.browser();
    intruder.login(other(&first), PASSWORD).await;

    let page = intruder.get(&format!("/dealer/leads/{lead_id}")).await;
    let accept = intruder
        .post(&format!("/dealer/offers/{offer_id}/accept"), &[])
        .await;

    assert_eq!(page.status, 404);
    assert_eq!(accept.status, 404);
    assert_eq!(
        owner.get("/dealer").await.count("offers-title"),
        1,
        "still offered to its dealer"
    );
}

#[tokio::test]
async fn an_accepted_lead_moves_through_contacted_quote_sent_and_won() {
    let app = spawn_app().await;
    let (lead_id, first) = offered_lead(&app).await;
    let mut phone = app.browser();
    phone.login(&first, PASSWORD).await;
    let offer = phone.get(&format!("/dealer/leads/{lead_id}")).await;
    let offer_id = offer_id_on(&offer.html);
    phone
        .post(&format!("/dealer/offers/{offer_id}/accept"), &[])
        .await;

    for status in ["contacted", "quote_sent", "won"] {
        let page = phone
            .post(
                &format!("/dealer/leads/{lead_id}/status"),
                &[("status", status)],
            )
            .await;
        assert!(page.has("data-status", status), "{status}: {}", page.html);
    }
    let backwards = phone
        .post(
            &format!("/dealer/leads/{lead_id}/status"),
            &[("status", "contacted")],
        )
        .await;
    assert!(backwards.has_notice("notice-status-invalid"));
    assert!(backwards.has("data-status", "won"), "still won");
    assert_eq!(
        backwards.all("data-event-status"),
        ["offered", "accepted", "contacted", "quote_sent", "won"],
        "the dealer's history of the lead"
    );
    app.create_user("canale@example.it", "manager", None);
    let mut desk = app.browser();
    desk.login("canale@example.it", PASSWORD).await;
    assert_eq!(
        desk.get(&format!("/leads/{lead_id}"))
            .await
            .all("data-event-status"),
        [
            "unallocated",
            "offered",
            "accepted",
            "contacted",
            "quote_sent",
            "won"
        ]
    );
}

#[tokio::test]
async fn the_inbox_lists_a_lead_while_it_is_worked_and_drops_it_once_won() {
    let app = spawn_app().await;
    let (lead_id, dealer) = offered_lead(&app).await;
    let mut phone = app.browser();
    phone.login(&dealer, PASSWORD).await;
    let offer = phone.get(&format!("/dealer/leads/{lead_id}")).await;
    let offer_id = offer_id_on(&offer.html);
    phone
        .post(&format!("/dealer/offers/{offer_id}/accept"), &[])
        .await;

    for status in ["contacted", "quote_sent"] {
        phone
            .post(
                &format!("/dealer/leads/{lead_id}/status"),
                &[("status", status)],
            )
            .await;
        let inbox = phone.get("/dealer").await;
        assert_eq!(inbox.count("working-title"), 1, "{status}");
        assert!(inbox.contains("Giulia Bianchi · Officine Bianchi"));
        assert!(inbox.has("data-status", status), "{}", inbox.html);
    }
    phone
        .post(
            &format!("/dealer/leads/{lead_id}/status"),
            &[("status", "won")],
        )
        .await;
    let inbox = phone.get("/dealer").await;
    assert_eq!(inbox.count("working-title"), 0, "{}", inbox.html);
    assert!(!inbox.contains("Giulia Bianchi"));
}
