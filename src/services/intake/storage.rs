//! Storing one validated lead: idempotent by source and `external_id`, the consent gate,
//! and the first offer.

use diesel::Connection;

use sha2::{Digest, Sha256};

use super::{LeadInput, TouchpointInput};
use crate::db::{self, DbConnection};
use crate::domain::{LeadStatus, RegionKey};
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewLead, NewLeadEvent, NewTouchpoint, TouchpointRow};
use crate::services::allocation::OfferPolicy;
use crate::services::allocation::eligibility::LeadProfile;
use crate::services::allocation::network::NetworkSnapshot;
use crate::services::allocation::{decision, network, offering};

/// What happened to one submitted lead.
#[derive(Debug, Clone)]
pub enum IntakeOutcome {
    Created(LeadRow),
    /// Sent before with the same content: nothing changed.
    Duplicate(LeadRow),
    /// Sent before with different content.
    Conflict {
        existing: LeadRow,
        fields: Vec<&'static str>,
    },
}

/// Comparing a lead with the one stored under its `external_id`.
impl LeadInput {
    /// SHA-256 of the normalised content (what makes a re-send identical).
    pub fn content_hash(&self) -> String {
        let canonical = serde_json::to_string(self).unwrap_or_default();
        hex::encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The stored lead, in the same normal form.
    pub fn from_stored(lead: &LeadRow, touchpoints: &[TouchpointRow]) -> Self {
        Self {
            external_id: lead.external_id.clone(),
            received_at: lead.received_at.get(),
            contact_name: lead.contact_name.clone(),
            contact_email: lead.contact_email.clone(),
            contact_phone: lead.contact_phone.clone(),
            contact_company: lead.contact_company.clone(),
            country: lead.country.clone(),
            postcode: lead.postcode.clone(),
            region: lead.region.clone(),
            product_line: lead.product_line.clone(),
            grade: lead.grade.clone(),
            score: lead.score,
            consent_share: lead.consent_share,
            touchpoints: touchpoints
                .iter()
                .map(|t| TouchpointInput {
                    occurred_at: t.occurred_at.get(),
                    channel: t.channel.clone(),
                    source: t.source.clone(),
                    medium: t.medium.clone(),
                    campaign: t.campaign.clone(),
                    content: t.content.clone(),
                    kind: t.kind.clone(),
                })
                .collect(),
        }
    }

    /// The contract's field paths whose values differ between two versions of a lead.
    pub fn differing_fields(&self, other: &LeadInput) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut check = |same: bool, field: &'static str| {
            if !same {
                out.push(field);
            }
        };
        check(self.received_at == other.received_at, "received_at");
        check(self.contact_name == other.contact_name, "contact.name");
        check(self.contact_email == other.contact_email, "contact.email");
        check(self.contact_phone == other.contact_phone, "contact.phone");
        check(
            self.contact_company == other.contact_company,
            "contact.company",
        );
        check(self.country == other.country, "location.country");
        check(self.postcode == other.postcode, "location.postcode");
        check(self.region == other.region, "location.region");
        check(self.product_line == other.product_line, "product_line");
        check(self.grade == other.grade, "qualification.grade");
        check(self.score == other.score, "qualification.score");
        check(
            self.consent_share == other.consent_share,
            "consent.share_with_dealers",
        );
        check(self.touchpoints == other.touchpoints, "touchpoints");
        out
    }
}

/// Whether a lead's intake key is already locked by its batch ([`db::lock_lead_keys`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyLock {
    Held,
    Take,
}

/// Stores a validated lead (or recognises a re-send) and, with consent, offers it, now
/// ([`store_lead_at`] the current time).
pub fn store_lead(
    conn: &mut DbConnection,
    source: &str,
    input: &LeadInput,
    policy: &OfferPolicy,
) -> Result<IntakeOutcome, AppError> {
    store_lead_at(conn, source, input, policy, db::now())
}

/// Stores a validated lead (or recognises a re-send) and, with consent, offers it, as at
/// `now`. Outside a transaction it is one of its own, run again if PostgreSQL picks it to
/// break a deadlock ([`db::transaction_retrying`]).
pub fn store_lead_at(
    conn: &mut DbConnection,
    source: &str,
    input: &LeadInput,
    policy: &OfferPolicy,
    now: chrono::NaiveDateTime,
) -> Result<IntakeOutcome, AppError> {
    store_lead_in(conn, source, input, policy, None, KeyLock::Take, now)
}

/// Does what [`store_lead_at`] does; with `network`, a new lead is offered from that
/// snapshot of the network (kept in step, and its choice taken back if this lead's
/// savepoint rolls back) instead of with the per-lead queries.
pub(super) fn store_lead_in(
    conn: &mut DbConnection,
    source: &str,
    input: &LeadInput,
    policy: &OfferPolicy,
    mut network: Option<&mut NetworkSnapshot>,
    key_lock: KeyLock,
    now: chrono::NaiveDateTime,
) -> Result<IntakeOutcome, AppError> {
    let hash = input.content_hash();
    let mut choice = None;
    // In a batch on SQLite the lead needs no savepoint of its own: the one writer cannot
    // race another request to the same external_id, and any error fails the whole batch.
    // Elsewhere it rolls back alone (and recovers from losing that race on PostgreSQL).
    let own_savepoint = network.is_none() || !matches!(conn, DbConnection::Sqlite(_));
    let mut store = |conn: &mut DbConnection| -> Result<IntakeOutcome, AppError> {
        if key_lock == KeyLock::Take {
            db::lock_lead_keys(conn, source, [input.external_id.as_str()])?;
        }
        if let Some(existing) = LeadRow::find_by_external_id(conn, source, &input.external_id)? {
            return resend(conn, existing, input, &hash);
        }
        // Stored with the region, and what the lead is matched to territories by.
        let region_key = input.region.as_deref().and_then(RegionKey::of);
        let status = if input.consent_share {
            LeadStatus::Unallocated
        } else {
            LeadStatus::Withheld
        };
        // From a snapshot the dealer is chosen first, so the row is stored with the status
        // offering gives it (as the per-lead path leaves it) and never updated.
        let decided = match network.as_deref_mut() {
            Some(network) if input.consent_share => {
                let decided = network.choose(&LeadProfile::new(
                    &input.country,
                    input.postcode.as_deref(),
                    region_key.clone(),
                    &input.product_line,
                ));
                if let Ok(made) = &decided {
                    choice = Some(made.clone());
                }
                Some(decided)
            }
            _ => None,
        };
        let (stored_status, dealer_id, unallocated_reason) = match &decided {
            Some(decision) => decision::lead_status_after(
                decision.as_ref().map(|made| made.chosen).map_err(|r| *r),
            ),
            None => (status, None, None),
        };
        let id = LeadRow::insert(
            conn,
            &NewLead {
                source,
                external_id: &input.external_id,
                payload_hash: &hash,
                received_at: input.received_at,
                created_at: now,
                contact_name: &input.contact_name,
                contact_email: input.contact_email.as_deref(),
                contact_phone: input.contact_phone.as_deref(),
                contact_company: input.contact_company.as_deref(),
                country: &input.country,
                postcode: input.postcode.as_deref(),
                region: input.region.as_deref(),
                product_line: &input.product_line,
                grade: input.grade.as_deref(),
                score: input.score,
                consent_share: input.consent_share,
                status: stored_status,
                dealer_id,
                unallocated_reason,
                status_changed_at: now,
                region_key: region_key.as_ref().map(RegionKey::as_str),
            },
        )?;
        for (position, t) in input.touchpoints.iter().enumerate() {
            LeadRow::insert_touchpoint(
                conn,
                &NewTouchpoint {
                    lead_id: id,
                    position: i32::try_from(position).unwrap_or(i32::MAX),
                    occurred_at: t.occurred_at,
                    channel: &t.channel,
                    source: t.source.as_deref(),
                    medium: t.medium.as_deref(),
                    campaign: t.campaign.as_deref(),
                    content: t.content.as_deref(),
                    kind: t.kind.as_deref(),
                },
            )?;
        }
        crate::services::attribution::journeys::insert_new(conn, id, input.received_at)?;
        let note = if input.consent_share {
            "received"
        } else {
            "received without consent to share: never offered"
        };
        LeadRow::record_event(
            conn,
            &NewLeadEvent {
                lead_id: id,
                occurred_at: now,
                status: status.into(),
                dealer_id: None,
                actor: source,
                note,
            },
        )?;
        let lead = LeadRow::find(conn, id)?;
        if !input.consent_share {
            return Ok(IntakeOutcome::Created(lead));
        }
        if let (Some(network), Some(decided)) = (network.as_deref_mut(), decided) {
            let decided = decided.as_ref().map_err(|reason| *reason);
            network::record_network_choice(conn, &lead, source, policy, now, network, decided)?;
            return Ok(IntakeOutcome::Created(lead));
        }
        let offered = offering::offer_to_next_dealer(conn, &lead, source, policy, now)?;
        // What offering wrote, without reading the row again.
        let (status, dealer_id, reason) = decision::lead_status_after(offered.decision());
        Ok(IntakeOutcome::Created(
            lead.after_status(status, dealer_id, reason, now),
        ))
    };
    let attempt = if own_savepoint {
        db::transaction_retrying(conn, &mut store)
    } else {
        store(conn)
    };
    if attempt.is_err()
        && let (Some(network), Some(choice)) = (network, choice.take())
    {
        network.undo(&choice);
    }
    match attempt {
        // Another request stored the same lead between our look-up and insert (one that
        // did not take the intake key: the key lock makes this rare).
        Err(AppError::Internal(e)) if is_unique_violation(&e) => {
            let stored = conn.transaction(|conn| -> Result<_, AppError> {
                match LeadRow::find_by_external_id(conn, source, &input.external_id)? {
                    Some(existing) => resend(conn, existing, input, &hash).map(Some),
                    None => Ok(None),
                }
            })?;
            stored.ok_or(AppError::Internal(e))
        }
        other => other,
    }
}

fn resend(
    conn: &mut DbConnection,
    existing: LeadRow,
    input: &LeadInput,
    hash: &str,
) -> Result<IntakeOutcome, AppError> {
    if existing.payload_hash == hash {
        return Ok(IntakeOutcome::Duplicate(existing));
    }
    let stored =
        LeadInput::from_stored(&existing, &LeadRow::intake_touchpoints(conn, existing.id)?);
    let fields = stored.differing_fields(input);
    if fields.is_empty() {
        Ok(IntakeOutcome::Duplicate(existing))
    } else {
        Ok(IntakeOutcome::Conflict { existing, fields })
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
