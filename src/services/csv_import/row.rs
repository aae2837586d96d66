//! One CSV record as a lead: its cells as a [`RawLead`], validated as the intake API does.

use chrono::NaiveDateTime;
use serde::Deserialize;
use serde_json::Value;

use crate::services::intake::input::{
    Lenient, Number, RawConsent, RawContact, RawLocation, RawQualification,
};
use crate::services::intake::{FieldProblem, FieldProblems, LeadInput, RawLead};

/// One data row of the file: where it starts and what it holds.
#[derive(Debug, Clone)]
pub struct ParsedRow {
    /// The physical line the record starts on (the header is line 1).
    pub line: u64,
    pub external_id: Option<String>,
    /// The lead, validated exactly as the intake API does, or the problems with its columns.
    pub lead: Result<LeadInput, FieldProblems>,
}

/// Reads a consent cell: true/false, yes/no, sì/si/no, 1/0 (any case).
pub fn parse_consent(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "true" | "yes" | "si" | "sì" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// The CSV column an intake field path comes from (`contact.email` → `contact_email`).
pub(super) fn column_of(path: &str) -> String {
    let mapped = match path {
        "contact.name" => "contact_name",
        "contact.email" => "contact_email",
        "contact.phone" => "contact_phone",
        "contact.company" => "contact_company",
        "location.country" => "country",
        "location.postcode" => "postcode",
        "location.region" => "region",
        "qualification.grade" => "grade",
        "qualification.score" => "score",
        "consent.share_with_dealers" => "consent_share_with_dealers",
        other => other,
    };
    mapped.to_owned()
}

/// The message for a touchpoints cell that is not JSON.
fn touchpoints_not_json(e: &serde_json::Error) -> String {
    format!(
        "must be a JSON array such as [{{\"occurred_at\":\"2026-11-01T10:00:00Z\",\
         \"channel\":\"paid_search\"}}] ({e})"
    )
}

/// Reads one record as a lead: its cells (trimmed; empty is absent) as a [`RawLead`],
/// checked by [`LeadInput::parse`] with the problems named by column. A score that is
/// not a number, a consent that is not yes or no, touchpoints that are not JSON and extra
/// fields are problems of the CSV itself, reported first.
pub(super) fn parse_row(
    columns: &[(usize, &'static str)],
    record: &csv::StringRecord,
    line: u64,
    now: NaiveDateTime,
) -> ParsedRow {
    let mut problems = FieldProblems::default();
    let cell = |name: &str| -> Option<&str> {
        columns
            .iter()
            .find(|(_, c)| *c == name)
            .and_then(|(i, _)| record.get(*i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let external_id = cell("external_id").map(str::to_owned);

    if record.len() > columns.len()
        && record
            .iter()
            .skip(columns.len())
            .any(|f| !f.trim().is_empty())
    {
        problems.push(
            "(row)",
            format!(
                "has {} fields but the header has {} columns (a separator inside a value \
                 needs the value in double quotes)",
                record.len(),
                columns.len()
            ),
        );
    }

    let score = match cell("score") {
        None => Lenient::Absent,
        Some(s) => match s.parse::<i64>() {
            Ok(n) => Lenient::Given(Number::Whole(n)),
            Err(_) => {
                problems.push("score", "must be a whole number from 0 to 100");
                Lenient::Absent
            }
        },
    };
    let share_with_dealers = match cell("consent_share_with_dealers") {
        None => Lenient::Absent,
        Some(s) => Lenient::Given(parse_consent(s).unwrap_or_else(|| {
            problems.push(
                "consent_share_with_dealers",
                "must be true/false, yes/no, sì/no or 1/0",
            );
            false
        })),
    };
    // The touchpoints cell is JSON, in the shape of the API's `touchpoints`.
    let touchpoints_json = match cell("touchpoints") {
        None => Value::Null,
        Some(s) => serde_json::from_str::<Value>(s).unwrap_or_else(|e| {
            problems.push("touchpoints", touchpoints_not_json(&e));
            Value::Null
        }),
    };
    let touchpoints = Lenient::deserialize(&touchpoints_json).unwrap_or(Lenient::WrongType);

    let lead = Lenient::Given(RawLead {
        external_id: cell("external_id").into(),
        received_at: cell("received_at").into(),
        contact: Lenient::Given(RawContact {
            name: cell("contact_name").into(),
            email: cell("contact_email").into(),
            phone: cell("contact_phone").into(),
            company: cell("contact_company").into(),
            ..RawContact::default()
        }),
        location: Lenient::Given(RawLocation {
            country: cell("country").into(),
            postcode: cell("postcode").into(),
            region: cell("region").into(),
            ..RawLocation::default()
        }),
        product_line: cell("product_line").into(),
        qualification: Lenient::Given(RawQualification {
            grade: cell("grade").into(),
            score,
            ..RawQualification::default()
        }),
        consent: Lenient::Given(RawConsent {
            share_with_dealers,
            ..RawConsent::default()
        }),
        touchpoints,
        ..RawLead::default()
    });

    let lead = match LeadInput::parse(&lead, "", now) {
        Ok(input) if problems.is_empty() => Ok(input),
        Ok(_) => Err(problems),
        Err(found) => {
            problems.extend(found.into_iter().map(|p| FieldProblem {
                field: column_of(&p.field),
                message: p.message,
            }));
            Err(problems)
        }
    };
    ParsedRow {
        line,
        external_id,
        lead,
    }
}
