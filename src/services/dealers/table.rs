//! The channel manager's dealer table: one page of the precomputed figures (see
//! [`super::stats`]), filtered, sorted and paged, or every matching row as CSV.

use crate::db::{DbConnection, UtcTime};
use crate::domain::location::RegionKey;
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::dealer_score::NetworkScoreRow;
use crate::models::dealer_stats::{FunnelRow, StatsFlag, StatsLine, StatsOrder, StatsQuery};
use crate::services::dealers::stats::PERIODS;

/// Dealers per page.
pub const PAGE_SIZE: i64 = 50;

/// Score bands are this many points wide (0-19, 20-39, … 80-100).
pub const BAND_WIDTH: u8 = 20;

/// The table's address parameters as sent (all text, so a bad value is just ignored).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct TableParams {
    pub q: String,
    pub region: String,
    pub line: String,
    pub band: String,
    pub flag: String,
    pub period: String,
    pub sort: String,
    pub dir: String,
    pub page: String,
}

/// The table's parameters, checked: unknown values fall back to the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TableFilter {
    pub q: String,
    pub region: String,
    pub line: String,
    /// The band's lowest score (0, 20, … 80).
    pub band: Option<u8>,
    pub flag: Option<StatsFlag>,
    pub period: i32,
    pub sort: StatsOrder,
    pub descending: bool,
    /// From 1.
    pub page: i64,
}

/// The `sort` names, as addresses spell them.
pub const SORTS: [(&str, StatsOrder); 12] = [
    ("score", StatsOrder::Score),
    ("name", StatsOrder::Name),
    ("weight", StatsOrder::Weight),
    ("offered", StatsOrder::Offered),
    ("accepted", StatsOrder::Accepted),
    ("won", StatsOrder::Won),
    ("acceptance", StatsOrder::Acceptance),
    ("win_rate", StatsOrder::WinRate),
    ("revenue", StatsOrder::Revenue),
    ("overdue", StatsOrder::Overdue),
    ("answer_time", StatsOrder::AnswerTime),
    ("completeness", StatsOrder::Completeness),
];

/// The `flag` names, as addresses spell them.
pub const FLAGS: [(&str, StatsFlag); 4] = [
    ("anomaly", StatsFlag::Anomaly),
    ("override", StatsFlag::Override),
    ("overdue", StatsFlag::Overdue),
    ("inactive", StatsFlag::Inactive),
];

fn sort_name(order: StatsOrder) -> &'static str {
    SORTS
        .iter()
        .find(|(_, o)| *o == order)
        .map_or("score", |(name, _)| name)
}

fn flag_name(flag: StatsFlag) -> &'static str {
    FLAGS
        .iter()
        .find(|(_, f)| *f == flag)
        .map_or("", |(name, _)| name)
}

/// Names and times read best A to Z and fastest first; figures read best highest first.
fn ascending_by_default(order: StatsOrder) -> bool {
    matches!(order, StatsOrder::Name | StatsOrder::AnswerTime)
}

impl TableParams {
    pub fn check(&self) -> TableFilter {
        let text = |s: &str| s.trim().chars().take(100).collect::<String>();
        let sort = SORTS
            .iter()
            .find(|(name, _)| *name == self.sort)
            .map_or(StatsOrder::Score, |(_, o)| *o);
        let descending = match self.dir.as_str() {
            "asc" => false,
            "desc" => true,
            _ => !ascending_by_default(sort),
        };
        TableFilter {
            q: text(&self.q),
            region: text(&self.region),
            line: text(&self.line),
            band: self
                .band
                .parse::<u8>()
                .ok()
                .filter(|b| b % BAND_WIDTH == 0 && *b < 100),
            flag: FLAGS
                .iter()
                .find(|(name, _)| *name == self.flag)
                .map(|(_, f)| *f),
            period: self
                .period
                .parse()
                .ok()
                .filter(|p| PERIODS.contains(p))
                .unwrap_or(PERIODS[0]),
            sort,
            descending,
            page: self
                .page
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .unwrap_or(1),
        }
    }
}

impl TableFilter {
    fn query(&self) -> StatsQuery {
        let band = self.band.map(|lo| {
            let hi = if lo + BAND_WIDTH >= 100 {
                f64::INFINITY
            } else {
                f64::from(lo + BAND_WIDTH)
            };
            (f64::from(lo), hi)
        });
        StatsQuery {
            period: self.period,
            search: (!self.q.is_empty()).then(|| self.q.to_lowercase()),
            region_key: RegionKey::of(&self.region).map(|k| k.as_str().to_owned()),
            product_line: (!self.line.is_empty()).then(|| self.line.to_lowercase()),
            score_range: band,
            flag: self.flag,
            order: self.sort,
            descending: self.descending,
        }
    }

    /// The address parameters of this filter, with `page` and, when given, another sort.
    fn params(&self, page: i64, sort: Option<(StatsOrder, bool)>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("q", &self.q),
            ("region", &self.region),
            ("line", &self.line),
        ] {
            if !value.is_empty() {
                s.append_pair(key, value);
            }
        }
        if let Some(band) = self.band {
            s.append_pair("band", &band.to_string());
        }
        if let Some(flag) = self.flag {
            s.append_pair("flag", flag_name(flag));
        }
        s.append_pair("period", &self.period.to_string());
        let (order, descending) = sort.unwrap_or((self.sort, self.descending));
        s.append_pair("sort", sort_name(order));
        s.append_pair("dir", if descending { "desc" } else { "asc" });
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        s.finish()
    }

    /// The address of page `page` of the table with these filters.
    pub fn page_href(&self, page: i64) -> String {
        format!("/dealers?{}", self.params(page, None))
    }

    /// The address that sorts by `name` (the other way round if it is the current sort).
    pub fn sort_href(&self, name: &str) -> String {
        let order = SORTS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(StatsOrder::Score, |(_, o)| *o);
        let descending = if order == self.sort {
            !self.descending
        } else {
            !ascending_by_default(order)
        };
        format!("/dealers?{}", self.params(1, Some((order, descending))))
    }

    /// The CSV export of every row these filters match.
    pub fn csv_href(&self) -> String {
        format!("/dealers.csv?{}", self.params(1, None))
    }

    /// `ascending`, `descending` or `none`: how the column `name` is sorted (for
    /// `aria-sort`).
    pub fn sorted(&self, name: &str) -> &'static str {
        if sort_name(self.sort) != name {
            "none"
        } else if self.descending {
            "descending"
        } else {
            "ascending"
        }
    }

    /// The current sort, as addresses spell it.
    pub fn sort_param(&self) -> &'static str {
        sort_name(self.sort)
    }

    pub fn sort_is(&self, name: &str) -> bool {
        sort_name(self.sort) == name
    }

    pub fn flag_is(&self, name: &str) -> bool {
        self.flag.is_some_and(|f| flag_name(f) == name)
    }

    pub fn band_is(&self, band: &u8) -> bool {
        self.band == Some(*band)
    }
}

/// A row of the table: the figures, the dealer, its territories and product lines.
#[derive(Debug, Clone, PartialEq)]
pub struct TableLine {
    pub line: StatsLine,
    pub territories: String,
    pub product_lines: String,
}

impl TableLine {
    /// The weekly scores of the trend, oldest first.
    pub fn trend(&self) -> Vec<f64> {
        self.line
            .stats
            .trend
            .split(',')
            .filter_map(|v| v.parse().ok())
            .collect()
    }

    /// The weight allocation uses: a manager's override if one is in force.
    pub fn effective_weight(&self) -> f64 {
        self.line
            .stats
            .override_weight
            .unwrap_or(self.line.stats.weight)
    }

    pub fn anomaly(&self) -> bool {
        self.line.stats.flag_unreached || self.line.stats.flag_rated_lowest
    }
}

/// The network's rates the anomaly flags compare a dealer's with.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NetworkRates {
    pub unreached: f64,
    pub rated_lowest: f64,
}

impl NetworkRates {
    pub fn of(network: Option<&NetworkScoreRow>) -> Self {
        network.map_or_else(Self::default, |n| Self {
            unreached: n.unreached_rate,
            rated_lowest: n.rated_lowest_rate,
        })
    }
}

/// One page of the dealer table.
#[derive(Debug, Clone, PartialEq)]
pub struct DealerTable {
    pub filter: TableFilter,
    pub lines: Vec<TableLine>,
    /// Dealers matching the filter (on every page).
    pub total: i64,
    pub has_next: bool,
    pub network: NetworkRates,
    /// When the figures were computed (none before the first refresh).
    pub computed_at: Option<UtcTime>,
}

impl DealerTable {
    pub fn load(conn: &mut DbConnection, filter: TableFilter) -> Result<Self, AppError> {
        let query = filter.query();
        let offset = (filter.page - 1) * PAGE_SIZE;
        let mut lines = query.lines(conn, offset, PAGE_SIZE + 1)?;
        let has_next = lines.len() > usize::try_from(PAGE_SIZE).unwrap_or(50);
        lines.truncate(usize::try_from(PAGE_SIZE).unwrap_or(50));
        let total = if filter.page == 1 && !has_next {
            i64::try_from(lines.len()).unwrap_or(0)
        } else {
            query.count(conn)?
        };
        let lines = with_places(conn, lines)?;
        let network = NetworkRates::of(NetworkScoreRow::find(conn)?.as_ref());
        let computed_at = FunnelRow::find(conn, PERIODS[0])?.map(|f| f.computed_at);
        Ok(Self {
            filter,
            lines,
            total,
            has_next,
            network,
            computed_at,
        })
    }

    /// The number of the last page.
    pub fn pages(&self) -> i64 {
        ((self.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
    }

    /// Every row the filter matches, as CSV (formula-safe cells).
    pub fn csv(conn: &mut DbConnection, filter: &TableFilter) -> Result<(String, usize), AppError> {
        let matching = filter.query().lines(conn, 0, i64::MAX)?;
        let lines = with_places(conn, matching)?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| AppError::Internal(e.into());
        out.write_record([
            "code",
            "name",
            "active",
            "territories",
            "product_lines",
            "capacity",
            "score",
            "completeness",
            "timeliness",
            "responsiveness",
            "outcome_reporting",
            "weight",
            "override_weight",
            "flag_unreached",
            "unreached_rate",
            "flag_rated_lowest",
            "rated_lowest_rate",
            "period_days",
            "offered",
            "accepted",
            "won",
            "acceptance_rate",
            "win_rate",
            "revenue_cents",
            "overdue_forms",
            "median_answer_seconds",
            "form_completeness",
            "computed_at",
        ])
        .map_err(fail)?;
        for l in &lines {
            let s = &l.line.stats;
            let num = |x: f64| format!("{x:.3}");
            out.write_record([
                cell(&l.line.code),
                cell(&l.line.name),
                l.line.active.to_string(),
                cell(&l.territories),
                cell(&l.product_lines),
                l.line.capacity.to_string(),
                num(s.score),
                num(s.completeness),
                num(s.timeliness),
                num(s.responsiveness),
                num(s.outcome_reporting),
                num(s.weight),
                s.override_weight.map(num).unwrap_or_default(),
                s.flag_unreached.to_string(),
                num(s.unreached_rate),
                s.flag_rated_lowest.to_string(),
                num(s.rated_lowest_rate),
                s.period.to_string(),
                s.offered.to_string(),
                s.accepted.to_string(),
                s.won.to_string(),
                num(s.acceptance_rate),
                num(s.win_rate),
                s.revenue_cents.to_string(),
                s.overdue.to_string(),
                if s.answered > 0 {
                    num(s.answer_seconds)
                } else {
                    String::new()
                },
                if s.forms > 0 {
                    num(s.form_completeness)
                } else {
                    String::new()
                },
                s.computed_at.get().format("%Y-%m-%d %H:%M:%S").to_string(),
            ])
            .map_err(fail)?;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
        let body = String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))?;
        Ok((body, lines.len()))
    }
}

use crate::services::csv_export::cell;

/// The rows with their dealers' territories and product lines (two queries).
fn with_places(conn: &mut DbConnection, lines: Vec<StatsLine>) -> Result<Vec<TableLine>, AppError> {
    let ids: Vec<i64> = lines.iter().map(|l| l.stats.dealer_id).collect();
    let mut territories: rustc_hash::FxHashMap<i64, Vec<String>> = Default::default();
    let mut product_lines: rustc_hash::FxHashMap<i64, Vec<String>> = Default::default();
    for chunk in ids.chunks(500) {
        for t in Dealer::territories_of(conn, chunk)? {
            territories
                .entry(t.dealer_id)
                .or_default()
                .push(t.to_territory().to_line());
        }
        for (dealer, line) in Dealer::product_lines_of(conn, chunk)? {
            product_lines.entry(dealer).or_default().push(line);
        }
    }
    Ok(lines
        .into_iter()
        .map(|line| {
            let id = line.stats.dealer_id;
            TableLine {
                territories: territories
                    .get(&id)
                    .map(|t| t.join(", "))
                    .unwrap_or_default(),
                product_lines: product_lines
                    .get(&id)
                    .map(|l| l.join(", "))
                    .unwrap_or_default(),
                line,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_parameters_fall_back_to_the_first_page_of_the_best_scores_over_30_days() {
        let filter = TableParams {
            period: "7".into(),
            sort: "nonsense".into(),
            band: "15".into(),
            page: "-3".into(),
            ..TableParams::default()
        }
        .check();
        assert_eq!(filter.period, 30);
        assert_eq!(filter.sort, StatsOrder::Score);
        assert!(filter.descending);
        assert_eq!(filter.band, None);
        assert_eq!(filter.page, 1);
    }

    #[test]
    fn paging_links_keep_the_filters() {
        let filter = TableParams {
            region: "Emilia Romagna".into(),
            flag: "anomaly".into(),
            period: "90".into(),
            ..TableParams::default()
        }
        .check();
        assert_eq!(
            filter.page_href(2),
            "/dealers?region=Emilia+Romagna&flag=anomaly&period=90&sort=score&dir=desc&page=2"
        );
    }

    #[test]
    fn a_cell_that_looks_like_a_formula_is_quoted() {
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(cell("Officina"), "Officina");
    }
}
