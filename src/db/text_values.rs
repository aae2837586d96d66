//! Domain values stored as text: statuses, roles and kinds are `TEXT` columns on both
//! backends (no migration), read and written through their own Rust types so a typo in
//! a status is a compile error and a row never holds an unknown value unnoticed.
//!
//! A type listed here has `as_str()` and `FromStr`, and derives
//! `diesel::AsExpression` and `diesel::FromSqlRow` with `sql_type = Text`, so it is a
//! row field and a filter value (`offers::status.eq(OfferStatus::Open)`). Reading does
//! not allocate: the text is matched where the driver holds it.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use super::DbConnection;
use crate::domain::feedback_fields::{Currency, FirstHeard, LostReason, Outcome};
use crate::domain::{
    AttributionModel, DealerTouch, DecisionKind, LeadEventStatus, LeadStatus, OfferStatus,
    OutcomeEventKind, Role, TokenPurpose, TouchpointOrigin,
};

type Multi = <DbConnection as diesel::Connection>::Backend;

/// The error for a stored text that is not one of the type's values.
fn unknown(type_name: &str, text: &str) -> Box<dyn std::error::Error + Send + Sync> {
    format!("unknown {type_name} value {text:?} in the database").into()
}

macro_rules! text_column {
    ($($ty:ty),+ $(,)?) => {$(
        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = value.read_text();
                text.parse().map_err(|_| unknown(stringify!($ty), text))
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = std::str::from_utf8(value.as_bytes())?;
                text.parse().map_err(|_| unknown(stringify!($ty), text))
            }
        }

        impl FromSql<Text, Multi> for $ty {
            fn from_sql(value: <Multi as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<Self, Text>()
            }
        }

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                <str as ToSql<Text, Sqlite>>::to_sql(self.as_str(), out)
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl ToSql<Text, Multi> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Multi>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }
    )+};
}

text_column!(
    LeadStatus,
    OfferStatus,
    Role,
    Outcome,
    Currency,
    LostReason,
    FirstHeard,
    DecisionKind,
    LeadEventStatus,
    OutcomeEventKind,
    TokenPurpose,
    AttributionModel,
    TouchpointOrigin,
    DealerTouch,
);

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use diesel::dsl::sql;
    use diesel::sql_types::Nullable;
    use diesel::{Connection, IntoSql, RunQueryDsl};

    use super::*;

    /// Each backend the tests can reach: SQLite in memory, and PostgreSQL when
    /// `DEALERLOOP_TEST_DATABASE_URL` names one.
    pub(in crate::db) fn connections() -> Vec<DbConnection> {
        let mut all = vec![DbConnection::Sqlite(
            diesel::sqlite::SqliteConnection::establish(":memory:").unwrap(),
        )];
        if let Ok(url) = std::env::var("DEALERLOOP_TEST_DATABASE_URL")
            && url.starts_with("postgres")
        {
            all.push(DbConnection::Postgres(
                diesel::pg::PgConnection::establish(&url).unwrap(),
            ));
        }
        all
    }

    /// Binds each value as a parameter and reads it back, as the value and as text,
    /// through the multi-backend connection and through the backend's own one.
    macro_rules! round_trips {
        ($conn:expr, $ty:ty, $values:expr) => {
            for value in $values.iter().copied() {
                let back = diesel::select(value.into_sql::<Text>())
                    .get_result::<$ty>($conn)
                    .unwrap();
                assert_eq!(back, value);
                let native = crate::on_native!($conn, |c| diesel::select(value.into_sql::<Text>())
                    .get_result::<$ty>(c)
                    .unwrap());
                assert_eq!(native, value);
                let text = diesel::select(value.into_sql::<Text>())
                    .get_result::<String>($conn)
                    .unwrap();
                assert_eq!(text, value.as_str());
            }
        };
    }

    #[test]
    fn every_status_and_role_reads_back_as_written_and_is_stored_as_its_code() {
        for mut conn in connections() {
            let conn = &mut conn;
            round_trips!(conn, LeadStatus, LeadStatus::ALL);
            round_trips!(conn, OfferStatus, OfferStatus::ALL);
            round_trips!(conn, Role, Role::ALL);
            round_trips!(conn, Outcome, Outcome::ALL);
            round_trips!(conn, Currency, Currency::ALL);
            round_trips!(conn, LostReason, LostReason::ALL);
            round_trips!(conn, FirstHeard, FirstHeard::ALL);
            round_trips!(conn, DecisionKind, DecisionKind::ALL);
            round_trips!(conn, OutcomeEventKind, OutcomeEventKind::ALL);
            round_trips!(conn, TokenPurpose, TokenPurpose::ALL);
            let events: Vec<LeadEventStatus> = LeadStatus::ALL
                .into_iter()
                .map(LeadEventStatus::from)
                .chain([
                    LeadEventStatus::OfferDeclined,
                    LeadEventStatus::OfferExpired,
                    LeadEventStatus::OfferWithdrawn,
                ])
                .collect();
            round_trips!(conn, LeadEventStatus, events);
        }
    }

    #[test]
    fn stored_text_reads_as_the_value_and_an_unknown_one_is_an_error() {
        for mut conn in connections() {
            let open: OfferStatus = diesel::select(sql::<Text>("'open'"))
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(open, OfferStatus::Open);
            let none: Option<Role> = diesel::select(sql::<Nullable<Text>>("NULL"))
                .get_result(&mut conn)
                .unwrap();
            assert_eq!(none, None);
            let typo: Result<LeadStatus, _> =
                diesel::select(sql::<Text>("'acepted'")).get_result(&mut conn);
            assert!(typo.is_err());
        }
    }
}
