//! The admin area: dealers (create, validate, edit), users (invite, roles, disable) and
//! the audit log.
//!
//! The small page readers at the bottom (`field_error`, `field_value`, `says`) are also
//! used by the password-link and language tests.

use dealerloop::models::dealer::Dealer;
use dealerloop::models::user::User;

use crate::helpers::{self, Browser, PASSWORD, Page, TestApp, spawn_app};

/// A complete, valid dealer form as an admin would fill it in.
const GOOD_DEALER: [(&str, &str); 8] = [
    ("code", "mi-tor01"),
    ("name", "Torneria Milanese"),
    ("contact_email", "Vendite@Torneria.example.it"),
    ("capacity", "40"),
    ("postcodes", "IT 20\r\nit 24"),
    ("regions", "IT Lombardia"),
    ("product_lines", "lathes, Milling"),
    ("active", "on"),
];

/// A dealer form with one mistake in every field.
const BAD_DEALER: [(&str, &str); 8] = [
    ("code", "x"),
    ("name", "   "),
    ("contact_email", "vendite-at-torneria"),
    ("capacity", "molti"),
    ("postcodes", "IT 20\nITALIA 30"),
    ("regions", "Lombardia"),
    ("product_lines", "torni & frese"),
    ("active", "on"),
];

async fn logged_in_admin(app: &TestApp) -> (Browser, i64) {
    let (email, id) = app.admin();
    let mut browser = app.browser();
    assert_eq!(browser.login(&email, PASSWORD).await.path(), "/admin");
    (browser, id)
}

fn stored_dealers(app: &TestApp) -> Vec<Dealer> {
    Dealer::list(&mut app.conn(), "").expect("dealers")
}

fn stored_user(app: &TestApp, email: &str) -> Option<User> {
    User::find_by_email(&mut app.conn(), email).expect("user lookup")
}

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

/// Submits the new-user form as the logged-in admin.
async fn invite(browser: &mut Browser, fields: &[(&str, &str)]) -> Page {
    browser
        .submit("/admin/users/new", "/admin/users", fields)
        .await
}

// ---------------------------------------------------------------------------------------
// Dealers

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
    assert!(says(&page, "Salvato."));
    assert!(page.contains("<h1>Torneria Milanese</h1>"));
    assert!(page.contains("MI-TOR01"), "the code is stored upper-case");
    assert!(
        page.contains("vendite@torneria.example.it"),
        "the email is stored lower-case"
    );
    assert!(page.contains("<dd>IT 20, IT 24</dd>"), "{}", page.html);
    assert!(page.contains("<dd>IT Lombardia</dd>"));
    assert!(page.contains("<dd>lathes, milling</dd>"));
    assert!(page.contains("MI-TOR01 · Attivo"));

    let list = browser.get("/dealers").await;
    assert!(list.contains(&format!("<a href=\"/dealers/{id}\">MI-TOR01</a>")));
    assert!(list.contains("<td>Torneria Milanese</td>"));
    assert!(list.contains("<td>IT 20, IT 24, IT Lombardia</td>"));
    assert!(list.contains("<td>lathes, milling</td>"));
    assert!(list.contains("Un concessionario"));
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
    assert!(stored_dealers(&app).is_empty(), "nothing is stored");
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
    assert!(page.contains("Alcuni campi vanno corretti: vedi i messaggi qui sotto."));
    for field in ["code", "name", "contact_email", "capacity", "product_lines"] {
        assert_eq!(
            field_error(&page, field).as_deref(),
            Some("Questo campo è obbligatorio."),
            "{field}"
        );
    }
    assert_eq!(
        field_error(&page, "postcodes").as_deref(),
        Some("Aggiungi almeno una zona per CAP o una regione.")
    );
    assert!(!page.contains("checked"), "an unticked box stays unticked");
    assert!(stored_dealers(&app).is_empty());
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
            field_error(page, "code").as_deref(),
            Some("Un altro concessionario usa già questo codice.")
        );
        assert_eq!(
            field_value(page, "name"),
            "Torneria Milanese",
            "the rest of the form is kept"
        );
    }
    let codes: Vec<String> = stored_dealers(&app).into_iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
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
    assert!(says(&page, "Salvato."));
    assert!(page.contains("<h1>Officina Bergamasca</h1>"));
    assert!(page.contains("<dd>IT 24</dd>"));
    assert!(!page.contains("IT 20") && !page.contains("IT Lombardia"));
    assert!(page.contains("<dd>press-brakes</dd>"));
    assert!(page.contains("<strong>Non attivo</strong>"));
    let list = browser.get("/dealers").await;
    assert!(list.contains("<td>Officina Bergamasca</td>") && !list.contains("Officina BG-02"));
    assert_eq!(stored_dealers(&app).len(), 1);
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
    assert!(nothing.contains("Nessun concessionario corrisponde."));
}

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
    assert!(nothing.contains("Nessun utente corrisponde."));
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
        assert!(page.contains("Accesso non consentito"));
    }
    assert!(!detail.contains("/edit\""), "no edit button for a manager");
    let codes: Vec<String> = stored_dealers(&app).into_iter().map(|d| d.code).collect();
    assert_eq!(codes, ["MI-01"]);
}

// ---------------------------------------------------------------------------------------
// Users and invitations

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
    assert!(says(&created, "L'invito è stato inviato."));
    assert!(created.contains("<dd>Invitato</dd>"));
    let user = stored_user(&app, "giulia@example.it").expect("the user is stored");
    assert!(
        user.password_hash.is_none(),
        "no password until they choose one"
    );
    let list = admin.get("/admin/users").await;
    assert!(list.contains(">giulia@example.it</a>"));
    assert!(list.contains("<td>Giulia Bianchi</td>"));
    assert!(list.contains("<td>MI-01</td>"));
    assert!(list.contains("<td>Invitato</td>"));

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
    assert!(form.contains("Benvenuto in dealerloop"));
    assert!(
        form.contains("Scegli una password per giulia@example.it per attivare il tuo account.")
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
        field_error(&weak, "new_password").as_deref(),
        Some("Questa password è troppo facile da indovinare. Scegline un'altra.")
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
    assert!(home.contains("Benvenuto! Il tuo account è attivo."));
    assert!(home.contains("Officina MI-01"));

    let reused = giulia.get(&link).await;
    assert_eq!(reused.status, 410);
    assert!(reused.contains("Questo link non funziona più"));
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
    assert!(says(&page, "L'invito è stato inviato."));
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
        field_error(&missing, "dealer_code").as_deref(),
        Some("Un utente concessionario ha bisogno del codice della sua concessionaria.")
    );
    assert_eq!(unknown.status, 422);
    assert_eq!(
        field_error(&unknown, "dealer_code").as_deref(),
        Some("Nessun concessionario ha questo codice.")
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
    assert!(stored_user(&app, "anna@example.it").is_none());
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
            field_error(page, "dealer_code").as_deref(),
            Some("Solo gli utenti concessionario appartengono a una concessionaria: lascia vuoto.")
        );
    }
    assert!(stored_user(&app, "marco@example.it").is_none());
    assert_eq!(
        stored_user(&app, "dario@example.it")
            .expect("still there")
            .role
            .as_str(),
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
        field_error(&page, "email").as_deref(),
        Some("Esiste già un utente con questa email.")
    );
    assert_eq!(
        stored_user(&app, "mario@example.it").expect("kept").name,
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
    assert!(says(&page, "Salvato."));
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
    assert!(disabled.contains("Non puoi disattivare il tuo account."));
    assert_eq!(demoted.status, 422);
    assert_eq!(
        field_error(&demoted, "role").as_deref(),
        Some("Non puoi togliere a te stesso il ruolo di amministratore.")
    );
    let me = stored_user(&app, "admin@example.it").expect("admin");
    assert!(me.active);
    assert_eq!(me.role.as_str(), "admin");
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

    assert!(says(&enabled, "L'account è di nuovo attivo."));
    assert_eq!(
        mario.login("mario@example.it", PASSWORD).await.path(),
        "/manager"
    );
    let actions = app.audit_actions();
    assert_eq!(count(&actions, "user_disabled"), 1);
    assert_eq!(count(&actions, "user_enabled"), 1);
}

// ---------------------------------------------------------------------------------------
// Audit log

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

// ---------------------------------------------------------------------------------------
// Reading pages

/// The page's HTML with the entities the templates produce turned back into characters.
pub fn visible_text(html: &str) -> String {
    html.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// Whether the page shows `text` (entities decoded).
pub fn says(page: &Page, text: &str) -> bool {
    visible_text(&page.html).contains(text)
}

/// The message shown under `field`, if any.
pub fn field_error(page: &Page, field: &str) -> Option<String> {
    let marker = format!("<p class=\"field-error\" id=\"{field}-error\">");
    let start = page.html.find(&marker)? + marker.len();
    let end = page.html[start..].find("</p>")?;
    Some(visible_text(&page.html[start..start + end]))
}

/// Whether `field`'s error message comes right after the field, before the next label.
pub fn error_is_next_to_its_field(page: &Page, field: &str) -> bool {
    let (Some(input), Some(error)) = (
        page.html.find(&format!("id=\"{field}\"")),
        page.html.find(&format!("id=\"{field}-error\">")),
    ) else {
        return false;
    };
    let next_label = page.html[input..]
        .find("<label")
        .map_or(usize::MAX, |i| input + i);
    input < error && error < next_label
}

/// What the input or textarea `field` holds on the page.
pub fn field_value(page: &Page, field: &str) -> String {
    let html = &page.html;
    if let Some(start) = html.find(&format!("<textarea id=\"{field}\"")) {
        let open = start + html[start..].find('>').expect("textarea tag ends") + 1;
        let close = open + html[open..].find("</textarea>").expect("textarea closes");
        return visible_text(&html[open..close]);
    }
    let start = html
        .find(&format!("<input id=\"{field}\""))
        .unwrap_or_else(|| panic!("no field {field} on:\n{html}"));
    let tag = &html[start..start + html[start..].find('>').expect("input tag ends")];
    let value = tag
        .split(" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap_or_default();
    visible_text(value)
}
