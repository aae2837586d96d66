//! A dealer's page for staff: the dealer's facts and team, its score card (score, the four
//! parts, weight, override, flags with the numbers behind them), its recent leads and
//! feedback — read in one call — and its score history and the parts over time, read apart
//! (the page keeps their charts rendered until a new point is recorded).

use chrono::{NaiveDateTime, TimeDelta};

use super::views::{DealerProfile, DealerView};
use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::dealer_figures::{self as figures, RecentForm, RecentOffer};
use crate::models::dealer_score::{DealerScoreRow, NetworkScoreRow, WeightOverride};
use crate::models::dealer_stats::{DealerStatsRow, FiguresVersion};
use crate::models::user::User;
use crate::services::dealer_score::rule::{Anomaly, anomaly};
use crate::services::dealers::stats::{ANOMALY_MIN_SUBMISSIONS, PERIODS};
use crate::services::feedback::views::OVERDUE_AFTER_DAYS;

/// How far back the history chart reaches.
pub const HISTORY_DAYS: i64 = 365;

/// Recent offers and feedback requests shown.
pub const RECENT: i64 = 20;

/// Everything the staff's dealer page shows.
#[derive(Debug)]
pub struct DealerDetail {
    pub profile: DealerProfile,
    pub score: Option<DealerScoreRow>,
    pub network: Option<NetworkScoreRow>,
    /// The override in force now, if any.
    pub override_in_force: Option<WeightOverride>,
    /// The table's figures over the shortest period.
    pub stats: Option<DealerStatsRow>,
    pub offers: Vec<RecentOffer>,
    pub forms: Vec<RecentForm>,
    pub now: NaiveDateTime,
}

/// What the page shows that can change without the figures version moving (see
/// [`FiguresVersion`]): the team, the override in force now (one may start or end with
/// time alone), the recent offers and forms; with the version, which covers the rest.
/// Read on every request: together they say whether the page last rendered still holds.
#[derive(Debug)]
pub struct DealerActivity {
    pub version: i64,
    pub users: Vec<User>,
    pub override_in_force: Option<WeightOverride>,
    pub offers: Vec<RecentOffer>,
    pub forms: Vec<RecentForm>,
    pub now: NaiveDateTime,
}

impl DealerActivity {
    pub fn load(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<Self, AppError> {
        Ok(Self {
            version: FiguresVersion::current(conn)?,
            users: User::for_dealer(conn, id)?,
            override_in_force: WeightOverride::in_force(conn, Some(id), now)?
                .into_iter()
                .next(),
            offers: figures::recent_offers(conn, id, RECENT)?,
            forms: figures::recent_forms(conn, id, RECENT)?,
            now,
        })
    }

    /// A fingerprint of everything here that the page shows, and of the state each form
    /// is in now (which moves with time alone) and the history chart's first day.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        self.version.hash(&mut h);
        (self.now - TimeDelta::days(HISTORY_DAYS))
            .date()
            .hash(&mut h);
        for u in &self.users {
            (u.id, &u.name, &u.email, u.active).hash(&mut h);
        }
        if let Some(o) = &self.override_in_force {
            (o.id, o.weight.to_bits(), &o.reason, o.expires_at.get()).hash(&mut h);
        }
        for o in &self.offers {
            (o.offer_id, o.lead_id, &o.status, o.offered_at.get()).hash(&mut h);
            (o.responded_at.map(|t| t.get()), &o.lead_status).hash(&mut h);
        }
        for f in &self.forms {
            (
                f.request_id,
                f.lead_id,
                f.opened_at.get(),
                f.closes_at.get(),
            )
                .hash(&mut h);
            (
                f.submitted_at.map(|t| t.get()),
                f.revoked_at.map(|t| t.get()),
            )
                .hash(&mut h);
            (f.completeness_permille, form_state(f, self.now)).hash(&mut h);
        }
        h.finish()
    }
}

impl DealerDetail {
    /// The dealer `id` as staff see it, with what was read of its `activity`.
    pub fn load_with(
        conn: &mut DbConnection,
        id: i64,
        activity: DealerActivity,
    ) -> Result<Self, AppError> {
        let view = DealerView::load(conn, id)?;
        Ok(Self {
            profile: DealerProfile {
                view,
                users: activity.users,
            },
            score: DealerScoreRow::find(conn, id)?,
            network: NetworkScoreRow::find(conn)?,
            override_in_force: activity.override_in_force,
            stats: DealerStatsRow::find(conn, id, PERIODS[0])?,
            offers: activity.offers,
            forms: activity.forms,
            now: activity.now,
        })
    }

    /// Where the history chart starts.
    pub fn history_since(&self) -> NaiveDateTime {
        self.now - TimeDelta::days(HISTORY_DAYS)
    }

    /// What the history chart shows, for keeping it rendered: the dealer, the time of its
    /// latest point (a new point moves it, see `dealer_score::store`) and the first day.
    pub fn history_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.profile.view.dealer.id,
            self.score
                .as_ref()
                .map(|s| s.snapshot_at.get().to_string())
                .unwrap_or_default(),
            self.history_since().date()
        )
    }

    /// The share of "never reached" answers, flagged or not, against the network's.
    pub fn unreached(&self) -> Option<Rates> {
        let (s, n) = (self.score.as_ref()?, self.network.as_ref()?);
        Some(Rates::of(s.unreached, s.submissions, n.unreached_rate))
    }

    /// The share of leads rated 1, flagged or not, against the network's.
    pub fn rated_lowest(&self) -> Option<Rates> {
        let (s, n) = (self.score.as_ref()?, self.network.as_ref()?);
        Some(Rates::of(s.rated_lowest, s.rated, n.rated_lowest_rate))
    }

    /// The weight allocation uses now: the override's if one is in force.
    pub fn effective_weight(&self) -> f64 {
        self.override_in_force
            .as_ref()
            .map(|o| o.weight)
            .or_else(|| self.score.as_ref().map(|s| s.weight))
            .unwrap_or(1.0)
    }

    /// A feedback request's state: `done`, `closed`, `overdue` or `pending`.
    pub fn form_state(&self, form: &RecentForm) -> &'static str {
        form_state(form, self.now)
    }
}

/// A feedback request's state at `now`: `done`, `closed`, `overdue` or `pending`.
fn form_state(form: &RecentForm, now: NaiveDateTime) -> &'static str {
    if form.submitted_at.is_some() {
        "done"
    } else if form.revoked_at.is_some() || form.closes_at.get() <= now {
        "closed"
    } else if now - form.opened_at.get() >= TimeDelta::days(OVERDUE_AFTER_DAYS) {
        "overdue"
    } else {
        "pending"
    }
}

/// A dealer's rate of some answer against the network's, and whether it is flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub dealer: f64,
    pub network: f64,
    pub submissions: i64,
    pub flagged: Option<Anomaly>,
}

impl Rates {
    fn of(hits: i64, of: i64, network: f64) -> Self {
        let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        Self {
            dealer: if of > 0 { hits as f64 / of as f64 } else { 0.0 },
            network,
            submissions: of,
            flagged: anomaly(count(hits), count(of), network, ANOMALY_MIN_SUBMISSIONS),
        }
    }
}
