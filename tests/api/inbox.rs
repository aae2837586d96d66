//! The dealer's inbox on the phone: offers without customer identity, accept, decline to
//! the next dealer, and moving an accepted lead forward.

use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// Two dealers covering Milan, a user for each, and one lead offered to the first.
async fn offered_lead(app: &TestApp) -> (i64, String) {
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    app.create_user("due@example.it", "dealer", Some("MI-02"));
    let token = app.marketing_token("marketing");
    let lead = json!({
        "external_id": "IN-1",
        "received_at": "2026-11-20T09:30:00Z",
        "contact": { "name": "Giulia Bianchi", "email": "giulia@officine-bianchi.it", "phone": "+39 02 1234567", "company": "Officine Bianchi" },
        "location": { "country": "IT", "postcode": "20121", "region": "Lombardia" },
        "product_line": "lathes",
        "qualification": { "grade": "A", "score": 82 },
        "consent": { "share_with_dealers": true },
        "touchpoints": [{ "occurred_at": "2026-11-01T10:00:00Z", "channel": "trade_fair", "campaign": "emo-2026" }]
    });
    let body = app.push_lead(&token, &lead).await;
    let code = body["dealer"]["code"].as_str().unwrap().to_owned();
    let email = if code == "MI-01" {
        "uno@example.it"
    } else {
        "due@example.it"
    };
    (body["id"].as_i64().unwrap(), email.to_owned())
}

/// The id of the offer a lead page answers (from its accept and decline forms).
fn offer_id_on(html: &str) -> String {
    html.split("/dealer/offers/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the page has an offer form")
        .to_owned()
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
    assert!(inbox.contains("Lead proposti (1)"), "{}", inbox.html);
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
    assert!(accepted.contains("Il lead è tuo"));
    assert!(accepted.contains("Giulia Bianchi"));
    assert!(accepted.contains("href=\"tel:+39021234567\""));
    assert!(accepted.contains("href=\"mailto:giulia@officine-bianchi.it\""));
    assert!(
        phone
            .get("/dealer")
            .await
            .contains("Lead che stai seguendo (1)")
    );
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

    assert!(declined.contains("Rifiutato. Il lead passa a un altro concessionario."));
    assert!(declined.contains("Lead proposti (0)"));
    assert_eq!(
        phone.get(&format!("/dealer/leads/{lead_id}")).await.status,
        404
    );
    let mut second = app.browser();
    let inbox = second.login(other(&first), PASSWORD).await;
    assert!(inbox.contains("Lead proposti (1)"), "{}", inbox.html);
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

    assert!(page.contains("Scegli un motivo per rifiutare."));
    assert!(
        phone.get("/dealer").await.contains("Lead proposti (1)"),
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
    assert!(
        owner.get("/dealer").await.contains("Lead proposti (1)"),
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

    for (status, shown) in [
        ("contacted", "Contattato"),
        ("quote_sent", "Preventivo inviato"),
        ("won", "Vinto"),
    ] {
        let page = phone
            .post(
                &format!("/dealer/leads/{lead_id}/status"),
                &[("status", status)],
            )
            .await;
        assert!(
            page.contains(&format!("<span class=\"badge\">{shown}</span>")),
            "{status}: {}",
            page.html
        );
    }
    let backwards = phone
        .post(
            &format!("/dealer/leads/{lead_id}/status"),
            &[("status", "contacted")],
        )
        .await;
    assert!(backwards.contains("Questo cambio di stato non è possibile."));
    let history: Vec<String> = {
        use dealerloop::schema::lead_events as events;
        use diesel::prelude::*;
        events::table
            .filter(events::lead_id.eq(lead_id))
            .order(events::id)
            .select(events::status)
            .load(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(
        history,
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

    for (status, shown) in [
        ("contacted", "Contattato"),
        ("quote_sent", "Preventivo inviato"),
    ] {
        phone
            .post(
                &format!("/dealer/leads/{lead_id}/status"),
                &[("status", status)],
            )
            .await;
        let inbox = phone.get("/dealer").await;
        assert!(inbox.contains("Lead che stai seguendo (1)"), "{status}");
        assert!(inbox.contains("Giulia Bianchi · Officine Bianchi"));
        assert!(inbox.contains(&format!("<span class=\"badge\">{shown}</span>")));
    }
    phone
        .post(
            &format!("/dealer/leads/{lead_id}/status"),
            &[("status", "won")],
        )
        .await;
    let inbox = phone.get("/dealer").await;
    assert!(
        inbox.contains("Lead che stai seguendo (0)"),
        "{}",
        inbox.html
    );
    assert!(!inbox.contains("Giulia Bianchi"));
}
