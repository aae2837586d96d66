//! Timestamp columns read without chrono's format parser.
//!
//! SQLite keeps a `TIMESTAMP` as text. diesel reads it by trying up to eighteen strftime
//! patterns with `NaiveDateTime::parse_from_str`, which walks the pattern on every value;
//! at scale `perf` put an eighth of the dealer inbox's time there. What this portal writes
//! is always `YYYY-MM-DD HH:MM:SS` with an optional fraction, so that shape is read by
//! hand here and anything else falls back to diesel's own reading. PostgreSQL sends a
//! binary count of microseconds and is read by diesel as before.
//!
//! [`UtcTime`] is the type of every timestamp field in a row (`Option<UtcTime>` for a
//! nullable column), so a new field cannot miss the fast reading. It is a UTC instant:
//! both backends store `TIMESTAMP` (without time zone) holding UTC, as diesel's
//! `NaiveDateTime` mapping writes it. Service code converts explicitly and for free:
//! `UtcTime::from(naive)` or `.into()`, `.get()` for the `NaiveDateTime`, `.utc()` for a
//! `DateTime<Utc>`; it derefs to the `NaiveDateTime` and compares with one directly.

use std::cmp::Ordering;
use std::ops::{Add, Deref, Sub};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Timestamp;
use diesel::sqlite::{Sqlite, SqliteType};

use super::DbConnection;

type Multi = <DbConnection as diesel::Connection>::Backend;

/// A point in time in UTC, as a `Timestamp` column stores it; read fast on SQLite.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = Timestamp)]
pub struct UtcTime(NaiveDateTime);

impl UtcTime {
    /// The time `naive`, taken as UTC.
    pub const fn new(naive: NaiveDateTime) -> Self {
        Self(naive)
    }

    /// The current time.
    pub fn now() -> Self {
        Self(Utc::now().naive_utc())
    }

    /// The time as a `NaiveDateTime` in UTC.
    pub const fn get(self) -> NaiveDateTime {
        self.0
    }

    /// The time as a `DateTime<Utc>`.
    pub fn utc(self) -> DateTime<Utc> {
        self.0.and_utc()
    }
}

impl Deref for UtcTime {
    type Target = NaiveDateTime;
    fn deref(&self) -> &NaiveDateTime {
        &self.0
    }
}

impl From<NaiveDateTime> for UtcTime {
    fn from(t: NaiveDateTime) -> Self {
        Self(t)
    }
}

impl From<UtcTime> for NaiveDateTime {
    fn from(t: UtcTime) -> Self {
        t.0
    }
}

impl From<DateTime<Utc>> for UtcTime {
    fn from(t: DateTime<Utc>) -> Self {
        Self(t.naive_utc())
    }
}

impl From<UtcTime> for DateTime<Utc> {
    fn from(t: UtcTime) -> Self {
        t.0.and_utc()
    }
}

impl PartialEq<NaiveDateTime> for UtcTime {
    fn eq(&self, other: &NaiveDateTime) -> bool {
        self.0 == *other
    }
}

impl PartialEq<UtcTime> for NaiveDateTime {
    fn eq(&self, other: &UtcTime) -> bool {
        *self == other.0
    }
}

impl PartialOrd<NaiveDateTime> for UtcTime {
    fn partial_cmp(&self, other: &NaiveDateTime) -> Option<Ordering> {
        self.0.partial_cmp(other)
    }
}

impl PartialOrd<UtcTime> for NaiveDateTime {
    fn partial_cmp(&self, other: &UtcTime) -> Option<Ordering> {
        self.partial_cmp(&other.0)
    }
}

impl Add<TimeDelta> for UtcTime {
    type Output = UtcTime;
    fn add(self, d: TimeDelta) -> UtcTime {
        Self(self.0 + d)
    }
}

impl Sub<TimeDelta> for UtcTime {
    type Output = UtcTime;
    fn sub(self, d: TimeDelta) -> UtcTime {
        Self(self.0 - d)
    }
}

impl Sub for UtcTime {
    type Output = TimeDelta;
    fn sub(self, other: UtcTime) -> TimeDelta {
        self.0 - other.0
    }
}

impl Sub<NaiveDateTime> for UtcTime {
    type Output = TimeDelta;
    fn sub(self, other: NaiveDateTime) -> TimeDelta {
        self.0 - other
    }
}

impl Sub<UtcTime> for NaiveDateTime {
    type Output = TimeDelta;
    fn sub(self, other: UtcTime) -> TimeDelta {
        self - other.0
    }
}

impl std::fmt::Display for UtcTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
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

impl FromSql<Timestamp, Sqlite> for UtcTime {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if value.value_type() == Some(SqliteType::Text)
            && let Some(t) = parse_sqlite_timestamp(value.read_text())
        {
            return Ok(Self(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for UtcTime {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Multi> for UtcTime {
    fn from_sql(value: <Multi as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl ToSql<Timestamp, Sqlite> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Sqlite>>::to_sql(&self.0, out)
    }
}

impl ToSql<Timestamp, Pg> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDateTime as ToSql<Timestamp, Pg>>::to_sql(&self.0, out)
    }
}

impl ToSql<Timestamp, Multi> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Multi>) -> serialize::Result {
        out.set_value((Timestamp, self));
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use diesel::sql_types::Nullable;

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
            let ours: UtcTime = query().get_result(&mut conn).unwrap();
            let diesels: NaiveDateTime = query().get_result(&mut conn).unwrap();
            assert_eq!(ours.0, diesels, "{literal}");
        }
        let null: Option<UtcTime> = diesel::select(sql::<Nullable<Timestamp>>("NULL"))
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(null, None);
        let some: Option<UtcTime> =
            diesel::select(sql::<Nullable<Timestamp>>("'2026-11-30 10:15:00.5'"))
                .get_result(&mut conn)
                .unwrap();
        assert_eq!(
            some.map(UtcTime::get),
            NaiveDateTime::parse_from_str("2026-11-30 10:15:00.5", "%F %T%.f").ok()
        );
        let bad: Result<UtcTime, _> =
            diesel::select(sql::<Timestamp>("'yesterday'")).get_result(&mut conn);
        assert!(bad.is_err());
    }

    /// A time written through `UtcTime` reads back as the same instant (to the
    /// microsecond both backends keep), on SQLite and, when
    /// `DEALERLOOP_TEST_DATABASE_URL` names one, on PostgreSQL; through the multi-backend
    /// connection and the backend's own.
    #[test]
    fn a_time_reads_back_as_written_on_each_backend() {
        use diesel::{IntoSql, RunQueryDsl};

        let conns = crate::db::text_values::tests::connections();
        let times = [
            "2026-11-30 10:15:00",
            "2026-11-30 10:15:00.123456",
            "2024-02-29 23:59:59.999999",
            "1999-12-31 00:00:00.5",
        ]
        .map(|s| UtcTime::new(NaiveDateTime::parse_from_str(s, "%F %T%.f").unwrap()));
        for mut conn in conns {
            for t in times {
                let back: UtcTime = diesel::select(t.into_sql::<Timestamp>())
                    .get_result(&mut conn)
                    .unwrap();
                assert_eq!(back, t);
                let native: UtcTime =
                    crate::on_native!(&mut conn, |c| diesel::select(t.into_sql::<Timestamp>())
                        .get_result(c)
                        .unwrap());
                assert_eq!(native, t);
                let some: Option<UtcTime> =
                    diesel::select(Some(t).into_sql::<Nullable<Timestamp>>())
                        .get_result(&mut conn)
                        .unwrap();
                assert_eq!(some, Some(t));
                assert_eq!(back.utc(), t.get().and_utc());
                assert_eq!(UtcTime::from(back.utc()), t);
            }
        }
    }

    /// Every struct diesel reads rows into (`Queryable`) in `src/models` holds its times
    /// as `UtcTime`: a `NaiveDateTime` field would compile and silently take diesel's slow
    /// reading.
    #[test]
    fn rows_read_times_as_utc_time() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/models");
        let mut offenders = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let mut in_row = false;
            for (n, line) in text.lines().enumerate() {
                if line.starts_with("#[derive(") {
                    in_row = line.contains("Queryable");
                } else if line.starts_with('}') {
                    in_row = false;
                } else if in_row && line.contains("NaiveDateTime") {
                    offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(offenders.is_empty(), "use UtcTime: {offenders:#?}");
    }
}
