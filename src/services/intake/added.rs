//! `POST /api/v1/leads/{external_id}/touchpoints`: touchpoints that happen after a lead
//! was handed over (a webinar, a trade-fair visit, a nurturing email), appended to the
//! lead's journey. Append-only and idempotent by the client's `touchpoint_id`: the same id
//! with the same content is a duplicate, with other content a conflict. A touchpoint
//! reaching a lead that was already won re-credits its revenue in the same transaction.

use serde::{Deserialize as _, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::input::{Lenient, RawAddedTouchpoint, RawAddedTouchpoints};
use super::validation::{AddedTouchpointInput, FieldProblems};
use super::{IntakeError, MAX_TOUCHPOINTS};
use crate::db::{self, Db, DbConnection};
use crate::domain::TouchpointOrigin;
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewAddedTouchpoint};
use crate::services::attribution::{Settings, credits};

/// What happened to one touchpoint sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddedStatus {
    Created,
    /// Sent before with the same content: nothing changed.
    Duplicate,
    /// Sent before under this `touchpoint_id` with different content: nothing changed.
    Conflict,
    Invalid,
}

/// One touchpoint's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddedResult {
    /// As sent (absent when it was not a string).
    pub touchpoint_id: Option<String>,
    pub status: AddedStatus,
    /// Every problem with the touchpoint, by field path (for `invalid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FieldProblems>,
}

/// The answer: one result per touchpoint, in the order sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AddedResults {
    pub external_id: String,
    pub results: Vec<AddedResult>,
}

impl AddedResults {
    /// The HTTP status a client reads first: one touchpoint sent answers as that
    /// touchpoint did; several are answered 200 with a result each.
    pub fn status(&self) -> u16 {
        match self.results.as_slice() {
            [one] => match one.status {
                AddedStatus::Created => 201,
                AddedStatus::Duplicate => 200,
                AddedStatus::Conflict => 409,
                AddedStatus::Invalid => 422,
            },
            _ => 200,
        }
    }
}

type Validated = Result<AddedTouchpointInput, (Option<String>, FieldProblems)>;

/// Reads the body: one touchpoint object, or `{"touchpoints": [...]}` with 1 to
/// [`MAX_TOUCHPOINTS`].
pub fn read(body: &[u8], now: chrono::NaiveDateTime) -> Result<Vec<Validated>, IntakeError> {
    let value: Value = serde_json::from_slice(body).map_err(IntakeError::MalformedJson)?;
    let one = |raw: &Lenient<RawAddedTouchpoint<'_>>, i: usize| -> Validated {
        AddedTouchpointInput::parse(raw, i, now).map_err(|problems| {
            let id = match raw {
                Lenient::Given(RawAddedTouchpoint {
                    touchpoint_id: Lenient::Given(id),
                    ..
                }) => Some(id.clone().into_owned()),
                _ => None,
            };
            (id, problems)
        })
    };
    let invalid = |message: &'static str, field: &str, problem: &str| {
        let mut errors = FieldProblems::default();
        errors.push(field, problem);
        IntakeError::Invalid {
            message,
            errors: Some(errors),
        }
    };
    match &value {
        Value::Object(map) if map.contains_key("touchpoints") => {
            let raw =
                RawAddedTouchpoints::deserialize(&value).map_err(IntakeError::MalformedJson)?;
            if let Some(extra) = raw.unknown.0.first() {
                return Err(invalid(
                    "the envelope has an unknown field",
                    extra,
                    "unknown field",
                ));
            }
            let Lenient::Given(items) = &raw.touchpoints else {
                return Err(invalid(
                    "touchpoints must be an array",
                    "touchpoints",
                    "must be an array",
                ));
            };
            if items.is_empty() || items.len() > MAX_TOUCHPOINTS {
                return Err(invalid(
                    "send 1 to 200 touchpoints",
                    "touchpoints",
                    "must contain 1 to 200 touchpoints",
                ));
            }
            Ok(items.iter().enumerate().map(|(i, t)| one(t, i)).collect())
        }
        Value::Object(_) => {
            let raw = Lenient::<RawAddedTouchpoint<'_>>::deserialize(&value)
                .map_err(IntakeError::MalformedJson)?;
            Ok(vec![one(&raw, 0)])
        }
        _ => Err(IntakeError::Invalid {
            message: "the body must be a touchpoint object or {\"touchpoints\": [...]}",
            errors: None,
        }),
    }
}

/// SHA-256 of a touchpoint's normalised content (what makes a re-send identical).
fn content_hash(t: &AddedTouchpointInput) -> String {
    let canonical = serde_json::to_string(&t.touchpoint).unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Appends the touchpoints in `body` to the lead `external_id` of `source`.
pub async fn add(
    db: &Db,
    source: String,
    external_id: String,
    body: &[u8],
    settings: Settings,
) -> Result<AddedResults, IntakeError> {
    let items = read(body, db::now())?;
    db.write(move |conn| store(conn, &source, &external_id, &items, &settings))
        .await
}

/// Stores the valid touchpoints in one transaction (run again if PostgreSQL picks it to
/// break a deadlock, or if another request stored the same `touchpoint_id` first).
pub fn store(
    conn: &mut DbConnection,
    source: &str,
    external_id: &str,
    items: &[Validated],
    settings: &Settings,
) -> Result<AddedResults, IntakeError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let stored = db::transaction_retrying(conn, |conn| {
            store_in(conn, source, external_id, items, settings)
        });
        match stored {
            Err(AppError::Internal(e)) if attempt < 3 && is_unique_violation(&e) => {}
            Ok(None) => return Err(IntakeError::LeadNotFound),
            Ok(Some(results)) => {
                return Ok(AddedResults {
                    external_id: external_id.to_owned(),
                    results,
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn is_unique_violation(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<diesel::result::Error>(),
        Some(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

fn store_in(
    conn: &mut DbConnection,
    source: &str,
    external_id: &str,
    items: &[Validated],
    settings: &Settings,
) -> Result<Option<Vec<AddedResult>>, AppError> {
    let Some(lead) = LeadRow::find_by_external_id(conn, source, external_id)? else {
        return Ok(None);
    };
    let mut position = LeadRow::next_touchpoint_position(conn, lead.id)?;
    let mut results = Vec::with_capacity(items.len());
    let mut created = false;
    for item in items {
        let input = match item {
            Err((id, problems)) => {
                results.push(AddedResult {
                    touchpoint_id: id.clone(),
                    status: AddedStatus::Invalid,
                    errors: Some(problems.clone()),
                });
                continue;
            }
            Ok(input) => input,
        };
        let hash = content_hash(input);
        let status = match LeadRow::touchpoint_hash(conn, lead.id, &input.touchpoint_id)? {
            Some(stored) if stored == hash => AddedStatus::Duplicate,
            Some(_) => AddedStatus::Conflict,
            None => {
                let t = &input.touchpoint;
                LeadRow::insert_added_touchpoint(
                    conn,
                    &NewAddedTouchpoint {
                        lead_id: lead.id,
                        position,
                        occurred_at: t.occurred_at,
                        channel: &t.channel,
                        source: t.source.as_deref(),
                        medium: t.medium.as_deref(),
                        campaign: t.campaign.as_deref(),
                        content: t.content.as_deref(),
                        kind: t.kind.as_deref(),
                        client_key: Some(&input.touchpoint_id),
                        payload_hash: Some(&hash),
                        added_by: TouchpointOrigin::Api,
                    },
                )?;
                position += 1;
                created = true;
                AddedStatus::Created
            }
        };
        results.push(AddedResult {
            touchpoint_id: Some(input.touchpoint_id.clone()),
            status,
            errors: None,
        });
    }
    if created {
        credits::rewrite_for_lead(conn, &lead, settings)?;
    }
    Ok(Some(results))
}
