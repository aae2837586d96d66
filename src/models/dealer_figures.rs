//! The set-based reads behind the dealer table's figures: offers, wins, answers, forms and
//! the network funnel, each one grouped query over the last year, counted per period
//! bucket (see [`Buckets`]) so one pass serves every period.
//!
//! The SQL is written out because the grouping keys are expressions; the only values in
//! it are timestamps this module formats itself. Time arithmetic is the one place the
//! backends differ ([`seconds_between`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer};

use crate::db::{DbConnection, UtcTime};

/// Period boundaries, newest first: a row is in bucket `i` when its time is at or after
/// `starts[i]` and before `starts[i - 1]`; a period of index `p` is buckets `0..=p`.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    pub starts: Vec<NaiveDateTime>,
}

impl Buckets {
    /// `CASE` giving the bucket of `column` (rows before the last start are filtered out
    /// by the caller with [`Buckets::since`]).
    fn case(&self, column: &str) -> String {
        let mut sql = String::from("CASE");
        for (i, start) in self.starts.iter().enumerate() {
            sql.push_str(&format!(" WHEN {column} >= {} THEN {i}", literal(*start)));
        }
        sql.push_str(&format!(" ELSE {} END", self.starts.len()));
        sql
    }

    fn since(&self, column: &str) -> String {
        match self.starts.last() {
            Some(start) => format!("{column} >= {}", literal(*start)),
            None => "1 = 0".to_owned(),
        }
    }
}

/// A timestamp as an SQL literal, as the backends store it.
pub fn literal(at: NaiveDateTime) -> String {
    format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.f"))
}

/// The seconds from `from` to `to` (two SQL expressions) as a double.
fn seconds_between(conn: &DbConnection, from: &str, to: &str) -> String {
    match conn {
        DbConnection::Sqlite(_) => format!("((julianday({to}) - julianday({from})) * 86400.0)"),
        DbConnection::Postgres(_) => {
            format!(
                "CAST(EXTRACT(EPOCH FROM ({to} - CAST({from} AS TIMESTAMP))) AS DOUBLE PRECISION)"
            )
        }
    }
}

/// Two counts of one dealer in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, QueryableByName)]
pub struct BucketCounts {
    #[diesel(sql_type = BigInt)]
    pub dealer_id: i64,
    #[diesel(sql_type = Integer)]
    pub bucket: i32,
    #[diesel(sql_type = BigInt)]
    pub first: i64,
    #[diesel(sql_type = BigInt)]
    pub second: i64,
}

/// Offers of one dealer in one bucket of `offered_at` and one week (whole weeks since
/// the `week_start` given to [`offers`], -1 before it): made, and of them accepted.
#[derive(Debug, Clone, Copy, PartialEq, QueryableByName)]
pub struct OfferCounts {
    #[diesel(sql_type = BigInt)]
    pub dealer_id: i64,
    #[diesel(sql_type = Integer)]
    pub bucket: i32,
    #[diesel(sql_type = Integer)]
    pub week: i32,
    #[diesel(sql_type = BigInt)]
    pub offered: i64,
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
}

/// Offers per dealer, period bucket and week, in one pass over the year's offers.
pub fn offers(
    conn: &mut DbConnection,
    buckets: &Buckets,
    week_start: NaiveDateTime,
) -> QueryResult<Vec<OfferCounts>> {
    let seconds = seconds_between(conn, &literal(week_start), "offered_at");
    // Whole weeks, rounded down (only rows from `week_start` on): SQLite's CAST
    // truncates, PostgreSQL's rounds.
    let weeks = match conn {
        DbConnection::Sqlite(_) => format!("CAST({seconds} / 604800.0 AS INTEGER)"),
        DbConnection::Postgres(_) => format!("CAST(FLOOR({seconds} / 604800.0) AS INTEGER)"),
    };
    let sql = format!(
        "SELECT dealer_id, {} AS bucket, \
         CASE WHEN offered_at >= {} THEN {weeks} ELSE -1 END AS week, COUNT(*) AS offered, \
         CAST(COALESCE(SUM(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END), 0) AS BIGINT) AS accepted \
         FROM offers WHERE {} GROUP BY 1, 2, 3",
        buckets.case("offered_at"),
        literal(week_start),
        buckets.since("offered_at")
    );
    diesel::sql_query(sql).load(conn)
}

/// Per dealer and bucket of the day it was won: the leads the dealer won, and the
/// revenue reported for them (cents). Driven by the lead status index, so only won leads
/// are read.
pub fn wins(conn: &mut DbConnection, buckets: &Buckets) -> QueryResult<Vec<BucketCounts>> {
    let sql = format!(
        "SELECT l.dealer_id AS dealer_id, {} AS bucket, COUNT(*) AS first, \
         CAST(COALESCE(SUM(s.revenue_cents), 0) AS BIGINT) AS second \
         FROM leads l LEFT JOIN sale_outcomes s ON s.lead_id = l.id \
         WHERE l.status = 'won' AND l.dealer_id IS NOT NULL AND {} GROUP BY 1, 2",
        buckets.case("l.status_changed_at"),
        buckets.since("l.status_changed_at")
    );
    diesel::sql_query(sql).load(conn)
}

/// Per dealer and bucket of `submitted_at`: forms submitted, and the sum of their
/// completeness in permille.
pub fn forms(conn: &mut DbConnection, buckets: &Buckets) -> QueryResult<Vec<BucketCounts>> {
    let sql = format!(
        "SELECT r.dealer_id AS dealer_id, {} AS bucket, COUNT(*) AS first, \
         CAST(COALESCE(SUM(f.completeness_permille), 0) AS BIGINT) AS second \
         FROM feedback f JOIN feedback_requests r ON r.id = f.request_id \
         WHERE f.completeness_permille IS NOT NULL AND {} GROUP BY 1, 2",
        buckets.case("f.submitted_at"),
        buckets.since("f.submitted_at")
    );
    diesel::sql_query(sql).load(conn)
}

/// One answered offer: its dealer, bucket and seconds to answer.
#[derive(Debug, Clone, Copy, PartialEq, QueryableByName)]
pub struct Answer {
    #[diesel(sql_type = BigInt)]
    pub dealer_id: i64,
    #[diesel(sql_type = Integer)]
    pub bucket: i32,
    #[diesel(sql_type = Double)]
    pub seconds: f64,
}

/// Every offer answered (accepted or declined), with the time it took (for medians).
pub fn answers(conn: &mut DbConnection, buckets: &Buckets) -> QueryResult<Vec<Answer>> {
    let seconds = seconds_between(conn, "offered_at", "responded_at");
    let sql = format!(
        "SELECT dealer_id, {} AS bucket, {seconds} AS seconds FROM offers \
         WHERE responded_at IS NOT NULL AND status IN ('accepted', 'declined') AND {}",
        buckets.case("offered_at"),
        buckets.since("offered_at")
    );
    diesel::sql_query(sql).load(conn)
}

/// Feedback requests overdue at `now` per dealer: open, unsubmitted and opened at or
/// before `opened_before`.
pub fn overdue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    opened_before: NaiveDateTime,
) -> QueryResult<Vec<(i64, i64)>> {
    use crate::schema::feedback_requests as r;
    r::table
        .filter(r::submitted_at.is_null())
        .filter(r::revoked_at.is_null())
        .filter(r::closes_at.gt(now))
        .filter(r::opened_at.le(opened_before))
        .group_by(r::dealer_id)
        .select((r::dealer_id, diesel::dsl::count_star()))
        .load(conn)
}

/// Leads by bucket of `received_at` and the furthest stage they reached: 0 received only,
/// 1 offered, 2 accepted, 3 contacted, 4 quote sent, 5 won. A lost lead reached the
/// furthest stage its history shows (at least accepted); a lead waiting for a dealer
/// again after offers reached "offered".
#[derive(Debug, Clone, Copy, PartialEq, QueryableByName)]
pub struct StageCount {
    #[diesel(sql_type = Integer)]
    pub bucket: i32,
    #[diesel(sql_type = Integer)]
    pub stage: i32,
    #[diesel(sql_type = BigInt)]
    pub leads: i64,
}

pub fn funnel(conn: &mut DbConnection, buckets: &Buckets) -> QueryResult<Vec<StageCount>> {
    let sql = format!(
        "SELECT {} AS bucket, CASE l.status \
           WHEN 'won' THEN 5 WHEN 'quote_sent' THEN 4 WHEN 'contacted' THEN 3 \
           WHEN 'accepted' THEN 2 WHEN 'offered' THEN 1 \
           WHEN 'lost' THEN COALESCE((SELECT MAX(CASE e.status WHEN 'quote_sent' THEN 4 \
               WHEN 'contacted' THEN 3 ELSE 2 END) FROM lead_events e \
               WHERE e.lead_id = l.id AND e.status IN ('accepted', 'contacted', 'quote_sent')), 2) \
           WHEN 'unallocated' THEN CASE WHEN EXISTS (SELECT 1 FROM offers o WHERE o.lead_id = l.id) \
               THEN 1 ELSE 0 END \
           ELSE 0 END AS stage, COUNT(*) AS leads \
         FROM leads l WHERE {} GROUP BY 1, 2",
        buckets.case("l.received_at"),
        buckets.since("l.received_at")
    );
    diesel::sql_query(sql).load(conn)
}

/// One point of a dealer's score history (for trends and quintiles).
#[derive(Debug, Clone, Copy, PartialEq, Queryable)]
pub struct ScorePoint {
    pub dealer_id: i64,
    pub recorded_at: UtcTime,
    pub score: f64,
}

/// Every dealer's history points since `since`, by dealer then time.
pub fn score_points(conn: &mut DbConnection, since: NaiveDateTime) -> QueryResult<Vec<ScorePoint>> {
    use crate::schema::dealer_score_history as h;
    h::table
        .filter(h::recorded_at.ge(since))
        .order((h::dealer_id, h::recorded_at))
        .select((h::dealer_id, h::recorded_at, h::score))
        .load(conn)
}

/// One of a dealer's recent offers, with its lead's status now.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct RecentOffer {
    pub offer_id: i64,
    pub lead_id: i64,
    pub status: String,
    pub offered_at: UtcTime,
    pub responded_at: Option<UtcTime>,
    pub lead_status: String,
}

/// A dealer's newest offers, at most `limit`.
pub fn recent_offers(
    conn: &mut DbConnection,
    dealer_id: i64,
    limit: i64,
) -> QueryResult<Vec<RecentOffer>> {
    use crate::schema::{leads as l, offers as o};
    crate::on_native!(conn, |c| o::table
        .inner_join(l::table)
        .filter(o::dealer_id.eq(dealer_id))
        .order(o::id.desc())
        .limit(limit)
        .select((
            o::id,
            o::lead_id,
            o::status,
            o::offered_at,
            o::responded_at,
            l::status,
        ))
        .load(c))
}

/// One of a dealer's recent feedback requests, with its form's completeness if submitted.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct RecentForm {
    pub request_id: i64,
    pub lead_id: i64,
    pub opened_at: UtcTime,
    pub closes_at: UtcTime,
    pub submitted_at: Option<UtcTime>,
    pub revoked_at: Option<UtcTime>,
    pub completeness_permille: Option<i32>,
}

/// A dealer's newest feedback requests, at most `limit`.
pub fn recent_forms(
    conn: &mut DbConnection,
    dealer_id: i64,
    limit: i64,
) -> QueryResult<Vec<RecentForm>> {
    use crate::schema::{feedback as f, feedback_requests as r};
    crate::on_native!(conn, |c| r::table
        .left_join(f::table)
        .filter(r::dealer_id.eq(dealer_id))
        .order((r::opened_at.desc(), r::id.desc()))
        .limit(limit)
        .select((
            r::id,
            r::lead_id,
            r::opened_at,
            r::closes_at,
            r::submitted_at,
            r::revoked_at,
            f::completeness_permille.nullable(),
        ))
        .load(c))
}
