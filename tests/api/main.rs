//! Integration tests: the portal driven over HTTP like a browser, on SQLite by default and
//! on PostgreSQL when `DEALERLOOP_TEST_DATABASE_URL` is set.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly"
)]

mod helpers;

mod admin;
mod auth;
mod batch_allocation;
mod browser;
mod cli;
mod csv_import;
mod deadlines;
mod dealer_boundary;
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
mod writer_wait;
