//! Users and invitations: the invitation link, roles and dealer codes, self-protection of
//! admins, disabling and enabling.

use super::{count, invite, listed_user, logged_in_admin};
use crate::helpers::{self, PASSWORD, error_is_next_to_its_field, field_value, says, spawn_app};

#[tokio::test]
async fn admins_find_users_by_email_or_name_whatever_the_case_typed() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("dario@example.it", "dealer", Some("MI-01"));
    app.create_user("mario@example.it", "manager", None);
    let (mut admin, _) = logged_in_admin(&app).await;

    let by_name = admin.get("/admin/users?q=TEST%20DEALER").await;
    let by_email = admin.get("/admin/users?q=Mario@").await;
    let nothing = admin.get("/admin/users?q=zzz").await;

    assert!(by_name.contains(">dario@example.it</a>") && !by_name.contains("mario@example.it"));
    assert!(by_email.contains(">mario@example.it</a>") && !by_email.contains("dario@example.it"));
    assert!(nothing.has("id", "users-none"));
}

#[tokio::test]
async fn an_invited_user_sets_a_password_through_the_link_lands_logged_in_and_the_link_then_stops_working()
 {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let (mut admin, _) = logged_in_admin(&app).await;

    let created = invite(
        &mut admin,
        &[
            ("email", " Giulia@Example.it "),
            ("name", "Giulia Bianchi"),
            ("role", "dealer"),
            ("dealer_code", "mi-01"),
            ("locale", ""),
        ],
    )
    .await;

    assert!(
        created.path().starts_with("/admin/users/"),
        "{}",
        created.url
    );
    assert!(created.has_notice("notice-user-invited"));
    assert!(created.has("data-status", "invited"));
    let user = listed_user(&mut admin, "giulia@example.it")
        .await
        .expect("the user is stored");
    assert_eq!(user.status, "invited", "no password until they choose one");
    let list = admin.get("/admin/users").await;
    assert!(list.contains(">giulia@example.it</a>"));
    assert!(list.contains("<td>Giulia Bianchi</td>"));
    assert!(list.contains("<td>MI-01</td>"));
    assert!(list.has("data-status", "invited"));

    // Before accepting, no password opens the account.
    assert_eq!(
        app.browser()
            .login("giulia@example.it", PASSWORD)
            .await
            .status,
        422
    );

    let mails = app.emails_to("giulia@example.it").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "Il tuo account dealerloop è pronto");
    let link = helpers::link_in(&mails[0].text, &format!("{}/invite/", app.address));

    let mut giulia = app.browser();
    let form = giulia.get(&link).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.headers["referrer-policy"], "no-referrer");
    assert!(form.has("data-kind", "invite"), "the invitation's page");
    let intro = form
        .html
        .split("id=\"set-password-intro\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .expect("the intro");
    assert!(
        intro.contains("giulia@example.it"),
        "the intro names the account: {intro}"
    );

    let weak = giulia
        .post(
            &link,
            &[
                ("new_password", "password1"),
                ("confirm_password", "password1"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert_eq!(
        weak.error_key("new_password").as_deref(),
        Some("error-password-common")
    );

    let home = giulia
        .post(
            &link,
            &[
                ("new_password", "Frese-Lucide-77"),
                ("confirm_password", "Frese-Lucide-77"),
            ],
        )
        .await;
    assert_eq!(home.status, 200);
    assert_eq!(home.path(), "/dealer");
    assert!(home.has_notice("notice-welcome"));
    assert!(home.contains("Officina MI-01"));

    let reused = giulia.get(&link).await;
    assert_eq!(reused.status, 410);
    assert!(reused.has("data-error-page", "410"));
    let reposted = giulia
        .post(
            &link,
            &[
                ("new_password", "Altra-Password-88"),
                ("confirm_password", "Altra-Password-88"),
            ],
        )
        .await;
    assert_eq!(reposted.status, 410);
    assert_eq!(
        app.browser()
            .login("giulia@example.it", "Frese-Lucide-77")
            .await
            .path(),
        "/dealer"
    );
    assert_eq!(
        app.browser()
            .login("giulia@example.it", "Altra-Password-88")
            .await
            .status,
        422
    );
    let actions = app.audit_actions();
    for action in ["user_created", "user_invited", "invitation_accepted"] {
        assert!(actions.contains(&action.to_owned()), "{action}");
    }
}

#[tokio::test]
async fn sending_a_new_invitation_makes_the_earlier_link_stop_working() {
    let app = spawn_app().await;
    let (mut admin, _) = logged_in_admin(&app).await;
    let created = invite(
        &mut admin,
        &[
            ("email", "luca@example.it"),
            ("name", "Luca Verdi"),
            ("role", "manager"),
            ("dealer_code", ""),
            ("locale", ""),
        ],
    )
    .await;
    let user_page = created.path();
    let first = helpers::link_in(
        &app.emails_to("luca@example.it").await[0].text,
        &app.address,
    );

    let page = admin
        .submit(&user_page, &format!("{user_page}/invite"), &[])
        .await;

    assert_eq!(page.path(), user_page);
    assert!(page.has_notice("notice-user-invited"));
    let mails = app.emails_to("luca@example.it").await;
    assert_eq!(mails.len(), 2);
    let second = helpers::link_in(&mails[1].text, &app.address);
    assert_ne!(first, second);
    let mut luca = app.browser();
    assert_eq!(luca.get(&first).await.status, 410);
    let accepted = luca
        .submit(
            &second,
            &second,
            &[
                ("new_password", "Canale-Nord-2026"),
                ("confirm_password", "Canale-Nord-2026"),
            ],
        )
        .await;
    assert_eq!(accepted.path(), "/manager");
    assert_eq!(count(&app.audit_actions(), "user_invited"), 2);
}

#[tokio::test]
async fn a_dealer_user_without_a_dealer_code_or_with_an_unknown_one_is_refused() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let (mut admin, _) = logged_in_admin(&app).await;

    let missing = invite(
        &mut admin,
        &[
            ("email", "anna@example.it"),
            ("name", "Anna Neri"),
            ("role", "dealer"),
            ("dealer_code", ""),
            ("locale", "it"),
        ],
    )
    .await;
    let unknown = invite(
        &mut admin,
        &[
            ("email", "anna@example.it"),
            ("name", "Anna Neri"),
            ("role", "dealer"),
            ("dealer_code", "TO-99"),
            ("locale", "it"),
        ],
    )
    .await;

    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.error_key("dealer_code").as_deref(),
        Some("error-dealer-required")
    );
    assert_eq!(unknown.status, 422);
    assert_eq!(
        unknown.error_key("dealer_code").as_deref(),
        Some("error-dealer-unknown")
    );
    assert!(error_is_next_to_its_field(&unknown, "dealer_code"));
    assert_eq!(field_value(&unknown, "email"), "anna@example.it");
    assert_eq!(field_value(&unknown, "name"), "Anna Neri");
    assert_eq!(field_value(&unknown, "dealer_code"), "TO-99");
    assert!(
        unknown.contains("<option value=\"dealer\" selected>"),
        "the role chosen is kept"
    );
    assert!(
        unknown.contains("<option value=\"it\" selected>"),
        "the language chosen is kept"
    );
    assert!(listed_user(&mut admin, "anna@example.it").await.is_none());
    assert!(app.sent_emails().await.is_empty(), "no invitation goes out");
}

#[tokio::test]
async fn a_manager_or_admin_cannot_be_given_a_dealer_code() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let dealer_user = app.create_user("dario@example.it", "dealer", Some("MI-01"));
    let (mut admin, _) = logged_in_admin(&app).await;

    let new_manager = invite(
        &mut admin,
        &[
            ("email", "marco@example.it"),
            ("name", "Marco"),
            ("role", "manager"),
            ("dealer_code", "MI-01"),
            ("locale", ""),
        ],
    )
    .await;
    let promoted = admin
        .submit(
            &format!("/admin/users/{dealer_user}"),
            &format!("/admin/users/{dealer_user}"),
            &[
                ("name", "Dario"),
                ("role", "admin"),
                ("dealer_code", "MI-01"),
                ("locale", ""),
            ],
        )
        .await;

    for page in [&new_manager, &promoted] {
        assert_eq!(page.status, 422);
        assert_eq!(
            page.error_key("dealer_code").as_deref(),
            Some("error-dealer-not-allowed")
        );
    }
    assert!(listed_user(&mut admin, "marco@example.it").await.is_none());
    assert_eq!(
        listed_user(&mut admin, "dario@example.it")
            .await
            .expect("still there")
            .role,
        "dealer"
    );
}

#[tokio::test]
async fn an_email_that_already_has_an_account_cannot_be_invited_again() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let (mut admin, _) = logged_in_admin(&app).await;

    let page = invite(
        &mut admin,
        &[
            ("email", "MARIO@example.it"),
            ("name", "Mario Due"),
            ("role", "manager"),
            ("dealer_code", ""),
            ("locale", ""),
        ],
    )
    .await;

    assert_eq!(page.status, 422);
    assert_eq!(
        page.error_key("email").as_deref(),
        Some("error-email-taken")
    );
    assert_eq!(
        listed_user(&mut admin, "mario@example.it")
            .await
            .expect("kept")
            .name,
        "Test manager"
    );
    assert!(app.sent_emails().await.is_empty());
}

#[tokio::test]
async fn changing_a_users_role_and_dealer_takes_effect_and_ends_their_sessions() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_dealer("BG-02");
    let id = app.create_user("dario@example.it", "dealer", Some("MI-01"));
    let mut dario = app.browser();
    assert!(
        dario
            .login("dario@example.it", PASSWORD)
            .await
            .contains("Officina MI-01")
    );
    let (mut admin, _) = logged_in_admin(&app).await;

    let form = admin.get(&format!("/admin/users/{id}")).await;
    assert_eq!(field_value(&form, "dealer_code"), "MI-01");
    let page = admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("name", "Dario Gialli"),
                ("role", "dealer"),
                ("dealer_code", "bg-02"),
                ("locale", "en"),
            ],
        )
        .await;

    assert_eq!(page.path(), format!("/admin/users/{id}"));
    assert!(page.has_notice("notice-saved"));
    assert_eq!(field_value(&page, "name"), "Dario Gialli");
    assert_eq!(field_value(&page, "dealer_code"), "BG-02");
    assert!(page.contains("<option value=\"en\" selected>"));
    assert_eq!(
        dario.get("/dealer").await.path(),
        "/login",
        "the old session is over"
    );
    let home = dario.login("dario@example.it", PASSWORD).await;
    assert!(home.contains("Officina BG-02") && !home.contains("Officina MI-01"));
    assert!(app.audit_actions().contains(&"user_updated".to_owned()));
}

#[tokio::test]
async fn an_admin_cannot_disable_their_own_account_or_remove_their_own_admin_role() {
    let app = spawn_app().await;
    let (mut admin, id) = logged_in_admin(&app).await;
    let own_page = format!("/admin/users/{id}");

    let disabled = admin
        .submit(&own_page, &format!("{own_page}/disable"), &[])
        .await;
    let demoted = admin
        .submit(
            &own_page,
            &own_page,
            &[
                ("name", "Capo"),
                ("role", "manager"),
                ("dealer_code", ""),
                ("locale", ""),
            ],
        )
        .await;

    assert_eq!(disabled.path(), own_page);
    assert!(disabled.has_notice("notice-cannot-disable-self"));
    assert_eq!(demoted.status, 422);
    assert_eq!(
        demoted.error_key("role").as_deref(),
        Some("error-cannot-demote-self")
    );
    let me = listed_user(&mut admin, "admin@example.it")
        .await
        .expect("admin");
    assert_eq!(me.status, "active");
    assert_eq!(me.role, "admin");
    assert_eq!(admin.get("/admin").await.status, 200, "still logged in");
    assert_eq!(count(&app.audit_actions(), "user_disabled"), 0);
}

#[tokio::test]
async fn disabling_a_user_logs_them_out_at_once_and_enabling_lets_them_back_in() {
    let app = spawn_app().await;
    let id = app.create_user("mario@example.it", "manager", None);
    let mut mario = app.browser();
    mario.login("mario@example.it", PASSWORD).await;
    let (mut admin, _) = logged_in_admin(&app).await;
    let user_page = format!("/admin/users/{id}");

    let disabled = admin
        .submit(&user_page, &format!("{user_page}/disable"), &[])
        .await;

    assert!(says(
        &disabled,
        "L'account è disattivato e le sue sessioni sono terminate."
    ));
    assert!(disabled.contains("<strong>Disattivato</strong>"));
    assert_eq!(mario.get("/manager").await.path(), "/login");
    assert_eq!(mario.login("mario@example.it", PASSWORD).await.status, 422);

    let enabled = admin
        .submit(&user_page, &format!("{user_page}/enable"), &[])
        .await;

    assert!(enabled.has_notice("notice-user-enabled"));
    assert_eq!(
        mario.login("mario@example.it", PASSWORD).await.path(),
        "/manager"
    );
    let actions = app.audit_actions();
    assert_eq!(count(&actions, "user_disabled"), 1);
    assert_eq!(count(&actions, "user_enabled"), 1);
}
