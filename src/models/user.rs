use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, lower, unique_row};
use crate::domain::Role;
use crate::schema::users;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub dealer_id: Option<i64>,
    pub locale: Option<String>,
    pub password_hash: Option<String>,
    pub active: bool,
    pub password_changed_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub dealer_id: Option<i64>,
    pub locale: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub active: bool,
    pub password_changed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChanges<'a> {
    pub name: &'a str,
    pub role: Role,
    pub dealer_id: Option<i64>,
    pub locale: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn insert(conn: &mut DbConnection, new: &NewUser) -> QueryResult<i64> {
        diesel::insert_into(users::table)
            .values(new)
            .returning(users::id)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<User> {
        unique_row(users::table.find(id).select(User::as_select()).load(conn))?
            .ok_or(diesel::result::Error::NotFound)
    }

    pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
        unique_row(
            users::table
                .filter(users::email.eq(email))
                .select(User::as_select())
                .load(conn),
        )
    }

    /// Users whose email or name contains `search`, by email.
    pub fn list(conn: &mut DbConnection, search: &str) -> QueryResult<Vec<User>> {
        let mut query = users::table
            .select(User::as_select())
            .order(users::email.asc())
            .into_boxed();
        if !search.is_empty() {
            let pattern = format!("%{}%", search.replace(['%', '_'], "").to_lowercase());
            query = query.filter(
                users::email
                    .like(pattern.clone())
                    .or(lower(users::name).like(pattern)),
            );
        }
        query.load(conn)
    }

    pub fn for_dealer(conn: &mut DbConnection, dealer_id: i64) -> QueryResult<Vec<User>> {
        users::table
            .filter(users::dealer_id.eq(dealer_id))
            .select(User::as_select())
            .order(users::email)
            .load(conn)
    }

    /// Whether the user gets the weekly digest (channel managers, unless they turned it off).
    pub fn wants_digest(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
        users::table
            .find(id)
            .select(users::weekly_digest)
            .first(conn)
    }

    pub fn set_weekly_digest(conn: &mut DbConnection, id: i64, on: bool) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::weekly_digest.eq(on))
            .execute(conn)
            .map(drop)
    }

    /// The active channel managers who get the weekly digest.
    pub fn digest_recipients(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
        users::table
            .filter(users::active.eq(true))
            .filter(users::role.eq(Role::Manager))
            .filter(users::weekly_digest.eq(true))
            .select(User::as_select())
            .order(users::email)
            .load(conn)
    }

    pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
        users::table.count().get_result(conn)
    }

    pub fn update(conn: &mut DbConnection, id: i64, changes: &UserChanges) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(changes)
            .execute(conn)
            .map(drop)
    }

    pub fn set_active(
        conn: &mut DbConnection,
        id: i64,
        active: bool,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((users::active.eq(active), users::updated_at.eq(now)))
            .execute(conn)
            .map(drop)
    }

    pub fn set_locale(conn: &mut DbConnection, id: i64, locale: &str) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::locale.eq(locale))
            .execute(conn)
            .map(drop)
    }

    pub fn set_password_hash(
        conn: &mut DbConnection,
        id: i64,
        hash: &str,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::password_changed_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(conn)
            .map(drop)
    }
}
