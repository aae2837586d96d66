//! Typed settings: built-in defaults, then an optional TOML file (`dealerloop.toml`, or the
//! file named by `DEALERLOOP_CONFIG`), then `DATABASE_URL`, then `DEALERLOOP_*` variables.
//! Invalid settings stop start-up with a message naming the setting. Secrets are wrapped
//! in [`Secret`] so they never reach a log line.

use std::fmt;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::db::DatabaseUrl;

/// A value that must not be printed.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret given in code (tests, tools).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// Settings as they are read, before validation.
#[derive(Debug, Clone, Deserialize, Serialize)]
struct RawSettings {
    database_url: Secret,
    host: String,
    port: u16,
    public_url: Option<String>,
    workers: Option<usize>,
    db_pool_size: u32,
    db_writer_wait_ms: u64,
    session_idle_minutes: u32,
    session_absolute_hours: u32,
    offer_deadline_hours: u32,
    offer_deadline_business_hours: bool,
    feedback_after_days: u32,
    feedback_window_days: u32,
    max_offers_per_lead: u32,
    score_half_life_days: f64,
    score_prior_observations: f64,
    weight_floor: f64,
    weight_cap: f64,
    attribution_position_end_share: f64,
    attribution_w_anchor_share: f64,
    attribution_time_decay_half_life_days: f64,
    attribution_markov_order: u32,
    attribution_horizon_days: u32,
    hsts: Option<bool>,
    trust_proxy: bool,
    proxy_hops: u32,
    metrics_token: Option<Secret>,
    metrics_addr: Option<String>,
    timezone: String,
    log_format: String,
    email_backend: String,
    email_outbox_dir: PathBuf,
    email_from: String,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_tls: String,
    smtp_username: Option<String>,
    smtp_password: Option<Secret>,
}

impl Default for RawSettings {
    fn default() -> Self {
        Self {
            database_url: Secret("sqlite://dealerloop.db".into()),
            host: "127.0.0.1".into(),
            port: 8080,
            public_url: None,
            workers: None,
            db_pool_size: 8,
            db_writer_wait_ms: 5000,
            session_idle_minutes: 8 * 60,
            session_absolute_hours: 7 * 24,
            offer_deadline_hours: 48,
            offer_deadline_business_hours: false,
            feedback_after_days: 30,
            feedback_window_days: 14,
            max_offers_per_lead: 3,
            score_half_life_days: 90.0,
            score_prior_observations: 5.0,
            weight_floor: 0.5,
            weight_cap: 2.0,
            attribution_position_end_share: 0.4,
            attribution_w_anchor_share: 0.3,
            attribution_time_decay_half_life_days: 7.0,
            attribution_markov_order: 1,
            attribution_horizon_days: 180,
            hsts: None,
            trust_proxy: false,
            proxy_hops: 1,
            metrics_token: None,
            metrics_addr: None,
            timezone: "Europe/Rome".into(),
            log_format: "text".into(),
            email_backend: "file".into(),
            email_outbox_dir: PathBuf::from("mail-outbox"),
            email_from: "dealerloop <no-reply@dealerloop.localhost>".into(),
            smtp_host: None,
            smtp_port: None,
            smtp_tls: "starttls".into(),
            smtp_username: None,
            smtp_password: None,
        }
    }
}

/// How outgoing email leaves the process.
#[derive(Debug, Clone)]
pub enum EmailSettings {
    /// Each message is written as an `.eml` file in this folder (the zero-configuration default).
    File { dir: PathBuf },
    /// Delivered to an SMTP relay.
    Smtp {
        host: String,
        port: u16,
        tls: SmtpTls,
        username: Option<String>,
        password: Option<Secret>,
    },
    /// Kept in memory, for tests.
    Memory,
}

/// Transport security towards the SMTP relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Implicit TLS (port 465).
    Tls,
    /// STARTTLS upgrade, required.
    StartTls,
    /// Plain text; only for a relay on the same host or in tests.
    None,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub host: String,
    pub port: u16,
    /// The address people reach the portal at; used in emailed links and origin checks.
    /// `None` means `http://host:port` with the port actually bound.
    pub public_url: Option<url::Url>,
    pub workers: usize,
    pub db_pool_size: u32,
    /// How long a request waits for the database writer before it is answered 503 with
    /// `Retry-After` (on PostgreSQL: for a row or table lock, `lock_timeout`).
    pub db_writer_wait: std::time::Duration,
    pub session_idle: chrono::TimeDelta,
    pub session_absolute: chrono::TimeDelta,
    /// How long a dealer has to answer an offer.
    pub offer_deadline: chrono::TimeDelta,
    /// Count offer deadlines in business hours only (Monday–Friday, 9:00–18:00 local).
    pub offer_business_hours: bool,
    /// A feedback request opens this long after acceptance when no outcome was reported.
    pub feedback_after: chrono::TimeDelta,
    /// A feedback request can be filled in and edited this long after it opens.
    pub feedback_window: chrono::TimeDelta,
    /// How many dealers a lead is offered to before it waits for a channel manager.
    pub max_offers_per_lead: usize,
    /// The dealer score's rule (half-life, prior, weight floor and cap, feedback timings).
    pub score_rule: crate::services::dealer_score::ScoreRule,
    /// The attribution models' shares, the Markov order and the horizon after which an
    /// open lead counts as not converted.
    pub attribution: crate::services::attribution::Settings,
    pub hsts: bool,
    pub trust_proxy: bool,
    /// With `trust_proxy`, how many proxies of ours a request passes through: the client
    /// is the `proxy_hops`-th address from the right of `X-Forwarded-For`.
    pub proxy_hops: usize,
    /// When set, `/metrics` on the public address answers a request that carries
    /// `Authorization: Bearer <token>`; otherwise it is not found there.
    pub metrics_token: Option<Secret>,
    /// When set, `/metrics` is also served, without a token, on this separate address
    /// (port 0 picks a free one), meant for the monitoring network only.
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub timezone: chrono_tz::Tz,
    pub log_format: LogFormat,
    pub email: EmailSettings,
    pub email_from: lettre::message::Mailbox,
    /// Run background workers (mail delivery, clean-up) in this process.
    pub run_workers: bool,
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A setting that could not be used, with the name a person would set.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {name}: {reason}")]
pub struct SettingsError {
    pub name: String,
    pub reason: String,
}

fn invalid(key: &str, reason: impl Into<String>) -> SettingsError {
    SettingsError {
        name: format!("DEALERLOOP_{} ({key})", key.to_uppercase()),
        reason: reason.into(),
    }
}

impl Settings {
    /// Reads settings from the environment and the optional file.
    pub fn load() -> Result<Self, SettingsError> {
        let file = std::env::var("DEALERLOOP_CONFIG").ok();
        let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
        figment = match &file {
            Some(path) => {
                if !std::path::Path::new(path).exists() {
                    return Err(SettingsError {
                        name: "DEALERLOOP_CONFIG".into(),
                        reason: format!("the file {path} does not exist"),
                    });
                }
                figment.merge(Toml::file(path))
            }
            None => figment.merge(Toml::file("dealerloop.toml")),
        };
        let figment = figment
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("DEALERLOOP_").ignore(&["CONFIG", "LOG", "TEST_DATABASE_URL"]));
        Self::from_figment(figment)
    }

    /// Settings for a given database with every other value at its default (tests, tools).
    pub fn for_database(url: &str) -> Result<Self, SettingsError> {
        Self::from_figment(
            Figment::from(Serialized::defaults(RawSettings::default()))
                .merge(Serialized::default("database_url", url)),
        )
    }

    fn from_figment(figment: Figment) -> Result<Self, SettingsError> {
        let raw: RawSettings = figment.extract().map_err(|e| {
            let key = e.path.join(".");
            SettingsError {
                name: if key.is_empty() {
                    "configuration".into()
                } else {
                    format!("DEALERLOOP_{} ({key})", key.to_uppercase())
                },
                reason: e.kind.to_string(),
            }
        })?;
        raw.validate()
    }
}

impl RawSettings {
    fn validate(self) -> Result<Settings, SettingsError> {
        let database_url = DatabaseUrl::parse(self.database_url.expose())
            .map_err(|reason| invalid("database_url", reason))?;
        let public_url = match &self.public_url {
            None => None,
            Some(s) => {
                let url = url::Url::parse(s)
                    .map_err(|e| invalid("public_url", format!("not a URL: {e}")))?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(invalid(
                        "public_url",
                        "must be an http:// or https:// address",
                    ));
                }
                Some(url)
            }
        };
        let https = public_url.as_ref().is_some_and(|u| u.scheme() == "https");
        if self.session_idle_minutes == 0 {
            return Err(invalid("session_idle_minutes", "must be at least 1"));
        }
        if self.session_absolute_hours == 0 {
            return Err(invalid("session_absolute_hours", "must be at least 1"));
        }
        if !(1..=24 * 30).contains(&self.offer_deadline_hours) {
            return Err(invalid("offer_deadline_hours", "must be between 1 and 720"));
        }
        if !(1..=365).contains(&self.feedback_after_days) {
            return Err(invalid("feedback_after_days", "must be between 1 and 365"));
        }
        if !(1..=90).contains(&self.feedback_window_days) {
            return Err(invalid("feedback_window_days", "must be between 1 and 90"));
        }
        if !(1..=50).contains(&self.max_offers_per_lead) {
            return Err(invalid("max_offers_per_lead", "must be between 1 and 50"));
        }
        if !(1.0..=3650.0).contains(&self.score_half_life_days) {
            return Err(invalid(
                "score_half_life_days",
                "must be between 1 and 3650",
            ));
        }
        if !(0.0..=1000.0).contains(&self.score_prior_observations) {
            return Err(invalid(
                "score_prior_observations",
                "must be between 0 and 1000",
            ));
        }
        if !(0.05..=1.0).contains(&self.weight_floor) {
            return Err(invalid("weight_floor", "must be between 0.05 and 1"));
        }
        if !(0.0..=0.5).contains(&self.attribution_position_end_share) {
            return Err(invalid(
                "attribution_position_end_share",
                "must be between 0 and 0.5 (the first and the last touch each get it)",
            ));
        }
        if !(0.0..=1.0 / 3.0).contains(&self.attribution_w_anchor_share) {
            return Err(invalid(
                "attribution_w_anchor_share",
                "must be between 0 and 0.333 (three anchors each get it)",
            ));
        }
        if !(0.1..=3650.0).contains(&self.attribution_time_decay_half_life_days) {
            return Err(invalid(
                "attribution_time_decay_half_life_days",
                "must be between 0.1 and 3650",
            ));
        }
        if !(1..=3).contains(&self.attribution_markov_order) {
            return Err(invalid("attribution_markov_order", "must be 1, 2 or 3"));
        }
        if !(1..=3650).contains(&self.attribution_horizon_days) {
            return Err(invalid(
                "attribution_horizon_days",
                "must be between 1 and 3650",
            ));
        }
        if !(1.0..=20.0).contains(&self.weight_cap) {
            return Err(invalid("weight_cap", "must be between 1 and 20"));
        }
        if !(1..=10).contains(&self.proxy_hops) {
            return Err(invalid("proxy_hops", "must be between 1 and 10"));
        }
        let metrics_token = match &self.metrics_token {
            Some(token) if token.expose().trim().is_empty() => None,
            Some(token) if token.expose().trim().len() < 16 || token.expose().len() > 512 => {
                return Err(invalid(
                    "metrics_token",
                    "must be 16 to 512 characters (use a long random value)",
                ));
            }
            Some(token) if !token.expose().chars().all(|c| c.is_ascii_graphic()) => {
                return Err(invalid(
                    "metrics_token",
                    "may hold only visible ASCII characters, no spaces",
                ));
            }
            other => other.clone(),
        };
        let metrics_addr = match self.metrics_addr.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(addr) => Some(addr.parse().map_err(|_| {
                invalid(
                    "metrics_addr",
                    format!("'{addr}' is not an address and port such as 127.0.0.1:9090"),
                )
            })?),
        };
        if !(1..=200).contains(&self.db_pool_size) {
            return Err(invalid("db_pool_size", "must be between 1 and 200"));
        }
        if !(100..=600_000).contains(&self.db_writer_wait_ms) {
            return Err(invalid(
                "db_writer_wait_ms",
                "must be between 100 and 600000 (ten minutes)",
            ));
        }
        let timezone: chrono_tz::Tz = self
            .timezone
            .parse()
            .map_err(|_| invalid("timezone", format!("unknown time zone '{}'", self.timezone)))?;
        let log_format = match self.log_format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "log_format",
                    format!("'{other}' is not text or json"),
                ));
            }
        };
        let email = match self.email_backend.as_str() {
            "file" => EmailSettings::File {
                dir: self.email_outbox_dir.clone(),
            },
            "memory" => EmailSettings::Memory,
            "smtp" => {
                let host = self
                    .smtp_host
                    .clone()
                    .filter(|h| !h.trim().is_empty())
                    .ok_or_else(|| invalid("smtp_host", "required when email_backend is smtp"))?;
                let tls = match self.smtp_tls.as_str() {
                    "tls" => SmtpTls::Tls,
                    "starttls" => SmtpTls::StartTls,
                    "none" => SmtpTls::None,
                    other => {
                        return Err(invalid(
                            "smtp_tls",
                            format!("'{other}' is not tls, starttls or none"),
                        ));
                    }
                };
                let port = self.smtp_port.unwrap_or(match tls {
                    SmtpTls::Tls => 465,
                    SmtpTls::StartTls => 587,
                    SmtpTls::None => 25,
                });
                EmailSettings::Smtp {
                    host,
                    port,
                    tls,
                    username: self.smtp_username.clone(),
                    password: self.smtp_password.clone(),
                }
            }
            other => {
                return Err(invalid(
                    "email_backend",
                    format!("'{other}' is not file, smtp or memory"),
                ));
            }
        };
        let email_from = self
            .email_from
            .parse()
            .map_err(|e| invalid("email_from", format!("not an email address: {e}")))?;
        Ok(Settings {
            database_url,
            host: self.host,
            port: self.port,
            public_url,
            workers: self
                .workers
                .filter(|w| *w > 0)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            db_pool_size: self.db_pool_size,
            db_writer_wait: std::time::Duration::from_millis(self.db_writer_wait_ms),
            session_idle: chrono::TimeDelta::minutes(self.session_idle_minutes.into()),
            session_absolute: chrono::TimeDelta::hours(self.session_absolute_hours.into()),
            offer_deadline: chrono::TimeDelta::hours(self.offer_deadline_hours.into()),
            offer_business_hours: self.offer_deadline_business_hours,
            feedback_after: chrono::TimeDelta::days(self.feedback_after_days.into()),
            feedback_window: chrono::TimeDelta::days(self.feedback_window_days.into()),
            max_offers_per_lead: usize::try_from(self.max_offers_per_lead).unwrap_or(3),
            score_rule: crate::services::dealer_score::ScoreRule {
                half_life_days: self.score_half_life_days,
                prior_observations: self.score_prior_observations,
                window_days: f64::from(self.feedback_window_days),
                floor: self.weight_floor,
                cap: self.weight_cap,
                outcome_after_days: f64::from(self.feedback_after_days),
                ..crate::services::dealer_score::ScoreRule::default()
            },
            attribution: crate::services::attribution::Settings {
                position_end_share: self.attribution_position_end_share,
                w_anchor_share: self.attribution_w_anchor_share,
                time_decay_half_life_days: self.attribution_time_decay_half_life_days,
                markov_order: usize::try_from(self.attribution_markov_order).unwrap_or(1),
                horizon_days: i64::from(self.attribution_horizon_days),
            },
            hsts: self.hsts.unwrap_or(https),
            trust_proxy: self.trust_proxy,
            proxy_hops: usize::try_from(self.proxy_hops).unwrap_or(1),
            metrics_token,
            metrics_addr,
            timezone,
            log_format,
            email,
            email_from,
            run_workers: true,
        })
    }
}

impl Settings {
    /// Whether people reach the portal over TLS (cookies get `Secure`).
    /// The address people reach the portal at, without a trailing slash: the public URL,
    /// or `http://host:port` with `port` (the port actually bound).
    pub fn base_url(&self, port: u16) -> String {
        match &self.public_url {
            Some(u) => u.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}:{port}", self.host),
        }
    }

    pub fn served_over_tls(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

#[cfg(test)]
mod tests {
    use figment::Figment;
    use figment::providers::Serialized;

    use super::*;

    fn with(key: &str, value: &str) -> Result<Settings, SettingsError> {
        Settings::from_figment(
            Figment::from(Serialized::defaults(RawSettings::default()))
                .merge(Serialized::default(key, value)),
        )
    }

    #[test]
    fn the_defaults_run_on_sqlite_with_a_file_outbox() {
        let settings = with("host", "127.0.0.1").map_err(|e| e.to_string());
        assert!(matches!(
            settings.as_ref().map(|s| s.database_url.backend),
            Ok(crate::db::Backend::Sqlite)
        ));
        assert!(matches!(
            settings.as_ref().map(|s| &s.email),
            Ok(EmailSettings::File { .. })
        ));
        assert_eq!(settings.as_ref().map(Settings::served_over_tls), Ok(false));
    }

    #[test]
    fn an_invalid_setting_names_the_variable_to_fix() {
        for (key, value, name) in [
            ("port", "eighty", "DEALERLOOP_PORT"),
            ("database_url", "mysql://db/x", "DEALERLOOP_DATABASE_URL"),
            ("timezone", "Mars/Olympus", "DEALERLOOP_TIMEZONE"),
            ("email_backend", "pigeon", "DEALERLOOP_EMAIL_BACKEND"),
            ("public_url", "ftp://x", "DEALERLOOP_PUBLIC_URL"),
            ("email_from", "not an address", "DEALERLOOP_EMAIL_FROM"),
            ("proxy_hops", "0", "DEALERLOOP_PROXY_HOPS"),
            ("proxy_hops", "11", "DEALERLOOP_PROXY_HOPS"),
            ("proxy_hops", "two", "DEALERLOOP_PROXY_HOPS"),
            ("metrics_token", "short", "DEALERLOOP_METRICS_TOKEN"),
            (
                "metrics_token",
                "a long token with spaces",
                "DEALERLOOP_METRICS_TOKEN",
            ),
            ("metrics_addr", "localhost", "DEALERLOOP_METRICS_ADDR"),
        ] {
            let message = with(key, value)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(message.contains(name), "{key}={value}: {message}");
        }
    }

    #[test]
    fn smtp_needs_a_host_and_https_turns_on_hsts() {
        let smtp = with("email_backend", "smtp")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(smtp.contains("DEALERLOOP_SMTP_HOST"), "{smtp}");
        let tls =
            with("public_url", "https://portal.example.it").map(|s| (s.hsts, s.served_over_tls()));
        assert!(matches!(tls, Ok((true, true))));
    }

    #[test]
    fn one_proxy_hop_and_no_metrics_outside_the_portal_by_default() {
        let settings = with("host", "127.0.0.1")
            .map(|s| (s.proxy_hops, s.metrics_token.is_none(), s.metrics_addr));
        assert!(matches!(settings, Ok((1, true, None))));
        let hops = |n: u32| {
            Settings::from_figment(
                Figment::from(Serialized::defaults(RawSettings::default()))
                    .merge(Serialized::default("proxy_hops", n)),
            )
            .map(|s| s.proxy_hops)
            .map_err(|e| e.to_string())
        };
        assert_eq!(hops(2), Ok(2));
        for refused in [0, 11] {
            let message = hops(refused).err().unwrap_or_default();
            assert!(message.contains("DEALERLOOP_PROXY_HOPS"), "{message}");
        }
        let addr = with("metrics_addr", "127.0.0.1:9090").map(|s| s.metrics_addr);
        assert_eq!(addr.ok().flatten(), "127.0.0.1:9090".parse().ok());
    }

    #[test]
    fn secrets_are_not_printed() {
        let settings =
            with("database_url", "postgres://app:hunter2@db/x").map(|s| format!("{s:?}"));
        let shown = settings.unwrap_or_default();
        assert!(!shown.contains("hunter2"), "{shown}");
        let token = with("metrics_token", "prometheus-scrape-7f3a9c").map(|s| format!("{s:?}"));
        let shown = token.unwrap_or_default();
        assert!(
            shown.contains("metrics_token") && !shown.contains("7f3a9c"),
            "{shown}"
        );
        assert!(format!("{:?}", Secret("pw".into())).contains("***"));
    }
}
