//! Scores kept up to date. Each dealer's evidence (the age-weighted sums of its
//! observations) is kept with its score, so:
//! - one dealer's score is read again from its history after its feedback was submitted
//!   or excluded, and by the minute tick for every dealer whose history changed otherwise
//!   (a request closed or opened, an offer answered or expired, an outcome came due);
//! - every score is recomputed from the kept evidence aged to now (one factor per dealer,
//!   exact for the rule's exponential ageing), with the dealers changed since their
//!   evidence was read read again first;
//! - once a day everything is read again from the history ([`recompute_full`]), which also
//!   moves the windowed counts (offers of the last 30 days, answers of the last 180).
//!
//! Each recomputation that moves a dealer's weight or its whole-number score, and at
//! least one a week, leaves a point in the dealer's history.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rustc_hash::FxHashMap;

use super::gather::{self, DealerEvidence, NetworkEvidence, Scope};
use super::rule::{Evidence, NetworkPrior, Part, Score, ScoreRule, weight};
use crate::db::{DbConnection, transaction_retrying};
use crate::error::AppError;
use crate::models::dealer_score::{DealerScoreRow, KeptEvidence, NetworkScoreRow, ScoreHistoryRow};

/// A dealer's history gets a point at least this often.
pub const SNAPSHOT_EVERY: TimeDelta = TimeDelta::days(7);

/// Evidence older than this is read again from the history rather than aged.
pub const FULL_EVERY: TimeDelta = TimeDelta::days(1);

/// How late a change may be stored after the time it is dated (a commit after its
/// timestamp, an expiry swept after its deadline): changes are looked for this far back.
pub const CHANGE_MARGIN: TimeDelta = TimeDelta::minutes(15);

/// What a recomputation of every dealer did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Recomputed {
    pub dealers: usize,
    /// Dealers whose evidence was read again from the history (all of them when
    /// everything was read).
    pub reread: usize,
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
    store_scores(conn, evidence, Read::Now, rule, now)
}

/// Where the evidence a recomputation scores comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// Read from the history now: it is kept.
    Now,
    /// Kept evidence aged to now.
    Kept,
}

/// Scores every dealer from `evidence` as of `now`, keeping the evidence if it was just
/// read.
fn store_scores(
    conn: &mut DbConnection,
    evidence: &NetworkEvidence,
    read: Read,
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
        reread: if read == Read::Now { scores.len() } else { 0 },
        snapshots: 0,
        mean_score,
    };
    for (dealer_id, _, score, e) in scores {
        let w = weight(score.value(), mean_score, rule);
        let caught_up = CaughtUp::of(e, &prior, mean_score, rule);
        if read == Read::Now {
            KeptEvidence::save(conn, &keep(dealer_id, e, now))?;
        }
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
    // The dealer table compares each dealer with the network's rates, just written.
    crate::models::dealer_stats::FiguresVersion::raise(conn)?;
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
        return read_network(conn, rule, now).map(drop);
    };
    let before = DealerScoreRow::find(conn, dealer_id)?;
    reread_dealer(conn, dealer_id, before.as_ref(), &network, rule, now)
}

/// Reads one dealer's evidence again and scores it against `network`.
fn reread_dealer(
    conn: &mut DbConnection,
    dealer_id: i64,
    before: Option<&DealerScoreRow>,
    network: &NetworkScoreRow,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<()> {
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
    KeptEvidence::save(conn, &keep(dealer_id, &e, now))?;
    save(conn, dealer_id, (&score, w, caught_up), &e, before, now)?;
    crate::services::dealers::stats::follow_score(conn, dealer_id, &score, w)?;
    Ok(())
}

/// Reads every dealer's evidence from the history and scores it, in the caller's
/// transaction (before the network has been scored at all).
fn read_network(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<Recomputed> {
    let evidence = gather::gather(conn, Scope::Network, rule, now)?;
    store_network(conn, &evidence, rule, now)
}

/// Recomputes every dealer from the history: reads every observation, then writes, on
/// one connection.
pub fn recompute_full(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> Result<Recomputed, AppError> {
    let evidence = gather::gather(conn, Scope::Network, rule, now)?;
    transaction_retrying(conn, |conn| Ok(store_network(conn, &evidence, rule, now)?))
}

/// Recomputes every dealer, in one transaction: the dealers whose history changed since
/// their evidence was read are read again, and every kept evidence is aged to `now`.
/// Reads everything again ([`recompute_full`]) when some evidence is older than
/// [`FULL_EVERY`] or was never kept. As the writer on SQLite, it runs in the writer's
/// own transaction (a savepoint there would make each of its thousands of updates walk
/// the savepoint's journal).
pub fn recompute_all(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> Result<Recomputed, AppError> {
    let Some(oldest) = KeptEvidence::oldest(conn)?.filter(|at| now - at.get() < FULL_EVERY) else {
        return recompute_full(conn, rule, now);
    };
    transaction_retrying(conn, |conn| Ok(age_all(conn, rule, oldest.get(), now)?))
}

/// The work of [`recompute_all`] once the kept evidence is recent enough, in the caller's
/// transaction: the dealers changed since `oldest` (the oldest kept evidence) are read
/// again, then every score is aged.
pub fn age_all(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    oldest: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<Recomputed> {
    let reread = refresh_changed(conn, rule, oldest, now)?;
    let evidence = kept_evidence(conn, rule, now)?;
    Ok(Recomputed {
        reread,
        ..store_scores(conn, &evidence, Read::Kept, rule, now)?
    })
}

/// Whether [`recompute_all`] would read everything from the history.
pub fn full_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
    Ok(KeptEvidence::oldest(conn)?.is_none_or(|at| now - at.get() >= FULL_EVERY))
}

/// Every dealer's kept evidence aged to `now`.
fn kept_evidence(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<NetworkEvidence> {
    let rows = KeptEvidence::all(conn)?;
    let mut evidence = NetworkEvidence::default();
    evidence.reserve(rows.len());
    for row in &rows {
        let days = (now - row.gathered_at.get()).num_milliseconds() as f64 / 86_400_000.0;
        evidence.insert(row.dealer_id, kept(row).aged(days, rule));
    }
    Ok(evidence)
}

/// A dealer's evidence, read from the history at `now`, as kept.
fn keep(dealer_id: i64, e: &DealerEvidence, now: NaiveDateTime) -> KeptEvidence {
    let (weight, value) = e.evidence.sums();
    let (up_weight, up_value) = e.caught_up.sums();
    let count = |n: u32| i64::from(n);
    KeptEvidence {
        dealer_id,
        gathered_at: now.into(),
        weight_completeness: weight[0],
        weight_timeliness: weight[1],
        weight_responsiveness: weight[2],
        weight_outcome_reporting: weight[3],
        value_completeness: value[0],
        value_timeliness: value[1],
        value_responsiveness: value[2],
        value_outcome_reporting: value[3],
        caught_up_weight_completeness: up_weight[0],
        caught_up_weight_timeliness: up_weight[1],
        caught_up_weight_responsiveness: up_weight[2],
        caught_up_weight_outcome_reporting: up_weight[3],
        caught_up_value_completeness: up_value[0],
        caught_up_value_timeliness: up_value[1],
        caught_up_value_responsiveness: up_value[2],
        caught_up_value_outcome_reporting: up_value[3],
        submissions: count(e.answers.submissions),
        unreached: count(e.answers.unreached),
        rated: count(e.answers.rated),
        rated_lowest: count(e.answers.rated_lowest),
        offers_30d: count(e.answers.offers_30d),
        open_forms: count(e.backlog.open_forms),
        overdue_forms: count(e.backlog.overdue_forms),
        unreported_outcomes: count(e.backlog.unreported_outcomes),
    }
}

/// The evidence kept for a dealer, as of when it was read.
fn kept(row: &KeptEvidence) -> DealerEvidence {
    let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    DealerEvidence {
        evidence: Evidence::from_sums(
            [
                row.weight_completeness,
                row.weight_timeliness,
                row.weight_responsiveness,
                row.weight_outcome_reporting,
            ],
            [
                row.value_completeness,
                row.value_timeliness,
                row.value_responsiveness,
                row.value_outcome_reporting,
            ],
        ),
        answers: gather::Answers {
            submissions: count(row.submissions),
            unreached: count(row.unreached),
            rated: count(row.rated),
            rated_lowest: count(row.rated_lowest),
            offers_30d: count(row.offers_30d),
        },
        backlog: gather::Backlog {
            open_forms: count(row.open_forms),
            overdue_forms: count(row.overdue_forms),
            unreported_outcomes: count(row.unreported_outcomes),
        },
        caught_up: Evidence::from_sums(
            [
                row.caught_up_weight_completeness,
                row.caught_up_weight_timeliness,
                row.caught_up_weight_responsiveness,
                row.caught_up_weight_outcome_reporting,
            ],
            [
                row.caught_up_value_completeness,
                row.caught_up_value_timeliness,
                row.caught_up_value_responsiveness,
                row.caught_up_value_outcome_reporting,
            ],
        ),
    }
}

/// Reads again the evidence of every dealer whose history changed in `(since, now]`
/// (looking [`CHANGE_MARGIN`] further back) unless it was read well after the change;
/// returns how many were read. See [`gather::changes`] for what counts as a change.
pub fn refresh_changed(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let changes = gather::changes(conn, rule, since - CHANGE_MARGIN, now)?;
    if changes.is_empty() {
        return Ok(0);
    }
    let Some(network) = NetworkScoreRow::find(conn)? else {
        return Ok(read_network(conn, rule, now)?.dealers);
    };
    let mut read = 0;
    for (dealer_id, changed_at) in changes {
        let fresh = KeptEvidence::gathered_at(conn, dealer_id)?
            .is_some_and(|at| at.get() >= changed_at + CHANGE_MARGIN);
        if !fresh {
            let before = DealerScoreRow::find(conn, dealer_id)?;
            reread_dealer(conn, dealer_id, before.as_ref(), &network, rule, now)?;
            read += 1;
        }
    }
    Ok(read)
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
