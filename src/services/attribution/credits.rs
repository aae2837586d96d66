//! Credits written with the outcome: when a won outcome is recorded, corrected or
//! retracted, or a touchpoint reaches a won lead later, the lead's credits under every
//! model are rewritten in the same transaction. The heuristic models need only the
//! journey; the Markov model uses the latest run's channel shares (and every run rewrites
//! its credits for all outcomes, see [`super::runs`]).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::journeys::{PathTouch, from_micros};
use super::markov::touch_shares;
use super::models::{HEURISTIC, Journey, Model, Settings, Touch, shares};
use super::split::largest_remainder;
use crate::db::DbConnection;
use crate::domain::FeedbackOutcome;
use crate::error::AppError;
use crate::models::attribution::{self as stored, CreditRow, RunRow};
use crate::models::lead::{LeadRow, TouchpointRow};

/// When an outcome converted: the end of its close date when the dealer gave one, else
/// when it was recorded.
pub fn conversion_time(close_date: Option<NaiveDate>, recorded_at: NaiveDateTime) -> NaiveDateTime {
    close_date.map_or(recorded_at, |d| {
        d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default())
    })
}

/// A converted lead's journey as stored: its touchpoints up to the conversion, in time
/// order (then the order they were given in), with their ids.
#[derive(Debug, Clone, Default)]
pub struct StoredJourney {
    pub touchpoint_ids: Vec<i64>,
    pub touches: Vec<Touch>,
}

impl StoredJourney {
    /// The journey of a path (see [`super::journeys`]) up to `converted_us`.
    pub fn of_path(path: &[PathTouch<'_>], converted_us: i64) -> Self {
        let kept: Vec<&PathTouch<'_>> = path.iter().filter(|t| t.at_us <= converted_us).collect();
        Self {
            touchpoint_ids: kept.iter().map(|t| t.touchpoint_id).collect(),
            touches: kept
                .iter()
                .map(|t| Touch {
                    occurred_at: from_micros(t.at_us),
                    channel: t.channel.to_owned(),
                })
                .collect(),
        }
    }

    pub fn of(rows: &[TouchpointRow], converted_at: NaiveDateTime) -> Self {
        let mut kept: Vec<&TouchpointRow> = rows
            .iter()
            .filter(|t| t.occurred_at.get() <= converted_at)
            .collect();
        kept.sort_by_key(|t| (t.occurred_at.get(), t.position, t.id));
        Self {
            touchpoint_ids: kept.iter().map(|t| t.id).collect(),
            touches: kept
                .iter()
                .map(|t| Touch {
                    occurred_at: t.occurred_at.get(),
                    channel: t.channel.clone(),
                })
                .collect(),
        }
    }
}

/// The credit rows of one won outcome under `model` with per-touch `shares` (a journey
/// without touchpoints gets its whole revenue in one unattributed slot).
pub fn rows_for(
    lead_id: i64,
    model: Model,
    touchpoint_ids: &[i64],
    shares: &[f64],
    revenue_cents: i64,
) -> Vec<CreditRow> {
    if touchpoint_ids.is_empty() {
        return vec![CreditRow {
            lead_id,
            model,
            slot: 0,
            touchpoint_id: None,
            cents: revenue_cents,
        }];
    }
    largest_remainder(revenue_cents, shares)
        .into_iter()
        .zip(touchpoint_ids)
        .enumerate()
        .map(|(slot, (cents, &id))| CreditRow {
            lead_id,
            model,
            slot: i32::try_from(slot).unwrap_or(i32::MAX),
            touchpoint_id: Some(id),
            cents,
        })
        .collect()
}

/// Markov shares for a journey's touches from a run's per-channel shares (by name).
pub fn markov_touch_shares(touches: &[Touch], channel_shares: &[(String, f64)]) -> Vec<f64> {
    let mut names: Vec<&str> = Vec::new();
    let indexes: Vec<u32> = touches
        .iter()
        .map(|t| {
            let i = names
                .iter()
                .position(|n| *n == t.channel)
                .unwrap_or_else(|| {
                    names.push(&t.channel);
                    names.len() - 1
                });
            u32::try_from(i).unwrap_or(u32::MAX)
        })
        .collect();
    let local: Vec<f64> = names
        .iter()
        .map(|n| {
            channel_shares
                .iter()
                .find(|(c, _)| c == n)
                .map_or(0.0, |(_, s)| *s)
        })
        .collect();
    touch_shares(&indexes, &local)
}

/// Rewrites `lead`'s credits under every model for its current outcome (none unless it
/// is won), and its journey row. Runs in the caller's transaction; returns how many
/// credit rows it wrote.
pub fn rewrite_for_lead(
    conn: &mut DbConnection,
    lead: &LeadRow,
    settings: &Settings,
) -> Result<usize, AppError> {
    // The journey row holds everything the credits are computed from: read once.
    let row = super::journeys::refresh_lead(conn, lead)?;
    CreditRow::delete_for_lead(conn, lead.id)?;
    let (Some(FeedbackOutcome::Won), Some(converted_us)) = (row.outcome, row.converted_us) else {
        return Ok(0);
    };
    let path = super::journeys::decode(&row.path).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "the journey of lead {} cannot be read",
            lead.id
        ))
    })?;
    let journey = StoredJourney::of_path(&path, converted_us);
    let view = Journey {
        touches: &journey.touches,
        received_at: lead.received_at.get(),
        accepted_at: row.accepted_us.map(from_micros),
        converted_at: from_micros(converted_us),
    };
    let revenue = row.revenue_cents.unwrap_or(0);
    let mut rows = Vec::new();
    for model in HEURISTIC {
        rows.extend(rows_for(
            lead.id,
            model,
            &journey.touchpoint_ids,
            &shares(model, &view, settings),
            revenue,
        ));
    }
    let channel_shares: Vec<(String, f64)> = RunRow::latest(conn)?
        .map(|(_, channels)| channels.into_iter().map(|c| (c.channel, c.share)).collect())
        .unwrap_or_default();
    rows.extend(rows_for(
        lead.id,
        Model::Markov,
        &journey.touchpoint_ids,
        &markov_touch_shares(&journey.touches, &channel_shares),
        revenue,
    ));
    for row in &rows {
        CreditRow::insert(conn, row)?;
    }
    Ok(rows.len())
}

/// Rewrites the credits of the won leads with ids above `after`, at most `limit` of them,
/// in the caller's transaction: for outcomes recorded before attribution existed, or
/// after the models' settings changed. Returns the last lead done (`None`: none left).
pub fn recredit_after(
    conn: &mut DbConnection,
    after: i64,
    limit: usize,
    settings: &Settings,
) -> Result<Option<i64>, AppError> {
    let mut last = None;
    for state in stored::won_leads_after(conn, after, limit)? {
        let lead = LeadRow::find(conn, state)?;
        rewrite_for_lead(conn, &lead, settings)?;
        last = Some(lead.id);
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 5, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn a_conversion_counts_the_whole_close_date() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 3).unwrap();
        assert_eq!(
            conversion_time(Some(d), at(9, 10)),
            at(3, 23) + chrono::TimeDelta::seconds(3599)
        );
        assert_eq!(conversion_time(None, at(9, 10)), at(9, 10));
    }

    #[test]
    fn a_journey_without_touchpoints_is_credited_unattributed() {
        let rows = rows_for(7, Model::Linear, &[], &[], 12_345);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].touchpoint_id, rows[0].cents), (None, 12_345));
    }

    #[test]
    fn markov_shares_follow_the_run_by_channel_name() {
        let touch = |c: &str| Touch {
            occurred_at: at(1, 1),
            channel: c.into(),
        };
        let shares = markov_touch_shares(
            &[touch("email"), touch("paid_search"), touch("email")],
            &[
                ("paid_search".into(), 0.5),
                ("email".into(), 0.25),
                ("fair".into(), 0.25),
            ],
        );
        // email 1/3 of the journey's effect over two touches, paid search 2/3.
        let expect = [1.0 / 6.0, 2.0 / 3.0, 1.0 / 6.0];
        for (s, e) in shares.iter().zip(expect) {
            assert!((s - e).abs() < 1e-12, "{shares:?}");
        }
    }
}
