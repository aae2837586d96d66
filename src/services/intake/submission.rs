//! `POST /api/v1/leads` and `GET /api/v1/leads/{external_id}` as service calls: the body
//! read into [`RawLead`]s and validated, the valid leads stored in one transaction, each
//! lead's result with its dealer; and a stored lead with its offers and dealers.

use serde::Deserialize;
use serde_json::Value;

use super::batch::Batch;
use super::contract::{
    BatchResults, ConflictingLead, InvalidLead, LeadRecord, LeadResult, StoredLead, Submitted,
};
use super::input::{Lenient, RawBatch, RawLead};
use super::storage::IntakeOutcome;
use super::validation::{FieldProblems, LeadInput};
use super::{IntakeError, MAX_BATCH};
use crate::db::{self, Db, DbConnection};
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::lead::LeadRow;
use crate::models::offer::Offer;
use crate::services::allocation::OfferPolicy;

/// What the client is told about a conflicting re-send.
const CONFLICT: &str = "a lead with this external_id was already received with different content";

/// One submitted lead: accepted, or its problems with its `external_id` as sent.
type Validated = Result<LeadInput, (Option<String>, FieldProblems)>;

/// A request's leads, validated, in the order sent.
#[derive(Debug)]
pub struct Submission {
    leads: Vec<Validated>,
    /// Sent as `{"leads": [...]}`: answered with a result per lead and a summary.
    batch: bool,
    /// When the request came in: the leads are stored (and offered) as at this time.
    now: chrono::NaiveDateTime,
}

/// Reads and validates the body of `POST /api/v1/leads` (the times bounded by now), stores
/// the valid leads in one transaction and says what happened to each.
pub async fn submit(
    db: &Db,
    source: String,
    policy: OfferPolicy,
    body: &[u8],
) -> Result<Submitted, IntakeError> {
    let submission = Submission::read(body, db::now())?;
    db.write(move |conn| submission.store(conn, &source, &policy))
        .await
}

/// A body that is JSON but no lead or batch, with the one field at fault.
fn invalid(message: &'static str, field: &str, problem: &str) -> IntakeError {
    let mut errors = FieldProblems::default();
    errors.push(field, problem);
    IntakeError::Invalid {
        message,
        errors: Some(errors),
    }
}

fn validate(raw: &Lenient<RawLead<'_>>, at: &str, now: chrono::NaiveDateTime) -> Validated {
    LeadInput::parse(raw, at, now).map_err(|problems| {
        let external_id = match raw {
            Lenient::Given(RawLead {
                external_id: Lenient::Given(id),
                ..
            }) => Some(id.clone().into_owned()),
            _ => None,
        };
        (external_id, problems)
    })
}

impl Submission {
    /// One lead object, or `{"leads": [...]}` with 1 to [`MAX_BATCH`] leads, received at
    /// `now` (the times in it are bounded by it, and it is stored as at then).
    pub fn read(body: &[u8], now: chrono::NaiveDateTime) -> Result<Self, IntakeError> {
        let value: Value = serde_json::from_slice(body).map_err(IntakeError::MalformedJson)?;
        match &value {
            Value::Object(map) if map.contains_key("leads") => {
                let raw = RawBatch::deserialize(&value).map_err(IntakeError::MalformedJson)?;
                if let Some(extra) = raw.unknown.0.first() {
                    return Err(invalid(
                        "the batch envelope has an unknown field",
                        extra,
                        "unknown field",
                    ));
                }
                let Lenient::Given(leads) = &raw.leads else {
                    return Err(invalid(
                        "leads must be an array",
                        "leads",
                        "must be an array",
                    ));
                };
                if leads.len() > MAX_BATCH {
                    return Err(IntakeError::BatchTooLarge(leads.len()));
                }
                if leads.is_empty() {
                    return Err(invalid(
                        "the batch is empty",
                        "leads",
                        "must contain at least one lead",
                    ));
                }
                let leads = leads
                    .iter()
                    .enumerate()
                    .map(|(i, lead)| validate(lead, &format!("leads[{i}]"), now))
                    .collect();
                Ok(Self {
                    leads,
                    batch: true,
                    now,
                })
            }
            Value::Object(_) => {
                let raw = Lenient::<RawLead<'_>>::deserialize(&value)
                    .map_err(IntakeError::MalformedJson)?;
                Ok(Self {
                    leads: vec![validate(&raw, "", now)],
                    batch: false,
                    now,
                })
            }
            _ => Err(IntakeError::Invalid {
                message: "the body must be a lead object or {\"leads\": [...]}",
                errors: None,
            }),
        }
    }

    /// Stores the valid leads in one transaction, a savepoint per lead: a lead that fails
    /// rolls back alone, and the request costs one commit instead of one per lead. Run
    /// again if PostgreSQL picks it to break a deadlock with another instance. Call it as
    /// the writer ([`Db::write`]).
    pub fn store(
        self,
        conn: &mut DbConnection,
        source: &str,
        policy: &OfferPolicy,
    ) -> Result<Submitted, IntakeError> {
        let mut results =
            db::transaction_retrying(conn, |conn| self.store_in(conn, source, policy))?;
        if self.batch {
            return Ok(Submitted::Batch(BatchResults::of(results)));
        }
        results
            .pop()
            .map(Submitted::One)
            .ok_or_else(|| AppError::BadRequest("no lead".into()).into())
    }

    fn store_in(
        &self,
        conn: &mut DbConnection,
        source: &str,
        policy: &OfferPolicy,
    ) -> Result<Vec<LeadResult>, AppError> {
        let mut results = Vec::with_capacity(self.leads.len());
        let valid = self.leads.iter().filter_map(|lead| lead.as_ref().ok());
        let mut batch = Batch::begin(conn, source, valid, self.now)?;
        // The dealers leads went to, each read once for the request.
        let mut dealers: Vec<Dealer> = Vec::new();
        for lead in &self.leads {
            let input = match lead {
                Err((external_id, problems)) => {
                    results.push(LeadResult::Invalid(InvalidLead {
                        external_id: external_id.clone(),
                        errors: problems.clone(),
                    }));
                    continue;
                }
                Ok(input) => input,
            };
            let outcome = batch.store(conn, source, input, policy)?;
            let lead = match &outcome {
                IntakeOutcome::Created(l) | IntakeOutcome::Duplicate(l) => l,
                IntakeOutcome::Conflict { existing, .. } => existing,
            };
            let dealer = match lead.dealer_id {
                Some(id) => match dealers.iter().position(|d| d.id == id) {
                    Some(i) => Some(&dealers[i]),
                    None => {
                        dealers.push(Dealer::find(conn, id)?);
                        dealers.last()
                    }
                },
                None => None,
            };
            results.push(match outcome {
                IntakeOutcome::Created(lead) => LeadResult::Created(StoredLead::of(lead, dealer)),
                IntakeOutcome::Duplicate(lead) => {
                    LeadResult::Duplicate(StoredLead::of(lead, dealer))
                }
                IntakeOutcome::Conflict { existing, fields } => {
                    LeadResult::Conflict(ConflictingLead {
                        lead: StoredLead::of(existing, dealer),
                        message: CONFLICT,
                        differing_fields: fields,
                    })
                }
            });
        }
        batch.finish(conn)?;
        Ok(results)
    }
}

/// The lead `external_id` from `source` with its offers, dealers and touchpoints.
pub async fn find_lead(
    db: &Db,
    source: String,
    external_id: String,
) -> Result<LeadRecord, IntakeError> {
    db.read(move |conn| -> Result<_, IntakeError> {
        let lead = LeadRow::find_by_external_id(conn, &source, &external_id)
            .map_err(AppError::from)?
            .ok_or(IntakeError::LeadNotFound)?;
        let offers = Offer::for_lead(conn, lead.id).map_err(AppError::from)?;
        let mut dealers: Vec<Dealer> = Vec::new();
        for id in offers.iter().map(|o| o.dealer_id).chain(lead.dealer_id) {
            if !dealers.iter().any(|d| d.id == id) {
                dealers.push(Dealer::find(conn, id).map_err(AppError::from)?);
            }
        }
        let touchpoints = LeadRow::touchpoints(conn, lead.id).map_err(AppError::from)?;
        Ok(LeadRecord {
            lead,
            offers,
            dealers,
            touchpoints,
        })
    })
    .await
}
