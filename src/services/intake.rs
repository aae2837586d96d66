//! Lead intake from the marketing system: validation with field paths, idempotent
//! storage, the consent gate, and the first offer.
//!
//! Each lead is stored in a transaction of its own, so in a batch the good leads are kept
//! and the bad ones reported. Re-sending a lead with the same content is harmless; the
//! same `external_id` with different content is a conflict naming the fields that differ.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::{Connection, QueryResult};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::db::{self, DbConnection};
use crate::domain::{EmailAddress, LeadStatus, ProductLine, RegionKey};
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewLead, NewLeadEvent, NewTouchpoint, TouchpointRow};
use crate::services::allocation::OfferPolicy;
use crate::services::allocation::eligibility::LeadProfile;
use crate::services::allocation::network::{self, NetworkSnapshot};
use crate::services::allocation::{decision, offering};

/// Most leads accepted in one request.
pub const MAX_BATCH: usize = 1000;
/// Most touchpoints on one lead.
pub const MAX_TOUCHPOINTS: usize = 200;

/// A problem with one field, addressed by its path (`leads[3].contact.email`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// A touchpoint as accepted.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TouchpointInput {
    pub occurred_at: NaiveDateTime,
    pub channel: String,
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub content: Option<String>,
    pub kind: Option<String>,
}

/// A lead as accepted: normalised, so that equal content compares equal.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeadInput {
    pub external_id: String,
    pub received_at: NaiveDateTime,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_company: Option<String>,
    pub country: String,
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub product_line: String,
    pub grade: Option<String>,
    pub score: Option<i32>,
    pub consent_share: bool,
    pub touchpoints: Vec<TouchpointInput>,
}

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

/// Walks one JSON object, collecting problems with their paths.
struct Fields<'a> {
    path: String,
    object: &'a Map<String, Value>,
    problems: &'a mut Vec<FieldProblem>,
}

impl<'a> Fields<'a> {
    fn problem(problems: &mut Vec<FieldProblem>, field: String, message: impl Into<String>) {
        problems.push(FieldProblem {
            field,
            message: message.into(),
        });
    }

    fn path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn reject_unknown(&mut self, known: &[&str]) {
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            let path = self.path(&key);
            Self::problem(self.problems, path, "unknown field");
        }
    }

    fn string(&mut self, key: &str, required: bool, max: usize) -> Option<String> {
        let path = self.path(key);
        match self.object.get(key) {
            None | Some(Value::Null) => {
                if required {
                    Self::problem(self.problems, path, "is required");
                }
                None
            }
            Some(Value::String(s)) => {
                let s = s.trim();
                if s.is_empty() {
                    if required {
                        Self::problem(self.problems, path, "must not be empty");
                    }
                    None
                } else if s.chars().count() > max {
                    Self::problem(
                        self.problems,
                        path,
                        format!("must be at most {max} characters"),
                    );
                    None
                } else {
                    Some(s.to_owned())
                }
            }
            Some(_) => {
                Self::problem(self.problems, path, "must be a string");
                None
            }
        }
    }

    fn time(&mut self, key: &str, now: NaiveDateTime) -> Option<NaiveDateTime> {
        let path = self.path(key);
        let raw = self.string(key, true, 64)?;
        match DateTime::parse_from_rfc3339(&raw) {
            Ok(t) => {
                let t = t.with_timezone(&Utc).naive_utc();
                let t = t.and_utc().timestamp_micros();
                let t = DateTime::from_timestamp_micros(t).map(|d| d.naive_utc());
                match t {
                    Some(t) if t > now + TimeDelta::minutes(5) => {
                        Self::problem(self.problems, path, "is in the future");
                        None
                    }
                    Some(t) if t.and_utc().timestamp() < 946_684_800 => {
                        Self::problem(self.problems, path, "is before the year 2000");
                        None
                    }
                    Some(t) => Some(t),
                    None => {
                        Self::problem(self.problems, path, "is not a valid time");
                        None
                    }
                }
            }
            Err(_) => {
                Self::problem(
                    self.problems,
                    path,
                    "must be an RFC 3339 time such as 2026-11-20T09:30:00Z",
                );
                None
            }
        }
    }

    fn object(&mut self, key: &str, required: bool) -> Option<Fields<'_>> {
        let path = self.path(key);
        match self.object.get(key) {
            None | Some(Value::Null) => {
                if required {
                    Self::problem(self.problems, path, "is required");
                }
                None
            }
            Some(Value::Object(object)) => Some(Fields {
                path,
                object,
                problems: self.problems,
            }),
            Some(_) => {
                Self::problem(self.problems, path, "must be an object");
                None
            }
        }
    }
}

/// Validates one lead object; `path` is its place in the request (`""` or `leads[3]`).
pub fn validate_lead(
    value: &Value,
    path: &str,
    now: NaiveDateTime,
) -> Result<LeadInput, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let Value::Object(object) = value else {
        let field = if path.is_empty() {
            "(body)".to_owned()
        } else {
            path.to_owned()
        };
        return Err(vec![FieldProblem {
            field,
            message: "must be an object".into(),
        }]);
    };
    let mut lead = Fields {
        path: path.to_owned(),
        object,
        problems: &mut problems,
    };
    lead.reject_unknown(&[
        "external_id",
        "received_at",
        "contact",
        "location",
        "product_line",
        "qualification",
        "consent",
        "touchpoints",
    ]);

    let external_id = lead.string("external_id", true, 100);
    if let Some(id) = &external_id
        && !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c))
    {
        let path = lead.path("external_id");
        Fields::problem(
            lead.problems,
            path,
            "may contain only letters, digits and - _ . : /",
        );
    }
    let received_at = lead.time("received_at", now);
    let product_line =
        lead.string("product_line", true, 40)
            .and_then(|p| match ProductLine::parse(&p) {
                Ok(p) => Some(p.as_str().to_owned()),
                Err(_) => {
                    let path = lead.path("product_line");
                    Fields::problem(
                        lead.problems,
                        path,
                        "must be a product line code such as press-brakes",
                    );
                    None
                }
            });

    let (mut contact_name, mut contact_email, mut contact_phone, mut contact_company) =
        (None, None, None, None);
    if let Some(mut contact) = lead.object("contact", true) {
        contact.reject_unknown(&["name", "email", "phone", "company"]);
        contact_name = contact.string("name", true, 200);
        contact_email =
            contact
                .string("email", false, 254)
                .and_then(|e| match EmailAddress::parse(&e) {
                    Ok(e) => Some(e.as_str().to_owned()),
                    Err(_) => {
                        let path = contact.path("email");
                        Fields::problem(contact.problems, path, "is not a valid email address");
                        None
                    }
                });
        contact_phone = contact.string("phone", false, 30).and_then(|p| {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if (6..=15).contains(&digits)
                && p.chars()
                    .all(|c| c.is_ascii_digit() || " +-()./".contains(c))
            {
                Some(p)
            } else {
                let path = contact.path("phone");
                Fields::problem(contact.problems, path, "is not a valid phone number");
                None
            }
        });
        contact_company = contact.string("company", false, 200);
        let has_email = contact.object.get("email").is_some_and(|v| !v.is_null());
        let has_phone = contact.object.get("phone").is_some_and(|v| !v.is_null());
        if !has_email && !has_phone {
            let path = contact.path("email");
            Fields::problem(
                contact.problems,
                path,
                "an email or a phone number is required",
            );
        }
    }

    let (mut country, mut postcode, mut region) = (None, None, None);
    if let Some(mut location) = lead.object("location", true) {
        location.reject_unknown(&["country", "postcode", "region"]);
        country = location
            .string("country", true, 2)
            .map(|c| c.to_uppercase())
            .and_then(|c| {
                if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
                    Some(c)
                } else {
                    let path = location.path("country");
                    Fields::problem(
                        location.problems,
                        path,
                        "must be a two-letter ISO country code such as IT",
                    );
                    None
                }
            });
        let raw_postcode = location.string("postcode", false, 10);
        if let (Some(c), Some(p)) = (&country, &raw_postcode) {
            match crate::domain::lead_fields::parse_postcode(c, p) {
                Ok(p) => postcode = Some(p),
                Err(message) => {
                    let path = location.path("postcode");
                    Fields::problem(location.problems, path, message);
                }
            }
        }
        region = location.string("region", false, 60);
        if raw_postcode.is_none()
            && region.is_none()
            && location.object.get("postcode").is_none_or(Value::is_null)
        {
            let path = location.path("postcode");
            Fields::problem(
                location.problems,
                path,
                "a postcode or a region is required",
            );
        }
    }

    let (mut grade, mut score) = (None, None);
    if let Some(mut qualification) = lead.object("qualification", false) {
        qualification.reject_unknown(&["grade", "score"]);
        grade = qualification.string("grade", false, 10);
        let path = qualification.path("score");
        match qualification.object.get("score") {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) => match n.as_i64() {
                Some(s @ 0..=100) => score = i32::try_from(s).ok(),
                _ => Fields::problem(
                    qualification.problems,
                    path,
                    "must be a whole number from 0 to 100",
                ),
            },
            Some(_) => Fields::problem(qualification.problems, path, "must be a number"),
        }
    }

    let mut consent_share = None;
    if let Some(mut consent) = lead.object("consent", true) {
        consent.reject_unknown(&["share_with_dealers"]);
        let path = consent.path("share_with_dealers");
        match consent.object.get("share_with_dealers") {
            Some(Value::Bool(b)) => consent_share = Some(*b),
            None | Some(Value::Null) => Fields::problem(consent.problems, path, "is required"),
            Some(_) => Fields::problem(consent.problems, path, "must be true or false"),
        }
    }

    let mut touchpoints = Vec::new();
    let touch_path = lead.path("touchpoints");
    match object.get("touchpoints") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.len() > MAX_TOUCHPOINTS => {
            Fields::problem(
                lead.problems,
                touch_path,
                format!("at most {MAX_TOUCHPOINTS} touchpoints"),
            );
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{touch_path}[{i}]");
                let Value::Object(object) = item else {
                    Fields::problem(lead.problems, path, "must be an object");
                    continue;
                };
                let mut t = Fields {
                    path,
                    object,
                    problems: lead.problems,
                };
                t.reject_unknown(&[
                    "occurred_at",
                    "channel",
                    "source",
                    "medium",
                    "campaign",
                    "content",
                    "kind",
                ]);
                let occurred_at = t.time("occurred_at", now);
                let channel = t.string("channel", true, 50).map(|c| c.to_lowercase());
                let (source, medium, campaign, content, kind) = (
                    t.string("source", false, 200),
                    t.string("medium", false, 200),
                    t.string("campaign", false, 200),
                    t.string("content", false, 200),
                    t.string("kind", false, 50),
                );
                if let (Some(occurred_at), Some(channel)) = (occurred_at, channel) {
                    touchpoints.push(TouchpointInput {
                        occurred_at,
                        channel,
                        source,
                        medium,
                        campaign,
                        content,
                        kind,
                    });
                }
            }
        }
        Some(_) => Fields::problem(lead.problems, touch_path, "must be an array"),
    }

    match (
        external_id,
        received_at,
        contact_name,
        country,
        product_line,
        consent_share,
    ) {
        (
            Some(external_id),
            Some(received_at),
            Some(contact_name),
            Some(country),
            Some(product_line),
            Some(consent_share),
        ) if problems.is_empty() => Ok(LeadInput {
            external_id,
            received_at,
            contact_name,
            contact_email,
            contact_phone,
            contact_company,
            country,
            postcode,
            region,
            product_line,
            grade,
            score,
            consent_share,
            touchpoints,
        }),
        _ => Err(problems),
    }
}

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

/// A time as the JSON contract writes it (RFC 3339, UTC, microseconds).
pub fn contract_time(t: impl Into<chrono::NaiveDateTime>) -> String {
    t.into()
        .and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A touchpoint as the JSON contract writes it (the lead API and the outcome events).
pub fn touchpoint_json(t: &crate::models::lead::TouchpointRow) -> serde_json::Value {
    serde_json::json!({
        "occurred_at": contract_time(t.occurred_at),
        "channel": t.channel,
        "source": t.source,
        "medium": t.medium,
        "campaign": t.campaign,
        "content": t.content,
        "kind": t.kind,
    })
}

/// Batches with at least this many valid leads are offered from a [`NetworkSnapshot`]
/// (read once, about as long as offering 40 leads one by one at 5,000 dealers) rather
/// than with the per-lead queries.
pub const SNAPSHOT_FROM: usize = 100;

/// Leads stored together in the caller's transaction (an API batch, a chunk of a CSV
/// import): from [`SNAPSHOT_FROM`] valid leads on, new leads are offered from a
/// [`NetworkSnapshot`] read once for the batch.
///
/// On PostgreSQL the batch takes its locks up front, in the global order of
/// [`db::lock_allocation_state`]: the intake keys of all its leads, then, when it may
/// allocate more than one lead, every allocation state. Two batches (or a batch and a
/// single lead) sent to two instances at once then wait for each other instead of
/// deadlocking.
pub struct Batch {
    network: Option<NetworkSnapshot>,
}

impl Batch {
    /// Starts a batch that will store `leads` (the valid ones) from `source`.
    pub fn begin<'a>(
        conn: &mut DbConnection,
        source: &str,
        leads: impl IntoIterator<Item = &'a LeadInput>,
    ) -> QueryResult<Self> {
        let leads: Vec<&LeadInput> = leads.into_iter().collect();
        db::lock_lead_keys(conn, source, leads.iter().map(|l| l.external_id.as_str()))?;
        let network = if leads.len() >= SNAPSHOT_FROM {
            Some(NetworkSnapshot::load(conn)?)
        } else {
            if leads.len() > 1 {
                db::lock_all_allocation_state(conn)?;
            }
            None
        };
        Ok(Self { network })
    }

    /// Stores one lead as [`store_lead`] does (its intake key already locked).
    pub fn store(
        &mut self,
        conn: &mut DbConnection,
        source: &str,
        input: &LeadInput,
        policy: &OfferPolicy,
    ) -> Result<IntakeOutcome, AppError> {
        store_lead_in(
            conn,
            source,
            input,
            policy,
            self.network.as_mut(),
            KeyLock::Held,
        )
    }

    /// Writes the allocator's running state the batch changed; call it before the
    /// transaction commits.
    pub fn finish(self, conn: &mut DbConnection) -> QueryResult<()> {
        match &self.network {
            Some(network) => network.save(conn),
            None => Ok(()),
        }
    }
}

/// Whether a lead's intake key is already locked by its batch ([`db::lock_lead_keys`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyLock {
    Held,
    Take,
}

/// Stores a validated lead (or recognises a re-send) and, with consent, offers it. Outside
/// a transaction it is one of its own, run again if PostgreSQL picks it to break a
/// deadlock ([`db::transaction_retrying`]).
pub fn store_lead(
    conn: &mut DbConnection,
    source: &str,
    input: &LeadInput,
    policy: &OfferPolicy,
) -> Result<IntakeOutcome, AppError> {
    store_lead_in(conn, source, input, policy, None, KeyLock::Take)
}

/// Does what [`store_lead`] does; with `network`, a new lead is offered from that
/// snapshot of the network (kept in step, and its choice taken back if this lead's
/// savepoint rolls back) instead of with the per-lead queries.
fn store_lead_in(
    conn: &mut DbConnection,
    source: &str,
    input: &LeadInput,
    policy: &OfferPolicy,
    mut network: Option<&mut NetworkSnapshot>,
    key_lock: KeyLock,
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
        let now = db::now();
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
    let stored = LeadInput::from_stored(&existing, &LeadRow::touchpoints(conn, existing.id)?);
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
