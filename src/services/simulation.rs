//! The loop, simulated (`dealerloop simulate`): a synthetic network of dealers with
//! different feedback habits ([`habits`]) run on a throwaway database through the real
//! services (intake, allocation, offers and their answers, deadlines, outcomes, feedback
//! requests and forms, reminders, scoring) on a simulated clock, and what became of each
//! group's share of the leads ([`report`]).
//!
//! The clock is simulated: every service call gets the simulated `now`, leads arrive
//! spread over each day, and the background runs (offer deadlines, feedback timers and
//! reminders, scores of closed requests) happen every simulated hour, every dealer's
//! score once a day. The dealers' choices come from one seeded [`habits::Dice`], drawn
//! in the order the events happen, so the same seed gives the same report.

pub mod habits;
pub mod report;
mod run;

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::DbConnection;
use crate::error::AppError;
use crate::services::dealer_score::ScoreRule;
use report::Report;
use run::Run;

/// A simulated network: `dealers` dealers in four groups of equal size, `leads_per_day`
/// leads a day for `days` days, every choice drawn from `seed`, scored by `rule`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simulation {
    pub days: i64,
    pub dealers: usize,
    pub leads_per_day: usize,
    pub seed: u64,
    pub rule: ScoreRule,
}

/// The first simulated moment: a Monday, so weeks start on Mondays.
fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 5)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

impl Simulation {
    /// Runs the simulation on `conn`, a migrated and otherwise empty database, and
    /// reports what happened.
    pub fn run(&self, conn: &mut DbConnection) -> Result<Report, AppError> {
        let mut run = Run::start(self, conn)?;
        run.go(conn)?;
        Ok(run.finish())
    }
}
