//! The feedback emails: the request with its link, the reminders, and a fresh link.

use askama::Template;

use super::EmailContent;
use crate::i18n::Locale;

/// Why a feedback email goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackEmailKind {
    /// A request has just opened.
    Request,
    /// The request is still unanswered (3 and 7 days after it opened).
    Reminder,
    /// Someone asked for a new link, or a channel manager re-sent it.
    FreshLink,
}

/// A link to the one-minute feedback form of one lead.
pub struct FeedbackEmail {
    pub locale: Locale,
    pub kind: FeedbackEmailKind,
    pub dealer_name: String,
    /// What the lead was about, without naming the customer ("lathes · Lombardia").
    pub lead: String,
    /// The customer's company or name, for the dealer to recognise the sale.
    pub customer: String,
    pub link: String,
    /// Until when the form can be filled in, formatted for the reader.
    pub open_until: String,
}

impl FeedbackEmail {
    fn key(&self, part: &str) -> String {
        let kind = match self.kind {
            FeedbackEmailKind::Request => "request",
            FeedbackEmailKind::Reminder => "reminder",
            FeedbackEmailKind::FreshLink => "fresh",
        };
        format!("email-feedback-{kind}-{part}")
    }

    fn subject(&self) -> String {
        self.locale.t_args(
            &self.key("subject"),
            &[("customer", self.customer.as_str().into())],
        )
    }

    fn body(&self) -> String {
        self.locale.t_args(
            &self.key("body"),
            &[
                ("dealer", self.dealer_name.as_str().into()),
                ("customer", self.customer.as_str().into()),
                ("until", self.open_until.as_str().into()),
            ],
        )
    }
}

#[derive(Template)]
#[template(path = "email/feedback/subject.txt")]
struct Subject<'a> {
    m: &'a FeedbackEmail,
}

#[derive(Template)]
#[template(path = "email/feedback/body.txt")]
struct Text<'a> {
    m: &'a FeedbackEmail,
}

#[derive(Template)]
#[template(path = "email/feedback/body.html")]
struct Html<'a> {
    m: &'a FeedbackEmail,
}

impl EmailContent for FeedbackEmail {
    fn render(&self) -> askama::Result<(String, String, String)> {
        Ok((
            Subject { m: self }.render()?.trim().to_owned(),
            Text { m: self }.render()?,
            Html { m: self }.render()?,
        ))
    }
}
