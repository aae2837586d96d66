//! What the lead API answers (the external contract of `DESIGN.md`), as types: the
//! answers are serialised from them and the OpenAPI document is generated from them, so
//! the two cannot drift apart.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};

use super::validation::FieldProblems;
use super::{IntakeError, MAX_BATCH};
use crate::domain::LeadStatus;
use crate::models::dealer::Dealer;
use crate::models::lead::{LeadRow, TouchpointRow};
use crate::models::offer::Offer;
use crate::services::allocation::decision::UnallocatedReason;

/// A time as the JSON contract writes it (RFC 3339, UTC, microseconds).
pub fn contract_time(t: impl Into<chrono::NaiveDateTime>) -> String {
    t.into()
        .and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A touchpoint as the JSON contract writes it (the lead API and the outcome events).
pub fn touchpoint_json(t: &TouchpointRow) -> serde_json::Value {
    serde_json::to_value(TouchpointView::of(t)).unwrap_or_default()
}

fn text_enum(values: impl IntoIterator<Item = &'static str>, nullable: bool) -> Object {
    let kind = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    let mut values: Vec<Option<&str>> = values.into_iter().map(Some).collect();
    if nullable {
        values.push(None);
    }
    ObjectBuilder::new()
        .schema_type(kind)
        .enum_values(Some(values))
        .build()
}

fn lead_status_schema() -> Object {
    text_enum(LeadStatus::ALL.map(LeadStatus::as_str), false)
}

/// Why a lead waits for a channel manager (`null` while it does not).
fn unallocated_reason_schema() -> Object {
    use UnallocatedReason::*;
    let reasons = [
        NoTerritoryMatch,
        NoDealerForProductLine,
        AllDeclined,
        AllAtCapacity,
        MaxOffersReached,
    ];
    text_enum(reasons.map(UnallocatedReason::as_str), true)
}

/// The dealer a lead is with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DealerRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

impl DealerRef {
    pub fn of(dealer: &Dealer) -> Self {
        Self {
            id: dealer.id,
            code: dealer.code.clone(),
            name: dealer.name.clone(),
        }
    }
}

/// A lead as stored after intake.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StoredLead {
    pub id: i64,
    pub external_id: String,
    #[schema(schema_with = lead_status_schema)]
    pub status: String,
    pub dealer: Option<DealerRef>,
    #[schema(schema_with = unallocated_reason_schema)]
    pub unallocated_reason: Option<String>,
}

impl StoredLead {
    pub fn of(lead: LeadRow, dealer: Option<&Dealer>) -> Self {
        Self {
            id: lead.id,
            external_id: lead.external_id,
            status: lead.status.to_string(),
            dealer: dealer.map(DealerRef::of),
            unallocated_reason: lead.unallocated_reason.map(|r| r.to_string()),
        }
    }
}

/// A lead already received with the same `external_id` and other content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConflictingLead {
    #[serde(flatten)]
    pub lead: StoredLead,
    pub message: &'static str,
    /// The fields that differ from the lead already received.
    pub differing_fields: Vec<&'static str>,
}

/// A lead that was not stored, with every problem by its field path.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvalidLead {
    /// As sent, if it was a string.
    pub external_id: Option<String>,
    pub errors: FieldProblems,
}

/// What happened to one submitted lead.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum LeadResult {
    /// Stored (and, with consent, offered).
    Created(StoredLead),
    /// Received before with the same content: nothing changed.
    Duplicate(StoredLead),
    Conflict(ConflictingLead),
    Invalid(InvalidLead),
}

/// One lead's result in a batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchItem {
    /// Position in the batch.
    pub index: usize,
    #[serde(flatten)]
    pub result: LeadResult,
}

/// How many leads of a batch had each result.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct BatchSummary {
    pub created: usize,
    pub duplicate: usize,
    pub conflict: usize,
    pub invalid: usize,
}

/// The answer to a batch: one result per lead, in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchResults {
    pub summary: BatchSummary,
    pub results: Vec<BatchItem>,
}

impl BatchResults {
    pub fn of(results: Vec<LeadResult>) -> Self {
        let mut summary = BatchSummary::default();
        for result in &results {
            *match result {
                LeadResult::Created(_) => &mut summary.created,
                LeadResult::Duplicate(_) => &mut summary.duplicate,
                LeadResult::Conflict(_) => &mut summary.conflict,
                LeadResult::Invalid(_) => &mut summary.invalid,
            } += 1;
        }
        let results = results
            .into_iter()
            .enumerate()
            .map(|(index, result)| BatchItem { index, result })
            .collect();
        Self { summary, results }
    }
}

/// The answer to `POST /api/v1/leads`: one lead's result, or a batch's.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Submitted {
    One(LeadResult),
    Batch(BatchResults),
}

/// A client error of the API: `{"error": code, "message": text, …}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiProblem {
    #[schema(examples("malformed_json", "invalid", "batch_too_large", "unauthorized"))]
    pub error: &'static str,
    pub message: String,
    /// Where malformed JSON breaks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldProblems>,
}

impl ApiProblem {
    pub fn new(error: &'static str, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            line: None,
            column: None,
            errors: None,
        }
    }
}

impl IntakeError {
    /// The answer's body for a client error; `None` for a server-side failure.
    pub fn problem(&self) -> Option<ApiProblem> {
        let message = self.to_string();
        Some(match self {
            IntakeError::UnsupportedMediaType => ApiProblem::new("unsupported_media_type", message),
            IntakeError::MalformedJson(e) => ApiProblem {
                line: Some(e.line()),
                column: Some(e.column()),
                ..ApiProblem::new("malformed_json", message)
            },
            IntakeError::Invalid { errors, .. } => ApiProblem {
                errors: errors.clone(),
                ..ApiProblem::new("invalid", message)
            },
            IntakeError::BatchTooLarge(_) => ApiProblem::new("batch_too_large", message),
            IntakeError::LeadNotFound => ApiProblem::new("not_found", message),
            IntakeError::App(_) => return None,
        })
    }
}

const _: () = assert!(MAX_BATCH == 1000, "the schema of LeadBatch says 1000");

/// A touchpoint as the contract writes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = TouchpointOut)]
pub struct TouchpointView<'a> {
    #[schema(format = DateTime)]
    pub occurred_at: String,
    pub channel: &'a str,
    pub source: Option<&'a str>,
    pub medium: Option<&'a str>,
    pub campaign: Option<&'a str>,
    pub content: Option<&'a str>,
    pub kind: Option<&'a str>,
}

impl<'a> TouchpointView<'a> {
    pub fn of(t: &'a TouchpointRow) -> Self {
        Self {
            occurred_at: contract_time(t.occurred_at),
            channel: &t.channel,
            source: t.source.as_deref(),
            medium: t.medium.as_deref(),
            campaign: t.campaign.as_deref(),
            content: t.content.as_deref(),
            kind: t.kind.as_deref(),
        }
    }
}

/// One offer of the lead to a dealer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment<'a> {
    pub dealer: Option<DealerRef>,
    #[schema(examples("open", "accepted", "declined", "expired", "withdrawn"))]
    pub status: String,
    #[schema(format = DateTime)]
    pub offered_at: String,
    #[schema(format = DateTime)]
    pub deadline_at: String,
    #[schema(format = DateTime)]
    pub responded_at: Option<String>,
    pub decline_reason: Option<&'a str>,
}

/// Whether the customer agreed to share the lead with dealers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    pub share_with_dealers: bool,
}

/// How a lead ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadOutcome {
    #[schema(examples("won", "lost"))]
    pub result: String,
    #[schema(format = DateTime)]
    pub at: String,
}

/// A lead's status, assignment history, touchpoints and outcome
/// (`GET /api/v1/leads/{external_id}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadView<'a> {
    pub id: i64,
    pub external_id: &'a str,
    #[schema(format = DateTime)]
    pub received_at: String,
    #[schema(schema_with = lead_status_schema)]
    pub status: String,
    #[schema(format = DateTime)]
    pub status_changed_at: String,
    pub dealer: Option<DealerRef>,
    #[schema(schema_with = unallocated_reason_schema)]
    pub unallocated_reason: Option<String>,
    pub consent: ConsentView,
    pub assignments: Vec<Assignment<'a>>,
    pub touchpoints: Vec<TouchpointView<'a>>,
    pub outcome: Option<LeadOutcome>,
}

/// A stored lead with what the lead API shows of it (read by [`super::find_lead`]).
#[derive(Debug, Clone)]
pub struct LeadRecord {
    pub lead: LeadRow,
    pub offers: Vec<Offer>,
    /// Every dealer the lead is or was with, once each.
    pub dealers: Vec<Dealer>,
    pub touchpoints: Vec<TouchpointRow>,
}

impl LeadRecord {
    /// The lead as the contract writes it.
    pub fn view(&self) -> LeadView<'_> {
        let lead = &self.lead;
        let dealer = |id: i64| self.dealers.iter().find(|d| d.id == id).map(DealerRef::of);
        let status = lead.status.to_string();
        let outcome =
            matches!(lead.status, LeadStatus::Won | LeadStatus::Lost).then(|| LeadOutcome {
                result: status.clone(),
                at: contract_time(lead.status_changed_at),
            });
        LeadView {
            id: lead.id,
            external_id: &lead.external_id,
            received_at: contract_time(lead.received_at),
            status,
            status_changed_at: contract_time(lead.status_changed_at),
            dealer: lead.dealer_id.and_then(dealer),
            unallocated_reason: lead.unallocated_reason.as_ref().map(|r| r.to_string()),
            consent: ConsentView {
                share_with_dealers: lead.consent_share,
            },
            assignments: self
                .offers
                .iter()
                .map(|o| Assignment {
                    dealer: dealer(o.dealer_id),
                    status: o.status.to_string(),
                    offered_at: contract_time(o.offered_at),
                    deadline_at: contract_time(o.deadline_at),
                    responded_at: o.responded_at.map(contract_time),
                    decline_reason: o.decline_reason.as_deref(),
                })
                .collect(),
            touchpoints: self.touchpoints.iter().map(TouchpointView::of).collect(),
            outcome,
        }
    }
}
