//! The channel manager's lead pages: search and filter, one lead with why each dealer was
//! chosen, the queue of leads no dealer could take, and assigning by hand.

use serde_json::{Value, json};

use crate::helpers::{Browser, LeadBody, PASSWORD, TestApp, spawn_app};

async fn push(app: &TestApp, token: &str, lead: Value) -> Value {
    app.push_lead(token, &lead).await
}

fn lead(external_id: &str, postcode: &str, region: &str, line: &str, campaign: &str) -> Value {
    LeadBody::new(external_id)
        .phone("+39 02 1234567")
        .postcode(postcode)
        .region(region)
        .product_line(line)
        .qualification("A", 82)
        .touchpoint(json!({ "occurred_at": "2026-11-01T10:00:00Z", "channel": "paid_search", "source": "google", "medium": "cpc", "campaign": campaign }))
        .touchpoint(json!({ "occurred_at": "2026-11-10T10:00:00Z", "channel": "webinar", "campaign": "webinar-cnc", "kind": "conversion" }))
        .json()
}

/// Two Milan dealers, a channel manager logged in, and a token for the marketing system.
async fn network(app: &TestApp) -> (Browser, String) {
    app.create_dealer("MI-01");
    app.create_dealer("MI-02");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    app.create_user("due@example.it", "dealer", Some("MI-02"));
    app.create_user("canale@example.it", "manager", None);
    let token = app.api_token();
    let mut desk = app.browser_with_language("en");
    desk.login("canale@example.it", PASSWORD).await;
    (desk, token)
}

#[tokio::test]
async fn a_manager_filters_leads_by_status_dealer_region_product_line_campaign_and_date() {
    let app = spawn_app().await;
    let (mut desk, token) = network(&app).await;
    push(
        &app,
        &token,
        lead("F-1", "20121", "Lombardia", "lathes", "torni-autunno"),
    )
    .await;
    push(
        &app,
        &token,
        lead("F-2", "20122", "Lombardia", "milling", "frese-cnc"),
    )
    .await;
    push(
        &app,
        &token,
        lead("F-3", "00184", "Lazio", "lathes", "torni-autunno"),
    )
    .await;

    let all = desk.get("/leads").await;
    assert_eq!(all.status, 200);
    assert!(all.contains("F-1") && all.contains("F-2") && all.contains("F-3"));

    let by_campaign = desk.get("/leads?campaign=frese-cnc").await;
    assert!(
        by_campaign.contains("F-2") && !by_campaign.contains("F-1") && !by_campaign.contains("F-3")
    );

    let by_line = desk.get("/leads?product_line=Lathes").await;
    assert!(by_line.contains("F-1") && by_line.contains("F-3") && !by_line.contains("F-2"));

    let by_region = desk.get("/leads?region=lazio").await;
    assert!(by_region.contains("F-3") && !by_region.contains("F-1"));

    let by_status = desk.get("/leads?status=unallocated").await;
    assert!(
        by_status.contains("F-3") && !by_status.contains("F-1"),
        "Rome has no dealer"
    );

    let by_dealer = desk.get("/leads?dealer=mi-01").await;
    let to_first = ["F-1", "F-2"]
        .iter()
        .filter(|id| by_dealer.contains(id))
        .count();
    assert_eq!(to_first, 1, "the two Milan leads went one to each dealer");

    let by_date = desk.get("/leads?from=2026-11-21&to=2026-11-30").await;
    assert!(!by_date.contains("F-1"), "received on the 20th");
    let on_the_day = desk.get("/leads?from=2026-11-20&to=2026-11-20").await;
    assert!(on_the_day.contains("F-1"));
}

#[tokio::test]
async fn a_bad_filter_is_explained_next_to_its_field() {
    let app = spawn_app().await;
    let (mut desk, _) = network(&app).await;

    let page = desk
        .get("/leads?from=20-11-2026&to=2026-11-01&status=lost-forever")
        .await;

    assert_eq!(page.status, 422);
    assert_eq!(
        page.error_key("from").as_deref(),
        Some("leads-error-date"),
        "{}",
        page.html
    );
    assert_eq!(
        page.error_key("status").as_deref(),
        Some("error-status-invalid")
    );
}

#[tokio::test]
async fn a_lead_page_shows_touchpoints_offers_and_why_the_dealer_was_chosen() {
    let app = spawn_app().await;
    let (mut desk, token) = network(&app).await;
    let body = push(
        &app,
        &token,
        lead("W-1", "20121", "Lombardia", "lathes", "torni-autunno"),
    )
    .await;
    let id = body["id"].as_i64().unwrap();
    let chosen = body["dealer"]["code"].as_str().unwrap().to_owned();

    let page = desk.get(&format!("/leads/{id}")).await;

    assert_eq!(page.status, 200);
    assert!(page.contains("Giulia Bianchi"), "staff see the customer");
    assert!(
        page.contains("torni-autunno")
            && page.contains("webinar-cnc")
            && page.contains("google / cpc")
    );
    assert!(
        page.has("data-kind", "auto") && page.has("data-candidates", "2"),
        "chosen automatically among 2 eligible dealers: {}",
        page.html
    );
    assert!(page.contains(&format!("{chosen} ✓")));
    assert!(
        page.contains("MI-01") && page.contains("MI-02"),
        "both candidates listed"
    );
}

#[tokio::test]
async fn a_lead_no_dealer_can_take_waits_in_the_queue_with_its_reason() {
    let app = spawn_app().await;
    let (mut desk, token) = network(&app).await;
    push(&app, &token, lead("Q-1", "00184", "Lazio", "lathes", "c")).await;
    push(
        &app,
        &token,
        lead("Q-2", "20121", "Lombardia", "lasers", "c"),
    )
    .await;
    push(
        &app,
        &token,
        lead("Q-3", "20121", "Lombardia", "lathes", "c"),
    )
    .await;

    let queue = desk.get("/leads/unallocated").await;

    assert_eq!(queue.count("unallocated-count"), 2, "{}", queue.html);
    assert!(queue.has("data-reason", "no_territory_match"));
    assert!(queue.has("data-reason", "no_dealer_for_product_line"));
    assert!(
        !queue.contains("Q-3"),
        "the allocated lead is not in the queue"
    );
}

#[tokio::test]
async fn a_manager_reassigns_a_lead_with_a_reason_and_the_new_dealer_is_told() {
    let app = spawn_app().await;
    let (mut desk, token) = network(&app).await;
    let body = push(
        &app,
        &token,
        lead("R-1", "20121", "Lombardia", "lathes", "c"),
    )
    .await;
    let id = body["id"].as_i64().unwrap();
    let first = body["dealer"]["code"].as_str().unwrap().to_owned();
    let (second, second_user) = if first == "MI-01" {
        ("MI-02", "due@example.it")
    } else {
        ("MI-01", "uno@example.it")
    };
    app.sent_emails().await;
    let before = app.emails_to(second_user).await.len();

    desk.get(&format!("/leads/{id}")).await;
    let page = desk
        .post(
            &format!("/leads/{id}/assign"),
            &[
                ("dealer_code", second),
                ("reason", "Customer asked for the Monza showroom"),
            ],
        )
        .await;

    assert_eq!(page.status, 200);
    assert!(page.has_notice("notice-lead-assigned"), "{}", page.html);
    assert!(
        page.contains("Customer asked for the Monza showroom"),
        "the reason is in the history"
    );
    assert_eq!(
        page.all("data-offer-status"),
        ["withdrawn", "open"],
        "the first offer is withdrawn"
    );
    let statuses: Vec<String> = app
        .assignments(&token, "R-1")
        .await
        .into_iter()
        .map(|(_, status)| status)
        .collect();
    assert_eq!(statuses, ["withdrawn", "open"]);
    assert_eq!(
        app.emails_to(second_user).await.len(),
        before + 1,
        "the new dealer gets the offer email"
    );
    assert!(app.audit_actions().contains(&"lead_reassigned".to_owned()));

    // The dealer who lost the offer can no longer answer it.
    let mut phone = app.browser();
    let first_user = if second_user == "uno@example.it" {
        "due@example.it"
    } else {
        "uno@example.it"
    };
    phone.login(first_user, PASSWORD).await;
    let inbox = phone.get("/dealer").await;
    assert!(!inbox.contains("lathes"), "{}", inbox.html);
}

#[tokio::test]
async fn an_unallocated_lead_is_assigned_by_hand_and_mistakes_are_explained() {
    let app = spawn_app().await;
    let (mut desk, token) = network(&app).await;
    let body = push(&app, &token, lead("U-1", "00184", "Lazio", "lathes", "c")).await;
    let id = body["id"].as_i64().unwrap();

    desk.get(&format!("/leads/{id}")).await;
    let wrong = desk
        .post(
            &format!("/leads/{id}/assign"),
            &[("dealer_code", "ZZ-99"), ("reason", "")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        wrong.error_key("dealer_code").as_deref(),
        Some("leads-error-dealer-unknown"),
        "{}",
        wrong.html
    );
    assert_eq!(wrong.error_key("reason").as_deref(), Some("error-required"));

    let done = desk
        .post(
            &format!("/leads/{id}/assign"),
            &[("dealer_code", "MI-01"), ("reason", "Rome office closed")],
        )
        .await;
    assert_eq!(done.status, 200);
    assert!(done.has_notice("notice-lead-assigned"));
    let queue = desk.get("/leads/unallocated").await;
    assert!(!queue.contains("U-1"));
}

#[tokio::test]
async fn dealer_users_cannot_see_the_manager_lead_pages() {
    let app = spawn_app().await;
    let (_, token) = network(&app).await;
    let body = push(
        &app,
        &token,
        lead("D-1", "20121", "Lombardia", "lathes", "c"),
    )
    .await;
    let id = body["id"].as_i64().unwrap();
    let mut phone = app.browser();
    phone.login("uno@example.it", PASSWORD).await;

    assert_eq!(phone.get("/leads").await.status, 403);
    assert_eq!(phone.get(&format!("/leads/{id}")).await.status, 403);
    assert_eq!(phone.get("/leads/unallocated").await.status, 403);
}

#[tokio::test]
async fn a_region_search_ignores_case_and_accents_written_either_way() {
    let app = spawn_app().await;
    let (mut desk, token) = network(&app).await;
    push(
        &app,
        &token,
        lead("R-1", "40121", "Émilie-Romagna", "lathes", "torni-autunno"),
    )
    .await;
    push(
        &app,
        &token,
        lead("R-2", "20121", "Lombardia", "lathes", "torni-autunno"),
    )
    .await;

    let shouted = desk.get("/leads?region=%C3%89MILIE-ROMAGNA").await;
    let spaced = desk.get("/leads?region=%20%C3%A9milie-romagna%20").await;

    for page in [shouted, spaced] {
        assert_eq!(page.status, 200);
        assert!(page.contains("R-1"), "{}", page.html);
        assert!(!page.contains("R-2"));
    }
}
