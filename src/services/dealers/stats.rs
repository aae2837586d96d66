//! The dealer table's figures, precomputed: per dealer and period (30, 90, 365 days) the
//! score and its parts, weight and override, anomaly flags, leads offered / accepted /
//! won, revenue, overdue forms, median time to answer, form completeness and a weekly
//! score trend; and for the network page, the funnel per period and the lead share by
//! score quintile per week.
//!
//! [`refresh_all`] recomputes everything with a handful of grouped reads (about a second
//! on a million leads) and replaces the rows in one transaction, on the portal's scoring
//! tick and after `dealerloop scores`; between refreshes a dealer's score columns follow
//! its score ([`follow_score`]) and a new dealer gets its rows at once ([`add_dealer`]).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rustc_hash::FxHashMap;

use crate::db::DbConnection;
use crate::models::dealer_figures::{self as figures, Buckets};
use crate::models::dealer_score::{DealerScoreRow, NetworkScoreRow, WeightOverride};
use crate::models::dealer_stats::{DealerStatsRow, FunnelRow, LeadShareRow, StatsScoreChanges};
use crate::services::dealer_score::rule::{Part, Score, anomaly};
use crate::services::feedback::views::OVERDUE_AFTER_DAYS;

/// The periods the table offers, in days, shortest first.
pub const PERIODS: [i32; 3] = [30, 90, 365];

/// Weekly points in a dealer's trend, and weeks in the network's lead share.
pub const WEEKS: usize = 12;

/// A rate needs this many submissions before it can be flagged as an anomaly.
pub const ANOMALY_MIN_SUBMISSIONS: u32 = 10;

/// Everything [`refresh_all`] writes, computed from a reading connection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub stats: Vec<DealerStatsRow>,
    pub funnel: Vec<FunnelRow>,
    pub share: Vec<LeadShareRow>,
}

impl Figures {
    pub fn dealers(&self) -> usize {
        self.stats.len() / PERIODS.len()
    }
}

/// The starts of the periods at `now`, shortest period first.
fn buckets(now: NaiveDateTime) -> Buckets {
    Buckets {
        starts: PERIODS
            .iter()
            .map(|&days| now - TimeDelta::days(i64::from(days)))
            .collect(),
    }
}

/// Sums per-bucket counts into per-period totals: `[period index] -> (first, second)`.
fn by_period(rows: &[figures::BucketCounts]) -> FxHashMap<i64, [(i64, i64); 3]> {
    let mut out: FxHashMap<i64, [(i64, i64); 3]> = FxHashMap::default();
    for row in rows {
        let entry = out.entry(row.dealer_id).or_default();
        let first = usize::try_from(row.bucket).unwrap_or(usize::MAX);
        for (p, total) in entry.iter_mut().enumerate() {
            if first <= p {
                total.0 += row.first;
                total.1 += row.second;
            }
        }
    }
    out
}

/// The median of `values` (sorted in place); 0 for none.
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Each dealer's score at each of `at` (the last point at or before it), from points
/// sorted by dealer then time.
fn scores_at(
    points: &[figures::ScorePoint],
    at: &[NaiveDateTime],
) -> FxHashMap<i64, Vec<Option<f64>>> {
    let mut out: FxHashMap<i64, Vec<Option<f64>>> = FxHashMap::default();
    for dealer_points in points.chunk_by(|a, b| a.dealer_id == b.dealer_id) {
        let values = at
            .iter()
            .map(|t| {
                dealer_points
                    .iter()
                    .take_while(|p| p.recorded_at.get() <= *t)
                    .last()
                    .map(|p| p.score)
            })
            .collect();
        out.insert(dealer_points[0].dealer_id, values);
    }
    out
}

/// Reads every figure at `now` (on a reading connection: nothing is written).
pub fn compute(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Figures> {
    use crate::schema::dealers as d;
    let buckets = buckets(now);
    let dealers: Vec<i64> = d::table.select(d::id).order(d::id).load(conn)?;
    let scores: FxHashMap<i64, DealerScoreRow> = DealerScoreRow::all(conn)?
        .into_iter()
        .map(|r| (r.dealer_id, r))
        .collect();
    let network = NetworkScoreRow::find(conn)?;
    let mut overrides: FxHashMap<i64, f64> = FxHashMap::default();
    for o in WeightOverride::in_force(conn, None, now)? {
        overrides.entry(o.dealer_id).or_insert(o.weight);
    }
    // The lead share's weeks start WEEKS weeks ago; the trend's end now.
    let week = TimeDelta::days(7);
    let first_week = now - week * i32::try_from(WEEKS).unwrap_or(12);
    let offer_counts = figures::offers(conn, &buckets, first_week)?;
    let offers = by_period(
        &offer_counts
            .iter()
            .map(|o| figures::BucketCounts {
                dealer_id: o.dealer_id,
                bucket: o.bucket,
                first: o.offered,
                second: o.accepted,
            })
            .collect::<Vec<_>>(),
    );
    let wins = by_period(&figures::wins(conn, &buckets)?);
    let forms = by_period(&figures::forms(conn, &buckets)?);
    let overdue: FxHashMap<i64, i64> =
        figures::overdue(conn, now, now - TimeDelta::days(OVERDUE_AFTER_DAYS))?
            .into_iter()
            .collect();
    let mut answers: FxHashMap<i64, [Vec<f64>; 3]> = FxHashMap::default();
    for a in figures::answers(conn, &buckets)? {
        let entry = answers.entry(a.dealer_id).or_default();
        let first = usize::try_from(a.bucket).unwrap_or(usize::MAX);
        for (p, values) in entry.iter_mut().enumerate() {
            if first <= p {
                values.push(a.seconds.max(0.0));
            }
        }
    }

    let week_starts: Vec<NaiveDateTime> = (0..WEEKS)
        .map(|k| first_week + week * i32::try_from(k).unwrap_or(0))
        .collect();
    let week_ends: Vec<NaiveDateTime> = week_starts.iter().map(|s| *s + week).collect();
    // A dealer's history has a point at least weekly, so two weeks back reaches the point
    // in force at the first week's start.
    let points = figures::score_points(conn, first_week - week * 2)?;
    let trend_points = scores_at(&points, &week_ends);
    let start_points = scores_at(&points, &week_starts);

    let network_mean = network.as_ref().map_or(0.0, |n| n.mean_score);
    let (unreached_rate, lowest_rate) = network
        .as_ref()
        .map_or((0.0, 0.0), |n| (n.unreached_rate, n.rated_lowest_rate));
    let mut stats = Vec::with_capacity(dealers.len() * PERIODS.len());
    for (p, &period) in PERIODS.iter().enumerate() {
        for &dealer_id in &dealers {
            let score = scores.get(&dealer_id);
            let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
            let (flag_unreached, flag_rated_lowest) = score.map_or((false, false), |s| {
                (
                    anomaly(
                        count(s.unreached),
                        count(s.submissions),
                        unreached_rate,
                        ANOMALY_MIN_SUBMISSIONS,
                    )
                    .is_some(),
                    anomaly(
                        count(s.rated_lowest),
                        count(s.rated),
                        lowest_rate,
                        ANOMALY_MIN_SUBMISSIONS,
                    )
                    .is_some(),
                )
            });
            let (offered, accepted) = offers.get(&dealer_id).map_or((0, 0), |o| o[p]);
            let (won, revenue_cents) = wins.get(&dealer_id).map_or((0, 0), |w| w[p]);
            let (form_count, permille) = forms.get(&dealer_id).map_or((0, 0), |f| f[p]);
            let mut answered = answers
                .get_mut(&dealer_id)
                .map(|a| std::mem::take(&mut a[p]))
                .unwrap_or_default();
            let trend = trend_points
                .get(&dealer_id)
                .map(|values| {
                    values
                        .iter()
                        .flatten()
                        .map(|v| format!("{}", v.round()))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            stats.push(DealerStatsRow {
                period,
                dealer_id,
                scored: score.is_some(),
                score: score.map_or(network_mean, |s| s.score),
                completeness: score.map_or(0.0, |s| s.completeness),
                timeliness: score.map_or(0.0, |s| s.timeliness),
                responsiveness: score.map_or(0.0, |s| s.responsiveness),
                outcome_reporting: score.map_or(0.0, |s| s.outcome_reporting),
                weight: score.map_or(1.0, |s| s.weight),
                override_weight: overrides.get(&dealer_id).copied(),
                unreached_rate: score.map_or(0.0, |s| ratio(s.unreached, s.submissions)),
                rated_lowest_rate: score.map_or(0.0, |s| ratio(s.rated_lowest, s.rated)),
                flag_unreached,
                flag_rated_lowest,
                offered,
                accepted,
                won,
                revenue_cents,
                acceptance_rate: ratio(accepted, offered),
                win_rate: ratio(won, accepted),
                overdue: overdue.get(&dealer_id).copied().unwrap_or(0),
                answered: i64::try_from(answered.len()).unwrap_or(i64::MAX),
                answer_seconds: median(&mut answered),
                forms: form_count,
                form_completeness: ratio(permille, form_count) / 1000.0,
                trend,
                computed_at: now.into(),
            });
        }
    }

    let mut stages = [[0i64; 6]; 3];
    for row in figures::funnel(conn, &buckets)? {
        let first = usize::try_from(row.bucket).unwrap_or(usize::MAX);
        let stage = usize::try_from(row.stage).unwrap_or(0).min(5);
        for (p, period) in stages.iter_mut().enumerate() {
            if first <= p {
                // A lead counts in every stage up to the furthest it reached.
                for reached in period.iter_mut().take(stage + 1) {
                    *reached += row.leads;
                }
            }
        }
    }
    let funnel = PERIODS
        .iter()
        .zip(stages)
        .map(|(&period, s)| FunnelRow {
            period,
            received: s[0],
            offered: s[1],
            accepted: s[2],
            contacted: s[3],
            quote_sent: s[4],
            won: s[5],
            computed_at: now.into(),
        })
        .collect();

    let share = lead_share(&offer_counts, &start_points, &week_starts);
    Ok(Figures {
        stats,
        funnel,
        share,
    })
}

/// Offers of each week by score quintile of the dealers at the week's start (dealers
/// without a score yet are left out).
fn lead_share(
    offers: &[figures::OfferCounts],
    start_points: &FxHashMap<i64, Vec<Option<f64>>>,
    week_starts: &[NaiveDateTime],
) -> Vec<LeadShareRow> {
    let mut rows = Vec::new();
    for (w, start) in week_starts.iter().enumerate() {
        let mut ranked: Vec<(f64, i64)> = start_points
            .iter()
            .filter_map(|(&dealer, values)| values.get(w).copied().flatten().map(|s| (s, dealer)))
            .collect();
        if ranked.is_empty() {
            continue;
        }
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let n = ranked.len();
        let quintile_of: FxHashMap<i64, usize> = ranked
            .iter()
            .enumerate()
            .map(|(rank, &(_, dealer))| (dealer, rank * 5 / n))
            .collect();
        let mut counts = [0i64; 5];
        for o in offers {
            if usize::try_from(o.week).ok() == Some(w)
                && let Some(&q) = quintile_of.get(&o.dealer_id)
            {
                counts[q] += o.offered;
            }
        }
        for (q, n) in counts.into_iter().enumerate() {
            rows.push(LeadShareRow {
                week_start: (*start).into(),
                quintile: i32::try_from(q + 1).unwrap_or(5),
                offers: n,
            });
        }
    }
    rows
}

/// Replaces the stored figures by `figures`, in one transaction (readers see the old
/// figures or the new, never a mix).
pub fn store(conn: &mut DbConnection, figures: &Figures) -> QueryResult<()> {
    conn.transaction(|conn| {
        DealerStatsRow::replace_all(conn, &figures.stats)?;
        FunnelRow::replace_all(conn, &figures.funnel)?;
        LeadShareRow::replace_all(conn, &figures.share)
    })
}

/// Recomputes and stores every figure on one connection; returns the dealers counted.
pub fn refresh_all(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    let figures = compute(conn, now)?;
    store(conn, &figures)?;
    Ok(figures.dealers())
}

/// Copies a dealer's new score and weight into its rows (after its score was recomputed
/// alone): one indexed update.
pub fn follow_score(
    conn: &mut DbConnection,
    dealer_id: i64,
    score: &Score,
    weight: f64,
) -> QueryResult<()> {
    DealerStatsRow::set_score(
        conn,
        dealer_id,
        &StatsScoreChanges {
            scored: true,
            score: score.value(),
            completeness: score.part(Part::Completeness),
            timeliness: score.part(Part::Timeliness),
            responsiveness: score.part(Part::Responsiveness),
            outcome_reporting: score.part(Part::OutcomeReporting),
            weight,
        },
    )
    .map(drop)
}

/// Shows a manager's override (or its end) in a dealer's rows at once, rather than at the
/// next refresh.
pub fn follow_override(
    conn: &mut DbConnection,
    dealer_id: i64,
    weight: Option<f64>,
) -> QueryResult<()> {
    DealerStatsRow::set_override(conn, dealer_id, weight).map(drop)
}

/// Gives a new dealer its rows (no figures yet, the network's mean score), so it is in
/// the table before the next refresh.
pub fn add_dealer(conn: &mut DbConnection, dealer_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let mean = NetworkScoreRow::find(conn)?.map_or(0.0, |n| n.mean_score);
    for period in PERIODS {
        DealerStatsRow::insert_one(
            conn,
            &DealerStatsRow {
                period,
                dealer_id,
                scored: false,
                score: mean,
                completeness: 0.0,
                timeliness: 0.0,
                responsiveness: 0.0,
                outcome_reporting: 0.0,
                weight: 1.0,
                override_weight: None,
                unreached_rate: 0.0,
                rated_lowest_rate: 0.0,
                flag_unreached: false,
                flag_rated_lowest: false,
                offered: 0,
                accepted: 0,
                won: 0,
                revenue_cents: 0,
                acceptance_rate: 0.0,
                win_rate: 0.0,
                overdue: 0,
                answered: 0,
                answer_seconds: 0.0,
                forms: 0,
                form_completeness: 0.0,
                trend: String::new(),
                computed_at: now.into(),
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&mut []), 0.0);
    }

    #[test]
    fn a_bucket_counts_in_its_period_and_every_longer_one() {
        let rows = [
            figures::BucketCounts {
                dealer_id: 1,
                bucket: 0,
                first: 2,
                second: 1,
            },
            figures::BucketCounts {
                dealer_id: 1,
                bucket: 2,
                first: 5,
                second: 0,
            },
        ];
        assert_eq!(by_period(&rows)[&1], [(2, 1), (2, 1), (7, 1)]);
    }
}
