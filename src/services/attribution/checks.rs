//! The report's checks, over the same leads and model: is marketing's lead score right
//! (conversion and revenue by grade and score band, per channel); the monthly revenue and
//! ROI per channel; and how customers say they first heard of us against the first touch.

use chrono::NaiveDateTime;
use rustc_hash::FxHashMap;

use super::models::Settings;
use super::report::{LeadSplit, Loaded, ReportFilter, compute_with_splits, spend_in_base};
use crate::db::DbConnection;
use crate::domain::feedback_fields::FirstHeard;
use crate::error::AppError;

/// Leads, wins and revenue in one cell of a calibration table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    pub leads: f64,
    pub won: f64,
    pub revenue_cents: i64,
}

impl Cell {
    pub fn conversion_rate(&self) -> Option<f64> {
        (self.leads > 0.0).then(|| self.won / self.leads)
    }

    pub fn revenue_per_lead_cents(&self) -> Option<i64> {
        (self.leads > 0.0).then(|| (self.revenue_cents as f64 / self.leads).round() as i64)
    }
}

/// The score bands of the calibration table, by their lowest score.
pub const BANDS: [i32; 5] = [0, 20, 40, 60, 80];

/// A band's label: `0–19` … `80–100`; `—` for leads without a score.
pub fn band_label(band: Option<i32>) -> String {
    match band {
        Some(80) => "80–100".to_owned(),
        Some(b) => format!("{b}–{}", b + 19),
        None => "—".to_owned(),
    }
}

fn band_of(score: Option<i32>) -> Option<i32> {
    score.map(|s| BANDS.iter().rev().copied().find(|b| s >= *b).unwrap_or(0))
}

/// One month of the trend: per key, revenue credited and that month's spend (cents).
pub type MonthRow = (String, Vec<(i64, Option<i64>)>);

/// Everything on the checks page.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    /// The keys (channels, campaigns…) shown, most leads first (at most [`MAX_KEYS`]).
    pub keys: Vec<String>,
    /// Per grade (`—`: none given): the whole scope, then per key.
    pub by_grade: Vec<(String, Cell, Vec<Cell>)>,
    /// Per score band (`None`: no score): the whole scope, then per key.
    pub by_band: Vec<(Option<i32>, Cell, Vec<Cell>)>,
    /// Per month of conversion: per key, revenue credited and that month's spend.
    pub months: Vec<MonthRow>,
    /// Won leads: per first-touch channel, how many customers gave each answer to "how did
    /// you first hear of us" (the last column: no answer).
    pub first_heard: Vec<(String, Vec<u64>)>,
    pub answers: Vec<FirstHeard>,
    /// Revenue and spend in other currencies: converted, and left out for lack of a rate.
    pub currencies: super::currency::Conversions,
}

/// How many keys the per-key columns show.
pub const MAX_KEYS: usize = 8;

/// Reads and computes the checks for `filter` at `now`.
pub fn load(
    conn: &mut DbConnection,
    filter: &ReportFilter,
    settings: &Settings,
    now: NaiveDateTime,
) -> Result<Checks, AppError> {
    let loaded = Loaded::read(conn, filter)?;
    let (report, splits) = compute_with_splits(&loaded.input(), filter, settings, now);
    let keys: Vec<String> = {
        let mut rows = report.rows;
        rows.sort_by(|a, b| b.leads.total_cmp(&a.leads).then_with(|| a.key.cmp(&b.key)));
        rows.into_iter().take(MAX_KEYS).map(|r| r.key).collect()
    };
    let spend = spend_by_month(&loaded, filter);
    Ok(Checks {
        // The report noted the same spend and revenue.
        currencies: report.currencies,
        ..compute(&splits, keys, &spend)
    })
}

/// Spend per (month, key) in the base currency, for the keys spend counts under.
fn spend_by_month(loaded: &Loaded, filter: &ReportFilter) -> FxHashMap<(String, String), i64> {
    use super::report::Dimension;
    let mut out = FxHashMap::default();
    if filter.dimension == Dimension::SourceMedium {
        return out;
    }
    for s in &loaded.spend {
        let Some(c) = loaded.campaigns.iter().find(|c| c.id == s.campaign_id) else {
            continue;
        };
        let Some(cents) = spend_in_base(s, &loaded.rates, &mut Default::default()) else {
            continue;
        };
        let key = if filter.dimension == Dimension::Channel {
            c.channel.clone()
        } else {
            c.code.clone()
        };
        *out.entry((s.month.clone(), key)).or_default() += cents;
    }
    out
}

/// The checks over the leads' splits (pure).
pub fn compute(
    splits: &[LeadSplit],
    keys: Vec<String>,
    spend: &FxHashMap<(String, String), i64>,
) -> Checks {
    let index = |k: &str| keys.iter().position(|x| x == k);
    let mut grades: FxHashMap<String, (Cell, Vec<Cell>)> = FxHashMap::default();
    let mut bands: FxHashMap<Option<i32>, (Cell, Vec<Cell>)> = FxHashMap::default();
    let mut months: FxHashMap<String, Vec<i64>> = FxHashMap::default();
    let answers: Vec<FirstHeard> = FirstHeard::ALL.to_vec();
    let mut heard: FxHashMap<String, Vec<u64>> = FxHashMap::default();
    let empty = || (Cell::default(), vec![Cell::default(); keys.len()]);
    for s in splits {
        let revenue: i64 = s.revenue_by_key.iter().map(|(_, c)| c).sum();
        let grade = s.grade.clone().unwrap_or_else(|| "—".to_owned());
        for (whole, per_key) in [
            grades.entry(grade).or_insert_with(empty),
            bands.entry(band_of(s.score)).or_insert_with(empty),
        ] {
            whole.leads += 1.0;
            whole.won += f64::from(u8::from(s.won));
            whole.revenue_cents += revenue;
            for (k, share) in &s.by_key {
                if let Some(i) = index(k) {
                    per_key[i].leads += share;
                    if s.won {
                        per_key[i].won += share;
                    }
                }
            }
            for (k, cents) in &s.revenue_by_key {
                if let Some(i) = index(k) {
                    per_key[i].revenue_cents += cents;
                }
            }
        }
        if let Some(m) = &s.close_month {
            let row = months
                .entry(m.clone())
                .or_insert_with(|| vec![0; keys.len()]);
            for (k, cents) in &s.revenue_by_key {
                if let Some(i) = index(k) {
                    row[i] += cents;
                }
            }
        }
        if s.won {
            let channel = s
                .first_channel
                .clone()
                .unwrap_or_else(|| "(none)".to_owned());
            let row = heard
                .entry(channel)
                .or_insert_with(|| vec![0; answers.len() + 1]);
            let at = s
                .first_heard
                .and_then(|a| answers.iter().position(|x| *x == a))
                .unwrap_or(answers.len());
            row[at] += 1;
        }
    }
    let mut by_grade: Vec<(String, Cell, Vec<Cell>)> =
        grades.into_iter().map(|(g, (w, k))| (g, w, k)).collect();
    by_grade.sort_by(|a, b| a.0.cmp(&b.0));
    let mut by_band: Vec<(Option<i32>, Cell, Vec<Cell>)> =
        bands.into_iter().map(|(b, (w, k))| (b, w, k)).collect();
    by_band.sort_by_key(|(b, _, _)| b.map_or(-1, |b| b));
    let mut month_rows: Vec<MonthRow> = months
        .into_iter()
        .map(|(m, revenue)| {
            let cells = revenue
                .into_iter()
                .zip(&keys)
                .map(|(r, k)| (r, spend.get(&(m.clone(), k.clone())).copied()))
                .collect();
            (m, cells)
        })
        .collect();
    month_rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut first_heard: Vec<(String, Vec<u64>)> = heard.into_iter().collect();
    first_heard.sort_by(|a, b| {
        b.1.iter()
            .sum::<u64>()
            .cmp(&a.1.iter().sum::<u64>())
            .then_with(|| a.0.cmp(&b.0))
    });
    Checks {
        keys,
        by_grade,
        by_band,
        months: month_rows,
        first_heard,
        answers,
        currencies: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(key: &str, won: bool, grade: &str, score: i32, revenue: i64) -> LeadSplit {
        LeadSplit {
            by_key: vec![(key.to_owned(), 1.0)],
            revenue_by_key: if won {
                vec![(key.to_owned(), revenue)]
            } else {
                vec![]
            },
            won,
            grade: Some(grade.to_owned()),
            score: Some(score),
            close_month: won.then(|| "2026-10".to_owned()),
            first_channel: Some(key.to_owned()),
            first_heard: won.then_some(FirstHeard::TradeFair),
        }
    }

    #[test]
    fn grades_and_bands_show_whether_the_score_predicts_sales() {
        let splits = [
            split("trade_fair", true, "A", 85, 10_000),
            split("trade_fair", false, "A", 90, 0),
            split("email", false, "C", 15, 0),
            split("email", true, "C", 30, 4_000),
        ];
        let mut spend = FxHashMap::default();
        spend.insert(("2026-10".to_owned(), "trade_fair".to_owned()), 2_500);
        let c = compute(&splits, vec!["trade_fair".into(), "email".into()], &spend);
        let a = &c.by_grade[0];
        assert_eq!((a.0.as_str(), a.1.leads, a.1.won), ("A", 2.0, 1.0));
        assert_eq!(a.1.conversion_rate(), Some(0.5));
        assert_eq!(a.2[0].revenue_cents, 10_000);
        assert_eq!(a.2[1].leads, 0.0);
        let bands: Vec<(Option<i32>, f64)> = c.by_band.iter().map(|b| (b.0, b.1.leads)).collect();
        assert_eq!(bands, [(Some(0), 1.0), (Some(20), 1.0), (Some(80), 2.0)]);
        assert_eq!(band_label(Some(80)), "80–100");
        assert_eq!(
            c.months,
            [(
                "2026-10".to_owned(),
                vec![(10_000, Some(2_500)), (4_000, None)]
            )]
        );
        // Both won customers said "trade fair": one first touched by a fair, one by email.
        let fair = FirstHeard::ALL
            .iter()
            .position(|a| *a == FirstHeard::TradeFair)
            .unwrap_or(0);
        assert_eq!(c.first_heard.len(), 2);
        assert!(c.first_heard.iter().all(|(_, row)| row[fair] == 1));
    }
}
