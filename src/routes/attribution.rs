//! The channel manager's attribution pages: the report per channel, campaign or
//! source/medium under a chosen model (and as CSV), the same channels under all eight
//! models, the data-driven model's runs (and running it now), and the campaigns with
//! their spend (and the codes nobody has set up yet).

use std::borrow::Borrow;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{html, see_other_with_notice};
use crate::domain::feedback_fields::FirstHeard;
use crate::error::AppError;
use crate::models::attribution::{RunChannelRow, RunRow};
use crate::services::attribution::report::{self, Dimension, Report, ReportFilter, ReportRow};
use crate::services::attribution::{Model, Settings, checks, exports, runs};
use crate::services::audit;
use crate::web::charts::{GroupedBarChart, LineChart, Series};
use crate::web::{AppState, Page, Staff};

mod filters;

use filters::{Checked, ReportParams};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/attribution", report_page)
        .get("/attribution.csv", report_csv)
        .get("/attribution/models", models_page)
        .get("/attribution/models.csv", models_csv)
        .get("/attribution/checks", checks_page)
        .get("/attribution/checks.csv", checks_csv)
        .post("/attribution/runs", run_now);
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

/// The filters of `params`, checked, and what `read` makes of them on a reading
/// connection (the report, the model comparison, the checks).
async fn load_with<T: Send + 'static>(
    state: &AppState,
    params: ReportParams,
    read: fn(
        &mut crate::db::DbConnection,
        &ReportFilter,
        &Settings,
        chrono::NaiveDateTime,
    ) -> Result<T, AppError>,
) -> Result<(Checked, T), AppError> {
    let now = crate::db::now();
    let checked = params.check(now.date());
    let settings = state.attribution();
    let wanted = checked.clone();
    let found = state
        .db
        .read(move |conn| {
            let filter = wanted.filter(conn)?;
            read(conn, &filter, &settings, now)
        })
        .await?;
    Ok((checked, found))
}

async fn load_report(
    state: &AppState,
    params: ReportParams,
) -> Result<(Checked, Report), AppError> {
    load_with(state, params, report::load).await
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
    let body = exports::report(&report, filter.model, filter.dimension)?;
    Ok(csv_download("attribution", &filter, body))
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
    let (filter, rows) = load_with(&state, query.into_inner(), report::compare_models).await?;
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

/// A CSV download named after the report's filters.
fn csv_download(name: &str, filter: &Checked, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{name}-{}-{}-{}-{}.csv\"",
                filter.model.as_str(),
                filter.dimension.as_str(),
                filter.from,
                filter.to
            ),
        ))
        .body(body)
}

async fn models_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let (filter, rows) = load_with(&state, query.into_inner(), report::compare_models).await?;
    Ok(csv_download(
        "attribution-models",
        &filter,
        exports::models(&rows)?,
    ))
}

async fn load_checks(
    state: &AppState,
    params: ReportParams,
) -> Result<(Checked, checks::Checks), AppError> {
    load_with(state, params, checks::load).await
}

async fn checks_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let (filter, checks) = load_checks(&state, query.into_inner()).await?;
    Ok(csv_download(
        "attribution-checks",
        &filter,
        exports::checks(&checks)?,
    ))
}

/// Is the lead score right, the monthly trend, first heard against first touch.
async fn checks_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<ReportParams>,
) -> Result<HttpResponse, AppError> {
    let (filter, checks) = load_checks(&state, query.into_inner()).await?;
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
