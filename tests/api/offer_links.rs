//! One-tap Accept and Decline links in offer emails: a confirmation page first, bound to
//! one offer, dead once the offer closes or its deadline passes.

use crate::helpers::{LeadBody, TestApp, spawn_app};

/// One dealer user per dealer; the lead goes to one of them. Returns that user's email.
async fn offer_by_email(app: &TestApp) -> String {
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    app.create_user("due@example.it", "dealer", Some("MI-02"));
    let lead = LeadBody::new("EL-1").region("Lombardia");
    let body = app.push_lead(&app.api_token(), &lead).await;
    if body["dealer"]["code"] == "MI-01" {
        "uno@example.it".into()
    } else {
        "due@example.it".into()
    }
}

async fn links(app: &TestApp, to: &str) -> (String, String) {
    let mail = app.emails_to(to).await.pop().expect("an offer email");
    let accept = mail
        .text
        .lines()
        .find_map(|l| l.strip_prefix("Accetta: "))
        .expect("accept link")
        .to_owned();
    let decline = mail
        .text
        .lines()
        .find_map(|l| l.strip_prefix("Rifiuta: "))
        .expect("decline link")
        .to_owned();
    (accept, decline)
}

/// The statuses of the lead's offers, oldest first, as the marketing system reads them.
async fn offer_status(app: &TestApp) -> Vec<String> {
    app.assignments(&app.api_token(), "EL-1")
        .await
        .into_iter()
        .map(|(_, status)| status)
        .collect()
}

#[tokio::test]
async fn the_accept_link_asks_for_confirmation_then_accepts_and_then_stops_working() {
    let app = spawn_app().await;
    let dealer = offer_by_email(&app).await;
    let (accept, _) = links(&app, &dealer).await;
    let mut phone = app.browser();

    let confirm = phone.get(&accept).await;
    assert_eq!(confirm.status, 200);
    assert_eq!(confirm.headers["referrer-policy"], "no-referrer");
    assert!(confirm.contains("lathes") && !confirm.contains("Giulia"));
    assert_eq!(
        offer_status(&app).await,
        ["open"],
        "opening the link changes nothing"
    );

    let done = phone.post(&accept, &[]).await;
    assert!(done.has("data-status", "accepted"), "{}", done.html);
    assert_eq!(offer_status(&app).await, ["accepted"]);

    let again = phone.get(&accept).await;
    assert_eq!(again.status, 410);
}

#[tokio::test]
async fn the_decline_link_needs_a_reason_and_passes_the_lead_on() {
    let app = spawn_app().await;
    let dealer = offer_by_email(&app).await;
    let (_, decline) = links(&app, &dealer).await;
    let mut phone = app.browser_with_language("en");

    phone.get(&decline).await;
    let no_reason = phone.post(&decline, &[]).await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.has_error("error-decline-reason"));
    phone.get(&decline).await;
    let done = phone.post(&decline, &[("reason", "out_of_area")]).await;

    assert!(done.has("data-status", "declined"), "{}", done.html);
    assert_eq!(
        offer_status(&app).await,
        ["declined", "open"],
        "offered to the other dealer"
    );
}

#[tokio::test]
async fn a_tampered_expired_or_closed_offer_link_is_refused() {
    let app = spawn_app().await;
    let dealer = offer_by_email(&app).await;
    let (accept, decline) = links(&app, &dealer).await;
    let mut phone = app.browser();

    let token = accept
        .trim_end_matches("/accept")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let flipped: String = token
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 10 {
                if c == 'A' { 'B' } else { 'A' }
            } else {
                c
            }
        })
        .collect();
    let tampered = accept.replace(&token, &flipped);
    let wrong_action = accept.replace("/accept", "/approve");
    assert_eq!(phone.get(&tampered).await.status, 410);
    assert_eq!(phone.get(&wrong_action).await.status, 404);

    app.sql("UPDATE offers SET deadline_at = '2000-01-01 00:00:00'");
    assert_eq!(phone.get(&accept).await.status, 410);
    assert_eq!(phone.get(&decline).await.status, 410);
}

#[tokio::test]
async fn a_link_stops_working_once_the_dealer_has_answered_in_the_portal() {
    let app = spawn_app().await;
    let dealer = offer_by_email(&app).await;
    let (accept, _) = links(&app, &dealer).await;
    app.sql("UPDATE offers SET status = 'declined'");

    let page = app.browser().get(&accept).await;

    assert_eq!(page.status, 410);
    assert!(page.has("data-error-page", "410"));
}
