//! Campaign spend from a CSV file: one row per campaign and month, as finance exports it.
//!
//! Columns `campaign,month,amount[,currency]` in any order, separated by `,` or `;` (read
//! like the lead import: a UTF-8 byte-order mark, quotes, blank rows). The amount is typed
//! the way the uploader's language writes it ("1.250,50" in Italian) and the currency
//! defaults to EUR. Every row is checked; the rows without a problem are stored (a month
//! already set is replaced, the same amount again changes nothing), the others are listed
//! with their line, column and reason, and one audit event records the import.

use super::currency::parse_month;
use crate::db::{self, DbConnection};
use crate::domain::feedback_fields::parse_amount;
use crate::domain::{Currency, MessageKey};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::campaign::{Campaign, CampaignSpend};
use crate::services::audit::{self, Actor};
use crate::services::csv_import::{Columns, FileProblem, Format, read_rows};

/// The columns, in the documented order.
pub const FORMAT: Format = Format {
    columns: &["campaign", "month", "amount", "currency"],
    optional: &["currency"],
};

/// One row read from the file: what it sets, or its problems.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendRow {
    pub line: u64,
    pub campaign: String,
    pub month: String,
    pub cents: Option<i64>,
    pub currency: Option<Currency>,
    pub problems: Vec<SpendProblem>,
}

/// A problem of one cell of a row (translated where it is shown).
#[derive(Debug, Clone, PartialEq)]
pub struct SpendProblem {
    pub line: u64,
    pub column: &'static str,
    pub key: MessageKey,
    /// The cell as the file has it.
    pub value: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpendImport {
    pub rows: usize,
    /// Months set for the first time.
    pub created: usize,
    /// Months whose amount or currency changed.
    pub changed: usize,
    /// Rows that set what was already there.
    pub unchanged: usize,
    /// One entry per problem, in file order.
    pub problems: Vec<SpendProblem>,
}

impl SpendImport {
    /// How many rows were refused.
    pub fn refused(&self) -> usize {
        let mut lines: Vec<u64> = self.problems.iter().map(|p| p.line).collect();
        lines.dedup();
        lines.len()
    }
}

/// Reads the file's rows, each checked on its own (`locale` reads the amounts).
pub fn parse(bytes: &[u8], locale: Locale) -> Result<Vec<SpendRow>, FileProblem> {
    read_rows(bytes, &FORMAT, |columns, record, line| {
        parse_row(columns, record, line, locale)
    })
    .map(|(_, rows)| rows)
}

fn parse_row(columns: &Columns, record: &csv::StringRecord, line: u64, locale: Locale) -> SpendRow {
    let cell = |name: &str| -> String {
        columns
            .iter()
            .find(|(_, c)| *c == name)
            .and_then(|(i, _)| record.get(*i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    let mut check = |column: &'static str, value: &str, key: Option<MessageKey>| {
        if let Some(key) = key {
            problems.push(SpendProblem {
                line,
                column,
                key,
                value: value.chars().take(100).collect(),
            });
        }
    };
    let campaign = cell("campaign");
    check(
        "campaign",
        &campaign,
        (campaign.is_empty() || campaign.chars().count() > 200).then_some("spend-error-campaign"),
    );
    let month_cell = cell("month");
    let month = parse_month(&month_cell);
    check("month", &month_cell, month.as_ref().err().copied());
    let amount_cell = cell("amount");
    let cents = if amount_cell.is_empty() {
        Err("spend-error-amount-missing")
    } else {
        parse_amount(&amount_cell, locale).map_err(|_| "spend-error-amount")
    };
    check("amount", &amount_cell, cents.as_ref().err().copied());
    let currency_cell = cell("currency");
    let currency = if currency_cell.is_empty() {
        Ok(Currency::Eur)
    } else {
        currency_cell
            .to_uppercase()
            .parse::<Currency>()
            .map_err(|_| "spend-error-currency")
    };
    check("currency", &currency_cell, currency.as_ref().err().copied());
    SpendRow {
        line,
        campaign,
        month: month.unwrap_or(month_cell),
        cents: cents.ok(),
        currency: currency.ok(),
        problems,
    }
}

/// Stores the rows without problems in one transaction (a spend file is at most a few
/// thousand rows), refusing rows for a campaign nobody set up and repeats of a campaign
/// and month within the file, and audits the import.
pub fn import(
    conn: &mut DbConnection,
    rows: &[SpendRow],
    actor: &Actor,
    file_name: &str,
) -> Result<SpendImport, AppError> {
    db::transaction_retrying(conn, |conn| {
        let mut summary = SpendImport {
            rows: rows.len(),
            ..SpendImport::default()
        };
        let campaigns = Campaign::all(conn)?;
        let mut seen: Vec<(i64, &str, u64)> = Vec::new();
        for row in rows {
            let mut problems = row.problems.clone();
            let campaign = campaigns.iter().find(|c| c.code == row.campaign);
            if campaign.is_none() && !row.campaign.is_empty() {
                problems.push(SpendProblem {
                    line: row.line,
                    column: "campaign",
                    key: "spend-error-campaign-unknown",
                    value: row.campaign.chars().take(100).collect(),
                });
            }
            if let Some(c) = campaign
                && seen
                    .iter()
                    .any(|(id, month, _)| *id == c.id && *month == row.month)
            {
                problems.push(SpendProblem {
                    line: row.line,
                    column: "month",
                    key: "spend-error-repeated",
                    value: row.month.clone(),
                });
            }
            let (Some(campaign), Some(cents), Some(currency), true) =
                (campaign, row.cents, row.currency, problems.is_empty())
            else {
                summary.problems.extend(problems);
                continue;
            };
            seen.push((campaign.id, &row.month, row.line));
            let spend = CampaignSpend {
                campaign_id: campaign.id,
                month: row.month.clone(),
                amount_cents: cents,
                currency: currency.as_str().to_owned(),
            };
            match CampaignSpend::find(conn, campaign.id, &row.month)? {
                None => summary.created += 1,
                Some(old) if old.amount_cents == cents && old.currency == spend.currency => {
                    summary.unchanged += 1;
                    continue;
                }
                Some(_) => summary.changed += 1,
            }
            CampaignSpend::set(conn, &spend)?;
        }
        audit::record(
            conn,
            actor,
            "campaign_spend_imported",
            ("file", file_name),
            &format!(
                "{} rows: {} new, {} changed, {} unchanged, {} refused",
                summary.rows,
                summary.created,
                summary.changed,
                summary.unchanged,
                summary.refused()
            ),
        )?;
        Ok(summary)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;

    #[test]
    fn rows_are_read_in_either_language_with_each_problem_named() {
        let file = "Month;Campaign;Amount;Currency\n\
                    2026-03;fiera-2026;1.250,50;\n\
                    2026-13;fiera-2026;abc;YEN\n\
                    ;;;\n\
                    2026-04;;12;chf\n";
        let rows = parse(file.as_bytes(), Locale::It).unwrap();
        assert_eq!(rows.len(), 3, "the blank row is skipped");
        assert_eq!(rows[0].cents, Some(125_050));
        assert_eq!(rows[0].currency, Some(Currency::Eur));
        assert!(rows[0].problems.is_empty());
        let keys: Vec<(u64, &str, &str)> = rows
            .iter()
            .flat_map(|r| &r.problems)
            .map(|p| (p.line, p.column, p.key))
            .collect();
        assert_eq!(
            keys,
            vec![
                (3, "month", "rates-error-month"),
                (3, "amount", "spend-error-amount"),
                (3, "currency", "spend-error-currency"),
                (5, "campaign", "spend-error-campaign"),
            ]
        );
        assert_eq!(rows[2].currency, Some(Currency::Chf));
    }

    #[test]
    fn a_header_without_the_amount_is_refused_whole() {
        let err = parse(b"campaign,month\nx,2026-01\n", Locale::En).unwrap_err();
        assert!(
            matches!(&err, FileProblem::Header { missing, .. } if missing == &["amount"]),
            "{err:?}"
        );
    }
}
