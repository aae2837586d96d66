use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, unique_row};
use crate::domain::Money;
use crate::domain::feedback_fields::{Currency, FirstHeard, LostReason, Outcome, OutcomeEventKind};
use crate::schema::{
    feedback, feedback_links, feedback_requests, feedback_sessions, outcome_events, sale_outcomes,
};

/// A request for feedback on one lead. Open while `open_lead_id` is set; closed once its
/// window has passed (`closes_at`) or it was revoked.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feedback_requests)]
pub struct FeedbackRequest {
    pub id: i64,
    pub lead_id: i64,
    pub dealer_id: i64,
    pub opened_by: String,
    pub opened_at: UtcTime,
    pub closes_at: UtcTime,
    pub open_lead_id: Option<i64>,
    pub reminders_sent: i32,
    pub submitted_at: Option<UtcTime>,
    pub revoked_at: Option<UtcTime>,
}

impl FeedbackRequest {
    /// Whether answers may still be saved at `now`.
    pub fn is_open(&self, now: NaiveDateTime) -> bool {
        self.open_lead_id.is_some() && self.revoked_at.is_none() && now < self.closes_at
    }

    pub fn insert(
        conn: &mut DbConnection,
        lead_id: i64,
        dealer_id: i64,
        opened_by: &str,
        opened_at: NaiveDateTime,
        closes_at: NaiveDateTime,
    ) -> QueryResult<i64> {
        diesel::insert_into(feedback_requests::table)
            .values((
                feedback_requests::lead_id.eq(lead_id),
                feedback_requests::dealer_id.eq(dealer_id),
                feedback_requests::opened_by.eq(opened_by),
                feedback_requests::opened_at.eq(opened_at),
                feedback_requests::closes_at.eq(closes_at),
                feedback_requests::open_lead_id.eq(Some(lead_id)),
                feedback_requests::reminders_sent.eq(0),
            ))
            .returning(feedback_requests::id)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<FeedbackRequest> {
        unique_row(
            feedback_requests::table
                .find(id)
                .select(FeedbackRequest::as_select())
                .load(conn),
        )?
        .ok_or(diesel::result::Error::NotFound)
    }

    /// The requests opened after request `after_id`, in the order they were opened (ids
    /// only grow): how a follower of the network, such as the simulation, sees new ones.
    pub fn opened_after(
        conn: &mut DbConnection,
        after_id: i64,
    ) -> QueryResult<Vec<FeedbackRequest>> {
        feedback_requests::table
            .filter(feedback_requests::id.gt(after_id))
            .order(feedback_requests::id)
            .select(FeedbackRequest::as_select())
            .load(conn)
    }

    /// Marks the lead's requests whose window has passed as closed; returns the open
    /// request that is left, if any.
    pub fn open_for_lead(
        conn: &mut DbConnection,
        lead_id: i64,
        now: NaiveDateTime,
    ) -> QueryResult<Option<FeedbackRequest>> {
        diesel::update(
            feedback_requests::table
                .filter(feedback_requests::open_lead_id.eq(lead_id))
                .filter(feedback_requests::closes_at.le(now)),
        )
        .set(feedback_requests::open_lead_id.eq(None::<i64>))
        .execute(conn)?;
        unique_row(
            feedback_requests::table
                .filter(feedback_requests::open_lead_id.eq(lead_id))
                .select(FeedbackRequest::as_select())
                .load(conn),
        )
    }

    /// Withdraws the open requests of `lead_id` (marks them revoked and no longer open);
    /// returns their ids.
    pub fn withdraw_open_for_lead(
        conn: &mut DbConnection,
        lead_id: i64,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<i64>> {
        let ids: Vec<i64> = feedback_requests::table
            .filter(feedback_requests::open_lead_id.eq(lead_id))
            .select(feedback_requests::id)
            .load(conn)?;
        if !ids.is_empty() {
            diesel::update(feedback_requests::table.filter(feedback_requests::id.eq_any(&ids)))
                .set((
                    feedback_requests::open_lead_id.eq(None::<i64>),
                    feedback_requests::revoked_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(ids)
    }

    /// Every request ever opened for a lead, newest first.
    pub fn for_lead(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<FeedbackRequest>> {
        feedback_requests::table
            .filter(feedback_requests::lead_id.eq(lead_id))
            .select(FeedbackRequest::as_select())
            .order(feedback_requests::id.desc())
            .load(conn)
    }

    /// A dealer's requests, newest first.
    pub fn for_dealer(
        conn: &mut DbConnection,
        dealer_id: i64,
        limit: i64,
    ) -> QueryResult<Vec<FeedbackRequest>> {
        feedback_requests::table
            .filter(feedback_requests::dealer_id.eq(dealer_id))
            .select(FeedbackRequest::as_select())
            .order(feedback_requests::id.desc())
            .limit(limit)
            .load(conn)
    }

    /// Requests still waiting for a first submission, open since before `opened_before`.
    pub fn waiting(
        conn: &mut DbConnection,
        opened_before: NaiveDateTime,
        now: NaiveDateTime,
        dealer_id: Option<i64>,
        limit: i64,
    ) -> QueryResult<Vec<FeedbackRequest>> {
        let mut query = feedback_requests::table
            .filter(feedback_requests::submitted_at.is_null())
            .filter(feedback_requests::revoked_at.is_null())
            .filter(feedback_requests::open_lead_id.is_not_null())
            .filter(feedback_requests::closes_at.gt(now))
            .filter(feedback_requests::opened_at.le(opened_before))
            .select(FeedbackRequest::as_select())
            .order(feedback_requests::opened_at)
            .limit(limit)
            .into_boxed();
        if let Some(dealer_id) = dealer_id {
            query = query.filter(feedback_requests::dealer_id.eq(dealer_id));
        }
        query.load(conn)
    }

    /// Counts one more reminder sent, only if `sent_before` were sent so far; returns
    /// whether this call counted it (so two workers never send the same reminder).
    pub fn count_reminder(conn: &mut DbConnection, id: i64, sent_before: i32) -> QueryResult<bool> {
        diesel::update(
            feedback_requests::table
                .filter(feedback_requests::id.eq(id))
                .filter(feedback_requests::reminders_sent.eq(sent_before))
                .filter(feedback_requests::submitted_at.is_null()),
        )
        .set(feedback_requests::reminders_sent.eq(sent_before + 1))
        .execute(conn)
        .map(|n| n == 1)
    }

    pub fn mark_submitted(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<()> {
        diesel::update(
            feedback_requests::table
                .filter(feedback_requests::id.eq(id))
                .filter(feedback_requests::submitted_at.is_null()),
        )
        .set(feedback_requests::submitted_at.eq(at))
        .execute(conn)
        .map(drop)
    }
}

/// An emailed link to a request's form.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feedback_links)]
pub struct FeedbackLink {
    pub id: i64,
    pub request_id: i64,
    pub token_hash: String,
    pub created_at: UtcTime,
    pub expires_at: UtcTime,
    pub revoked_at: Option<UtcTime>,
}

impl FeedbackLink {
    pub fn insert(
        conn: &mut DbConnection,
        request_id: i64,
        token_hash: &str,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::insert_into(feedback_links::table)
            .values((
                feedback_links::request_id.eq(request_id),
                feedback_links::token_hash.eq(token_hash),
                feedback_links::created_at.eq(now),
                feedback_links::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .map(drop)
    }

    pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<FeedbackLink>> {
        unique_row(
            feedback_links::table
                .filter(feedback_links::token_hash.eq(hash))
                .select(FeedbackLink::as_select())
                .load(conn),
        )
    }

    /// Links made for a request since `since` (to rate-limit fresh links).
    pub fn count_since(
        conn: &mut DbConnection,
        request_id: i64,
        since: NaiveDateTime,
    ) -> QueryResult<i64> {
        feedback_links::table
            .filter(feedback_links::request_id.eq(request_id))
            .filter(feedback_links::created_at.gt(since))
            .count()
            .get_result(conn)
    }

    /// Revokes every live link of a request; returns how many.
    pub fn revoke_all(
        conn: &mut DbConnection,
        request_id: i64,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        diesel::update(
            feedback_links::table
                .filter(feedback_links::request_id.eq(request_id))
                .filter(feedback_links::revoked_at.is_null()),
        )
        .set(feedback_links::revoked_at.eq(now))
        .execute(conn)
    }
}

/// The short session a link is exchanged for.
pub struct FeedbackSession;

impl FeedbackSession {
    pub fn insert(
        conn: &mut DbConnection,
        id_hash: &str,
        request_id: i64,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::insert_into(feedback_sessions::table)
            .values((
                feedback_sessions::id_hash.eq(id_hash),
                feedback_sessions::request_id.eq(request_id),
                feedback_sessions::created_at.eq(now),
                feedback_sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .map(drop)
    }

    /// The request a live session is bound to.
    pub fn request_of(
        conn: &mut DbConnection,
        id_hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Option<i64>> {
        unique_row(
            feedback_sessions::table
                .filter(feedback_sessions::id_hash.eq(id_hash))
                .filter(feedback_sessions::expires_at.gt(now))
                .select(feedback_sessions::request_id)
                .load(conn),
        )
    }

    /// Ends every session of a request (when its links are revoked).
    pub fn end_all(conn: &mut DbConnection, request_id: i64) -> QueryResult<usize> {
        diesel::delete(
            feedback_sessions::table.filter(feedback_sessions::request_id.eq(request_id)),
        )
        .execute(conn)
    }
}

/// The answers of one request's form, as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = feedback, treat_none_as_null = true)]
pub struct FeedbackRow {
    pub request_id: i64,
    pub outcome: Option<Outcome>,
    pub close_date: Option<NaiveDate>,
    pub revenue_cents: Option<i64>,
    pub currency: Currency,
    pub products: String,
    pub products_other: String,
    pub lost_reason: Option<LostReason>,
    pub competitor: String,
    pub decision_factors: String,
    pub first_heard: Option<FirstHeard>,
    pub lead_quality: Option<i32>,
    pub notes: String,
    pub completeness_permille: Option<i32>,
    pub answered: i32,
    pub applicable: i32,
    pub response_seconds: Option<i64>,
    pub saved_at: UtcTime,
    pub submitted_at: Option<UtcTime>,
}

impl FeedbackRow {
    /// The revenue the dealer reported, as money.
    pub fn revenue(&self) -> Option<Money> {
        self.revenue_cents
            .map(|cents| Money::from_cents(cents, self.currency))
    }

    pub fn find(conn: &mut DbConnection, request_id: i64) -> QueryResult<Option<FeedbackRow>> {
        unique_row(
            feedback::table
                .find(request_id)
                .select(FeedbackRow::as_select())
                .load(conn),
        )
    }

    pub fn find_many(
        conn: &mut DbConnection,
        request_ids: &[i64],
    ) -> QueryResult<Vec<FeedbackRow>> {
        feedback::table
            .filter(feedback::request_id.eq_any(request_ids))
            .select(FeedbackRow::as_select())
            .load(conn)
    }

    pub fn insert(conn: &mut DbConnection, row: &FeedbackRow) -> QueryResult<()> {
        diesel::insert_into(feedback::table)
            .values(row)
            .execute(conn)
            .map(drop)
    }

    pub fn update(conn: &mut DbConnection, row: &FeedbackRow) -> QueryResult<()> {
        diesel::update(feedback::table.find(row.request_id))
            .set(row)
            .execute(conn)
            .map(drop)
    }
}

/// A lead's recorded sale outcome.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = sale_outcomes, treat_none_as_null = true)]
pub struct SaleOutcome {
    pub lead_id: i64,
    pub dealer_id: i64,
    pub outcome: Outcome,
    pub revenue_cents: Option<i64>,
    pub currency: Currency,
    pub close_date: Option<NaiveDate>,
    pub lost_reason: Option<LostReason>,
    pub competitor: Option<String>,
    pub recorded_at: UtcTime,
    pub updated_at: UtcTime,
    pub last_event_id: String,
}

impl SaleOutcome {
    /// The revenue of a won sale, as money.
    pub fn revenue(&self) -> Option<Money> {
        self.revenue_cents
            .map(|cents| Money::from_cents(cents, self.currency))
    }

    pub fn find(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Option<SaleOutcome>> {
        unique_row(
            sale_outcomes::table
                .find(lead_id)
                .select(SaleOutcome::as_select())
                .load(conn),
        )
    }

    pub fn insert(conn: &mut DbConnection, row: &SaleOutcome) -> QueryResult<()> {
        diesel::insert_into(sale_outcomes::table)
            .values(row)
            .execute(conn)
            .map(drop)
    }

    pub fn update(conn: &mut DbConnection, row: &SaleOutcome) -> QueryResult<()> {
        diesel::update(sale_outcomes::table.find(row.lead_id))
            .set(row)
            .execute(conn)
            .map(drop)
    }

    pub fn delete(conn: &mut DbConnection, lead_id: i64) -> QueryResult<()> {
        diesel::delete(sale_outcomes::table.find(lead_id))
            .execute(conn)
            .map(drop)
    }
}

/// An outcome event in the outbox, in the order written (`id` is the feed's cursor).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outcome_events)]
pub struct OutcomeEvent {
    pub id: i64,
    pub event_id: String,
    pub lead_id: i64,
    pub kind: OutcomeEventKind,
    pub corrects_event_id: Option<String>,
    pub payload: String,
    pub created_at: UtcTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outcome_events)]
pub struct NewOutcomeEvent<'a> {
    pub event_id: &'a str,
    pub lead_id: i64,
    pub kind: OutcomeEventKind,
    pub corrects_event_id: Option<&'a str>,
    pub payload: &'a str,
    pub created_at: NaiveDateTime,
}

impl OutcomeEvent {
    pub fn insert(conn: &mut DbConnection, new: &NewOutcomeEvent) -> QueryResult<()> {
        diesel::insert_into(outcome_events::table)
            .values(new)
            .execute(conn)
            .map(drop)
    }

    /// Events after the cursor `after`, oldest first.
    pub fn after(
        conn: &mut DbConnection,
        after: i64,
        limit: i64,
    ) -> QueryResult<Vec<OutcomeEvent>> {
        outcome_events::table
            .filter(outcome_events::id.gt(after))
            .select(OutcomeEvent::as_select())
            .order(outcome_events::id)
            .limit(limit)
            .load(conn)
    }

    pub fn for_lead(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<OutcomeEvent>> {
        outcome_events::table
            .filter(outcome_events::lead_id.eq(lead_id))
            .select(OutcomeEvent::as_select())
            .order(outcome_events::id)
            .load(conn)
    }
}
