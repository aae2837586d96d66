//! The network page: the funnel of a period, the distribution of scores, and the share of
//! offers each score quintile received week by week (the evidence that the incentive
//! works: better-scored dealers should get a growing share).

use crate::db::{DbConnection, UtcTime};
use crate::error::AppError;
use crate::models::dealer_score::NetworkScoreRow;
use crate::models::dealer_stats::{DealerStatsRow, FunnelRow, LeadShareRow};
use crate::services::dealers::stats::PERIODS;
use crate::services::dealers::table::BAND_WIDTH;

/// Score bands shown in the distribution (0-19 … 80-100).
pub const BANDS: usize = 5;

/// One week of the lead share: offers per quintile (lowest scores first).
#[derive(Debug, Clone, PartialEq)]
pub struct ShareWeek {
    pub week_start: UtcTime,
    pub offers: [i64; 5],
}

impl ShareWeek {
    pub fn total(&self) -> i64 {
        self.offers.iter().sum()
    }

    /// Quintile `q`'s share of the week's offers, in percent.
    pub fn percent(&self, q: &usize) -> f64 {
        let total = self.total();
        if total == 0 {
            0.0
        } else {
            self.offers.get(*q).copied().unwrap_or(0) as f64 * 100.0 / total as f64
        }
    }
}

/// Everything the network page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkView {
    pub period: i32,
    pub funnel: Option<FunnelRow>,
    /// Scored dealers per band, lowest band first.
    pub bands: [i64; BANDS],
    pub weeks: Vec<ShareWeek>,
    pub network: Option<NetworkScoreRow>,
}

impl NetworkView {
    /// The network over `period` days (one of [`PERIODS`]; anything else is the first).
    pub fn load(conn: &mut DbConnection, period: i32) -> Result<Self, AppError> {
        let period = if PERIODS.contains(&period) {
            period
        } else {
            PERIODS[0]
        };
        let mut bands = [0i64; BANDS];
        for score in DealerStatsRow::scores(conn, period)? {
            bands[band_of(score)] += 1;
        }
        let mut weeks: Vec<ShareWeek> = Vec::new();
        for row in LeadShareRow::all(conn)? {
            if weeks.last().is_none_or(|w| w.week_start != row.week_start) {
                weeks.push(ShareWeek {
                    week_start: row.week_start,
                    offers: [0; 5],
                });
            }
            if let (Some(week), Ok(q)) = (weeks.last_mut(), usize::try_from(row.quintile - 1))
                && let Some(slot) = week.offers.get_mut(q)
            {
                *slot = row.offers;
            }
        }
        Ok(Self {
            period,
            funnel: FunnelRow::find(conn, period)?,
            bands,
            weeks,
            network: NetworkScoreRow::find(conn)?,
        })
    }

    /// The funnel's stages as (message key, marker, leads), received first.
    pub fn stages(&self) -> Vec<(&'static str, &'static str, i64)> {
        let Some(f) = &self.funnel else {
            return Vec::new();
        };
        vec![
            ("funnel-received", "received", f.received),
            ("funnel-offered", "offered", f.offered),
            ("funnel-accepted", "accepted", f.accepted),
            ("funnel-contacted", "contacted", f.contacted),
            ("funnel-quote-sent", "quote_sent", f.quote_sent),
            ("funnel-won", "won", f.won),
        ]
    }

    /// Each band's lowest score with its dealers.
    pub fn band_rows(&self) -> Vec<(u8, i64)> {
        self.band_starts().into_iter().zip(self.bands).collect()
    }

    /// The lowest score of each band.
    pub fn band_starts(&self) -> Vec<u8> {
        (0..BANDS)
            .map(|b| u8::try_from(b).unwrap_or(0) * BAND_WIDTH)
            .collect()
    }
}

/// The band (0-based) a score falls in; 100 is in the top band.
pub fn band_of(score: f64) -> usize {
    let band = (score.max(0.0) / f64::from(BAND_WIDTH)).floor();
    (band as usize).min(BANDS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_perfect_score_is_in_the_top_band() {
        assert_eq!(band_of(100.0), 4);
        assert_eq!(band_of(79.9), 3);
        assert_eq!(band_of(0.0), 0);
    }
}
