//! The channel manager's views of the dealer network: the dealer table (also the
//! manager's home) and its CSV export, a dealer's page with its score's history, and the
//! network page (funnel, score distribution, lead share by score quintile).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::html;
use crate::error::AppError;
use crate::models::dealer_score::ScoreHistoryRow;
use crate::models::dealer_stats::FiguresVersion;
use crate::services::dealer_score::Part;
use crate::services::dealers::detail::{DealerActivity, DealerDetail};
use crate::services::dealers::network::NetworkView;
use crate::services::dealers::table::{DealerTable, TableFilter, TableLine, TableParams};
use crate::web::charts::{BarChart, LineChart, Series, sparkline};
use crate::web::{AppState, Page, Staff};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/manager", manager_home)
        .get("/dealers", dealer_table)
        .get("/dealers.csv", dealer_csv)
        .get("/dealers/{id}", dealer_page)
        .get("/network", network_page);
}

#[derive(Template)]
#[template(path = "dealers/list.html")]
struct DealerTablePage {
    page: Page,
    filter: TableFilter,
    heading: String,
    /// The table with its count and pager, rendered by [`DealerTablePart`].
    body: Arc<str>,
}

#[derive(Template)]
#[template(path = "dealers/table_part.html")]
struct DealerTablePart<'a> {
    page: &'a Page,
    table: &'a DealerTable,
    heading: &'a str,
    labels: RowLabels,
}

/// The words every row repeats, translated once per page rather than once per row.
struct RowLabels {
    completeness: String,
    timeliness: String,
    responsiveness: String,
    outcome_reporting: String,
    trend: String,
    not_scored: String,
    unreached: String,
    rated_lowest: String,
    override_weight: String,
    network: String,
    active: String,
    inactive: String,
}

impl RowLabels {
    fn of(page: &Page) -> Self {
        Self {
            completeness: page.t("dealers-part-completeness"),
            timeliness: page.t("dealers-part-timeliness"),
            responsiveness: page.t("dealers-part-responsiveness"),
            outcome_reporting: page.t("dealers-part-outcome-reporting"),
            trend: page.t("dealers-trend"),
            not_scored: page.t("override-not-scored"),
            unreached: page.t("dealers-flag-unreached"),
            rated_lowest: page.t("dealers-flag-rated-lowest"),
            override_weight: page.t("dealers-flag-override"),
            network: page.t("dealers-network"),
            active: page.t("status-active"),
            inactive: page.t("status-inactive"),
        }
    }
}

impl DealerTablePart<'_> {
    fn trend(&self, line: &TableLine) -> String {
        sparkline(&line.trend(), 0.0, 100.0, &self.labels.trend)
    }

    fn percent(&self, x: &f64) -> String {
        format!("{} %", self.page.decimal(*x * 100.0, 0))
    }

    /// Seconds as hours with one decimal.
    fn hours(&self, seconds: &f64) -> String {
        format!("{} h", self.page.decimal(*seconds / 3600.0, 1))
    }
}

/// The dealer table page. The table itself is rendered once per figures version,
/// language and filter, and shown again until the figures move (`web::fragments`).
async fn render_table(
    state: &AppState,
    page: Page,
    params: TableParams,
    heading_key: &str,
) -> Result<HttpResponse, AppError> {
    let filter = params.check();
    let heading = page.t(heading_key);
    let key = format!(
        "{}|{}|{}|{}",
        page.locale.as_str(),
        page.tz,
        heading_key,
        filter.page_href(filter.page)
    );
    let version = state
        .db
        .read_quick(|conn| -> Result<_, AppError> { Ok(FiguresVersion::current(conn)?) })
        .await?;
    let body = match state.fragments.get(version, &key) {
        Some(body) => body,
        None => {
            let wanted = filter.clone();
            let table = state
                .db
                .read(move |conn| DealerTable::load(conn, wanted))
                .await?;
            let body: Arc<str> = DealerTablePart {
                page: &page,
                table: &table,
                heading: &heading,
                labels: RowLabels::of(&page),
            }
            .render()?
            .into();
            state.fragments.put(version, key, body.clone());
            body
        }
    };
    html(&DealerTablePage {
        page,
        filter,
        heading,
        body,
    })
}

/// A channel manager's home: the dealer table.
async fn manager_home(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<TableParams>,
) -> Result<HttpResponse, AppError> {
    render_table(&state, page, query.into_inner(), "manager-home-title").await
}

async fn dealer_table(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<TableParams>,
) -> Result<HttpResponse, AppError> {
    render_table(&state, page, query.into_inner(), "dealers-title").await
}

/// Every dealer the filters match, as CSV.
async fn dealer_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<TableParams>,
) -> Result<HttpResponse, AppError> {
    let filter = query.into_inner().check();
    let (body, _) = state
        .db
        .read(move |conn| DealerTable::csv(conn, &filter))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"dealers.csv\"",
        ))
        .body(body))
}

#[derive(Template)]
#[template(path = "dealers/detail.html")]
struct DealerPage {
    page: Page,
    name: Arc<str>,
    /// Everything below the menu, rendered by [`DealerPart`].
    body: Arc<str>,
}

#[derive(Template)]
#[template(path = "dealers/detail_part.html")]
struct DealerPart<'a> {
    page: &'a Page,
    detail: &'a DealerDetail,
    /// The score history's charts and table, rendered by [`HistoryPart`].
    history: Arc<str>,
}

#[derive(Template)]
#[template(path = "dealers/history_part.html")]
struct HistoryPart<'a> {
    page: &'a Page,
    history: &'a [ScoreHistoryRow],
}

impl HistoryPart<'_> {
    fn percent(&self, x: &f64) -> String {
        format!("{} %", self.page.decimal(*x * 100.0, 0))
    }

    fn dates(&self) -> Vec<String> {
        self.history
            .iter()
            .map(|h| self.page.date(&h.recorded_at.get()))
            .collect()
    }

    fn score_chart(&self) -> String {
        LineChart {
            title: self.page.t("dealer-history-title"),
            x_labels: self.dates(),
            series: vec![Series {
                name: self.page.t("dealers-col-score"),
                values: self.history.iter().map(|h| Some(h.score)).collect(),
            }],
            y_min: 0.0,
            y_max: 100.0,
            y_unit: String::new(),
        }
        .render()
    }

    fn weight_chart(&self) -> String {
        LineChart {
            title: self.page.t("dealer-weight-history-title"),
            x_labels: self.dates(),
            series: vec![Series {
                name: self.page.t("dealers-col-weight"),
                values: self.history.iter().map(|h| Some(h.weight)).collect(),
            }],
            y_min: 0.0,
            y_max: 2.0,
            y_unit: "×".into(),
        }
        .render()
    }

    fn parts_chart(&self) -> String {
        let part = |p: Part, h: &ScoreHistoryRow| match p {
            Part::Completeness => h.completeness,
            Part::Timeliness => h.timeliness,
            Part::Responsiveness => h.responsiveness,
            Part::OutcomeReporting => h.outcome_reporting,
        };
        LineChart {
            title: self.page.t("dealer-parts-title"),
            x_labels: self.dates(),
            series: Part::ALL
                .iter()
                .map(|&p| Series {
                    name: self.page.t(part_key(p)),
                    values: self
                        .history
                        .iter()
                        .map(|h| Some(part(p, h) * 100.0))
                        .collect(),
                })
                .collect(),
            y_min: 0.0,
            y_max: 100.0,
            y_unit: "%".into(),
        }
        .render()
    }
}

impl DealerPart<'_> {
    fn percent(&self, x: &f64) -> String {
        format!("{} %", self.page.decimal(*x * 100.0, 0))
    }

    /// A form's completeness in percent, or a dash before it was submitted.
    fn permille(&self, p: &Option<i32>) -> String {
        p.map_or_else(
            || "—".to_owned(),
            |p| format!("{} %", self.page.decimal(f64::from(p) / 10.0, 0)),
        )
    }

    /// The four parts now: (message key, value 0..=1).
    fn parts(&self) -> Vec<(&'static str, f64)> {
        self.detail.score.as_ref().map_or_else(Vec::new, |s| {
            vec![
                (part_key(Part::Completeness), s.completeness),
                (part_key(Part::Timeliness), s.timeliness),
                (part_key(Part::Responsiveness), s.responsiveness),
                (part_key(Part::OutcomeReporting), s.outcome_reporting),
            ]
        })
    }
}

fn part_key(part: Part) -> &'static str {
    match part {
        Part::Completeness => "dealers-part-completeness",
        Part::Timeliness => "dealers-part-timeliness",
        Part::Responsiveness => "dealers-part-responsiveness",
        Part::OutcomeReporting => "dealers-part-outcome-reporting",
    }
}

/// A dealer's page. Its figures are read on every request (point lookups, run inline on
/// SQLite) and the page below the menu is rendered again only when they differ from the
/// last rendering's (`web::fragments::Memo`); its history charts are rendered once per
/// language and latest point of the history.
async fn dealer_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    let id = id.into_inner();
    let activity = state
        .db
        .read_quick(move |conn| DealerActivity::load(conn, id, now))
        .await?;
    let key = format!(
        "{}|{}|{}|{}",
        id,
        page.locale.as_str(),
        page.tz,
        page.is_admin()
    );
    let fingerprint = activity.fingerprint();
    let (name, body) = match state.dealer_pages.get(&key, fingerprint) {
        Some(kept) => kept,
        None => {
            let detail = state
                .db
                .read_quick(move |conn| DealerDetail::load_with(conn, id, activity))
                .await?;
            let history = history_part(&state, &page, &detail).await?;
            let body: Arc<str> = DealerPart {
                page: &page,
                detail: &detail,
                history,
            }
            .render()?
            .into();
            let name: Arc<str> = detail.profile.view.dealer.name.as_str().into();
            state
                .dealer_pages
                .put(key, fingerprint, (name.clone(), body.clone()));
            (name, body)
        }
    };
    html(&DealerPage { page, name, body })
}

/// The dealer's history charts: kept by what the key names (the dealer, its latest point,
/// the first day), not by the figures version.
async fn history_part(
    state: &AppState,
    page: &Page,
    detail: &DealerDetail,
) -> Result<Arc<str>, AppError> {
    let key = format!(
        "{}|{}|{}",
        page.locale.as_str(),
        page.tz,
        detail.history_key()
    );
    if let Some(part) = state.history_charts.get(0, &key) {
        return Ok(part);
    }
    let (dealer_id, since) = (detail.profile.view.dealer.id, detail.history_since());
    let points = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            Ok(ScoreHistoryRow::for_dealer(conn, dealer_id, since)?)
        })
        .await?;
    let part: Arc<str> = HistoryPart {
        page,
        history: &points,
    }
    .render()?
    .into();
    state.history_charts.put(0, key, part.clone());
    Ok(part)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct NetworkParams {
    #[serde(default)]
    period: String,
}

#[derive(Template)]
#[template(path = "network/show.html")]
struct NetworkPage {
    page: Page,
    view: NetworkView,
}

impl NetworkPage {
    fn funnel_chart(&self) -> String {
        BarChart {
            title: self.page.t("network-funnel-title"),
            bars: self
                .view
                .stages()
                .into_iter()
                .map(|(key, _, n)| (self.page.t(key), n as f64))
                .collect(),
            unit: String::new(),
        }
        .render()
    }

    fn band_label(&self, start: &u8) -> String {
        let end = if *start >= 80 { 100 } else { start + 19 };
        format!("{start}–{end}")
    }

    fn bands_chart(&self) -> String {
        BarChart {
            title: self.page.t("network-bands-title"),
            bars: self
                .view
                .band_starts()
                .iter()
                .zip(self.view.bands)
                .map(|(start, n)| (self.band_label(start), n as f64))
                .collect(),
            unit: String::new(),
        }
        .render()
    }

    fn quintile_name(&self, q: &usize) -> String {
        self.page
            .t1("network-quintile", "n", i64::try_from(q + 1).unwrap_or(0))
    }

    fn share_chart(&self) -> String {
        LineChart {
            title: self.page.t("network-share-title"),
            x_labels: self
                .view
                .weeks
                .iter()
                .map(|w| self.page.date(&w.week_start.get()))
                .collect(),
            series: (0..5)
                .map(|q| Series {
                    name: self.quintile_name(&q),
                    values: self
                        .view
                        .weeks
                        .iter()
                        .map(|w| Some(w.percent(&q)))
                        .collect(),
                })
                .collect(),
            y_min: 0.0,
            y_max: 100.0,
            y_unit: "%".into(),
        }
        .render()
    }

    fn percent(&self, x: f64) -> String {
        format!("{} %", self.page.decimal(x, 0))
    }

    fn count(&self, n: i64) -> String {
        self.page.number(&n)
    }
}

async fn network_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<NetworkParams>,
) -> Result<HttpResponse, AppError> {
    let period = query.period.parse().unwrap_or(0);
    let view = state
        .db
        .read(move |conn| NetworkView::load(conn, period))
        .await?;
    html(&NetworkPage { page, view })
}
