//! The test harness: a fresh database per test (SQLite by default, PostgreSQL when
//! `DEALERLOOP_TEST_DATABASE_URL` is set), the app on a free port, and a browser-like
//! client that keeps cookies, follows redirects and sends the CSRF token like a form would.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dealerloop::config::{EmailSettings, Settings};
use dealerloop::db::{Db, DbConnection};
use dealerloop::email::{MailQueue, SentEmail};
use dealerloop::services::audit::Actor;
use dealerloop::services::dealers::{self, DealerForm};
use dealerloop::services::users::{self, UserForm};
use dealerloop::startup::Application;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::cookie::{CookieStore, Jar};

pub const PASSWORD: &str = "Tornio-Veloce-42";

/// A database made for one test and dropped after it.
pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self
            && let Ok(mut conn) = diesel::PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// Creates an empty database and returns its URL.
pub fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("DEALERLOOP_TEST_DATABASE_URL") {
        Ok(base) if !base.trim().is_empty() => {
            let mut admin = url::Url::parse(&base).expect("DEALERLOOP_TEST_DATABASE_URL is a URL");
            admin.set_path("/postgres");
            // The test server is on loopback: without TLS no test thread is still inside
            // OpenSSL when the process exits and OpenSSL's exit handler frees its state
            // (seen once as `free(): invalid pointer` after every test had passed).
            if !admin.query_pairs().any(|(key, _)| key == "sslmode") {
                admin.query_pairs_mut().append_pair("sslmode", "disable");
            }
            let name = format!(
                "dl_test_{}",
                dealerloop::services::tokens::random_secret()
                    .to_lowercase()
                    .replace(['-', '_'], "")[..16]
                    .to_owned()
            );
            let mut conn = diesel::PgConnection::establish(admin.as_str())
                .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {base}: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create test database");
            let mut url = admin.clone();
            url.set_path(&format!("/{name}"));
            (
                url.to_string(),
                TestDatabase::Postgres {
                    admin_url: admin.to_string(),
                    name,
                },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, TestDatabase::Sqlite(dir))
        }
    }
}

/// Settings for a test: memory mailbox, a free port, no background workers (tests
/// deliver mail themselves so they can wait for it deterministically).
pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::for_database(database_url).expect("test settings");
    settings.port = 0;
    settings.workers = 2;
    settings.db_pool_size = 4;
    settings.email = EmailSettings::Memory;
    settings.run_workers = false;
    settings
}

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub mail: MailQueue,
    pub database_url: String,
    _database: Arc<TestDatabase>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, database) = fresh_database();
    let mut settings = test_settings(&url);
    customise(&mut settings);
    start(settings, url, Arc::new(database)).await
}

async fn start(settings: Settings, database_url: String, database: Arc<TestDatabase>) -> TestApp {
    let app = Application::build(settings).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let (db, mail) = (app.db(), app.mail_queue());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        mail,
        database_url,
        _database: database,
    }
}

impl TestApp {
    /// A second instance of the portal on the same database (as behind a load balancer).
    pub async fn second_instance(&self) -> TestApp {
        start(
            test_settings(&self.database_url),
            self.database_url.clone(),
            self._database.clone(),
        )
        .await
    }

    pub fn conn(&self) -> dealerloop::db::PooledConnection {
        self.db.write_conn().expect("a database connection")
    }

    /// Runs raw SQL against the test database (to move clocks in time, for instance).
    pub fn sql(&self, sql: &str) {
        let mut conn = self.conn();
        let c: &mut DbConnection = &mut conn;
        c.batch_execute(sql).expect("test SQL runs");
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.address, None)
    }

    pub fn browser_with_language(&self, accept_language: &str) -> Browser {
        Browser::new(&self.address, Some(accept_language))
    }

    /// Creates a dealer through the same service the admin pages use.
    pub fn create_dealer(&self, code: &str) -> i64 {
        let form = DealerForm {
            code: code.into(),
            name: format!("Officina {code}"),
            contact_email: format!("{}@dealers.example.it", code.to_lowercase()),
            capacity: "25".into(),
            postcodes: "IT 20".into(),
            regions: "IT Lombardia".into(),
            product_lines: "lathes, milling".into(),
            active: Some("on".into()),
        };
        dealers::save(&mut self.conn(), &Actor::cli(), None, &form).expect("valid dealer saved")
    }

    /// Creates an active user with [`PASSWORD`].
    pub fn create_user(&self, email: &str, role: &str, dealer_code: Option<&str>) -> i64 {
        let form = UserForm {
            email: email.into(),
            name: format!("Test {role}"),
            role: role.into(),
            dealer_code: dealer_code.unwrap_or_default().into(),
            locale: String::new(),
        };
        users::create_with_password(&mut self.conn(), &Actor::cli(), &form, PASSWORD)
            .expect("user created")
    }

    pub fn admin(&self) -> (String, i64) {
        let email = "admin@example.it".to_owned();
        let id = self.create_user(&email, "admin", None);
        (email, id)
    }

    /// Delivers queued mail and returns everything delivered so far.
    pub async fn sent_emails(&self) -> Vec<SentEmail> {
        self.mail.deliver_due().await.expect("mail delivery");
        self.mail
            .mailer()
            .memory()
            .expect("memory mailbox")
            .messages()
    }

    pub async fn emails_to(&self, to: &str) -> Vec<SentEmail> {
        self.sent_emails()
            .await
            .into_iter()
            .filter(|m| m.to == to)
            .collect()
    }

    /// A new bearer token for the marketing system, issued by the service behind the admin
    /// page's "new token" form; each call gets a token of its own.
    pub fn api_token(&self) -> String {
        static ISSUED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = ISSUED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.api_token_named(&format!("marketing-{n}"))
    }

    /// A new bearer token named `name` (with the default source).
    pub fn api_token_named(&self, name: &str) -> String {
        api_token_for(&self.db, name)
    }

    /// Posts one lead (or a batch) to the intake API as the marketing system does.
    pub async fn post_to_intake(
        &self,
        token: &str,
        body: &impl serde::Serialize,
    ) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/api/v1/leads", self.address))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("intake answers")
    }

    /// Pushes one lead (or a batch) through the intake API and returns the answer's body.
    pub async fn push_lead(&self, token: &str, lead: &impl serde::Serialize) -> serde_json::Value {
        self.post_to_intake(token, lead)
            .await
            .json()
            .await
            .expect("a JSON answer")
    }

    /// The lead as the marketing system reads it back: `GET /api/v1/leads/{external_id}`
    /// (status, dealer, assignment history, outcome).
    pub async fn lead_via_api(&self, token: &str, external_id: &str) -> serde_json::Value {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/leads/{external_id}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("the lead API answers");
        assert_eq!(response.status(), 200, "lead {external_id} is found");
        response.json().await.expect("a JSON answer")
    }

    /// A lead's offers as the API lists them, oldest first: (dealer id, offer status).
    pub async fn assignments(&self, token: &str, external_id: &str) -> Vec<(i64, String)> {
        let lead = self.lead_via_api(token, external_id).await;
        lead["assignments"]
            .as_array()
            .expect("assignments")
            .iter()
            .map(|a| {
                (
                    a["dealer"]["id"].as_i64().expect("a dealer id"),
                    a["status"].as_str().expect("a status").to_owned(),
                )
            })
            .collect()
    }

    /// Holds the database writer as a long write from another process would (see
    /// [`hold_the_writer_of`]); released when the result is dropped.
    pub fn hold_the_writer(&self) -> HeldWriter {
        hold_the_writer_of(&self.database_url)
    }

    /// Audit actions recorded so far, oldest first. Read from storage rather than through
    /// the admin's audit page: logging in to read it would add entries of its own.
    pub fn audit_actions(&self) -> Vec<String> {
        use dealerloop::schema::audit_events::dsl::*;
        use diesel::prelude::*;
        let mut conn = self.conn();
        audit_events
            .order(id.asc())
            .select(action)
            .load::<String>(&mut *conn)
            .expect("audit")
    }
}

/// A new bearer token named `name` on the portal whose database is `db` (for a test that
/// builds the portal itself).
pub fn api_token_for(db: &Db, name: &str) -> String {
    dealerloop::services::api_tokens::issue(
        &mut db.write_conn().expect("a database connection"),
        &Actor::cli(),
        name,
        "",
    )
    .expect("token issued")
    .secret
}

/// The body of one lead as the marketing system posts it to `POST /api/v1/leads`.
///
/// `LeadBody::new(id)` is the smallest lead the API offers to a Milan lathe dealer
/// (contact name and email, `IT 20121`, `lathes`, consent given); the setters add or
/// change one part each, [`LeadBody::complete`] fills in every optional part.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(transparent)]
pub struct LeadBody(serde_json::Value);

impl LeadBody {
    pub fn new(external_id: &str) -> Self {
        Self(serde_json::json!({
            "external_id": external_id,
            "received_at": "2026-11-20T09:30:00Z",
            "contact": { "name": "Giulia Bianchi", "email": "giulia@officine-bianchi.it" },
            "location": { "country": "IT", "postcode": "20121" },
            "product_line": "lathes",
            "consent": { "share_with_dealers": true }
        }))
    }

    /// A lead with every part the API takes: phone, company, region, qualification and
    /// two touchpoints.
    pub fn complete(external_id: &str) -> Self {
        Self::new(external_id)
            .phone("+39 02 1234567")
            .company("Officine Bianchi")
            .region("Lombardia")
            .qualification("A", 82)
            .touchpoint(serde_json::json!({ "occurred_at": "2026-11-01T10:00:00Z", "channel": "paid_search", "source": "google", "medium": "cpc", "campaign": "torni-autunno", "content": "ad-3", "kind": "click" }))
            .touchpoint(serde_json::json!({ "occurred_at": "2026-11-18T15:00:00Z", "channel": "webinar", "source": "website", "medium": "event", "campaign": "webinar-cnc", "kind": "registration" }))
    }

    /// A batch body, `{"leads": [...]}`.
    pub fn batch(leads: impl IntoIterator<Item = LeadBody>) -> serde_json::Value {
        serde_json::json!({ "leads": leads.into_iter().map(|l| l.0).collect::<Vec<_>>() })
    }

    fn set(mut self, path: &[&str], value: serde_json::Value) -> Self {
        let (last, parents) = path.split_last().expect("a field path");
        let mut at = &mut self.0;
        for part in parents {
            at = &mut at[*part];
        }
        at[*last] = value;
        self
    }

    pub fn received_at(self, at: &str) -> Self {
        self.set(&["received_at"], at.into())
    }

    pub fn name(self, name: &str) -> Self {
        self.set(&["contact", "name"], name.into())
    }

    pub fn email(self, email: &str) -> Self {
        self.set(&["contact", "email"], email.into())
    }

    pub fn phone(self, phone: &str) -> Self {
        self.set(&["contact", "phone"], phone.into())
    }

    pub fn company(self, company: &str) -> Self {
        self.set(&["contact", "company"], company.into())
    }

    /// The country (`None` sends `null`).
    pub fn country(self, country: impl Into<serde_json::Value>) -> Self {
        self.set(&["location", "country"], country.into())
    }

    /// The postcode (`None` sends `null`).
    pub fn postcode(self, postcode: impl Into<serde_json::Value>) -> Self {
        self.set(&["location", "postcode"], postcode.into())
    }

    /// The region (`None` sends `null`).
    pub fn region(self, region: impl Into<serde_json::Value>) -> Self {
        self.set(&["location", "region"], region.into())
    }

    /// A location without a postcode (found by its region only).
    pub fn no_postcode(mut self) -> Self {
        if let Some(location) = self.0["location"].as_object_mut() {
            location.remove("postcode");
        }
        self
    }

    pub fn product_line(self, line: &str) -> Self {
        self.set(&["product_line"], line.into())
    }

    pub fn qualification(self, grade: &str, score: i64) -> Self {
        self.set(
            &["qualification"],
            serde_json::json!({ "grade": grade, "score": score }),
        )
    }

    pub fn consent(self, share_with_dealers: bool) -> Self {
        self.set(
            &["consent", "share_with_dealers"],
            share_with_dealers.into(),
        )
    }

    /// Adds a touchpoint (an object as the API takes it).
    pub fn touchpoint(mut self, touchpoint: serde_json::Value) -> Self {
        match self.0["touchpoints"].as_array_mut() {
            Some(list) => list.push(touchpoint),
            None => self.0["touchpoints"] = serde_json::json!([touchpoint]),
        }
        self
    }

    /// The body as JSON, to break on purpose or to compare.
    pub fn json(self) -> serde_json::Value {
        self.0
    }
}

impl From<LeadBody> for serde_json::Value {
    fn from(lead: LeadBody) -> Self {
        lead.0
    }
}

/// The database writer held by [`hold_the_writer_of`]; dropping it releases the writer
/// (the connection closes, its transaction rolls back).
pub struct HeldWriter {
    _conn: DbConnection,
}

/// Holds the writer of the database at `database_url` as a long write from another
/// process would (the CLI, a second instance): on SQLite an open `BEGIN IMMEDIATE`
/// transaction on a connection of its own, on PostgreSQL an open transaction holding every
/// table in `EXCLUSIVE` mode (reads go on, writes wait).
pub fn hold_the_writer_of(database_url: &str) -> HeldWriter {
    let url = dealerloop::db::DatabaseUrl::parse(database_url).expect("database URL");
    let mut conn = url.establish().expect("a connection of its own");
    match &mut conn {
        DbConnection::Sqlite(c) => c.batch_execute("BEGIN IMMEDIATE").expect("the writer"),
        DbConnection::Postgres(c) => {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct Tables {
                #[diesel(sql_type = diesel::sql_types::Text)]
                list: String,
            }
            let tables: Tables = diesel::sql_query(
                "SELECT string_agg(quote_ident(tablename), ', ') AS list FROM pg_tables \
                 WHERE schemaname = 'public' AND tablename NOT LIKE '\\_\\_%'",
            )
            .get_result(c)
            .expect("the tables");
            c.batch_execute(&format!(
                "BEGIN; LOCK TABLE {} IN EXCLUSIVE MODE",
                tables.list
            ))
            .expect("every table locked");
        }
    }
    HeldWriter { _conn: conn }
}

/// The first link in an email body that starts with `prefix` (e.g. the app address).
pub fn link_in(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no link starting {prefix} in:\n{text}"));
    text[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A browser: cookies, redirects, `Origin`/`Sec-Fetch-Site` on form posts, and the CSRF
/// token taken from the last page it loaded.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub last_html: String,
}

pub struct Page {
    pub status: u16,
    pub url: String,
    pub html: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    pub fn contains(&self, text: &str) -> bool {
        self.html.contains(text)
    }

    /// Whether an element on the page carries the stable marker `attr="value"`, such as
    /// `data-status="accepted"` or `id="lead-status"`.
    pub fn has(&self, attr: &str, value: &str) -> bool {
        has_marker(&self.html, attr, value)
    }

    /// Every value of the attribute `attr` on the page, in page order (e.g. the
    /// `data-event-status` of each entry in a lead's history).
    pub fn all(&self, attr: &str) -> Vec<String> {
        let prefix = format!(" {attr}=\"");
        self.html
            .split(&prefix)
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap_or_default().to_owned())
            .collect()
    }

    /// Whether the page shows the notice with message key `key`.
    pub fn has_notice(&self, key: &str) -> bool {
        self.has("data-notice", key)
    }

    /// Whether some field on the page shows the error with message key `key`.
    pub fn has_error(&self, key: &str) -> bool {
        self.has("data-error", key)
    }

    /// The message key of the error shown under `field` (`error-email-invalid`), if any.
    pub fn error_key(&self, field: &str) -> Option<String> {
        marker_value(&self.html, &format!(" id=\"{field}-error\" data-error=\""))
    }

    /// The text of the element with `id` up to its first child (`<td id="count-rows">2</td>`).
    pub fn text_of(&self, id: &str) -> String {
        let marker = format!("id=\"{id}\">");
        let start = self
            .html
            .find(&marker)
            .unwrap_or_else(|| panic!("no #{id} in:\n{}", self.html))
            + marker.len();
        self.html[start..]
            .split('<')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The number an element with `id` counts (its `data-count`), e.g. a section heading.
    pub fn count(&self, id: &str) -> usize {
        marker_value(&self.html, &format!(" id=\"{id}\" data-count=\""))
            .unwrap_or_else(|| panic!("no count #{id} on:\n{}", self.html))
            .parse()
            .expect("a count")
    }

    pub fn path(&self) -> String {
        let url = url::Url::parse(&self.url).expect("url");
        url.path().to_owned()
    }
}

impl Browser {
    pub fn new(base: &str, accept_language: Option<&str>) -> Self {
        let jar = Arc::new(Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(lang) = accept_language {
            headers.insert(
                reqwest::header::ACCEPT_LANGUAGE,
                lang.parse().expect("header"),
            );
        }
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .expect("client");
        Self {
            base: base.to_owned(),
            client,
            jar,
            last_html: String::new(),
        }
    }

    /// A copy of this browser that does not follow redirects (to look at them).
    pub fn without_redirects(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_provider(self.jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn page(&mut self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let url = response.url().to_string();
        let headers = response.headers().clone();
        let html = response.text().await.expect("body");
        self.last_html = html.clone();
        Page {
            status,
            url,
            html,
            headers,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self.client.get(self.url(path)).send().await.expect("GET");
        self.page(response).await
    }

    /// The CSRF token on the last page loaded.
    pub fn csrf_token(&self) -> String {
        csrf_token_in(&self.last_html)
    }

    /// Posts a form from the last page, like a browser: with its CSRF token and the
    /// same-origin headers.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf_token();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        let response = self
            .client
            .post(self.url(path))
            .header("Origin", &self.base)
            .header("Sec-Fetch-Site", "same-origin")
            .form(&form)
            .send()
            .await
            .expect("POST");
        self.page(response).await
    }

    /// Opens `page_path` and posts `file` to `action` like a browser: multipart, the CSRF
    /// token first, the file as the field `file` named `name`.
    pub async fn upload(&mut self, page_path: &str, action: &str, name: &str, file: &[u8]) -> Page {
        self.get(page_path).await;
        let token = self.csrf_token();
        let boundary = "----dealerloopTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .client
            .post(self.url(action))
            .header("Origin", &self.base)
            .header("Sec-Fetch-Site", "same-origin")
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("POST");
        self.page(response).await
    }

    /// Opens `page_path` and submits its form to `action`.
    pub async fn submit(&mut self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        self.get(page_path).await;
        self.post(action, fields).await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// The id of the offer on the dealer's page of `lead` (from its accept and decline
    /// forms).
    pub async fn offer_on_lead_page(&mut self, lead: i64) -> i64 {
        let page = self.get(&format!("/dealer/leads/{lead}")).await;
        offer_id_on(&page.html)
    }

    /// The newest feedback request on the dealer user's feedback page.
    pub async fn newest_feedback_request(&mut self) -> i64 {
        let page = self.get("/dealer/feedback").await;
        page.all("data-request-id")
            .iter()
            .map(|id| id.parse::<i64>().expect("a request id"))
            .max()
            .unwrap_or_else(|| panic!("a feedback request on:\n{}", page.html))
    }

    /// The value of a cookie the browser holds, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&self.base).expect("base");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }
}

/// Whether an element in `html` carries the stable marker `attr="value"`.
pub fn has_marker(html: &str, attr: &str, value: &str) -> bool {
    html.contains(&format!(" {attr}=\"{value}\""))
}

/// The value of the attribute that starts right after `prefix` (which ends with `="`).
fn marker_value(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    Some(
        html[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The id of the offer a dealer's lead page answers (from its accept and decline forms).
pub fn offer_id_on(html: &str) -> i64 {
    html.split("/dealer/offers/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("an offer form on:\n{html}"))
}

pub fn csrf_token_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no CSRF token on the page:\n{html}"))
        + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
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
    let marker = format!("<p class=\"field-error\" id=\"{field}-error\"");
    let tag = page.html.find(&marker)? + marker.len();
    let start = tag + page.html[tag..].find('>')? + 1;
    let end = page.html[start..].find("</p>")?;
    Some(visible_text(&page.html[start..start + end]))
}

/// Whether `field`'s error message comes right after the field, before the next label.
pub fn error_is_next_to_its_field(page: &Page, field: &str) -> bool {
    let (Some(input), Some(error)) = (
        page.html.find(&format!("id=\"{field}\"")),
        page.html.find(&format!("id=\"{field}-error\"")),
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

/// What a run of the command printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn succeeded(&self) -> bool {
        self.code == Some(0)
    }
}

/// The real `dealerloop ARGS` on `database_url` with no setting from the environment of the
/// test run, to run in the empty working directory returned with it (keep it alive).
pub fn cli_command(database_url: Option<&str>, args: &[&str]) -> (Command, tempfile::TempDir) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dealerloop"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("DEALERLOOP_") {
            command.env_remove(&name);
        }
    }
    let workdir = tempfile::tempdir().unwrap();
    command
        .current_dir(workdir.path())
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env("DEALERLOOP_EMAIL_BACKEND", "memory")
        .env("DEALERLOOP_LOG", "warn")
        .args(args);
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    (command, workdir)
}

/// Runs `dealerloop ARGS` with only the settings given here (nothing leaks in from the
/// environment of the test run), in an empty working directory, with `stdin` as input.
pub async fn dealerloop(
    database_url: Option<&str>,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> Run {
    let (mut command, workdir) = cli_command(database_url, args);
    command
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.to_owned();
    let what = format!("dealerloop {}", args.join(" "));
    tokio::task::spawn_blocking(move || {
        let _workdir = workdir;
        let mut child = command.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        // A command that exits before reading its input is judged by its output, not by EPIPE.
        let _ = input.write_all(stdin.as_bytes());
        drop(input);
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + Duration::from_secs(180);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("`{what}` did not finish in time");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            code: status.code(),
            stdout: stdout.join().unwrap(),
            stderr: stderr.join().unwrap(),
        }
    })
    .await
    .unwrap()
}
