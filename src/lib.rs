//! dealerloop: a portal that hands qualified leads to independent dealers, collects their
//! post-sale feedback, scores them on it and feeds outcomes back to marketing attribution.
//!
//! Layers, each knowing only those below it: `routes` (HTTP) → `services` (domain rules)
//! → `models` (diesel rows and queries) → `db` (connections, pools, migrations).

pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod fixtures;
pub mod i18n;
pub mod models;
pub mod routes;
pub mod schema;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod web;
