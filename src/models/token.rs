use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, unique_row};
use crate::domain::TokenPurpose;
use crate::schema::user_tokens;

/// A single-use token sent by email (password reset, invitation). Only its hash is stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_tokens)]
pub struct UserToken {
    pub id: i64,
    pub user_id: i64,
    pub purpose: TokenPurpose,
    pub token_hash: String,
    pub created_at: UtcTime,
    pub expires_at: UtcTime,
    pub used_at: Option<UtcTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = user_tokens)]
pub struct NewUserToken<'a> {
    pub user_id: i64,
    pub purpose: TokenPurpose,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl UserToken {
    pub fn insert(conn: &mut DbConnection, new: &NewUserToken) -> QueryResult<()> {
        diesel::insert_into(user_tokens::table)
            .values(new)
            .execute(conn)
            .map(drop)
    }

    pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<UserToken>> {
        unique_row(
            user_tokens::table
                .filter(user_tokens::token_hash.eq(hash))
                .select(UserToken::as_select())
                .load(conn),
        )
    }

    /// Marks the token used if it still was unused; returns whether this call used it
    /// (so two concurrent submissions cannot both succeed).
    pub fn mark_used(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
        diesel::update(
            user_tokens::table
                .filter(user_tokens::id.eq(id))
                .filter(user_tokens::used_at.is_null()),
        )
        .set(user_tokens::used_at.eq(now))
        .execute(conn)
        .map(|n| n == 1)
    }

    /// Removes every outstanding token of a user (after the password changes).
    pub fn delete_for_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<usize> {
        diesel::delete(user_tokens::table.filter(user_tokens::user_id.eq(user_id))).execute(conn)
    }

    pub fn count_recent(
        conn: &mut DbConnection,
        user_id: i64,
        purpose: TokenPurpose,
        since: NaiveDateTime,
    ) -> QueryResult<i64> {
        user_tokens::table
            .filter(user_tokens::user_id.eq(user_id))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::created_at.gt(since))
            .count()
            .get_result(conn)
    }

    pub fn delete_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
        diesel::delete(user_tokens::table.filter(user_tokens::expires_at.lt(before))).execute(conn)
    }
}

/// The link in a weekly digest that turns the digest off (see `digest_links`).
pub struct DigestLink;

impl DigestLink {
    pub fn insert(
        conn: &mut DbConnection,
        token_hash: &str,
        user_id: i64,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> QueryResult<()> {
        use crate::schema::digest_links as d;
        diesel::insert_into(d::table)
            .values((
                d::token_hash.eq(token_hash),
                d::user_id.eq(user_id),
                d::created_at.eq(now),
                d::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .map(drop)
    }

    /// The user of the unused, unexpired link with `token_hash`.
    pub fn user_of(
        conn: &mut DbConnection,
        token_hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Option<i64>> {
        use crate::schema::digest_links as d;
        d::table
            .find(token_hash)
            .filter(d::used_at.is_null())
            .filter(d::expires_at.gt(now))
            .select(d::user_id)
            .first(conn)
            .optional()
    }

    /// Marks the link used; false if it was used (or is gone) already.
    pub fn mark_used(
        conn: &mut DbConnection,
        token_hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        use crate::schema::digest_links as d;
        diesel::update(d::table.find(token_hash).filter(d::used_at.is_null()))
            .set(d::used_at.eq(now))
            .execute(conn)
            .map(|n| n == 1)
    }
}
