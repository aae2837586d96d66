use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime};
use crate::schema::outbound_emails;

/// A message waiting in (or delivered from) the durable mail queue.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbound_emails)]
pub struct OutboundEmail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: UtcTime,
    pub attempts: i32,
    pub next_attempt_at: UtcTime,
    pub lease_until: Option<UtcTime>,
    pub sent_at: Option<UtcTime>,
    pub failed_at: Option<UtcTime>,
    pub last_error: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbound_emails)]
pub struct NewOutboundEmail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
}

impl OutboundEmail {
    pub fn insert(conn: &mut DbConnection, new: &NewOutboundEmail) -> QueryResult<i64> {
        diesel::insert_into(outbound_emails::table)
            .values(new)
            .returning(outbound_emails::id)
            .get_result(conn)
    }

    /// Ids of messages due for an attempt.
    pub fn due_ids(
        conn: &mut DbConnection,
        now: NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<i64>> {
        outbound_emails::table
            .filter(outbound_emails::sent_at.is_null())
            .filter(outbound_emails::failed_at.is_null())
            .filter(outbound_emails::next_attempt_at.le(now))
            .filter(
                outbound_emails::lease_until
                    .is_null()
                    .or(outbound_emails::lease_until.lt(now)),
            )
            .select(outbound_emails::id)
            .order(outbound_emails::id)
            .limit(limit)
            .load(conn)
    }

    /// Takes a lease on each of `ids` that is still due and unleased, in one statement;
    /// returns the messages this caller won (several instances never send one twice at
    /// the same time).
    pub fn claim_many(
        conn: &mut DbConnection,
        ids: &[i64],
        now: NaiveDateTime,
        lease_until: NaiveDateTime,
    ) -> QueryResult<Vec<OutboundEmail>> {
        let won: Vec<i64> = diesel::update(
            outbound_emails::table
                .filter(outbound_emails::id.eq_any(ids))
                .filter(outbound_emails::sent_at.is_null())
                .filter(outbound_emails::failed_at.is_null())
                .filter(
                    outbound_emails::lease_until
                        .is_null()
                        .or(outbound_emails::lease_until.lt(now)),
                ),
        )
        .set((
            outbound_emails::lease_until.eq(lease_until),
            outbound_emails::attempts.eq(outbound_emails::attempts + 1),
        ))
        .returning(outbound_emails::id)
        .get_results(conn)?;
        outbound_emails::table
            .filter(outbound_emails::id.eq_any(won))
            .select(OutboundEmail::as_select())
            .order(outbound_emails::id)
            .load(conn)
    }

    pub fn mark_sent(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
        diesel::update(outbound_emails::table.find(id))
            .set((
                outbound_emails::sent_at.eq(now),
                outbound_emails::lease_until.eq(None::<NaiveDateTime>),
                outbound_emails::last_error.eq(None::<String>),
            ))
            .execute(conn)
            .map(drop)
    }

    /// Records a failed attempt: retry at `retry_at`, or give up when it is `None`.
    pub fn mark_failed(
        conn: &mut DbConnection,
        id: i64,
        error: &str,
        retry_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        let query = diesel::update(outbound_emails::table.find(id));
        match retry_at {
            Some(at) => query
                .set((
                    outbound_emails::next_attempt_at.eq(at),
                    outbound_emails::lease_until.eq(None::<NaiveDateTime>),
                    outbound_emails::last_error.eq(error),
                ))
                .execute(conn),
            None => query
                .set((
                    outbound_emails::failed_at.eq(now),
                    outbound_emails::lease_until.eq(None::<NaiveDateTime>),
                    outbound_emails::last_error.eq(error),
                ))
                .execute(conn),
        }
        .map(drop)
    }

    pub fn pending_count(conn: &mut DbConnection) -> QueryResult<i64> {
        outbound_emails::table
            .filter(outbound_emails::sent_at.is_null())
            .filter(outbound_emails::failed_at.is_null())
            .count()
            .get_result(conn)
    }
}
