//! Storing parsed rows chunk by chunk, and what an import did.

use super::SOURCE;
use super::row::{ParsedRow, column_of};
use crate::db::{self, Db, DbConnection};
use crate::error::AppError;
use crate::services::allocation::OfferPolicy;
use crate::services::audit::{self, Actor};
use crate::services::intake::{self, IntakeOutcome};

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
        let mut batch = intake::Batch::begin(conn, SOURCE, valid, db::now())?;
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

/// Imports the rows of a file read by [`super::parse_csv`]: one write per chunk, so other
/// requests are served between chunks (each chunk's offer emails go out as it commits),
/// then the audit event of the whole import.
pub async fn import_rows(
    db: &Db,
    rows: Vec<ParsedRow>,
    policy: &OfferPolicy,
    actor: Actor,
    file_name: String,
) -> Result<ImportSummary, AppError> {
    let mut summary = ImportSummary::default();
    for chunk in chunks(rows) {
        let policy = policy.clone();
        let done = db
            .write(move |conn| import_chunk(conn, &chunk, &policy))
            .await?;
        summary.add(done);
    }
    let recorded = summary.clone();
    db.write(move |conn| record_import(conn, &actor, &file_name, &recorded))
        .await?;
    Ok(summary)
}
