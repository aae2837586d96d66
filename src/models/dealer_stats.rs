//! The dealer table's figures per dealer and period, precomputed (`dealer_stats`), and the
//! network's funnel and lead share by score quintile (`network_funnel`,
//! `network_lead_share`).

use std::fmt::Write;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, lower, unique_row};
use crate::schema::{
    dealer_product_lines, dealer_stats, dealer_territories, dealers, figures_version,
    network_funnel, network_lead_share,
};

/// One dealer's figures over one period, as the dealer table shows them.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = dealer_stats)]
pub struct DealerStatsRow {
    /// The period in days (30, 90 or 365).
    pub period: i32,
    pub dealer_id: i64,
    /// False while the dealer has no score yet (it then shows the network's mean).
    pub scored: bool,
    pub score: f64,
    pub completeness: f64,
    pub timeliness: f64,
    pub responsiveness: f64,
    pub outcome_reporting: f64,
    pub weight: f64,
    pub override_weight: Option<f64>,
    pub unreached_rate: f64,
    pub rated_lowest_rate: f64,
    pub flag_unreached: bool,
    pub flag_rated_lowest: bool,
    pub offered: i64,
    pub accepted: i64,
    pub won: i64,
    pub revenue_cents: i64,
    pub acceptance_rate: f64,
    pub win_rate: f64,
    pub overdue: i64,
    pub answered: i64,
    pub answer_seconds: f64,
    pub forms: i64,
    pub form_completeness: f64,
    /// Weekly scores, oldest first, as comma-separated whole numbers.
    pub trend: String,
    pub computed_at: UtcTime,
}

/// The score columns of a dealer's rows, written when its score moves between refreshes.
#[derive(Debug, Clone, PartialEq, AsChangeset)]
#[diesel(table_name = dealer_stats)]
pub struct StatsScoreChanges {
    pub scored: bool,
    pub score: f64,
    pub completeness: f64,
    pub timeliness: f64,
    pub responsiveness: f64,
    pub outcome_reporting: f64,
    pub weight: f64,
}

/// A row of the dealer table: the figures with the dealer's code, name and state.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct StatsLine {
    pub stats: DealerStatsRow,
    pub code: String,
    pub name: String,
    /// Open leads the dealer can work at once.
    pub capacity: i32,
    pub active: bool,
}

/// The column the table is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatsOrder {
    #[default]
    Score,
    Name,
    Weight,
    Offered,
    Accepted,
    Won,
    Acceptance,
    WinRate,
    Revenue,
    Overdue,
    AnswerTime,
    Completeness,
}

/// What the table's rows are narrowed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsFlag {
    /// Either anomaly flag.
    Anomaly,
    /// A manager's weight in force.
    Override,
    /// Overdue feedback forms.
    Overdue,
    /// The dealer is not active.
    Inactive,
}

/// Which rows of one period, in what order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsQuery {
    pub period: i32,
    /// Lower-case text that the code or name contains.
    pub search: Option<String>,
    /// A region key (`RegionKey`) among the dealer's territories.
    pub region_key: Option<String>,
    pub product_line: Option<String>,
    /// Scores in `lo..hi` (`hi` over 100 takes in 100).
    pub score_range: Option<(f64, f64)>,
    pub flag: Option<StatsFlag>,
    pub order: StatsOrder,
    pub descending: bool,
}

type Backend = <DbConnection as diesel::Connection>::Backend;
type Joined = diesel::dsl::InnerJoin<dealer_stats::table, dealers::table>;

/// Narrows `$query` (over `dealer_stats`, joined or not) by the filters on the figures.
macro_rules! figure_filters {
    ($query:ident, $q:expr) => {{
        use dealer_stats as s;
        let q: &StatsQuery = $q;
        let mut query = $query.filter(s::period.eq(q.period));
        if let Some(key) = &q.region_key {
            query = query.filter(
                s::dealer_id.eq_any(
                    dealer_territories::table
                        .filter(dealer_territories::region_key.eq(key.clone()))
                        .select(dealer_territories::dealer_id),
                ),
            );
        }
        if let Some(line) = &q.product_line {
            query = query.filter(
                s::dealer_id.eq_any(
                    dealer_product_lines::table
                        .filter(dealer_product_lines::product_line.eq(line.clone()))
                        .select(dealer_product_lines::dealer_id),
                ),
            );
        }
        if let Some((lo, hi)) = q.score_range {
            query = query.filter(s::score.ge(lo)).filter(s::score.lt(hi));
        }
        match q.flag {
            None | Some(StatsFlag::Inactive) => {}
            Some(StatsFlag::Anomaly) => {
                query = query.filter(s::flag_unreached.or(s::flag_rated_lowest));
            }
            Some(StatsFlag::Override) => query = query.filter(s::override_weight.is_not_null()),
            Some(StatsFlag::Overdue) => query = query.filter(s::overdue.gt(0)),
        }
        query
    }};
}

impl StatsQuery {
    fn filtered(&self) -> diesel::dsl::IntoBoxed<'_, Joined, Backend> {
        let joined = dealer_stats::table.inner_join(dealers::table).into_boxed();
        let mut query = figure_filters!(joined, self);
        if let Some(text) = &self.search {
            let pattern = format!("%{}%", text.replace(['%', '_'], ""));
            query = query.filter(
                lower(dealers::name)
                    .like(pattern.clone())
                    .or(lower(dealers::code).like(pattern)),
            );
        }
        if self.flag == Some(StatsFlag::Inactive) {
            query = query.filter(dealers::active.eq(false));
        }
        query
    }

    /// How many dealers match. Without a filter on the dealer itself the count walks the
    /// figures' index alone (every row has its dealer: a foreign key).
    pub fn count(&self, conn: &mut DbConnection) -> QueryResult<i64> {
        if self.search.is_none() && self.flag != Some(StatsFlag::Inactive) {
            let alone = dealer_stats::table.into_boxed();
            figure_filters!(alone, self).count().get_result(conn)
        } else {
            self.filtered().count().get_result(conn)
        }
    }

    /// Up to `limit` matching rows after the first `offset`, in order.
    pub fn lines(
        &self,
        conn: &mut DbConnection,
        offset: i64,
        limit: i64,
    ) -> QueryResult<Vec<StatsLine>> {
        use dealer_stats as s;
        let query = self.filtered().select((
            DealerStatsRow::as_select(),
            dealers::code,
            dealers::name,
            dealers::capacity,
            dealers::active,
        ));
        let desc = self.descending;
        // Each order ends on the dealer id, so pages never overlap; a figure that does not
        // exist yet (no answers, no forms) sorts last either way.
        macro_rules! by {
            ($col:expr) => {
                if desc {
                    query.order(($col.desc(), s::dealer_id.desc()))
                } else {
                    query.order(($col.asc(), s::dealer_id.asc()))
                }
            };
            ($none:expr, $col:expr) => {
                if desc {
                    query.order(($none.asc(), $col.desc(), s::dealer_id.desc()))
                } else {
                    query.order(($none.asc(), $col.asc(), s::dealer_id.asc()))
                }
            };
        }
        let ordered = match self.order {
            StatsOrder::Score => by!(s::score),
            StatsOrder::Name => by!(dealers::name),
            StatsOrder::Weight => by!(s::weight),
            StatsOrder::Offered => by!(s::offered),
            StatsOrder::Accepted => by!(s::accepted),
            StatsOrder::Won => by!(s::won),
            StatsOrder::Acceptance => by!(s::offered.eq(0_i64), s::acceptance_rate),
            StatsOrder::WinRate => by!(s::accepted.eq(0_i64), s::win_rate),
            StatsOrder::Revenue => by!(s::revenue_cents),
            StatsOrder::Overdue => by!(s::overdue),
            StatsOrder::AnswerTime => by!(s::answered.eq(0_i64), s::answer_seconds),
            StatsOrder::Completeness => by!(s::forms.eq(0_i64), s::form_completeness),
        };
        ordered.offset(offset).limit(limit).load(conn)
    }
}

impl DealerStatsRow {
    /// A dealer's row for `period`.
    pub fn find(
        conn: &mut DbConnection,
        dealer_id: i64,
        period: i32,
    ) -> QueryResult<Option<DealerStatsRow>> {
        unique_row(
            dealer_stats::table
                .find((period, dealer_id))
                .select(DealerStatsRow::as_select())
                .load(conn),
        )
    }

    /// The rows of every dealer for `period`.
    pub fn of_period(conn: &mut DbConnection, period: i32) -> QueryResult<Vec<DealerStatsRow>> {
        dealer_stats::table
            .filter(dealer_stats::period.eq(period))
            .select(DealerStatsRow::as_select())
            .load(conn)
    }

    /// The scores of the dealers scored so far (for the distribution).
    pub fn scores(conn: &mut DbConnection, period: i32) -> QueryResult<Vec<f64>> {
        dealer_stats::table
            .filter(dealer_stats::period.eq(period))
            .filter(dealer_stats::scored.eq(true))
            .select(dealer_stats::score)
            .load(conn)
    }

    /// When the rows were last computed.
    pub fn computed_at(conn: &mut DbConnection) -> QueryResult<Option<UtcTime>> {
        dealer_stats::table
            .select(diesel::dsl::max(dealer_stats::computed_at))
            .get_result(conn)
    }

    /// Writes a dealer's rows (a new dealer's).
    pub fn insert_one(conn: &mut DbConnection, row: &DealerStatsRow) -> QueryResult<()> {
        diesel::insert_into(dealer_stats::table)
            .values(row)
            .execute(conn)?;
        FiguresVersion::raise(conn)
    }

    /// Writes a dealer's new score into its rows of every period.
    pub fn set_score(
        conn: &mut DbConnection,
        dealer_id: i64,
        changes: &StatsScoreChanges,
    ) -> QueryResult<usize> {
        let n = diesel::update(dealer_stats::table.filter(dealer_stats::dealer_id.eq(dealer_id)))
            .set(changes)
            .execute(conn)?;
        FiguresVersion::raise(conn)?;
        Ok(n)
    }

    /// Writes the override weight in force into a dealer's rows of every period.
    pub fn set_override(
        conn: &mut DbConnection,
        dealer_id: i64,
        weight: Option<f64>,
    ) -> QueryResult<usize> {
        let n = diesel::update(dealer_stats::table.filter(dealer_stats::dealer_id.eq(dealer_id)))
            .set(dealer_stats::override_weight.eq(weight))
            .execute(conn)?;
        FiguresVersion::raise(conn)?;
        Ok(n)
    }

    /// Replaces every row by `rows`, in the caller's transaction: multi-row inserts of
    /// literals (numbers, booleans, timestamps and the digits-and-commas trend only, so
    /// nothing from outside reaches the SQL text).
    pub fn replace_all(conn: &mut DbConnection, rows: &[DealerStatsRow]) -> QueryResult<()> {
        use diesel::connection::SimpleConnection;
        const CHUNK: usize = 500;
        diesel::delete(dealer_stats::table).execute(conn)?;
        for chunk in rows.chunks(CHUNK) {
            let mut sql = String::from(
                "INSERT INTO dealer_stats (period, dealer_id, scored, score, completeness, \
                 timeliness, responsiveness, outcome_reporting, weight, override_weight, \
                 unreached_rate, rated_lowest_rate, flag_unreached, flag_rated_lowest, offered, \
                 accepted, won, revenue_cents, acceptance_rate, win_rate, overdue, answered, \
                 answer_seconds, forms, form_completeness, trend, computed_at) VALUES ",
            );
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                let trend: String = r
                    .trend
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == ',')
                    .collect();
                let _ = write!(
                    sql,
                    "({},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},'{}',{})",
                    r.period,
                    r.dealer_id,
                    boolean(r.scored),
                    real(r.score),
                    real(r.completeness),
                    real(r.timeliness),
                    real(r.responsiveness),
                    real(r.outcome_reporting),
                    real(r.weight),
                    r.override_weight.map_or_else(|| "NULL".to_owned(), real),
                    real(r.unreached_rate),
                    real(r.rated_lowest_rate),
                    boolean(r.flag_unreached),
                    boolean(r.flag_rated_lowest),
                    r.offered,
                    r.accepted,
                    r.won,
                    r.revenue_cents,
                    real(r.acceptance_rate),
                    real(r.win_rate),
                    r.overdue,
                    r.answered,
                    real(r.answer_seconds),
                    r.forms,
                    real(r.form_completeness),
                    trend,
                    timestamp(r.computed_at.get()),
                );
            }
            conn.batch_execute(&sql)?;
        }
        FiguresVersion::raise(conn)
    }
}

fn boolean(b: bool) -> &'static str {
    if b { "TRUE" } else { "FALSE" }
}

/// A finite number as an SQL literal (never in exponent form); 0 for NaN or infinity.
fn real(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "0".to_owned()
    }
}

fn timestamp(at: NaiveDateTime) -> String {
    format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f"))
}

/// A number raised by every write the staff's dealer views show: the table's figures, a
/// score, an override, a dealer's name, territories or product lines. A view rendered at
/// one version can be shown again until the number moves. It is raised in the writing
/// transaction, as its last statement, so a reader that sees a version also sees the
/// data written before it.
pub struct FiguresVersion;

impl FiguresVersion {
    const ID: i32 = 1;

    pub fn current(conn: &mut DbConnection) -> QueryResult<i64> {
        Ok(
            unique_row(crate::on_native!(conn, |c| figures_version::table
                .find(Self::ID)
                .select(figures_version::version)
                .load(c)))?
            .unwrap_or(0),
        )
    }

    pub fn raise(conn: &mut DbConnection) -> QueryResult<()> {
        diesel::update(figures_version::table.find(Self::ID))
            .set(figures_version::version.eq(figures_version::version + 1))
            .execute(conn)
            .map(drop)
    }
}

/// How many leads received in a period reached each stage.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = network_funnel)]
pub struct FunnelRow {
    pub period: i32,
    pub received: i64,
    pub offered: i64,
    pub accepted: i64,
    pub contacted: i64,
    pub quote_sent: i64,
    pub won: i64,
    pub computed_at: UtcTime,
}

impl FunnelRow {
    pub fn find(conn: &mut DbConnection, period: i32) -> QueryResult<Option<FunnelRow>> {
        unique_row(
            network_funnel::table
                .find(period)
                .select(FunnelRow::as_select())
                .load(conn),
        )
    }

    /// Replaces every period's funnel, in the caller's transaction.
    pub fn replace_all(conn: &mut DbConnection, rows: &[FunnelRow]) -> QueryResult<()> {
        diesel::delete(network_funnel::table).execute(conn)?;
        for row in rows {
            diesel::insert_into(network_funnel::table)
                .values(row)
                .execute(conn)?;
        }
        FiguresVersion::raise(conn)
    }
}

/// Offers made in one week to the dealers of one score quintile.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = network_lead_share)]
pub struct LeadShareRow {
    pub week_start: UtcTime,
    /// 1 (the lowest scores) to 5 (the highest).
    pub quintile: i32,
    pub offers: i64,
}

impl LeadShareRow {
    /// Every week's rows, oldest first.
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<LeadShareRow>> {
        network_lead_share::table
            .select(LeadShareRow::as_select())
            .order((network_lead_share::week_start, network_lead_share::quintile))
            .load(conn)
    }

    /// Replaces every row, in the caller's transaction.
    pub fn replace_all(conn: &mut DbConnection, rows: &[LeadShareRow]) -> QueryResult<()> {
        diesel::delete(network_lead_share::table).execute(conn)?;
        for row in rows {
            diesel::insert_into(network_lead_share::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    }
}
