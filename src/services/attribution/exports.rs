//! Every attribution table as CSV (formula-safe cells: a campaign code or a competitor
//! typed by someone never runs as a formula in the manager's spreadsheet).

use super::Model;
use super::checks::{Cell, Checks, band_label};
use super::report::{Dimension, Report};
use crate::error::AppError;
use crate::services::csv_export::cell;

fn fail(e: csv::Error) -> AppError {
    AppError::Internal(e.into())
}

fn finish(out: csv::Writer<Vec<u8>>) -> Result<String, AppError> {
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}

fn euros(cents: i64) -> String {
    format!("{:.2}", cents as f64 / 100.0)
}

fn opt(x: Option<f64>, places: usize) -> String {
    x.map_or_else(String::new, |x| format!("{x:.places$}"))
}

/// The report's rows and its totals.
pub fn report(report: &Report, model: Model, dimension: Dimension) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        dimension.as_str(),
        "name",
        "model",
        "leads",
        "lead_share",
        "accepted",
        "won",
        "conversion_rate",
        "revenue_eur",
        "revenue_share",
        "pipeline_eur",
        "spend_eur",
        "roi",
        "roas",
        "pipeline_to_spend",
        "cost_per_lead_eur",
        "cac_eur",
        "median_days_to_close",
        "mean_lead_rating",
        "never_reached_rate",
        "top_lost_reasons",
        "top_competitors",
    ])
    .map_err(fail)?;
    for r in report.rows.iter().chain(std::iter::once(&report.totals)) {
        let key = if r.key.is_empty() { "(total)" } else { &r.key };
        out.write_record([
            cell(key),
            cell(r.label.as_deref().unwrap_or("")),
            model.as_str().to_owned(),
            format!("{:.4}", r.leads),
            format!("{:.6}", r.lead_share),
            format!("{:.4}", r.accepted),
            format!("{:.4}", r.won),
            opt(r.conversion_rate(), 6),
            euros(r.revenue_cents),
            format!("{:.6}", r.revenue_share),
            format!("{:.2}", r.pipeline_cents / 100.0),
            r.spend_cents.map_or_else(String::new, euros),
            opt(r.roi(), 4),
            opt(r.roas(), 4),
            opt(r.pipeline_ratio(), 4),
            r.cost_per_lead_cents().map_or_else(String::new, euros),
            r.cac_cents().map_or_else(String::new, euros),
            opt(r.median_days_to_close, 1),
            opt(r.mean_rating, 2),
            opt(r.unreached_rate, 4),
            r.top_lost_reasons
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            cell(
                &r.top_competitors
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
        ])
        .map_err(fail)?;
    }
    // What the figures leave out for lack of an exchange rate, never silently.
    for (currency, month, cents) in &report.currencies.left_out {
        let mut record = vec![String::new(); 22];
        record[0] = "(left out: no exchange rate)".to_owned();
        record[1] = format!("{} {currency} in {month}", euros(*cents));
        out.write_record(&record).map_err(fail)?;
    }
    finish(out)
}

/// The model comparison: per key, the revenue each model credits.
pub fn models(rows: &[(String, Vec<i64>)]) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["key".to_owned()];
    header.extend(Model::ALL.iter().map(|m| format!("{}_eur", m.as_str())));
    out.write_record(&header).map_err(fail)?;
    for (key, cents) in rows {
        let mut record = vec![cell(key)];
        record.extend(cents.iter().map(|c| euros(*c)));
        out.write_record(&record).map_err(fail)?;
    }
    finish(out)
}

/// The tables of the checks page, one after another, each headed by its name.
pub fn checks(checks: &Checks) -> Result<String, AppError> {
    // The tables have different widths.
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let calibration = |out: &mut csv::Writer<Vec<u8>>,
                       name: &str,
                       rows: Vec<(String, &Cell, &Vec<Cell>)>|
     -> Result<(), AppError> {
        let mut header = vec![
            name.to_owned(),
            "leads".into(),
            "won".into(),
            "conversion_rate".into(),
            "revenue_eur".into(),
        ];
        header.extend(
            checks
                .keys
                .iter()
                .map(|k| format!("conversion_{}", cell(k))),
        );
        out.write_record(&header).map_err(fail)?;
        for (label, whole, per_key) in rows {
            let mut record = vec![
                cell(&label),
                format!("{:.4}", whole.leads),
                format!("{:.4}", whole.won),
                opt(whole.conversion_rate(), 6),
                euros(whole.revenue_cents),
            ];
            record.extend(per_key.iter().map(|c| opt(c.conversion_rate(), 6)));
            out.write_record(&record).map_err(fail)?;
        }
        Ok(())
    };
    calibration(
        &mut out,
        "grade",
        checks
            .by_grade
            .iter()
            .map(|(g, w, k)| (g.clone(), w, k))
            .collect(),
    )?;
    calibration(
        &mut out,
        "score_band",
        checks
            .by_band
            .iter()
            .map(|(b, w, k)| (band_label(*b), w, k))
            .collect(),
    )?;
    let mut header = vec!["month".to_owned()];
    for k in &checks.keys {
        header.push(format!("revenue_eur_{}", cell(k)));
        header.push(format!("spend_eur_{}", cell(k)));
    }
    out.write_record(&header).map_err(fail)?;
    for (month, cells) in &checks.months {
        let mut record = vec![month.clone()];
        for (revenue, spend) in cells {
            record.push(euros(*revenue));
            record.push(spend.map_or_else(String::new, euros));
        }
        out.write_record(&record).map_err(fail)?;
    }
    let mut header = vec!["first_touch".to_owned()];
    header.extend(
        checks
            .answers
            .iter()
            .map(|a| format!("heard_{}", a.as_str())),
    );
    header.push("no_answer".into());
    out.write_record(&header).map_err(fail)?;
    for (channel, counts) in &checks.first_heard {
        let mut record = vec![cell(channel)];
        record.extend(counts.iter().map(u64::to_string));
        out.write_record(&record).map_err(fail)?;
    }
    finish(out)
}
