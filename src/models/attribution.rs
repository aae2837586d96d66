//! Attribution's rows: credits per outcome, model and touch; the Markov model's runs; and
//! the journeys read for a run.

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime};
use crate::domain::{AttributionModel, Currency, FeedbackOutcome, OfferStatus};
use crate::schema::{
    attribution_credits, attribution_run_channels, attribution_runs, feedback, feedback_requests,
    leads, offers, sale_outcomes, touchpoints,
};

/// One touch's credit for a won outcome under one model. `touchpoint_id` is `None` for
/// the one slot of a journey without touchpoints (unattributed).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attribution_credits)]
pub struct CreditRow {
    pub lead_id: i64,
    pub model: AttributionModel,
    pub slot: i32,
    pub touchpoint_id: Option<i64>,
    pub cents: i64,
}

impl CreditRow {
    /// Removes every credit of a lead.
    pub fn delete_for_lead(conn: &mut DbConnection, lead_id: i64) -> QueryResult<()> {
        diesel::delete(attribution_credits::table.filter(attribution_credits::lead_id.eq(lead_id)))
            .execute(conn)
            .map(drop)
    }

    pub fn insert(conn: &mut DbConnection, row: &CreditRow) -> QueryResult<()> {
        diesel::insert_into(attribution_credits::table)
            .values(row)
            .execute(conn)
            .map(drop)
    }

    /// Replaces the credits under `model` of the leads with ids in `[first, last]` with
    /// `rows`, in multi-row inserts (a run writes hundreds of thousands). The statement holds
    /// numbers and the model's fixed code only.
    pub fn replace_model_between(
        conn: &mut DbConnection,
        model: AttributionModel,
        first: i64,
        last: i64,
        rows: &[CreditRow],
    ) -> QueryResult<()> {
        use diesel::connection::SimpleConnection;
        const CHUNK: usize = 1_000;
        diesel::delete(
            attribution_credits::table
                .filter(attribution_credits::model.eq(model))
                .filter(attribution_credits::lead_id.between(first, last)),
        )
        .execute(conn)?;
        for chunk in rows.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO attribution_credits (lead_id, model, slot, touchpoint_id, cents) \
                 VALUES ",
            );
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                let touchpoint = r
                    .touchpoint_id
                    .map_or_else(|| "NULL".to_owned(), |id| id.to_string());
                let _ = write!(
                    sql,
                    "({},'{}',{},{},{})",
                    r.lead_id,
                    model.as_str(),
                    r.slot,
                    touchpoint,
                    r.cents
                );
            }
            conn.batch_execute(&sql)?;
        }
        Ok(())
    }
}

/// A finished run of the Markov model.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = attribution_runs)]
pub struct RunRow {
    pub id: i64,
    pub requested_by: String,
    pub started_at: UtcTime,
    pub finished_at: UtcTime,
    pub markov_order: i32,
    pub journeys: i64,
    pub conversions: i64,
    pub states: i64,
    pub conversion_probability: f64,
    pub credited_outcomes: i64,
    pub error: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = attribution_runs)]
pub struct NewRun<'a> {
    pub requested_by: &'a str,
    pub started_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
    pub markov_order: i32,
    pub journeys: i64,
    pub conversions: i64,
    pub states: i64,
    pub conversion_probability: f64,
    pub credited_outcomes: i64,
    pub error: Option<&'a str>,
}

/// One channel's result in a run.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = attribution_run_channels)]
pub struct RunChannelRow {
    pub run_id: i64,
    pub channel: String,
    pub journeys: i64,
    pub removal_effect: f64,
    pub share: f64,
    /// Revenue credited to the channel in the base currency (EUR), in cents.
    pub credited_cents: i64,
}

impl RunRow {
    /// Stores a run and its channels; returns its id.
    pub fn insert(
        conn: &mut DbConnection,
        run: &NewRun,
        channels: &[RunChannelRow],
    ) -> QueryResult<i64> {
        diesel::insert_into(attribution_runs::table)
            .values(run)
            .execute(conn)?;
        let id = attribution_runs::table
            .select(diesel::dsl::max(attribution_runs::id))
            .first::<Option<i64>>(conn)?
            .ok_or(diesel::result::Error::NotFound)?;
        for c in channels {
            diesel::insert_into(attribution_run_channels::table)
                .values(RunChannelRow {
                    run_id: id,
                    ..c.clone()
                })
                .execute(conn)?;
        }
        Ok(id)
    }

    /// The newest run that succeeded, with its channels.
    pub fn latest(conn: &mut DbConnection) -> QueryResult<Option<(RunRow, Vec<RunChannelRow>)>> {
        let run = attribution_runs::table
            .filter(attribution_runs::error.is_null())
            .order(attribution_runs::id.desc())
            .select(RunRow::as_select())
            .first(conn)
            .optional()?;
        let Some(run) = run else {
            return Ok(None);
        };
        let channels = attribution_run_channels::table
            .filter(attribution_run_channels::run_id.eq(run.id))
            .order(attribution_run_channels::share.desc())
            .select(RunChannelRow::as_select())
            .load(conn)?;
        Ok(Some((run, channels)))
    }

    /// The newest runs, failed ones included.
    pub fn recent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<RunRow>> {
        attribution_runs::table
            .order(attribution_runs::id.desc())
            .limit(limit)
            .select(RunRow::as_select())
            .load(conn)
    }
}

/// Whether a submitted form about the lead says the customer was never reached.
pub fn is_never_reached(conn: &mut DbConnection, lead_id: i64) -> QueryResult<bool> {
    let forms: i64 = feedback::table
        .inner_join(feedback_requests::table)
        .filter(feedback_requests::lead_id.eq(lead_id))
        .filter(feedback::submitted_at.is_not_null())
        .filter(feedback::outcome.eq(FeedbackOutcome::Unreached))
        .count()
        .get_result(conn)?;
    Ok(forms > 0)
}

/// When a dealer accepted the lead (the opportunity), if one did: the latest acceptance.
pub fn accepted_at(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Option<NaiveDateTime>> {
    let at: Option<Option<UtcTime>> = offers::table
        .filter(offers::lead_id.eq(lead_id))
        .filter(offers::status.eq(OfferStatus::Accepted))
        .select(offers::responded_at)
        .order(offers::id.desc())
        .first(conn)
        .optional()?;
    Ok(at.flatten().map(|t| t.get()))
}

/// What a won lead's credits were computed from: the event that last changed its
/// outcome, and how many touchpoints it had with the newest one's id.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct WonState {
    pub lead_id: i64,
    pub last_event_id: String,
    pub touchpoints: i64,
    pub newest_touchpoint: Option<i64>,
}

/// The [`WonState`] of every won lead with an id in `[first, last]`, in lead order.
pub fn won_leads_between(
    conn: &mut DbConnection,
    first: i64,
    last: i64,
) -> QueryResult<Vec<WonState>> {
    use diesel::dsl::{count, max};
    sale_outcomes::table
        .left_join(touchpoints::table.on(touchpoints::lead_id.eq(sale_outcomes::lead_id)))
        .filter(sale_outcomes::outcome.eq(FeedbackOutcome::Won))
        .filter(sale_outcomes::lead_id.between(first, last))
        .group_by((sale_outcomes::lead_id, sale_outcomes::last_event_id))
        .order(sale_outcomes::lead_id)
        .select((
            sale_outcomes::lead_id,
            sale_outcomes::last_event_id,
            count(touchpoints::id.nullable()),
            max(touchpoints::id.nullable()),
        ))
        .load(conn)
}

/// Up to `limit` won leads with ids above `after`, in id order.
pub fn won_leads_after(conn: &mut DbConnection, after: i64, limit: usize) -> QueryResult<Vec<i64>> {
    sale_outcomes::table
        .filter(sale_outcomes::outcome.eq(FeedbackOutcome::Won))
        .filter(sale_outcomes::lead_id.gt(after))
        .order(sale_outcomes::lead_id)
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select(sale_outcomes::lead_id)
        .load(conn)
}

/// Which leads a report covers: received (or closed) in `[from, to]`, and optionally of
/// one product line, region (its key), dealer and grade.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadScope {
    pub from: NaiveDateTime,
    /// Exclusive.
    pub until: NaiveDateTime,
    /// Count the period on the outcome's close date instead of the received date.
    pub by_close_date: bool,
    pub product_line: Option<String>,
    pub region_key: Option<String>,
    pub dealer_id: Option<i64>,
    pub grade: Option<String>,
}

/// A lead as a report reads it.
#[derive(Debug, Clone, Queryable)]
pub struct ReportLead {
    pub id: i64,
    pub received_at: UtcTime,
    pub status: crate::domain::LeadStatus,
    pub grade: Option<String>,
    pub score: Option<i32>,
    pub outcome: Option<FeedbackOutcome>,
    pub revenue_cents: Option<i64>,
    pub currency: Option<Currency>,
    pub close_date: Option<chrono::NaiveDate>,
    pub recorded_at: Option<UtcTime>,
    /// The quote the dealer sent, if it gave the amount (euro cents).
    pub quote_cents: Option<i64>,
}

/// The leads in `scope`, in id order.
pub fn report_leads(conn: &mut DbConnection, scope: &LeadScope) -> QueryResult<Vec<ReportLead>> {
    let mut q = leads::table
        .left_join(sale_outcomes::table)
        .select((
            leads::id,
            leads::received_at,
            leads::status,
            leads::grade,
            leads::score,
            sale_outcomes::outcome.nullable(),
            sale_outcomes::revenue_cents.nullable(),
            sale_outcomes::currency.nullable(),
            sale_outcomes::close_date.nullable(),
            sale_outcomes::recorded_at.nullable(),
            leads::quote_cents,
        ))
        .order(leads::id)
        .into_boxed();
    if scope.by_close_date {
        q = q
            .filter(sale_outcomes::close_date.ge(scope.from.date()))
            .filter(sale_outcomes::close_date.lt(scope.until.date()));
    } else {
        q = q
            .filter(leads::received_at.ge(scope.from))
            .filter(leads::received_at.lt(scope.until));
    }
    if let Some(line) = &scope.product_line {
        q = q.filter(leads::product_line.eq(line.clone()));
    }
    if let Some(region) = &scope.region_key {
        q = q.filter(leads::region_key.eq(region.clone()));
    }
    if let Some(dealer) = scope.dealer_id {
        q = q.filter(leads::dealer_id.eq(dealer));
    }
    if let Some(grade) = &scope.grade {
        q = q.filter(leads::grade.eq(grade.clone()));
    }
    q.load(conn)
}

/// A touchpoint as a report reads it.
#[derive(Debug, Clone, Queryable)]
pub struct ReportTouch {
    pub lead_id: i64,
    pub id: i64,
    pub position: i32,
    pub occurred_at: UtcTime,
    pub channel: String,
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
}

/// The touchpoints of the leads with ids in `[first, last]`, by lead, then time.
pub fn report_touches(
    conn: &mut DbConnection,
    first: i64,
    last: i64,
) -> QueryResult<Vec<ReportTouch>> {
    touchpoints::table
        .filter(touchpoints::lead_id.between(first, last))
        .order((
            touchpoints::lead_id,
            touchpoints::occurred_at,
            touchpoints::position,
            touchpoints::id,
        ))
        .select((
            touchpoints::lead_id,
            touchpoints::id,
            touchpoints::position,
            touchpoints::occurred_at,
            touchpoints::channel,
            touchpoints::source,
            touchpoints::medium,
            touchpoints::campaign,
        ))
        .load(conn)
}

/// When each lead with an id in `[first, last]` was accepted (its latest acceptance).
pub fn report_acceptances(
    conn: &mut DbConnection,
    first: i64,
    last: i64,
) -> QueryResult<Vec<(i64, Option<UtcTime>)>> {
    offers::table
        .filter(offers::lead_id.between(first, last))
        .filter(offers::status.eq(OfferStatus::Accepted))
        .group_by(offers::lead_id)
        .select((offers::lead_id, diesel::dsl::max(offers::responded_at)))
        .load(conn)
}

/// What dealers said of the leads with ids in `[first, last]` in submitted feedback.
#[derive(Debug, Clone, Queryable)]
pub struct ReportFeedback {
    pub lead_id: i64,
    pub outcome: Option<FeedbackOutcome>,
    pub lead_quality: Option<i32>,
    pub lost_reason: Option<crate::domain::LostReason>,
    pub competitor: String,
    pub first_heard: Option<crate::domain::feedback_fields::FirstHeard>,
}

pub fn report_feedback(
    conn: &mut DbConnection,
    first: i64,
    last: i64,
) -> QueryResult<Vec<ReportFeedback>> {
    feedback::table
        .inner_join(feedback_requests::table)
        .filter(feedback_requests::lead_id.between(first, last))
        .filter(feedback::submitted_at.is_not_null())
        .order((feedback_requests::lead_id, feedback::submitted_at))
        .select((
            feedback_requests::lead_id,
            feedback::outcome,
            feedback::lead_quality,
            feedback::lost_reason,
            feedback::competitor,
            feedback::first_heard,
        ))
        .load(conn)
}

/// The credits under `model` of the leads with ids in `[first, last]`.
pub fn report_credits(
    conn: &mut DbConnection,
    model: AttributionModel,
    first: i64,
    last: i64,
) -> QueryResult<Vec<CreditRow>> {
    attribution_credits::table
        .filter(attribution_credits::model.eq(model))
        .filter(attribution_credits::lead_id.between(first, last))
        .order((attribution_credits::lead_id, attribution_credits::slot))
        .select(CreditRow::as_select())
        .load(conn)
}

/// Campaign codes touchpoints carry that no campaign is set up for, with how many
/// touchpoints carry each: for a manager to name them and give them a channel.
pub fn unknown_campaigns(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    use crate::schema::campaigns;
    use diesel::dsl::{count_star, not};
    let rows: Vec<(Option<String>, i64)> = touchpoints::table
        .filter(touchpoints::campaign.is_not_null())
        .filter(not(diesel::dsl::exists(
            campaigns::table.filter(campaigns::code.nullable().eq(touchpoints::campaign)),
        )))
        .group_by(touchpoints::campaign)
        .select((touchpoints::campaign, count_star()))
        .order(count_star().desc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, n)| c.map(|c| (c, n)))
        .collect())
}

/// Records that the digest of the week starting `week_start` goes out now to `recipients`;
/// false when another instance (or an earlier tick) already did. One statement per
/// backend, so a race between instances is settled by the primary key, not an error.
pub fn claim_digest_week(
    conn: &mut DbConnection,
    week_start: chrono::NaiveDate,
    now: NaiveDateTime,
    recipients: i64,
) -> QueryResult<bool> {
    use diesel::sql_types::{BigInt, Date, Timestamp};
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "INSERT OR IGNORE INTO digest_weeks (week_start, sent_at, recipients) VALUES (?, ?, ?)"
        }
        DbConnection::Postgres(_) => {
            "INSERT INTO digest_weeks (week_start, sent_at, recipients) VALUES ($1, $2, $3) \
             ON CONFLICT (week_start) DO NOTHING"
        }
    };
    let inserted = diesel::sql_query(sql)
        .bind::<Date, _>(week_start)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(recipients)
        .execute(conn)?;
    Ok(inserted == 1)
}
