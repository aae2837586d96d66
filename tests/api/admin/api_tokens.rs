//! API tokens for machine clients: the admin pages (create, see the secret once, list,
//! revoke), who may use them, the audit trail, `services::api_tokens::authenticate`, and
//! the `dealerloop token` command.

use dealerloop::db::DatabaseUrl;
use dealerloop::models::api_token::ApiToken;
use dealerloop::models::audit::AuditEvent;
use dealerloop::services::api_tokens;
use dealerloop::services::audit::Actor;
use dealerloop::services::tokens;

use super::count;
use crate::helpers::{Browser, PASSWORD, Page, TestApp, dealerloop, fresh_database, spawn_app};
use crate::helpers::{error_is_next_to_its_field, field_error, field_value, has_marker};

const ENGLISH: &str = "en-GB,en;q=0.9";
const ITALIAN: &str = "it-IT,it;q=0.9";

async fn logged_in_admin(app: &TestApp, language: &str) -> Browser {
    let (email, _) = app.admin();
    let mut browser = app.browser_with_language(language);
    assert_eq!(browser.login(&email, PASSWORD).await.path(), "/admin");
    browser
}

/// Submits the new-token form from the list page.
async fn create_token(browser: &mut Browser, name: &str, source: &str) -> Page {
    browser
        .submit(
            "/admin/api-tokens",
            "/admin/api-tokens",
            &[("name", name), ("source", source)],
        )
        .await
}

/// The secret shown on the "token created" page.
fn secret_on(page: &Page) -> String {
    let marker = "<code id=\"api-token-secret\">";
    let start = page
        .html
        .find(marker)
        .unwrap_or_else(|| panic!("no secret on the page:\n{}", page.html))
        + marker.len();
    let end = page.html[start..]
        .find("</code>")
        .expect("the code block ends");
    page.html[start..start + end].to_owned()
}

fn stored(app: &TestApp, name: &str) -> ApiToken {
    ApiToken::find_by_name(&mut app.conn(), name)
        .expect("token lookup")
        .unwrap_or_else(|| panic!("no token named {name}"))
}

fn stored_tokens(app: &TestApp) -> Vec<ApiToken> {
    ApiToken::list(&mut app.conn()).expect("tokens")
}

/// The table row of the token `name` on the list page.
fn row_of(page: &Page, name: &str) -> String {
    let cell = format!("<td>{name}</td>");
    let at = page
        .html
        .find(&cell)
        .unwrap_or_else(|| panic!("no row for {name} on:\n{}", page.html));
    let start = page.html[..at].rfind("<tr").expect("the row starts");
    let end = at + page.html[at..].find("</tr>").expect("the row ends");
    page.html[start..end].to_owned()
}

// ---------------------------------------------------------------------------------------
// The admin pages

#[tokio::test]
async fn an_admin_creates_a_token_and_sees_its_secret_once_and_only_its_hash_is_stored() {
    let app = spawn_app().await;
    let mut browser = logged_in_admin(&app, ENGLISH).await;

    let page = create_token(&mut browser, "crm-marketing", "").await;

    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(
        page.path(),
        "/admin/api-tokens",
        "shown on the response to the form, not after a redirect"
    );
    let secret = secret_on(&page);
    assert!(secret.starts_with(api_tokens::TOKEN_PREFIX), "{secret}");
    assert_eq!(secret.len(), api_tokens::TOKEN_PREFIX.len() + 43);
    assert!(page.has("id", "api-token-created"));
    assert!(page.has("id", "api-token-shown-once"), "{}", page.html);
    assert!(page.contains("<a class=\"button\" href=\"/admin/api-tokens\">"));
    assert_eq!(
        page.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert!(
        page.headers
            .iter()
            .all(|(_, v)| !v.to_str().unwrap_or_default().contains(&secret)),
        "the secret is in no header (no cookie, no location)"
    );

    let again = browser.get("/admin/api-tokens").await;
    assert_eq!(again.status, 200);
    assert!(again.contains("<td>crm-marketing</td>"));
    assert!(!again.contains(&secret), "the list never shows the secret");
    assert!(!again.contains("api-token-secret"));
    let audit = browser.get("/admin/audit").await;
    assert!(!audit.contains(&secret), "the audit log never shows it");

    let token = stored(&app, "crm-marketing");
    assert_ne!(token.token_hash, secret);
    assert!(!token.token_hash.contains(&secret[3..]));
    assert_eq!(token.token_hash, tokens::hash_secret(&secret));
    assert_eq!(token.source, api_tokens::DEFAULT_SOURCE);
    assert_eq!(token.created_by, "admin@example.it");
}

#[tokio::test]
async fn a_new_token_is_listed_with_its_source_its_creator_never_used_and_active() {
    let app = spawn_app().await;
    let mut browser = logged_in_admin(&app, ITALIAN).await;
    let empty = browser.get("/admin/api-tokens").await;
    assert!(empty.has("id", "api-tokens-none"));

    let created = create_token(&mut browser, "crm.marketing_2", "  crm  ").await;
    assert_eq!(created.status, 200);
    assert!(created.has("id", "api-token-shown-once"));
    let list = browser.get("/admin/api-tokens").await;

    let token = stored(&app, "crm.marketing_2");
    let row = row_of(&list, "crm.marketing_2");
    assert!(row.contains("<td><code>crm</code></td>"), "{row}");
    assert!(row.contains("da admin@example.it"), "{row}");
    assert!(has_marker(&row, "data-last-used", "never"), "{row}");
    assert!(has_marker(&row, "data-status", "active"), "{row}");
    assert!(
        row.contains(&format!(
            "<form method=\"post\" action=\"/admin/api-tokens/{}/revoke\"><input type=\"hidden\" name=\"csrf_token\"",
            token.id
        )),
        "{row}"
    );
    assert!(list.contains("<div class=\"table-wrap\">"));
    assert!(
        list.contains("<a href=\"/admin/api-tokens\">Token API</a>"),
        "in the menu"
    );
    let home = browser.get("/admin").await;
    assert!(home.contains("href=\"/admin/api-tokens\">Token API</a>"));
}

/// Refuses a duplicate name, bad names and a bad source in `language`, each message next
/// to its field, what was typed kept, nothing stored.
async fn bad_token_forms_are_refused_next_to_the_field(
    language: &str,
    required: &str,
    invalid: &str,
    taken: &str,
) {
    let app = spawn_app().await;
    let mut browser = logged_in_admin(&app, language).await;
    assert_eq!(create_token(&mut browser, "crm", "").await.status, 200);

    for (name, source, field, message) in [
        ("   ", "", "name", required),
        ("x", "", "name", invalid),
        ("crm marketing!", "", "name", invalid),
        (&"a".repeat(61), "", "name", invalid),
        ("crm", "", "name", taken),
        ("web-form", "lead source", "source", invalid),
    ] {
        let page = create_token(&mut browser, name, source).await;

        assert_eq!(page.status, 422, "{name:?} {source:?}");
        assert_eq!(page.path(), "/admin/api-tokens");
        assert_eq!(
            field_error(&page, field).as_deref(),
            Some(message),
            "{name:?} {source:?}"
        );
        assert!(error_is_next_to_its_field(&page, field), "{field}");
        assert_eq!(field_value(&page, "name"), name, "the name typed is kept");
        assert_eq!(field_value(&page, "source"), source);
        assert!(!page.contains("api-token-secret"), "no secret on a refusal");
        assert!(page.contains("<td>crm</td>"), "the list is shown again");
    }
    assert_eq!(stored_tokens(&app).len(), 1, "nothing more is stored");
    assert_eq!(count(&app.audit_actions(), "api_token_created"), 1);
}

#[tokio::test]
async fn a_duplicate_or_invalid_token_name_is_refused_next_to_the_field_in_italian() {
    bad_token_forms_are_refused_next_to_the_field(
        ITALIAN,
        "Questo campo è obbligatorio.",
        "Usa da 2 a 60 lettere, cifre, punti, trattini o trattini bassi.",
        "Un altro token ha già questo nome.",
    )
    .await;
}

#[tokio::test]
async fn a_duplicate_or_invalid_token_name_is_refused_next_to_the_field_in_english() {
    bad_token_forms_are_refused_next_to_the_field(
        ENGLISH,
        "This field is required.",
        "Use 2 to 60 letters, digits, dots, dashes or underscores.",
        "Another token already has this name.",
    )
    .await;
}

#[tokio::test]
async fn revoking_a_token_marks_it_revoked_and_removes_its_button() {
    let app = spawn_app().await;
    let mut browser = logged_in_admin(&app, ENGLISH).await;
    create_token(&mut browser, "old-crm", "").await;
    create_token(&mut browser, "new-crm", "").await;
    let (old, new) = (stored(&app, "old-crm"), stored(&app, "new-crm"));

    let page = browser
        .submit(
            "/admin/api-tokens",
            &format!("/admin/api-tokens/{}/revoke", old.id),
            &[],
        )
        .await;

    assert_eq!(page.status, 200);
    assert_eq!(page.path(), "/admin/api-tokens");
    assert!(page.has_notice("notice-api-token-revoked"), "{}", page.html);
    let row = row_of(&page, "old-crm");
    assert!(has_marker(&row, "data-status", "revoked"), "{row}");
    assert!(
        !row.contains("/revoke"),
        "no button on a revoked token: {row}"
    );
    assert!(has_marker(
        &row_of(&page, "new-crm"),
        "data-status",
        "active"
    ));
    assert!(stored(&app, "old-crm").revoked_at.is_some());
    assert!(
        stored(&app, "new-crm").revoked_at.is_none(),
        "only that one"
    );

    // Revoking twice changes nothing and records nothing more.
    browser
        .post(&format!("/admin/api-tokens/{}/revoke", old.id), &[])
        .await;
    assert_eq!(count(&app.audit_actions(), "api_token_revoked"), 1);
    let unknown = browser.post("/admin/api-tokens/nope/revoke", &[]).await;
    assert_eq!(unknown.status, 404);
    assert!(stored(&app, "new-crm").revoked_at.is_none());
    assert_eq!(stored(&app, "new-crm").id, new.id);
}

#[tokio::test]
async fn managers_and_dealer_users_get_403_on_the_api_token_pages() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("manager@example.it", "manager", None);
    app.create_user("dealer@example.it", "dealer", Some("MI-01"));
    let issued = api_tokens::issue(&mut app.conn(), &Actor::cli(), "crm", "").unwrap();

    for email in ["manager@example.it", "dealer@example.it"] {
        let mut browser = app.browser();
        let home = browser.login(email, PASSWORD).await;
        assert_eq!(home.status, 200);
        assert!(
            !home.contains("/admin/api-tokens"),
            "no menu link for {email}"
        );

        let list = browser.get("/admin/api-tokens").await;
        browser.get("/").await;
        let create = browser
            .post("/admin/api-tokens", &[("name", "sneaky"), ("source", "")])
            .await;
        browser.get("/").await;
        let revoke = browser
            .post(&format!("/admin/api-tokens/{}/revoke", issued.id), &[])
            .await;
        browser.get("/").await;
        let control = browser
            .post("/locale", &[("locale", "en"), ("next", "/")])
            .await;

        assert_eq!(list.status, 403, "{email}");
        assert!(list.has("data-error-page", "403"), "{email}");
        assert_eq!(create.status, 403, "{email}");
        assert_eq!(revoke.status, 403, "{email}");
        assert_eq!(
            control.status, 200,
            "{email}: the same form token is accepted elsewhere, so the 403s are the role check"
        );
    }
    assert_eq!(stored_tokens(&app).len(), 1, "nothing was created");
    assert!(
        stored(&app, "crm").revoked_at.is_none(),
        "nothing was revoked"
    );
}

#[tokio::test]
async fn the_audit_log_records_who_created_and_revoked_a_token_without_its_secret() {
    let app = spawn_app().await;
    let mut browser = logged_in_admin(&app, ENGLISH).await;
    let secret = secret_on(&create_token(&mut browser, "crm", "crm-leads").await);
    let id = stored(&app, "crm").id;
    browser
        .submit(
            "/admin/api-tokens",
            &format!("/admin/api-tokens/{id}/revoke"),
            &[],
        )
        .await;

    let actions = app.audit_actions();
    assert_eq!(count(&actions, "api_token_created"), 1, "{actions:?}");
    assert_eq!(count(&actions, "api_token_revoked"), 1, "{actions:?}");
    let events = AuditEvent::page(&mut app.conn(), None, None, 50).unwrap();
    for action in ["api_token_created", "api_token_revoked"] {
        let event = events
            .iter()
            .find(|e| e.action == action)
            .expect("recorded");
        assert_eq!(event.actor, "admin@example.it", "{action}");
        assert!(event.actor_user_id.is_some(), "{action}");
        assert_eq!(
            (event.entity_type.as_str(), event.entity_id.as_str()),
            ("api_token", id.to_string().as_str())
        );
        assert!(!event.detail.contains(&secret[3..]), "{action}");
    }
    let created = events
        .iter()
        .find(|e| e.action == "api_token_created")
        .unwrap();
    assert!(
        created.detail.contains("crm (source crm-leads)"),
        "{created:?}"
    );
    let page = browser.get("/admin/audit?action=api_token_revoked").await;
    assert!(page.contains("<code>api_token_revoked</code>"));
}

// ---------------------------------------------------------------------------------------
// authenticate

#[tokio::test]
async fn authenticate_accepts_the_issued_secret_records_its_use_and_refuses_it_once_revoked() {
    let app = spawn_app().await;
    let mut browser = logged_in_admin(&app, ENGLISH).await;
    let secret = secret_on(&create_token(&mut browser, "crm", "crm-leads").await);
    assert!(stored(&app, "crm").last_used_at.is_none());

    let token = api_tokens::authenticate(&mut app.conn(), &secret)
        .unwrap()
        .expect("the issued secret is accepted");

    assert_eq!(
        (token.name.as_str(), token.source.as_str()),
        ("crm", "crm-leads")
    );
    assert!(
        stored(&app, "crm").last_used_at.is_some(),
        "its use is recorded"
    );
    let list = browser.get("/admin/api-tokens").await;
    assert!(
        has_marker(&row_of(&list, "crm"), "data-last-used", "used"),
        "the list shows when it was last used"
    );
    assert!(
        api_tokens::authenticate(&mut app.conn(), &secret)
            .unwrap()
            .is_some(),
        "and it keeps working"
    );

    browser
        .submit(
            "/admin/api-tokens",
            &format!("/admin/api-tokens/{}/revoke", token.id),
            &[],
        )
        .await;

    assert!(
        api_tokens::authenticate(&mut app.conn(), &secret)
            .unwrap()
            .is_none(),
        "refused once revoked"
    );
}

#[tokio::test]
async fn authenticate_refuses_a_tampered_or_malformed_secret() {
    let app = spawn_app().await;
    let issued = api_tokens::issue(&mut app.conn(), &Actor::cli(), "crm", "").unwrap();
    let secret = issued.secret;
    let last = secret.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &secret[..secret.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    let token_hash = stored(&app, "crm").token_hash;

    for bad in [
        flipped,
        format!("xx_{}", &secret[3..]),
        secret[3..].to_owned(),
        secret[..secret.len() - 1].to_owned(),
        format!("{secret}A"),
        format!(" {secret}"),
        secret.to_uppercase(),
        token_hash,
        String::new(),
    ] {
        assert!(
            api_tokens::authenticate(&mut app.conn(), &bad)
                .unwrap()
                .is_none(),
            "{bad:?} is refused"
        );
    }
    assert!(
        stored(&app, "crm").last_used_at.is_none(),
        "no use recorded"
    );
    assert!(
        api_tokens::authenticate(&mut app.conn(), &secret)
            .unwrap()
            .is_some()
    );
}

// ---------------------------------------------------------------------------------------
// The command line

fn connect(database_url: &str) -> dealerloop::db::DbConnection {
    DatabaseUrl::parse(database_url)
        .unwrap()
        .establish()
        .unwrap()
}

#[tokio::test]
async fn cli_token_add_prints_a_token_that_authenticate_accepts_and_token_revoke_stops_it() {
    let (url, _database) = fresh_database();

    let added = dealerloop(
        Some(&url),
        &["token", "add", "--name", "crm", "--source", "crm-leads"],
        "",
        &[],
    )
    .await;

    assert_eq!(added.code, Some(0), "{added:?}");
    let secret = added
        .stdout
        .lines()
        .last()
        .expect("a line")
        .trim()
        .to_owned();
    assert!(secret.starts_with(api_tokens::TOKEN_PREFIX), "{added:?}");
    assert!(
        added.stderr.contains("will not be shown again"),
        "{added:?}"
    );
    assert!(!added.stderr.contains(&secret), "{added:?}");
    let mut conn = connect(&url);
    let token = api_tokens::authenticate(&mut conn, &secret)
        .unwrap()
        .expect("the printed token is accepted");
    assert_eq!(
        (
            token.name.as_str(),
            token.source.as_str(),
            token.created_by.as_str()
        ),
        ("crm", "crm-leads", "command line")
    );

    let revoked = dealerloop(Some(&url), &["token", "revoke", "--name", "crm"], "", &[]).await;

    assert_eq!(revoked.code, Some(0), "{revoked:?}");
    assert!(
        revoked.stdout.contains("revoked the API token crm"),
        "{revoked:?}"
    );
    assert!(
        api_tokens::authenticate(&mut conn, &secret)
            .unwrap()
            .is_none()
    );
    let events = AuditEvent::page(&mut conn, None, None, 50).unwrap();
    for action in ["api_token_created", "api_token_revoked"] {
        let event = events.iter().find(|e| e.action == action).expect(action);
        assert_eq!(event.actor, "command line", "{action}");
    }
}

#[tokio::test]
async fn cli_token_add_uses_the_default_source_and_refuses_a_bad_or_taken_name() {
    let (url, _database) = fresh_database();

    let added = dealerloop(Some(&url), &["token", "add", "--name", "crm"], "", &[]).await;
    let taken = dealerloop(Some(&url), &["token", "add", "--name", "crm"], "", &[]).await;
    let bad = dealerloop(Some(&url), &["token", "add", "--name", "x y"], "", &[]).await;
    let unknown = dealerloop(
        Some(&url),
        &["token", "revoke", "--name", "nobody"],
        "",
        &[],
    )
    .await;

    assert_eq!(added.code, Some(0), "{added:?}");
    let mut conn = connect(&url);
    let secret = added.stdout.lines().last().unwrap().trim().to_owned();
    let token = api_tokens::authenticate(&mut conn, &secret)
        .unwrap()
        .unwrap();
    assert_eq!(token.source, api_tokens::DEFAULT_SOURCE);
    assert_eq!(taken.code, Some(1), "{taken:?}");
    assert!(
        taken
            .stderr
            .contains("name: Another token already has this name."),
        "{taken:?}"
    );
    assert!(
        !taken.stdout.contains(api_tokens::TOKEN_PREFIX),
        "{taken:?}"
    );
    assert_eq!(bad.code, Some(1), "{bad:?}");
    assert!(
        bad.stderr
            .contains("name: Use 2 to 60 letters, digits, dots, dashes or underscores."),
        "{bad:?}"
    );
    assert_eq!(unknown.code, Some(1), "{unknown:?}");
    assert!(
        unknown.stderr.contains("no API token named nobody"),
        "{unknown:?}"
    );
    assert_eq!(ApiToken::list(&mut conn).unwrap().len(), 1);
}
