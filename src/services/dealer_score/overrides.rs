//! A channel manager's temporary weight for a dealer (a launch, a known problem): a value,
//! a reason and an expiry, audited, in force from the moment it is set until it expires
//! or is ended early. One override per dealer is in force at a time: a new one ends the
//! previous. Allocation reads it through [`super::weights::Weights`], and every decision
//! it shapes stores its id.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use diesel::Connection;
use serde::Deserialize;

use crate::db::{DbConnection, UtcTime};
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::dealer_score::{DealerScoreRow, NewWeightOverride, WeightOverride};
use crate::services::audit::{self, Actor};
use crate::services::validation::{FieldErrors, FormError};

/// The range of an override's weight (relative to the average dealer's 1).
pub const MIN_OVERRIDE: f64 = 0.1;
pub const MAX_OVERRIDE: f64 = 10.0;
/// How far ahead an override may expire.
pub const LONGEST: TimeDelta = TimeDelta::days(366);
/// The longest reason kept.
pub const MAX_REASON: usize = 500;

/// The override form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    pub weight: String,
    #[serde(default)]
    pub reason: String,
    /// The last day it is in force (local date, `YYYY-MM-DD`).
    #[serde(default)]
    pub until: String,
}

/// A checked override: weight, reason and the instant it ends.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedOverride {
    pub weight: f64,
    pub reason: String,
    pub expires_at: NaiveDateTime,
}

impl OverrideForm {
    /// Checks the form at `now` in time zone `tz`: the override ends at the end of the
    /// `until` day there.
    pub fn check(
        &self,
        now: NaiveDateTime,
        tz: chrono_tz::Tz,
    ) -> Result<CheckedOverride, FieldErrors> {
        let mut errors = FieldErrors::default();
        let weight = errors.check("weight", parse_weight(&self.weight));
        let reason = self.reason.trim();
        if reason.is_empty() {
            errors.add("reason", "override-error-reason");
        } else if reason.chars().count() > MAX_REASON {
            errors.add("reason", "override-error-reason-long");
        }
        let expires_at = errors.check("until", parse_until(&self.until, now, tz));
        match (weight, expires_at) {
            (Some(weight), Some(expires_at)) if errors.is_empty() => Ok(CheckedOverride {
                weight,
                reason: reason.to_owned(),
                expires_at,
            }),
            _ => Err(errors),
        }
    }
}

fn parse_weight(typed: &str) -> Result<f64, &'static str> {
    let typed = typed.trim().replace(',', ".");
    let value: f64 = typed.parse().map_err(|_| "override-error-weight")?;
    if !value.is_finite() || !(MIN_OVERRIDE..=MAX_OVERRIDE).contains(&value) {
        return Err("override-error-weight");
    }
    Ok(value)
}

fn parse_until(
    typed: &str,
    now: NaiveDateTime,
    tz: chrono_tz::Tz,
) -> Result<NaiveDateTime, &'static str> {
    use chrono::TimeZone;
    let day =
        NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d").map_err(|_| "override-error-until")?;
    let next_midnight = day
        .succ_opt()
        .ok_or("override-error-until")?
        .and_time(NaiveTime::MIN);
    let ends = tz
        .from_local_datetime(&next_midnight)
        .earliest()
        .ok_or("override-error-until")?
        .naive_utc();
    if ends <= now {
        return Err("override-error-until-past");
    }
    if ends - now > LONGEST {
        return Err("override-error-until-far");
    }
    Ok(ends)
}

/// What the weight page shows: the dealer, its score's weight, the override in force and
/// the earlier ones.
pub struct WeightView {
    pub dealer: Dealer,
    pub score: Option<DealerScoreRow>,
    pub in_force: Option<WeightOverride>,
    pub history: Vec<WeightOverride>,
}

impl WeightView {
    pub fn load(
        conn: &mut DbConnection,
        dealer_id: i64,
        now: NaiveDateTime,
    ) -> Result<Self, AppError> {
        let dealer = Dealer::find(conn, dealer_id)?;
        let score = DealerScoreRow::find(conn, dealer_id)?;
        let history = WeightOverride::for_dealer(conn, dealer_id)?;
        let in_force = history.iter().find(|o| is_in_force(o, now)).cloned();
        Ok(Self {
            dealer,
            score,
            in_force,
            history,
        })
    }
}

/// Whether `o` sets the dealer's weight at `now`.
pub fn is_in_force(o: &WeightOverride, now: NaiveDateTime) -> bool {
    o.ended_at.is_none() && o.starts_at.get() <= now && now < o.expires_at.get()
}

/// Sets an override for `dealer_id` from `form`, ending the one in force; audited.
pub fn set(
    conn: &mut DbConnection,
    actor: &Actor,
    dealer_id: i64,
    form: &OverrideForm,
    tz: chrono_tz::Tz,
    now: NaiveDateTime,
) -> Result<i64, FormError> {
    let checked = form.check(now, tz).map_err(FormError::Invalid)?;
    Ok(conn.transaction(|conn| -> Result<i64, AppError> {
        let dealer = Dealer::find(conn, dealer_id)?;
        for o in WeightOverride::in_force(conn, Some(dealer_id), now)? {
            WeightOverride::end(conn, o.id, now)?;
        }
        let id = WeightOverride::insert(
            conn,
            &NewWeightOverride {
                dealer_id,
                weight: checked.weight,
                reason: &checked.reason,
                starts_at: UtcTime::from(now),
                expires_at: UtcTime::from(checked.expires_at),
                created_by: &actor.label,
                created_at: UtcTime::from(now),
            },
        )?;
        crate::services::dealers::stats::follow_override(conn, dealer_id, Some(checked.weight))?;
        audit::record(
            conn,
            actor,
            "weight_override_set",
            ("dealer", &dealer.id.to_string()),
            &format!(
                "{}: weight {} until {} UTC ({})",
                dealer.code,
                checked.weight,
                checked.expires_at.format("%Y-%m-%d %H:%M"),
                checked.reason
            ),
        )?;
        Ok(id)
    })?)
}

/// Ends the override in force for `dealer_id`, if any; audited. Returns whether one ended.
pub fn end(
    conn: &mut DbConnection,
    actor: &Actor,
    dealer_id: i64,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    conn.transaction(|conn| {
        let dealer = Dealer::find(conn, dealer_id)?;
        let mut ended = false;
        for o in WeightOverride::in_force(conn, Some(dealer_id), now)? {
            ended |= WeightOverride::end(conn, o.id, now)?;
            audit::record(
                conn,
                actor,
                "weight_override_ended",
                ("dealer", &dealer.id.to_string()),
                &format!(
                    "{}: override {} (weight {}) ended early",
                    dealer.code, o.id, o.weight
                ),
            )?;
        }
        if ended {
            crate::services::dealers::stats::follow_override(conn, dealer_id, None)?;
        }
        Ok(ended)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_default()
    }

    fn form(weight: &str, reason: &str, until: &str) -> OverrideForm {
        OverrideForm {
            weight: weight.into(),
            reason: reason.into(),
            until: until.into(),
        }
    }

    #[test]
    fn an_override_ends_at_local_midnight_after_its_last_day() {
        let now = at("2026-12-07 09:00:00");
        let checked = form("1,5", " Lancio nuovo concessionario ", "2026-12-31")
            .check(now, chrono_tz::Europe::Rome)
            .map_err(|e| e.in_english());
        assert_eq!(
            checked,
            Ok(CheckedOverride {
                weight: 1.5,
                reason: "Lancio nuovo concessionario".into(),
                // Midnight in Rome (UTC+1 in winter) is 23:00 UTC.
                expires_at: at("2026-12-31 23:00:00"),
            })
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let now = at("2026-12-07 09:00:00");
        let errors = form("0", "", "2026-12-01")
            .check(now, chrono_tz::Europe::Rome)
            .err()
            .unwrap_or_default();
        assert_eq!(
            errors.get("weight").map(|e| e.key),
            Some("override-error-weight")
        );
        assert_eq!(
            errors.get("reason").map(|e| e.key),
            Some("override-error-reason")
        );
        assert_eq!(
            errors.get("until").map(|e| e.key),
            Some("override-error-until-past")
        );
        let far = form("2", "x", "2028-01-01").check(now, chrono_tz::Europe::Rome);
        assert!(far.is_err_and(|e| {
            e.get("until")
                .is_some_and(|e| e.key == "override-error-until-far")
        }));
        let nan = form("NaN", "x", "2026-12-31").check(now, chrono_tz::Europe::Rome);
        assert!(nan.is_err());
    }
}
