//! Lead import from a CSV file (the browser upload and `dealerloop import leads FILE`).
//!
//! One row per lead; the header names the columns (any order). The separator is `,` or `;`
//! (detected from the header line), a UTF-8 byte-order mark is ignored, quoted fields may
//! hold separators, quotes (doubled) and newlines. The `touchpoints` column (optional) holds
//! a JSON array of touchpoint objects, the same shape as in the intake API, so it reads the
//! same whatever the separator. Each row becomes the [`RawLead`](intake::RawLead) of the intake API and
//! goes through the very same validation and storage ([`intake::LeadInput::parse`],
//! [`intake::Batch`]) under the source `csv`: importing the same file again changes
//! nothing, and a row whose `external_id` was imported with other content is a conflict.
//!
//! Rows are stored in chunks of [`CHUNK_ROWS`], each chunk one transaction: the writer is
//! free between chunks, so the portal keeps serving while a large file goes in, and an
//! import that stops midway keeps whole chunks; importing the file again completes it.

mod file;
mod import;
mod row;

pub use file::{Columns, FileProblem, Format, ParsedFile, parse_csv, read_rows};
pub use import::{
    CHUNK_ROWS, ImportSummary, LineProblem, chunks, import_chunk, import_rows, record_import,
};
pub use row::{ParsedRow, parse_consent};

#[cfg(test)]
use chrono::NaiveDateTime;

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
