//! Sessions: idle and absolute expiry, revocation on disable and password change, cookie
//! flags, and a session shared by two instances.

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_idle_session_expires_and_its_end_is_audited() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    browser.login("mario@example.it", PASSWORD).await;

    // Nine hours without a request (the idle timeout is eight).
    app.sql("UPDATE sessions SET last_seen_at = '2000-01-01 00:00:00'");
    let page = browser.get("/manager").await;

    assert_eq!(page.path(), "/login");
    assert!(app.audit_actions().contains(&"session_ended".to_owned()));
    assert_eq!(
        browser.cookie("dl_session"),
        None,
        "the stale cookie is removed"
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_timeout_even_when_active() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    browser.login("mario@example.it", PASSWORD).await;

    app.sql("UPDATE sessions SET expires_at = '2000-01-01 00:00:00'");
    let page = browser.get("/manager").await;

    assert_eq!(page.path(), "/login");
}

#[tokio::test]
async fn an_active_session_stays_valid() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    browser.login("mario@example.it", PASSWORD).await;

    for _ in 0..3 {
        assert_eq!(browser.get("/manager").await.path(), "/manager");
    }
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_at_once() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.admin();
    let dealer_user = app.create_user("dealer@example.it", "dealer", Some("MI-01"));
    let mut dealer = app.browser();
    assert_eq!(
        dealer.login("dealer@example.it", PASSWORD).await.path(),
        "/dealer"
    );

    let mut admin = app.browser();
    admin.login("admin@example.it", PASSWORD).await;
    let page = admin
        .submit(
            &format!("/admin/users/{dealer_user}"),
            &format!("/admin/users/{dealer_user}/disable"),
            &[],
        )
        .await;
    assert!(page.has_notice("notice-user-disabled"), "{}", page.html);

    assert_eq!(dealer.get("/dealer").await.path(), "/login");
    assert_eq!(
        dealer.login("dealer@example.it", PASSWORD).await.status,
        422
    );
    assert!(app.audit_actions().contains(&"user_disabled".to_owned()));
}

#[tokio::test]
async fn changing_the_password_logs_out_every_other_device() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut phone = app.browser();
    let mut desktop = app.browser();
    phone.login("mario@example.it", PASSWORD).await;
    desktop.login("mario@example.it", PASSWORD).await;
    let before = desktop.cookie("dl_session");

    let page = desktop
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "Fresa-a-Controllo-7"),
                ("confirm_password", "Fresa-a-Controllo-7"),
            ],
        )
        .await;

    assert_eq!(
        page.path(),
        "/manager",
        "the device that changed it stays logged in"
    );
    assert!(page.has_notice("notice-password-changed"));
    assert_ne!(
        desktop.cookie("dl_session"),
        before,
        "with a new session id"
    );
    assert_eq!(phone.get("/manager").await.path(), "/login");
    assert_eq!(
        app.browser()
            .login("mario@example.it", PASSWORD)
            .await
            .status,
        422
    );
    assert_eq!(
        app.browser()
            .login("mario@example.it", "Fresa-a-Controllo-7")
            .await
            .path(),
        "/manager"
    );
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_changes_nothing() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser_with_language("en");
    browser.login("mario@example.it", PASSWORD).await;

    let wrong = browser
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", "nope-nope"),
                ("new_password", "Fresa-a-Controllo-7"),
                ("confirm_password", "Fresa-a-Controllo-7"),
            ],
        )
        .await;
    let weak = browser
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "password1"),
                ("confirm_password", "password1"),
            ],
        )
        .await;

    assert_eq!(wrong.status, 422);
    assert!(wrong.contains("The current password is not correct."));
    assert_eq!(weak.status, 422);
    assert!(weak.contains("This password is too easy to guess. Choose another."));
    assert_eq!(
        app.browser()
            .login("mario@example.it", PASSWORD)
            .await
            .path(),
        "/manager"
    );
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let browser = app.browser();
    let client = browser.without_redirects();
    let login_page = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    let html = login_page.text().await.unwrap();
    let token = crate::helpers::csrf_token_in(&html);

    let response = client
        .post(format!("{}/login", app.address))
        .header("Origin", &app.address)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "mario@example.it"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 303);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("dl_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http in tests");
}

#[tokio::test]
async fn behind_tls_cookies_are_secure_and_hsts_is_sent() {
    let app = spawn_app_with(|s| {
        s.public_url = Some(url::Url::parse("https://portal.example.it").unwrap());
        s.hsts = true;
    })
    .await;

    let response = reqwest::get(format!("{}/login", app.address))
        .await
        .unwrap();

    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}
