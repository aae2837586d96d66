//! Integration tests: the portal driven over HTTP like a browser, on SQLite by default and
//! on PostgreSQL when `DEALERLOOP_TEST_DATABASE_URL` is set.
//!
//! How they read:
//! - Set data up the way users and clients do: leads with [`helpers::LeadBody`] through the
//!   intake API and a token from `app.api_token()`; dealers and users through the services
//!   behind the admin pages (`app.create_dealer`, `app.create_user`); everything else through
//!   the pages. Background runs (deadlines, feedback timers) are called directly.
//! - Assert what a user or client sees: a page, a JSON answer, a mail. A test reads storage
//!   (`dealerloop::schema`) only when storage is what it is about (migrations, races and
//!   idempotency counting rows, the outbox, "nothing was written"), and says so.
//! - On pages, assert stable markers, not sentences: `page.has_notice("notice-saved")`
//!   (`data-notice`), `page.error_key("email")` (`data-error`), `page.has("data-status",
//!   "accepted")`, `page.count("offers-title")` (`data-count`), ids. The language tests
//!   (`i18n.rs`, the `*_in_italian`/`*_in_english` ones) assert the translated text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly"
)]

mod helpers;

mod admin;
mod attribution;
mod attribution_money;
mod auth;
mod batch_allocation;
mod browser;
mod cli;
mod csv_import;
mod deadlines;
mod dealer_boundary;
mod dealer_score;
mod dealer_table;
mod email;
mod feedback;
mod i18n;
mod inbox;
mod intake;
mod intake_race;
mod leads;
mod login_hardening;
mod metrics_access;
mod migrations;
mod offer_links;
mod ops;
mod password_links;
mod replay;
mod security;
mod sessions;
mod simulation;
mod writer_wait;
