//! Attribution: a won sale's revenue credited to the touchpoints of its journey under
//! every model, in whole cents that sum to the revenue, rewritten on a correction, gone on
//! a retraction; touchpoints the marketing system sends after handover and the dealer's
//! own visits joining the journey; the data-driven model run on a manager's request; and
//! the channel manager's report with spend, ROI and its CSV.

use serde_json::{Value, json};

use crate::helpers::{Browser, LeadBody, PASSWORD, Page, TestApp, spawn_app};

const MODELS: [&str; 8] = [
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "position_based",
    "w_shaped",
    "time_decay",
    "markov",
];

/// The portal with one Milan dealer (`uno@`), a second one (`due@`, for another lead) and
/// a channel manager.
pub(crate) async fn portal() -> TestApp {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    app.create_user("canale@example.it", "manager", None);
    app
}

pub(crate) async fn logged_in(app: &TestApp, email: &str) -> Browser {
    let mut browser = app.browser_with_language("en");
    browser.login(email, PASSWORD).await;
    browser
}

/// A lead with three touchpoints: paid search, an email of the campaign `autumn-26`, and
/// direct (the visit that made the lead). Returns its id.
pub(crate) async fn push_lead(app: &TestApp, external_id: &str) -> i64 {
    let lead = LeadBody::new(external_id)
        .received_at("2026-10-01T09:30:00Z")
        .region("Lombardia")
        .touchpoint(json!({ "occurred_at": "2026-09-10T10:00:00Z", "channel": "paid_search", "source": "google", "medium": "cpc" }))
        .touchpoint(json!({ "occurred_at": "2026-09-20T10:00:00Z", "channel": "email", "campaign": "autumn-26", "source": "newsletter", "medium": "email" }))
        .touchpoint(json!({ "occurred_at": "2026-10-01T09:00:00Z", "channel": "direct" }));
    let body = app.push_lead(&app.api_token(), &lead).await;
    body["id"].as_i64().expect("a lead id")
}

/// The dealer accepts its offer of `lead` from the phone.
async fn accept(phone: &mut Browser, lead: i64) {
    let offer = phone.offer_on_lead_page(lead).await;
    phone
        .post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
}

/// The dealer moves `lead` to `status` from the lead page.
async fn move_to(phone: &mut Browser, lead: i64, status: &str) -> Page {
    phone
        .post(
            &format!("/dealer/leads/{lead}/status"),
            &[("status", status)],
        )
        .await
}

/// The dealer accepts `lead`, marks it won and reports `revenue` (as typed) closed on
/// 10 November.
pub(crate) async fn win(phone: &mut Browser, lead: i64, revenue: &str) {
    win_in(phone, lead, revenue, "EUR").await;
}

/// As [`win`], with the revenue in `currency`.
pub(crate) async fn win_in(phone: &mut Browser, lead: i64, revenue: &str, currency: &str) {
    accept(phone, lead).await;
    move_to(phone, lead, "won").await;
    let request = phone.newest_feedback_request().await;
    let done = report_in(phone, request, "won", revenue, currency).await;
    assert!(
        done.has_notice("notice-feedback-submitted"),
        "{}",
        done.html
    );
}

/// The dealer, having accepted `lead`, marks it lost and answers that the customer was
/// never reached.
pub(crate) async fn report_unreached(phone: &mut Browser, lead: i64) {
    move_to(phone, lead, "lost").await;
    let request = phone.newest_feedback_request().await;
    let done = report(phone, request, "unreached", "").await;
    assert!(
        done.has_notice("notice-feedback-submitted"),
        "{}",
        done.html
    );
}

async fn report(phone: &mut Browser, request: i64, outcome: &str, revenue: &str) -> Page {
    report_in(phone, request, outcome, revenue, "EUR").await
}

async fn report_in(
    phone: &mut Browser,
    request: i64,
    outcome: &str,
    revenue: &str,
    currency: &str,
) -> Page {
    phone
        .post(
            &format!("/feedback/{request}"),
            &[
                ("outcome", outcome),
                ("close_date", "2026-11-10"),
                ("revenue", revenue),
                ("currency", currency),
                ("products", "lathes"),
                ("decision_factors", "price"),
                ("first_heard", "trade_fair"),
                ("lead_quality", "4"),
                ("notes", "Cliente soddisfatto"),
                ("action", "submit"),
            ],
        )
        .await
}

/// The report's rows as (key, revenue in cents), and its total.
pub(crate) async fn revenue_by(desk: &mut Browser, query: &str) -> (Vec<(String, i64)>, i64, Page) {
    let page = desk.get(&format!("/attribution?{query}")).await;
    assert_eq!(page.status, 200, "{}", page.html);
    let keys = page.all("data-key");
    let cents: Vec<i64> = page
        .all("data-revenue-cents")
        .iter()
        .map(|c| c.parse().expect("cents"))
        .collect();
    // The rows' cents, then the totals row's.
    let total = *cents.last().expect("a totals row");
    let rows = keys
        .into_iter()
        .zip(cents)
        .filter(|(_, c)| *c != 0)
        .collect();
    (rows, total, page)
}

fn cents_of(rows: &[(String, i64)], key: &str) -> i64 {
    rows.iter().find(|(k, _)| k == key).map_or(0, |(_, c)| *c)
}

pub(crate) const PERIOD: &str = "from=2026-01-01&to=2026-12-31";

#[tokio::test]
async fn a_won_sale_is_credited_to_its_journey_in_cents_that_sum_to_its_revenue_under_every_model()
{
    let app = portal().await;
    let lead = push_lead(&app, "ATT-1").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    win(&mut phone, lead, "48500").await;
    let mut desk = logged_in(&app, "canale@example.it").await;

    for model in MODELS {
        let (rows, total, _) = revenue_by(&mut desk, &format!("model={model}&{PERIOD}")).await;
        assert_eq!(total, 4_850_000, "{model}");
        assert_eq!(
            rows.iter().map(|(_, c)| c).sum::<i64>(),
            4_850_000,
            "{model}: {rows:?}"
        );
    }
    let (first, _, _) = revenue_by(&mut desk, &format!("model=first_touch&{PERIOD}")).await;
    assert_eq!(first, [("paid_search".to_owned(), 4_850_000)]);
    // Last non-direct skips the direct visit.
    let (last, _, _) = revenue_by(&mut desk, &format!("model=last_non_direct&{PERIOD}")).await;
    assert_eq!(last, [("email".to_owned(), 4_850_000)]);
    // Linear: a third each, the odd cent to the first touch.
    let (linear, _, page) = revenue_by(&mut desk, &format!("model=linear&{PERIOD}")).await;
    assert_eq!(cents_of(&linear, "paid_search"), 1_616_667);
    assert_eq!(cents_of(&linear, "email"), 1_616_667);
    assert_eq!(cents_of(&linear, "direct"), 1_616_666);
    assert!(
        page.has("data-leads", "0.3333333333333333"),
        "{}",
        page.html
    );
    // By campaign: the email's third is the campaign's, the rest has none.
    let (campaigns, _, _) =
        revenue_by(&mut desk, &format!("model=linear&by=campaign&{PERIOD}")).await;
    assert_eq!(cents_of(&campaigns, "autumn-26"), 1_616_667);
    assert_eq!(cents_of(&campaigns, "(none)"), 3_233_333);
}

#[tokio::test]
async fn a_correction_replaces_the_credits_and_a_retraction_removes_them() {
    let app = portal().await;
    let lead = push_lead(&app, "ATT-2").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    win(&mut phone, lead, "48500").await;
    let request = phone.newest_feedback_request().await;
    let mut desk = logged_in(&app, "canale@example.it").await;

    let corrected = report(&mut phone, request, "won", "50000").await;
    assert!(corrected.has_notice("notice-feedback-submitted"));
    let (_, total, _) = revenue_by(&mut desk, &format!("model=position_based&{PERIOD}")).await;
    assert_eq!(total, 5_000_000);
    let (rows, _, _) = revenue_by(&mut desk, &format!("model=position_based&{PERIOD}")).await;
    assert_eq!(cents_of(&rows, "paid_search"), 2_000_000);
    assert_eq!(cents_of(&rows, "email"), 1_000_000);
    assert_eq!(cents_of(&rows, "direct"), 2_000_000);

    report(&mut phone, request, "open", "").await;
    let (rows, total, _) = revenue_by(&mut desk, &format!("model=linear&{PERIOD}")).await;
    assert_eq!((rows.len(), total), (0, 0), "{rows:?}");
}

pub(crate) async fn post_touchpoints(
    app: &TestApp,
    external_id: &str,
    body: &Value,
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/leads/{external_id}/touchpoints",
            app.address
        ))
        .bearer_auth(app.api_token())
        .json(body)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn touchpoints_after_handover_are_appended_once_and_a_changed_resend_is_a_conflict() {
    let app = portal().await;
    push_lead(&app, "ATT-3").await;
    let webinar = json!({
        "touchpoint_id": "web-77",
        "occurred_at": "2026-10-05T15:00:00Z",
        "channel": "webinar",
        "campaign": "lathes-live"
    });

    let (status, body) = post_touchpoints(&app, "ATT-3", &webinar).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["results"][0]["status"], "created");
    let (status, body) = post_touchpoints(&app, "ATT-3", &webinar).await;
    assert_eq!(
        (status, &body["results"][0]["status"]),
        (200, &json!("duplicate"))
    );
    let mut changed = webinar.clone();
    changed["channel"] = json!("trade_fair");
    let (status, body) = post_touchpoints(&app, "ATT-3", &changed).await;
    assert_eq!(
        (status, &body["results"][0]["status"]),
        (409, &json!("conflict"))
    );

    // Several at once: the good one is stored, the bad one says why.
    let (status, body) = post_touchpoints(
        &app,
        "ATT-3",
        &json!({ "touchpoints": [
            { "touchpoint_id": "fair-1", "occurred_at": "2026-10-08T10:00:00Z", "channel": "trade_fair" },
            { "touchpoint_id": "bad-1", "occurred_at": "yesterday", "channel": "" , "colour": "red" }
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "created");
    assert_eq!(body["results"][1]["status"], "invalid");
    let fields: Vec<&str> = body["results"][1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "touchpoints[1].colour",
            "touchpoints[1].occurred_at",
            "touchpoints[1].channel"
        ]
    );

    // The lead shows its five touchpoints, and re-sending the lead as it came is still
    // the same lead, not a conflict.
    let lead = app.lead_via_api(&app.api_token(), "ATT-3").await;
    assert_eq!(lead["touchpoints"].as_array().unwrap().len(), 5, "{lead}");
    let again = LeadBody::new("ATT-3")
        .received_at("2026-10-01T09:30:00Z")
        .region("Lombardia")
        .touchpoint(json!({ "occurred_at": "2026-09-10T10:00:00Z", "channel": "paid_search", "source": "google", "medium": "cpc" }))
        .touchpoint(json!({ "occurred_at": "2026-09-20T10:00:00Z", "channel": "email", "campaign": "autumn-26", "source": "newsletter", "medium": "email" }))
        .touchpoint(json!({ "occurred_at": "2026-10-01T09:00:00Z", "channel": "direct" }));
    let resent = app.post_to_intake(&app.api_token(), &again.json()).await;
    assert_eq!(resent.status().as_u16(), 200);

    let (status, _) = post_touchpoints(&app, "NOPE", &webinar).await;
    assert_eq!(status, 404);
    // Another source's token does not reach this source's lead.
    let other_source = dealerloop::services::api_tokens::issue(
        &mut app.conn(),
        &dealerloop::services::audit::Actor::cli(),
        "trade-fair-app",
        "fairs",
    )
    .unwrap()
    .secret;
    let foreign = reqwest::Client::new()
        .post(format!("{}/api/v1/leads/ATT-3/touchpoints", app.address))
        .bearer_auth(other_source)
        .json(&webinar)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status().as_u16(), 404);
    let unauthenticated = reqwest::Client::new()
        .post(format!("{}/api/v1/leads/ATT-3/touchpoints", app.address))
        .json(&webinar)
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status().as_u16(), 401);
}

#[tokio::test]
async fn a_touchpoint_reaching_a_won_lead_recredits_its_revenue() {
    let app = portal().await;
    let lead = push_lead(&app, "ATT-4").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    win(&mut phone, lead, "1000").await;

    let (status, _) = post_touchpoints(
        &app,
        "ATT-4",
        &json!({ "touchpoint_id": "fair-9", "occurred_at": "2026-10-20T10:00:00Z", "channel": "trade_fair" }),
    )
    .await;
    assert_eq!(status, 201);

    let mut desk = logged_in(&app, "canale@example.it").await;
    let (rows, total, _) = revenue_by(&mut desk, &format!("model=linear&{PERIOD}")).await;
    assert_eq!(total, 100_000);
    assert_eq!(cents_of(&rows, "trade_fair"), 25_000, "{rows:?}");
    // The last touch before the sale is now the trade fair.
    let (rows, _, _) = revenue_by(&mut desk, &format!("model=last_touch&{PERIOD}")).await;
    assert_eq!(rows, [("trade_fair".to_owned(), 100_000)]);
}

#[tokio::test]
async fn a_dealer_logs_a_visit_in_one_tap_and_only_on_its_own_leads() {
    let app = portal().await;
    app.create_dealer("MI-02");
    app.create_user("due@example.it", "dealer", Some("MI-02"));
    let lead = push_lead(&app, "ATT-5").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    accept(&mut phone, lead).await;

    let page = phone
        .post(
            &format!("/dealer/leads/{lead}/touches"),
            &[("kind", "visit")],
        )
        .await;
    assert!(page.has_notice("notice-touch-logged"), "{}", page.html);
    assert!(page.contains("dealer · Visit"), "{}", page.html);
    let lead_json = app.lead_via_api(&app.api_token(), "ATT-5").await;
    let last = lead_json["touchpoints"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["channel"].as_str(), last["kind"].as_str()),
        (Some("dealer"), Some("visit"))
    );

    let mut other = logged_in(&app, "due@example.it").await;
    other.get("/dealer").await;
    let refused = other
        .post(
            &format!("/dealer/leads/{lead}/touches"),
            &[("kind", "call")],
        )
        .await;
    assert_eq!(refused.status, 404);
}

#[tokio::test]
async fn the_data_driven_model_runs_on_request_and_credits_by_removal_effect() {
    let app = portal().await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    // Two won journeys (paid search → email → direct) and one lost that had only paid
    // search: without any one of the three channels nothing converts, so each has a
    // removal effect of 1 and a third of the credit.
    for id in ["ATT-6", "ATT-7"] {
        let lead = push_lead(&app, id).await;
        win(&mut phone, lead, "2000").await;
    }
    let lost = LeadBody::new("ATT-8")
        .received_at("2026-10-01T09:30:00Z")
        .region("Lombardia")
        .touchpoint(json!({ "occurred_at": "2026-09-10T10:00:00Z", "channel": "paid_search" }));
    let lost = app.push_lead(&app.api_token(), &lost).await["id"]
        .as_i64()
        .unwrap();
    accept(&mut phone, lost).await;
    move_to(&mut phone, lost, "lost").await;
    let request = phone.newest_feedback_request().await;
    let reported = phone
        .post(
            &format!("/feedback/{request}"),
            &[
                ("outcome", "lost"),
                ("lost_reason", "competitor"),
                ("competitor", "Torni Rossi"),
                ("action", "submit"),
            ],
        )
        .await;
    assert!(
        reported.has_notice("notice-feedback-submitted"),
        "{}",
        reported.html
    );

    let mut desk = logged_in(&app, "canale@example.it").await;
    let before = desk.get("/attribution?model=markov").await;
    let ran = desk.post("/attribution/runs", &[]).await;
    assert!(
        ran.has_notice("notice-attribution-run-done"),
        "{}",
        ran.html
    );
    assert!(!before.has("id", "markov-channels") || before.has("id", "markov-none"));
    assert!(ran.has("id", "markov-channels"), "{}", ran.html);
    // Every channel is needed for each conversion: each has removal effect 1, a third.
    let shares: Vec<f64> = ran
        .all("data-share")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(shares.len(), 3, "{}", ran.html);
    assert!(
        shares.iter().all(|s| (s - 1.0 / 3.0).abs() < 1e-9),
        "{shares:?}"
    );
    let (rows, total, _) = revenue_by(&mut desk, &format!("model=markov&{PERIOD}")).await;
    assert_eq!(total, 400_000);
    assert_eq!(rows.iter().map(|(_, c)| c).sum::<i64>(), 400_000);
    assert!(app.audit_actions().contains(&"attribution_run".to_owned()));
}

#[tokio::test]
async fn a_manager_sets_up_an_unknown_campaign_and_its_spend_and_the_report_shows_its_roi() {
    let app = portal().await;
    let lead = push_lead(&app, "ATT-9").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    win(&mut phone, lead, "3000").await;
    let mut desk = logged_in(&app, "canale@example.it").await;

    let campaigns = desk.get("/campaigns").await;
    assert!(
        campaigns.has("data-code", "autumn-26"),
        "{}",
        campaigns.html
    );
    let saved = desk
        .post(
            "/campaigns",
            &[
                ("code", "autumn-26"),
                ("channel", "Email"),
                ("name", "Autumn mailing"),
            ],
        )
        .await;
    assert!(saved.has_notice("notice-campaign-saved"), "{}", saved.html);
    assert!(!saved.has("id", "unknown-campaigns"));
    let spent = desk
        .post(
            "/campaigns/spend",
            &[
                ("code", "autumn-26"),
                ("month", "2026-09"),
                ("amount", "500.00"),
                ("lang", "en"),
            ],
        )
        .await;
    assert!(spent.has_notice("notice-spend-saved"), "{}", spent.html);
    let refused = desk
        .post(
            "/campaigns/spend",
            &[
                ("code", "autumn-26"),
                ("month", "2026-09"),
                ("amount", "-5"),
                ("lang", "en"),
            ],
        )
        .await;
    assert!(
        refused.has_notice("notice-campaign-error-amount"),
        "{}",
        refused.html
    );

    // Last non-direct: the email has all 3,000 € against 500 € of spend: ROI 500 %.
    let page = desk
        .get(&format!("/attribution?model=last_non_direct&{PERIOD}"))
        .await;
    assert!(page.contains("500.0 %"), "{}", page.html);
    let csv = desk
        .client
        .get(desk.url(&format!("/attribution.csv?model=last_non_direct&{PERIOD}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let email = csv.lines().find(|l| l.starts_with("email,")).expect(&csv);
    assert!(email.contains(",3000.00,"), "{email}");
    assert!(email.contains(",500.00,"), "{email}");
    assert!(
        app.audit_actions()
            .contains(&"campaign_spend_set".to_owned())
    );
}

#[tokio::test]
async fn dealers_cannot_reach_the_attribution_pages() {
    let app = portal().await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    for path in [
        "/attribution",
        "/attribution/models",
        "/campaigns",
        "/attribution.csv",
    ] {
        let page = phone.get(path).await;
        assert!(
            page.status == 403 || page.status == 404,
            "{path}: {}",
            page.status
        );
    }
    let page = phone
        .post(
            "/campaigns",
            &[("code", "x"), ("channel", "y"), ("name", "z")],
        )
        .await;
    assert!(page.status == 403 || page.status == 404, "{}", page.status);
}

#[tokio::test]
async fn the_checks_page_sets_the_lead_score_and_the_first_contact_against_the_sales() {
    let app = portal().await;
    let lead = push_lead(&app, "ATT-10").await;
    push_lead(&app, "ATT-11").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    win(&mut phone, lead, "2000").await;
    let mut desk = logged_in(&app, "canale@example.it").await;

    let page = desk
        .get(&format!("/attribution/checks?model=linear&{PERIOD}"))
        .await;
    assert_eq!(page.status, 200, "{}", page.html);
    // Two leads of one grade, one of them won.
    assert_eq!(
        page.all("data-leads").first().map(String::as_str),
        Some("2")
    );
    assert_eq!(page.all("data-won").first().map(String::as_str), Some("1"));
    // The won sale's first touch was paid search; the customer said "trade fair".
    assert!(page.has("data-first-touch", "paid_search"), "{}", page.html);
    assert!(page.has("data-month", "2026-11"), "{}", page.html);

    // Every table downloads: the checks' tables, and the models side by side.
    let csv = |path: String| {
        let client = desk.client.clone();
        let url = desk.url(&path);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let checks = csv(format!("/attribution/checks.csv?model=linear&{PERIOD}")).await;
    assert!(checks.starts_with("grade,leads,won,"), "{checks}");
    assert!(
        checks.contains("\nfirst_touch,heard_trade_fair,"),
        "{checks}"
    );
    assert!(checks.contains("\n2026-11,"), "{checks}");
    let models = csv(format!("/attribution/models.csv?{PERIOD}")).await;
    assert!(models.starts_with("key,first_touch_eur,"), "{models}");
    let paid = models
        .lines()
        .find(|l| l.starts_with("paid_search,"))
        .expect(&models);
    // First touch gives paid search everything; last touch nothing.
    assert!(paid.starts_with("paid_search,2000.00,0.00,"), "{paid}");
}

#[tokio::test]
async fn a_quote_amount_the_dealer_gives_is_the_open_pipeline_of_the_lead_s_channels() {
    let app = portal().await;
    let lead = push_lead(&app, "ATT-12").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    accept(&mut phone, lead).await;
    move_to(&mut phone, lead, "contacted").await;

    let refused = phone
        .post(
            &format!("/dealer/leads/{lead}/status"),
            &[("status", "quote_sent"), ("quote", "about ten thousand")],
        )
        .await;
    assert!(
        refused.has_notice("notice-quote-amount-invalid"),
        "{}",
        refused.html
    );
    assert!(refused.has("data-status", "contacted"), "{}", refused.html);
    let quoted = phone
        .post(
            &format!("/dealer/leads/{lead}/status"),
            &[("status", "quote_sent"), ("quote", "12500")],
        )
        .await;
    assert!(quoted.has("data-status", "quote_sent"), "{}", quoted.html);

    let mut desk = logged_in(&app, "canale@example.it").await;
    let page = desk
        .get(&format!("/attribution?model=first_touch&{PERIOD}"))
        .await;
    let pipeline: Vec<i64> = page
        .all("data-pipeline-cents")
        .iter()
        .map(|c| c.parse().unwrap())
        .collect();
    assert_eq!(pipeline.iter().sum::<i64>(), 1_250_000, "{}", page.html);
    assert!(pipeline.contains(&1_250_000));
}

#[tokio::test]
async fn channel_managers_get_the_weekly_digest_once_on_monday_unless_they_turn_it_off() {
    use chrono::NaiveDate;
    use dealerloop::services::attribution::{Settings, digest};
    let app = portal().await;
    app.create_user("altro@example.it", "manager", None);
    let lead = push_lead(&app, "ATT-13").await;
    let mut phone = logged_in(&app, "uno@example.it").await;
    win(&mut phone, lead, "3000").await;
    let mut other = logged_in(&app, "altro@example.it").await;
    let page = other.get("/account/digest").await;
    assert!(page.has("data-digest", "on"), "{}", page.html);
    let page = other.post("/account/digest", &[("on", "no")]).await;
    assert!(page.has("data-digest", "off"), "{}", page.html);

    // Monday 16 November, 8:00 in Rome: the digest of the week from 9 November, in which
    // the sale closed (on the 10th).
    let monday = NaiveDate::from_ymd_opt(2026, 11, 16)
        .unwrap()
        .and_hms_opt(7, 0, 0)
        .unwrap();
    let send = |at| {
        digest::send_due(
            &mut app.conn(),
            &Settings::default(),
            chrono_tz::Europe::Rome,
            &app.address,
            at,
        )
        .unwrap()
    };
    assert_eq!(
        send(monday - chrono::TimeDelta::hours(2)),
        0,
        "not before 7:00"
    );
    assert_eq!(send(monday), 1);
    assert_eq!(send(monday + chrono::TimeDelta::hours(1)), 0, "once a week");

    let mails = app.emails_to("canale@example.it").await;
    let digest = mails
        .iter()
        .find(|m| m.subject.contains("09/11/2026"))
        .expect("the weekly digest");
    assert!(digest.text.contains("paid search"), "{}", digest.text);
    assert!(digest.text.contains("3.000,00"), "{}", digest.text);
    assert!(digest.text.contains("/account/digest"), "{}", digest.text);
    assert!(
        app.emails_to("altro@example.it")
            .await
            .iter()
            .all(|m| !m.subject.contains("09/11/2026"))
    );

    // The email's own link turns the digest off without logging in, with one button (a
    // mail scanner opening the link changes nothing), and works once.
    let link = digest
        .text
        .lines()
        .find_map(|l| {
            l.split_once("/digest/off/")
                .map(|(_, t)| t.trim().to_owned())
        })
        .expect("an unsubscribe link");
    let path = format!("/digest/off/{link}");
    let mut visitor = app.browser_with_language("en");
    let page = visitor.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.has("data-digest", "on"));
    let done = visitor.post(&path, &[]).await;
    assert!(done.has("data-digest", "off"), "{}", done.html);
    let mut desk = logged_in(&app, "canale@example.it").await;
    assert!(desk.get("/account/digest").await.has("data-digest", "off"));
    assert!(app.audit_actions().contains(&"digest_off".to_owned()));
    assert_eq!(visitor.get(&path).await.status, 410, "used once");
    assert_eq!(visitor.post(&path, &[]).await.status, 410);
    let forged = format!("/digest/off/{}", "A".repeat(43));
    assert_eq!(visitor.get(&forged).await.status, 410);
}
