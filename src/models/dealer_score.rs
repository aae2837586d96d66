//! Stored dealer scores, their history, the network's prior, weight overrides and
//! submissions excluded from scoring.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, unique_row};
use crate::schema::{
    dealer_evidence, dealer_score_history, dealer_score_network, dealer_scores,
    dealer_weight_overrides, feedback_exclusions,
};

/// A dealer's current score, its parts (0..=1 after shrinkage), the evidence each part
/// rests on, and the weight the score gives.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dealer_scores)]
pub struct DealerScoreRow {
    pub dealer_id: i64,
    pub score: f64,
    pub completeness: f64,
    pub timeliness: f64,
    pub responsiveness: f64,
    pub outcome_reporting: f64,
    pub evidence_completeness: f64,
    pub evidence_timeliness: f64,
    pub evidence_responsiveness: f64,
    pub evidence_outcome_reporting: f64,
    pub submissions: i64,
    pub unreached: i64,
    pub rated: i64,
    pub rated_lowest: i64,
    pub offers_30d: i64,
    pub weight: f64,
    pub computed_at: UtcTime,
    pub snapshot_at: UtcTime,
    /// Feedback forms open now, and how many of them are overdue.
    pub open_forms: i64,
    pub overdue_forms: i64,
    /// Accepted leads past the feedback delay without a recorded outcome.
    pub unreported_outcomes: i64,
    /// The score and weight with every open form filled in completely now and every
    /// missing outcome recorded, the rest of the network unchanged.
    pub caught_up_score: f64,
    pub caught_up_weight: f64,
}

impl DealerScoreRow {
    /// On the backend's own connection: the dealer's home reads it on every visit.
    pub fn find(conn: &mut DbConnection, dealer_id: i64) -> QueryResult<Option<DealerScoreRow>> {
        unique_row(crate::on_native!(conn, |c| dealer_scores::table
            .find(dealer_id)
            .select(DealerScoreRow::as_select())
            .load(c)))
    }

    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<DealerScoreRow>> {
        dealer_scores::table
            .select(DealerScoreRow::as_select())
            .order(dealer_scores::dealer_id)
            .load(conn)
    }

    /// Writes the row, creating it for a dealer that has none yet.
    pub fn save(conn: &mut DbConnection, row: &DealerScoreRow) -> QueryResult<()> {
        let updated = diesel::update(dealer_scores::table.find(row.dealer_id))
            .set(row)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(dealer_scores::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }
}

/// The evidence behind a dealer's score as last read from the history: per part the
/// age-weighted sums of weights and of values, for the evidence and the caught-up
/// evidence, as of `gathered_at`, and the counts read then.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dealer_evidence)]
pub struct KeptEvidence {
    pub dealer_id: i64,
    pub gathered_at: UtcTime,
    pub weight_completeness: f64,
    pub weight_timeliness: f64,
    pub weight_responsiveness: f64,
    pub weight_outcome_reporting: f64,
    pub value_completeness: f64,
    pub value_timeliness: f64,
    pub value_responsiveness: f64,
    pub value_outcome_reporting: f64,
    pub caught_up_weight_completeness: f64,
    pub caught_up_weight_timeliness: f64,
    pub caught_up_weight_responsiveness: f64,
    pub caught_up_weight_outcome_reporting: f64,
    pub caught_up_value_completeness: f64,
    pub caught_up_value_timeliness: f64,
    pub caught_up_value_responsiveness: f64,
    pub caught_up_value_outcome_reporting: f64,
    pub submissions: i64,
    pub unreached: i64,
    pub rated: i64,
    pub rated_lowest: i64,
    pub offers_30d: i64,
    pub open_forms: i64,
    pub overdue_forms: i64,
    pub unreported_outcomes: i64,
}

impl KeptEvidence {
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<KeptEvidence>> {
        dealer_evidence::table
            .select(KeptEvidence::as_select())
            .order(dealer_evidence::dealer_id)
            .load(conn)
    }

    pub fn gathered_at(conn: &mut DbConnection, dealer_id: i64) -> QueryResult<Option<UtcTime>> {
        unique_row(
            dealer_evidence::table
                .find(dealer_id)
                .select(dealer_evidence::gathered_at)
                .load(conn),
        )
    }

    /// When the oldest kept evidence was read; none if none is kept.
    pub fn oldest(conn: &mut DbConnection) -> QueryResult<Option<UtcTime>> {
        dealer_evidence::table
            .select(diesel::dsl::min(dealer_evidence::gathered_at))
            .get_result(conn)
    }

    /// Writes the row, creating it for a dealer that has none yet.
    pub fn save(conn: &mut DbConnection, row: &KeptEvidence) -> QueryResult<()> {
        let updated = diesel::update(dealer_evidence::table.find(row.dealer_id))
            .set(row)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(dealer_evidence::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }
}

/// One point of a dealer's score history.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dealer_score_history)]
pub struct ScoreHistoryRow {
    pub dealer_id: i64,
    pub recorded_at: UtcTime,
    pub score: f64,
    pub completeness: f64,
    pub timeliness: f64,
    pub responsiveness: f64,
    pub outcome_reporting: f64,
    pub weight: f64,
}

impl ScoreHistoryRow {
    /// Records a point; a second point at the same instant replaces the first.
    pub fn record(conn: &mut DbConnection, row: &ScoreHistoryRow) -> QueryResult<()> {
        let updated =
            diesel::update(dealer_score_history::table.find((row.dealer_id, row.recorded_at)))
                .set(row)
                .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(dealer_score_history::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }

    /// A dealer's points since `since`, oldest first.
    pub fn for_dealer(
        conn: &mut DbConnection,
        dealer_id: i64,
        since: NaiveDateTime,
    ) -> QueryResult<Vec<ScoreHistoryRow>> {
        crate::on_native!(conn, |c| dealer_score_history::table
            .filter(dealer_score_history::dealer_id.eq(dealer_id))
            .filter(dealer_score_history::recorded_at.ge(since))
            .order(dealer_score_history::recorded_at)
            .select(ScoreHistoryRow::as_select())
            .load(c))
    }
}

/// The network's prior and mean score as of the last recomputation of every dealer.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dealer_score_network)]
pub struct NetworkScoreRow {
    pub id: i32,
    pub completeness: f64,
    pub timeliness: f64,
    pub responsiveness: f64,
    pub outcome_reporting: f64,
    pub unreached_rate: f64,
    pub rated_lowest_rate: f64,
    pub mean_score: f64,
    /// Active dealers.
    pub dealers: i64,
    pub offers_30d: i64,
    pub computed_at: UtcTime,
}

impl NetworkScoreRow {
    pub const ID: i32 = 1;

    pub fn find(conn: &mut DbConnection) -> QueryResult<Option<NetworkScoreRow>> {
        unique_row(crate::on_native!(conn, |c| dealer_score_network::table
            .find(Self::ID)
            .select(NetworkScoreRow::as_select())
            .load(c)))
    }

    pub fn save(conn: &mut DbConnection, row: &NetworkScoreRow) -> QueryResult<()> {
        let updated = diesel::update(dealer_score_network::table.find(Self::ID))
            .set(row)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(dealer_score_network::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }
}

/// A manager's temporary weight for a dealer.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = dealer_weight_overrides)]
pub struct WeightOverride {
    pub id: i64,
    pub dealer_id: i64,
    pub weight: f64,
    pub reason: String,
    pub starts_at: UtcTime,
    pub expires_at: UtcTime,
    pub created_by: String,
    pub created_at: UtcTime,
    pub ended_at: Option<UtcTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = dealer_weight_overrides)]
pub struct NewWeightOverride<'a> {
    pub dealer_id: i64,
    pub weight: f64,
    pub reason: &'a str,
    pub starts_at: UtcTime,
    pub expires_at: UtcTime,
    pub created_by: &'a str,
    pub created_at: UtcTime,
}

impl WeightOverride {
    pub fn insert(conn: &mut DbConnection, new: &NewWeightOverride<'_>) -> QueryResult<i64> {
        diesel::insert_into(dealer_weight_overrides::table)
            .values(new)
            .returning(dealer_weight_overrides::id)
            .get_result(conn)
    }

    /// The overrides in force at `now` (every dealer's, or one dealer's), newest first.
    pub fn in_force(
        conn: &mut DbConnection,
        dealer_id: Option<i64>,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<WeightOverride>> {
        use dealer_weight_overrides as o;
        let mut query = o::table
            .filter(o::ended_at.is_null())
            .filter(o::expires_at.gt(now))
            .filter(o::starts_at.le(now))
            .select(WeightOverride::as_select())
            .order(o::id.desc())
            .into_boxed();
        if let Some(id) = dealer_id {
            query = query.filter(o::dealer_id.eq(id));
        }
        query.load(conn)
    }

    /// A dealer's overrides, newest first.
    pub fn for_dealer(conn: &mut DbConnection, dealer_id: i64) -> QueryResult<Vec<WeightOverride>> {
        use dealer_weight_overrides as o;
        o::table
            .filter(o::dealer_id.eq(dealer_id))
            .select(WeightOverride::as_select())
            .order(o::id.desc())
            .load(conn)
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<WeightOverride>> {
        unique_row(
            dealer_weight_overrides::table
                .find(id)
                .select(WeightOverride::as_select())
                .load(conn),
        )
    }

    /// Ends an override early; false when it had ended already.
    pub fn end(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
        use dealer_weight_overrides as o;
        diesel::update(o::table.find(id).filter(o::ended_at.is_null()))
            .set(o::ended_at.eq(Some(UtcTime::from(at))))
            .execute(conn)
            .map(|n| n == 1)
    }
}

/// A submission a manager excluded from scoring.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = feedback_exclusions)]
pub struct FeedbackExclusion {
    pub request_id: i64,
    pub reason: String,
    pub excluded_by: String,
    pub excluded_at: UtcTime,
}

impl FeedbackExclusion {
    pub fn find(
        conn: &mut DbConnection,
        request_id: i64,
    ) -> QueryResult<Option<FeedbackExclusion>> {
        unique_row(
            feedback_exclusions::table
                .find(request_id)
                .select(FeedbackExclusion::as_select())
                .load(conn),
        )
    }

    pub fn insert(conn: &mut DbConnection, row: &FeedbackExclusion) -> QueryResult<()> {
        diesel::insert_into(feedback_exclusions::table)
            .values(row)
            .execute(conn)
            .map(drop)
    }

    pub fn delete(conn: &mut DbConnection, request_id: i64) -> QueryResult<bool> {
        diesel::delete(feedback_exclusions::table.find(request_id))
            .execute(conn)
            .map(|n| n == 1)
    }

    /// The exclusions of `request_ids`.
    pub fn for_requests(
        conn: &mut DbConnection,
        request_ids: &[i64],
    ) -> QueryResult<Vec<FeedbackExclusion>> {
        feedback_exclusions::table
            .filter(feedback_exclusions::request_id.eq_any(request_ids))
            .select(FeedbackExclusion::as_select())
            .load(conn)
    }

    /// The request ids excluded (every dealer's, or one dealer's).
    pub fn request_ids(conn: &mut DbConnection, dealer_id: Option<i64>) -> QueryResult<Vec<i64>> {
        use crate::schema::feedback_requests as r;
        use feedback_exclusions as x;
        match dealer_id {
            None => x::table.select(x::request_id).load(conn),
            Some(id) => x::table
                .inner_join(r::table)
                .filter(r::dealer_id.eq(id))
                .select(x::request_id)
                .load(conn),
        }
    }
}
