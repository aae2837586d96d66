//! Outgoing email over the real transports: SMTP to a listening server, `.eml` files in a
//! folder, and a failed delivery that stays in the queue until it goes through.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use dealerloop::config::{EmailSettings, SmtpTls};
use dealerloop::models::outbound_email::OutboundEmail;
use diesel::prelude::*;

use crate::helpers::{TestApp, link_in, spawn_app_with};

const RESET_SUBJECT: &str = "Reimposta la password di dealerloop";

/// A message as an SMTP server received it: the envelope and the raw DATA.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) mail_from: String,
    pub(crate) rcpt_to: Vec<String>,
    pub(crate) data: String,
}

/// A minimal SMTP server on a port of its own, in a thread: it accepts every message and
/// hands it over through the returned channel.
pub(crate) fn smtp_server_on(listener: TcpListener) -> mpsc::Receiver<Received> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = serve_smtp_session(stream, &tx);
            });
        }
    });
    rx
}

pub(crate) fn smtp_server() -> (u16, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (port, smtp_server_on(listener))
}

fn serve_smtp_session(stream: TcpStream, tx: &mpsc::Sender<Received>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 test-smtp ESMTP ready\r\n")?;
    let mut envelope = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => out.write_all(b"250 test-smtp greets you\r\n")?,
            "MAIL" => {
                envelope.0 = command;
                out.write_all(b"250 OK\r\n")?;
            }
            "RCPT" => {
                envelope.1.push(command);
                out.write_all(b"250 OK\r\n")?;
            }
            "DATA" => {
                out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let mut data = String::new();
                while !data.ends_with("\r\n.\r\n") {
                    if reader.read_line(&mut data)? == 0 {
                        return Ok(());
                    }
                }
                data.truncate(data.len() - ".\r\n".len());
                out.write_all(b"250 OK queued\r\n")?;
                let (mail_from, rcpt_to) = std::mem::take(&mut envelope);
                let _ = tx.send(Received {
                    mail_from,
                    rcpt_to,
                    data,
                });
            }
            "RSET" | "NOOP" => out.write_all(b"250 OK\r\n")?,
            "QUIT" => {
                out.write_all(b"221 Bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"502 Command not implemented\r\n")?,
        }
    }
}

/// One part of a MIME message, its body decoded.
pub(crate) struct Part {
    pub(crate) content_type: String,
    pub(crate) body: String,
}

/// The header block and body of a message or part, with folded header lines joined.
fn split_headers(raw: &str) -> (String, &str) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    (head.replace("\r\n ", " ").replace("\r\n\t", " "), body)
}

fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn decode_quoted_printable(body: &str) -> String {
    let soft_breaks_joined = body.replace("=\r\n", "");
    let bytes = soft_breaks_joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = soft_breaks_joined.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn decode_body(headers: &str, body: &str) -> String {
    match header(headers, "Content-Transfer-Encoding")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("quoted-printable") => decode_quoted_printable(body),
        Some("base64") => {
            use base64::Engine;
            let compact: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .unwrap(),
            )
            .unwrap()
        }
        _ => body.to_owned(),
    }
}

/// The top-level headers and the parts of a `multipart/*` message.
pub(crate) fn parse_multipart(raw: &str) -> (String, String, Vec<Part>) {
    let (headers, body) = split_headers(raw);
    let content_type = header(&headers, "Content-Type")
        .unwrap_or_else(|| panic!("no Content-Type in:\n{raw}"))
        .to_owned();
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .unwrap_or_else(|| panic!("not multipart: {content_type}"))
        .trim_matches('"')
        .to_owned();
    let delimiter = format!("--{boundary}");
    let parts = body
        .split(delimiter.as_str())
        .skip(1)
        .take_while(|chunk| !chunk.starts_with("--"))
        .map(|chunk| {
            let chunk = chunk.strip_prefix("\r\n").unwrap_or(chunk);
            let chunk = chunk.strip_suffix("\r\n").unwrap_or(chunk);
            let (part_headers, part_body) = split_headers(chunk);
            Part {
                content_type: header(&part_headers, "Content-Type")
                    .unwrap_or("text/plain")
                    .to_owned(),
                body: decode_body(&part_headers, part_body),
            }
        })
        .collect();
    (headers, content_type, parts)
}

async fn request_password_reset(app: &TestApp, email: &str) {
    let mut browser = app.browser();
    let page = browser
        .submit("/password/forgot", "/password/forgot", &[("email", email)])
        .await;
    assert_eq!(page.status, 200, "{}", page.html);
}

/// The mail queue. Read from storage: these tests are about the durable queue itself
/// (retries, scrubbed bodies), which no page shows.
fn outbound_emails(app: &TestApp) -> Vec<OutboundEmail> {
    use dealerloop::schema::outbound_emails::dsl::*;
    outbound_emails
        .order(id.asc())
        .select(OutboundEmail::as_select())
        .load(&mut *app.conn())
        .unwrap()
}

#[tokio::test]
async fn a_reset_email_travels_over_smtp_to_a_real_listener_with_a_text_and_an_html_part() {
    let (port, inbox) = smtp_server();
    let app = spawn_app_with(|s| {
        s.email = EmailSettings::Smtp {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        };
    })
    .await;
    app.create_user("anna@example.it", "admin", None);
    request_password_reset(&app, "anna@example.it").await;

    let delivered = app.mail.deliver_due().await.unwrap();

    assert_eq!(delivered, 1);
    let message = inbox
        .recv_timeout(Duration::from_secs(30))
        .expect("the SMTP server received a message");
    assert!(
        message.mail_from.contains("no-reply@dealerloop.localhost"),
        "{}",
        message.mail_from
    );
    assert_eq!(
        message.rcpt_to,
        vec!["RCPT TO:<anna@example.it>".to_owned()]
    );
    let (headers, content_type, parts) = parse_multipart(&message.data);
    assert_eq!(header(&headers, "To"), Some("anna@example.it"), "{headers}");
    assert_eq!(
        header(&headers, "Subject"),
        Some(RESET_SUBJECT),
        "{headers}"
    );
    assert!(
        content_type.starts_with("multipart/alternative"),
        "{content_type}"
    );
    assert_eq!(parts.len(), 2, "{}", message.data);
    let text = parts
        .iter()
        .find(|p| p.content_type.starts_with("text/plain"))
        .expect("a text part");
    let html = parts
        .iter()
        .find(|p| p.content_type.starts_with("text/html"))
        .expect("an HTML part");
    let reset_prefix = format!("{}/password/reset/", app.address);
    assert!(text.body.contains(&reset_prefix), "{}", text.body);
    assert!(
        html.body.contains(&format!("href=\"{reset_prefix}")),
        "{}",
        html.body
    );

    // The link in the message opens the form to choose a new password.
    let link = link_in(&text.body, &reset_prefix);
    let form = app.browser().get(&link).await;
    assert_eq!(form.status, 200, "{link}");
    assert!(form.contains("anna@example.it"), "{}", form.html);
    let row = &outbound_emails(&app)[0];
    assert!(row.sent_at.is_some() && row.last_error.is_none(), "{row:?}");
}

#[tokio::test]
async fn the_file_backend_writes_each_message_as_an_eml_file_in_the_outbox_folder() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().join("mail-outbox");
    let app = spawn_app_with(|s| s.email = EmailSettings::File { dir: dir.clone() }).await;
    app.create_user("anna@example.it", "manager", None);
    request_password_reset(&app, "anna@example.it").await;

    let delivered = app.mail.deliver_due().await.unwrap();

    assert_eq!(delivered, 1);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    let (headers, content_type, parts) = parse_multipart(&raw);
    assert_eq!(header(&headers, "To"), Some("anna@example.it"));
    assert_eq!(header(&headers, "Subject"), Some(RESET_SUBJECT));
    assert!(
        content_type.starts_with("multipart/alternative"),
        "{content_type}"
    );
    assert!(
        parts
            .iter()
            .any(|p| p.body.contains(&format!("{}/password/reset/", app.address))),
        "{raw}"
    );
}

#[tokio::test]
async fn a_failed_delivery_stays_in_the_queue_and_goes_out_on_a_later_attempt() {
    // A port with nothing listening yet: the relay is down.
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let app = spawn_app_with(|s| {
        s.email = EmailSettings::Smtp {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            username: None,
            password: None,
        };
    })
    .await;
    app.create_user("anna@example.it", "admin", None);
    request_password_reset(&app, "anna@example.it").await;

    let delivered = app.mail.deliver_due().await.unwrap();

    assert_eq!(delivered, 0, "nothing was delivered");
    let rows = outbound_emails(&app);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.attempts, 1);
    assert!(row.sent_at.is_none(), "{row:?}");
    assert!(
        row.failed_at.is_none(),
        "one failure does not give up: {row:?}"
    );
    let error = row.last_error.as_deref().unwrap_or_default();
    assert!(
        error.to_lowercase().contains("connection refused"),
        "the real cause is kept: {error}"
    );
    assert!(
        row.next_attempt_at > dealerloop::db::now(),
        "retried later, not at once: {row:?}"
    );

    // Not due yet: an immediate second pass leaves it alone.
    assert_eq!(app.mail.deliver_due().await.unwrap(), 0);
    assert_eq!(outbound_emails(&app)[0].attempts, 1);

    // The relay comes back and the retry time arrives.
    let inbox = smtp_server_on(TcpListener::bind(("127.0.0.1", port)).unwrap());
    app.sql("UPDATE outbound_emails SET next_attempt_at = '2000-01-01 00:00:00'");
    let delivered = app.mail.deliver_due().await.unwrap();

    assert_eq!(delivered, 1);
    let message = inbox
        .recv_timeout(Duration::from_secs(30))
        .expect("delivered on the retry");
    assert_eq!(
        message.rcpt_to,
        vec!["RCPT TO:<anna@example.it>".to_owned()]
    );
    let row = &outbound_emails(&app)[0];
    assert_eq!(row.attempts, 2);
    assert!(row.sent_at.is_some(), "{row:?}");
    assert!(row.last_error.is_none(), "{row:?}");
}

/// The mail worker sends a message as soon as the write that queued it commits, not at its
/// next look at the queue (every 5 seconds): no route has to wake it.
#[tokio::test]
async fn the_mail_worker_sends_a_message_as_soon_as_the_write_that_queued_it_commits() {
    let app = spawn_app_with(|s| s.run_workers = true).await;
    app.create_user("anna@example.it", "admin", None);
    let mailbox = app.mail.mailer().memory().expect("memory mailbox");
    // The worker's first look at the (empty) queue, right at start, is over by now.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let asked = std::time::Instant::now();
    request_password_reset(&app, "anna@example.it").await;

    while mailbox.messages().is_empty() {
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "the reset email was not sent within 2 s of being queued"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(mailbox.messages()[0].subject, RESET_SUBJECT);
}
