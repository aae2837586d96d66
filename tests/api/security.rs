//! CSRF, security headers, role and dealer isolation, error pages, body limits.

use crate::helpers::{Browser, PASSWORD, csrf_token_in, spawn_app};

/// How many dealers the logged-in admin's dealer list shows.
async fn dealer_count(admin: &mut Browser) -> usize {
    admin.get("/dealers").await.count("dealers-count")
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();

    for path in ["/login", "/no-such-page", "/healthz", "/password/forgot"] {
        let response = client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("script-src"),
            "no script at all: {path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "no HSTS over plain http"
        );
    }
}

#[tokio::test]
async fn a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.admin();
    let mut browser = app.browser();
    browser.login("admin@example.it", PASSWORD).await;
    let fields = [
        ("code", "MI-01"),
        ("name", "Officina"),
        ("contact_email", "a@b.it"),
        ("capacity", "5"),
        ("postcodes", "IT 20"),
        ("product_lines", "lathes"),
        ("active", "on"),
    ];

    let no_token = browser
        .client
        .post(format!("{}/admin/dealers", app.address))
        .header("Origin", &app.address)
        .form(&fields)
        .send()
        .await
        .unwrap();
    let mut with_wrong_token = fields.to_vec();
    with_wrong_token.push(("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    let wrong_token = browser
        .client
        .post(format!("{}/admin/dealers", app.address))
        .header("Origin", &app.address)
        .form(&with_wrong_token)
        .send()
        .await
        .unwrap();

    for response in [no_token, wrong_token] {
        assert_eq!(response.status(), 403);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains(" data-error-page=\"403\"")
        );
    }
    assert_eq!(dealer_count(&mut browser).await, 0);
}

#[tokio::test]
async fn a_cross_site_post_is_refused_even_with_a_valid_token() {
    let app = spawn_app().await;
    app.admin();
    let mut browser = app.browser();
    browser.login("admin@example.it", PASSWORD).await;
    browser.get("/admin/dealers/new").await;
    let token = browser.csrf_token();
    let fields = [
        ("csrf_token", token.as_str()),
        ("code", "MI-01"),
        ("name", "Officina"),
        ("contact_email", "a@b.it"),
        ("capacity", "5"),
        ("postcodes", "IT 20"),
        ("product_lines", "lathes"),
    ];

    let cross_site = browser
        .client
        .post(format!("{}/admin/dealers", app.address))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&fields)
        .send()
        .await
        .unwrap();
    let foreign_origin = browser
        .client
        .post(format!("{}/admin/dealers", app.address))
        .header("Origin", "https://evil.example")
        .form(&fields)
        .send()
        .await
        .unwrap();

    assert_eq!(cross_site.status(), 403);
    assert_eq!(foreign_origin.status(), 403);
    assert_eq!(dealer_count(&mut browser).await, 0);
}

#[tokio::test]
async fn the_login_form_itself_is_protected_against_cross_site_posts() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let client = reqwest::Client::new();

    let response = client
        .post(format!("{}/login", app.address))
        .form(&[("email", "mario@example.it"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403, "no CSRF token, no login");
}

#[tokio::test]
async fn get_never_changes_state() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    browser.login("mario@example.it", PASSWORD).await;

    let page = browser.get("/logout").await;

    assert!(matches!(page.status, 404 | 405), "{}", page.status);
    assert_eq!(
        browser.get("/manager").await.path(),
        "/manager",
        "still logged in"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let app = spawn_app().await;
    let mut browser = app.browser();
    browser.get("/login").await;
    let token = browser.csrf_token();
    let huge = "x".repeat(2 * 1024 * 1024);

    let response = browser
        .client
        .post(format!("{}/login", app.address))
        .header("Origin", &app.address)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", huge.as_str()),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn a_dealer_user_sees_only_their_own_dealer() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let other = app.create_dealer("BG-02");
    app.create_user("dealer@example.it", "dealer", Some("MI-01"));
    let mut browser = app.browser();

    let home = browser.login("dealer@example.it", PASSWORD).await;
    assert!(home.contains("Officina MI-01"));
    assert!(!home.contains("BG-02"));

    for path in [
        "/admin",
        "/admin/users",
        "/admin/dealers/new",
        "/manager",
        "/dealers",
        &format!("/dealers/{other}"),
        "/admin/audit",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.has("data-error-page", "403"), "{path}");
        assert!(!page.contains("BG-02"), "{path}");
    }
}

#[tokio::test]
async fn a_manager_reads_dealers_but_cannot_administer() {
    let app = spawn_app().await;
    let id = app.create_dealer("MI-01");
    app.create_user("manager@example.it", "manager", None);
    let mut browser = app.browser();
    browser.login("manager@example.it", PASSWORD).await;

    assert!(
        browser
            .get(&format!("/dealers/{id}"))
            .await
            .contains("Officina MI-01")
    );
    for path in [
        "/admin",
        "/admin/users",
        &format!("/admin/dealers/{id}/edit"),
        "/admin/audit",
    ] {
        assert_eq!(browser.get(path).await.status, 403, "{path}");
    }
    let page = browser.get(&format!("/dealers/{id}")).await;
    let post = browser
        .post(
            &format!("/admin/dealers/{id}"),
            &[("code", "HACK"), ("name", "x")],
        )
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(post.status, 403);
}

#[tokio::test]
async fn unknown_pages_and_records_get_the_not_found_page_in_the_users_language() {
    let app = spawn_app().await;
    app.admin();
    let mut browser = app.browser_with_language("en");
    browser.login("admin@example.it", PASSWORD).await;

    for path in [
        "/dealers/999999",
        "/dealers/not-a-number",
        "/admin/users/424242",
        "/admin/dealers/77/edit",
        "/nowhere",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.contains("Page not found"), "{path}");
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
}

#[tokio::test]
async fn a_malformed_form_is_a_clear_client_error_not_a_server_error() {
    let app = spawn_app().await;
    let mut browser = app.browser();
    let html = browser.get("/login").await.html;
    let token = csrf_token_in(&html);

    let response = browser
        .client
        .post(format!("{}/login", app.address))
        .header("Origin", &app.address)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}&email=%ZZ&password"))
        .send()
        .await
        .unwrap();

    assert!(response.status().is_client_error(), "{}", response.status());
}
