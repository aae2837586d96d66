//! A dealer never reaches a lead that is no longer theirs: reassignment closes the previous
//! dealer's feedback request, links and form sessions; an outcome is only recorded while
//! the lead is with that dealer; dead links show nothing; another dealer's ids answer like
//! unknown ones on every route; and the answers that matter are in the audit log.

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use dealerloop::services::feedback::{self, FeedbackPolicy};
use diesel::prelude::*;

use crate::helpers::{
    Browser, LeadBody, PASSWORD, TestApp, csrf_token_in, has_marker, link_in, spawn_app,
};

const CUSTOMER: &str = "Giulia Bianchi";

/// Whether a page shows anything of the customer (name, company or email).
fn shows_customer(html: &str) -> bool {
    [
        "Giulia Bianchi",
        "Officine Bianchi",
        "giulia@officine-bianchi.it",
    ]
    .iter()
    .any(|c| html.contains(c))
}

/// Two Milan dealers, each with a user (`uno@` for MI-01, `due@` for MI-02), and a channel
/// manager (`canale@`).
fn two_dealers(app: &TestApp) -> (i64, i64) {
    let a = app.create_dealer("MI-01");
    let b = app.create_dealer("MI-02");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    app.create_user("due@example.it", "dealer", Some("MI-02"));
    app.create_user("canale@example.it", "manager", None);
    (a, b)
}

/// Pushes a lead that both dealers cover; returns its id and the dealer it was offered to.
async fn push_lead(app: &TestApp, external_id: &str) -> (i64, i64) {
    let lead = LeadBody::new(external_id)
        .received_at("2026-10-01T09:30:00Z")
        .name(CUSTOMER)
        .company("Officine Bianchi")
        .region("Lombardia");
    let body = app.push_lead(&app.api_token(), &lead).await;
    let lead_id = body["id"].as_i64().expect("a lead id");
    (lead_id, body["dealer"]["id"].as_i64().expect("offered"))
}

/// The lead as the marketing system reads it back through the API.
async fn lead_via_api(app: &TestApp, external_id: &str) -> serde_json::Value {
    app.lead_via_api(&app.api_token(), external_id).await
}

/// The lead's status and its dealer's id, as the API shows them.
async fn status_and_dealer(app: &TestApp, external_id: &str) -> (String, Option<i64>) {
    let lead = lead_via_api(app, external_id).await;
    (
        lead["status"].as_str().expect("a status").to_owned(),
        lead["dealer"]["id"].as_i64(),
    )
}

/// The lead's offers as the API lists them: (dealer id, status), oldest first.
async fn assignments(app: &TestApp, external_id: &str) -> Vec<(i64, String)> {
    app.assignments(&app.api_token(), external_id).await
}

fn user_of(dealer: i64, a: i64) -> &'static str {
    if dealer == a {
        "uno@example.it"
    } else {
        "due@example.it"
    }
}

fn code_of(dealer: i64, a: i64) -> &'static str {
    if dealer == a { "MI-01" } else { "MI-02" }
}

async fn logged_in(app: &TestApp, email: &str) -> Browser {
    let mut browser = app.browser();
    let page = browser.login(email, PASSWORD).await;
    assert_eq!(page.status, 200, "{email} logs in");
    browser
}

/// The dealer accepts the lead's open offer from the phone.
async fn accept(phone: &mut Browser, lead: i64) {
    let offer = phone.offer_on_lead_page(lead).await;
    let page = phone
        .post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    assert!(page.contains(CUSTOMER), "accepted: the customer shows");
}

fn policy(app: &TestApp) -> FeedbackPolicy {
    FeedbackPolicy {
        base_url: app.address.clone(),
        ..FeedbackPolicy::default()
    }
}

/// The background run a month after acceptance: opens the request and emails its link.
/// Returns the request (as the dealer's feedback page lists it) and the link.
async fn open_request_by_timer(app: &TestApp, phone: &mut Browser, contact: &str) -> (i64, String) {
    let later = dealerloop::db::now() + TimeDelta::days(31);
    let run = feedback::process_due(&mut app.conn(), &policy(app), later).unwrap();
    assert_eq!(run.opened, 1, "the timer opened one request");
    let request = phone.newest_feedback_request().await;
    let mail = app
        .emails_to(contact)
        .await
        .into_iter()
        .rev()
        .find(|m| m.text.contains("/feedback/t/"))
        .expect("a feedback email");
    (
        request,
        link_in(&mail.text, &format!("{}/feedback/t/", app.address)),
    )
}

/// Rows in `table`. Read from storage: the tests that use it are about nothing being
/// written (no outcome, no event, no session) when a request is refused.
fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result::<N>(&mut *app.conn())
        .unwrap()
        .n
}

fn won_form(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf_token", csrf),
        ("outcome", "won"),
        ("close_date", "2026-11-10"),
        ("revenue", "12.000,00"),
        ("currency", "EUR"),
        ("action", "submit"),
    ]
}

/// Posts `fields` as the browser's form would (same-origin headers), without following
/// the redirect.
async fn post_raw(browser: &Browser, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    browser
        .without_redirects()
        .post(browser.url(path))
        .header("Origin", &browser.base)
        .header("Sec-Fetch-Site", "same-origin")
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Posts the feedback form like the phone would, without following the redirect.
async fn post_form(browser: &Browser, path: &str, csrf: &str) -> reqwest::Response {
    post_raw(browser, path, &won_form(csrf)).await
}

#[tokio::test]
async fn a_manager_reassigning_a_lead_closes_the_previous_dealers_request_links_and_sessions() {
    // Arrange: dealer A accepted the lead a month ago; the timer opened its feedback request
    // and A opened the emailed link (a live form session) and the portal form.
    let app = spawn_app().await;
    let (a, _) = two_dealers(&app);
    let (lead, holder) = push_lead(&app, "RE-1").await;
    let contact = format!("{}@dealers.example.it", code_of(holder, a).to_lowercase());
    let mut phone = logged_in(&app, user_of(holder, a)).await;
    accept(&mut phone, lead).await;
    let (request, link) = open_request_by_timer(&app, &mut phone, &contact).await;
    let mut by_link = app.browser();
    let form = by_link.get(&link).await;
    assert!(
        shows_customer(&form.html),
        "the live link opens the form:\n{}",
        form.html
    );
    let link_csrf = by_link.csrf_token();
    let portal = phone.get(&format!("/feedback/{request}")).await;
    assert_eq!(portal.status, 200);
    let portal_csrf = phone.csrf_token();

    // Act: the manager gives the lead to the other dealer.
    let other = if holder == a { "MI-02" } else { "MI-01" };
    let mut manager = logged_in(&app, "canale@example.it").await;
    manager
        .submit(
            &format!("/leads/{lead}"),
            &format!("/leads/{lead}/assign"),
            &[("dealer_code", other), ("reason", "the customer asked")],
        )
        .await;
    let offers_after_move = assignments(&app, "RE-1").await;
    let (new_dealer, new_status) = offers_after_move.last().cloned().expect("a new offer");
    assert_eq!(new_status, "open");
    assert_ne!(new_dealer, holder);

    // Assert: A's session from the link, A's portal form and the emailed link all refuse,
    // show no customer, and write nothing.
    let by_session = post_form(&by_link, &format!("/feedback/{request}"), &link_csrf).await;
    assert_eq!(by_session.status(), 410, "the form session has ended");
    let from_portal = post_form(&phone, &format!("/feedback/{request}"), &portal_csrf).await;
    assert_eq!(from_portal.status(), 409);
    let text = from_portal.text().await.unwrap();
    assert!(has_marker(&text, "data-state", "reassigned"), "{text}");
    assert!(!shows_customer(&text));
    let portal = phone.get(&format!("/feedback/{request}")).await;
    assert_eq!(portal.status, 409);
    assert!(!shows_customer(&portal.html));
    let again = app.browser().get(&link).await;
    assert_eq!(again.status, 410, "the emailed link is revoked");
    assert!(!shows_customer(&again.html));

    assert_eq!(
        status_and_dealer(&app, "RE-1").await,
        ("offered".to_owned(), Some(new_dealer))
    );
    assert_eq!(
        assignments(&app, "RE-1").await,
        offers_after_move,
        "B's offer stands"
    );
    assert_eq!(count(&app, "sale_outcomes"), 0);
    assert_eq!(count(&app, "outcome_events"), 0);
    // How the request was closed (withdrawn, not expired) shows on no page: read it.
    let (open, revoked): (Option<i64>, Option<chrono::NaiveDateTime>) = {
        use dealerloop::schema::feedback_requests::dsl::*;
        feedback_requests
            .find(request)
            .select((open_lead_id, revoked_at))
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(open, None, "the request is closed");
    assert!(revoked.is_some(), "as withdrawn");
}

#[tokio::test]
async fn a_lead_that_moved_on_after_a_decline_closes_the_requests_left_on_it() {
    // A accepted, the manager gave it back to A as a new offer, A declines it: the lead
    // moves on and A's request from the first round is closed.
    let app = spawn_app().await;
    let (a, _) = two_dealers(&app);
    let (lead, holder) = push_lead(&app, "RE-2").await;
    let contact = format!("{}@dealers.example.it", code_of(holder, a).to_lowercase());
    let mut phone = logged_in(&app, user_of(holder, a)).await;
    accept(&mut phone, lead).await;
    let (request, link) = open_request_by_timer(&app, &mut phone, &contact).await;
    // A request left open by a move made before moves closed requests: the lead is
    // offered to A again while A's request from the first round is still open.
    let future = (dealerloop::db::now() + TimeDelta::days(2))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    app.sql(&format!(
        "UPDATE leads SET status = 'offered' WHERE id = {lead}; \
         INSERT INTO offers (lead_id, dealer_id, status, offered_at, reminder_at, deadline_at) \
         VALUES ({lead}, {holder}, 'open', '{future}', '{future}', '{future}')"
    ));
    let offer = phone.offer_on_lead_page(lead).await;

    // Act
    phone.get("/dealer").await;
    phone
        .post(
            &format!("/dealer/offers/{offer}/decline"),
            &[("reason", "no_capacity")],
        )
        .await;

    // Assert
    let again = app.browser().get(&link).await;
    assert_eq!(again.status, 410);
    assert!(!shows_customer(&again.html));
    // That the request is closed shows on no page once the lead left the dealer: read it.
    let open: Option<i64> = {
        use dealerloop::schema::feedback_requests::dsl::*;
        feedback_requests
            .find(request)
            .select(open_lead_id)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(open, None);
}

#[tokio::test]
async fn an_outcome_for_a_lead_no_longer_with_the_dealer_is_refused_and_nothing_is_written() {
    // Arrange: A holds the lead and its request; the lead then moves to B underneath the
    // open form (as a race between A's save and a reassignment would have it).
    let app = spawn_app().await;
    let (a, b) = two_dealers(&app);
    let (lead, holder) = push_lead(&app, "RE-3").await;
    let contact = format!("{}@dealers.example.it", code_of(holder, a).to_lowercase());
    let mut phone = logged_in(&app, user_of(holder, a)).await;
    accept(&mut phone, lead).await;
    let (request, _) = open_request_by_timer(&app, &mut phone, &contact).await;
    phone.get(&format!("/feedback/{request}")).await;
    let csrf = phone.csrf_token();
    let other = if holder == a { b } else { a };
    app.sql(&format!(
        "UPDATE leads SET dealer_id = {other}, status = 'accepted' WHERE id = {lead}"
    ));
    // Whether answers were saved is read from storage: a refused save shows nothing.
    let saved_before: chrono::NaiveDateTime = {
        use dealerloop::schema::feedback::dsl::*;
        feedback
            .find(request)
            .select(saved_at)
            .first(&mut *app.conn())
            .unwrap()
    };

    // Act: the form, and the status buttons.
    let form = post_form(&phone, &format!("/feedback/{request}"), &csrf).await;
    phone.get("/dealer").await;
    let status = post_raw(
        &phone,
        &format!("/dealer/leads/{lead}/status"),
        &[
            ("csrf_token", phone.csrf_token().as_str()),
            ("status", "won"),
        ],
    )
    .await;

    // Assert
    assert_eq!(form.status(), 409);
    let text = form.text().await.unwrap();
    assert!(has_marker(&text, "data-state", "reassigned"), "{text}");
    assert_eq!(status.status(), 303);
    assert_eq!(status.headers()["location"], "/dealer");
    let dealer_page = phone.get("/dealer").await;
    assert!(
        dealer_page.has_notice("notice-lead-reassigned"),
        "the notice says why"
    );
    assert_eq!(
        status_and_dealer(&app, "RE-3").await,
        ("accepted".to_owned(), Some(other))
    );
    assert_eq!(count(&app, "sale_outcomes"), 0);
    assert_eq!(count(&app, "outcome_events"), 0);
    let (saved_after, submitted): (chrono::NaiveDateTime, Option<chrono::NaiveDateTime>) = {
        use dealerloop::schema::feedback::dsl::*;
        feedback
            .find(request)
            .select((saved_at, submitted_at))
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(saved_after, saved_before, "no answers were saved");
    assert_eq!(submitted, None);
}

/// A dealer who reported a sale and filled the form in; returns the request and its link.
async fn submitted_feedback(app: &TestApp) -> (i64, String, i64) {
    let (a, _) = two_dealers(app);
    let (lead, holder) = push_lead(app, "RV-1").await;
    let contact = format!("{}@dealers.example.it", code_of(holder, a).to_lowercase());
    let mut phone = logged_in(app, user_of(holder, a)).await;
    accept(&mut phone, lead).await;
    phone.get(&format!("/dealer/leads/{lead}")).await;
    phone
        .post(
            &format!("/dealer/leads/{lead}/status"),
            &[("status", "won")],
        )
        .await;
    let request = phone.newest_feedback_request().await;
    let mail = app
        .emails_to(&contact)
        .await
        .into_iter()
        .rev()
        .find(|m| m.text.contains("/feedback/t/"))
        .expect("a feedback email");
    let link = link_in(&mail.text, &format!("{}/feedback/t/", app.address));
    let mut by_link = app.browser();
    by_link.get(&link).await;
    let mut fields = won_form("");
    fields.remove(0);
    fields.push(("notes", "Cliente soddisfatto del tornio"));
    let done = by_link.post(&format!("/feedback/{request}"), &fields).await;
    assert!(done.contains("Cliente soddisfatto"), "{}", done.html);
    (request, link, a)
}

#[tokio::test]
async fn a_revoked_feedback_link_never_shows_the_answers_again_even_after_the_request_closed() {
    let app = spawn_app().await;
    let (request, link, _) = submitted_feedback(&app).await;
    let mut manager = logged_in(&app, "canale@example.it").await;
    manager.get("/feedback").await;
    manager
        .post(&format!("/feedback/{request}/revoke"), &[])
        .await;
    // The request's window closes afterwards.
    app.sql(&format!(
        "UPDATE feedback_requests SET closes_at = '2026-01-01 00:00:00' WHERE id = {request}"
    ));

    let page = app.browser().get(&link).await;

    assert_eq!(page.status, 410);
    assert!(!page.contains("Cliente soddisfatto"), "{}", page.html);
    assert!(!shows_customer(&page.html));
}

#[tokio::test]
async fn an_expired_feedback_link_never_shows_the_answers_again_after_the_request_closed() {
    let app = spawn_app().await;
    let (request, link, _) = submitted_feedback(&app).await;
    app.sql(&format!(
        "UPDATE feedback_links SET expires_at = '2026-01-01 00:00:00' WHERE request_id = {request}; \
         UPDATE feedback_requests SET closes_at = '2026-01-01 00:00:00' WHERE id = {request}"
    ));

    let page = app.browser().get(&link).await;

    assert_eq!(page.status, 410);
    assert!(!page.contains("Cliente soddisfatto"), "{}", page.html);
    assert!(!shows_customer(&page.html));
}

#[tokio::test]
async fn an_unknown_feedback_link_is_answered_without_waiting_for_the_writer() {
    // Arrange: a long write holds the database writer (on SQLite there is one).
    let app = spawn_app().await;
    let db = app.db.clone();
    let holding = tokio::spawn(async move {
        db.write(|conn| -> Result<(), dealerloop::error::AppError> {
            use diesel::Connection;
            conn.transaction(|conn| {
                diesel::sql_query("UPDATE dealers SET name = name").execute(conn)?;
                std::thread::sleep(Duration::from_secs(3));
                Ok(())
            })
        })
        .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let unknown = format!("/feedback/t/{}", "x".repeat(43));

    // Act
    let started = Instant::now();
    let page = app.browser().get(&unknown).await;
    let mut browser = app.browser();
    browser.get(&unknown).await;
    let fresh = browser.post(&format!("{unknown}/fresh"), &[]).await;
    let took = started.elapsed();

    // Assert
    assert_eq!(page.status, 410);
    assert_eq!(fresh.status, 200);
    assert!(
        took < Duration::from_millis(1500),
        "answered in {took:?} while the writer was held"
    );
    assert_eq!(count(&app, "feedback_sessions"), 0);
    holding.await.unwrap().unwrap();
}

#[tokio::test]
async fn declining_another_dealers_offer_with_a_bad_reason_is_a_plain_404() {
    let app = spawn_app().await;
    let (a, _) = two_dealers(&app);
    let (lead, holder) = push_lead(&app, "DC-1").await;
    let offer = logged_in(&app, user_of(holder, a))
        .await
        .offer_on_lead_page(lead)
        .await;
    let offers_before = assignments(&app, "DC-1").await;
    let intruder = if holder == a {
        "due@example.it"
    } else {
        "uno@example.it"
    };
    let mut phone = logged_in(&app, intruder).await;
    phone.get("/dealer").await;
    let unknown = post_raw(
        &phone,
        "/dealer/offers/999999/decline",
        &[("csrf_token", phone.csrf_token().as_str()), ("reason", "")],
    )
    .await;

    let response = post_raw(
        &phone,
        &format!("/dealer/offers/{offer}/decline"),
        &[("csrf_token", phone.csrf_token().as_str()), ("reason", "")],
    )
    .await;

    assert_eq!(unknown.status(), 404);
    assert_eq!(response.status(), 404, "the same answer as an unknown id");
    assert!(response.headers().get("location").is_none());
    let body = response.text().await.unwrap();
    assert!(!body.contains(&format!("/dealer/leads/{lead}")));
    assert_eq!(
        assignments(&app, "DC-1").await,
        offers_before,
        "the offer is untouched"
    );
    assert_eq!(offers_before, [(holder, "open".to_owned())]);
}

#[tokio::test]
async fn accepts_declines_feedback_submissions_and_exports_are_in_the_audit_log() {
    let app = spawn_app().await;
    let (_, _, a) = submitted_feedback(&app).await;
    let (lead, holder) = push_lead(&app, "AU-2").await;
    let mut phone = logged_in(&app, user_of(holder, a)).await;
    let offer = phone.offer_on_lead_page(lead).await;
    phone
        .post(
            &format!("/dealer/offers/{offer}/decline"),
            &[("reason", "no_capacity")],
        )
        .await;
    let mut manager = logged_in(&app, "canale@example.it").await;
    let export = manager.get("/feedback/export.csv").await;
    assert_eq!(export.status, 200);

    let actions = app.audit_actions();

    for action in [
        "offer_accepted",
        "feedback_submitted",
        "offer_declined",
        "feedback_exported",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The sweep: every route of the route table, with every id of another dealer.

/// Routes whose path parameter is a secret from an email or a file name, not an id: a
/// dealer cannot name another dealer's secret, so there is nothing to sweep.
const SECRET_ROUTES: [&str; 7] = [
    "/feedback/t/{token}",
    "/feedback/t/{token}/fresh",
    "/password/reset/{token}",
    "/invite/{token}",
    "/offers/answer/{token}/{action}",
    "/digest/off/{token}",
    "/static/{file}",
];

/// Another dealer's things, by what a route's path parameter names.
struct Theirs {
    lead: i64,
    offered_lead: i64,
    offer: i64,
    request: i64,
    dealer: i64,
    user: i64,
    token: i64,
    external_id: String,
}

impl Theirs {
    /// The ids to try on `pattern`; a pattern this does not know fails the sweep, so a new
    /// route with an id must be added here.
    fn ids_for(&self, pattern: &str) -> Vec<String> {
        let ids: Vec<i64> = match pattern {
            "/dealer/leads/{id}"
            | "/dealer/leads/{id}/status"
            | "/dealer/leads/{id}/touches"
            | "/leads/{id}"
            | "/leads/{id}/assign" => vec![self.lead, self.offered_lead],
            "/dealer/offers/{id}/accept" | "/dealer/offers/{id}/decline" => vec![self.offer],
            "/feedback/{id}"
            | "/feedback/{id}/resend"
            | "/feedback/{id}/revoke"
            | "/feedback/{id}/exclude"
            | "/feedback/{id}/include" => vec![self.request],
            "/dealers/{id}"
            | "/dealers/{id}/weight"
            | "/dealers/{id}/weight/end"
            | "/admin/dealers/{id}/edit"
            | "/admin/dealers/{id}" => vec![self.dealer],
            "/admin/users/{id}"
            | "/admin/users/{id}/disable"
            | "/admin/users/{id}/enable"
            | "/admin/users/{id}/invite" => vec![self.user],
            "/admin/api-tokens/{id}/revoke" => vec![self.token],
            "/api/v1/leads/{external_id}" | "/api/v1/leads/{external_id}/touchpoints" => {
                return vec![self.external_id.clone()];
            }
            other => panic!(
                "the route {other} takes a parameter the isolation sweep does not know: \
                 add the other dealer's ids for it in Theirs::ids_for"
            ),
        };
        ids.into_iter().map(|id| id.to_string()).collect()
    }
}

/// What a refused request must leave exactly as it was. Read from storage: the sweep
/// proves that no table changed, which no page can show.
fn snapshot(app: &TestApp) -> Vec<String> {
    use dealerloop::schema::*;
    let mut conn = app.conn();
    let c = &mut *conn;
    let mut rows: Vec<String> = Vec::new();
    fn lines<T: std::fmt::Debug>(rows: Vec<T>) -> Vec<String> {
        rows.iter().map(|r| format!("{r:?}")).collect()
    }
    let mut push = |table: &str, lines: Vec<String>| {
        rows.extend(lines.into_iter().map(|l| format!("{table} {l}")));
    };
    push(
        "leads",
        lines(
            leads::table
                .order(leads::id)
                .select((leads::id, leads::status, leads::dealer_id))
                .load::<(i64, String, Option<i64>)>(c)
                .unwrap(),
        ),
    );
    push(
        "offers",
        lines(
            offers::table
                .order(offers::id)
                .select((offers::id, offers::status, offers::dealer_id))
                .load::<(i64, String, i64)>(c)
                .unwrap(),
        ),
    );
    push(
        "requests",
        lines(
            feedback_requests::table
                .order(feedback_requests::id)
                .select((
                    feedback_requests::id,
                    feedback_requests::open_lead_id,
                    feedback_requests::revoked_at,
                    feedback_requests::submitted_at,
                ))
                .load::<(
                    i64,
                    Option<i64>,
                    Option<chrono::NaiveDateTime>,
                    Option<chrono::NaiveDateTime>,
                )>(c)
                .unwrap(),
        ),
    );
    push(
        "feedback",
        lines(
            feedback::table
                .order(feedback::request_id)
                .select((feedback::request_id, feedback::saved_at))
                .load::<(i64, chrono::NaiveDateTime)>(c)
                .unwrap(),
        ),
    );
    push(
        "links",
        lines(
            feedback_links::table
                .order(feedback_links::id)
                .select((feedback_links::id, feedback_links::revoked_at))
                .load::<(i64, Option<chrono::NaiveDateTime>)>(c)
                .unwrap(),
        ),
    );
    push(
        "dealers",
        lines(
            dealers::table
                .order(dealers::id)
                .select((dealers::id, dealers::name, dealers::active))
                .load::<(i64, String, bool)>(c)
                .unwrap(),
        ),
    );
    push(
        "users",
        lines(
            users::table
                .order(users::id)
                .select((users::id, users::active, users::role, users::dealer_id))
                .load::<(i64, bool, String, Option<i64>)>(c)
                .unwrap(),
        ),
    );
    push(
        "tokens",
        lines(
            api_tokens::table
                .order(api_tokens::id)
                .select((api_tokens::id, api_tokens::revoked_at))
                .load::<(i64, Option<chrono::NaiveDateTime>)>(c)
                .unwrap(),
        ),
    );
    drop(conn);
    for table in [
        "outcome_events",
        "sale_outcomes",
        "outbound_emails",
        "audit_events",
        "feedback_sessions",
        "allocation_decisions",
    ] {
        rows.push(format!("{table} count {}", count(app, table)));
    }
    rows
}

#[tokio::test]
async fn a_dealer_reaches_no_id_of_another_dealer_on_any_route() {
    // Arrange: dealer B has a lead it accepted (with a feedback request), a lead offered to
    // it, a user and the network has an API token. Dealer A is logged in.
    let app = spawn_app().await;
    let (a, b) = two_dealers(&app);
    let token_secret = app.api_token();
    let mut b_phone = logged_in(&app, "due@example.it").await;
    let mut theirs = None;
    let mut offered_lead = None;
    for n in 0..8 {
        let (lead, holder) = push_lead(&app, &format!("SW-{n}")).await;
        if holder != b {
            continue;
        }
        if theirs.is_none() {
            accept(&mut b_phone, lead).await;
            b_phone.get(&format!("/dealer/leads/{lead}")).await;
            b_phone
                .post(
                    &format!("/dealer/leads/{lead}/status"),
                    &[("status", "won")],
                )
                .await;
            theirs = Some((lead, format!("SW-{n}")));
        } else if offered_lead.is_none() {
            offered_lead = Some(lead);
        }
    }
    let ((lead, external_id), offered_lead) = (theirs.unwrap(), offered_lead.unwrap());
    let theirs = Theirs {
        lead,
        offered_lead,
        offer: b_phone.offer_on_lead_page(offered_lead).await,
        // The sweep needs the raw ids of B's request, user and token: read from storage.
        request: {
            use dealerloop::schema::feedback_requests::dsl::*;
            feedback_requests
                .filter(dealer_id.eq(b))
                .select(id)
                .first(&mut *app.conn())
                .unwrap()
        },
        dealer: b,
        user: {
            use dealerloop::schema::users::dsl::*;
            users
                .filter(email.eq("due@example.it"))
                .select(id)
                .first(&mut *app.conn())
                .unwrap()
        },
        token: {
            use dealerloop::schema::api_tokens::dsl::*;
            api_tokens.select(id).first(&mut *app.conn()).unwrap()
        },
        external_id,
    };
    assert!(!token_secret.is_empty());
    let _ = a;
    let mut intruder = logged_in(&app, "uno@example.it").await;
    let home = intruder.get("/dealer").await;
    let csrf = csrf_token_in(&home.html);
    let client = intruder.without_redirects();
    let before = snapshot(&app);

    // Act and assert, route by route.
    let table = dealerloop::routes::table();
    assert!(table.len() > 40, "the route table lists every route");
    let mut tried = 0;
    let mut patterns: Vec<&str> = table
        .iter()
        .map(|r| r.pattern)
        .filter(|p| p.contains('{') && !SECRET_ROUTES.contains(p))
        .collect();
    patterns.sort_unstable();
    patterns.dedup();
    // Both methods on every pattern: a POST to a page that only reads must not write either.
    let sweep = patterns
        .iter()
        .flat_map(|p| theirs.ids_for(p).into_iter().map(move |id| (*p, id)))
        .flat_map(|(p, id)| ["GET", "POST"].map(|m| (m, p, id.clone())));
    for (method, pattern, id) in sweep {
        let name = pattern[pattern.find('{').unwrap()..]
            .split('}')
            .next()
            .unwrap()
            .to_owned()
            + "}";
        {
            let path = pattern.replace(&name, &id);
            let response = match method {
                "GET" => client.get(intruder.url(&path)).send().await.unwrap(),
                "POST" => client
                    .post(intruder.url(&path))
                    .header("Origin", &intruder.base)
                    .header("Sec-Fetch-Site", "same-origin")
                    .form(&[
                        ("csrf_token", csrf.as_str()),
                        ("reason", "other"),
                        ("note", "mine now"),
                        ("status", "won"),
                        ("outcome", "won"),
                        ("close_date", "2026-11-10"),
                        ("revenue", "1"),
                        ("action", "submit"),
                        ("dealer_code", "MI-01"),
                        ("name", "Intruso"),
                        ("email", "intruso@example.it"),
                        ("role", "admin"),
                        ("active", "on"),
                    ])
                    .send()
                    .await
                    .unwrap(),
                _ => unreachable!(),
            };
            let status = response.status().as_u16();
            // The API does not take a portal session at all: it asks for its bearer token.
            let allowed: &[u16] = if path.starts_with("/api/") {
                &[401, 403, 404]
            } else {
                &[403, 404]
            };
            assert!(
                allowed.contains(&status),
                "{method} {path} answered {status} to another dealer"
            );
            let body = response.text().await.unwrap();
            assert!(
                !shows_customer(&body),
                "{method} {path} shows the other dealer's customer"
            );
            assert_eq!(snapshot(&app), before, "{method} {path} changed something");
            tried += 1;
        }
    }
    assert!(tried >= 40, "swept {tried} requests");
}
