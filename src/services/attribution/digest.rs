//! The weekly digest for channel managers: the past week's leads, wins and revenue per
//! channel, the dealers whose feedback is overdue, and what changed most against the week
//! before. Sent on Monday morning (in the portal's time zone) to every active channel
//! manager who has not turned it off, once per week whatever the number of instances.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};

use super::models::{Model, Settings};
use super::report::{self, Dimension, ReportFilter};
use crate::db::DbConnection;
use crate::email::{self, DigestEmail, DigestLine};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::attribution::{LeadScope, claim_digest_week};
use crate::models::dealer::Dealer;
use crate::models::dealer_figures;
use crate::models::token::DigestLink;
use crate::models::user::User;
use crate::services::audit::{self, Actor};
use crate::services::feedback::views::OVERDUE_AFTER_DAYS;
use crate::services::tokens;

/// The model the digest credits revenue with (the one that needs no run, and the one a
/// reader can check by hand).
pub const MODEL: Model = Model::Linear;

/// The hour (local) from which Monday's digest goes out.
pub const SEND_FROM_HOUR: u32 = 7;

/// What the digest says of one week.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekFigures {
    /// The Monday the week starts.
    pub week_start: NaiveDate,
    pub leads: f64,
    pub won: f64,
    pub revenue_cents: i64,
    /// Per channel: revenue this week and the week before, most this week first.
    pub channels: Vec<(String, i64, i64)>,
    /// Dealers with overdue feedback: (name, code, forms), most first (at most 10).
    pub overdue: Vec<(String, String, i64)>,
}

impl WeekFigures {
    /// The channel whose revenue moved most against the week before, with both weeks.
    pub fn biggest_change(&self) -> Option<&(String, i64, i64)> {
        self.channels
            .iter()
            .filter(|(_, now, before)| now != before)
            .max_by_key(|(_, now, before)| (now - before).abs())
    }
}

/// The Monday of the week `day` is in.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The figures of the week before the one starting `this_monday`, read at `now`.
pub fn week_figures(
    conn: &mut DbConnection,
    this_monday: NaiveDate,
    settings: &Settings,
    now: NaiveDateTime,
) -> Result<WeekFigures, AppError> {
    let week_start = this_monday - TimeDelta::days(7);
    let filter = |from: NaiveDate, by_close_date: bool| {
        let (from, until) = report::period(from, from + TimeDelta::days(6));
        ReportFilter {
            model: MODEL,
            dimension: Dimension::Channel,
            scope: LeadScope {
                from,
                until,
                by_close_date,
                ..LeadScope::default()
            },
        }
    };
    let received = report::load(conn, &filter(week_start, false), settings, now)?;
    let closed = report::load(conn, &filter(week_start, true), settings, now)?;
    let before = report::load(
        conn,
        &filter(week_start - TimeDelta::days(7), true),
        settings,
        now,
    )?;
    let mut channels: Vec<(String, i64, i64)> = closed
        .rows
        .iter()
        .map(|r| (r.key.clone(), r.revenue_cents, 0))
        .collect();
    for r in &before.rows {
        match channels.iter_mut().find(|(k, _, _)| *k == r.key) {
            Some(c) => c.2 = r.revenue_cents,
            None => channels.push((r.key.clone(), 0, r.revenue_cents)),
        }
    }
    channels.retain(|(_, now, before)| *now != 0 || *before != 0);
    channels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut overdue = Vec::new();
    let mut counts = dealer_figures::overdue(conn, now, now - TimeDelta::days(OVERDUE_AFTER_DAYS))?;
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (dealer_id, forms) in counts.into_iter().take(10) {
        let dealer = Dealer::find(conn, dealer_id)?;
        overdue.push((dealer.name, dealer.code, forms));
    }
    Ok(WeekFigures {
        week_start,
        leads: received.totals.leads,
        won: closed.totals.won,
        revenue_cents: closed.totals.revenue_cents,
        channels,
        overdue,
    })
}

/// Sends the digest when it is due at `now` (Monday from [`SEND_FROM_HOUR`] in `tz`, not
/// yet sent this week): queued in the caller's transaction for every recipient. Returns
/// how many digests were queued.
pub fn send_due(
    conn: &mut DbConnection,
    settings: &Settings,
    tz: chrono_tz::Tz,
    base_url: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let local = now.and_utc().with_timezone(&tz).naive_local();
    if local.weekday() != chrono::Weekday::Mon || local.hour() < SEND_FROM_HOUR {
        return Ok(0);
    }
    let this_monday = monday_of(local.date());
    let recipients = User::digest_recipients(conn)?;
    let count = i64::try_from(recipients.len()).unwrap_or(i64::MAX);
    if !claim_digest_week(conn, this_monday, now, count)? {
        return Ok(0);
    }
    let figures = week_figures(conn, this_monday, settings, now)?;
    for user in &recipients {
        let locale = user
            .locale
            .as_deref()
            .and_then(|l| Locale::ALL.into_iter().find(|x| x.as_str() == l))
            .unwrap_or_default();
        let secret = tokens::random_secret();
        DigestLink::insert(
            conn,
            &tokens::hash_secret(&secret),
            user.id,
            now,
            now + TimeDelta::days(UNSUBSCRIBE_LINK_DAYS),
        )?;
        let mut mail = digest_email(&figures, locale, base_url);
        mail.unsubscribe_link = format!("{base_url}/digest/off/{secret}");
        email::enqueue(conn, &user.email, &mail)?;
    }
    Ok(recipients.len())
}

/// How long the link in a digest that turns it off keeps working.
pub const UNSUBSCRIBE_LINK_DAYS: i64 = 60;

/// The user the digest link with `secret` turns the digest off for, if the link works.
pub fn unsubscribe_user(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<i64>, AppError> {
    if secret.len() != 43 {
        return Ok(None);
    }
    Ok(DigestLink::user_of(
        conn,
        &tokens::hash_secret(secret),
        now,
    )?)
}

/// Turns the digest off for the user of the link with `secret` (once; audited). `false`:
/// the link does not work (unknown, used or expired).
pub fn unsubscribe(
    conn: &mut DbConnection,
    secret: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let Some(user_id) = unsubscribe_user(conn, secret, now)? else {
        return Ok(false);
    };
    if !DigestLink::mark_used(conn, &tokens::hash_secret(secret), now)? {
        return Ok(false);
    }
    set_digest(conn, user_id, false, actor)?;
    Ok(true)
}

fn digest_email(f: &WeekFigures, locale: Locale, base_url: &str) -> DigestEmail {
    let money = |c: i64| locale.money_eur(c);
    let channel = |c: &str| c.replace('_', " ");
    DigestEmail {
        locale,
        week: f.week_start.format("%d/%m/%Y").to_string(),
        leads: format!("{:.0}", f.leads),
        won: format!("{:.0}", f.won),
        revenue: money(f.revenue_cents),
        channels: f
            .channels
            .iter()
            .map(|(c, now, before)| DigestLine {
                label: channel(c),
                value: money(*now),
                note: money(*before),
            })
            .collect(),
        overdue: f
            .overdue
            .iter()
            .map(|(name, code, forms)| DigestLine {
                label: format!("{name} ({code})"),
                value: forms.to_string(),
                note: String::new(),
            })
            .collect(),
        biggest_change: f.biggest_change().map(|(c, now, before)| DigestLine {
            label: channel(c),
            value: money(*now),
            note: money(*before),
        }),
        report_link: format!("{base_url}/attribution"),
        settings_link: format!("{base_url}/account/digest"),
        unsubscribe_link: String::new(),
    }
}

/// Whether the user gets the weekly digest.
pub fn wants_digest(conn: &mut DbConnection, user_id: i64) -> Result<bool, AppError> {
    Ok(User::wants_digest(conn, user_id)?)
}

/// Turns the user's weekly digest on or off (audited).
pub fn set_digest(
    conn: &mut DbConnection,
    user_id: i64,
    on: bool,
    actor: &Actor,
) -> Result<(), AppError> {
    User::set_weekly_digest(conn, user_id, on)?;
    audit::record(
        conn,
        actor,
        if on { "digest_on" } else { "digest_off" },
        ("user", &user_id.to_string()),
        "",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    #[test]
    fn the_week_starts_on_monday_and_the_biggest_change_is_in_either_direction() {
        let thursday = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        assert_eq!(
            monday_of(thursday),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        let f = WeekFigures {
            week_start: thursday,
            leads: 0.0,
            won: 0.0,
            revenue_cents: 0,
            channels: vec![
                ("email".into(), 5_000, 4_000),
                ("trade_fair".into(), 0, 9_000),
                ("webinar".into(), 100, 100),
            ],
            overdue: vec![],
        };
        assert_eq!(f.biggest_change().unwrap().0, "trade_fair");
    }
}
