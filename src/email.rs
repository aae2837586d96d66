//! Outgoing email: templates, the durable queue, and the transports.
//!
//! Messages are rendered and written to `outbound_emails` inside the transaction of the
//! action that causes them, so an email is never lost nor sent for a change that was rolled
//! back. A background worker delivers them, leasing each row so that several instances
//! never send the same message twice at the same time, retrying with backoff on failure.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use askama::Template;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

mod feedback;

pub use feedback::{FeedbackEmail, FeedbackEmailKind};

use crate::config::{EmailSettings, SmtpTls};
use crate::db::{self, Db, DbConnection};
use crate::i18n::Locale;
use crate::models::outbound_email::{NewOutboundEmail, OutboundEmail};

/// After this many failed attempts a message is marked failed and no longer retried.
pub const MAX_ATTEMPTS: i32 = 8;

/// A message whose three parts are rendered from `templates/email/<name>/`.
pub trait EmailContent {
    /// Subject, plain-text body, HTML body.
    fn render(&self) -> askama::Result<(String, String, String)>;
}

/// The link to choose a new password after "forgot password".
pub struct PasswordResetEmail {
    pub locale: Locale,
    pub name: String,
    pub link: String,
    pub valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "email/password_reset/subject.txt")]
struct ResetSubject<'a> {
    m: &'a PasswordResetEmail,
}

#[derive(Template)]
#[template(path = "email/password_reset/body.txt")]
struct ResetText<'a> {
    m: &'a PasswordResetEmail,
}

#[derive(Template)]
#[template(path = "email/password_reset/body.html")]
struct ResetHtml<'a> {
    m: &'a PasswordResetEmail,
}

impl EmailContent for PasswordResetEmail {
    fn render(&self) -> askama::Result<(String, String, String)> {
        Ok((
            ResetSubject { m: self }.render()?.trim().to_owned(),
            ResetText { m: self }.render()?,
            ResetHtml { m: self }.render()?,
        ))
    }
}

/// The invitation to set a password for a new account.
pub struct InvitationEmail {
    pub locale: Locale,
    pub name: String,
    pub invited_by: String,
    pub link: String,
    pub valid_days: i64,
}

#[derive(Template)]
#[template(path = "email/invitation/subject.txt")]
struct InviteSubject<'a> {
    m: &'a InvitationEmail,
}

#[derive(Template)]
#[template(path = "email/invitation/body.txt")]
struct InviteText<'a> {
    m: &'a InvitationEmail,
}

#[derive(Template)]
#[template(path = "email/invitation/body.html")]
struct InviteHtml<'a> {
    m: &'a InvitationEmail,
}

impl EmailContent for InvitationEmail {
    fn render(&self) -> askama::Result<(String, String, String)> {
        Ok((
            InviteSubject { m: self }.render()?.trim().to_owned(),
            InviteText { m: self }.render()?,
            InviteHtml { m: self }.render()?,
        ))
    }
}

/// A new lead offered to a dealer, or the reminder that its deadline is near.
pub struct OfferEmail {
    pub locale: Locale,
    pub reminder: bool,
    pub dealer_name: String,
    pub product_line: String,
    pub region: String,
    /// The deadline, already formatted for the reader.
    pub deadline: String,
    pub link: String,
    /// One-tap links that answer without logging in (they open a confirmation page).
    pub accept_link: Option<String>,
    pub decline_link: Option<String>,
}

impl OfferEmail {
    fn subject(&self) -> String {
        let key = if self.reminder {
            "email-offer-reminder-subject"
        } else {
            "email-offer-subject"
        };
        self.locale.t_args(
            key,
            &[
                ("product", self.product_line.as_str().into()),
                ("region", self.region.as_str().into()),
            ],
        )
    }

    fn body(&self) -> String {
        let key = if self.reminder {
            "email-offer-reminder-body"
        } else {
            "email-offer-body"
        };
        self.locale.t_args(
            key,
            &[
                ("dealer", self.dealer_name.as_str().into()),
                ("deadline", self.deadline.as_str().into()),
            ],
        )
    }
}

#[derive(Template)]
#[template(path = "email/offer/subject.txt")]
struct OfferSubject<'a> {
    m: &'a OfferEmail,
}

#[derive(Template)]
#[template(path = "email/offer/body.txt")]
struct OfferText<'a> {
    m: &'a OfferEmail,
}

#[derive(Template)]
#[template(path = "email/offer/body.html")]
struct OfferHtml<'a> {
    m: &'a OfferEmail,
}

impl EmailContent for OfferEmail {
    fn render(&self) -> askama::Result<(String, String, String)> {
        Ok((
            OfferSubject { m: self }.render()?.trim().to_owned(),
            OfferText { m: self }.render()?,
            OfferHtml { m: self }.render()?,
        ))
    }
}

/// One line of the weekly digest: what, its figure, and a second figure (last week's).
#[derive(Debug, Clone, PartialEq)]
pub struct DigestLine {
    pub label: String,
    pub value: String,
    pub note: String,
}

/// The weekly digest for a channel manager (figures already formatted for the reader).
pub struct DigestEmail {
    pub locale: Locale,
    /// The first day of the week it covers.
    pub week: String,
    pub leads: String,
    pub won: String,
    pub revenue: String,
    /// Per channel: revenue this week (`value`) and the week before (`note`).
    pub channels: Vec<DigestLine>,
    /// Dealers with overdue feedback (`value`: how many forms).
    pub overdue: Vec<DigestLine>,
    pub biggest_change: Option<DigestLine>,
    pub report_link: String,
    pub settings_link: String,
    /// Turns the digest off in one click, without logging in.
    pub unsubscribe_link: String,
}

impl DigestEmail {
    fn subject(&self) -> String {
        self.locale.t_args(
            "email-digest-subject",
            &[("week", self.week.as_str().into())],
        )
    }

    fn summary(&self) -> String {
        self.locale.t_args(
            "email-digest-summary",
            &[
                ("leads", self.leads.as_str().into()),
                ("won", self.won.as_str().into()),
                ("revenue", self.revenue.as_str().into()),
            ],
        )
    }

    fn change(&self, line: &DigestLine) -> String {
        self.locale.t_args(
            "email-digest-change",
            &[
                ("channel", line.label.as_str().into()),
                ("now", line.value.as_str().into()),
                ("before", line.note.as_str().into()),
            ],
        )
    }
}

#[derive(Template)]
#[template(path = "email/weekly_digest/subject.txt")]
struct DigestSubject<'a> {
    m: &'a DigestEmail,
}

#[derive(Template)]
#[template(path = "email/weekly_digest/body.txt")]
struct DigestText<'a> {
    m: &'a DigestEmail,
}

#[derive(Template)]
#[template(path = "email/weekly_digest/body.html")]
struct DigestHtml<'a> {
    m: &'a DigestEmail,
}

impl EmailContent for DigestEmail {
    fn render(&self) -> askama::Result<(String, String, String)> {
        Ok((
            DigestSubject { m: self }.render()?.trim().to_owned(),
            DigestText { m: self }.render()?,
            DigestHtml { m: self }.render()?,
        ))
    }
}

/// Renders `content` and puts it in the queue, inside the caller's transaction. Once that
/// write commits, the [`Db`] wakes the queue ([`db::OutboxSignal`]): callers need not.
pub fn enqueue(
    conn: &mut DbConnection,
    recipient: &str,
    content: &dyn EmailContent,
) -> Result<i64, crate::error::AppError> {
    let (subject, text, html) = content.render()?;
    let now = db::now();
    db::mark_mail_queued();
    Ok(OutboundEmail::insert(
        conn,
        &NewOutboundEmail {
            recipient,
            subject: &subject,
            body_text: &text,
            body_html: &html,
            created_at: now,
            next_attempt_at: now,
        },
    )?)
}

/// A message as a transport delivered it (the in-memory backend keeps these for tests).
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Messages delivered by the in-memory backend.
#[derive(Debug, Clone, Default)]
pub struct MemoryMailbox(Arc<Mutex<Vec<SentEmail>>>);

impl MemoryMailbox {
    pub fn messages(&self) -> Vec<SentEmail> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// How messages leave the process.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(PathBuf),
    Memory(MemoryMailbox),
}

impl Mailer {
    pub fn from_settings(settings: &EmailSettings) -> anyhow::Result<Self> {
        Ok(match settings {
            EmailSettings::File { dir } => Mailer::File(dir.clone()),
            EmailSettings::Memory => Mailer::Memory(MemoryMailbox::default()),
            EmailSettings::Smtp {
                host,
                port,
                tls,
                username,
                password,
            } => {
                let mut builder = match tls {
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
                    SmtpTls::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?
                    }
                    SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
                }
                .port(*port)
                .timeout(Some(Duration::from_secs(20)));
                if let (Some(user), Some(pass)) = (username, password) {
                    builder = builder
                        .credentials(Credentials::new(user.clone(), pass.expose().to_owned()));
                }
                Mailer::Smtp(builder.build())
            }
        })
    }

    /// The in-memory mailbox, when this is the memory backend.
    pub fn memory(&self) -> Option<MemoryMailbox> {
        match self {
            Mailer::Memory(m) => Some(m.clone()),
            _ => None,
        }
    }

    async fn deliver(&self, from: &Mailbox, email: &OutboundEmail) -> anyhow::Result<()> {
        if let Mailer::Memory(mailbox) = self {
            if let Ok(mut messages) = mailbox.0.lock() {
                messages.push(SentEmail {
                    to: email.recipient.clone(),
                    subject: email.subject.clone(),
                    text: email.body_text.clone(),
                    html: email.body_html.clone(),
                });
            }
            return Ok(());
        }
        let message = Message::builder()
            .from(from.clone())
            .to(email
                .recipient
                .parse()
                .with_context(|| format!("bad recipient {}", email.recipient))?)
            .subject(email.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                email.body_text.clone(),
                email.body_html.clone(),
            ))?;
        match self {
            Mailer::Smtp(transport) => {
                transport.send(message).await?;
            }
            Mailer::File(dir) => {
                let dir = dir.clone();
                let name = format!(
                    "{}-{:06}.eml",
                    email.created_at.format("%Y%m%dT%H%M%S"),
                    email.id
                );
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                    std::fs::create_dir_all(&dir)?;
                    std::fs::write(dir.join(name), bytes)
                })
                .await??;
            }
            Mailer::Memory(_) => {}
        }
        Ok(())
    }
}

/// Delivers queued mail. Cheap to clone. The worker looks at the queue as soon as a write
/// on its [`Db`] that queued mail commits ([`db::OutboxSignal`]), and every 5 seconds.
#[derive(Clone)]
pub struct MailQueue {
    db: Db,
    mailer: Mailer,
    from: Mailbox,
    queued: db::OutboxSignal,
}

impl MailQueue {
    pub fn new(db: Db, mailer: Mailer, from: Mailbox) -> Self {
        let queued = db.outbox_signal();
        Self {
            db,
            mailer,
            from,
            queued,
        }
    }

    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Delivers every message that is due; returns how many were sent.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let now = db::now();
        let ids: Vec<i64> = self
            .db
            .read(move |conn| {
                OutboundEmail::due_ids(conn, now, 50).map_err(crate::error::AppError::from)
            })
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        // One write claims the batch and one records how each delivery went, so a busy
        // queue costs the single SQLite writer two commits per 50 messages, not two each.
        let now = db::now();
        let lease = now + chrono::TimeDelta::minutes(5);
        let claimed = self
            .db
            .write(move |conn| {
                OutboundEmail::claim_many(conn, &ids, now, lease)
                    .map_err(crate::error::AppError::from)
            })
            .await?;
        let mut outcomes = Vec::with_capacity(claimed.len());
        for email in claimed {
            let outcome = self.mailer.deliver(&self.from, &email).await;
            outcomes.push((
                email.id,
                email.attempts,
                outcome.map_err(|e| format!("{e:#}")),
            ));
        }
        let sent = outcomes.iter().filter(|(_, _, o)| o.is_ok()).count();
        self.db
            .write(move |conn| {
                use diesel::Connection;
                conn.transaction(|conn| {
                    let now = db::now();
                    for (id, attempts, outcome) in &outcomes {
                        match outcome {
                            Ok(()) => OutboundEmail::mark_sent(conn, *id, now)?,
                            Err(e) => {
                                let retry = (*attempts < MAX_ATTEMPTS)
                                    .then(|| now + retry_delay(*attempts));
                                tracing::warn!(email_id = id, attempts, error = %e, "email delivery failed");
                                OutboundEmail::mark_failed(conn, *id, e, retry, now)?;
                            }
                        }
                    }
                    Ok::<_, crate::error::AppError>(())
                })
            })
            .await?;
        Ok(sent)
    }

    /// Runs until `shutdown` fires: delivers whenever a committed write queued mail, and at
    /// least every 5 seconds.
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.deliver_due().await {
                tracing::error!(error = ?e, "mail queue");
            }
            tokio::select! {
                () = self.queued.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Exponential backoff with jitter: about 1, 2, 4 … minutes.
fn retry_delay(attempts: i32) -> chrono::TimeDelta {
    use rand::Rng;
    let base = 60_i64 << attempts.clamp(0, 10);
    let jitter = rand::rng().random_range(0..=base / 4);
    chrono::TimeDelta::seconds(base + jitter)
}

impl PasswordResetEmail {
    fn greeting(&self) -> String {
        self.locale
            .t_args("email-greeting", &[("name", self.name.as_str().into())])
    }

    fn validity(&self) -> String {
        self.locale.t_args(
            "email-reset-validity",
            &[("minutes", self.valid_minutes.into())],
        )
    }
}

impl InvitationEmail {
    fn greeting(&self) -> String {
        self.locale
            .t_args("email-greeting", &[("name", self.name.as_str().into())])
    }

    fn body(&self) -> String {
        self.locale.t_args(
            "email-invite-body",
            &[("inviter", self.invited_by.as_str().into())],
        )
    }

    fn validity(&self) -> String {
        self.locale
            .t_args("email-invite-validity", &[("days", self.valid_days.into())])
    }
}
