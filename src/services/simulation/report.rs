//! What a simulation run shows: per simulated week and per group of dealers, the share of
//! the week's offers, the group's equal share, its mean score and mean weight; the lowest
//! weight any dealer had; rendered as a plain-text table and an SVG line chart.

use std::fmt::Write as _;

use super::habits::Group;
use crate::web::charts::{LineChart, Series};

/// One group in one week.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupWeek {
    pub group: Group,
    /// Offers made to the group's dealers in the week (each an allocation decision that
    /// handed a lead to one of them, first offers and re-offers alike).
    pub offers: u64,
    /// `offers` as a share of all the week's offers, in 0..=1 (0 in a week without offers).
    pub share: f64,
    /// The group's share of the dealers: its share if weights were all equal.
    pub equal_share: f64,
    /// The group's mean score and mean weight at the end of the week (`None` before any
    /// score was computed).
    pub mean_score: Option<f64>,
    pub mean_weight: Option<f64>,
}

/// One simulated week.
#[derive(Debug, Clone, PartialEq)]
pub struct Week {
    /// 1-based.
    pub number: usize,
    /// Simulated days in it (the last week may be shorter).
    pub days: i64,
    pub offers: u64,
    pub groups: Vec<GroupWeek>,
    /// The fewest offers any single dealer got in the week.
    pub fewest_offers_to_a_dealer: u64,
}

impl Week {
    /// `group`'s row.
    pub fn group(&self, group: Group) -> Option<&GroupWeek> {
        self.groups.iter().find(|g| g.group == group)
    }
}

/// The lowest weight seen, checked after every simulated hour and every daily
/// recomputation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Floor {
    /// The rule's floor ([`crate::services::dealer_score::ScoreRule::floor`]): the lowest
    /// weight a dealer may have, relative to a dealer that scores the network's mean
    /// score (whose weight is 1).
    pub rule_floor: f64,
    /// The lowest weight any dealer had at any check.
    pub lowest_weight: f64,
    /// The lowest ratio of a dealer's weight to the mean weight of the network at the
    /// same check (what its share of a lead every dealer competes for is, relative to an
    /// equal share).
    pub lowest_weight_to_mean: f64,
    /// How many checks were made.
    pub checks: u64,
}

/// Counts over the whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub leads: u64,
    pub offers: u64,
    pub accepted: u64,
    pub declined: u64,
    /// Offers left to expire (counted when the dealer decided to let them).
    pub ignored: u64,
    pub outcomes_reported: u64,
    pub forms_submitted: u64,
}

/// What a run shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub days: i64,
    pub dealers: usize,
    pub leads_per_day: usize,
    pub seed: u64,
    pub weeks: Vec<Week>,
    pub floor: Floor,
    pub totals: Totals,
}

fn percent(share: f64) -> String {
    format!("{:.1}", share * 100.0)
}

fn optional(value: Option<f64>, places: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.places$}"))
}

impl Report {
    /// `group`'s share in each week, in order.
    pub fn shares(&self, group: Group) -> Vec<f64> {
        self.weeks
            .iter()
            .map(|w| w.group(group).map_or(0.0, |g| g.share))
            .collect()
    }

    /// The table: a row per week and group.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>4}  {:<9} {:>7} {:>8} {:>8} {:>6} {:>6}",
            "week", "group", "offers", "share %", "equal %", "score", "weight"
        );
        for week in &self.weeks {
            for g in &week.groups {
                let _ = writeln!(
                    out,
                    "{:>4}  {:<9} {:>7} {:>8} {:>8} {:>6} {:>6}",
                    week.number,
                    g.group.name(),
                    g.offers,
                    percent(g.share),
                    percent(g.equal_share),
                    optional(g.mean_score, 1),
                    optional(g.mean_weight, 2),
                );
            }
        }
        out
    }

    /// A summary of the run under the table.
    pub fn summary(&self) -> String {
        let t = &self.totals;
        format!(
            "{} leads, {} offers ({} accepted, {} declined, {} left to expire), {} outcomes \
             reported, {} forms submitted\nlowest weight {:.3} (floor {:.2}), lowest weight / \
             network mean weight {:.3}, over {} checks; fewest offers to one dealer in a full \
             week: {}",
            t.leads,
            t.offers,
            t.accepted,
            t.declined,
            t.ignored,
            t.outcomes_reported,
            t.forms_submitted,
            self.floor.lowest_weight,
            self.floor.rule_floor,
            self.floor.lowest_weight_to_mean,
            self.floor.checks,
            self.weeks
                .iter()
                .filter(|w| w.days == 7)
                .map(|w| w.fewest_offers_to_a_dealer)
                .min()
                .unwrap_or(0),
        )
    }

    /// Each group's weekly share of offers as a line chart (the table is its text
    /// alternative).
    pub fn share_chart(&self) -> LineChart {
        let max = self
            .weeks
            .iter()
            .flat_map(|w| w.groups.iter().map(|g| g.share))
            .fold(0.0_f64, f64::max);
        LineChart {
            title: format!(
                "Share of offers per week by feedback habit ({} dealers, {} leads a day, seed {})",
                self.dealers, self.leads_per_day, self.seed
            ),
            x_labels: self
                .weeks
                .iter()
                .map(|w| format!("W{}", w.number))
                .collect(),
            series: Group::ALL
                .iter()
                .map(|&group| Series {
                    name: group.name().to_owned(),
                    values: self
                        .weeks
                        .iter()
                        .map(|w| w.group(group).map(|g| g.share * 100.0))
                        .collect(),
                })
                .collect(),
            y_min: 0.0,
            y_max: ((max * 100.0 / 10.0).ceil() * 10.0).max(10.0),
            y_unit: "%".into(),
        }
    }

    /// The chart as a standalone SVG file.
    pub fn share_chart_svg(&self) -> String {
        let svg = self.share_chart().render();
        match svg.strip_prefix("<svg ") {
            Some(rest) => format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" {rest}\n"
            ),
            None => svg,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let week = |number, diligent: u64, silent: u64| Week {
            number,
            days: 7,
            offers: diligent + silent,
            fewest_offers_to_a_dealer: silent / 2,
            groups: vec![
                GroupWeek {
                    group: Group::Diligent,
                    offers: diligent,
                    share: diligent as f64 / (diligent + silent) as f64,
                    equal_share: 0.5,
                    mean_score: Some(70.0),
                    mean_weight: Some(1.4),
                },
                GroupWeek {
                    group: Group::Silent,
                    offers: silent,
                    share: silent as f64 / (diligent + silent) as f64,
                    equal_share: 0.5,
                    mean_score: None,
                    mean_weight: None,
                },
            ],
        };
        Report {
            days: 14,
            dealers: 4,
            leads_per_day: 10,
            seed: 1,
            weeks: vec![week(1, 35, 35), week(2, 49, 21)],
            floor: Floor {
                rule_floor: 0.5,
                lowest_weight: 0.5,
                lowest_weight_to_mean: 0.4,
                checks: 336,
            },
            totals: Totals::default(),
        }
    }

    #[test]
    fn the_table_has_a_row_per_week_and_group_with_percentages() {
        let table = report().table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 1 + 2 * 2);
        assert!(lines[0].contains("share %"));
        assert!(
            lines[3].contains("diligent") && lines[3].contains("70.0"),
            "{table}"
        );
        assert!(lines[3].contains("1.40"), "{table}");
        assert!(
            lines[4].contains("30.0") && lines[4].contains('–'),
            "{table}"
        );
    }

    #[test]
    fn the_chart_has_a_line_per_group_and_a_point_per_week() {
        let chart = report().share_chart();
        assert_eq!(chart.x_labels, ["W1", "W2"]);
        assert_eq!(chart.series.len(), Group::ALL.len());
        assert_eq!(chart.series[0].values, [Some(50.0), Some(70.0)]);
        assert_eq!(chart.series[1].values, [None, None], "no partial dealers");
        assert!(chart.y_max >= 70.0);
        let svg = report().share_chart_svg();
        assert!(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("diligent"));
    }

    #[test]
    fn the_summary_names_the_lowest_weight_and_the_floor() {
        let summary = report().summary();
        assert!(
            summary.contains("lowest weight 0.500 (floor 0.50)"),
            "{summary}"
        );
        assert!(summary.contains("fewest offers to one dealer in a full week: 10"));
    }
}
