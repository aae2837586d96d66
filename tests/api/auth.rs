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
