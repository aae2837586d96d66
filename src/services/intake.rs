//! Lead intake from the marketing system (the JSON API, CSV import, the demo):
//!
//! - [`input`]: a lead as sent ([`RawLead`]), plain serde structs that take any JSON value;
//! - [`validation`]: [`LeadInput::parse`] checks and normalises it, naming every problem
//!   by its field path;
//! - [`storage`]: one lead stored idempotently, the consent gate, the first offer;
//! - [`batch`]: many leads stored in one transaction;
//! - [`submission`]: the lead API's requests as service calls, and [`contract`] its
//!   answers (from which the OpenAPI document is generated);
//! - [`added`]: touchpoints the marketing system sends after the lead was handed over.
//!
//! Each lead is stored in a savepoint of its own, so in a batch the good leads are kept
//! and the bad ones reported. Re-sending a lead with the same content is harmless; the
//! same `external_id` with different content is a conflict naming the fields that differ.

pub mod added;
pub mod batch;
pub mod contract;
pub mod input;
pub mod storage;
pub mod submission;
pub mod validation;

pub use batch::{Batch, SNAPSHOT_FROM};
pub use contract::{contract_time, touchpoint_json};
pub use input::{Lenient, RawLead};
pub use storage::{IntakeOutcome, store_lead, store_lead_at};
pub use submission::{find_lead, submit};
pub use validation::{FieldProblem, FieldProblems, LeadInput, TouchpointInput};

use crate::error::AppError;

/// Most leads accepted in one request.
pub const MAX_BATCH: usize = 1000;
/// Most touchpoints on one lead.
pub const MAX_TOUCHPOINTS: usize = 200;

/// Why a request to the lead API was not carried out (each lead's own problems are in
/// its result, not here).
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("send the leads as application/json")]
    UnsupportedMediaType,
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(serde_json::Error),
    /// The body is JSON but not a lead or a batch of them.
    #[error("{message}")]
    Invalid {
        message: &'static str,
        errors: Option<FieldProblems>,
    },
    #[error("at most {MAX_BATCH} leads per request; this one has {0}")]
    BatchTooLarge(usize),
    #[error("no lead with this external_id from this source")]
    LeadNotFound,
    #[error(transparent)]
    App(#[from] AppError),
}
