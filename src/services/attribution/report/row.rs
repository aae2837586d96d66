//! One row of the report, and the sums behind its means.

use rustc_hash::FxHashMap;

use crate::domain::{FeedbackOutcome, LostReason};
use crate::models::attribution::ReportFeedback;

/// One row of the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportRow {
    pub key: String,
    /// The campaign's name, for campaign rows set up with one.
    pub label: Option<String>,
    pub leads: f64,
    pub lead_share: f64,
    pub accepted: f64,
    pub won: f64,
    pub revenue_cents: i64,
    pub revenue_share: f64,
    /// `None` where spend is not known (source/medium rows, campaigns without spend).
    pub spend_cents: Option<i64>,
    /// Quotes sent and not yet won or lost, split by the model (euro cents).
    pub pipeline_cents: f64,
    /// Median days from lead to close over the won leads the row has a share in.
    pub median_days_to_close: Option<f64>,
    /// Mean 1–5 rating dealers gave, weighted by the row's share of each lead.
    pub mean_rating: Option<f64>,
    /// Share of the row's leads with feedback that dealers never reached.
    pub unreached_rate: Option<f64>,
    pub top_lost_reasons: Vec<(LostReason, f64)>,
    pub top_competitors: Vec<(String, f64)>,
    // Sums behind the means.
    pub(super) rated_weight: f64,
    pub(super) rating_sum: f64,
    pub(super) feedback_weight: f64,
    pub(super) unreached_weight: f64,
    pub(super) close_days: Vec<f64>,
    pub(super) lost: FxHashMap<LostReason, f64>,
    pub(super) competitors: FxHashMap<String, f64>,
}

impl ReportRow {
    pub fn conversion_rate(&self) -> Option<f64> {
        (self.leads > 0.0).then(|| self.won / self.leads)
    }

    /// (revenue − spend) / spend.
    pub fn roi(&self) -> Option<f64> {
        let spend = self.spend_cents.filter(|s| *s > 0)? as f64;
        Some((self.revenue_cents as f64 - spend) / spend)
    }

    /// Revenue per unit of spend.
    pub fn roas(&self) -> Option<f64> {
        let spend = self.spend_cents.filter(|s| *s > 0)? as f64;
        Some(self.revenue_cents as f64 / spend)
    }

    /// Open pipeline per unit of spend.
    pub fn pipeline_ratio(&self) -> Option<f64> {
        let spend = self.spend_cents.filter(|s| *s > 0)? as f64;
        Some(self.pipeline_cents / spend)
    }

    pub fn cost_per_lead_cents(&self) -> Option<i64> {
        let spend = self.spend_cents?;
        (self.leads > 0.0).then(|| (spend as f64 / self.leads).round() as i64)
    }

    /// Spend per won customer.
    pub fn cac_cents(&self) -> Option<i64> {
        let spend = self.spend_cents?;
        (self.won > 0.0).then(|| (spend as f64 / self.won).round() as i64)
    }

    pub(super) fn add_lead(&mut self, share: f64, lead: &Facts<'_>) {
        self.leads += share;
        self.pipeline_cents += share * lead.open_quote_cents as f64;
        if lead.accepted {
            self.accepted += share;
        }
        if lead.won {
            self.won += share;
            if share > 0.0
                && let Some(days) = lead.days_to_close
            {
                self.close_days.push(days);
            }
        }
        for f in lead.feedback {
            self.feedback_weight += share;
            if f.outcome == Some(FeedbackOutcome::Unreached) {
                self.unreached_weight += share;
            }
            if let Some(q) = f.lead_quality {
                self.rated_weight += share;
                self.rating_sum += share * f64::from(q);
            }
            if let Some(r) = f.lost_reason {
                *self.lost.entry(r).or_default() += share;
            }
            let c = f.competitor.trim();
            if !c.is_empty() {
                *self.competitors.entry(c.to_owned()).or_default() += share;
            }
        }
    }

    pub(super) fn finish(&mut self, leads: f64, revenue: i64) {
        self.lead_share = if leads > 0.0 { self.leads / leads } else { 0.0 };
        self.revenue_share = if revenue > 0 {
            self.revenue_cents as f64 / revenue as f64
        } else {
            0.0
        };
        self.mean_rating = (self.rated_weight > 0.0).then(|| self.rating_sum / self.rated_weight);
        self.unreached_rate =
            (self.feedback_weight > 0.0).then(|| self.unreached_weight / self.feedback_weight);
        self.median_days_to_close = median(&mut self.close_days);
        self.top_lost_reasons = top(&self.lost, 3);
        self.top_competitors = top(&self.competitors, 3);
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// The `n` largest, largest first (ties by key, so the order is stable).
fn top<K: Clone + std::fmt::Display>(counts: &FxHashMap<K, f64>, n: usize) -> Vec<(K, f64)> {
    let mut all: Vec<(K, f64)> = counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
    all.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.to_string().cmp(&b.0.to_string()))
    });
    all.truncate(n);
    all
}

/// One lead's facts as the rows take them.
pub(super) struct Facts<'a> {
    pub accepted: bool,
    /// The quote's amount while the lead waits on it (0 otherwise).
    pub open_quote_cents: i64,
    pub won: bool,
    pub days_to_close: Option<f64>,
    pub feedback: &'a [ReportFeedback],
}
