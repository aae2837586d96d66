//! Logins and password changes under attack: parallel guesses, junk emails, guessing the
//! current password with a stolen session, a client forging its address behind the proxy,
//! and `next` addresses that lead off the site.

use dealerloop::schema::{audit_events, login_attempts};
use diesel::prelude::*;
use futures_util::future::join_all;

use crate::helpers::{Browser, PASSWORD, TestApp, field_error, spawn_app, spawn_app_with};

/// Rows in `login_attempts` and `audit_events`. Read from storage: the tests prove that
/// refused logins write nothing (or a bounded amount), which no page shows.
fn written_rows(app: &TestApp) -> (i64, i64) {
    let mut conn = app.conn();
    let attempts = login_attempts::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    let audit = audit_events::table.count().get_result(&mut *conn).unwrap();
    (attempts, audit)
}

/// Posts the login form from a browser that already opened `/login`, without following
/// the redirect, with extra headers (as a reverse proxy would add them).
async fn post_login(
    browser: &Browser,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let token = browser.csrf_token();
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    let mut request = browser
        .without_redirects()
        .post(browser.url("/login"))
        .header("Origin", &browser.base)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&form);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_pass_the_throttle_at_most_five_times_and_then_the_right_one_waits_too()
 {
    // Arrange: thirty browsers with the login form open.
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browsers = Vec::new();
    for _ in 0..30 {
        let mut browser = app.browser();
        browser.get("/login").await;
        browsers.push(browser);
    }

    // Act: all thirty guesses at once.
    let answers = join_all(browsers.iter().map(|browser| async move {
        post_login(
            browser,
            &[("email", "mario@example.it"), ("password", "guess-guess")],
            &[],
        )
        .await
        .status()
        .as_u16()
    }))
    .await;
    let right_password = app.browser().login("mario@example.it", PASSWORD).await;

    // Assert
    let not_throttled = answers.iter().filter(|status| **status != 429).count();
    assert!(
        not_throttled <= 5,
        "{not_throttled} guesses were checked: {answers:?}"
    );
    assert!(
        answers.iter().all(|s| *s == 422 || *s == 429),
        "{answers:?}"
    );
    assert_eq!(right_password.status, 429);
    assert!(right_password.has_error("login-throttled"));
    assert!(right_password.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_200_kib_email_is_refused_on_login_and_reset_with_a_field_message_and_nothing_written() {
    // Arrange
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let huge = format!("{}@example.it", "m".repeat(200 * 1024));
    let before = written_rows(&app);

    for (language, message) in [
        (
            "it-IT,it;q=0.9",
            "Inserisci un indirizzo email come nome@esempio.it.",
        ),
        (
            "en-GB,en;q=0.9",
            "Enter an email address such as name@example.com.",
        ),
    ] {
        let mut browser = app.browser_with_language(language);

        // Act
        let login = browser.login(&huge, "guess-guess").await;
        let reset = browser
            .submit("/password/forgot", "/password/forgot", &[("email", &huge)])
            .await;

        // Assert: the form again, the message by the field, the junk not sent back.
        for (form, page) in [("login", &login), ("reset", &reset)] {
            assert_eq!(page.status, 422, "{form} in {language}");
            assert_eq!(
                field_error(page, "email").as_deref(),
                Some(message),
                "{form} in {language}: {}",
                &page.html[..page.html.len().min(3000)]
            );
            assert!(page.html.len() < 20 * 1024, "{form} sent back the email");
        }
    }
    assert_eq!(
        written_rows(&app),
        before,
        "no login attempt and no audit event"
    );
}

#[tokio::test]
async fn an_email_shaped_without_a_dot_in_the_domain_is_checked_like_any_other() {
    let app = spawn_app().await;
    let mut browser = app.browser();

    let page = browser.login("operator@localhost", "guess-guess").await;

    assert_eq!(page.status, 422);
    assert!(page.has_error("login-invalid"));
    assert_eq!(written_rows(&app).0, 1, "the failure is counted");
}

#[tokio::test]
async fn after_five_wrong_current_passwords_the_password_change_waits_even_for_the_right_one() {
    // Arrange: a logged-in user (or someone with their stolen session) guessing.
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser_with_language("en-GB,en;q=0.9");
    browser.login("mario@example.it", PASSWORD).await;
    let new_password = "Fresatrice-Nuova-77";
    for _ in 0..5 {
        let wrong = browser
            .submit(
                "/account/password",
                "/account/password",
                &[
                    ("current_password", "guess-guess"),
                    ("new_password", new_password),
                    ("confirm_password", new_password),
                ],
            )
            .await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.contains("The current password is not correct."));
    }

    // Act
    let right = browser
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;

    // Assert
    assert_eq!(right.status, 429, "{}", right.html);
    assert!(
        right.contains("Too many attempts. Try again in 15 minutes."),
        "{}",
        right.html
    );
    let retry_after: i64 = right.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    let actions = app.audit_actions();
    assert!(!actions.contains(&"password_changed".to_owned()));
    assert!(actions.contains(&"password_change_throttled".to_owned()));

    // Not for ever: once the failures are older than the window, the change goes through.
    app.sql("UPDATE login_attempts SET attempted_at = '2000-01-01 00:00:00'");
    let later = browser
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(later.path(), "/manager");
    assert!(app.audit_actions().contains(&"password_changed".to_owned()));
}

#[tokio::test]
async fn behind_the_proxy_a_forged_forwarded_address_cannot_escape_the_address_throttle() {
    // Arrange: the portal behind one trusted proxy, which appends 203.0.113.7 (the
    // attacker's real address) to whatever X-Forwarded-For the attacker sent.
    let app = spawn_app_with(|settings| settings.trust_proxy = true).await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    browser.get("/login").await;
    for i in 0..30 {
        let forged = format!("10.{i}.{i}.4, 203.0.113.7");
        let answer = post_login(
            &browser,
            &[
                ("email", &format!("guess{i}@example.it")),
                ("password", "guess-guess"),
            ],
            &[("X-Forwarded-For", &forged)],
        )
        .await;
        assert_eq!(answer.status().as_u16(), 422, "guess {i}");
    }

    // Act: the right password of another account, with yet another forged address.
    let answer = post_login(
        &browser,
        &[("email", "mario@example.it"), ("password", PASSWORD)],
        &[("X-Forwarded-For", "1.2.3.4, 203.0.113.7")],
    )
    .await;

    // Assert
    assert_eq!(answer.status().as_u16(), 429);
    let mut conn = app.conn();
    let addresses: Vec<String> = audit_events::table
        .filter(audit_events::action.eq_any(["login_failed", "login_throttled"]))
        .select(audit_events::client_ip)
        .distinct()
        .load(&mut *conn)
        .unwrap();
    assert_eq!(addresses, vec!["203.0.113.7".to_owned()]);
}

#[tokio::test]
async fn logging_in_with_a_next_address_that_leads_off_site_lands_on_the_home_page() {
    let app = spawn_app().await;
    app.create_user("manager@example.it", "manager", None);

    for next in [
        "//evil.com",
        "/\\evil.com",
        "\\/evil.com",
        "/\t/evil.com",
        "/\n/evil.com",
        "/%2F%2Fevil.com",
        "/%5Cevil.com",
        "/%09/evil.com",
        "/%0a/evil.com",
        "/%252F%252Fevil.com",
        "/.//evil.com",
        "/ /evil.com",
        "https://evil.com",
    ] {
        let mut browser = app.browser();
        browser.get("/login").await;
        let answer = post_login(
            &browser,
            &[
                ("email", "manager@example.it"),
                ("password", PASSWORD),
                ("next", next),
            ],
            &[],
        )
        .await;

        assert_eq!(answer.status().as_u16(), 303, "{next:?}");
        assert_eq!(answer.headers()["location"], "/manager", "{next:?}");
    }
}
