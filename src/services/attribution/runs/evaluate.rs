//! Every model over every journey at once: per channel, the revenue each of the eight
//! models credits (the seven heuristic ones and the Markov chain's removal effects) and
//! the conversions it credits, from one read of the journey rows. What `dealerloop
//! attribution --evaluate` prints, and what the speed target of a whole-network run is
//! measured on.

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::super::currency::Conversions;
use super::super::journeys::from_micros;
use super::super::markov::{removal_effects, touch_shares};
use super::super::models::{HEURISTIC, Journey, Model, Settings, Touch, shares};
use super::super::split::largest_remainder;
use super::{Gathered, gather};
use crate::db::DbConnection;
use crate::error::AppError;

/// Per channel, what one model credits.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTotals {
    pub model: Model,
    /// Revenue in base cents (each sale split in whole cents, so the totals sum exactly).
    pub revenue_cents: Vec<i64>,
    /// Conversions credited (each converted journey counts 1, split by the model).
    pub conversions: Vec<f64>,
}

/// Every model's totals per channel over every decided journey.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub journeys: usize,
    pub conversions: usize,
    pub channels: Vec<String>,
    /// The seven heuristic models in [`HEURISTIC`] order, then Markov.
    pub models: Vec<ModelTotals>,
    /// Per channel, its share of the Markov chain's removal effects.
    pub markov_shares: Vec<f64>,
    /// Revenue in other currencies: converted, or left out for lack of a rate.
    pub currencies: Conversions,
    pub reading: Duration,
    pub computing: Duration,
}

/// Reads every decided journey at `now` and credits each converted one under every model.
pub fn evaluate(
    conn: &mut DbConnection,
    settings: &Settings,
    now: NaiveDateTime,
) -> Result<Evaluation, AppError> {
    let started = Instant::now();
    let g = gather(conn, settings, now)?;
    let reading = started.elapsed();
    let started = Instant::now();
    let mut evaluation = credit_all(&g, settings)?;
    evaluation.reading = reading;
    evaluation.computing = started.elapsed();
    Ok(evaluation)
}

/// Credits every converted journey of `g` under every model (pure).
pub fn credit_all(g: &Gathered, settings: &Settings) -> Result<Evaluation, AppError> {
    let removal = removal_effects(&g.paths, g.channels.len(), settings.markov_order)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let markov_shares = removal.shares();
    let n = g.channels.len();
    let mut models: Vec<ModelTotals> = HEURISTIC
        .iter()
        .copied()
        .chain(std::iter::once(Model::Markov))
        .map(|model| ModelTotals {
            model,
            revenue_cents: vec![0; n],
            conversions: vec![0.0; n],
        })
        .collect();
    let mut currencies = Conversions::default();
    let mut touches: Vec<Touch> = Vec::new();
    for w in &g.won {
        if w.channels.is_empty() {
            continue;
        }
        let revenue = currencies.convert(&g.rates, w.revenue_cents, w.currency, &w.close_month);
        touches.clear();
        touches.extend(w.channels.iter().zip(&w.times_us).map(|(&c, &at)| Touch {
            occurred_at: from_micros(at),
            channel: g.channels[c as usize].clone(),
        }));
        let journey = Journey {
            touches: &touches,
            received_at: from_micros(w.received_us),
            accepted_at: w.accepted_us.map(from_micros),
            converted_at: from_micros(w.converted_us),
        };
        for totals in &mut models {
            let split = match totals.model {
                Model::Markov => touch_shares(&w.channels, &markov_shares),
                model => shares(model, &journey, settings),
            };
            add(totals, &w.channels, &split, revenue);
        }
    }
    Ok(Evaluation {
        journeys: removal.journeys,
        conversions: removal.conversions,
        channels: g.channels.clone(),
        models,
        markov_shares,
        currencies: currencies.sorted(),
        reading: Duration::ZERO,
        computing: Duration::ZERO,
    })
}

fn add(totals: &mut ModelTotals, channels: &[u32], split: &[f64], revenue: Option<i64>) {
    let sum: f64 = split.iter().sum();
    for (&c, &s) in channels.iter().zip(split) {
        if sum > 0.0 {
            totals.conversions[c as usize] += s / sum;
        }
    }
    if let Some(revenue) = revenue {
        for (&c, cents) in channels.iter().zip(largest_remainder(revenue, split)) {
            totals.revenue_cents[c as usize] += cents;
        }
    }
}

/// Writes every decided journey at `now` as ChannelAttribution reads them: one CSV row per
/// distinct path of channels (`a > b > c`), with its conversions, their value (in base
/// euro, as the report) and the journeys that did not convert. Returns the rows written.
pub fn export_paths(
    conn: &mut DbConnection,
    settings: &Settings,
    now: NaiveDateTime,
    to: &std::path::Path,
) -> Result<usize, AppError> {
    let g = gather(conn, settings, now)?;
    // Per path: conversions, their value (base cents), journeys that did not convert. A
    // converted path is its won journey's channels; the others come from the paths.
    let mut by_path: rustc_hash::FxHashMap<&[u32], (u64, i64, u64)> =
        rustc_hash::FxHashMap::default();
    let mut currencies = Conversions::default();
    for w in g.won.iter().filter(|w| !w.channels.is_empty()) {
        let e = by_path.entry(&w.channels).or_default();
        e.0 += 1;
        e.1 += currencies
            .convert(&g.rates, w.revenue_cents, w.currency, &w.close_month)
            .unwrap_or(0);
    }
    for p in g.paths.iter().filter(|p| !p.converted) {
        by_path.entry(&p.channels).or_default().2 += 1;
    }
    let mut out = csv::Writer::from_path(to).map_err(|e| AppError::Internal(e.into()))?;
    let fail = |e: csv::Error| AppError::Internal(e.into());
    out.write_record([
        "path",
        "total_conversions",
        "total_conversion_value",
        "total_null",
    ])
    .map_err(fail)?;
    let mut rows: Vec<_> = by_path.into_iter().collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (path, (conversions, value, nulls)) in &rows {
        let names: Vec<&str> = path
            .iter()
            .map(|&c| g.channels[c as usize].as_str())
            .collect();
        out.write_record([
            names.join(" > "),
            conversions.to_string(),
            format!("{:.2}", *value as f64 / 100.0),
            nulls.to_string(),
        ])
        .map_err(fail)?;
    }
    out.flush().map_err(|e| AppError::Internal(e.into()))?;
    Ok(rows.len())
}
