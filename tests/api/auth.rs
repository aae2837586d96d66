//! Logging in and out, throttling, role homes.

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn each_role_lands_on_its_own_home_page_after_login() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("admin@example.it", "admin", None);
    app.create_user("manager@example.it", "manager", None);
    app.create_user("dealer@example.it", "dealer", Some("MI-01"));

    for (email, home, text) in [
        ("admin@example.it", "/admin", "Amministrazione"),
        ("manager@example.it", "/manager", "Rete di concessionari"),
        ("dealer@example.it", "/dealer", "Officina MI-01"),
    ] {
        let mut browser = app.browser();
        let page = browser.login(email, PASSWORD).await;
        assert_eq!(page.status, 200, "{email}");
        assert_eq!(page.path(), home, "{email}");
        assert!(page.contains(text), "{email} sees {text}");
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();

    let wrong_password = browser.login("mario@example.it", "not-the-password").await;
    let unknown_email = browser.login("nobody@example.it", "not-the-password").await;

    for page in [&wrong_password, &unknown_email] {
        assert_eq!(page.status, 422);
        assert!(page.has_error("login-invalid"));
        assert_eq!(page.path(), "/login");
    }
    assert!(
        wrong_password.contains("value=\"mario@example.it\""),
        "the email typed is kept"
    );
    assert!(
        !wrong_password.contains("not-the-password"),
        "the password is never echoed"
    );
    assert_eq!(
        app.audit_actions()
            .iter()
            .filter(|a| *a == "login_failed")
            .count(),
        2
    );
}

#[tokio::test]
async fn an_empty_login_form_asks_for_both_fields() {
    let app = spawn_app().await;
    let mut browser = app.browser_with_language("en-GB,en;q=0.9");

    let page = browser.login("", "").await;

    assert_eq!(page.status, 422);
    assert!(page.contains("Enter your email and your password."));
}

#[tokio::test]
async fn a_disabled_user_cannot_log_in() {
    let app = spawn_app().await;
    app.create_user("gone@example.it", "manager", None);
    app.sql("UPDATE users SET active = false WHERE email = 'gone@example.it'");

    let page = app.browser().login("gone@example.it", PASSWORD).await;

    assert_eq!(page.status, 422);
    assert!(page.has_error("login-invalid"));
}

#[tokio::test]
async fn logins_are_throttled_after_five_failures_and_say_when_to_retry() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    for _ in 0..5 {
        assert_eq!(
            browser
                .login("mario@example.it", "guess-guess")
                .await
                .status,
            422
        );
    }

    // Even the right password waits now, and the page says for how long.
    let throttled = browser.login("Mario@Example.it", PASSWORD).await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.has_error("login-throttled"), "{}", throttled.html);
    assert!(
        throttled.has("data-retry-minutes", "15"),
        "{}",
        throttled.html
    );
    assert!(throttled.headers.contains_key("retry-after"));

    // Another account from the same address is not affected by this account's lock.
    app.create_user("anna@example.it", "manager", None);
    assert_eq!(
        app.browser()
            .login("anna@example.it", PASSWORD)
            .await
            .path(),
        "/manager"
    );

    // The lock is not forever: once the failures are older than the window, login works.
    app.sql("UPDATE login_attempts SET attempted_at = '2000-01-01 00:00:00'");
    let page = browser.login("mario@example.it", PASSWORD).await;
    assert_eq!(page.path(), "/manager");
    assert!(app.audit_actions().contains(&"login_throttled".to_owned()));
}

#[tokio::test]
async fn many_failures_from_one_address_slow_down_every_account_tried_from_it() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    for i in 0..30 {
        browser
            .login(&format!("guess{i}@example.it"), "guess-guess")
            .await;
    }

    let page = browser.login("mario@example.it", PASSWORD).await;

    assert_eq!(page.status, 429);
    assert!(page.has_error("login-throttled"));
}

#[tokio::test]
async fn logging_in_gives_a_new_session_id_and_logging_out_ends_it() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    browser.login("mario@example.it", PASSWORD).await;
    let first = browser.cookie("dl_session").expect("a session cookie");

    // Logging in again (e.g. on a shared tablet) replaces the session id.
    browser.login("mario@example.it", PASSWORD).await;
    let second = browser.cookie("dl_session").expect("a session cookie");
    assert_ne!(first, second);
    assert!(first.len() >= 43, "at least 256 bits, base64");

    let page = browser.get("/manager").await;
    let logged_out = browser.post("/logout", &[]).await;
    assert_eq!(page.status, 200);
    assert_eq!(logged_out.path(), "/login");
    assert!(logged_out.has_notice("notice-logged-out"));

    // The old session ids no longer open anything.
    for stale in [first, second] {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}/manager", app.address))
            .header("Cookie", format!("dl_session={stale}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login")
        );
    }
    let actions = app.audit_actions();
    assert!(actions.contains(&"logout".to_owned()));
    assert!(actions.contains(&"session_ended".to_owned()));
}

#[tokio::test]
async fn a_visitor_sent_to_log_in_returns_to_the_page_they_asked_for() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let dealer_id = app.create_dealer("BG-02");
    app.create_user("manager@example.it", "manager", None);
    let mut browser = app.browser();

    let login = browser.get(&format!("/dealers/{dealer_id}?q=x")).await;
    assert_eq!(login.path(), "/login");
    assert!(
        login.contains(&format!("name=\"next\" value=\"/dealers/{dealer_id}?q=x\"")),
        "{}",
        login.html
    );
    let page = browser
        .post(
            "/login",
            &[
                ("email", "manager@example.it"),
                ("password", PASSWORD),
                ("next", &format!("/dealers/{dealer_id}")),
            ],
        )
        .await;

    assert_eq!(page.path(), format!("/dealers/{dealer_id}"));
    assert!(page.contains("Officina BG-02"));
}

#[tokio::test]
async fn the_next_address_after_login_never_leaves_the_site() {
    let app = spawn_app().await;
    app.create_user("manager@example.it", "manager", None);
    let mut browser = app.browser();

    browser.get("/login").await;
    let page = browser
        .post(
            "/login",
            &[
                ("email", "manager@example.it"),
                ("password", PASSWORD),
                ("next", "//evil.example/phish"),
            ],
        )
        .await;

    assert_eq!(page.path(), "/manager");
    assert!(page.url.starts_with(&app.address));
}
