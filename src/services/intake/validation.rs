//! From a [`RawLead`] as sent to a [`LeadInput`] as accepted: every problem with the
//! path of its field (`leads[3].contact.email`), in the order of the contract's fields.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::MAX_TOUCHPOINTS;
use super::input::{
    Lenient, Number, RawAddedTouchpoint, RawLead, RawTouchpoint, Text, UnknownFields,
};
use crate::domain::{CountryCode, EmailAddress, PhoneNumber, Postcode, ProductLine};

/// A problem with one field, addressed by its path (`leads[3].contact.email`).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct FieldProblem {
    #[schema(examples("leads[3].contact.email"))]
    pub field: String,
    pub message: String,
}

/// Every problem found with one lead, in the order of the contract's fields.
#[derive(Debug, Clone, Default, Serialize, PartialEq, ToSchema)]
#[serde(transparent)]
pub struct FieldProblems(Vec<FieldProblem>);

impl FieldProblems {
    /// Adds a problem with `field` (a path as written in the answer).
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldProblem {
            field: field.into(),
            message: message.into(),
        });
    }
}

impl std::ops::Deref for FieldProblems {
    type Target = [FieldProblem];
    fn deref(&self) -> &[FieldProblem] {
        &self.0
    }
}

impl IntoIterator for FieldProblems {
    type Item = FieldProblem;
    type IntoIter = std::vec::IntoIter<FieldProblem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Extend<FieldProblem> for FieldProblems {
    fn extend<I: IntoIterator<Item = FieldProblem>>(&mut self, items: I) {
        self.0.extend(items);
    }
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

/// One step of a field path: a key, or a place in an array.
#[derive(Clone, Copy)]
enum Step<'s> {
    Key(&'s str),
    Index(usize),
}

/// Collects problems; a path is written out only for a problem.
struct Problems<'p> {
    /// Where the lead is in the request (`""` or `leads[3]`).
    at: &'p str,
    found: FieldProblems,
}

impl Problems<'_> {
    fn add(&mut self, path: &[Step<'_>], message: impl Into<String>) {
        let mut field = self.at.to_owned();
        for step in path {
            match step {
                Step::Key(key) => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(key);
                }
                Step::Index(i) => {
                    let _ = write!(field, "[{i}]");
                }
            }
        }
        self.found.push(field, message);
    }

    fn reject_unknown(&mut self, parent: &[Step<'_>], unknown: &UnknownFields<'_>) {
        for key in &unknown.0 {
            let mut path = parent.to_vec();
            path.push(Step::Key(key));
            self.add(&path, "unknown field");
        }
    }

    /// A string: trimmed; empty counts as absent.
    fn text(
        &mut self,
        path: &[Step<'_>],
        value: &Text<'_>,
        required: bool,
        max: usize,
    ) -> Option<String> {
        match value {
            Lenient::Absent => {
                if required {
                    self.add(path, "is required");
                }
                None
            }
            Lenient::Given(s) => {
                let s = s.trim();
                if s.is_empty() {
                    if required {
                        self.add(path, "must not be empty");
                    }
                    None
                } else if s.chars().count() > max {
                    self.add(path, format!("must be at most {max} characters"));
                    None
                } else {
                    Some(s.to_owned())
                }
            }
            Lenient::WrongType => {
                self.add(path, "must be a string");
                None
            }
        }
    }

    /// A required RFC 3339 time, not in the future, not before 2000, to the microsecond.
    fn time(
        &mut self,
        path: &[Step<'_>],
        value: &Text<'_>,
        now: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        let raw = self.text(path, value, true, 64)?;
        let Ok(t) = DateTime::parse_from_rfc3339(&raw) else {
            self.add(
                path,
                "must be an RFC 3339 time such as 2026-11-20T09:30:00Z",
            );
            return None;
        };
        let micros = t
            .with_timezone(&Utc)
            .naive_utc()
            .and_utc()
            .timestamp_micros();
        match DateTime::from_timestamp_micros(micros).map(|d| d.naive_utc()) {
            Some(t) if t > now + TimeDelta::minutes(5) => {
                self.add(path, "is in the future");
                None
            }
            Some(t) if t.and_utc().timestamp() < 946_684_800 => {
                self.add(path, "is before the year 2000");
                None
            }
            Some(t) => Some(t),
            None => {
                self.add(path, "is not a valid time");
                None
            }
        }
    }

    /// A nested object.
    fn object<'v, T>(
        &mut self,
        path: &[Step<'_>],
        value: &'v Lenient<T>,
        required: bool,
    ) -> Option<&'v T> {
        match value {
            Lenient::Absent => {
                if required {
                    self.add(path, "is required");
                }
                None
            }
            Lenient::Given(object) => Some(object),
            Lenient::WrongType => {
                self.add(path, "must be an object");
                None
            }
        }
    }
}

const EXTERNAL_ID: [Step<'static>; 1] = [Step::Key("external_id")];
const PRODUCT_LINE: [Step<'static>; 1] = [Step::Key("product_line")];

fn key<'s>(parent: &'s str, field: &'s str) -> [Step<'s>; 2] {
    [Step::Key(parent), Step::Key(field)]
}

impl LeadInput {
    /// Checks and normalises one lead; `at` is its place in the request (`""` or
    /// `leads[3]`), `now` bounds its times. A lead that is not an object is one problem
    /// at `at` (or `(body)`).
    pub fn parse(
        raw: &Lenient<RawLead<'_>>,
        at: &str,
        now: NaiveDateTime,
    ) -> Result<LeadInput, FieldProblems> {
        let Lenient::Given(lead) = raw else {
            let mut problems = FieldProblems::default();
            let field = if at.is_empty() { "(body)" } else { at };
            problems.push(field, "must be an object");
            return Err(problems);
        };
        Self::parse_lead(lead, at, now)
    }

    fn parse_lead(
        raw: &RawLead<'_>,
        at: &str,
        now: NaiveDateTime,
    ) -> Result<LeadInput, FieldProblems> {
        let mut p = Problems {
            at,
            found: FieldProblems::default(),
        };
        p.reject_unknown(&[], &raw.unknown);

        let external_id = p.text(&EXTERNAL_ID, &raw.external_id, true, 100);
        if let Some(id) = &external_id
            && !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(c))
        {
            p.add(
                &EXTERNAL_ID,
                "may contain only letters, digits and - _ . : /",
            );
        }
        let received_at = p.time(&[Step::Key("received_at")], &raw.received_at, now);
        let product_line = p
            .text(&PRODUCT_LINE, &raw.product_line, true, 40)
            .and_then(|line| match ProductLine::parse(&line) {
                Ok(line) => Some(line.as_str().to_owned()),
                Err(_) => {
                    p.add(
                        &PRODUCT_LINE,
                        "must be a product line code such as press-brakes",
                    );
                    None
                }
            });

        let (mut contact_name, mut contact_email, mut contact_phone, mut contact_company) =
            (None, None, None, None);
        if let Some(contact) = p.object(&[Step::Key("contact")], &raw.contact, true) {
            let at = |field| key("contact", field);
            p.reject_unknown(&[Step::Key("contact")], &contact.unknown);
            contact_name = p.text(&at("name"), &contact.name, true, 200);
            contact_email = p
                .text(&at("email"), &contact.email, false, 254)
                .and_then(|e| match EmailAddress::parse(&e) {
                    Ok(e) => Some(e.as_str().to_owned()),
                    Err(_) => {
                        p.add(&at("email"), "is not a valid email address");
                        None
                    }
                });
            contact_phone = p
                .text(&at("phone"), &contact.phone, false, 30)
                .and_then(|phone| match PhoneNumber::parse(&phone) {
                    Ok(phone) => Some(phone.into_inner()),
                    Err(message) => {
                        p.add(&at("phone"), message);
                        None
                    }
                });
            contact_company = p.text(&at("company"), &contact.company, false, 200);
            if !contact.email.is_present() && !contact.phone.is_present() {
                p.add(&at("email"), "an email or a phone number is required");
            }
        }

        let (mut country, mut postcode, mut region) = (None, None, None);
        if let Some(location) = p.object(&[Step::Key("location")], &raw.location, true) {
            let at = |field| key("location", field);
            p.reject_unknown(&[Step::Key("location")], &location.unknown);
            country = p
                .text(&at("country"), &location.country, true, 2)
                .and_then(|c| match CountryCode::parse(&c) {
                    Ok(country) => Some(country.into_inner()),
                    Err(message) => {
                        p.add(&at("country"), message);
                        None
                    }
                });
            let raw_postcode = p.text(&at("postcode"), &location.postcode, false, 10);
            if let (Some(c), Some(code)) = (&country, &raw_postcode) {
                match Postcode::parse(c, code) {
                    Ok(code) => postcode = Some(code.into_inner()),
                    Err(message) => p.add(&at("postcode"), message),
                }
            }
            region = p.text(&at("region"), &location.region, false, 60);
            if raw_postcode.is_none() && region.is_none() && !location.postcode.is_present() {
                p.add(&at("postcode"), "a postcode or a region is required");
            }
        }

        let (mut grade, mut score) = (None, None);
        if let Some(qualification) =
            p.object(&[Step::Key("qualification")], &raw.qualification, false)
        {
            let at = |field| key("qualification", field);
            p.reject_unknown(&[Step::Key("qualification")], &qualification.unknown);
            grade = p.text(&at("grade"), &qualification.grade, false, 10);
            match qualification.score {
                Lenient::Absent => {}
                Lenient::Given(Number::Whole(s @ 0..=100)) => score = i32::try_from(s).ok(),
                Lenient::Given(_) => {
                    p.add(&at("score"), "must be a whole number from 0 to 100");
                }
                Lenient::WrongType => p.add(&at("score"), "must be a number"),
            }
        }

        let mut consent_share = None;
        if let Some(consent) = p.object(&[Step::Key("consent")], &raw.consent, true) {
            let at = key("consent", "share_with_dealers");
            p.reject_unknown(&[Step::Key("consent")], &consent.unknown);
            match consent.share_with_dealers {
                Lenient::Given(b) => consent_share = Some(b),
                Lenient::Absent => p.add(&at, "is required"),
                Lenient::WrongType => p.add(&at, "must be true or false"),
            }
        }

        let touchpoints = match &raw.touchpoints {
            Lenient::Absent => Vec::new(),
            Lenient::Given(items) if items.len() > MAX_TOUCHPOINTS => {
                p.add(
                    &[Step::Key("touchpoints")],
                    format!("at most {MAX_TOUCHPOINTS} touchpoints"),
                );
                Vec::new()
            }
            Lenient::Given(items) => {
                let mut touchpoints = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let path = [Step::Key("touchpoints"), Step::Index(i)];
                    let Lenient::Given(t) = item else {
                        p.add(&path, "must be an object");
                        continue;
                    };
                    if let Some(t) = parse_touchpoint(&mut p, &path, t, now) {
                        touchpoints.push(t);
                    }
                }
                touchpoints
            }
            Lenient::WrongType => {
                p.add(&[Step::Key("touchpoints")], "must be an array");
                Vec::new()
            }
        };

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
            ) if p.found.is_empty() => Ok(LeadInput {
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
            _ => Err(p.found),
        }
    }
}

/// A touchpoint added after handover, as accepted: the client's id for it and the
/// touchpoint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AddedTouchpointInput {
    pub touchpoint_id: String,
    pub touchpoint: TouchpointInput,
}

impl AddedTouchpointInput {
    /// Checks and normalises `touchpoints[i]` of the body, as a lead's touchpoints are.
    pub fn parse(
        raw: &Lenient<RawAddedTouchpoint<'_>>,
        i: usize,
        now: NaiveDateTime,
    ) -> Result<Self, FieldProblems> {
        let mut p = Problems {
            at: "",
            found: FieldProblems::default(),
        };
        let path = [Step::Key("touchpoints"), Step::Index(i)];
        let Some(raw) = p.object(&path, raw, true) else {
            return Err(p.found);
        };
        let id = p.text(
            &[path[0], path[1], Step::Key("touchpoint_id")],
            &raw.touchpoint_id,
            true,
            100,
        );
        let touchpoint = parse_touchpoint(&mut p, &path, &raw.touchpoint(), now);
        match (id, touchpoint) {
            (Some(touchpoint_id), Some(touchpoint)) if p.found.is_empty() => Ok(Self {
                touchpoint_id,
                touchpoint,
            }),
            _ => Err(p.found),
        }
    }
}

fn parse_touchpoint(
    p: &mut Problems<'_>,
    path: &[Step<'_>; 2],
    t: &RawTouchpoint<'_>,
    now: NaiveDateTime,
) -> Option<TouchpointInput> {
    let at = |field| [path[0], path[1], Step::Key(field)];
    p.reject_unknown(path, &t.unknown);
    let occurred_at = p.time(&at("occurred_at"), &t.occurred_at, now);
    let channel = p
        .text(&at("channel"), &t.channel, true, 50)
        .map(|c| c.to_lowercase());
    let source = p.text(&at("source"), &t.source, false, 200);
    let medium = p.text(&at("medium"), &t.medium, false, 200);
    let campaign = p.text(&at("campaign"), &t.campaign, false, 200);
    let content = p.text(&at("content"), &t.content, false, 200);
    let kind = p.text(&at("kind"), &t.kind, false, 50);
    Some(TouchpointInput {
        occurred_at: occurred_at?,
        channel: channel?,
        source,
        medium,
        campaign,
        content,
        kind,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    fn now() -> NaiveDateTime {
        DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z")
            .unwrap()
            .naive_utc()
    }

    fn problems(lead: &serde_json::Value, at: &str) -> Vec<(String, String)> {
        let raw = Lenient::<RawLead<'_>>::deserialize(lead).unwrap();
        LeadInput::parse(&raw, at, now())
            .unwrap_err()
            .iter()
            .map(|p| (p.field.clone(), p.message.clone()))
            .collect()
    }

    #[test]
    fn a_value_of_the_wrong_type_is_a_problem_of_its_field_not_of_the_body() {
        let lead = json!({
            "external_id": 7,
            "received_at": "2026-11-20T09:30:00Z",
            "contact": { "name": "Anna", "email": ["a@b.it"], "fax": 1 },
            "location": "Milano",
            "product_line": "lathes",
            "qualification": { "score": 82.5 },
            "consent": { "share_with_dealers": "yes" },
            "touchpoints": [null, { "occurred_at": "2026-11-01T10:00:00Z", "channel": {} }],
        });

        let found = problems(&lead, "leads[2]");

        let expected = [
            ("leads[2].external_id", "must be a string"),
            ("leads[2].contact.fax", "unknown field"),
            ("leads[2].contact.email", "must be a string"),
            ("leads[2].location", "must be an object"),
            (
                "leads[2].qualification.score",
                "must be a whole number from 0 to 100",
            ),
            (
                "leads[2].consent.share_with_dealers",
                "must be true or false",
            ),
            ("leads[2].touchpoints[0]", "must be an object"),
            ("leads[2].touchpoints[1].channel", "must be a string"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(f, m)| ((*f).to_owned(), (*m).to_owned()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_body_that_is_not_an_object_is_one_problem() {
        assert_eq!(
            problems(&json!([1]), ""),
            [("(body)".to_owned(), "must be an object".to_owned())]
        );
    }
}
