//! Post-sale feedback: the request that opens on won/lost or after a month, the emailed
//! link traded for a form session, partial saves, submissions that record the outcome and
//! its outbox event, corrections, reminders, expired and revoked links, and the channel
//! manager's review.

use chrono::TimeDelta;
use dealerloop::services::feedback::{self, FeedbackPolicy};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Browser, LeadBody, PASSWORD, TestApp, link_in, spawn_app};

const CONTACT: &str = "mi-01@dealers.example.it";

/// The portal with one Milan dealer, MI-01, and its user `uno@`.
async fn app_with_a_milan_dealer() -> TestApp {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    app
}

/// A lead accepted by the Milan dealer from the phone. Returns the lead id.
async fn accepted_lead(app: &TestApp, external_id: &str) -> i64 {
    let lead = LeadBody::new(external_id)
        .received_at("2026-10-01T09:30:00Z")
        .company("Officine Bianchi")
        .region("Lombardia")
        .touchpoint(json!({ "occurred_at": "2026-09-20T10:00:00Z", "channel": "trade_fair", "campaign": "emo-2026" }));
    let body = app.push_lead(&app.api_token(), &lead).await;
    let new_lead = body["id"].as_i64().unwrap();
    let mut phone = app.browser();
    phone.login("uno@example.it", PASSWORD).await;
    let offer_id = phone.offer_on_lead_page(new_lead).await;
    let accepted = phone
        .post(&format!("/dealer/offers/{offer_id}/accept"), &[])
        .await;
    assert!(accepted.has("data-status", "accepted"), "{}", accepted.html);
    new_lead
}

/// The dealer user marks the lead won (or lost) from the phone.
async fn mark(app: &TestApp, lead_id: i64, status: &str) -> Browser {
    let mut phone = app.browser();
    phone.login("uno@example.it", PASSWORD).await;
    phone.get(&format!("/dealer/leads/{lead_id}")).await;
    phone
        .post(
            &format!("/dealer/leads/{lead_id}/status"),
            &[("status", status)],
        )
        .await;
    phone
}

/// The newest feedback link emailed to the dealer's contact address.
async fn feedback_link(app: &TestApp) -> String {
    let mails = app.emails_to(CONTACT).await;
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.text.contains("/feedback/t/"))
        .expect("a feedback email");
    link_in(&mail.text, &format!("{}/feedback/t/", app.address))
}

/// The newest feedback request, as the dealer user's feedback page lists it.
async fn request_id(app: &TestApp) -> i64 {
    let mut phone = app.browser();
    phone.login("uno@example.it", PASSWORD).await;
    phone.newest_feedback_request().await
}

/// The outcome events in the outbox, oldest first: (event id, kind, corrected event id,
/// payload). Read from storage: the outbox is what delivery reads, and no page or feed
/// shows it yet.
fn events(app: &TestApp) -> Vec<(String, String, Option<String>, String)> {
    use dealerloop::schema::outcome_events::dsl::*;
    outcome_events
        .order(id)
        .select((event_id, kind, corrects_event_id, payload))
        .load(&mut *app.conn())
        .unwrap()
}

fn policy(app: &TestApp) -> FeedbackPolicy {
    FeedbackPolicy {
        base_url: app.address.clone(),
        ..FeedbackPolicy::default()
    }
}

fn won_form<'a>(revenue: &'a str, notes: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("outcome", "won"),
        ("close_date", "2026-11-10"),
        ("revenue", revenue),
        ("currency", "EUR"),
        ("products", "lathes"),
        ("decision_factors", "price"),
        ("decision_factors", "service"),
        ("first_heard", "trade_fair"),
        ("lead_quality", "4"),
        ("notes", notes),
    ]
}

#[tokio::test]
async fn marking_a_lead_won_opens_one_request_and_emails_the_dealer_a_link() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-1").await;

    mark(&app, lead_id, "won").await;

    let mails = app.emails_to(CONTACT).await;
    let request = mails
        .iter()
        .find(|m| m.subject.contains("Officine Bianchi"))
        .expect("the feedback request email");
    assert!(request.text.contains("/feedback/t/"), "{}", request.text);
    // Why the request opened (on the outcome, not by the timer) shows on no page.
    let opened: Vec<(String, Option<i64>)> = {
        use dealerloop::schema::feedback_requests::dsl::*;
        feedback_requests
            .select((opened_by, open_lead_id))
            .load(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(opened, [("outcome".to_owned(), Some(lead_id))]);
}

#[tokio::test]
async fn the_link_becomes_a_form_session_and_the_address_loses_the_token() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-2").await;
    mark(&app, lead_id, "won").await;
    let link = feedback_link(&app).await;
    let phone = app.browser();

    let first = phone.without_redirects().get(&link).send().await.unwrap();

    assert_eq!(first.status(), 303);
    assert_eq!(first.headers()["referrer-policy"], "no-referrer");
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("/feedback/{}", request_id(&app).await));
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("dl_fb=")
            && cookie.contains("Path=/feedback")
            && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let token = link.rsplit('/').next().unwrap();
    assert!(!location.contains(token) && !cookie.contains(token));

    let mut phone = app.browser();
    let form = phone.get(&link).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.path(), location);
    assert_eq!(form.headers["referrer-policy"], "no-referrer");
    assert!(
        form.contains(&format!("action=\"{location}\"")),
        "the form: {}",
        form.html
    );
    assert!(
        form.contains("id=\"outcome-won\" name=\"outcome\" value=\"won\" checked"),
        "won is preselected"
    );
    // The form session reaches nothing else.
    let elsewhere = phone.get("/dealer").await;
    assert_eq!(elsewhere.path(), "/login");
}

#[tokio::test]
async fn a_form_saved_part_way_is_resumed_from_the_same_link_on_another_visit() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-3").await;
    mark(&app, lead_id, "won").await;
    let link = feedback_link(&app).await;
    let mut phone = app.browser();
    phone.get(&link).await;

    let saved = phone
        .post(
            &format!("/feedback/{}", request_id(&app).await),
            &[
                ("outcome", "won"),
                ("revenue", "12.500,50"),
                ("action", "save"),
            ],
        )
        .await;

    assert!(saved.has_notice("notice-feedback-saved"), "{}", saved.html);
    assert!(
        saved.has("data-answered", "2") && saved.has("data-applicable", "8"),
        "{}",
        saved.html
    );
    let mut later = app.browser();
    let resumed = later.get(&link).await;
    assert!(resumed.contains("value=\"12500,50\""), "{}", resumed.html);
    assert!(events(&app).is_empty(), "a draft records no outcome");
}

#[tokio::test]
async fn submitting_a_won_sale_records_the_outcome_and_one_outbox_event() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-4").await;
    mark(&app, lead_id, "won").await;
    let link = feedback_link(&app).await;
    let mut phone = app.browser_with_language("en");
    phone.get(&link).await;
    let path = format!("/feedback/{}", request_id(&app).await);
    let mut form = won_form("48,500.00", "");
    form.push(("action", "submit"));

    let done = phone.post(&path, &form).await;
    // The phone's back button and a second tap on "send".
    phone.get(&path).await;
    phone.post(&path, &form).await;

    assert!(
        done.has_notice("notice-feedback-submitted"),
        "{}",
        done.html
    );
    // The attribution store has no reader yet: read the recorded outcome from storage.
    let outcome: (String, Option<i64>, String) = {
        use dealerloop::schema::sale_outcomes::dsl::*;
        sale_outcomes
            .select((outcome, revenue_cents, currency))
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(outcome, ("won".into(), Some(4_850_000), "EUR".into()));
    let written = events(&app);
    assert_eq!(written.len(), 1, "a double submit stores one submission");
    let payload: Value = serde_json::from_str(&written[0].3).unwrap();
    assert_eq!(written[0].1, "outcome.recorded");
    assert_eq!(payload["event_id"], written[0].0.as_str());
    assert_eq!(payload["lead"]["external_id"], "FB-4");
    assert_eq!(
        payload["revenue"],
        json!({ "amount_cents": 4_850_000, "currency": "EUR" })
    );
    assert_eq!(payload["touchpoints"][0]["campaign"], "emo-2026");
    // The manager's export shows the completeness and the response time.
    app.create_user("canale@example.it", "manager", None);
    let mut desk = app.browser();
    desk.login("canale@example.it", PASSWORD).await;
    let csv = desk.get("/feedback/export.csv").await;
    let mut reader = csv::Reader::from_reader(csv.html.as_bytes());
    let header = reader.headers().expect("a header").clone();
    let row = reader
        .records()
        .next()
        .expect("the FB-4 row")
        .expect("a CSV row");
    let column = |name: &str| &row[header.iter().position(|h| h == name).expect(name)];
    assert_eq!(column("lead_external_id"), "FB-4");
    assert_eq!(column("completeness_percent"), "95.0", "all but the notes");
    assert!(
        column("response_hours")
            .parse::<f64>()
            .is_ok_and(|h| h >= 0.0),
        "{}",
        csv.html
    );
}

#[tokio::test]
async fn changing_a_submitted_outcome_appends_a_correcting_event() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-5").await;
    mark(&app, lead_id, "won").await;
    let link = feedback_link(&app).await;
    let mut phone = app.browser_with_language("en");
    phone.get(&link).await;
    let path = format!("/feedback/{}", request_id(&app).await);
    let mut first = won_form("48500", "");
    first.push(("action", "submit"));
    phone.post(&path, &first).await;

    let mut second = won_form("51000", "");
    second.push(("action", "submit"));
    phone.post(&path, &second).await;
    phone.get(&path).await;
    let lost = phone
        .post(
            &path,
            &[
                ("outcome", "lost"),
                ("lost_reason", "competitor"),
                ("competitor", "Torni Rossi"),
                ("action", "submit"),
            ],
        )
        .await;

    assert_eq!(lost.status, 200);
    let written = events(&app);
    let kinds: Vec<&str> = written.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(
        kinds,
        ["outcome.recorded", "outcome.corrected", "outcome.corrected"]
    );
    assert_eq!(written[1].2.as_deref(), Some(written[0].0.as_str()));
    assert_eq!(written[2].2.as_deref(), Some(written[1].0.as_str()));
    let lead = app.lead_via_api(&app.api_token(), "FB-5").await;
    assert_eq!(lead["status"], "lost", "{lead}");
}

#[tokio::test]
async fn bad_answers_are_refused_next_to_their_field_and_everything_typed_is_kept() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-6").await;
    mark(&app, lead_id, "won").await;
    let link = feedback_link(&app).await;
    let mut phone = app.browser();
    phone.get(&link).await;
    let path = format!("/feedback/{}", request_id(&app).await);

    let page = phone
        .post(
            &path,
            &[
                ("outcome", "won"),
                ("revenue", "12,345"),
                ("close_date", "2099-01-01"),
                ("lead_quality", "7"),
                ("notes", "Cliente molto interessato al tornio CNC"),
                ("action", "submit"),
            ],
        )
        .await;

    assert_eq!(page.status, 422);
    assert_eq!(
        page.error_key("revenue").as_deref(),
        Some("feedback-error-revenue-decimals"),
        "{}",
        page.html
    );
    assert_eq!(
        page.error_key("close_date").as_deref(),
        Some("feedback-error-date-future")
    );
    assert!(page.has_error("feedback-error-rating"));
    assert!(
        page.contains("Cliente molto interessato al tornio CNC"),
        "the notes are kept"
    );
    let lost = phone
        .post(&path, &[("outcome", "lost"), ("action", "submit")])
        .await;
    assert_eq!(
        lost.error_key("lost_reason").as_deref(),
        Some("feedback-error-lost-reason-required")
    );
    assert!(events(&app).is_empty());
}

#[tokio::test]
async fn a_month_after_acceptance_without_an_outcome_a_request_opens_by_itself() {
    let app = app_with_a_milan_dealer().await;
    accepted_lead(&app, "FB-7").await;
    let now = dealerloop::db::now();
    assert_eq!(
        feedback::process_due(&mut app.conn(), &policy(&app), now)
            .unwrap()
            .opened,
        0
    );

    let run =
        feedback::process_due(&mut app.conn(), &policy(&app), now + TimeDelta::days(31)).unwrap();
    let again =
        feedback::process_due(&mut app.conn(), &policy(&app), now + TimeDelta::days(32)).unwrap();

    assert_eq!((run.opened, again.opened), (1, 0));
    let link = feedback_link(&app).await;
    let form = app.browser().get(&link).await;
    assert!(
        form.contains("name=\"outcome\" value=\"won\">"),
        "no outcome chosen yet"
    );
}

#[tokio::test]
async fn reminders_go_after_three_and_seven_days_and_stop_once_submitted() {
    let app = app_with_a_milan_dealer().await;
    let first = accepted_lead(&app, "FB-8").await;
    let second = accepted_lead(&app, "FB-9").await;
    mark(&app, first, "won").await;
    mark(&app, second, "lost").await;
    let now = dealerloop::db::now();
    let reminders = |app: &TestApp| {
        let app_mail = app.mail.mailer().memory().unwrap().messages();
        app_mail
            .iter()
            .filter(|m| m.subject.starts_with("Promemoria: riscontro"))
            .count()
    };
    app.sent_emails().await;

    let day1 =
        feedback::process_due(&mut app.conn(), &policy(&app), now + TimeDelta::days(1)).unwrap();
    let day3 = feedback::process_due(
        &mut app.conn(),
        &policy(&app),
        now + TimeDelta::days(3) + TimeDelta::minutes(1),
    )
    .unwrap();
    let day3_again = feedback::process_due(
        &mut app.conn(),
        &policy(&app),
        now + TimeDelta::days(3) + TimeDelta::minutes(2),
    )
    .unwrap();
    app.sent_emails().await;
    assert_eq!(
        (day1.reminded, day3.reminded, day3_again.reminded),
        (0, 2, 0)
    );
    assert_eq!(reminders(&app), 2);

    // The second lead's feedback is submitted: only the first is reminded again.
    let link = feedback_link(&app).await;
    let mut phone = app.browser();
    phone.get(&link).await;
    let path = phone.get(&link).await.path();
    phone
        .post(
            &path,
            &[
                ("outcome", "lost"),
                ("lost_reason", "price"),
                ("action", "submit"),
            ],
        )
        .await;
    let day7 = feedback::process_due(
        &mut app.conn(),
        &policy(&app),
        now + TimeDelta::days(7) + TimeDelta::minutes(1),
    )
    .unwrap();
    let day9 =
        feedback::process_due(&mut app.conn(), &policy(&app), now + TimeDelta::days(9)).unwrap();
    assert_eq!((day7.reminded, day9.reminded), (1, 0));
}

#[tokio::test]
async fn an_expired_link_offers_a_fresh_one_by_email_without_revealing_anything() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-10").await;
    mark(&app, lead_id, "won").await;
    let link = feedback_link(&app).await;
    app.sql("UPDATE feedback_links SET expires_at = '2000-01-01 00:00:00'");
    let before = app.emails_to(CONTACT).await.len();
    let mut phone = app.browser_with_language("en");

    let expired = phone.get(&link).await;
    assert_eq!(expired.status, 410);
    assert!(expired.has("data-state", "expired"), "{}", expired.html);
    let token = link.rsplit('/').next().unwrap().to_owned();
    let sent = phone.post(&format!("/feedback/t/{token}/fresh"), &[]).await;
    assert!(sent.has("data-state", "sent"), "{}", sent.html);
    assert_eq!(app.emails_to(CONTACT).await.len(), before + 1);

    // A made-up token gets the same pages, and nothing is sent.
    let fake = "A".repeat(43);
    let unknown = phone.get(&format!("/feedback/t/{fake}")).await;
    assert_eq!(unknown.status, 410);
    let same = phone.post(&format!("/feedback/t/{fake}/fresh"), &[]).await;
    assert_eq!(same.html.replace(&fake, ""), sent.html.replace(&token, ""));
    // Asking over and over is limited.
    for _ in 0..5 {
        phone.get(&link).await;
        phone.post(&format!("/feedback/t/{token}/fresh"), &[]).await;
    }
    assert!(app.emails_to(CONTACT).await.len() <= before + 3);
}

#[tokio::test]
async fn a_closed_request_shows_its_answers_read_only() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-11").await;
    mark(&app, lead_id, "won").await;
    let link = feedback_link(&app).await;
    let mut phone = app.browser_with_language("en");
    phone.get(&link).await;
    let path = format!("/feedback/{}", request_id(&app).await);
    let mut form = won_form("48500", "Bought two lathes");
    form.push(("action", "submit"));
    phone.post(&path, &form).await;
    app.sql("UPDATE feedback_requests SET closes_at = '2000-01-01 00:00:00'");

    let summary = app.browser_with_language("en").get(&link).await;
    let refused = phone
        .post(
            &path,
            &[
                ("outcome", "lost"),
                ("lost_reason", "price"),
                ("action", "submit"),
            ],
        )
        .await;

    assert_eq!(summary.status, 200);
    assert!(
        summary.contains("Bought two lathes") && summary.has("id", "feedback-closed"),
        "{}",
        summary.html
    );
    assert!(!summary.contains("name=\"outcome\""), "no form");
    assert!(
        refused.has_notice("notice-feedback-closed"),
        "{}",
        refused.html
    );
    assert_eq!(events(&app).len(), 1);
}

#[tokio::test]
async fn a_session_for_one_request_cannot_open_another_and_other_dealers_see_nothing() {
    let app = app_with_a_milan_dealer().await;
    let first = accepted_lead(&app, "FB-12").await;
    mark(&app, first, "won").await;
    let link = feedback_link(&app).await;
    let first_request = request_id(&app).await;
    let second = accepted_lead(&app, "FB-13").await;
    mark(&app, second, "won").await;
    let second_request = request_id(&app).await;
    app.create_dealer("MI-02");
    app.create_user("due@example.it", "dealer", Some("MI-02"));
    let mut phone = app.browser();
    phone.get(&link).await;

    let other = phone.get(&format!("/feedback/{second_request}")).await;
    let mut rival = app.browser();
    rival.login("due@example.it", PASSWORD).await;
    let snooping = rival.get(&format!("/feedback/{first_request}")).await;

    assert_eq!(other.status, 410);
    assert!(!other.contains("name=\"outcome\""));
    assert_eq!(snooping.status, 404);
}

#[tokio::test]
async fn dealer_users_fill_the_same_form_from_their_feedback_list() {
    let app = app_with_a_milan_dealer().await;
    let lead_id = accepted_lead(&app, "FB-14").await;
    let mut phone = mark(&app, lead_id, "lost").await;

    let list = phone.get("/dealer/feedback").await;
    assert_eq!(list.count("feedback-pending"), 1, "{}", list.html);
    let path = format!("/feedback/{}", request_id(&app).await);
    phone.get(&path).await;
    phone
        .post(
            &path,
            &[
                ("outcome", "lost"),
                ("lost_reason", "timing"),
                ("action", "submit"),
            ],
        )
        .await;

    let after = phone.get("/dealer/feedback").await;
    assert_eq!(after.count("feedback-done"), 1, "{}", after.html);
    assert_eq!(events(&app).len(), 1);
}

#[tokio::test]
async fn managers_see_overdue_forms_resend_or_revoke_links_and_export_feedback() {
    let app = app_with_a_milan_dealer().await;
    let waiting = accepted_lead(&app, "FB-15").await;
    mark(&app, waiting, "won").await;
    let old_link = feedback_link(&app).await;
    let waiting_request = request_id(&app).await;
    app.sql("UPDATE feedback_requests SET opened_at = '2026-11-01 09:00:00'");
    let answered = accepted_lead(&app, "FB-16").await;
    mark(&app, answered, "won").await;
    let link = feedback_link(&app).await;
    let mut phone = app.browser();
    phone.get(&link).await;
    let mut form = won_form("48500", "=HYPERLINK(\"x\")");
    form.push(("action", "submit"));
    phone
        .post(&format!("/feedback/{}", request_id(&app).await), &form)
        .await;
    app.create_user("canale@example.it", "manager", None);
    let mut desk = app.browser_with_language("en");
    desk.login("canale@example.it", PASSWORD).await;

    let review = desk.get("/feedback").await;
    assert!(
        review.count("review-overdue") == 1 && review.contains("FB-15"),
        "{}",
        review.html
    );
    assert!(review.count("review-submitted") == 1 && review.contains("100 %"));
    let revoked = desk
        .post(&format!("/feedback/{waiting_request}/revoke"), &[])
        .await;
    assert!(revoked.has_notice("notice-feedback-links-revoked"));
    assert_eq!(app.browser().get(&old_link).await.status, 410);
    desk.get("/feedback").await;
    let resent = desk
        .post(&format!("/feedback/{waiting_request}/resend"), &[])
        .await;
    assert!(resent.has_notice("notice-feedback-link-sent"));
    let fresh = feedback_link(&app).await;
    assert_ne!(fresh, old_link);
    assert_eq!(app.browser().get(&fresh).await.status, 200);

    let csv = desk.get("/feedback/export.csv").await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.html.lines().collect();
    assert!(lines[0].starts_with("lead_external_id,dealer,outcome,"));
    assert!(
        lines[1].starts_with("FB-16,MI-01,won,2026-11-10,48500.00,EUR,lathes"),
        "{}",
        csv.html
    );
    assert!(
        csv.html.contains("'=HYPERLINK"),
        "formulas are defused: {}",
        csv.html
    );
    let actions = app.audit_actions();
    assert!(actions.contains(&"feedback_links_revoked".to_owned()));
    assert!(actions.contains(&"feedback_link_sent".to_owned()));
}
