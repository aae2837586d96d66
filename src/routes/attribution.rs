//! The channel manager's attribution pages: the report per channel, campaign or
//! source/medium under a chosen model (and as CSV), the same channels under all eight
//! models, the data-driven model's runs (and running it now), and the campaigns with
//! their spend (and the codes nobody has set up yet).

use std::borrow::Borrow;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate, TimeDelta};
use serde::Deserialize;

use super::{html, see_other_with_notice};
use crate::domain::feedback_fields::FirstHeard;
use crate::domain::{Currency, RegionKey};
use crate::error::AppError;
use crate::models::attribution::{LeadScope, RunChannelRow, RunRow};
use crate::models::dealer::Dealer;
use crate::services::attribution::report::{self, Dimension, Report, ReportFilter, ReportRow};
use crate::services::attribution::{Model, campaigns, checks, runs};
use crate::services::audit;
use crate::services::csv_export::cell;
use crate::web::charts::{GroupedBarChart, LineChart, Series};
use crate::web::{AppState, Page, Staff};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/attribution", report_page)
        .get("/attribution.csv", report_csv)
        .get("/attribution/models", models_page)
        .get("/attribution/checks", checks_page)
        .post("/attribution/runs", run_now)
        .get("/campaigns", campaigns_page)
        .post("/campaigns", save_campaign)
        .post("/campaigns/spend", save_spend)
        .get("/account/digest", digest_page)
        .post("/account/digest", save_digest);
}

/// The report's filters as the address carries them.
#[derive(Debug, Clone, Default, Deserialize)]
struct ReportParams {
    #[serde(default)]
    model: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    dealer: String,
    #[serde(default)]
    grade: String,
}

/// The filters, checked: what the report shows, and what the form shows again.
#[derive(Debug, Clone)]
struct Checked {
    model: Model,
    dimension: Dimension,
    from: NaiveDate,
    to: NaiveDate,
    by_close_date: bool,
    line: String,
    region: String,
    dealer: String,
    grade: String,
    /// Message keys of the filters that were not understood (the default was used).
    problems: Vec<&'static str>,
}

impl ReportParams {
    fn check(self, today: NaiveDate) -> Checked {
        let mut problems = Vec::new();
        let model = match self.model.as_str() {
            "" => Model::Linear,
            m => m.parse().unwrap_or_else(|_| {
                problems.push("attribution-error-model");
                Model::Linear
            }),
        };
        let dimension = Dimension::parse(&self.by).unwrap_or_default();
        let date = |s: &str, default: NaiveDate, problems: &mut Vec<&'static str>| {
            if s.trim().is_empty() {
                return default;
            }
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").unwrap_or_else(|_| {
                problems.push("attribution-error-date");
                default
            })
        };
        let year_ago = today - TimeDelta::days(365);
        let mut from = date(&self.from, year_ago, &mut problems);
        let mut to = date(&self.to, today, &mut problems);
        if from > to {
            problems.push("attribution-error-period");
            (from, to) = (to, from);
        }
        Checked {
            model,
            dimension,
            from,
            to,
            by_close_date: self.basis == "closed",
            line: self.line.trim().to_owned(),
            region: self.region.trim().to_owned(),
            dealer: self.dealer.trim().to_owned(),
            grade: self.grade.trim().to_owned(),
            problems,
        }
    }
}

impl Checked {
    /// The service's filter; the dealer is looked up by its code (unknown: no leads).
    fn filter(&self, conn: &mut crate::db::DbConnection) -> Result<ReportFilter, AppError> {
        let (from, until) = report::period(self.from, self.to);
        let dealer_id = if self.dealer.is_empty() {
            None
        } else {
            Some(Dealer::find_by_code(conn, &self.dealer.to_uppercase())?.map_or(-1, |d| d.id))
        };
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Ok(ReportFilter {
            model: self.model,
            dimension: self.dimension,
            scope: LeadScope {
                from,
                until,
                by_close_date: self.by_close_date,
                product_line: text(&self.line),
                region_key: RegionKey::of(&self.region).map(|k| k.as_str().to_owned()),
                dealer_id,
                grade: text(&self.grade),
            },
        })
    }

    fn report_href(&self) -> String {
        self.href("/attribution", &[])
    }

    fn csv_href(&self) -> String {
        self.href("/attribution.csv", &[])
    }

    fn compare_href(&self) -> String {
        self.href("/attribution/models", &[])
    }

    fn checks_href(&self) -> String {
        self.href("/attribution/checks", &[])
    }

    /// The address of the report with these filters and `changes` (`key=value` pairs).
    fn href(&self, path: &str, changes: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("model", self.model.as_str().to_owned()),
            ("by", self.dimension.as_str().to_owned()),
            ("from", self.from.to_string()),
            ("to", self.to.to_string()),
            (
                "basis",
                if self.by_close_date {
                    "closed"
                } else {
                    "received"
                }
                .to_owned(),
            ),
            ("line", self.line.clone()),
            ("region", self.region.clone()),
            ("dealer", self.dealer.clone()),
            ("grade", self.grade.clone()),
        ];
        for (k, v) in changes {
            if let Some(p) = pairs.iter_mut().find(|(key, _)| key == k) {
                p.1 = (*v).to_owned();
            }
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(k, v);
        }
        format!("{path}?{}", query.finish())
    }
}

#[derive(Template)]
#[template(path = "attribution/report.html")]
struct ReportPage {
    page: Page,
    filter: Checked,
    result: Report,
    models: &'static [Model],
    dimensions: [Dimension; 3],
}

impl ReportPage {
    fn count(&self, x: &f64) -> String {
        self.page.decimal(*x, 1)
    }

    fn percent(&self, x: &f64) -> String {
        format!("{} %", self.page.decimal(*x * 100.0, 1))
    }

    fn opt_percent(&self, x: impl Borrow<Option<f64>>) -> String {
        x.borrow()
            .map_or_else(|| "—".to_owned(), |x| self.percent(&x))
    }

    fn opt_money(&self, cents: impl Borrow<Option<i64>>) -> String {
        cents
            .borrow()
            .map_or_else(|| "—".to_owned(), |c| self.page.money(&c))
    }

    fn spend_months(&self) -> String {
        let (first, last) = &self.result.spend_months;
        self.page.t1(
            "attribution-spend-months",
            "months",
            format!("{first} – {last}"),
        )
    }

    /// Revenue won in another currency than the table's.
    fn other_currency(&self, other: &(Currency, i64)) -> String {
        self.page.t1(
            "attribution-other-currency",
            "amount",
            self.page.money_in(Some(other.1), other.0.as_str()),
        )
    }

    /// Cents split by shares, to the nearest cent (for display).
    fn whole(&self, cents: impl Borrow<f64>) -> i64 {
        cents.borrow().round() as i64
    }

    fn pipeline(&self, cents: impl Borrow<f64>) -> String {
        self.page.money(&self.whole(cents))
    }

    fn ratio(&self, x: impl Borrow<Option<f64>>) -> String {
        x.borrow()
            .map_or_else(|| "—".to_owned(), |x| self.page.decimal(x, 2))
    }

    fn days(&self, x: impl Borrow<Option<f64>>) -> String {
        x.borrow()
            .map_or_else(|| "—".to_owned(), |x| self.page.decimal(x, 0))
    }

    fn rating(&self, x: impl Borrow<Option<f64>>) -> String {
        x.borrow()
            .map_or_else(|| "—".to_owned(), |x| self.page.decimal(x, 1))
    }

    fn lost(&self, row: &ReportRow) -> String {
        row.top_lost_reasons
            .iter()
            .map(|(r, _)| self.page.t(&format!("feedback-lost-{}", r.as_str())))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn competitors(&self, row: &ReportRow) -> String {
        row.top_competitors
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn key_label(&self, row: &ReportRow) -> String {
        match (&row.label, self.filter.dimension) {
            (Some(name), _) => format!("{name} ({})", row.key),
            (None, Dimension::Channel) => self.page.channel(&row.key),
            (None, _) => row.key.clone(),
        }
    }

    fn model_name(&self, m: &Model) -> String {
        self.page.t(&format!("model-{}", m.as_str()))
    }

    fn run_channels(&self) -> &[RunChannelRow] {
        self.result.run.as_ref().map_or(&[], |(_, c)| c.as_slice())
    }

    fn latest_run(&self) -> Option<&RunRow> {
        self.result.run.as_ref().map(|(r, _)| r)
    }
}

async fn load_report(
    state: &AppState,
    params: ReportParams,
) -> Result<(Checked, Report), AppError> {
    let now = crate::db::now();
    let checked = params.check(now.date());
    let settings = state.attribution();
    let wanted = checked.clone();
    let report = state
        .db
        .read(move |conn| {
            let filter = wanted.filter(conn)?;
            report::load(conn, &filter, &settings, now)
        })
        .await?;
    Ok((checked, report))
}

async fn report_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let (filter, report) = load_report(&state, query.into_inner()).await?;
    html(&ReportPage {
        page,
        filter,
        result: report,
        models: Model::ALL,
        dimensions: Dimension::ALL,
    })
}

/// The report's rows as CSV (formula-safe), with the filters in the file name.
async fn report_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let (filter, report) = load_report(&state, query.into_inner()).await?;
    let body = report_to_csv(&report, &filter)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"attribution-{}-{}-{}-{}.csv\"",
                filter.model.as_str(),
                filter.dimension.as_str(),
                filter.from,
                filter.to
            ),
        ))
        .body(body))
}

fn report_to_csv(report: &Report, filter: &Checked) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(e.into());
    out.write_record([
        filter.dimension.as_str(),
        "name",
        "model",
        "leads",
        "lead_share",
        "accepted",
        "won",
        "conversion_rate",
        "revenue_eur",
        "revenue_share",
        "pipeline_eur",
        "spend_eur",
        "roi",
        "roas",
        "pipeline_to_spend",
        "cost_per_lead_eur",
        "cac_eur",
        "median_days_to_close",
        "mean_lead_rating",
        "never_reached_rate",
        "top_lost_reasons",
        "top_competitors",
    ])
    .map_err(fail)?;
    let euros = |c: i64| format!("{:.2}", c as f64 / 100.0);
    let opt =
        |x: Option<f64>, places: usize| x.map_or_else(String::new, |x| format!("{x:.places$}"));
    for r in report.rows.iter().chain(std::iter::once(&report.totals)) {
        let key = if r.key.is_empty() { "(total)" } else { &r.key };
        out.write_record([
            cell(key),
            cell(r.label.as_deref().unwrap_or("")),
            filter.model.as_str().to_owned(),
            format!("{:.4}", r.leads),
            format!("{:.6}", r.lead_share),
            format!("{:.4}", r.accepted),
            format!("{:.4}", r.won),
            opt(r.conversion_rate(), 6),
            euros(r.revenue_cents),
            format!("{:.6}", r.revenue_share),
            format!("{:.2}", r.pipeline_cents / 100.0),
            r.spend_cents.map_or_else(String::new, euros),
            opt(r.roi(), 4),
            opt(r.roas(), 4),
            opt(r.pipeline_ratio(), 4),
            r.cost_per_lead_cents().map_or_else(String::new, euros),
            r.cac_cents().map_or_else(String::new, euros),
            opt(r.median_days_to_close, 1),
            opt(r.mean_rating, 2),
            opt(r.unreached_rate, 4),
            r.top_lost_reasons
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            cell(
                &r.top_competitors
                    .iter()
                    .map(|(c, _)| c.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
        ])
        .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}

#[derive(Template)]
#[template(path = "attribution/models.html")]
struct ModelsPage {
    page: Page,
    filter: Checked,
    models: &'static [Model],
    /// Per key: the revenue credited under each model, in `models` order.
    rows: Vec<(String, Vec<i64>)>,
}

impl ModelsPage {
    fn model_name(&self, m: &Model) -> String {
        self.page.t(&format!("model-{}", m.as_str()))
    }

    fn chart(&self) -> String {
        GroupedBarChart {
            title: self.page.t("attribution-models-title"),
            series: self.models.iter().map(|m| self.model_name(m)).collect(),
            groups: self
                .rows
                .iter()
                .take(12)
                .map(|(k, v)| {
                    (
                        self.page.channel(k),
                        v.iter().map(|c| *c as f64 / 100.0).collect(),
                    )
                })
                .collect(),
            unit: " €".into(),
        }
        .render()
    }
}

/// The same rows under all eight models, side by side, with a grouped bar chart.
async fn models_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    let filter = query.into_inner().check(now.date());
    let settings = state.attribution();
    let wanted = filter.clone();
    let rows = state
        .db
        .read(move |conn| {
            let f = wanted.filter(conn)?;
            report::compare_models(conn, &f, &settings, now)
        })
        .await?;
    html(&ModelsPage {
        page,
        filter,
        models: Model::ALL,
        rows,
    })
}

#[derive(Template)]
#[template(path = "attribution/checks.html")]
struct ChecksPage {
    page: Page,
    filter: Checked,
    checks: checks::Checks,
}

impl ChecksPage {
    fn key_label(&self, key: &str) -> String {
        if self.filter.dimension == Dimension::Channel {
            self.page.channel(key)
        } else {
            key.to_owned()
        }
    }

    fn conversion(&self, cell: &checks::Cell) -> String {
        cell.conversion_rate().map_or_else(
            || "—".to_owned(),
            |r| format!("{} %", self.page.decimal(r * 100.0, 1)),
        )
    }

    fn per_lead(&self, cell: &checks::Cell) -> String {
        cell.revenue_per_lead_cents()
            .map_or_else(|| "—".to_owned(), |c| self.page.money(&c))
    }

    fn band(&self, band: &Option<i32>) -> String {
        checks::band_label(*band)
    }

    fn roi(&self, cell: &(i64, Option<i64>)) -> String {
        match cell.1.filter(|s| *s > 0) {
            Some(spend) => format!(
                "{} %",
                self.page
                    .decimal((cell.0 - spend) as f64 / spend as f64 * 100.0, 0)
            ),
            None => "—".to_owned(),
        }
    }

    fn answer(&self, a: &FirstHeard) -> String {
        self.page.t(&format!("feedback-heard-{}", a.as_str()))
    }

    fn trend_chart(&self) -> String {
        LineChart {
            title: self.page.t("attribution-trend-title"),
            x_labels: self.checks.months.iter().map(|(m, _)| m.clone()).collect(),
            series: self
                .checks
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| Series {
                    name: self.key_label(k),
                    values: self
                        .checks
                        .months
                        .iter()
                        .map(|(_, cells)| Some(cells[i].0 as f64 / 100.0))
                        .collect(),
                })
                .collect(),
            y_min: 0.0,
            y_max: self
                .checks
                .months
                .iter()
                .flat_map(|(_, c)| c.iter().map(|x| x.0 as f64 / 100.0))
                .fold(1.0, f64::max),
            y_unit: " €".into(),
        }
        .render()
    }
}

/// Is the lead score right, the monthly trend, first heard against first touch.
async fn checks_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    let filter = query.into_inner().check(now.date());
    let settings = state.attribution();
    let wanted = filter.clone();
    let checks = state
        .db
        .read(move |conn| {
            let f = wanted.filter(conn)?;
            checks::load(conn, &f, &settings, now)
        })
        .await?;
    html(&ChecksPage {
        page,
        filter,
        checks,
    })
}

/// Runs the data-driven model now (a manager's request), then shows the report.
async fn run_now(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let actor = staff.actor();
    let result = runs::run(&state.db, state.attribution(), actor.label.clone()).await;
    let secure = state.settings.served_over_tls();
    let (notice, detail) = match &result {
        Ok((id, solved)) => (
            "notice-attribution-run-done",
            format!(
                "run {id}: {} journeys, {} converted, {} states",
                solved.journeys, solved.conversions, solved.states
            ),
        ),
        Err(e) => ("notice-attribution-run-failed", format!("{e}")),
    };
    state
        .db
        .write(move |conn| {
            audit::record(
                conn,
                &actor,
                "attribution_run",
                ("attribution", "markov"),
                &detail,
            )
            .map_err(AppError::from)
        })
        .await?;
    Ok(see_other_with_notice(
        "/attribution?model=markov",
        notice,
        secure,
    ))
}

#[derive(Template)]
#[template(path = "attribution/campaigns.html")]
struct CampaignsPage {
    page: Page,
    view: campaigns::CampaignsView,
    this_month: String,
}

impl CampaignsPage {
    fn opt_money(&self, cents: &Option<i64>) -> String {
        cents.map_or_else(|| "—".to_owned(), |c| self.page.money(&c))
    }
}

async fn campaigns_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
) -> Result<HttpResponse, AppError> {
    let today = crate::db::now().date();
    let view = state
        .db
        .read(move |conn| campaigns::CampaignsView::load(conn, today))
        .await?;
    html(&CampaignsPage {
        page,
        view,
        this_month: format!("{:04}-{:02}", today.year(), today.month()),
    })
}

async fn save_campaign(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<campaigns::CampaignForm>,
) -> Result<HttpResponse, AppError> {
    let actor = staff.actor();
    let form = form.into_inner();
    let saved = state
        .db
        .write(move |conn| campaigns::save_campaign(conn, &form, &actor))
        .await?;
    let secure = state.settings.served_over_tls();
    Ok(match saved {
        Ok(()) => see_other_with_notice("/campaigns", "notice-campaign-saved", secure),
        Err(problem) => see_other_with_notice("/campaigns", problem, secure),
    })
}

async fn save_spend(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<campaigns::SpendForm>,
) -> Result<HttpResponse, AppError> {
    let actor = staff.actor();
    let form = form.into_inner();
    let saved = state
        .db
        .write(move |conn| campaigns::save_spend(conn, &form, &actor))
        .await?;
    let secure = state.settings.served_over_tls();
    Ok(match saved {
        Ok(()) => see_other_with_notice("/campaigns", "notice-spend-saved", secure),
        Err(problem) => see_other_with_notice("/campaigns", problem, secure),
    })
}

#[derive(Template)]
#[template(path = "attribution/digest.html")]
struct DigestPage {
    page: Page,
    on: bool,
}

/// A channel manager's weekly digest setting.
async fn digest_page(
    state: web::Data<AppState>,
    page: Page,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    let id = staff.user.0.user.id;
    let on = state
        .db
        .read(move |conn| campaigns::wants_digest(conn, id))
        .await?;
    html(&DigestPage { page, on })
}

#[derive(Debug, Default, Deserialize)]
struct DigestForm {
    #[serde(default)]
    on: String,
}

async fn save_digest(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<DigestForm>,
) -> Result<HttpResponse, AppError> {
    let (actor, id, on) = (staff.actor(), staff.user.0.user.id, form.on == "yes");
    state
        .db
        .write(move |conn| campaigns::set_digest(conn, id, on, &actor))
        .await?;
    Ok(see_other_with_notice(
        "/account/digest",
        "notice-digest-saved",
        state.settings.served_over_tls(),
    ))
}
