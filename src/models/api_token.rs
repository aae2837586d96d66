use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, unique_row};
use crate::schema::api_tokens;

/// A bearer token for a machine client. Only the SHA-256 of the secret is stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The lead source this client writes as (`external_id` is unique per source).
    pub source: String,
    pub token_hash: String,
    pub created_at: UtcTime,
    pub created_by: String,
    pub last_used_at: Option<UtcTime>,
    pub revoked_at: Option<UtcTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub created_by: &'a str,
}

impl ApiToken {
    pub fn insert(conn: &mut DbConnection, new: &NewApiToken) -> QueryResult<i64> {
        diesel::insert_into(api_tokens::table)
            .values(new)
            .returning(api_tokens::id)
            .get_result(conn)
    }

    pub fn find_active_by_hash(
        conn: &mut DbConnection,
        hash: &str,
    ) -> QueryResult<Option<ApiToken>> {
        unique_row(
            api_tokens::table
                .filter(api_tokens::token_hash.eq(hash))
                .filter(api_tokens::revoked_at.is_null())
                .select(ApiToken::as_select())
                .load(conn),
        )
    }

    pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<ApiToken>> {
        unique_row(
            api_tokens::table
                .filter(api_tokens::name.eq(name))
                .select(ApiToken::as_select())
                .load(conn),
        )
    }

    pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ApiToken>> {
        api_tokens::table
            .select(ApiToken::as_select())
            .order(api_tokens::created_at.desc())
            .load(conn)
    }

    /// Records use, at most once a minute per token (it is written on the request path).
    pub fn touch(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<()> {
        let stale = now - chrono::TimeDelta::minutes(1);
        diesel::update(
            api_tokens::table.filter(api_tokens::id.eq(id)).filter(
                api_tokens::last_used_at
                    .is_null()
                    .or(api_tokens::last_used_at.lt(stale)),
            ),
        )
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)
        .map(drop)
    }

    pub fn revoke(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
        diesel::update(
            api_tokens::table
                .filter(api_tokens::id.eq(id))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(now))
        .execute(conn)
        .map(|n| n == 1)
    }
}
