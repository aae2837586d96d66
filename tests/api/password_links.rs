//! Forgotten passwords and the links sent by email: one use, one purpose, one hour, and
//! dead as soon as the password changes another way.

use crate::helpers::{self, Browser, PASSWORD, Page, TestApp, spawn_app};
use crate::helpers::{field_error, field_value, says};

const NEW_PASSWORD: &str = "Fresa-Silenziosa-19";

/// Asks for a reset link for `email` from a fresh browser and returns the page shown.
async fn ask_for_reset(app: &TestApp, email: &str) -> Page {
    app.browser()
        .submit("/password/forgot", "/password/forgot", &[("email", email)])
        .await
}

/// The link in the latest email to `email` that starts with `path`.
async fn latest_link(app: &TestApp, email: &str, path: &str) -> String {
    let mails = app.emails_to(email).await;
    let mail = mails
        .last()
        .unwrap_or_else(|| panic!("no email to {email}"));
    helpers::link_in(&mail.text, &format!("{}{path}", app.address))
}

async fn reset_link_for(app: &TestApp, email: &str) -> String {
    ask_for_reset(app, email).await;
    latest_link(app, email, "/password/reset/").await
}

/// Opens `link` and chooses `password` on its form.
async fn choose_password(browser: &mut Browser, link: &str, password: &str) -> Page {
    browser
        .submit(
            link,
            link,
            &[("new_password", password), ("confirm_password", password)],
        )
        .await
}

async fn can_log_in(app: &TestApp, email: &str, password: &str) -> bool {
    app.browser().login(email, password).await.status == 200
}

/// Invites `email` as a manager through the admin pages; returns the invitation link.
async fn invitation_link_for(app: &TestApp, email: &str) -> String {
    let (admin_email, _) = app.admin();
    let mut admin = app.browser();
    admin.login(&admin_email, PASSWORD).await;
    admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", email),
                ("name", "Nuovo Responsabile"),
                ("role", "manager"),
                ("dealer_code", ""),
                ("locale", ""),
            ],
        )
        .await;
    latest_link(app, email, "/invite/").await
}

fn assert_link_refused(page: &Page) {
    assert_eq!(page.status, 410, "{}", page.html);
    assert!(page.has("data-error-page", "410"));
    assert!(says(
        page,
        "Il link non è valido, è già stato usato o è scaduto. Chiedine uno nuovo."
    ));
}

#[tokio::test]
async fn asking_for_a_reset_looks_the_same_whether_or_not_the_email_has_an_account() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    app.create_user("gone@example.it", "manager", None);
    app.sql("UPDATE users SET active = false WHERE email = 'gone@example.it'");
    let mut browser = app.browser();

    let known = browser
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", " Mario@Example.it ")],
        )
        .await;
    let unknown = browser
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "nobody@example.it")],
        )
        .await;
    let disabled = browser
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "gone@example.it")],
        )
        .await;

    for page in [&known, &unknown, &disabled] {
        assert_eq!(page.status, 200);
        assert_eq!(page.path(), "/password/forgot");
        assert!(page.contains("Se un account usa questa email"));
    }
    assert_eq!(known.html, unknown.html, "not a byte differs");
    assert_eq!(known.html, disabled.html);
    let mails = app.sent_emails().await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, "mario@example.it");
    assert_eq!(mails[0].subject, "Reimposta la password di dealerloop");
    assert!(mails[0].text.contains("/password/reset/"));
    let actions = app.audit_actions();
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "password_reset_requested")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_mistyped_email_on_the_forgot_form_is_pointed_out_and_kept() {
    let app = spawn_app().await;

    let page = ask_for_reset(&app, "mario-at-example").await;

    assert_eq!(page.status, 422);
    assert_eq!(
        field_error(&page, "email").as_deref(),
        Some("Inserisci un indirizzo email come nome@esempio.it.")
    );
    assert!(page.contains("value=\"mario-at-example\""));
    assert!(app.sent_emails().await.is_empty());
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_after_which_only_the_new_password_works() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let link = reset_link_for(&app, "mario@example.it").await;
    let mut browser = app.browser();

    let form = browser.get(&link).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.headers["referrer-policy"], "no-referrer");
    assert!(form.contains("Scegli una nuova password per mario@example.it."));
    let page = choose_password(&mut browser, &link, NEW_PASSWORD).await;

    assert_eq!(page.status, 200);
    assert_eq!(page.path(), "/login");
    assert!(page.has_notice("notice-password-reset"));
    assert!(!can_log_in(&app, "mario@example.it", PASSWORD).await);
    assert_eq!(
        app.browser()
            .login("mario@example.it", NEW_PASSWORD)
            .await
            .path(),
        "/manager"
    );
    assert!(app.audit_actions().contains(&"password_reset".to_owned()));
}

#[tokio::test]
async fn a_reset_link_works_only_once() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let link = reset_link_for(&app, "mario@example.it").await;
    let mut browser = app.browser();
    choose_password(&mut browser, &link, NEW_PASSWORD).await;

    let reopened = browser.get(&link).await;
    let resubmitted = browser
        .post(
            &link,
            &[
                ("new_password", "Un-Altra-Volta-55"),
                ("confirm_password", "Un-Altra-Volta-55"),
            ],
        )
        .await;

    assert_link_refused(&reopened);
    assert_link_refused(&resubmitted);
    assert!(can_log_in(&app, "mario@example.it", NEW_PASSWORD).await);
    assert!(!can_log_in(&app, "mario@example.it", "Un-Altra-Volta-55").await);
}

#[tokio::test]
async fn a_reset_link_stops_working_when_it_expires() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let link = reset_link_for(&app, "mario@example.it").await;
    let mut browser = app.browser();
    assert_eq!(
        browser.get(&link).await.status,
        200,
        "good before it expires"
    );

    app.sql("UPDATE user_tokens SET expires_at = '2000-01-01 00:00:00'");
    let reopened = browser.get(&link).await;
    let submitted = browser
        .post(
            &link,
            &[
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;

    assert_link_refused(&reopened);
    assert_link_refused(&submitted);
    assert!(
        can_log_in(&app, "mario@example.it", PASSWORD).await,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn a_tampered_reset_link_is_refused_and_the_real_one_still_works() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let link = reset_link_for(&app, "mario@example.it").await;
    let (base, token) = link.rsplit_once('/').expect("a token at the end");
    let flipped: String = token
        .chars()
        .enumerate()
        .map(|(i, c)| match (i, c) {
            (10, 'A') => 'B',
            (10, _) => 'A',
            (_, c) => c,
        })
        .collect();
    let mut browser = app.browser();

    for tampered in [
        format!("{base}/{flipped}"),
        format!("{base}/{}", &token[..42]),
        format!("{base}/{token}x"),
        format!("{base}/not-a-token"),
    ] {
        assert_ne!(tampered, link);
        assert_link_refused(&browser.get(&tampered).await);
        let posted = browser
            .post(
                &tampered,
                &[
                    ("new_password", NEW_PASSWORD),
                    ("confirm_password", NEW_PASSWORD),
                ],
            )
            .await;
        assert_link_refused(&posted);
    }
    assert!(can_log_in(&app, "mario@example.it", PASSWORD).await);
    assert_eq!(
        choose_password(&mut browser, &link, NEW_PASSWORD)
            .await
            .path(),
        "/login"
    );
}

#[tokio::test]
async fn an_invitation_link_cannot_reset_a_password_and_a_reset_link_cannot_accept_an_invitation() {
    let app = spawn_app().await;
    let invitation = invitation_link_for(&app, "nuovo@example.it").await;
    let invitation_token = invitation.rsplit('/').next().expect("token").to_owned();
    app.create_user("mario@example.it", "manager", None);
    let reset = reset_link_for(&app, "mario@example.it").await;
    let reset_token = reset.rsplit('/').next().expect("token").to_owned();
    let mut browser = app.browser();

    let invitation_as_reset = format!("/password/reset/{invitation_token}");
    let reset_as_invitation = format!("/invite/{reset_token}");
    for wrong_door in [&invitation_as_reset, &reset_as_invitation] {
        assert_link_refused(&browser.get(wrong_door).await);
        let posted = browser
            .post(
                wrong_door,
                &[
                    ("new_password", NEW_PASSWORD),
                    ("confirm_password", NEW_PASSWORD),
                ],
            )
            .await;
        assert_link_refused(&posted);
    }

    assert!(!can_log_in(&app, "mario@example.it", NEW_PASSWORD).await);
    assert!(!can_log_in(&app, "nuovo@example.it", NEW_PASSWORD).await);
    // Each link still works at its own door.
    assert_eq!(
        choose_password(&mut app.browser(), &invitation, NEW_PASSWORD)
            .await
            .path(),
        "/manager"
    );
    assert_eq!(
        choose_password(&mut app.browser(), &reset, NEW_PASSWORD)
            .await
            .path(),
        "/login"
    );
}

#[tokio::test]
async fn changing_the_password_while_logged_in_makes_an_outstanding_reset_link_stop_working() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let link = reset_link_for(&app, "mario@example.it").await;
    let mut mario = app.browser();
    mario.login("mario@example.it", PASSWORD).await;

    let changed = mario
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.path(), "/manager");
    assert!(changed.has_notice("notice-password-changed"));

    let mut someone = app.browser();
    assert_link_refused(&someone.get(&link).await);
    let posted = someone
        .post(
            &link,
            &[
                ("new_password", "Ladro-Di-Link-66"),
                ("confirm_password", "Ladro-Di-Link-66"),
            ],
        )
        .await;
    assert_link_refused(&posted);
    assert!(can_log_in(&app, "mario@example.it", NEW_PASSWORD).await);
    assert!(app.audit_actions().contains(&"password_changed".to_owned()));
}

#[tokio::test]
async fn a_weak_or_mismatched_password_is_refused_and_the_link_keeps_working() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let link = reset_link_for(&app, "mario@example.it").await;
    let mut browser = app.browser();
    browser.get(&link).await;

    let cases = [
        (
            "password1",
            "password1",
            "Questa password è troppo facile da indovinare. Scegline un'altra.",
        ),
        ("abc", "abc", "La password deve avere almeno 8 caratteri."),
        (
            "mario@example.it",
            "mario@example.it",
            "Questa password è troppo facile da indovinare. Scegline un'altra.",
        ),
        (
            NEW_PASSWORD,
            "Fresa-Silenziosa-91",
            "Le due password non coincidono.",
        ),
    ];
    for (password, confirmation, message) in cases {
        let page = browser
            .post(
                &link,
                &[
                    ("new_password", password),
                    ("confirm_password", confirmation),
                ],
            )
            .await;
        assert_eq!(page.status, 422, "{password}");
        assert_eq!(
            field_error(&page, "new_password").as_deref(),
            Some(message),
            "{password}"
        );
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        for field in ["new_password", "confirm_password"] {
            assert_eq!(field_value(&page, field), "", "passwords are never echoed");
        }
    }

    assert!(can_log_in(&app, "mario@example.it", PASSWORD).await);
    let page = browser
        .post(
            &link,
            &[
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.path(), "/login");
    assert!(can_log_in(&app, "mario@example.it", NEW_PASSWORD).await);
}

#[tokio::test]
async fn at_most_three_reset_emails_an_hour_go_to_one_account() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);

    let mut pages = Vec::new();
    for _ in 0..5 {
        pages.push(ask_for_reset(&app, "mario@example.it").await);
    }

    for page in &pages {
        assert_eq!(page.status, 200);
        assert!(page.contains("Se un account usa questa email"));
    }
    assert_eq!(app.emails_to("mario@example.it").await.len(), 3);

    // An hour later the account can ask again.
    app.sql("UPDATE user_tokens SET created_at = '2000-01-01 00:00:00'");
    ask_for_reset(&app, "mario@example.it").await;
    assert_eq!(app.emails_to("mario@example.it").await.len(), 4);
}
