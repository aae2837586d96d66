//! End to end in a real headless Chromium at a phone's size (360×740): log in, see the
//! dealer home, switch language, log out — and no page scrolls sideways.
//!
//! Uses Debian's `chromium` and `chromium-driver` packages; nothing is downloaded. Without
//! `/usr/bin/chromedriver` the test is skipped with a notice, except under `CI`, where it fails.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

use crate::helpers::{LeadBody, PASSWORD, spawn_app};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const WIDTH: i64 = 360;

/// The running chromedriver; dropping it (also while a failed test unwinds) ends the
/// driver and any browser it started.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    fn start(log: &Path) -> Self {
        use std::os::unix::process::CommandExt;
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(log).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its own process group, so the browser it launches is ended with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = reqwest::get(format!("{}/status", self.url)).await
                && response.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready at {}",
                self.url
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the browser test can run here; `None` means skip it.
fn chromedriver_available() -> Option<()> {
    if Path::new(CHROMEDRIVER).exists() {
        return Some(());
    }
    let message = format!(
        "{CHROMEDRIVER} is missing: install Debian's `chromium` and `chromium-driver` packages to run the browser test"
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("notice: skipping the browser test: {message}");
    None
}

/// Chromium laid out as a phone of `width`×`height` CSS pixels.
fn chromium_sized(profile: &Path, width: i64, height: i64) -> thirtyfour::ChromeCapabilities {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_arg(&format!("--window-size={width},{height}"))
        .unwrap();
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))
        .unwrap();
    // Headless Chromium keeps windows at least 500 px wide; emulate the phone's screen
    // (as DevTools' device mode does) so the page is laid out at 360 px.
    caps.add_experimental_option(
        "mobileEmulation",
        serde_json::json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "mobile": true, "touch": true } }),
    )
    .unwrap();
    // An Italian visitor: the portal's default language, so switching to English shows.
    caps.add_experimental_option(
        "prefs",
        serde_json::json!({ "intl.accept_languages": "it-IT,it" }),
    )
    .unwrap();
    caps
}

/// A browser session in a chromedriver of its own, with its scratch and profile folders;
/// dropping it ends the driver and the browser.
struct Session {
    driver: WebDriver,
    _chromedriver: Chromedriver,
    _folders: (tempfile::TempDir, tempfile::TempDir),
}

impl Session {
    /// Chromium laid out as a phone of `width`×`height` CSS pixels; `None` where the
    /// browser test cannot run here (it is skipped).
    async fn phone(width: i64, height: i64) -> Option<Session> {
        chromedriver_available()?;
        let scratch = tempfile::tempdir().unwrap();
        let profile = tempfile::tempdir().unwrap();
        let chromedriver = Chromedriver::start(&scratch.path().join("chromedriver.log"));
        chromedriver.wait_until_ready().await;
        let driver = WebDriver::new(
            &chromedriver.url,
            chromium_sized(profile.path(), width, height),
        )
        .await
        .unwrap_or_else(|e| panic!("no browser session: {e}"));
        Some(Session {
            driver,
            _chromedriver: chromedriver,
            _folders: (scratch, profile),
        })
    }
}

async fn path_of(driver: &WebDriver) -> String {
    driver.current_url().await.unwrap().path().to_owned()
}

/// Waits for the page to reach `path` and show `text` (a form post navigates).
async fn wait_for_page(driver: &WebDriver, path: &str, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        // Mid-navigation the old body may be gone: that is "not there yet", not a failure.
        let body = match driver.find(By::Tag("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let at = path_of(driver).await;
        if at == path && body.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected {path} showing {text:?}, but at {at}:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asserts the page fits the phone's width: nothing to scroll sideways.
async fn assert_no_horizontal_overflow(driver: &WebDriver) {
    let (scroll_width, screen_width): (i64, i64) = driver
        .execute(
            "return [document.documentElement.scrollWidth, screen.width];",
            Vec::new(),
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    let at = path_of(driver).await;
    assert_eq!(screen_width, WIDTH, "a phone-sized screen on {at}");
    assert!(
        scroll_width <= WIDTH,
        "{at} is {scroll_width}px wide on a {WIDTH}px screen"
    );
}

/// Saves a screenshot as `name.png` in `DEALERLOOP_SCREENSHOT_DIR`, when it is set (to
/// look at what the test saw).
async fn screenshot(driver: &WebDriver, name: &str) {
    if let Ok(dir) = std::env::var("DEALERLOOP_SCREENSHOT_DIR") {
        let path = Path::new(&dir).join(format!("{name}.png"));
        driver.screenshot(&path).await.unwrap();
    }
}

/// Logs in as `email` from the login page (in Italian, the default language).
async fn log_in(driver: &WebDriver, address: &str, email: &str) -> WebDriverResult<()> {
    driver.goto(format!("{address}/login")).await?;
    wait_for_page(driver, "/login", "Accedi").await;
    submit_login(driver, email).await
}

/// On the login page: types `email` and the test password, and sends the form.
async fn submit_login(driver: &WebDriver, email: &str) -> WebDriverResult<()> {
    driver.find(By::Id("email")).await?.send_keys(email).await?;
    driver
        .find(By::Id("password"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    driver
        .find(By::Css("button[type='submit'].primary"))
        .await?
        .click()
        .await
}

async fn button_text(driver: &WebDriver, css: &str) -> String {
    driver
        .find(By::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn on_a_phone_a_dealer_logs_in_switches_to_english_and_logs_out() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("dealer@example.it", "dealer", Some("MI-01"));
    let Some(session) = Session::phone(WIDTH, 740).await else {
        return;
    };
    let driver = session.driver.clone();

    let address = app.address.clone();
    driver
        .run_and_quit(|driver| async move {
            // The login page, in Italian.
            driver.goto(format!("{address}/login")).await?;
            wait_for_page(&driver, "/login", "Accedi").await;
            assert_no_horizontal_overflow(&driver).await;

            // Log in as the dealer user.
            submit_login(&driver, "dealer@example.it").await?;
            wait_for_page(&driver, "/dealer", "Officina MI-01").await;
            assert!(driver.title().await?.contains("Officina MI-01"));
            assert_eq!(button_text(&driver, "form.logout button").await, "Esci");
            assert_no_horizontal_overflow(&driver).await;

            // Switch to English: same page, now in English.
            let english = driver
                .find(By::Css("form.lang button[name='locale'][value='en']"))
                .await?;
            assert_eq!(english.text().await?, "English");
            english.click().await?;
            wait_for_page(&driver, "/dealer", "My dealership").await;
            assert_eq!(button_text(&driver, "form.logout button").await, "Log out");
            assert_eq!(
                button_text(&driver, "form.lang button[name='locale']").await,
                "Italiano"
            );
            assert_no_horizontal_overflow(&driver).await;

            // Log out: back on the login page, told so.
            driver
                .find(By::Css("form.logout button"))
                .await?
                .click()
                .await?;
            wait_for_page(&driver, "/login", "You have logged out.").await;
            assert!(
                driver.find_all(By::Css("form.logout")).await?.is_empty(),
                "no log-out button any more"
            );
            assert_no_horizontal_overflow(&driver).await;

            // The session is really over: the dealer home sends the visitor to log in.
            driver.goto(format!("{address}/dealer")).await?;
            wait_for_page(&driver, "/login", "Log in").await;
            Ok::<(), WebDriverError>(())
        })
        .await
        .unwrap_or_else(|e| panic!("browser step failed: {e:?}"));
    drop(session);
}

#[tokio::test]
async fn on_a_phone_a_dealer_opens_the_offer_email_logs_in_accepts_and_sees_the_customer() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("dealer@example.it", "dealer", Some("MI-01"));
    let lead = LeadBody::new("E2E-1")
        .phone("+39 02 1234567")
        .region("Lombardia");
    app.post_to_intake(&app.api_token(), &lead).await;
    let mail = app
        .emails_to("dealer@example.it")
        .await
        .pop()
        .expect("the offer email");
    let link = mail
        .text
        .lines()
        .find_map(|l| l.strip_prefix("Apri la proposta: "))
        .expect("the link to the offer")
        .to_owned();

    let Some(session) = Session::phone(WIDTH, 740).await else {
        return;
    };
    let driver = session.driver.clone();
    driver
        .run_and_quit(|driver| async move {
            // The link asks to log in first, then comes back to the offer.
            driver.goto(&link).await?;
            wait_for_page(&driver, "/login", "Accedi").await;
            submit_login(&driver, "dealer@example.it").await?;
            let offer_path = url::Url::parse(&link).unwrap().path().to_owned();
            wait_for_page(&driver, &offer_path, "Accetta questo lead").await;
            let before = driver.find(By::Tag("main")).await?.text().await?;
            assert!(
                !before.contains("Giulia"),
                "no customer name before accepting"
            );
            assert_no_horizontal_overflow(&driver).await;

            driver
                .find(By::Css("form[action$='/accept'] button"))
                .await?
                .click()
                .await?;
            wait_for_page(&driver, &offer_path, "Giulia Bianchi").await;
            let call = driver.find(By::Css("a[href^='tel:']")).await?;
            assert_eq!(
                call.attr("href").await?.as_deref(),
                Some("tel:+39021234567")
            );
            assert_no_horizontal_overflow(&driver).await;
            Ok::<(), WebDriverError>(())
        })
        .await
        .unwrap_or_else(|e| panic!("browser step failed: {e:?}"));
    drop(session);
}

#[tokio::test]
async fn on_a_phone_a_dealer_opens_the_feedback_email_fills_the_form_and_sees_the_thanks() {
    use dealerloop::config::{EmailSettings, SmtpTls};

    let (port, inbox) = crate::email::smtp_server();
    let app = crate::helpers::spawn_app_with(|s| {
        s.email = EmailSettings::Smtp {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        };
    })
    .await;
    app.create_dealer("MI-01");
    app.create_user("uno@example.it", "dealer", Some("MI-01"));
    let lead = LeadBody::new("E2E-FB")
        .received_at("2026-10-20T09:30:00Z")
        .company("Officine Bianchi")
        .region("Lombardia");
    let body = app.push_lead(&app.api_token(), &lead).await;
    let lead_id = body["id"].as_i64().unwrap();
    // The dealer accepts the lead and marks it won from the portal: a request opens.
    let mut desk = app.browser();
    desk.login("uno@example.it", PASSWORD).await;
    let offer = desk.offer_on_lead_page(lead_id).await;
    desk.post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    let won = desk
        .post(
            &format!("/dealer/leads/{lead_id}/status"),
            &[("status", "won")],
        )
        .await;
    assert!(won.has("data-status", "won"), "{}", won.html);
    let form_path = format!("/feedback/{}", desk.newest_feedback_request().await);
    app.mail.deliver_due().await.unwrap();
    let mut link = None;
    while let Ok(message) = inbox.recv_timeout(Duration::from_secs(30)) {
        let (_, _, parts) = crate::email::parse_multipart(&message.data);
        if let Some(text) = parts
            .iter()
            .find(|p| p.content_type.starts_with("text/plain"))
            && text.body.contains("/feedback/t/")
        {
            link = Some(crate::helpers::link_in(
                &text.body,
                &format!("{}/feedback/t/", app.address),
            ));
            break;
        }
    }
    let link = link.expect("the feedback email arrived over SMTP");

    let Some(session) = Session::phone(WIDTH, 740).await else {
        return;
    };
    let driver = session.driver.clone();
    driver
        .run_and_quit(|driver| async move {
            driver.goto(&link).await?;
            wait_for_page(&driver, &form_path, "Com'è andata?").await;
            assert!(
                !driver
                    .current_url()
                    .await?
                    .as_str()
                    .contains("/feedback/t/"),
                "the token is gone from the address"
            );
            assert_no_horizontal_overflow(&driver).await;
            // "Won" came preselected from the status; the revenue field is on screen.
            let revenue = driver.find(By::Id("revenue")).await?;
            assert!(
                revenue.is_displayed().await?,
                "the won questions show without a reload"
            );
            revenue.send_keys("48.500,00").await?;
            driver
                .find(By::Css("label[for='product-lathes']"))
                .await?
                .click()
                .await?;
            driver
                .find(By::Css("label[for='quality-4']"))
                .await?
                .click()
                .await?;
            // Choosing "lost" shows the reasons at once, and hides the revenue.
            driver
                .find(By::Css("label[for='outcome-lost']"))
                .await?
                .click()
                .await?;
            assert!(
                driver
                    .find(By::Css("label[for='lost-price']"))
                    .await?
                    .is_displayed()
                    .await?
            );
            assert!(!driver.find(By::Id("revenue")).await?.is_displayed().await?);
            driver
                .find(By::Css("label[for='outcome-won']"))
                .await?
                .click()
                .await?;
            driver
                .find(By::Css("button[value='submit']"))
                .await?
                .click()
                .await?;
            wait_for_page(&driver, &form_path, "Grazie! Il riscontro è stato inviato.").await;
            assert_no_horizontal_overflow(&driver).await;
            Ok::<(), WebDriverError>(())
        })
        .await
        .unwrap_or_else(|e| panic!("browser step failed: {e:?}"));
    drop(session);
    // The attribution store has no reader yet: read the recorded revenue from storage.
    let revenue: Option<i64> = {
        use dealerloop::schema::sale_outcomes::dsl::*;
        use diesel::prelude::*;
        sale_outcomes
            .select(revenue_cents)
            .first(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(revenue, Some(4_850_000));
}

#[tokio::test]
async fn on_a_phone_a_dealer_reads_its_score_what_would_raise_it_and_the_chart_as_a_table() {
    use dealerloop::services::dealer_score::{ScoreRule, store};
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    app.create_user("dealer@example.it", "dealer", Some("MI-01"));
    // One lead accepted and won through the dealer's own pages: its feedback form is open.
    let mut phone = app.browser();
    phone.login("dealer@example.it", PASSWORD).await;
    let body = app
        .push_lead(
            &app.api_token(),
            &LeadBody::new("E2E-S1").region("Lombardia"),
        )
        .await;
    let lead = body["id"].as_i64().unwrap();
    let offer = phone.offer_on_lead_page(lead).await;
    phone
        .post(&format!("/dealer/offers/{offer}/accept"), &[])
        .await;
    phone
        .post(
            &format!("/dealer/leads/{lead}/status"),
            &[("status", "won")],
        )
        .await;
    // Scored three weeks ago and now: two weeks of trend.
    let now = dealerloop::db::now();
    for at in [now - chrono::TimeDelta::days(21), now] {
        store::recompute_all(&mut app.conn(), &ScoreRule::default(), at).unwrap();
    }

    let Some(session) = Session::phone(WIDTH, 740).await else {
        return;
    };
    let driver = session.driver.clone();
    let address = app.address.clone();
    driver
        .run_and_quit(|driver| async move {
            log_in(&driver, &address, "dealer@example.it").await?;
            // The home: the score card, in Italian, with the open form as the lever.
            wait_for_page(&driver, "/dealer", "Il tuo punteggio").await;
            let card = driver
                .find(By::Css("[data-score-card]"))
                .await?
                .text()
                .await?;
            assert!(
                card.contains("Compilare il modulo di riscontro aperto"),
                "{card}"
            );
            assert!(card.contains("media della rete"), "{card}");
            assert_no_horizontal_overflow(&driver).await;
            screenshot(&driver, "dealer-home-score").await;

            // The score explained: parts, the chart, and the chart as a table.
            driver
                .find(By::LinkText("Il punteggio spiegato →"))
                .await?
                .click()
                .await?;
            wait_for_page(&driver, "/dealer/score", "La regola").await;
            assert_eq!(driver.find_all(By::Css("[data-part]")).await?.len(), 4);
            let chart = driver.find(By::Css("figure.chart-figure svg")).await?;
            let chart_width = chart.rect().await?.width;
            assert!(
                chart_width > 200.0 && chart_width <= WIDTH as f64,
                "the chart fits the phone: {chart_width}px"
            );
            driver
                .find(By::Css("details summary"))
                .await?
                .click()
                .await?;
            let rows = driver
                .find_all(By::Css("table[data-trend-table] tbody tr"))
                .await?;
            assert_eq!(rows.len(), 2, "one row per week of the chart");
            assert!(rows[0].is_displayed().await?);
            assert_no_horizontal_overflow(&driver).await;
            screenshot(&driver, "dealer-score-page").await;
            Ok::<(), WebDriverError>(())
        })
        .await
        .unwrap_or_else(|e| panic!("browser step failed: {e:?}"));
    drop(session);
}

#[tokio::test]
async fn on_a_phone_the_managers_dealer_table_scrolls_inside_its_box_only() {
    const PHONE: (i64, i64) = (390, 844);
    let app = spawn_app().await;
    for n in 0..3 {
        app.create_dealer(&format!("MI-{n:02}"));
    }
    dealerloop::services::dealers::stats::refresh_all(&mut app.conn(), dealerloop::db::now())
        .unwrap();
    app.create_user("canale@example.it", "manager", None);
    let Some(session) = Session::phone(PHONE.0, PHONE.1).await else {
        return;
    };
    let driver = session.driver.clone();

    let address = app.address.clone();
    driver
        .run_and_quit(|driver| async move {
            log_in(&driver, &address, "canale@example.it").await?;
            wait_for_page(&driver, "/manager", "Officina MI-00").await;
            let rows = driver.find_all(By::Css("tr[data-dealer-row]")).await?;
            assert_eq!(rows.len(), 3);
            // The page is as wide as the screen; only the table's box is wider inside.
            let (page_width, screen_width, box_width, table_width): (i64, i64, i64, i64) = driver
                .execute(
                    "const box = document.querySelector('.dealer-table-wrap'); \
                     return [document.documentElement.scrollWidth, screen.width, \
                             box.clientWidth, box.scrollWidth];",
                    Vec::new(),
                )
                .await?
                .convert()?;
            assert_eq!(screen_width, PHONE.0);
            assert!(
                page_width <= PHONE.0,
                "the page is {page_width}px wide on a {}px screen",
                PHONE.0
            );
            assert!(box_width <= PHONE.0);
            assert!(
                table_width > box_width,
                "the table scrolls inside its box ({table_width}px in {box_width}px)"
            );
            Ok::<(), WebDriverError>(())
        })
        .await
        .unwrap_or_else(|e| panic!("browser step failed: {e:?}"));
}

#[tokio::test]
async fn on_a_phone_the_attribution_report_fits_the_screen_and_its_table_scrolls_in_its_box() {
    const PHONE: (i64, i64) = (390, 844);
    let app = crate::attribution::portal().await;
    let lead = crate::attribution::push_lead(&app, "PHONE-ATT").await;
    let mut phone = crate::attribution::logged_in(&app, "uno@example.it").await;
    crate::attribution::win(&mut phone, lead, "48500").await;
    let Some(session) = Session::phone(PHONE.0, PHONE.1).await else {
        return;
    };
    let driver = session.driver.clone();

    let address = app.address.clone();
    driver
        .run_and_quit(|driver| async move {
            log_in(&driver, &address, "canale@example.it").await?;
            wait_for_page(&driver, "/manager", "Officina MI-01").await;
            driver
                .goto(format!(
                    "{address}/attribution?model=linear&from=2026-01-01&to=2026-12-31"
                ))
                .await?;
            let rows = driver
                .find_all(By::Css("#attribution-table tbody tr[data-key]"))
                .await?;
            assert_eq!(rows.len(), 3, "paid search, email and direct");
            let (page_width, box_width, table_width): (i64, i64, i64) = driver
                .execute(
                    "const box = document.querySelector('#attribution-table').parentElement; \
                     return [document.documentElement.scrollWidth, box.clientWidth, \
                             box.scrollWidth];",
                    Vec::new(),
                )
                .await?
                .convert()?;
            assert!(
                page_width <= PHONE.0,
                "the page is {page_width}px wide on a {}px screen",
                PHONE.0
            );
            assert!(
                table_width > box_width,
                "the table scrolls inside its box ({table_width}px in {box_width}px)"
            );
            // The model comparison's chart and table fit too.
            driver.goto(format!("{address}/attribution/models")).await?;
            driver.find(By::Css("svg.chart")).await?;
            let page_width: i64 = driver
                .execute("return document.documentElement.scrollWidth;", Vec::new())
                .await?
                .convert()?;
            assert!(
                page_width <= PHONE.0,
                "the comparison is {page_width}px wide"
            );
            Ok::<(), WebDriverError>(())
        })
        .await
        .unwrap_or_else(|e| panic!("browser step failed: {e:?}"));
}
