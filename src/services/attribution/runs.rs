//! Runs of the data-driven model: every decided journey (converted or not) is read on a
//! reading connection, the chain is solved, and in one short write the run is stored and
//! every won outcome's Markov credits are rewritten from it.
//!
//! A journey is decided when its lead was won (converted; its touchpoints up to the
//! conversion), lost, never reached, or is still open `horizon_days` after it was
//! received (not converted). Leads without touchpoints take no part in the chain.

use std::time::Instant;

use chrono::{NaiveDateTime, TimeDelta};
use rustc_hash::FxHashMap;

use super::credits::{StoredJourney, conversion_time, markov_touch_shares, rows_for};
use super::currency::{Conversions, Rates};
use super::journeys;
use super::markov::{Path, removal_effects, touch_shares};
use super::models::{Model, Settings};
use crate::db::DbConnection;
use crate::domain::{Currency, FeedbackOutcome};
use crate::error::AppError;
use crate::models::attribution::{
    self as stored, CreditRow, NewRun, RunChannelRow, RunRow, WonState,
};
use crate::models::feedback::SaleOutcome;
use crate::models::journey::JourneyRow;
use crate::models::lead::LeadRow;

mod evaluate;

pub use evaluate::{Evaluation, ModelTotals, credit_all, evaluate, export_paths};

/// A won journey, kept for its credits.
#[derive(Debug, Clone)]
struct Won {
    /// What the credits were computed from (compared when they are stored).
    state: WonState,
    lead_id: i64,
    revenue_cents: i64,
    currency: Currency,
    /// The month of the sale (`YYYY-MM`), whose rate converts its revenue.
    close_month: String,
    touchpoint_ids: Vec<i64>,
    channels: Vec<u32>,
    /// The touches' times, the lead's arrival, its acceptance and conversion (µs).
    times_us: Vec<i64>,
    received_us: i64,
    accepted_us: Option<i64>,
    converted_us: i64,
}

/// Everything a run reads, gathered outside the writer.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// Channel names; a path's channels index into this.
    channels: Vec<String>,
    paths: Vec<Path>,
    won: Vec<Won>,
    rates: Rates,
}

impl Gathered {
    pub fn journeys(&self) -> usize {
        self.paths.len()
    }
}

/// Reads every decided journey at `now`: one scan of the journey rows (see
/// [`super::journeys`]).
pub fn gather(
    conn: &mut DbConnection,
    settings: &Settings,
    now: NaiveDateTime,
) -> Result<Gathered, AppError> {
    let (now_us, horizon_us) = (
        journeys::micros(now),
        journeys::micros(now - TimeDelta::days(settings.horizon_days)),
    );
    let mut g = Gathered {
        rates: Rates::load(conn)?,
        ..Gathered::default()
    };
    let mut index: FxHashMap<String, u32> = FxHashMap::default();
    JourneyRow::for_each_decided(conn, horizon_us, |row| -> Result<(), AppError> {
        let won = row.outcome == Some(FeedbackOutcome::Won);
        let decided = won
            || row.outcome == Some(FeedbackOutcome::Lost)
            || row.unreached
            || row.received_us <= horizon_us;
        if !decided {
            return Ok(());
        }
        let Some(path) = journeys::decode(&row.path) else {
            return Err(AppError::Internal(anyhow::anyhow!(
                "the journey of lead {} cannot be read",
                row.lead_id
            )));
        };
        let until_us = match (won, row.converted_us) {
            (true, Some(converted)) => converted,
            _ => now_us,
        };
        let mut channels = Vec::with_capacity(path.len());
        let mut ids = Vec::new();
        let mut times_us = Vec::new();
        for t in path.iter().filter(|t| t.at_us <= until_us) {
            let c = match index.get(t.channel) {
                Some(&c) => c,
                None => {
                    let c = u32::try_from(index.len()).unwrap_or(u32::MAX);
                    index.insert(t.channel.to_owned(), c);
                    g.channels.push(t.channel.to_owned());
                    c
                }
            };
            channels.push(c);
            if won {
                ids.push(t.touchpoint_id);
                times_us.push(t.at_us);
            }
        }
        if won {
            g.won.push(Won {
                state: WonState {
                    lead_id: row.lead_id,
                    last_event_id: row.last_event_id.unwrap_or_default(),
                    touchpoints: i64::try_from(path.len()).unwrap_or(i64::MAX),
                    newest_touchpoint: path.iter().map(|t| t.touchpoint_id).max(),
                },
                lead_id: row.lead_id,
                revenue_cents: row.revenue_cents.unwrap_or(0),
                currency: row.currency.unwrap_or(Currency::Eur),
                close_month: super::report::month(journeys::from_micros(until_us).date()),
                touchpoint_ids: ids,
                channels: channels.clone(),
                times_us,
                received_us: row.received_us,
                accepted_us: row.accepted_us,
                converted_us: until_us,
            });
        }
        if !channels.is_empty() {
            g.paths.push(Path {
                channels,
                converted: won,
            });
        }
        Ok(())
    })?;
    Ok(g)
}

/// What a run found, ready to store.
#[derive(Debug, Clone)]
pub struct Solved {
    pub journeys: usize,
    pub conversions: usize,
    pub states: usize,
    pub conversion_probability: f64,
    pub order: usize,
    pub channels: Vec<RunChannelRow>,
    /// Per won lead: what its Markov credits were computed from, and the credits.
    credits: FxHashMap<i64, (WonState, Vec<CreditRow>)>,
    pub seconds: f64,
}

/// Solves the chain over what was gathered and credits every won outcome from it.
pub fn solve(g: &Gathered, settings: &Settings) -> Result<Solved, AppError> {
    let started = Instant::now();
    let removal = removal_effects(&g.paths, g.channels.len(), settings.markov_order)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let shares = removal.shares();
    let mut credits = FxHashMap::default();
    let mut credited = vec![0i64; g.channels.len()];
    let mut in_journeys = vec![0i64; g.channels.len()];
    for p in &g.paths {
        let mut seen: Vec<u32> = p.channels.clone();
        seen.sort_unstable();
        seen.dedup();
        for c in seen {
            in_journeys[c as usize] += 1;
        }
    }
    for w in &g.won {
        let rows = rows_for(
            w.lead_id,
            Model::Markov,
            &w.touchpoint_ids,
            &touch_shares(&w.channels, &shares),
            w.revenue_cents,
        );
        let cents: Vec<i64> = rows.iter().map(|r| r.cents).collect();
        let mut currencies = Conversions::default();
        if let Some(base) = currencies.convert_parts(&g.rates, &cents, w.currency, &w.close_month) {
            for (part, &c) in base.iter().zip(&w.channels) {
                credited[c as usize] += part;
            }
        }
        credits.insert(w.lead_id, (w.state.clone(), rows));
    }
    let channels = g
        .channels
        .iter()
        .enumerate()
        .map(|(i, name)| RunChannelRow {
            run_id: 0,
            channel: name.clone(),
            journeys: in_journeys[i],
            removal_effect: removal.effects[i],
            share: shares[i],
            credited_cents: credited[i],
        })
        .collect();
    Ok(Solved {
        journeys: removal.journeys,
        conversions: removal.conversions,
        states: removal.states,
        conversion_probability: removal.conversion_probability,
        order: removal.order,
        channels,
        credits,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// How many won leads one write rewrites: a run over hundreds of thousands of outcomes
/// holds the writer for a moment per chunk, never for the whole run.
pub const CHUNK: usize = 5_000;

/// The lead id ranges a run's credits are rewritten in, one write each: together they
/// cover every id, so leads won after the journeys were read are credited too.
pub fn chunks(solved: &Solved) -> Vec<(i64, i64)> {
    let mut won: Vec<i64> = solved.credits.keys().copied().collect();
    won.sort_unstable();
    let mut out = Vec::new();
    let mut from = i64::MIN;
    for chunk in won.chunks(CHUNK) {
        let to = *chunk.last().unwrap_or(&from);
        out.push((from, to));
        from = to.saturating_add(1);
    }
    out.push((from, i64::MAX));
    out
}

/// Rewrites the Markov credits of the won leads with ids in `[first, last]` from a solved
/// run, in the caller's transaction. A won lead whose outcome or touchpoints changed since
/// the journeys were read is credited from its journey now. Returns the leads credited.
pub fn store_chunk(
    conn: &mut DbConnection,
    solved: &Solved,
    (first, last): (i64, i64),
) -> Result<i64, AppError> {
    let channel_shares: Vec<(String, f64)> = solved
        .channels
        .iter()
        .map(|c| (c.channel.clone(), c.share))
        .collect();
    let mut rows = Vec::new();
    let mut credited = 0i64;
    for now_won in stored::won_leads_between(conn, first, last)? {
        credited += 1;
        match solved.credits.get(&now_won.lead_id) {
            Some((read, kept)) if *read == now_won => rows.extend(kept.iter().cloned()),
            _ => rows.extend(current_markov_rows(conn, now_won.lead_id, &channel_shares)?),
        }
    }
    CreditRow::replace_model_between(conn, Model::Markov, first, last, &rows)?;
    Ok(credited)
}

/// Stores the run itself, once every chunk is written; returns its id.
pub fn finish(
    conn: &mut DbConnection,
    solved: &Solved,
    credited: i64,
    requested_by: &str,
    started_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let run = NewRun {
        requested_by,
        started_at,
        finished_at: now,
        markov_order: i32::try_from(solved.order).unwrap_or(1),
        journeys: i64::try_from(solved.journeys).unwrap_or(i64::MAX),
        conversions: i64::try_from(solved.conversions).unwrap_or(i64::MAX),
        states: i64::try_from(solved.states).unwrap_or(i64::MAX),
        conversion_probability: solved.conversion_probability,
        credited_outcomes: credited,
        error: None,
    };
    Ok(RunRow::insert(conn, &run, &solved.channels)?)
}

/// A won lead's Markov credits from its journey now.
fn current_markov_rows(
    conn: &mut DbConnection,
    lead_id: i64,
    channel_shares: &[(String, f64)],
) -> Result<Vec<CreditRow>, AppError> {
    let Some(outcome) = SaleOutcome::find(conn, lead_id)? else {
        return Ok(Vec::new());
    };
    let converted_at = conversion_time(outcome.close_date, outcome.recorded_at.get());
    let journey = StoredJourney::of(&LeadRow::touchpoints(conn, lead_id)?, converted_at);
    Ok(rows_for(
        lead_id,
        Model::Markov,
        &journey.touchpoint_ids,
        &markov_touch_shares(&journey.touches, channel_shares),
        outcome.revenue_cents.unwrap_or(0),
    ))
}

/// How often the portal runs the model on its own.
pub const EVERY: TimeDelta = TimeDelta::hours(1);

/// Whether a scheduled run is due at `now`: none yet, or the latest finished `EVERY` ago.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, AppError> {
    Ok(RunRow::recent(conn, 1)?
        .first()
        .is_none_or(|r| now - r.finished_at.get() >= EVERY))
}

/// Records a run that failed (too many states, say), so managers see why.
pub fn store_failure(
    conn: &mut DbConnection,
    requested_by: &str,
    started_at: NaiveDateTime,
    now: NaiveDateTime,
    order: usize,
    journeys: usize,
    error: &str,
) -> Result<(), AppError> {
    let run = NewRun {
        requested_by,
        started_at,
        finished_at: now,
        markov_order: i32::try_from(order).unwrap_or(1),
        journeys: i64::try_from(journeys).unwrap_or(i64::MAX),
        conversions: 0,
        states: 0,
        conversion_probability: 0.0,
        credited_outcomes: 0,
        error: Some(error),
    };
    RunRow::insert(conn, &run, &[])?;
    Ok(())
}

/// A run as the portal does it (on its tick, or when a manager asks): the journeys read
/// and the chain solved on a reading connection, then the credits rewritten by the writer
/// in short transactions of [`CHUNK`] won leads, and the run stored last. A run that
/// cannot be solved is recorded with its reason.
pub async fn run(
    db: &crate::db::Db,
    settings: Settings,
    requested_by: String,
) -> Result<(i64, Solved), AppError> {
    let started_at = crate::db::now();
    let solved = db
        .read(move |conn| -> Result<_, AppError> {
            let g = gather(conn, &settings, started_at)?;
            let journeys = g.journeys();
            Ok((journeys, solve(&g, &settings)))
        })
        .await?;
    match solved {
        (_, Ok(solved)) => {
            let solved = std::sync::Arc::new(solved);
            let mut credited = 0;
            for range in chunks(&solved) {
                let chunk = solved.clone();
                credited += db
                    .write(move |conn| {
                        crate::db::transaction_retrying(conn, |conn| {
                            store_chunk(conn, &chunk, range)
                        })
                    })
                    .await?;
            }
            let (by, done) = (requested_by.clone(), solved.clone());
            let id = db
                .write(move |conn| {
                    crate::db::transaction_retrying(conn, |conn| {
                        finish(conn, &done, credited, &by, started_at, crate::db::now())
                    })
                })
                .await?;
            let solved = std::sync::Arc::try_unwrap(solved).unwrap_or_else(|s| (*s).clone());
            Ok((id, solved))
        }
        (journeys, Err(e)) => {
            let reason = format!("{e:#}");
            let order = settings.markov_order;
            db.write(move |conn| {
                store_failure(
                    conn,
                    &requested_by,
                    started_at,
                    crate::db::now(),
                    order,
                    journeys,
                    &reason,
                )
            })
            .await?;
            Err(e)
        }
    }
}
