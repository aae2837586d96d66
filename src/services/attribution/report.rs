//! The channel manager's attribution report: per channel, campaign or source/medium,
//! for a period and a scope of leads, under one model — leads, acceptance, wins and
//! revenue as the model credits them, against the spend, with what dealers said of the
//! leads' quality.
//!
//! Every lead counts once, split over its journey's touches by the model (so a lead two
//! channels brought counts half to each, under linear): leads, accepted and won are these
//! shares summed. Revenue is the stored credits of won outcomes (integer cents that sum
//! exactly to the revenue); money is in the base currency, EUR: revenue and spend in
//! other currencies are converted at their month's rate (see [`super::currency`]), and
//! what has no rate is left out and listed. Spend counts the whole months the period
//! touches.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use rustc_hash::FxHashMap;

use super::credits::{conversion_time, markov_touch_shares};
use super::currency::{Conversions, Rates};
use super::models::{Journey, Model, Settings, Touch, shares};
use crate::db::DbConnection;
use crate::domain::{Currency, FeedbackOutcome, LeadStatus};
use crate::error::AppError;
use crate::models::attribution::{
    self as stored, LeadScope, ReportFeedback, ReportLead, ReportTouch, RunChannelRow, RunRow,
};
use crate::models::campaign::{Campaign, CampaignSpend};

/// What a report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dimension {
    #[default]
    Channel,
    Campaign,
    SourceMedium,
}

impl Dimension {
    pub const ALL: [Dimension; 3] = [
        Dimension::Channel,
        Dimension::Campaign,
        Dimension::SourceMedium,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Channel => "channel",
            Dimension::Campaign => "campaign",
            Dimension::SourceMedium => "source_medium",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// The key of the touches without a value for a dimension (no campaign; or a lead
/// without touchpoints).
pub const NONE: &str = "(none)";

/// A report's question.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFilter {
    pub model: Model,
    pub dimension: Dimension,
    pub scope: LeadScope,
}

mod row;

use row::Facts;
pub use row::ReportRow;

/// The report: its rows (largest revenue first), their totals, and what it rests on.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub rows: Vec<ReportRow>,
    pub totals: ReportRow,
    /// Revenue and spend in other currencies: converted, and left out for lack of a rate.
    pub currencies: Conversions,
    /// The Markov run the data-driven model's credits come from.
    pub run: Option<(RunRow, Vec<RunChannelRow>)>,
    /// Months whose spend counts (`YYYY-MM`, first and last).
    pub spend_months: (String, String),
}

/// A touch's key in `dimension`.
fn key_of(t: &ReportTouch, dimension: Dimension) -> String {
    match dimension {
        Dimension::Channel => t.channel.clone(),
        Dimension::Campaign => t.campaign.clone().unwrap_or_else(|| NONE.to_owned()),
        Dimension::SourceMedium => format!(
            "{} / {}",
            t.source.as_deref().unwrap_or(NONE),
            t.medium.as_deref().unwrap_or(NONE)
        ),
    }
}

/// Everything a report reads, owned.
pub struct Loaded {
    pub leads: Vec<ReportLead>,
    pub touches: Vec<ReportTouch>,
    pub accepted: FxHashMap<i64, NaiveDateTime>,
    pub feedback: Vec<ReportFeedback>,
    pub credits: Vec<crate::models::attribution::CreditRow>,
    pub campaigns: Vec<Campaign>,
    pub spend: Vec<CampaignSpend>,
    pub run: Option<(RunRow, Vec<RunChannelRow>)>,
    pub spend_months: (String, String),
    pub rates: Rates,
}

impl Loaded {
    /// Reads what the report for `filter` needs.
    pub fn read(conn: &mut DbConnection, filter: &ReportFilter) -> Result<Self, AppError> {
        let leads = stored::report_leads(conn, &filter.scope)?;
        let run = RunRow::latest(conn)?;
        let until = filter.scope.until.date();
        let spend_months = (
            month(filter.scope.from.date()),
            month(until.pred_opt().unwrap_or(until)),
        );
        let campaigns = Campaign::all(conn)?;
        let spend = CampaignSpend::between(conn, &spend_months.0, &spend_months.1)?;
        let rates = Rates::load(conn)?;
        let (Some(first), Some(last)) = (leads.first().map(|l| l.id), leads.last().map(|l| l.id))
        else {
            return Ok(Self {
                leads,
                touches: Vec::new(),
                accepted: FxHashMap::default(),
                feedback: Vec::new(),
                credits: Vec::new(),
                campaigns,
                spend,
                run,
                spend_months,
                rates,
            });
        };
        Ok(Self {
            touches: stored::report_touches(conn, first, last)?,
            accepted: stored::report_acceptances(conn, first, last)?
                .into_iter()
                .filter_map(|(lead, at)| at.map(|at| (lead, at.get())))
                .collect(),
            feedback: stored::report_feedback(conn, first, last)?,
            credits: stored::report_credits(conn, filter.model, first, last)?,
            leads,
            campaigns,
            spend,
            run,
            spend_months,
            rates,
        })
    }

    pub fn input(&self) -> Input<'_> {
        Input {
            leads: &self.leads,
            touches: &self.touches,
            accepted: &self.accepted,
            feedback: &self.feedback,
            credits: &self.credits,
            campaigns: &self.campaigns,
            spend: &self.spend,
            rates: &self.rates,
            channel_shares: self
                .run
                .as_ref()
                .map(|(_, c)| c.iter().map(|c| (c.channel.clone(), c.share)).collect())
                .unwrap_or_default(),
        }
    }
}

/// Reads and computes the report for `filter` at `now`.
pub fn load(
    conn: &mut DbConnection,
    filter: &ReportFilter,
    settings: &Settings,
    now: NaiveDateTime,
) -> Result<Report, AppError> {
    let loaded = Loaded::read(conn, filter)?;
    let mut report = compute(&loaded.input(), filter, settings, now);
    report.run = loaded.run;
    report.spend_months = loaded.spend_months;
    Ok(report)
}

pub fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// What [`compute`] works on, read by [`load`].
pub struct Input<'a> {
    pub leads: &'a [ReportLead],
    /// By lead id, then time.
    pub touches: &'a [ReportTouch],
    pub accepted: &'a FxHashMap<i64, NaiveDateTime>,
    /// By lead id.
    pub feedback: &'a [ReportFeedback],
    /// By lead id, then slot.
    pub credits: &'a [crate::models::attribution::CreditRow],
    pub campaigns: &'a [Campaign],
    pub spend: &'a [CampaignSpend],
    pub rates: &'a Rates,
    pub channel_shares: Vec<(String, f64)>,
}

/// One lead as the report split it: its share of each key under the model, its revenue
/// credited to each key (EUR), and what the checks page groups it by.
#[derive(Debug, Clone, Default)]
pub struct LeadSplit {
    pub by_key: Vec<(String, f64)>,
    pub revenue_by_key: Vec<(String, i64)>,
    pub won: bool,
    pub grade: Option<String>,
    pub score: Option<i32>,
    /// The month of the conversion (`YYYY-MM`), for won leads.
    pub close_month: Option<String>,
    /// The channel of the journey's first touch.
    pub first_channel: Option<String>,
    /// How the customer said they first heard of us (the latest submitted answer).
    pub first_heard: Option<crate::domain::feedback_fields::FirstHeard>,
}

/// The report over `input`: pure, so it is tested without a database.
pub fn compute(
    input: &Input<'_>,
    filter: &ReportFilter,
    settings: &Settings,
    now: NaiveDateTime,
) -> Report {
    compute_with_splits(input, filter, settings, now).0
}

/// The report over `input`, with each lead's split (for [`super::checks`]).
pub fn compute_with_splits(
    input: &Input<'_>,
    filter: &ReportFilter,
    settings: &Settings,
    now: NaiveDateTime,
) -> (Report, Vec<LeadSplit>) {
    let dimension = filter.dimension;
    let mut splits = Vec::with_capacity(input.leads.len());
    let mut rows: FxHashMap<String, ReportRow> = FxHashMap::default();
    let mut currencies = Conversions::default();
    let (mut t_at, mut f_at, mut c_at) = (0, 0, 0);
    for lead in input.leads {
        let own_touches = take(input.touches, &mut t_at, lead.id, |t| t.lead_id);
        let own_feedback = take(input.feedback, &mut f_at, lead.id, |f| f.lead_id);
        let own_credits = take(input.credits, &mut c_at, lead.id, |c| c.lead_id);
        let won = lead.outcome == Some(FeedbackOutcome::Won);
        let converted_at = match (won, lead.recorded_at) {
            (true, Some(at)) => conversion_time(lead.close_date, at.get()),
            _ => now,
        };
        let journey: Vec<&ReportTouch> = own_touches
            .iter()
            .filter(|t| t.occurred_at.get() <= converted_at)
            .collect();
        let facts = Facts {
            open_quote_cents: if lead.status == LeadStatus::QuoteSent {
                lead.quote_cents.unwrap_or(0)
            } else {
                0
            },
            accepted: input.accepted.contains_key(&lead.id)
                || matches!(
                    lead.status,
                    LeadStatus::Accepted
                        | LeadStatus::Contacted
                        | LeadStatus::QuoteSent
                        | LeadStatus::Won
                ),
            won,
            days_to_close: won
                .then(|| (converted_at - lead.received_at.get()).num_seconds() as f64 / 86_400.0)
                .map(|d| d.max(0.0)),
            feedback: own_feedback,
        };
        let mut split = LeadSplit {
            won,
            grade: lead.grade.clone(),
            score: lead.score,
            close_month: won.then(|| month(converted_at.date())),
            first_channel: journey.first().map(|t| t.channel.clone()),
            first_heard: own_feedback.iter().rev().find_map(|f| f.first_heard),
            ..LeadSplit::default()
        };
        // The lead, split over its journey's keys by the model.
        if journey.is_empty() {
            rows.entry(NONE.to_owned())
                .or_insert_with(|| row(NONE))
                .add_lead(1.0, &facts);
            split.by_key.push((NONE.to_owned(), 1.0));
        } else {
            let touches: Vec<Touch> = journey
                .iter()
                .map(|t| Touch {
                    occurred_at: t.occurred_at.get(),
                    channel: t.channel.clone(),
                })
                .collect();
            let lead_shares = match filter.model {
                Model::Markov => markov_touch_shares(&touches, &input.channel_shares),
                model => shares(
                    model,
                    &Journey {
                        touches: &touches,
                        received_at: lead.received_at.get(),
                        accepted_at: input.accepted.get(&lead.id).copied(),
                        converted_at,
                    },
                    settings,
                ),
            };
            let mut by_key: Vec<(String, f64)> = Vec::new();
            for (t, share) in journey.iter().zip(lead_shares) {
                let k = key_of(t, dimension);
                match by_key.iter_mut().find(|(key, _)| *key == k) {
                    Some((_, s)) => *s += share,
                    None => by_key.push((k, share)),
                }
            }
            for (k, share) in &by_key {
                rows.entry(k.clone())
                    .or_insert_with(|| row(k))
                    .add_lead(*share, &facts);
            }
            split.by_key = by_key;
        }
        // Revenue: the stored credits, in the base currency at the close month's rate.
        let credited = match (won, &split.close_month) {
            (true, Some(close_month)) => {
                let parts: Vec<i64> = own_credits.iter().map(|c| c.cents).collect();
                let currency = lead.currency.unwrap_or(Currency::Eur);
                currencies.convert_parts(input.rates, &parts, currency, close_month)
            }
            _ => None,
        };
        if let Some(parts) = credited {
            for (c, cents) in own_credits.iter().zip(parts) {
                let k = c
                    .touchpoint_id
                    .and_then(|id| own_touches.iter().find(|t| t.id == id))
                    .map_or_else(|| NONE.to_owned(), |t| key_of(t, dimension));
                rows.entry(k.clone())
                    .or_insert_with(|| row(&k))
                    .revenue_cents += cents;
                match split.revenue_by_key.iter_mut().find(|(key, _)| *key == k) {
                    Some((_, sum)) => *sum += cents,
                    None => split.revenue_by_key.push((k, cents)),
                }
            }
        }
        splits.push(split);
    }
    add_spend(&mut rows, input, dimension, &mut currencies);
    let mut totals = row("");
    for r in rows.values() {
        totals.leads += r.leads;
        totals.accepted += r.accepted;
        totals.won += r.won;
        totals.revenue_cents += r.revenue_cents;
        totals.pipeline_cents += r.pipeline_cents;
        totals.rated_weight += r.rated_weight;
        totals.rating_sum += r.rating_sum;
        totals.feedback_weight += r.feedback_weight;
        totals.unreached_weight += r.unreached_weight;
        totals.close_days.extend(r.close_days.iter().copied());
        for (k, v) in &r.lost {
            *totals.lost.entry(*k).or_default() += v;
        }
        for (k, v) in &r.competitors {
            *totals.competitors.entry(k.clone()).or_default() += v;
        }
        if let Some(s) = r.spend_cents {
            *totals.spend_cents.get_or_insert(0) += s;
        }
    }
    // Won leads are counted once in the totals' median, not once per row.
    totals.close_days = input
        .leads
        .iter()
        .filter(|l| l.outcome == Some(FeedbackOutcome::Won))
        .filter_map(|l| {
            let at = conversion_time(l.close_date, l.recorded_at?.get());
            Some(((at - l.received_at.get()).num_seconds() as f64 / 86_400.0).max(0.0))
        })
        .collect();
    let (all_leads, all_revenue) = (totals.leads, totals.revenue_cents);
    let mut rows: Vec<ReportRow> = rows.into_values().collect();
    for r in &mut rows {
        r.finish(all_leads, all_revenue);
        if dimension == Dimension::Campaign {
            r.label = input
                .campaigns
                .iter()
                .find(|c| c.code == r.key)
                .map(|c| c.name.clone());
        }
    }
    totals.finish(all_leads, all_revenue);
    rows.sort_by(|a, b| {
        b.revenue_cents
            .cmp(&a.revenue_cents)
            .then_with(|| b.leads.total_cmp(&a.leads))
            .then_with(|| a.key.cmp(&b.key))
    });
    (
        Report {
            rows,
            totals,
            currencies: currencies.sorted(),
            run: None,
            spend_months: (String::new(), String::new()),
        },
        splits,
    )
}

fn row(key: &str) -> ReportRow {
    ReportRow {
        key: key.to_owned(),
        ..ReportRow::default()
    }
}

/// The items of `all` (sorted by lead) for `lead`, from `at` on; moves `at` past them.
fn take<'a, T>(all: &'a [T], at: &mut usize, lead: i64, of: impl Fn(&T) -> i64) -> &'a [T] {
    while *at < all.len() && of(&all[*at]) < lead {
        *at += 1;
    }
    let start = *at;
    while *at < all.len() && of(&all[*at]) == lead {
        *at += 1;
    }
    &all[start..*at]
}

/// Spend per row: a campaign's own; a channel's, its campaigns' (by the channel they are
/// set up under), in the base currency at the month's rate.
fn add_spend(
    rows: &mut FxHashMap<String, ReportRow>,
    input: &Input<'_>,
    dimension: Dimension,
    currencies: &mut Conversions,
) {
    if dimension == Dimension::SourceMedium {
        return;
    }
    for s in input.spend {
        let Some(campaign) = input.campaigns.iter().find(|c| c.id == s.campaign_id) else {
            continue;
        };
        let Some(cents) = spend_in_base(s, input.rates, currencies) else {
            continue;
        };
        let k = match dimension {
            Dimension::Channel => campaign.channel.clone(),
            _ => campaign.code.clone(),
        };
        let r = rows.entry(k.clone()).or_insert_with(|| row(&k));
        *r.spend_cents.get_or_insert(0) += cents;
    }
}

/// A month's spend in base cents at the month's rate, noted in `currencies`; `None`
/// without a rate (or in a currency the portal does not know).
pub fn spend_in_base(
    spend: &CampaignSpend,
    rates: &Rates,
    currencies: &mut Conversions,
) -> Option<i64> {
    let currency: Currency = spend.currency.parse().ok()?;
    currencies.convert(rates, spend.amount_cents, currency, &spend.month)
}

/// The id of the dealer with `code` (as a manager types it), if there is one.
pub fn dealer_by_code(conn: &mut DbConnection, code: &str) -> Result<Option<i64>, AppError> {
    Ok(
        crate::models::dealer::Dealer::find_by_code(conn, &code.trim().to_uppercase())?
            .map(|d| d.id),
    )
}

/// The first instant of `day` and of the day after `last` (a period's bounds).
pub fn period(first: NaiveDate, last: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let midnight = NaiveTime::MIN;
    (
        first.and_time(midnight),
        last.succ_opt().unwrap_or(last).and_time(midnight),
    )
}

/// The same scope under every model: per key, the revenue each model credits (the
/// model comparison), read once (the credits once per model). Rows in the order of the
/// first model's revenue.
pub fn compare_models(
    conn: &mut DbConnection,
    filter: &ReportFilter,
    settings: &Settings,
    now: NaiveDateTime,
) -> Result<Vec<(String, Vec<i64>)>, AppError> {
    let mut loaded = Loaded::read(conn, filter)?;
    let (first, last) = (
        loaded.leads.first().map_or(0, |l| l.id),
        loaded.leads.last().map_or(-1, |l| l.id),
    );
    let mut by_key: Vec<(String, Vec<i64>)> = Vec::new();
    for (i, &model) in Model::ALL.iter().enumerate() {
        loaded.credits = stored::report_credits(conn, model, first, last)?;
        let wanted = ReportFilter {
            model,
            ..filter.clone()
        };
        let report = compute(&loaded.input(), &wanted, settings, now);
        for r in report.rows {
            match by_key.iter_mut().find(|(k, _)| *k == r.key) {
                Some((_, v)) => v[i] = r.revenue_cents,
                None => {
                    let mut v = vec![0; Model::ALL.len()];
                    v[i] = r.revenue_cents;
                    by_key.push((r.key, v));
                }
            }
        }
    }
    by_key.sort_by(|a, b| b.1[0].cmp(&a.1[0]).then_with(|| a.0.cmp(&b.0)));
    Ok(by_key)
}
