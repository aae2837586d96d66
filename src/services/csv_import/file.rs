//! Reading a CSV file: encoding, separator, header and records, each record a row.

use chrono::NaiveDateTime;

use super::row::{ParsedRow, parse_row};
use super::{COLUMNS, OPTIONAL_COLUMNS};

/// What a kind of CSV file holds: its columns in the documented order, and which of them
/// the header may leave out.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    pub columns: &'static [&'static str],
    pub optional: &'static [&'static str],
}

impl Format {
    /// The header line the format documents.
    pub fn header(&self) -> String {
        self.columns.join(",")
    }
}

/// Leads, as `dealerloop import leads` and the upload read them.
pub const LEADS: Format = Format {
    columns: &COLUMNS,
    optional: &OPTIONAL_COLUMNS,
};

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
        /// The header the format documents.
        expected: String,
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
                expected,
            } => (
                "csv-error-header",
                vec![
                    ("missing", list_or_dash(missing)),
                    ("unknown", list_or_dash(unknown)),
                    ("duplicate", list_or_dash(duplicate)),
                    ("expected", expected.clone()),
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

impl FileProblem {
    /// What is wrong, in `locale`'s words.
    pub fn translated(&self, locale: crate::i18n::Locale) -> String {
        let (key, args) = self.message_key();
        let args: Vec<_> = args.into_iter().map(|(k, v)| (k, v.into())).collect();
        locale.t_args(key, &args)
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
                expected,
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
                write!(f, "; expected: {expected}")
            }
            Self::NoRows => write!(f, "the file has a header but no rows"),
            Self::Malformed { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

impl std::error::Error for FileProblem {}

/// A file that could be read.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub separator: char,
    pub rows: Vec<ParsedRow>,
}

/// Reads a CSV file into validated rows (`now` bounds the times, as for the API).
pub fn parse_csv(bytes: &[u8], now: NaiveDateTime) -> Result<ParsedFile, FileProblem> {
    let (separator, rows) = read_rows(bytes, &LEADS, |columns, record, line| {
        parse_row(columns, record, line, now)
    })?;
    Ok(ParsedFile { separator, rows })
}

/// The columns of a header: each known column's position in the file.
pub type Columns = [(usize, &'static str)];

/// Reads a CSV file of `format`: its separator, and each non-blank record after the header
/// made a row by `row` (given the header's columns, the record and its line number).
pub fn read_rows<R>(
    bytes: &[u8],
    format: &Format,
    mut row: impl FnMut(&Columns, &csv::StringRecord, u64) -> R,
) -> Result<(char, Vec<R>), FileProblem> {
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
    let columns = read_header(&header, format)?;

    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| malformed(&e, &mut lines))?;
        if is_blank(&record) {
            continue; // Spreadsheets add rows of empty cells (`;;;;`) at the end.
        }
        let line = lines.at(record.position());
        rows.push(row(&columns, &record, line));
    }
    if rows.is_empty() {
        return Err(FileProblem::NoRows);
    }
    Ok((separator, rows))
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
fn read_header(
    header: &csv::StringRecord,
    format: &Format,
) -> Result<Vec<(usize, &'static str)>, FileProblem> {
    let mut columns = Vec::new();
    let (mut unknown, mut duplicate) = (Vec::new(), Vec::new());
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_lowercase();
        match format.columns.iter().find(|c| **c == name) {
            Some(c) if columns.iter().any(|(_, k)| k == c) => duplicate.push(name),
            Some(c) => columns.push((i, *c)),
            None if name.is_empty() => unknown.push(format!("(empty, column {})", i + 1)),
            None => unknown.push(name),
        }
    }
    let missing: Vec<String> = format
        .columns
        .iter()
        .filter(|c| !format.optional.contains(c) && !columns.iter().any(|(_, k)| k == *c))
        .map(|c| (*c).to_owned())
        .collect();
    if missing.is_empty() && unknown.is_empty() && duplicate.is_empty() {
        Ok(columns)
    } else {
        Err(FileProblem::Header {
            missing,
            unknown,
            duplicate,
            expected: format.header(),
        })
    }
}
