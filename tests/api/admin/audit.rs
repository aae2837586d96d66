//! The audit log: who did what, filtered by action, and only for admins.

use super::{GOOD_DEALER, invite, logged_in_admin};
use crate::helpers::{PASSWORD, field_value, spawn_app};

#[tokio::test]
async fn the_audit_log_shows_who_did_what_and_can_show_one_action_only() {
    let app = spawn_app().await;
    let (mut admin, _) = logged_in_admin(&app).await;
    let dealer = admin
        .submit("/admin/dealers/new", "/admin/dealers", &GOOD_DEALER)
        .await;
    let id = dealer.path().trim_start_matches("/dealers/").to_owned();
    let mut edit = GOOD_DEALER;
    edit[3] = ("capacity", "41");
    admin
        .submit(
            &format!("/admin/dealers/{id}/edit"),
            &format!("/admin/dealers/{id}"),
            &edit,
        )
        .await;
    let user = invite(
        &mut admin,
        &[
            ("email", "luca@example.it"),
            ("name", "Luca"),
            ("role", "manager"),
            ("dealer_code", ""),
            ("locale", ""),
        ],
    )
    .await;
    admin
        .submit(&user.path(), &format!("{}/disable", user.path()), &[])
        .await;
    app.browser()
        .login("admin@example.it", "wrong-password")
        .await;

    let log = admin.get("/admin/audit").await;
    let failures = admin.get("/admin/audit?action=login_failed").await;

    assert_eq!(log.status, 200);
    for action in [
        "login",
        "dealer_created",
        "dealer_updated",
        "user_created",
        "user_invited",
        "user_disabled",
        "login_failed",
    ] {
        assert!(
            log.contains(&format!("<code>{action}</code>")),
            "{action} is listed"
        );
    }
    assert!(
        log.contains("<td>admin@example.it</td>"),
        "the admin is named as the actor"
    );
    assert!(log.contains("capacity 41"), "the detail says what changed");
    assert_eq!(failures.html.matches("<code>").count(), 1);
    assert!(failures.contains("<code>login_failed</code>"));
    assert_eq!(field_value(&failures, "action"), "login_failed");
}

#[tokio::test]
async fn only_admins_can_read_the_audit_log() {
    let app = spawn_app().await;
    app.create_user("manager@example.it", "manager", None);
    let mut manager = app.browser();
    manager.login("manager@example.it", PASSWORD).await;

    let page = manager.get("/admin/audit").await;
    let visitor = app.browser().get("/admin/audit").await;

    assert_eq!(page.status, 403);
    assert!(!page.contains("<code>login</code>"));
    assert_eq!(visitor.path(), "/login");
}
