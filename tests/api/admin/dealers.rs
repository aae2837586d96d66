//! Dealers: create with territories and lines, every field's error next to it, unique
//! codes, editing, search, and managers kept out.

use super::{BAD_DEALER, GOOD_DEALER, count, listed_dealers, logged_in_admin};
use crate::helpers::{PASSWORD, error_is_next_to_its_field, field_error, field_value, spawn_app};

#[tokio::test]
async fn a_new_dealer_appears_in_the_list_and_on_its_own_page_with_its_territories_and_lines() {
    let app = spawn_app().await;
    let (mut browser, _) = logged_in_admin(&app).await;

    let page = browser
        .submit("/admin/dealers/new", "/admin/dealers", &GOOD_DEALER)
        .await;

    assert_eq!(page.status, 200);
    let id = page
        .path()
        .strip_prefix("/dealers/")
        .expect("lands on the dealer's page")
        .to_owned();
    assert!(page.has_notice("notice-saved"));
    assert!(page.contains("<h1>Torneria Milanese</h1>"));
    assert!(page.contains("MI-TOR01"), "the code is stored upper-case");
    assert!(
        page.contains("vendite@torneria.example.it"),
        "the email is stored lower-case"
    );
    assert!(page.contains("<dd>IT 20, IT 24</dd>"), "{}", page.html);
    assert!(page.contains("<dd>IT Lombardia</dd>"));
    assert!(page.contains("<dd>lathes, milling</dd>"));
    assert!(page.contains("MI-TOR01 · "));
    assert!(page.has("data-status", "active"));

    let list = browser.get("/dealers").await;
    assert!(list.contains(&format!("<a href=\"/dealers/{id}\">MI-TOR01</a>")));
    assert!(list.contains("<td>Torneria Milanese</td>"));
    assert!(list.contains("<td>IT 20, IT 24, IT Lombardia</td>"));
    assert!(list.contains("<td>lathes, milling</td>"));
    assert_eq!(list.count("dealers-count"), 1);
    assert_eq!(count(&app.audit_actions(), "dealer_created"), 1);
}

/// Fills in [`BAD_DEALER`] in `language` and checks every field's message and value.
async fn every_dealer_error_is_shown_next_to_its_field(
    language: &str,
    expected: [(&str, &str); 7],
) {
    let app = spawn_app().await;
    let (email, _) = app.admin();
    let mut browser = app.browser_with_language(language);
    browser.login(&email, PASSWORD).await;

    let page = browser
        .submit("/admin/dealers/new", "/admin/dealers", &BAD_DEALER)
        .await;

    assert_eq!(page.status, 422);
    assert_eq!(page.path(), "/admin/dealers");
    for (field, message) in expected {
        assert_eq!(
            field_error(&page, field).as_deref(),
            Some(message),
            "{field}"
        );
        assert!(
            error_is_next_to_its_field(&page, field),
            "{field}'s message follows its input"
        );
    }
    for (field, typed) in BAD_DEALER {
        if field != "active" {
            assert_eq!(
                field_value(&page, field),
                typed,
                "{field} keeps what was typed"
            );
        }
    }
    assert!(page.contains("id=\"active\" name=\"active\" type=\"checkbox\" checked"));
    assert!(
        listed_dealers(&mut browser).await.is_empty(),
        "nothing is stored"
    );
    assert_eq!(count(&app.audit_actions(), "dealer_created"), 0);
}

#[tokio::test]
async fn invalid_dealer_form_shows_each_error_next_to_its_field_in_italian_and_keeps_what_was_typed()
 {
    every_dealer_error_is_shown_next_to_its_field(
        "it-IT,it;q=0.9",
        [
            ("code", "Usa da 2 a 20 lettere, cifre o trattini, per esempio MI-01."),
            ("name", "Questo campo è obbligatorio."),
            ("contact_email", "Inserisci un indirizzo email come nome@esempio.it."),
            ("capacity", "Inserisci un numero intero da 0 a 10000."),
            ("postcodes", "Riga 2: Inizia con il codice del paese di due lettere, per esempio IT."),
            ("regions", "Riga 1: Scrivi il paese e la regione, per esempio IT Lombardia."),
            (
                "product_lines",
                "Le linee di prodotto usano lettere minuscole, cifre e trattini, per esempio press-brakes.",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn invalid_dealer_form_shows_each_error_next_to_its_field_in_english_and_keeps_what_was_typed()
 {
    every_dealer_error_is_shown_next_to_its_field(
        "en-GB,en;q=0.9",
        [
            ("code", "Use 2 to 20 letters, digits or dashes, e.g. MI-01."),
            ("name", "This field is required."),
            (
                "contact_email",
                "Enter an email address such as name@example.com.",
            ),
            ("capacity", "Enter a whole number from 0 to 10000."),
            (
                "postcodes",
                "Line 2: Start with the two-letter country code, e.g. IT.",
            ),
            (
                "regions",
                "Line 1: Write the country and the region, e.g. IT Lombardia.",
            ),
            (
                "product_lines",
                "Product lines use lower-case letters, digits and dashes, e.g. press-brakes.",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_empty_dealer_form_asks_for_every_required_field_and_at_least_one_territory() {
    let app = spawn_app().await;
    let (mut browser, _) = logged_in_admin(&app).await;

    let page = browser
        .submit(
            "/admin/dealers/new",
            "/admin/dealers",
            &[
                ("code", ""),
                ("name", ""),
                ("contact_email", ""),
                ("capacity", ""),
                ("postcodes", ""),
                ("regions", ""),
                ("product_lines", ""),
            ],
        )
        .await;

    assert_eq!(page.status, 422);
    assert!(page.has_error("form-has-errors"));
    for field in ["code", "name", "contact_email", "capacity", "product_lines"] {
        assert_eq!(
            page.error_key(field).as_deref(),
            Some("error-required"),
            "{field}"
        );
    }
    assert_eq!(
        page.error_key("postcodes").as_deref(),
        Some("error-territory-required")
    );
    assert!(!page.contains("checked"), "an unticked box stays unticked");
    assert!(listed_dealers(&mut browser).await.is_empty());
}

#[tokio::test]
async fn a_dealer_code_already_used_by_another_dealer_is_refused_on_create_and_on_edit() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let other = app.create_dealer("BG-02");
    let (mut browser, _) = logged_in_admin(&app).await;

    let mut fields = GOOD_DEALER;
    fields[0] = ("code", " mi-01 ");
    let created = browser
        .submit("/admin/dealers/new", "/admin/dealers", &fields)
        .await;
    let edited = browser
        .submit(
            &format!("/admin/dealers/{other}/edit"),
            &format!("/admin/dealers/{other}"),
            &fields,
        )
        .await;

    for page in [&created, &edited] {
        assert_eq!(page.status, 422);
        assert_eq!(
            page.error_key("code").as_deref(),
            Some("error-dealer-code-taken")
        );
        assert_eq!(
            field_value(page, "name"),
            "Torneria Milanese",
            "the rest of the form is kept"
        );
    }
    assert_eq!(
        listed_dealers(&mut browser).await,
        ["BG-02", "MI-01"],
        "no second MI-01, and BG-02 kept its code"
    );
    assert_eq!(count(&app.audit_actions(), "dealer_updated"), 0);
}

#[tokio::test]
async fn editing_a_dealer_shows_its_current_details_and_saves_the_changes() {
    let app = spawn_app().await;
    let id = app.create_dealer("BG-02");
    let (mut browser, _) = logged_in_admin(&app).await;

    let form = browser.get(&format!("/admin/dealers/{id}/edit")).await;
    assert_eq!(form.status, 200);
    assert_eq!(field_value(&form, "code"), "BG-02");
    assert_eq!(field_value(&form, "name"), "Officina BG-02");
    assert_eq!(field_value(&form, "capacity"), "25");
    assert_eq!(field_value(&form, "postcodes"), "IT 20");
    assert_eq!(field_value(&form, "regions"), "IT Lombardia");
    assert_eq!(field_value(&form, "product_lines"), "lathes, milling");
    assert!(form.contains("type=\"checkbox\" checked"));

    // Territories and lines are replaced, not added to; the box is unticked.
    let page = browser
        .post(
            &format!("/admin/dealers/{id}"),
            &[
                ("code", "BG-02"),
                ("name", "Officina Bergamasca"),
                ("contact_email", "info@bergamasca.example.it"),
                ("capacity", "12"),
                ("postcodes", "IT 24"),
                ("regions", ""),
                ("product_lines", "press-brakes"),
            ],
        )
        .await;

    assert_eq!(page.path(), format!("/dealers/{id}"));
    assert!(page.has_notice("notice-saved"));
    assert!(page.contains("<h1>Officina Bergamasca</h1>"));
    assert!(page.contains("<dd>IT 24</dd>"));
    assert!(!page.contains("IT 20") && !page.contains("IT Lombardia"));
    assert!(page.contains("<dd>press-brakes</dd>"));
    assert!(page.has("data-status", "inactive"));
    let list = browser.get("/dealers").await;
    assert!(list.contains("<td>Officina Bergamasca</td>") && !list.contains("Officina BG-02"));
    assert_eq!(listed_dealers(&mut browser).await.len(), 1);
    assert_eq!(count(&app.audit_actions(), "dealer_updated"), 1);
}

#[tokio::test]
async fn staff_find_dealers_by_name_or_code() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_dealer("BG-02");
    app.create_user("manager@example.it", "manager", None);
    let mut browser = app.browser();
    browser.login("manager@example.it", PASSWORD).await;

    let by_code = browser.get("/dealers?q=bg").await;
    let by_name = browser.get("/manager?q=officina%20mi").await;
    let nothing = browser.get("/dealers?q=zzz").await;

    assert!(by_code.contains("Officina BG-02") && !by_code.contains("Officina MI-01"));
    assert_eq!(
        field_value(&by_code, "q"),
        "bg",
        "the search stays in the box"
    );
    assert!(by_name.contains("Officina MI-01") && !by_name.contains("Officina BG-02"));
    assert!(nothing.has("id", "dealers-none"));
}

#[tokio::test]
async fn a_manager_cannot_create_or_edit_dealers() {
    let app = spawn_app().await;
    let id = app.create_dealer("MI-01");
    app.create_user("manager@example.it", "manager", None);
    let mut browser = app.browser();
    browser.login("manager@example.it", PASSWORD).await;

    let form = browser.get("/admin/dealers/new").await;
    let created = browser.post("/admin/dealers", &GOOD_DEALER).await;
    let edited = browser
        .post(&format!("/admin/dealers/{id}"), &GOOD_DEALER)
        .await;
    let detail = browser.get(&format!("/dealers/{id}")).await;

    for page in [&form, &created, &edited] {
        assert_eq!(page.status, 403);
        assert!(page.has("data-error-page", "403"));
    }
    assert!(!detail.contains("/edit\""), "no edit button for a manager");
    assert_eq!(listed_dealers(&mut browser).await, ["MI-01"]);
}
