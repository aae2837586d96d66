//! A dealer's own score as its phone home and its score page show it: the score and its
//! parts beside the network's, its share of the leads against an equal share, the trend,
//! and what would raise it — computed from the dealer's own backlog, never generic.
//!
//! Everything here is read from what the score service stored (one row of the dealer's,
//! the network's row and the dealer's history points), so the home page pays three
//! indexed lookups for it.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use super::rule::Part;
use crate::db::DbConnection;
use crate::models::dealer_score::{
    DealerScoreRow, NetworkScoreRow, ScoreHistoryRow, WeightOverride,
};

/// How far back the home page's trend reaches.
pub const HOME_TREND_DAYS: i64 = 182;

/// How far back the score page's chart reaches.
pub const PAGE_TREND_DAYS: i64 = 365;

/// Catching up that moves the score by less than this is not worth a sentence.
const WORTHWHILE_POINTS: f64 = 0.5;

/// One dealer's score, the network's, and the dealer's history.
#[derive(Debug, Clone)]
pub struct ScoreCard {
    pub row: DealerScoreRow,
    pub network: NetworkScoreRow,
    /// The last point of each week, oldest first.
    pub weeks: Vec<WeekPoint>,
}

/// The score and weight a dealer had at the end of a week (the last point recorded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekPoint {
    /// The Monday the week starts on.
    pub week: NaiveDate,
    pub score: f64,
    pub weight: f64,
    pub parts: [f64; 4],
}

/// What would raise a dealer's score, worked out from its own numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lever {
    /// Filling in the open forms (some overdue) and recording the missing outcomes
    /// raises the score from `from` to `to`; at that weight the dealer would have been
    /// offered about `leads_then` leads instead of `leads_now` in the last 30 days.
    CatchUp {
        forms: i64,
        overdue: i64,
        outcomes: i64,
        from: f64,
        to: f64,
        leads_now: i64,
        leads_then: i64,
    },
    /// Nothing is waiting: the part furthest below the network's mean is where the
    /// score can grow.
    Weakest {
        part: Part,
        yours: f64,
        network: f64,
    },
    /// Nothing waiting, every part at or above the network's mean.
    KeepGoing,
}

impl ScoreCard {
    /// The dealer's card, with history since `now - trend_days`; `None` before the
    /// dealer was first scored.
    pub fn load(
        conn: &mut DbConnection,
        dealer_id: i64,
        now: NaiveDateTime,
        trend_days: i64,
    ) -> diesel::QueryResult<Option<ScoreCard>> {
        let Some(row) = DealerScoreRow::find(conn, dealer_id)? else {
            return Ok(None);
        };
        let Some(network) = NetworkScoreRow::find(conn)? else {
            return Ok(None);
        };
        let history =
            ScoreHistoryRow::for_dealer(conn, dealer_id, now - TimeDelta::days(trend_days))?;
        Ok(Some(ScoreCard {
            row,
            network,
            weeks: weekly(&history),
        }))
    }

    /// The dealer's part, 0..=1.
    pub fn part(&self, part: Part) -> f64 {
        parts_of_row(&self.row)[part.index()]
    }

    /// The network's mean of a part, 0..=1.
    pub fn network_part(&self, part: Part) -> f64 {
        match part {
            Part::Completeness => self.network.completeness,
            Part::Timeliness => self.network.timeliness,
            Part::Responsiveness => self.network.responsiveness,
            Part::OutcomeReporting => self.network.outcome_reporting,
        }
    }

    /// The evidence a part rests on, in fresh observations.
    pub fn evidence(&self, part: Part) -> f64 {
        match part {
            Part::Completeness => self.row.evidence_completeness,
            Part::Timeliness => self.row.evidence_timeliness,
            Part::Responsiveness => self.row.evidence_responsiveness,
            Part::OutcomeReporting => self.row.evidence_outcome_reporting,
        }
    }

    /// The dealer's share of the leads offered in the last 30 days, 0..=1.
    pub fn share(&self) -> f64 {
        ratio(self.row.offers_30d, self.network.offers_30d)
    }

    /// The share every active dealer would get if all weighed the same, 0..=1.
    pub fn equal_share(&self) -> f64 {
        ratio(1, self.network.dealers)
    }

    /// The scores of the trend, oldest first.
    pub fn trend(&self) -> Vec<f64> {
        self.weeks.iter().map(|w| w.score).collect()
    }

    /// What would raise the score.
    pub fn lever(&self) -> Lever {
        lever(&self.row, &self.network)
    }
}

/// The dealer's score page: the card with a year of history, and a manager's weight
/// override in force for the dealer, if any.
pub struct ScorePage {
    pub card: Option<ScoreCard>,
    pub in_force: Option<WeightOverride>,
}

impl ScorePage {
    pub fn load(
        conn: &mut DbConnection,
        dealer_id: i64,
        now: NaiveDateTime,
    ) -> diesel::QueryResult<ScorePage> {
        Ok(ScorePage {
            card: ScoreCard::load(conn, dealer_id, now, PAGE_TREND_DAYS)?,
            // Newest first: the newest in force is the one that applies.
            in_force: WeightOverride::in_force(conn, Some(dealer_id), now)?
                .into_iter()
                .next(),
        })
    }
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn parts_of_row(row: &DealerScoreRow) -> [f64; 4] {
    [
        row.completeness,
        row.timeliness,
        row.responsiveness,
        row.outcome_reporting,
    ]
}

/// What would raise the score of a dealer whose stored row is `row`.
///
/// With a backlog worth at least half a point, catching up (its score and weight were
/// computed with the rest of the evidence when the score was stored). The leads it would
/// have been offered are the last 30 days' offers scaled by the weight catching up gives
/// over the weight the score gives now: the other dealers' weights unchanged.
pub fn lever(row: &DealerScoreRow, network: &NetworkScoreRow) -> Lever {
    let backlog = row.open_forms + row.unreported_outcomes;
    if backlog > 0 && row.caught_up_score - row.score >= WORTHWHILE_POINTS {
        let leads_then = if row.weight > 0.0 {
            (row.offers_30d as f64 * row.caught_up_weight / row.weight).round() as i64
        } else {
            row.offers_30d
        };
        return Lever::CatchUp {
            forms: row.open_forms,
            overdue: row.overdue_forms,
            outcomes: row.unreported_outcomes,
            from: row.score,
            to: row.caught_up_score,
            leads_now: row.offers_30d,
            leads_then,
        };
    }
    let network_parts = [
        network.completeness,
        network.timeliness,
        network.responsiveness,
        network.outcome_reporting,
    ];
    let parts = parts_of_row(row);
    // The part whose gap costs the most points: gap × its share of the score.
    let weakest = Part::ALL
        .into_iter()
        .map(|p| {
            let i = p.index();
            (p, (network_parts[i] - parts[i]) * p.share())
        })
        .filter(|&(_, cost)| cost > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match weakest {
        Some((part, _)) => Lever::Weakest {
            part,
            yours: parts[part.index()],
            network: network_parts[part.index()],
        },
        None => Lever::KeepGoing,
    }
}

/// The last point of each week (weeks start on Monday), oldest first.
pub fn weekly(history: &[ScoreHistoryRow]) -> Vec<WeekPoint> {
    let mut weeks: Vec<WeekPoint> = Vec::new();
    for h in history {
        let day = h.recorded_at.get().date();
        let week = day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()));
        let point = WeekPoint {
            week,
            score: h.score,
            weight: h.weight,
            parts: [
                h.completeness,
                h.timeliness,
                h.responsiveness,
                h.outcome_reporting,
            ],
        };
        match weeks.last_mut() {
            Some(last) if last.week == week => *last = point,
            _ => weeks.push(point),
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::db::UtcTime;

    fn at(s: &str) -> UtcTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .into()
    }

    fn row() -> DealerScoreRow {
        DealerScoreRow {
            dealer_id: 1,
            score: 62.0,
            completeness: 0.6,
            timeliness: 0.6,
            responsiveness: 0.7,
            outcome_reporting: 0.6,
            evidence_completeness: 10.0,
            evidence_timeliness: 10.0,
            evidence_responsiveness: 20.0,
            evidence_outcome_reporting: 8.0,
            submissions: 10,
            unreached: 0,
            rated: 10,
            rated_lowest: 0,
            offers_30d: 12,
            weight: 1.0,
            computed_at: at("2026-12-01 10:00"),
            snapshot_at: at("2026-12-01 10:00"),
            open_forms: 3,
            overdue_forms: 2,
            unreported_outcomes: 0,
            caught_up_score: 71.0,
            caught_up_weight: 1.15,
        }
    }

    fn network() -> NetworkScoreRow {
        NetworkScoreRow {
            id: NetworkScoreRow::ID,
            completeness: 0.65,
            timeliness: 0.6,
            responsiveness: 0.8,
            outcome_reporting: 0.6,
            unreached_rate: 0.1,
            rated_lowest_rate: 0.05,
            mean_score: 64.0,
            dealers: 40,
            offers_30d: 1_000,
            computed_at: at("2026-12-01 10:00"),
        }
    }

    #[test]
    fn open_forms_worth_points_are_the_lever_with_the_leads_they_would_have_brought() {
        assert_eq!(
            lever(&row(), &network()),
            Lever::CatchUp {
                forms: 3,
                overdue: 2,
                outcomes: 0,
                from: 62.0,
                to: 71.0,
                leads_now: 12,
                // 12 × 1.15 / 1.0 = 13.8
                leads_then: 14,
            }
        );
    }

    #[test]
    fn with_nothing_waiting_the_part_costing_most_points_is_named() {
        let r = DealerScoreRow {
            open_forms: 0,
            overdue_forms: 0,
            caught_up_score: 62.0,
            ..row()
        };
        // Completeness is 0.1 below the network (share 0.40: 4 points), responsiveness
        // 0.1 below (share 0.25: 2.5 points): completeness costs more.
        let n = NetworkScoreRow {
            completeness: 0.7,
            ..network()
        };
        assert!(matches!(
            lever(&r, &n),
            Lever::Weakest {
                part: Part::Completeness,
                ..
            }
        ));
    }

    #[test]
    fn a_dealer_at_or_above_the_network_everywhere_is_told_to_keep_going() {
        let r = DealerScoreRow {
            open_forms: 0,
            overdue_forms: 0,
            completeness: 0.9,
            timeliness: 0.9,
            responsiveness: 0.9,
            outcome_reporting: 0.9,
            ..row()
        };
        assert_eq!(lever(&r, &network()), Lever::KeepGoing);
    }

    #[test]
    fn a_backlog_worth_less_than_half_a_point_is_not_a_lever() {
        let r = DealerScoreRow {
            caught_up_score: 62.3,
            ..row()
        };
        assert!(!matches!(lever(&r, &network()), Lever::CatchUp { .. }));
    }

    #[test]
    fn history_keeps_the_last_point_of_each_week() {
        let point = |when: &str, score: f64| ScoreHistoryRow {
            dealer_id: 1,
            recorded_at: at(when),
            score,
            completeness: 0.5,
            timeliness: 0.5,
            responsiveness: 0.5,
            outcome_reporting: 0.5,
            weight: 1.0,
        };
        // Monday 30 Nov 2026 starts a week; Sunday 6 Dec ends it.
        let weeks = weekly(&[
            point("2026-11-27 09:00", 50.0),
            point("2026-11-30 09:00", 55.0),
            point("2026-12-06 23:00", 58.0),
            point("2026-12-07 08:00", 60.0),
        ]);
        let scores: Vec<(String, f64)> = weeks
            .iter()
            .map(|w| (w.week.to_string(), w.score))
            .collect();
        assert_eq!(
            scores,
            vec![
                ("2026-11-23".to_owned(), 50.0),
                ("2026-11-30".to_owned(), 58.0),
                ("2026-12-07".to_owned(), 60.0),
            ]
        );
    }
}
