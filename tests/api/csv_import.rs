//! CSV lead import: the upload page for channel managers, per-line errors, idempotent
//! re-imports, refused files, the upload size, and `dealerloop import leads FILE`.

use dealerloop::models::lead::LeadRow;
use diesel::prelude::*;

use crate::helpers::{
    Browser, LeadBody, PASSWORD, Page, Run, TestApp, cli_command, dealerloop, fresh_database,
    spawn_app,
};

const HEADER: &str = "external_id;received_at;contact_name;contact_email;contact_phone;contact_company;country;postcode;region;product_line;grade;score;consent_share_with_dealers;touchpoints";

/// A file as an Italian spreadsheet saves it: BOM, `;`, CRLF, a quoted newline, two good
/// rows (lines 2 and 4) and three bad ones (lines 5, 6 and 7).
fn leads_file() -> Vec<u8> {
    let rows = [
        HEADER.to_owned(),
        "CSV-1;2026-11-20T09:30:00Z;Giulia Bianchi;giulia@officine-bianchi.it;+39 02 1234567;\"Officine Bianchi; S.r.l.\";IT;20121;Lombardia;lathes;A;82;sì;\"[{\"\"occurred_at\"\":\"\"2026-11-01T10:00:00Z\"\",\"\"channel\"\":\"\"paid_search\"\",\"\"campaign\"\":\"\"torni-autunno\"\"}]\"".to_owned(),
        "CSV-2;2026-11-21T08:00:00Z;\"Marco\r\nRossi\";marco@rossi.it;;;IT;20900;;milling;B;60;1;".to_owned(),
        "CSV-3;2026-11-21T08:00:00Z;Anna Verdi;not-an-email;;;IT;20121;;lathes;;;yes;".to_owned(),
        "CSV-4;yesterday;Luca Neri;luca@neri.it;;;IT;20121;;lathes;;;forse;".to_owned(),
        "CSV-5;2026-11-21T08:00:00Z;Sara Blu;sara@blu.it;;;IT;20121;;lathes;;;true;[not json".to_owned(),
    ];
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(rows.join("\r\n").as_bytes());
    bytes.extend_from_slice(b"\r\n");
    bytes
}

fn lead(app: &TestApp, external_id: &str) -> Option<LeadRow> {
    LeadRow::find_by_external_id(&mut app.conn(), "csv", external_id).unwrap()
}

/// Stored leads. Read from storage: the import tests are about what was stored (all or
/// nothing, chunks, idempotence), which no page counts.
fn lead_count(app: &TestApp) -> i64 {
    use dealerloop::schema::leads::dsl::*;
    leads.count().get_result(&mut *app.conn()).unwrap()
}

/// Posts `file` from the upload page like a browser.
async fn upload(browser: &mut Browser, name: &str, file: &[u8]) -> Page {
    browser
        .upload("/leads/import", "/leads/import", name, file)
        .await
}

async fn manager(app: &TestApp) -> Browser {
    app.create_user("canale@example.it", "manager", None);
    let mut browser = app.browser_with_language("en");
    browser.login("canale@example.it", PASSWORD).await;
    browser
}

/// The number shown in a summary cell (`<td … id="count-created">2</td>`).
fn count(page: &Page, id: &str) -> String {
    page.text_of(&format!("count-{id}"))
}

#[tokio::test]
async fn a_manager_uploads_a_csv_the_good_rows_are_offered_and_every_bad_line_is_listed() {
    let app = spawn_app().await;
    let dealer_id = app.create_dealer("MI-01");
    let mut browser = manager(&app).await;

    let form = browser.get("/leads/import").await;
    assert_eq!(form.status, 200);
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains("accept=\".csv,text/csv\""));
    let token_at = form.html.find("name=\"csrf_token\"").unwrap();
    let file_at = form.html.find("name=\"file\"").unwrap();
    assert!(token_at < file_at, "the CSRF token comes before the file");

    let page = upload(&mut browser, "leads.csv", &leads_file()).await;

    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(count(&page, "rows"), "5");
    assert_eq!(count(&page, "created"), "2");
    assert_eq!(count(&page, "duplicate"), "0");
    assert_eq!(count(&page, "invalid"), "3");
    for expected in [
        "<td class=\"num\">5</td><td><code>CSV-3</code></td><td><code>contact_email</code></td><td>is not a valid email address</td>",
        "<td class=\"num\">6</td><td><code>CSV-4</code></td><td><code>received_at</code></td>",
        "<td class=\"num\">6</td><td><code>CSV-4</code></td><td><code>consent_share_with_dealers</code></td>",
        "<td class=\"num\">7</td><td><code>CSV-5</code></td><td><code>touchpoints</code></td>",
    ] {
        assert!(page.contains(expected), "{expected} in:\n{}", page.html);
    }

    let first = lead(&app, "CSV-1").expect("CSV-1 stored");
    assert_eq!(first.status.as_str(), "offered");
    assert_eq!(first.dealer_id, Some(dealer_id));
    assert_eq!(
        first.contact_company.as_deref(),
        Some("Officine Bianchi; S.r.l.")
    );
    let touchpoints = LeadRow::touchpoints(&mut app.conn(), first.id).unwrap();
    assert_eq!(touchpoints.len(), 1);
    assert_eq!(touchpoints[0].campaign.as_deref(), Some("torni-autunno"));
    let second = lead(&app, "CSV-2").expect("CSV-2 stored");
    assert_eq!(second.contact_name, "Marco\r\nRossi");
    assert_eq!(second.dealer_id, Some(dealer_id));
    assert!(lead(&app, "CSV-3").is_none());
    assert!(app.audit_actions().contains(&"leads_imported".to_owned()));
}

#[tokio::test]
async fn reimporting_the_same_file_changes_nothing_and_changed_rows_are_conflicts() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let mut browser = manager(&app).await;
    upload(&mut browser, "leads.csv", &leads_file()).await;
    assert_eq!(lead_count(&app), 2);
    let before = lead(&app, "CSV-1").unwrap();

    let again = upload(&mut browser, "leads.csv", &leads_file()).await;

    assert_eq!(again.status, 200);
    assert_eq!(count(&again, "created"), "0");
    assert_eq!(count(&again, "duplicate"), "2");
    assert_eq!(count(&again, "conflict"), "0");
    assert_eq!(lead_count(&app), 2);
    let after = lead(&app, "CSV-1").unwrap();
    assert_eq!(
        (after.status, after.dealer_id, after.status_changed_at),
        (before.status, before.dealer_id, before.status_changed_at)
    );

    let changed = String::from_utf8(leads_file())
        .unwrap()
        .replace("Giulia Bianchi", "Giulia Bianchi-Rossi");
    let conflict = upload(&mut browser, "leads.csv", changed.as_bytes()).await;
    assert_eq!(count(&conflict, "conflict"), "1");
    assert!(
        conflict.contains(
            "<td class=\"num\">2</td><td><code>CSV-1</code></td><td><code>contact_name</code></td>"
        ),
        "{}",
        conflict.html
    );
    assert_eq!(lead(&app, "CSV-1").unwrap().contact_name, "Giulia Bianchi");
}

#[tokio::test]
async fn files_in_the_wrong_encoding_or_with_a_wrong_header_are_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let mut browser = manager(&app).await;

    let mut latin1 = HEADER.as_bytes().to_vec();
    latin1.extend_from_slice(
        b"\nL-1;2026-11-20T09:30:00Z;Nicol\xf2 Verdi;n@verdi.it;;;IT;20121;;lathes;;;s\xec;\n",
    );
    let page = upload(&mut browser, "latin1.csv", &latin1).await;
    assert_eq!(page.status, 422);
    assert!(page.contains("Line 2"), "{}", page.html);
    assert!(page.contains("CSV UTF-8"), "{}", page.html);

    let header = HEADER
        .replace("contact_phone;", "")
        .replace("grade", "rating");
    let page = upload(
        &mut browser,
        "header.csv",
        format!("{header}\nH-1;2026-11-20T09:30:00Z;A;a@b.it;;IT;20121;;lathes;;;1;\n").as_bytes(),
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(
        page.contains("Missing columns: contact_phone, grade"),
        "{}",
        page.html
    );
    assert!(page.contains("Unknown columns: rating"), "{}", page.html);

    let page = upload(&mut browser, "empty.csv", b"").await;
    assert_eq!(page.status, 422);
    assert!(page.contains("Choose a CSV file"), "{}", page.html);
    assert_eq!(lead_count(&app), 0);
}

#[tokio::test]
async fn a_file_of_over_a_megabyte_passes_the_csrf_check_and_is_imported() {
    let app = spawn_app().await;
    let mut browser = manager(&app).await;
    let mut file = HEADER.to_owned();
    let company = "Meccanica di precisione ".repeat(8);
    let touchpoint = format!(
        "{{\"\"occurred_at\"\":\"\"2026-11-01T10:00:00Z\"\",\"\"channel\"\":\"\"email\"\",\"\"content\"\":\"\"{}\"\"}}",
        "x".repeat(190)
    );
    let rows = 1_400;
    for i in 0..rows {
        file.push_str(&format!(
            "\nBIG-{i};2026-11-20T09:30:00Z;Cliente {i};c{i}@example.it;;{company};IT;20121;;lathes;;;no;\"[{touchpoint},{touchpoint}]\""
        ));
    }
    assert!(file.len() > 1024 * 1024, "{} bytes", file.len());

    let page = upload(&mut browser, "big.csv", file.as_bytes()).await;

    assert_eq!(
        page.status,
        200,
        "{}",
        &page.html[..page.html.len().min(2000)]
    );
    let created = count(&page, "created").replace([',', '.', '\u{a0}', '\u{202f}'], "");
    assert_eq!(created, rows.to_string());
    assert_eq!(lead_count(&app), rows);
}

/// A browser logged in as the user of dealer MI-01.
async fn logged_in_dealer(app: &TestApp) -> Browser {
    app.create_dealer("MI-01");
    app.create_user("officina@mi01.it", "dealer", Some("MI-01"));
    let mut browser = app.browser();
    browser.login("officina@mi01.it", PASSWORD).await;
    browser
}

#[tokio::test]
async fn dealer_users_may_not_import() {
    let app = spawn_app().await;
    let mut browser = logged_in_dealer(&app).await;

    assert_eq!(browser.get("/leads/import").await.status, 403);
    browser.get("/dealer/profile").await;
    let token = browser.csrf_token();
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\n{HEADER}\r\n\
         --{boundary}--\r\n"
    );
    let response = browser
        .client
        .post(browser.url("/leads/import"))
        .header("Origin", &browser.base)
        .header("Sec-Fetch-Site", "same-origin")
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(lead_count(&app), 0);
}

#[tokio::test]
async fn the_command_line_imports_the_same_file_idempotently_and_refuses_a_bad_one() {
    let (url, _database) = fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.csv");
    std::fs::write(&path, leads_file()).unwrap();
    let file = path.to_str().unwrap().to_owned();

    let Run {
        code,
        stdout,
        stderr,
    } = dealerloop(Some(&url), &["import", "leads", &file], "", &[]).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout
            .contains("5 rows: 2 imported, 0 already imported (unchanged), 0 conflicts, 3 invalid"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 5: contact_email: is not a valid email address"),
        "{stdout}"
    );
    assert!(
        stdout.contains("line 6: consent_share_with_dealers:"),
        "{stdout}"
    );
    assert!(stdout.contains("line 7: touchpoints:"), "{stdout}");

    let Run { code, stdout, .. } =
        dealerloop(Some(&url), &["import", "leads", &file], "", &[]).await;
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("2 already imported (unchanged)") && stdout.contains(": 0 imported"),
        "{stdout}"
    );

    let bad = dir.path().join("latin1.csv");
    std::fs::write(&bad, b"external_id;received_at\nA;\xe8\n").unwrap();
    let bad = bad.to_str().unwrap().to_owned();
    let Run {
        code,
        stdout,
        stderr,
    } = dealerloop(Some(&url), &["import", "leads", &bad], "", &[]).await;
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("CSV UTF-8"), "{stderr}");

    let url = dealerloop::db::DatabaseUrl::parse(&url).unwrap();
    let db = dealerloop::db::Db::connect(&url, 1).unwrap();
    let stored: i64 = dealerloop::schema::leads::table
        .count()
        .get_result(&mut *db.write_conn().unwrap())
        .unwrap();
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn an_upload_without_the_csrf_token_or_over_the_limit_is_refused() {
    let app = spawn_app().await;
    let mut browser = manager(&app).await;
    browser.get("/leads/import").await;
    let boundary = "n0token";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\n{HEADER}\r\n\
         --{boundary}--\r\n"
    );
    let response = browser
        .client
        .post(browser.url("/leads/import"))
        .header("Origin", &browser.base)
        .header("Sec-Fetch-Site", "same-origin")
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);

    let mut huge = HEADER.as_bytes().to_vec();
    huge.resize(21 * 1024 * 1024, b'x');
    let page = upload(&mut browser, "huge.csv", &huge).await;
    assert_eq!(page.status, 413);
    assert_eq!(lead_count(&app), 0);
}

/// A file of `rows` valid rows with consent, ids `{prefix}-0`, `{prefix}-1`, …
fn many_rows(prefix: &str, rows: usize) -> String {
    let mut file = HEADER.to_owned();
    for i in 0..rows {
        file.push_str(&format!(
            "\n{prefix}-{i};2026-11-20T09:30:00Z;Cliente {i};c{i}@example.it;;;IT;20121;;lathes;;;sì;"
        ));
    }
    file.push('\n');
    file
}

/// How many leads are stored, read on a connection of its own (not the app's writer).
fn stored_leads(database_url: &str) -> i64 {
    use dealerloop::schema::leads::dsl::*;
    let mut conn = dealerloop::db::DatabaseUrl::parse(database_url)
        .unwrap()
        .establish()
        .unwrap();
    leads.count().get_result(&mut conn).unwrap()
}

#[tokio::test]
async fn a_large_upload_is_stored_in_chunks_while_other_requests_are_served() {
    let app = spawn_app().await;
    app.create_dealer("MI-01");
    let token = app.api_token();
    let mut browser = manager(&app).await;
    let rows = 5_000;
    let file = many_rows("MANY", rows);
    let uploading =
        tokio::spawn(async move { upload(&mut browser, "many.csv", file.as_bytes()).await });
    let started = std::time::Instant::now();
    while stored_leads(&app.database_url) < 1_000 {
        assert!(
            started.elapsed().as_secs() < 120,
            "the first chunk never arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let intake = app
        .push_lead(
            &token,
            &LeadBody::new("DURING-IMPORT")
                .name("Anna Verdi")
                .email("anna@example.it"),
        )
        .await;
    let stored_when_answered = stored_leads(&app.database_url);
    let page = uploading.await.unwrap();

    assert_eq!(intake["result"], "created", "{intake}");
    assert!(
        stored_when_answered <= i64::try_from(rows).unwrap(),
        "the intake was served while the import was still going: {stored_when_answered} of {rows} rows stored"
    );
    assert_eq!(
        page.status,
        200,
        "{}",
        &page.html[..page.html.len().min(2000)]
    );
    let created = count(&page, "created").replace([',', '.', '\u{a0}', '\u{202f}'], "");
    assert_eq!(created, rows.to_string());
    assert_eq!(lead_count(&app), i64::try_from(rows).unwrap() + 1);
    let imports = app
        .audit_actions()
        .iter()
        .filter(|a| *a == "leads_imported")
        .count();
    assert_eq!(imports, 1, "one audit event for the whole import");
}

#[tokio::test]
async fn an_interrupted_command_line_import_keeps_whole_chunks_and_running_it_again_completes_it() {
    let (url, _database) = fresh_database();
    let parsed = dealerloop::db::DatabaseUrl::parse(&url).unwrap();
    dealerloop::db::run_migrations(&mut parsed.establish().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.csv");
    let rows = 2_500;
    std::fs::write(&path, many_rows("CUT", rows)).unwrap();
    let file = path.to_str().unwrap().to_owned();

    let kept = tokio::task::spawn_blocking({
        let (url, file) = (url.clone(), file.clone());
        move || {
            let (mut command, _workdir) = cli_command(Some(&url), &["import", "leads", &file]);
            let mut child = command
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let started = std::time::Instant::now();
            while stored_leads(&url) == 0 {
                assert!(
                    child.try_wait().unwrap().is_none(),
                    "it ended before it was stopped"
                );
                assert!(started.elapsed().as_secs() < 120, "nothing was imported");
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            child.kill().unwrap();
            child.wait().unwrap();
            stored_leads(&url)
        }
    })
    .await
    .unwrap();
    let Run {
        code,
        stdout,
        stderr,
    } = dealerloop(Some(&url), &["import", "leads", &file], "", &[]).await;

    let rows = i64::try_from(rows).unwrap();
    assert!(
        kept > 0 && kept < rows && kept % 1_000 == 0,
        "whole chunks of 1,000 rows were kept: {kept}"
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!(
            "{rows} rows: {} imported, {kept} already imported (unchanged)",
            rows - kept
        )),
        "{stdout}"
    );
    assert_eq!(stored_leads(&url), rows, "every row once");
}

#[tokio::test]
async fn a_dealer_upload_is_refused_before_its_body_is_read() {
    use reqwest::cookie::CookieStore;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = spawn_app().await;
    let mut browser = logged_in_dealer(&app).await;
    browser.get("/dealer/profile").await;
    let token = browser.csrf_token();
    let cookies = browser
        .jar
        .cookies(&url::Url::parse(&app.address).unwrap())
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let host = app.address.trim_start_matches("http://").to_owned();
    let boundary = "b0undary";
    let start_of_body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n{HEADER}\r\n"
    );
    let request = format!(
        "POST /leads/import HTTP/1.1\r\nHost: {host}\r\nCookie: {cookies}\r\n\
         Origin: {}\r\nSec-Fetch-Site: same-origin\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\n\r\n{start_of_body}",
        app.address,
        10 * 1024 * 1024
    );

    // Only the start of the 10 MB body is ever sent.
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.unwrap();
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
        }
    })
    .await;

    assert!(read.is_ok(), "no answer without the rest of the body");
    let head = String::from_utf8_lossy(&answer);
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    assert_eq!(lead_count(&app), 0);
}
