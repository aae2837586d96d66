//! Timestamp columns read without chrono's format parser.
//!
//! SQLite keeps a `TIMESTAMP` as text. diesel reads it by trying up to eighteen strftime
//! patterns with `NaiveDateTime::parse_from_str`, which walks the pattern on every value;
//! at scale `perf` put an eighth of the dealer inbox's time there. What this portal writes
//! is always `YYYY-MM-DD HH:MM:SS` with an optional fraction, so that shape is read by
//! hand here and anything else falls back to diesel's own reading. PostgreSQL sends a
//! binary count of microseconds and is read by diesel as before.
//!
//! Use it on a model's field with `#[diesel(deserialize_as = FastTimestamp)]` (or
//! [`FastTimestampOpt`] for a nullable column); the field stays a `NaiveDateTime`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType};

use super::DbConnection;

type Multi = <DbConnection as diesel::Connection>::Backend;

/// A non-null `Timestamp` column, read fast on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct FastTimestamp(pub NaiveDateTime);

/// A nullable `Timestamp` column, read fast on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct FastTimestampOpt(pub Option<NaiveDateTime>);

impl From<FastTimestamp> for NaiveDateTime {
    fn from(t: FastTimestamp) -> Self {
        t.0
    }
}

impl From<FastTimestampOpt> for Option<NaiveDateTime> {
    fn from(t: FastTimestampOpt) -> Self {
        t.0
    }
}

/// Reads `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1 to 9 fraction digits, the shape
/// diesel writes; `None` for anything else (the caller then asks diesel).
pub fn parse_sqlite_timestamp(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)?;
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(20..b.len())? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    // A leap second (`:60`) is refused here and left to chrono.
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(date.and_time(time))
}

impl FromSql<Timestamp, Sqlite> for FastTimestamp {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if value.value_type() == Some(SqliteType::Text)
            && let Some(t) = parse_sqlite_timestamp(value.read_text())
        {
            return Ok(Self(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for FastTimestamp {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Multi> for FastTimestamp {
    fn from_sql(value: <Multi as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

/// The nullable reading on one backend, from the non-null one.
macro_rules! nullable_on {
    ($backend:ty) => {
        impl FromSql<Nullable<Timestamp>, $backend> for FastTimestampOpt {
            fn from_sql(value: <$backend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                <FastTimestamp as FromSql<Timestamp, $backend>>::from_sql(value)
                    .map(|t| Self(Some(t.0)))
            }

            fn from_nullable_sql(
                value: Option<<$backend as Backend>::RawValue<'_>>,
            ) -> deserialize::Result<Self> {
                match value {
                    Some(value) => {
                        <Self as FromSql<Nullable<Timestamp>, $backend>>::from_sql(value)
                    }
                    None => Ok(Self(None)),
                }
            }
        }
    };
}
nullable_on!(Sqlite);
nullable_on!(Pg);

impl FromSql<Nullable<Timestamp>, Multi> for FastTimestampOpt {
    fn from_sql(value: <Multi as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value
            .from_sql::<FastTimestamp, Timestamp>()
            .map(|t| Self(Some(t.0)))
    }

    fn from_nullable_sql(
        value: Option<<Multi as Backend>::RawValue<'_>>,
    ) -> deserialize::Result<Self> {
        match value {
            Some(value) => <Self as FromSql<Nullable<Timestamp>, Multi>>::from_sql(value),
            None => Ok(Self(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// What diesel itself reads for the text `s` (its first patterns, in its order).
    fn by_chrono(s: &str) -> Option<NaiveDateTime> {
        ["%F %T%.f", "%F %T"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    }

    #[test]
    fn reads_what_chrono_reads_for_the_written_shapes() {
        let start = NaiveDate::from_ymd_opt(2023, 12, 31)
            .unwrap()
            .and_hms_opt(23, 0, 0)
            .unwrap();
        let mut t = start;
        // Three years in steps of 7 h 13 min 17.123456789 s: every month, leap day,
        // hour and a spread of fractions.
        let step = chrono::TimeDelta::nanoseconds(26_000_123_456_789);
        for _ in 0..4_000 {
            for written in [
                t.format("%F %T").to_string(),
                t.format("%F %T%.3f").to_string(),
                t.format("%F %T%.6f").to_string(),
                t.format("%F %T%.9f").to_string(),
                t.format("%F %T%.f").to_string(),
            ] {
                assert_eq!(
                    parse_sqlite_timestamp(&written),
                    by_chrono(&written),
                    "{written}"
                );
            }
            t += step;
        }
    }

    #[test]
    fn leaves_every_other_shape_to_diesel() {
        for s in [
            "",
            "2026-11-30",
            "2026-11-30T10:00:00",
            "2026-11-30 10:00:00Z",
            "2026-11-30 10:00:00+01:00",
            "2026-11-30 10:00:00.",
            "2026-11-30 10:00:00.1234567891",
            "2026-11-30 10:00",
            "2026-02-30 10:00:00",
            "2026-11-30 24:00:00",
            "2026-11-30 23:59:60",
            "2026-1a-30 10:00:00",
            "+026-11-30 10:00:00",
            "2460645.5",
        ] {
            assert_eq!(parse_sqlite_timestamp(s), None, "{s:?}");
        }
    }

    #[test]
    fn reads_a_fraction_of_any_length_as_chrono_does() {
        let t = parse_sqlite_timestamp("2026-11-30 10:00:00.5").unwrap();
        assert_eq!(t.and_utc().timestamp_subsec_nanos(), 500_000_000);
        assert_eq!(
            Some(t),
            by_chrono("2026-11-30 10:00:00.5"),
            "a one-digit fraction"
        );
    }

    /// Through SQLite itself: every shape diesel reads (ISO `T`, offsets, Julian day
    /// numbers) reads the same through this type, and NULL stays NULL.
    #[test]
    fn reads_every_sqlite_value_as_diesel_does() {
        use diesel::dsl::sql;
        use diesel::{Connection, RunQueryDsl};

        let mut conn =
            DbConnection::Sqlite(diesel::sqlite::SqliteConnection::establish(":memory:").unwrap());
        for literal in [
            "'2026-11-30 10:15:00'",
            "'2026-11-30 10:15:00.123456'",
            "'2026-11-30T10:15:00'",
            "'2026-11-30 10:15:00+01:00'",
            "'2026-11-30 10:15'",
            "2461009.5",
        ] {
            let query = || diesel::select(sql::<Timestamp>(literal));
            let ours: FastTimestamp = query().get_result(&mut conn).unwrap();
            let diesels: NaiveDateTime = query().get_result(&mut conn).unwrap();
            assert_eq!(ours.0, diesels, "{literal}");
        }
        let null: FastTimestampOpt = diesel::select(sql::<Nullable<Timestamp>>("NULL"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(null.0, None);
        let some: FastTimestampOpt =
            diesel::select(sql::<Nullable<Timestamp>>("'2026-11-30 10:15:00.5'"))
                .get_result(&mut conn)
                .unwrap();
        assert_eq!(
            some.0,
            NaiveDateTime::parse_from_str("2026-11-30 10:15:00.5", "%F %T%.f").ok()
        );
        let bad: Result<FastTimestamp, _> =
            diesel::select(sql::<Timestamp>("'yesterday'")).get_result(&mut conn);
        assert!(bad.is_err());
    }
}
