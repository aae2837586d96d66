//! Lead import from a CSV file (the browser upload and `dealerloop import leads FILE`).
//!
//! One row per lead; the header names the columns (any order). The separator is `,` or `;`
//! (detected from the header line), a UTF-8 byte-order mark is ignored, quoted fields may
//! hold separators, quotes (doubled) and newlines. The `touchpoints` column (optional) holds
//! a JSON array of touchpoint objects, the same shape as in the intake API, so it reads the
//! same whatever the separator. Each row becomes the JSON lead of the intake API and goes
//! through the very same validation and storage ([`intake::validate_lead`],
//! [`intake::Batch`]) under the source `csv`: importing the same file again changes
//! nothing, and a row whose `external_id` was imported with other content is a conflict.
//!
//! Rows are stored in chunks of [`CHUNK_ROWS`], each chunk one transaction: the writer is
//! free between chunks, so the portal keeps serving while a large file goes in, and an
//! import that stops midway keeps whole chunks; importing the file again completes it.

use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::services::allocation::OfferPolicy;
use crate::services::audit::{self, Actor};
use crate::services::intake::{self, FieldProblem, IntakeOutcome, LeadInput};

/// The lead source of imported leads (idempotency is per source and `external_id`).
pub const SOURCE: &str = "csv";

/// Largest file accepted (the upload limit as well).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// Every column, in the documented order; all but `touchpoints` must be in the header.
pub const COLUMNS: [&str; 14] = [
    "external_id",
    "received_at",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_company",
    "country",
    "postcode",
    "region",
    "product_line",
    "grade",
    "score",
    "consent_share_with_dealers",
    "touchpoints",
];

const OPTIONAL_COLUMNS: [&str; 1] = ["touchpoints"];

/// Why a whole file is refused (no row is imported).
#[derive(Debug, Clone, PartialEq)]
pub enum FileProblem {
    /// Nothing but perhaps blank lines.
    Empty,
    /// A UTF-16 file (as some spreadsheets save "Unicode text").
    Utf16,
    /// Bytes that are not UTF-8, first on this line.
    NotUtf8 { line: u64 },
    /// The header lacks required columns or has columns not in the format.
    Header {
        missing: Vec<String>,
        unknown: Vec<String>,
        duplicate: Vec<String>,
    },
    /// The header has data but no row follows.
    NoRows,
    /// The CSV structure itself is broken (e.g. a quote never closed).
    Malformed { line: u64, message: String },
}

impl FileProblem {
    /// The translation key and its arguments, for the web page.
    pub fn message_key(&self) -> (&'static str, Vec<(&'static str, String)>) {
        match self {
            Self::Empty => ("csv-error-empty", vec![]),
            Self::Utf16 => ("csv-error-utf16", vec![]),
            Self::NotUtf8 { line } => ("csv-error-not-utf8", vec![("line", line.to_string())]),
            Self::Header {
                missing,
                unknown,
                duplicate,
            } => (
                "csv-error-header",
                vec![
                    ("missing", list_or_dash(missing)),
                    ("unknown", list_or_dash(unknown)),
                    ("duplicate", list_or_dash(duplicate)),
                    ("expected", COLUMNS.join(",")),
                ],
            ),
            Self::NoRows => ("csv-error-no-rows", vec![]),
            Self::Malformed { line, message } => (
                "csv-error-malformed",
                vec![("line", line.to_string()), ("message", message.clone())],
            ),
        }
    }
}

fn list_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items.join(", ")
    }
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => write!(f, "the file is empty"),
            Self::Utf16 => write!(
                f,
                "the file is UTF-16 text: save it as \"CSV UTF-8\" and try again"
            ),
            Self::NotUtf8 { line } => write!(
                f,
                "line {line}: the file is not UTF-8 text (perhaps saved as Windows-1252 or \
                 Latin-1): save it as \"CSV UTF-8\" and try again"
            ),
            Self::Header {
                missing,
                unknown,
                duplicate,
            } => {
                write!(f, "line 1: the header does not match the format")?;
                if !missing.is_empty() {
                    write!(f, "; missing columns: {}", missing.join(", "))?;
                }
                if !unknown.is_empty() {
                    write!(f, "; unknown columns: {}", unknown.join(", "))?;
                }
                if !duplicate.is_empty() {
                    write!(f, "; repeated columns: {}", duplicate.join(", "))?;
                }
                write!(f, "; expected: {}", COLUMNS.join(","))
            }
            Self::NoRows => write!(f, "the file has a header but no rows"),
            Self::Malformed { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

impl std::error::Error for FileProblem {}

/// One data row of the file: where it starts and what it holds.
#[derive(Debug, Clone)]
pub struct ParsedRow {
    /// The physical line the record starts on (the header is line 1).
    pub line: u64,
    pub external_id: Option<String>,
    /// The lead, validated exactly as the intake API does, or the problems with its columns.
    pub lead: Result<LeadInput, Vec<FieldProblem>>,
}

/// A file that could be read.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub separator: char,
    pub rows: Vec<ParsedRow>,
}

/// Reads a CSV file into validated rows (`now` bounds the times, as for the API).
pub fn parse_csv(bytes: &[u8], now: NaiveDateTime) -> Result<ParsedFile, FileProblem> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileProblem::Utf16);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let before = &bytes[..e.valid_up_to()];
            let line = 1 + before.iter().filter(|b| **b == b'\n').count() as u64;
            return Err(FileProblem::NotUtf8 { line });
        }
    };
    if text.trim().is_empty() {
        return Err(FileProblem::Empty);
    }
    let separator = detect_separator(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut lines = Lines::new(text);

    let header = loop {
        match records.next() {
            None => return Err(FileProblem::Empty),
            Some(Err(e)) => return Err(malformed(&e, &mut lines)),
            Some(Ok(r)) if is_blank(&r) => continue,
            Some(Ok(r)) => break r,
        }
    };
    let columns = read_header(&header)?;

    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| malformed(&e, &mut lines))?;
        if is_blank(&record) {
            continue; // Spreadsheets add rows of empty cells (`;;;;`) at the end.
        }
        let line = lines.at(record.position());
        rows.push(parse_row(&columns, &record, line, now));
    }
    if rows.is_empty() {
        return Err(FileProblem::NoRows);
    }
    Ok(ParsedFile { separator, rows })
}

/// `;` when the header line has more semicolons than commas (Italian spreadsheets), else `,`.
fn detect_separator(text: &str) -> char {
    let header = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let count = |c: char| header.chars().filter(|x| *x == c).count();
    if count(';') > count(',') { ';' } else { ',' }
}

/// Physical line numbers (from 1) of byte offsets, counted forward from the last offset asked
/// for: the CSV reader's own line count does not see every line break inside quoted fields.
struct Lines<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    fn at(&mut self, position: Option<&csv::Position>) -> u64 {
        let byte = position
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .min(self.text.len());
        // With CRLF the reader puts a record's start before the `\n` ending the previous one.
        let byte = byte
            + self.text[byte..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        if byte < self.byte {
            (self.byte, self.line) = (0, 1);
        }
        let breaks = self.text[self.byte..byte]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.line += breaks as u64;
        self.byte = byte;
        self.line
    }
}

fn malformed(e: &csv::Error, lines: &mut Lines<'_>) -> FileProblem {
    let line = lines.at(e.position());
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".to_owned(),
        _ => format!("the file is not valid CSV: {e}"),
    };
    FileProblem::Malformed { line, message }
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|f| f.trim().is_empty())
}

/// The position of each known column in the file.
fn read_header(header: &csv::StringRecord) -> Result<Vec<(usize, &'static str)>, FileProblem> {
    let mut columns = Vec::new();
    let (mut unknown, mut duplicate) = (Vec::new(), Vec::new());
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_lowercase();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) if columns.iter().any(|(_, k)| k == c) => duplicate.push(name),
            Some(c) => columns.push((i, *c)),
            None if name.is_empty() => unknown.push(format!("(empty, column {})", i + 1)),
            None => unknown.push(name),
        }
    }
    let missing: Vec<String> = COLUMNS
        .iter()
        .filter(|c| !OPTIONAL_COLUMNS.contains(c) && !columns.iter().any(|(_, k)| k == *c))
        .map(|c| (*c).to_owned())
        .collect();
    if missing.is_empty() && unknown.is_empty() && duplicate.is_empty() {
        Ok(columns)
    } else {
        Err(FileProblem::Header {
            missing,
            unknown,
            duplicate,
        })
    }
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
fn column_of(path: &str) -> String {
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

fn parse_row(
    columns: &[(usize, &'static str)],
    record: &csv::StringRecord,
    line: u64,
    now: NaiveDateTime,
) -> ParsedRow {
    let mut problems = Vec::new();
    let cell = |name: &str| -> Option<&str> {
        columns
            .iter()
            .find(|(_, c)| *c == name)
            .and_then(|(i, _)| record.get(*i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let text = |name: &str| cell(name).map_or(Value::Null, |s| Value::String(s.to_owned()));
    let external_id = cell("external_id").map(str::to_owned);

    if record.len() > columns.len()
        && record
            .iter()
            .skip(columns.len())
            .any(|f| !f.trim().is_empty())
    {
        problems.push(FieldProblem {
            field: "(row)".into(),
            message: format!(
                "has {} fields but the header has {} columns (a separator inside a value \
                 needs the value in double quotes)",
                record.len(),
                columns.len()
            ),
        });
    }

    let score = match cell("score") {
        None => Value::Null,
        Some(s) => match s.parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => {
                problems.push(FieldProblem {
                    field: "score".into(),
                    message: "must be a whole number from 0 to 100".into(),
                });
                Value::Null
            }
        },
    };
    let consent = match cell("consent_share_with_dealers") {
        None => Value::Null,
        Some(s) => match parse_consent(s) {
            Some(b) => Value::Bool(b),
            None => {
                problems.push(FieldProblem {
                    field: "consent_share_with_dealers".into(),
                    message: "must be true/false, yes/no, sì/no or 1/0".into(),
                });
                Value::Bool(false)
            }
        },
    };
    let touchpoints = match cell("touchpoints") {
        None => Value::Null,
        Some(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => v,
            Err(e) => {
                problems.push(FieldProblem {
                    field: "touchpoints".into(),
                    message: format!(
                        "must be a JSON array such as [{{\"occurred_at\":\"2026-11-01T10:00:00Z\",\
                         \"channel\":\"paid_search\"}}] ({e})"
                    ),
                });
                Value::Null
            }
        },
    };

    let mut lead = Map::new();
    lead.insert("external_id".into(), text("external_id"));
    lead.insert("received_at".into(), text("received_at"));
    lead.insert(
        "contact".into(),
        json!({
            "name": text("contact_name"),
            "email": text("contact_email"),
            "phone": text("contact_phone"),
            "company": text("contact_company"),
        }),
    );
    lead.insert(
        "location".into(),
        json!({
            "country": text("country"),
            "postcode": text("postcode"),
            "region": text("region"),
        }),
    );
    lead.insert("product_line".into(), text("product_line"));
    lead.insert(
        "qualification".into(),
        json!({ "grade": text("grade"), "score": score }),
    );
    lead.insert("consent".into(), json!({ "share_with_dealers": consent }));
    lead.insert("touchpoints".into(), touchpoints);

    let validated = intake::validate_lead(&Value::Object(lead), "", now);
    let lead = match validated {
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

/// A row that was not imported, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct LineProblem {
    pub line: u64,
    pub external_id: Option<String>,
    /// The column (or `(row)`); for a conflict, the columns that differ.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSummary {
    pub rows: usize,
    pub created: usize,
    /// Rows imported before with the same content: nothing changed.
    pub duplicate: usize,
    /// Rows whose `external_id` was imported before with other content (not changed).
    pub conflicts: Vec<LineProblem>,
    /// Rows that failed validation: one entry per problem.
    pub invalid: Vec<LineProblem>,
    /// How many rows failed validation.
    pub invalid_rows: usize,
}

impl ImportSummary {
    /// Every problem line, in file order.
    pub fn problems(&self) -> Vec<&LineProblem> {
        let mut all: Vec<&LineProblem> = self.invalid.iter().chain(&self.conflicts).collect();
        all.sort_by_key(|p| p.line);
        all
    }

    /// Adds what one chunk did to the summary of the whole import.
    pub fn add(&mut self, chunk: ImportSummary) {
        self.rows += chunk.rows;
        self.created += chunk.created;
        self.duplicate += chunk.duplicate;
        self.conflicts.extend(chunk.conflicts);
        self.invalid.extend(chunk.invalid);
        self.invalid_rows += chunk.invalid_rows;
    }
}

/// Rows stored in one transaction. Between chunks the writer is released, so requests are
/// served during a long import (one chunk takes well under a second).
pub const CHUNK_ROWS: usize = 1000;

/// The rows of a file in chunks of [`CHUNK_ROWS`], in file order.
pub fn chunks(rows: Vec<ParsedRow>) -> impl Iterator<Item = Vec<ParsedRow>> {
    let mut rows = rows.into_iter().peekable();
    std::iter::from_fn(move || {
        rows.peek()?;
        Some(rows.by_ref().take(CHUNK_ROWS).collect())
    })
}

/// Stores the valid rows of one chunk in one transaction (as an API batch: see
/// [`intake::Batch`]) and says what happened to every row. Call it once per chunk, each
/// time as the writer ([`crate::db::Db::write`]), then [`record_import`].
pub fn import_chunk(
    conn: &mut DbConnection,
    rows: &[ParsedRow],
    policy: &OfferPolicy,
) -> Result<ImportSummary, AppError> {
    db::transaction_retrying(conn, |conn| {
        let mut summary = ImportSummary {
            rows: rows.len(),
            ..ImportSummary::default()
        };
        let valid = rows.iter().filter_map(|row| row.lead.as_ref().ok());
        let mut batch = intake::Batch::begin(conn, SOURCE, valid)?;
        for row in rows {
            match &row.lead {
                Err(problems) => {
                    summary.invalid_rows += 1;
                    summary.invalid.extend(problems.iter().map(|p| LineProblem {
                        line: row.line,
                        external_id: row.external_id.clone(),
                        field: p.field.clone(),
                        message: p.message.clone(),
                    }));
                }
                Ok(input) => match batch.store(conn, SOURCE, input, policy)? {
                    IntakeOutcome::Created(_) => summary.created += 1,
                    IntakeOutcome::Duplicate(_) => summary.duplicate += 1,
                    IntakeOutcome::Conflict { fields, .. } => {
                        summary.conflicts.push(LineProblem {
                            line: row.line,
                            external_id: Some(input.external_id.clone()),
                            field: fields
                                .iter()
                                .map(|f| column_of(f))
                                .collect::<Vec<_>>()
                                .join(", "),
                            message: "this external_id was imported before with different \
                                      content; the stored lead was not changed"
                                .into(),
                        });
                    }
                },
            }
        }
        batch.finish(conn)?;
        Ok(summary)
    })
}

/// Records one `leads_imported` audit event with the counts of the whole import.
pub fn record_import(
    conn: &mut DbConnection,
    actor: &Actor,
    file_name: &str,
    summary: &ImportSummary,
) -> Result<(), AppError> {
    let detail = format!(
        "file {file_name}: {} rows, {} created, {} unchanged, {} conflicts, {} invalid",
        summary.rows,
        summary.created,
        summary.duplicate,
        summary.conflicts.len(),
        summary.invalid_rows
    );
    audit::record(
        conn,
        actor,
        "leads_imported",
        ("lead_import", SOURCE),
        &detail,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        reason = "a test fails loudly"
    )]

    use super::*;

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap()
    }

    const HEADER: &str = "external_id,received_at,contact_name,contact_email,contact_phone,\
        contact_company,country,postcode,region,product_line,grade,score,\
        consent_share_with_dealers,touchpoints";

    fn good_row(id: &str) -> String {
        format!(
            "{id},2026-11-20T09:30:00Z,Giulia Bianchi,giulia@example.it,+39 02 1234567,\
             \"Officine Bianchi, S.r.l.\",IT,20121,Lombardia,lathes,A,82,true,\
             \"[{{\"\"occurred_at\"\":\"\"2026-11-01T10:00:00Z\"\",\"\"channel\"\":\"\"paid_search\"\"}}]\""
        )
    }

    fn parse(text: &str) -> Result<ParsedFile, FileProblem> {
        parse_csv(text.as_bytes(), now())
    }

    #[test]
    fn a_comma_file_with_touchpoints_is_read() {
        let file = parse(&format!("{HEADER}\n{}\n", good_row("C-1"))).unwrap();
        assert_eq!(file.separator, ',');
        assert_eq!(file.rows.len(), 1);
        let lead = file.rows[0].lead.as_ref().unwrap();
        assert_eq!(
            lead.contact_company.as_deref(),
            Some("Officine Bianchi, S.r.l.")
        );
        assert_eq!(lead.touchpoints.len(), 1);
        assert_eq!(lead.touchpoints[0].channel, "paid_search");
        assert_eq!(file.rows[0].line, 2);
    }

    #[test]
    fn a_bom_is_ignored() {
        let text = format!("\u{feff}{HEADER}\r\n{}\r\n", good_row("C-1"));
        let file = parse(&text).unwrap();
        assert!(file.rows[0].lead.is_ok(), "{:?}", file.rows[0].lead);
    }

    #[test]
    fn semicolons_are_detected_as_the_separator() {
        let header = HEADER.replace(',', ";");
        let row = "S-1;2026-11-20T09:30:00Z;Mario Rossi;mario@example.it;;Rossi, Meccanica;it;20121;\
                   Lombardia;milling;B;;sì;\"[{\"\"occurred_at\"\":\"\"2026-11-01T10:00:00Z\"\",\
                   \"\"channel\"\":\"\"fair\"\",\"\"campaign\"\":\"\"emo; milano\"\"}]\"";
        let file = parse(&format!("{header}\n{row}\n;;;;;;;;;;;;;\n")).unwrap();
        assert_eq!(file.separator, ';');
        assert_eq!(file.rows.len(), 1, "the blank spreadsheet row is skipped");
        let lead = file.rows[0].lead.as_ref().unwrap();
        assert_eq!(lead.contact_company.as_deref(), Some("Rossi, Meccanica"));
        assert_eq!(lead.country, "IT");
        assert!(lead.consent_share);
        assert_eq!(lead.touchpoints[0].campaign.as_deref(), Some("emo; milano"));
    }

    #[test]
    fn quoted_newlines_keep_the_line_numbers_of_the_file() {
        let text = format!(
            "{HEADER}\r\nQ-1,2026-11-20T09:30:00Z,\"Giulia\r\nBianchi\",g@example.it,,,IT,20121,,lathes,,,yes,\n\
             Q-2,2026-11-20T09:30:00Z,Anna,not-an-email,,,IT,20121,,lathes,,,no,\n"
        );
        let file = parse(&text).unwrap();
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].line, 2);
        assert_eq!(
            file.rows[0].lead.as_ref().unwrap().contact_name,
            "Giulia\r\nBianchi"
        );
        assert_eq!(file.rows[1].line, 4, "the record after a quoted newline");
        let problems = file.rows[1].lead.as_ref().unwrap_err();
        assert_eq!(problems[0].field, "contact_email");
    }

    #[test]
    fn a_file_not_in_utf8_is_refused_with_its_line() {
        let mut bytes = format!("{HEADER}\n{}\n", good_row("U-1")).into_bytes();
        bytes.extend_from_slice(
            b"U-2,2026-11-20T09:30:00Z,Nicol\xf2 Verdi,n@example.it,,,IT,20121,,lathes,,,1,\n",
        );
        let err = parse_csv(&bytes, now()).unwrap_err();
        assert_eq!(err, FileProblem::NotUtf8 { line: 3 });
        assert!(err.to_string().contains("CSV UTF-8"), "{err}");
        assert!(err.to_string().starts_with("line 3"), "{err}");
        assert_eq!(
            parse_csv(&[0xFF, 0xFE, b'a', 0], now()).unwrap_err(),
            FileProblem::Utf16
        );
    }

    #[test]
    fn a_wrong_header_names_the_missing_and_unknown_columns() {
        let header = HEADER
            .replace("contact_phone,", "")
            .replace("grade", "qualification");
        let err = parse(&format!("{header}\n{}\n", good_row("H-1"))).unwrap_err();
        let FileProblem::Header {
            missing, unknown, ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert_eq!(missing, &["contact_phone", "grade"]);
        assert_eq!(unknown, &["qualification"]);
        let text = err.to_string();
        assert!(
            text.contains("missing columns: contact_phone, grade"),
            "{text}"
        );
        assert!(text.contains("unknown columns: qualification"), "{text}");
    }

    #[test]
    fn the_touchpoints_column_is_optional_and_columns_may_come_in_any_order() {
        let header = "consent_share_with_dealers,external_id,received_at,contact_name,contact_email,\
                      contact_phone,contact_company,country,postcode,region,product_line,grade,score";
        let row = "no,O-1,2026-11-20T09:30:00Z,Anna,anna@example.it,,,IT,,Lombardia,lathes,,";
        let file = parse(&format!("{header}\n{row}")).unwrap();
        let lead = file.rows[0].lead.as_ref().unwrap();
        assert!(!lead.consent_share);
        assert!(lead.touchpoints.is_empty());
    }

    #[test]
    fn consent_accepts_the_common_spellings() {
        for yes in ["true", "TRUE", "yes", "Sì", "si", "SI", "1", " yes "] {
            assert_eq!(parse_consent(yes), Some(true), "{yes}");
        }
        for no in ["false", "no", "NO", "0"] {
            assert_eq!(parse_consent(no), Some(false), "{no}");
        }
        for bad in ["", "maybe", "2", "y"] {
            assert_eq!(parse_consent(bad), None, "{bad}");
        }
        let row = "B-1,2026-11-20T09:30:00Z,Anna,anna@example.it,,,IT,20121,,lathes,,,forse,";
        let file = parse(&format!("{HEADER}\n{row}")).unwrap();
        let problems = file.rows[0].lead.as_ref().unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "consent_share_with_dealers");
    }

    #[test]
    fn invalid_rows_report_every_problem_by_column() {
        let row = "X 1,2030-01-01T00:00:00Z,,bad,,,ITA,,,boats & co,,101,,not json";
        let file = parse(&format!("{HEADER}\n{row}")).unwrap();
        let fields: Vec<String> = file.rows[0]
            .lead
            .as_ref()
            .unwrap_err()
            .iter()
            .map(|p| p.field.clone())
            .collect();
        for expected in [
            "touchpoints",
            "external_id",
            "received_at",
            "product_line",
            "contact_name",
            "contact_email",
            "country",
            "score",
            "consent_share_with_dealers",
        ] {
            assert!(
                fields.iter().any(|f| f == expected),
                "{expected} in {fields:?}"
            );
        }
    }

    #[test]
    fn empty_files_and_a_header_alone_are_refused() {
        assert_eq!(parse("").unwrap_err(), FileProblem::Empty);
        assert_eq!(parse("\u{feff}\n\n").unwrap_err(), FileProblem::Empty);
        assert_eq!(
            parse(&format!("{HEADER}\n")).unwrap_err(),
            FileProblem::NoRows
        );
    }

    #[test]
    fn a_row_with_too_many_fields_says_so() {
        let row = format!("{},extra", good_row("T-1"));
        let file = parse(&format!("{HEADER}\n{row}")).unwrap();
        let problems = file.rows[0].lead.as_ref().unwrap_err();
        assert_eq!(problems[0].field, "(row)");
    }
}
