//! Scores kept up to date: every dealer's recomputed from the gathered evidence (on a
//! tick, for ageing), or one dealer's after its feedback was submitted or a request of
//! its closed. Each recomputation that moves a dealer's weight or its whole-number score,
//! and at least one a week, leaves a point in the dealer's history.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rustc_hash::FxHashMap;

use super::gather::{self, DealerEvidence, NetworkEvidence, Scope};
use super::rule::{Evidence, NetworkPrior, Part, Score, ScoreRule, weight};
use crate::db::DbConnection;
use crate::models::dealer_score::{DealerScoreRow, NetworkScoreRow, ScoreHistoryRow};

/// A dealer's history gets a point at least this often.
pub const SNAPSHOT_EVERY: TimeDelta = TimeDelta::days(7);

/// What a recomputation of every dealer did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Recomputed {
    pub dealers: usize,
    /// Dealers whose history got a point.
    pub snapshots: usize,
    pub mean_score: f64,
}

/// Recomputes every dealer's score from `evidence` (gathered with [`Scope::Network`] at
/// `now`), with the network's prior and mean score, in the caller's transaction.
pub fn store_network(
    conn: &mut DbConnection,
    evidence: &NetworkEvidence,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<Recomputed> {
    use crate::schema::dealers as d;

    let dealers: Vec<(i64, bool)> = d::table
        .select((d::id, d::active))
        .order(d::id)
        .load(conn)?;
    let prior = NetworkPrior::of(evidence.values().map(|e| &e.evidence));
    let none = DealerEvidence::default();
    let scores: Vec<(i64, bool, Score, &DealerEvidence)> = dealers
        .iter()
        .map(|&(id, active)| {
            let e = evidence.get(&id).unwrap_or(&none);
            (id, active, Score::of(&e.evidence, &prior, rule), e)
        })
        .collect();
    let active: Vec<f64> = scores.iter().filter(|s| s.1).map(|s| s.2.value()).collect();
    let mean_score = if active.is_empty() {
        prior.score()
    } else {
        active.iter().sum::<f64>() / active.len() as f64
    };
    let (mut answers, mut unreached, mut rated, mut lowest) = (0u64, 0u64, 0u64, 0u64);
    let mut offers_30d = 0u64;
    for e in evidence.values() {
        offers_30d += u64::from(e.answers.offers_30d);
        answers += u64::from(e.answers.submissions);
        unreached += u64::from(e.answers.unreached);
        rated += u64::from(e.answers.rated);
        lowest += u64::from(e.answers.rated_lowest);
    }
    let rate = |hits: u64, of: u64| {
        if of == 0 {
            0.0
        } else {
            hits as f64 / of as f64
        }
    };
    NetworkScoreRow::save(
        conn,
        &NetworkScoreRow {
            id: NetworkScoreRow::ID,
            completeness: prior.mean(Part::Completeness),
            timeliness: prior.mean(Part::Timeliness),
            responsiveness: prior.mean(Part::Responsiveness),
            outcome_reporting: prior.mean(Part::OutcomeReporting),
            unreached_rate: rate(unreached, answers),
            rated_lowest_rate: rate(lowest, rated),
            mean_score,
            dealers: i64::try_from(active.len()).unwrap_or(i64::MAX),
            offers_30d: i64::try_from(offers_30d).unwrap_or(i64::MAX),
            computed_at: now.into(),
        },
    )?;
    let before: FxHashMap<i64, DealerScoreRow> = DealerScoreRow::all(conn)?
        .into_iter()
        .map(|r| (r.dealer_id, r))
        .collect();
    let mut done = Recomputed {
        dealers: scores.len(),
        snapshots: 0,
        mean_score,
    };
    for (dealer_id, _, score, e) in scores {
        let w = weight(score.value(), mean_score, rule);
        let caught_up = CaughtUp::of(e, &prior, mean_score, rule);
        if save(
            conn,
            dealer_id,
            (&score, w, caught_up),
            e,
            before.get(&dealer_id),
            now,
        )? {
            done.snapshots += 1;
        }
    }
    Ok(done)
}

/// Recomputes one dealer's score against the network as last recomputed, in the caller's
/// transaction (after a submission, or when a request of the dealer's closed). With no
/// network recomputation yet, recomputes every dealer.
pub fn refresh_dealer(
    conn: &mut DbConnection,
    dealer_id: i64,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let Some(network) = NetworkScoreRow::find(conn)? else {
        let evidence = gather::gather(conn, Scope::Network, rule, now)?;
        store_network(conn, &evidence, rule, now)?;
        return Ok(());
    };
    let prior = NetworkPrior::from_means([
        network.completeness,
        network.timeliness,
        network.responsiveness,
        network.outcome_reporting,
    ]);
    let evidence = gather::gather(conn, Scope::Dealer(dealer_id), rule, now)?;
    let e = evidence.get(&dealer_id).copied().unwrap_or_default();
    let score = Score::of(&e.evidence, &prior, rule);
    let w = weight(score.value(), network.mean_score, rule);
    let caught_up = CaughtUp::of(&e, &prior, network.mean_score, rule);
    let before = DealerScoreRow::find(conn, dealer_id)?;
    save(
        conn,
        dealer_id,
        (&score, w, caught_up),
        &e,
        before.as_ref(),
        now,
    )?;
    crate::services::dealers::stats::follow_score(conn, dealer_id, &score, w)?;
    Ok(())
}

/// Recomputes every dealer: reads, then writes, on one connection.
pub fn recompute_all(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<Recomputed> {
    let evidence = gather::gather(conn, Scope::Network, rule, now)?;
    conn.transaction(|conn| store_network(conn, &evidence, rule, now))
}

/// Recomputes the dealers that had a feedback request close without a submission in
/// `(since, now]`; returns how many.
pub fn refresh_closed(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use crate::schema::feedback_requests as r;
    let dealers: Vec<i64> = r::table
        .filter(r::closes_at.gt(since))
        .filter(r::closes_at.le(now))
        .filter(r::submitted_at.is_null())
        .filter(r::revoked_at.is_null())
        .select(r::dealer_id)
        .distinct()
        .load(conn)?;
    for &dealer_id in &dealers {
        refresh_dealer(conn, dealer_id, rule, now)?;
    }
    Ok(dealers.len())
}

/// The score and weight a dealer would have with its backlog cleared now.
#[derive(Debug, Clone, Copy)]
struct CaughtUp {
    score: f64,
    weight: f64,
}

impl CaughtUp {
    fn of(e: &DealerEvidence, prior: &NetworkPrior, network_mean: f64, rule: &ScoreRule) -> Self {
        let score = Score::of(&e.caught_up, prior, rule).value();
        CaughtUp {
            score,
            weight: weight(score, network_mean, rule),
        }
    }
}

/// Writes a dealer's score (with its weight and what catching up would give) and, when
/// due, a point of its history; true if a point was written.
fn save(
    conn: &mut DbConnection,
    dealer_id: i64,
    (score, w, caught_up): (&Score, f64, CaughtUp),
    e: &DealerEvidence,
    before: Option<&DealerScoreRow>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let value = score.value();
    let snapshot = match before {
        None => true,
        Some(b) => {
            (b.weight * 100.0).round() != (w * 100.0).round()
                || b.score.round() != value.round()
                || now - b.snapshot_at.get() >= SNAPSHOT_EVERY
        }
    };
    let snapshot_at = match before {
        Some(b) if !snapshot => b.snapshot_at,
        _ => now.into(),
    };
    let amount = |p: Part| Evidence::amount(&e.evidence, p);
    let count = |n: u32| i64::from(n);
    DealerScoreRow::save(
        conn,
        &DealerScoreRow {
            dealer_id,
            score: value,
            completeness: score.part(Part::Completeness),
            timeliness: score.part(Part::Timeliness),
            responsiveness: score.part(Part::Responsiveness),
            outcome_reporting: score.part(Part::OutcomeReporting),
            evidence_completeness: amount(Part::Completeness),
            evidence_timeliness: amount(Part::Timeliness),
            evidence_responsiveness: amount(Part::Responsiveness),
            evidence_outcome_reporting: amount(Part::OutcomeReporting),
            submissions: count(e.answers.submissions),
            unreached: count(e.answers.unreached),
            rated: count(e.answers.rated),
            rated_lowest: count(e.answers.rated_lowest),
            offers_30d: count(e.answers.offers_30d),
            weight: w,
            computed_at: now.into(),
            snapshot_at,
            open_forms: count(e.backlog.open_forms),
            overdue_forms: count(e.backlog.overdue_forms),
            unreported_outcomes: count(e.backlog.unreported_outcomes),
            caught_up_score: caught_up.score,
            caught_up_weight: caught_up.weight,
        },
    )?;
    if snapshot {
        ScoreHistoryRow::record(
            conn,
            &ScoreHistoryRow {
                dealer_id,
                recorded_at: now.into(),
                score: value,
                completeness: score.part(Part::Completeness),
                timeliness: score.part(Part::Timeliness),
                responsiveness: score.part(Part::Responsiveness),
                outcome_reporting: score.part(Part::OutcomeReporting),
                weight: w,
            },
        )?;
    }
    Ok(snapshot)
}
