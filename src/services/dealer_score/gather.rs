//! What the score is made of, read from storage: every dealer's (or one dealer's)
//! observations, folded into [`Evidence`] as the rows stream past, with the counts behind
//! the anomaly flags.
//!
//! Three reads, each one pass over one table (two of them joined by key), no sort: the
//! feedback requests that came due with their answers, the offers that were answered or
//! expired, and which leads have a recorded outcome by whom. Everything else is
//! arithmetic in [`super::rule`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::rule::{Evidence, Observation, ScoreRule};
use crate::db::{DbConnection, UtcTime};
use crate::domain::{FeedbackOutcome, OfferStatus};
use crate::models::dealer_score::FeedbackExclusion;
use crate::services::feedback::views::OVERDUE_AFTER_DAYS;

/// Submissions this recent count towards the anomaly flags.
pub const ANOMALY_WINDOW_DAYS: i64 = 180;

/// The counts behind a dealer's anomaly flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Answers {
    /// Submissions in the anomaly window (not excluded).
    pub submissions: u32,
    /// Of those, how many said the customer was never reached.
    pub unreached: u32,
    /// How many rated the lead, and how many of those gave it 1 out of 5.
    pub rated: u32,
    pub rated_lowest: u32,
    /// Offers received in the last 30 days.
    pub offers_30d: u32,
}

impl Answers {
    fn add(&mut self, other: &Answers) {
        self.submissions += other.submissions;
        self.unreached += other.unreached;
        self.rated += other.rated;
        self.rated_lowest += other.rated_lowest;
        self.offers_30d += other.offers_30d;
    }
}

/// What a dealer could still do: forms open now and outcomes it has not recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Feedback forms open now (not submitted, not withdrawn, not closed).
    pub open_forms: u32,
    /// Of those, how many were opened at least [`OVERDUE_AFTER_DAYS`] ago.
    pub overdue_forms: u32,
    /// Accepted leads past the feedback delay without an outcome from this dealer.
    pub unreported_outcomes: u32,
}

impl Backlog {
    fn add(&mut self, other: &Backlog) {
        self.open_forms += other.open_forms;
        self.overdue_forms += other.overdue_forms;
        self.unreported_outcomes += other.unreported_outcomes;
    }
}

/// One dealer's evidence and answer counts, with its backlog and the evidence it would
/// have if it cleared that backlog now.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DealerEvidence {
    pub evidence: Evidence,
    pub answers: Answers,
    pub backlog: Backlog,
    /// The evidence with every open form submitted complete now and every missing
    /// outcome reported: what "what would raise my score" is computed from.
    pub caught_up: Evidence,
}

impl DealerEvidence {
    /// Something the dealer did (or failed to do): counts as it is, also when caught up.
    fn observe(&mut self, observation: Observation, rule: &ScoreRule) {
        self.evidence.add(observation, rule);
        self.caught_up.add(observation, rule);
    }

    /// Something the dealer could still do, counted only when caught up.
    fn could(&mut self, observation: Observation, rule: &ScoreRule) {
        self.caught_up.add(observation, rule);
    }

    /// The same evidence `days` later, nothing observed meanwhile (the counts stay as
    /// they were read). The caught-up evidence ages as a whole: its open forms count as
    /// sent when the evidence was read, not now.
    pub fn aged(&self, days: f64, rule: &ScoreRule) -> Self {
        DealerEvidence {
            evidence: self.evidence.aged(days, rule),
            caught_up: self.caught_up.aged(days, rule),
            ..*self
        }
    }
}

/// Every dealer's evidence (dealers without any observation are absent).
pub type NetworkEvidence = FxHashMap<i64, DealerEvidence>;

/// Whose observations to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Network,
    Dealer(i64),
}

impl Scope {
    fn dealer(self) -> Option<i64> {
        match self {
            Scope::Network => None,
            Scope::Dealer(id) => Some(id),
        }
    }
}

fn days(span: chrono::TimeDelta) -> f64 {
    span.num_seconds() as f64 / 86_400.0
}

/// Reads every observation in `scope` as of `now`.
pub fn gather(
    conn: &mut DbConnection,
    scope: Scope,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<NetworkEvidence> {
    let mut evidence = gather_feedback(conn, scope, rule, now)?;
    merge(&mut evidence, gather_offers(conn, scope, rule, now)?);
    Ok(evidence)
}

/// Adds `other`'s evidence to `into`'s.
pub fn merge(into: &mut NetworkEvidence, other: NetworkEvidence) {
    for (dealer_id, e) in other {
        let entry = into.entry(dealer_id).or_default();
        entry.evidence.merge(&e.evidence);
        entry.answers.add(&e.answers);
        entry.backlog.add(&e.backlog);
        entry.caught_up.merge(&e.caught_up);
    }
}

/// Completeness and timeliness, from the feedback requests that came due: submitted, or
/// closed without a submission (not withdrawn, which happens when the lead moved on).
/// Excluded submissions count for nothing. Requests still open count only towards the
/// backlog (and as submitted complete now in the caught-up evidence).
pub fn gather_feedback(
    conn: &mut DbConnection,
    scope: Scope,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<NetworkEvidence> {
    use crate::schema::feedback as f;
    use crate::schema::feedback_requests as r;

    let excluded: FxHashSet<i64> = FeedbackExclusion::request_ids(conn, scope.dealer())?
        .into_iter()
        .collect();
    let mut query = r::table
        // A request never opened by the dealer has no answers row: it counts all the same.
        .left_join(f::table)
        .filter(
            r::submitted_at
                .is_not_null()
                .or(r::revoked_at.is_null().and(r::opened_at.le(now))),
        )
        .select((
            r::id,
            r::dealer_id,
            r::opened_at,
            r::closes_at,
            r::submitted_at,
            f::completeness_permille.nullable(),
            f::outcome.nullable(),
            f::lead_quality.nullable(),
        ))
        .into_boxed();
    if let Some(id) = scope.dealer() {
        query = query.filter(r::dealer_id.eq(id));
    }
    type Row = (
        i64,
        i64,
        UtcTime,
        UtcTime,
        Option<UtcTime>,
        Option<i32>,
        Option<FeedbackOutcome>,
        Option<i32>,
    );
    let rows: Vec<Row> = query.load(conn)?;
    let recent = now - chrono::TimeDelta::days(ANOMALY_WINDOW_DAYS);
    let overdue_since = now - chrono::TimeDelta::days(OVERDUE_AFTER_DAYS);
    let mut out = NetworkEvidence::default();
    for (id, dealer_id, opened_at, closes_at, submitted_at, permille, outcome, quality) in rows {
        if excluded.contains(&id) {
            continue;
        }
        let entry = out.entry(dealer_id).or_default();
        match submitted_at {
            Some(at) => {
                let age = days(now - at.get());
                entry.observe(
                    Observation::Feedback {
                        completeness: f64::from(permille.unwrap_or(0)) / 1000.0,
                        age_days: age,
                    },
                    rule,
                );
                entry.observe(
                    Observation::Submitted {
                        after_days: days(at.get() - opened_at.get()),
                        age_days: age,
                    },
                    rule,
                );
                if at.get() >= recent {
                    entry.answers.submissions += 1;
                    entry.answers.unreached +=
                        u32::from(outcome == Some(FeedbackOutcome::Unreached));
                    if let Some(q) = quality {
                        entry.answers.rated += 1;
                        entry.answers.rated_lowest += u32::from(q <= 1);
                    }
                }
            }
            None if closes_at.get() > now => {
                entry.backlog.open_forms += 1;
                entry.backlog.overdue_forms += u32::from(opened_at.get() <= overdue_since);
                entry.could(
                    Observation::Feedback {
                        completeness: 1.0,
                        age_days: 0.0,
                    },
                    rule,
                );
                entry.could(
                    Observation::Submitted {
                        after_days: days(now - opened_at.get()),
                        age_days: 0.0,
                    },
                    rule,
                );
            }
            None => {
                let age = days(now - closes_at.get());
                entry.observe(
                    Observation::Feedback {
                        completeness: 0.0,
                        age_days: age,
                    },
                    rule,
                );
                // Never came: as late as the window allows.
                entry.observe(
                    Observation::Submitted {
                        after_days: rule.window_days,
                        age_days: age,
                    },
                    rule,
                );
            }
        }
    }
    Ok(out)
}

/// Responsiveness and outcome reporting, from the offers answered or left to expire (open
/// and withdrawn offers only count towards the offers of the last 30 days).
pub fn gather_offers(
    conn: &mut DbConnection,
    scope: Scope,
    rule: &ScoreRule,
    now: NaiveDateTime,
) -> QueryResult<NetworkEvidence> {
    use crate::schema::offers as o;
    use crate::schema::sale_outcomes as s;

    // Which dealer reported each outcome.
    let mut reported = s::table.select((s::lead_id, s::dealer_id)).into_boxed();
    if let Some(id) = scope.dealer() {
        reported = reported.filter(s::dealer_id.eq(id));
    }
    let reported: FxHashMap<i64, i64> = reported.load::<(i64, i64)>(conn)?.into_iter().collect();

    let mut query = o::table
        .select((
            o::dealer_id,
            o::lead_id,
            o::status,
            o::offered_at,
            o::deadline_at,
            o::responded_at,
        ))
        .into_boxed();
    if let Some(id) = scope.dealer() {
        query = query.filter(o::dealer_id.eq(id));
    }
    let rows: Vec<(i64, i64, OfferStatus, UtcTime, UtcTime, Option<UtcTime>)> = query.load(conn)?;
    let due_after = chrono::TimeDelta::seconds((rule.outcome_after_days * 86_400.0) as i64);
    let month_ago = now - chrono::TimeDelta::days(30);
    let mut out = NetworkEvidence::default();
    for (dealer_id, lead_id, status, offered_at, deadline_at, responded_at) in rows {
        let entry = out.entry(dealer_id).or_default();
        if offered_at.get() >= month_ago && offered_at.get() <= now {
            entry.answers.offers_30d += 1;
        }
        match (status, responded_at) {
            (OfferStatus::Accepted | OfferStatus::Declined, Some(at)) => {
                let allowed = days(deadline_at.get() - offered_at.get()).max(f64::EPSILON);
                entry.observe(
                    Observation::Offer {
                        answered_share: Some(days(at.get() - offered_at.get()) / allowed),
                        age_days: days(now - at.get()),
                    },
                    rule,
                );
                if status == OfferStatus::Accepted && at.get() + due_after <= now {
                    let reported = reported.get(&lead_id) == Some(&dealer_id);
                    let age_days = days(now - (at.get() + due_after));
                    entry
                        .evidence
                        .add(Observation::Outcome { reported, age_days }, rule);
                    // Caught up, every outcome is reported.
                    entry.caught_up.add(
                        Observation::Outcome {
                            reported: true,
                            age_days,
                        },
                        rule,
                    );
                    entry.backlog.unreported_outcomes += u32::from(!reported);
                }
            }
            (OfferStatus::Expired, _) => entry.observe(
                Observation::Offer {
                    answered_share: None,
                    age_days: days(now - deadline_at.get()),
                },
                rule,
            ),
            _ => {}
        }
    }
    Ok(out)
}

/// The dealers whose observations changed after `since`, with the latest time of a
/// change: a feedback request opened, withdrawn or closed without a submission (up to
/// `now`), an offer answered or left to expire, an accepted lead whose outcome came due
/// (up to `now`). Submissions and exclusions read the dealer again as they happen.
pub fn changes(
    conn: &mut DbConnection,
    rule: &ScoreRule,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<FxHashMap<i64, NaiveDateTime>> {
    use crate::schema::feedback_requests as r;
    use crate::schema::offers as o;

    let mut changed = FxHashMap::<i64, NaiveDateTime>::default();
    let mut note = |rows: Vec<(i64, UtcTime)>, later: chrono::TimeDelta| {
        for (dealer_id, at) in rows {
            let at = at.get() + later;
            let latest = changed.entry(dealer_id).or_insert(at);
            *latest = (*latest).max(at);
        }
    };
    let none = chrono::TimeDelta::zero();
    let pending = r::table
        .filter(r::submitted_at.is_null())
        .filter(r::revoked_at.is_null());
    note(
        pending
            .filter(r::opened_at.gt(since))
            .select((r::dealer_id, r::opened_at))
            .load(conn)?,
        none,
    );
    note(
        pending
            .filter(r::closes_at.gt(since))
            .filter(r::closes_at.le(now))
            .select((r::dealer_id, r::closes_at))
            .load(conn)?,
        none,
    );
    note(
        r::table
            .filter(r::submitted_at.is_null())
            .filter(r::revoked_at.gt(since))
            .select((r::dealer_id, r::revoked_at.assume_not_null()))
            .load(conn)?,
        none,
    );
    // Offers by answer time alone (the index on it), the status checked here.
    let answered: Vec<(i64, UtcTime, OfferStatus)> = o::table
        .filter(o::responded_at.gt(since))
        .select((o::dealer_id, o::responded_at.assume_not_null(), o::status))
        .load(conn)?;
    note(
        answered
            .into_iter()
            .filter(|(_, _, status)| {
                matches!(status, OfferStatus::Accepted | OfferStatus::Declined)
            })
            .map(|(dealer_id, at, _)| (dealer_id, at))
            .collect(),
        none,
    );
    note(
        o::table
            .filter(o::status.eq(OfferStatus::Expired))
            .filter(o::deadline_at.gt(since))
            .select((o::dealer_id, o::deadline_at))
            .load(conn)?,
        none,
    );
    let due_after = chrono::TimeDelta::seconds((rule.outcome_after_days * 86_400.0) as i64);
    let came_due: Vec<(i64, UtcTime, OfferStatus)> = o::table
        .filter(o::responded_at.gt(since - due_after))
        .filter(o::responded_at.le(now - due_after))
        .select((o::dealer_id, o::responded_at.assume_not_null(), o::status))
        .load(conn)?;
    note(
        came_due
            .into_iter()
            .filter(|(_, _, status)| *status == OfferStatus::Accepted)
            .map(|(dealer_id, at, _)| (dealer_id, at))
            .collect(),
        due_after,
    );
    Ok(changed)
}
