//! Campaigns as managers set them up: each campaign code touchpoints carry gets a name and
//! a channel (the channel its spend counts under), and a spend per month. Codes that
//! touchpoints carry but nobody set up are listed for a manager to name.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::db::DbConnection;
use crate::domain::MessageKey;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::attribution::unknown_campaigns;
use crate::models::campaign::{Campaign, CampaignSpend};
use crate::services::audit::{self, Actor};

/// How many months of spend the page shows.
pub const MONTHS_SHOWN: usize = 12;

/// A month's spend: cents, and the currency's code.
pub type MonthSpend = (i64, String);

/// The campaigns page.
#[derive(Debug, Clone)]
pub struct CampaignsView {
    /// The months shown, newest first (`YYYY-MM`).
    pub months: Vec<String>,
    /// Each campaign with its spend in each month shown.
    pub campaigns: Vec<(Campaign, Vec<Option<MonthSpend>>)>,
    /// Codes touchpoints carry that no campaign is set up for, with their touchpoints.
    pub unknown: Vec<(String, i64)>,
}

impl CampaignsView {
    pub fn load(conn: &mut DbConnection, today: NaiveDate) -> Result<Self, AppError> {
        let mut months = Vec::with_capacity(MONTHS_SHOWN);
        let (mut y, mut m) = (today.year(), today.month());
        for _ in 0..MONTHS_SHOWN {
            months.push(format!("{y:04}-{m:02}"));
            (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
        }
        let first = months.last().cloned().unwrap_or_default();
        let last = months.first().cloned().unwrap_or_default();
        let spend = CampaignSpend::between(conn, &first, &last)?;
        let campaigns = Campaign::all(conn)?
            .into_iter()
            .map(|c| {
                let by_month = months
                    .iter()
                    .map(|month| {
                        spend
                            .iter()
                            .find(|s| s.campaign_id == c.id && &s.month == month)
                            .map(|s| (s.amount_cents, s.currency.clone()))
                    })
                    .collect();
                (c, by_month)
            })
            .collect();
        Ok(Self {
            months,
            campaigns,
            unknown: unknown_campaigns(conn)?,
        })
    }
}

/// A campaign set up (or renamed, or moved to another channel) by a manager.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub name: String,
}

/// A campaign's spend in one month, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SpendForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub amount: String,
    /// The language the amount was typed in (`it` reads `1.250,50`).
    #[serde(default)]
    pub lang: String,
}

/// Saves a campaign; `Err` holds the message key of what is wrong with the form.
pub fn save_campaign(
    conn: &mut DbConnection,
    form: &CampaignForm,
    actor: &Actor,
) -> Result<Result<(), MessageKey>, AppError> {
    let code = form.code.trim();
    let channel = form.channel.trim().to_lowercase();
    let name = form.name.trim();
    if code.is_empty() || code.chars().count() > 200 {
        return Ok(Err("notice-campaign-error-code"));
    }
    if channel.is_empty() || channel.chars().count() > 50 {
        return Ok(Err("notice-campaign-error-channel"));
    }
    if name.is_empty() || name.chars().count() > 200 {
        return Ok(Err("notice-campaign-error-name"));
    }
    Campaign::save(conn, code, &channel, name)?;
    audit::record(
        conn,
        actor,
        "campaign_saved",
        ("campaign", code),
        &format!("channel {channel}, name {name}"),
    )?;
    Ok(Ok(()))
}

/// Sets a campaign's spend for a month; `Err` holds the message key of what is wrong.
pub fn save_spend(
    conn: &mut DbConnection,
    form: &SpendForm,
    actor: &Actor,
) -> Result<Result<(), MessageKey>, AppError> {
    let Some(campaign) = Campaign::find_by_code(conn, form.code.trim())? else {
        return Ok(Err("notice-campaign-error-unknown"));
    };
    let Ok(month) = super::currency::parse_month(&form.month) else {
        return Ok(Err("notice-campaign-error-month"));
    };
    let locale = Locale::ALL
        .into_iter()
        .find(|l| l.as_str() == form.lang)
        .unwrap_or_default();
    let cents = match crate::domain::feedback_fields::parse_amount(&form.amount, locale) {
        Ok(c) => c,
        Err(_) => return Ok(Err("notice-campaign-error-amount")),
    };
    CampaignSpend::set(
        conn,
        &CampaignSpend {
            campaign_id: campaign.id,
            month: month.clone(),
            amount_cents: cents,
            currency: "EUR".into(),
        },
    )?;
    audit::record(
        conn,
        actor,
        "campaign_spend_set",
        ("campaign", &campaign.code),
        &format!("{month}: {cents} cents"),
    )?;
    Ok(Ok(()))
}
