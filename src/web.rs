//! The web plumbing shared by every route: application state, sessions and the current
//! user, CSRF, security headers, locale, error pages, observability and static files.

pub mod assets;
pub mod charts;
pub mod csrf;
pub mod error_pages;
pub mod fragments;
pub mod headers;
pub mod multipart;
pub mod observability;
pub mod page;
pub mod request_context;
pub mod roles;
pub mod score_card;
pub mod search;

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::email::MailQueue;
use crate::services::auth::SessionPolicy;

pub use page::Page;
pub use request_context::{CurrentUser, RequestContext};
pub use roles::{Admin, DealerUser, Staff};
pub use search::SearchQuery;

/// Everything a handler may need, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub mail: MailQueue,
    pub metrics: Arc<observability::Metrics>,
    /// The address people reach the portal at, without a trailing slash.
    pub base_url: Arc<str>,
    /// Rendered parts of the staff's dealer views, kept while their figures hold.
    pub fragments: Arc<fragments::Fragments>,
    /// Rendered score history charts, kept by dealer and latest point.
    pub history_charts: Arc<fragments::Fragments>,
    /// The staff's dealer pages (title and body), kept by a fingerprint of their data.
    pub dealer_pages: Arc<fragments::Memo<(Arc<str>, Arc<str>)>>,
}

impl AppState {
    /// Offer deadlines and limits from the settings, with this portal's address for links.
    pub fn offer_policy(&self) -> crate::services::allocation::OfferPolicy {
        crate::services::allocation::OfferPolicy::from_settings(
            &self.settings,
            self.base_url.to_string(),
        )
    }

    /// Feedback request timings from the settings, with this portal's address for links.
    pub fn feedback_policy(&self) -> crate::services::feedback::FeedbackPolicy {
        crate::services::feedback::FeedbackPolicy {
            open_after: self.settings.feedback_after,
            window: self.settings.feedback_window,
            base_url: self.base_url.to_string(),
            tz: self.settings.timezone,
            ..Default::default()
        }
    }

    /// The dealer score's rule, from the settings.
    pub fn score_rule(&self) -> crate::services::dealer_score::ScoreRule {
        self.settings.score_rule
    }

    /// The attribution models' settings.
    pub fn attribution(&self) -> crate::services::attribution::Settings {
        self.settings.attribution
    }

    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle: self.settings.session_idle,
            absolute: self.settings.session_absolute,
        }
    }
}

/// Cookie holding the session secret.
pub const SESSION_COOKIE: &str = "dl_session";
/// Cookie holding the CSRF token of a visitor who is not logged in.
pub const ANON_CSRF_COOKIE: &str = "dl_csrf";
/// Cookie holding the language chosen by a visitor who is not logged in.
pub const LOCALE_COOKIE: &str = "dl_lang";
/// Cookie carrying a one-time notice key to the next page.
pub const FLASH_COOKIE: &str = "dl_flash";
