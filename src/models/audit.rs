use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime};
use crate::schema::audit_events;

/// Who did what to which record, and when.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: UtcTime,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub detail: String,
    pub client_ip: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub occurred_at: NaiveDateTime,
    pub actor_user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub detail: &'a str,
    pub client_ip: &'a str,
}

impl AuditEvent {
    pub fn insert(conn: &mut DbConnection, new: &NewAuditEvent) -> QueryResult<()> {
        diesel::insert_into(audit_events::table)
            .values(new)
            .execute(conn)
            .map(drop)
    }

    /// A page of events, newest first, optionally only one action.
    pub fn page(
        conn: &mut DbConnection,
        action: Option<&str>,
        before_id: Option<i64>,
        limit: i64,
    ) -> QueryResult<Vec<AuditEvent>> {
        let mut query = audit_events::table
            .select(AuditEvent::as_select())
            .order(audit_events::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(action) = action {
            query = query.filter(audit_events::action.eq(action.to_owned()));
        }
        if let Some(before) = before_id {
            query = query.filter(audit_events::id.lt(before));
        }
        query.load(conn)
    }
}
