//! What every page template needs: language, CSRF token, the user, formatting helpers.

use std::collections::HashMap;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::NaiveDateTime;

use super::AppState;
use super::request_context::RequestContext;
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::{FluentArg, Locale};
use crate::services::auth::AuthUser;
use crate::services::validation::FieldErrors;

/// The shared part of every page.
#[derive(Debug, Clone)]
pub struct Page {
    pub locale: Locale,
    pub csrf_token: String,
    pub user: Option<AuthUser>,
    /// Path and query of this page, so the language switcher can come back here.
    pub path: String,
    pub tz: chrono_tz::Tz,
    /// A translated one-time notice ("Saved.") from the previous action.
    pub notice: Option<String>,
    /// The message key of [`Page::notice`] (`notice-saved`), shown as a stable marker.
    pub notice_key: Option<String>,
}

impl Page {
    pub fn build(req: &HttpRequest, ctx: &RequestContext) -> Self {
        let tz = req
            .app_data::<web::Data<AppState>>()
            .map_or(chrono_tz::Europe::Rome, |s| s.settings.timezone);
        // The language switcher comes back to this page, but never to an address that
        // holds an emailed link's secret (redirect targets carry no tokens).
        let path = match req.query_string() {
            _ if super::observability::holds_token(req.path()) => "/".to_owned(),
            "" => req.path().to_owned(),
            q => format!("{}?{q}", req.path()),
        };
        Self {
            locale: ctx.locale,
            csrf_token: ctx.csrf_token.clone(),
            user: ctx.session.as_ref().map(|s| s.user.clone()),
            path,
            tz,
            notice: ctx.flash.as_deref().map(|k| ctx.locale.t(k)),
            notice_key: ctx.flash.clone(),
        }
    }

    /// A page for requests that never went through the session middleware.
    pub fn fallback(req: &HttpRequest) -> Self {
        let locale = req
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::from_accept_language)
            .unwrap_or_default();
        Self {
            locale,
            csrf_token: String::new(),
            user: None,
            path: req.path().to_owned(),
            tz: chrono_tz::Europe::Rome,
            notice: None,
            notice_key: None,
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.locale.t(key)
    }

    pub fn t1(&self, key: &str, name: &'static str, value: impl Into<FluentArg>) -> String {
        self.locale.t_args(key, &[(name, value.into())])
    }

    pub fn date(&self, at: &NaiveDateTime) -> String {
        self.locale.date(*at, self.tz)
    }

    pub fn datetime(&self, at: &NaiveDateTime) -> String {
        self.locale.datetime(*at, self.tz)
    }

    pub fn opt_datetime<T: Copy + Into<NaiveDateTime>>(&self, at: &Option<T>) -> String {
        at.map_or_else(|| "—".to_owned(), |a| self.datetime(&a.into()))
    }

    pub fn number<N: Copy + Into<i64>>(&self, n: &N) -> String {
        self.locale.number((*n).into())
    }

    /// A decimal number with `places` decimals, with the locale's decimal mark (no
    /// thousands separator: for weights, rates, scores).
    pub fn decimal(&self, x: impl std::borrow::Borrow<f64>, places: usize) -> String {
        let x = *x.borrow();
        let text = format!("{x:.places$}");
        match self.decimal_separator() {
            '.' => text,
            mark => text.replace('.', &mark.to_string()),
        }
    }

    /// The locale's decimal mark.
    pub fn decimal_separator(&self) -> char {
        match self.locale {
            crate::i18n::Locale::It => ',',
            _ => '.',
        }
    }

    pub fn money(&self, cents: &i64) -> String {
        self.locale.money_eur(*cents)
    }

    /// An amount in any currency: euro the locale's way, others as `12500,50 CHF`; `—`
    /// when there is none.
    pub fn money_in(&self, cents: Option<i64>, currency: &str) -> String {
        match cents {
            Some(c) if currency == "EUR" => self.money(&c),
            Some(c) => format!(
                "{} {currency}",
                crate::domain::feedback_fields::format_amount(c, self.locale)
            ),
            None => "—".to_owned(),
        }
    }

    pub fn css_url(&self) -> String {
        super::assets::url("app.css")
    }

    pub fn icon_url(&self) -> String {
        super::assets::url("icon.svg")
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.role(), Some(Role::Admin | Role::Manager))
    }

    /// The languages the switcher offers (all but the current one).
    pub fn other_locales(&self) -> Vec<Locale> {
        Locale::ALL
            .into_iter()
            .filter(|l| *l != self.locale)
            .collect()
    }

    /// The name of a lead status (`lead-status-…`).
    pub fn lead_status(&self, status: impl std::fmt::Display) -> String {
        self.t(&format!("lead-status-{status}"))
    }

    /// The reason a lead waits in the unallocated queue (`unallocated-…`).
    pub fn unallocated_reason(&self, reason: &str) -> String {
        self.t(&format!("unallocated-{reason}"))
    }

    /// The label of a decline reason (`decline-…`).
    pub fn decline_reason(&self, reason: &str) -> String {
        self.t(&format!("decline-{reason}"))
    }

    /// A marketing channel code as words (`paid_search` → `paid search`).
    pub fn channel(&self, code: &str) -> String {
        code.replace('_', " ")
    }

    /// A touchpoint's channel in words, with what the dealer did for the dealer's own
    /// touches (`dealer` + `visit` → "dealer · Visit").
    pub fn touch(&self, channel: &str, kind: Option<&str>) -> String {
        match kind {
            Some(k) if channel == "dealer" => {
                format!(
                    "{} · {}",
                    self.channel(channel),
                    self.t(&format!("touch-kind-{k}"))
                )
            }
            _ => self.channel(channel),
        }
    }

    /// A touch a dealer logs, as words (`touch-kind-…`).
    pub fn touch_kind(&self, kind: &str) -> String {
        self.t(&format!("touch-kind-{kind}"))
    }

    /// What a report converted into euro at monthly rates, and what it left out for lack
    /// of a rate, one sentence each.
    pub fn currency_notes(
        &self,
        c: &crate::services::attribution::currency::Conversions,
    ) -> Vec<(&'static str, String)> {
        let converted = c.converted.iter().map(|(currency, from, to)| {
            let args = [
                (
                    "amount",
                    self.money_in(Some(*from), currency.as_str()).into(),
                ),
                ("base", self.money(to).into()),
            ];
            ("converted", self.locale.t_args("currency-converted", &args))
        });
        let left_out = c.left_out.iter().map(|(currency, month, cents)| {
            let args = [
                (
                    "amount",
                    self.money_in(Some(*cents), currency.as_str()).into(),
                ),
                ("month", month.clone().into()),
                ("currency", currency.as_str().to_owned().into()),
            ];
            ("left-out", self.locale.t_args("currency-left-out", &args))
        });
        converted.chain(left_out).collect()
    }

    pub fn role_name(&self, role: impl std::fmt::Display) -> String {
        self.t(&format!("role-{role}"))
    }
}

impl FromRequest for Page {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let page = req
            .extensions()
            .get::<RequestContext>()
            .map(|ctx| Page::build(req, ctx));
        ready(page.ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing"))))
    }
}

/// Form errors translated for the page, by field, each with its message key (shown as a
/// stable marker next to the text).
#[derive(Debug, Default, Clone)]
pub struct Errors(HashMap<&'static str, (String, String)>);

impl Errors {
    pub fn translate(errors: &FieldErrors, locale: Locale) -> Self {
        Self(
            errors
                .iter()
                .map(|e| {
                    let message = locale.t(e.key);
                    let text = match e.line {
                        Some(line) => locale.t_args(
                            "error-on-line",
                            &[
                                ("line", FluentArg::from(i64::try_from(line).unwrap_or(0))),
                                ("message", message.into()),
                            ],
                        ),
                        None => message,
                    };
                    (e.field, (e.key.to_owned(), text))
                })
                .collect(),
        )
    }

    pub fn one(field: &'static str, key: &str, locale: Locale) -> Self {
        Self(HashMap::from([(field, (key.to_owned(), locale.t(key)))]))
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(|(_, text)| text.as_str())
    }

    /// The message key of `field`'s error (`error-email-invalid`), empty if none.
    pub fn key(&self, field: &str) -> &str {
        self.0.get(field).map_or("", |(key, _)| key.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
