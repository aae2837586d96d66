//! Italian and English: how the language is chosen (account, switcher, browser, default)
//! and how numbers, dates, messages and emails follow it.

use dealerloop::models::user::User;
use dealerloop::services::audit::Actor;
use dealerloop::services::dealers::{self, DealerForm};

use crate::helpers::{Browser, PASSWORD, Page, TestApp, spawn_app};
use crate::helpers::{field_error, says};

/// Presses the language switcher on the page the browser is showing.
async fn switch_language(browser: &mut Browser, locale: &str) -> Page {
    let marker = "<input type=\"hidden\" name=\"next\" value=\"";
    let html = &browser.last_html;
    let start = html.find(marker).expect("a language switcher on the page") + marker.len();
    let next = html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        html.contains(&format!("name=\"locale\" value=\"{locale}\"")),
        "the switcher offers {locale}"
    );
    browser
        .post("/locale", &[("locale", locale), ("next", &next)])
        .await
}

fn stored_locale(app: &TestApp, email: &str) -> Option<String> {
    User::find_by_email(&mut app.conn(), email)
        .expect("lookup")
        .expect("user")
        .locale
}

fn is_italian(page: &Page) -> bool {
    page.contains("<html lang=\"it\">")
}

fn is_english(page: &Page) -> bool {
    page.contains("<html lang=\"en\">")
}

#[tokio::test]
async fn without_any_choice_the_portal_speaks_italian() {
    let app = spawn_app().await;

    let no_header = app.browser().get("/login").await;
    let unsupported = app
        .browser_with_language("fr-FR,de;q=0.9")
        .get("/login")
        .await;

    for page in [&no_header, &unsupported] {
        assert!(is_italian(page));
        assert!(page.contains("<h1>Accedi</h1>"));
        assert!(page.contains("Hai dimenticato la password?"));
        assert!(
            page.contains("lang=\"en\">English</button>"),
            "English is offered"
        );
    }
}

#[tokio::test]
async fn a_browser_that_prefers_english_gets_english_pages() {
    let app = spawn_app().await;

    let english = app
        .browser_with_language("en-GB,en;q=0.9")
        .get("/login")
        .await;
    let english_second_choice = app
        .browser_with_language("fr-FR,en;q=0.8,it;q=0.5")
        .get("/password/forgot")
        .await;
    let italian_preferred = app
        .browser_with_language("it-IT,it;q=0.9,en;q=0.8")
        .get("/login")
        .await;

    assert!(is_english(&english));
    assert!(english.contains("<h1>Log in</h1>"));
    assert!(english.contains("Forgot your password?"));
    assert!(english.contains("lang=\"it\">Italiano</button>"));
    assert!(is_english(&english_second_choice));
    assert!(english_second_choice.contains("<h1>Reset your password</h1>"));
    assert!(is_italian(&italian_preferred));
}

#[tokio::test]
async fn a_visitor_who_switches_language_stays_on_the_same_page_and_keeps_the_choice() {
    let app = spawn_app().await;
    let mut browser = app.browser();
    assert!(is_italian(&browser.get("/password/forgot").await));

    let switched = switch_language(&mut browser, "en").await;

    assert_eq!(switched.path(), "/password/forgot");
    assert!(is_english(&switched));
    assert!(switched.contains("<h1>Reset your password</h1>"));
    assert_eq!(browser.cookie("dl_lang").as_deref(), Some("en"));
    let later = browser.get("/login").await;
    assert!(later.contains("<h1>Log in</h1>"), "other pages follow");

    let back = switch_language(&mut browser, "it").await;
    assert_eq!(back.path(), "/login");
    assert!(back.contains("<h1>Accedi</h1>"));
}

#[tokio::test]
async fn the_switcher_wins_over_the_browsers_language() {
    let app = spawn_app().await;
    let mut browser = app.browser_with_language("en-US,en;q=0.9");
    assert!(is_english(&browser.get("/login").await));

    let page = switch_language(&mut browser, "it").await;

    assert!(is_italian(&page));
    assert!(
        browser
            .get("/password/forgot")
            .await
            .contains("<h1>Reimposta la password</h1>")
    );
}

#[tokio::test]
async fn a_users_language_is_saved_on_the_account_and_follows_them_to_a_new_login_anywhere() {
    let app = spawn_app().await;
    app.create_user("mario@example.it", "manager", None);
    let mut browser = app.browser();
    let home = browser.login("mario@example.it", PASSWORD).await;
    assert!(home.contains("<h1>Rete di concessionari</h1>"));

    let switched = switch_language(&mut browser, "en").await;
    browser.post("/logout", &[]).await;

    assert_eq!(switched.path(), "/manager");
    assert!(switched.contains("<h1>Dealer network</h1>"));
    assert_eq!(
        stored_locale(&app, "mario@example.it").as_deref(),
        Some("en")
    );
    // A different device whose browser prefers Italian: still English once Mario logs in.
    let mut elsewhere = app.browser_with_language("it-IT,it;q=0.9");
    assert!(
        is_italian(&elsewhere.get("/login").await),
        "not known before logging in"
    );
    let page = elsewhere.login("mario@example.it", PASSWORD).await;
    assert_eq!(page.path(), "/manager");
    assert!(is_english(&page));
    assert!(page.contains("<h1>Dealer network</h1>"));
    assert!(page.contains("Log out"));
}

#[tokio::test]
async fn the_language_switch_only_sends_people_back_to_pages_of_this_site() {
    let app = spawn_app().await;
    let mut browser = app.browser();
    browser.get("/login").await;

    let offsite = browser
        .post(
            "/locale",
            &[("locale", "en"), ("next", "https://evil.example/phish")],
        )
        .await;
    let unknown_language = browser
        .post("/locale", &[("locale", "de"), ("next", "/login")])
        .await;

    assert!(offsite.url.starts_with(&app.address), "{}", offsite.url);
    assert_eq!(offsite.path(), "/login");
    assert_eq!(unknown_language.status, 400);
    assert_eq!(
        browser.cookie("dl_lang").as_deref(),
        Some("en"),
        "unchanged"
    );
}

#[tokio::test]
async fn numbers_are_written_with_each_languages_thousands_separator() {
    let app = spawn_app().await;
    let form = DealerForm {
        code: "MI-01".into(),
        name: "Grande Officina".into(),
        contact_email: "info@grande.example.it".into(),
        capacity: "1000".into(),
        postcodes: "IT 20".into(),
        product_lines: "lathes".into(),
        active: Some("on".into()),
        ..Default::default()
    };
    let id =
        dealers::save(&mut app.conn(), &Actor::cli(), None, &form).expect("valid dealer saved");
    app.create_user("manager@example.it", "manager", None);
    let mut italian = app.browser();
    italian.login("manager@example.it", PASSWORD).await;
    let mut english = app.browser_with_language("en");
    english.login("manager@example.it", PASSWORD).await;

    let list_it = italian.get("/dealers").await;
    let detail_it = italian.get(&format!("/dealers/{id}")).await;
    let list_en = english.get("/dealers").await;
    let detail_en = english.get(&format!("/dealers/{id}")).await;

    assert!(
        list_it.contains("<td class=\"num\">1.000</td>"),
        "{}",
        list_it.html
    );
    assert!(detail_it.contains("<dd>1.000</dd>"));
    assert!(list_it.contains("Un concessionario"));
    assert!(list_en.contains("<td class=\"num\">1,000</td>"));
    assert!(detail_en.contains("<dd>1,000</dd>"));
    assert!(list_en.contains("One dealer"));
}

#[tokio::test]
async fn audit_dates_are_written_the_italian_or_the_english_way_in_italian_time() {
    let app = spawn_app().await;
    let (email, _) = app.admin();
    let mut italian = app.browser();
    italian.login(&email, PASSWORD).await;
    let mut english = app.browser_with_language("en-GB");
    english.login(&email, PASSWORD).await;
    // Stored in UTC; Rome is an hour ahead in November.
    app.sql("UPDATE audit_events SET occurred_at = '2026-11-22 07:40:00'");

    let log_it = italian.get("/admin/audit").await;
    let log_en = english.get("/admin/audit").await;

    assert!(
        log_it.contains("<td>22/11/2026 08:40</td>"),
        "{}",
        log_it.html
    );
    assert!(!log_it.contains("22 Nov 2026"));
    assert!(
        log_en.contains("<td>22 Nov 2026, 08:40</td>"),
        "{}",
        log_en.html
    );
    assert!(!log_en.contains("22/11/2026"));
}

#[tokio::test]
async fn form_errors_come_in_the_language_of_the_person_filling_in_the_form() {
    let app = spawn_app().await;
    app.create_user("admin@example.it", "admin", None);
    app.create_user("admin2@example.it", "admin", None);
    let mut english = app.browser();
    english.login("admin@example.it", PASSWORD).await;
    switch_language(&mut english, "en").await;
    // This admin's browser asks for English, but they chose Italian on the switcher.
    let mut italian = app.browser_with_language("en");
    italian.login("admin2@example.it", PASSWORD).await;
    switch_language(&mut italian, "it").await;
    let typed = [
        ("email", "nuovo-at-example"),
        ("name", ""),
        ("role", "dealer"),
        ("dealer_code", ""),
        ("locale", ""),
    ];

    let page_en = english
        .submit("/admin/users/new", "/admin/users", &typed)
        .await;
    let page_it = italian
        .submit("/admin/users/new", "/admin/users", &typed)
        .await;

    assert_eq!(page_en.status, 422);
    assert!(says(
        &page_en,
        "Some fields need attention: see the messages below."
    ));
    assert_eq!(
        field_error(&page_en, "email").as_deref(),
        Some("Enter an email address such as name@example.com.")
    );
    assert_eq!(
        field_error(&page_en, "name").as_deref(),
        Some("This field is required.")
    );
    assert_eq!(
        field_error(&page_en, "dealer_code").as_deref(),
        Some("A dealer user needs the code of their dealership.")
    );
    assert_eq!(page_it.status, 422);
    assert_eq!(
        field_error(&page_it, "email").as_deref(),
        Some("Inserisci un indirizzo email come nome@esempio.it.")
    );
    assert_eq!(
        field_error(&page_it, "name").as_deref(),
        Some("Questo campo è obbligatorio.")
    );
    assert_eq!(
        field_error(&page_it, "dealer_code").as_deref(),
        Some("Un utente concessionario ha bisogno del codice della sua concessionaria.")
    );
}

#[tokio::test]
async fn error_pages_speak_the_visitors_language() {
    let app = spawn_app().await;
    let mut english = app.browser_with_language("en");
    let mut italian = app.browser();

    let missing_en = english.get("/no-such-page").await;
    let dead_link_en = english
        .get("/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    let missing_it = italian.get("/no-such-page").await;

    assert_eq!(missing_en.status, 404);
    assert!(missing_en.contains("<h1>Page not found</h1>"));
    assert_eq!(dead_link_en.status, 410);
    assert!(dead_link_en.contains("<h1>This link no longer works</h1>"));
    assert_eq!(missing_it.status, 404);
    assert!(missing_it.contains("<h1>Pagina non trovata</h1>"));
}

#[tokio::test]
async fn emails_are_written_in_the_recipients_language() {
    let app = spawn_app().await;
    let (admin_email, _) = app.admin();
    app.create_user("mario@example.it", "manager", None);
    app.create_user("lucia@example.it", "manager", None);
    app.sql("UPDATE users SET locale = 'it' WHERE email = 'lucia@example.it'");
    let mut admin = app.browser();
    admin.login(&admin_email, PASSWORD).await;

    // An invitation in the language the admin chose for the new user.
    admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("email", "john@example.com"),
                ("name", "John Smith"),
                ("role", "manager"),
                ("dealer_code", ""),
                ("locale", "en"),
            ],
        )
        .await;
    // Resets asked for from an English browser: English unless the account says otherwise.
    for email in ["mario@example.it", "lucia@example.it"] {
        app.browser_with_language("en")
            .submit("/password/forgot", "/password/forgot", &[("email", email)])
            .await;
    }

    let invitation = &app.emails_to("john@example.com").await[0];
    assert_eq!(invitation.subject, "Your dealerloop account is ready");
    assert!(
        invitation.text.starts_with("Hello John Smith,"),
        "{}",
        invitation.text
    );
    assert!(invitation.html.contains("<html lang=\"en\">"));
    let reset_en = &app.emails_to("mario@example.it").await[0];
    assert_eq!(reset_en.subject, "Reset your dealerloop password");
    assert!(
        reset_en
            .text
            .contains("The link works once, for 60 minutes.")
    );
    let reset_it = &app.emails_to("lucia@example.it").await[0];
    assert_eq!(reset_it.subject, "Reimposta la password di dealerloop");
    assert!(
        reset_it
            .text
            .contains("Il link funziona una sola volta, per 60 minuti.")
    );
}
