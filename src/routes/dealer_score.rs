//! The dealer's score page: its score and parts, the trend, what would raise it, and the
//! rule behind every number, on a phone. Only the signed-in dealer's own numbers.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::html;
use crate::error::AppError;
use crate::i18n::FluentArg;
use crate::models::dealer_score::WeightOverride;
use crate::services::dealer_score::ScoreRule;
use crate::services::dealer_score::dealer_view::{ScorePage, WeekPoint};
use crate::web::charts::{LineChart, Series};
use crate::web::score_card::{PartLine, ScoreCardText, part_lines};
use crate::web::{AppState, DealerUser, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes.get("/dealer/score", score_page);
}

#[derive(Template)]
#[template(path = "dealer/score.html")]
struct ScoreTemplate {
    page: Page,
    card: Option<ScoreCardText>,
    parts: Vec<PartLine>,
    weeks: Vec<WeekPoint>,
    chart: String,
    in_force: Option<WeightOverride>,
    computed_at: Option<String>,
    rule: ScoreRule,
}

impl ScoreTemplate {
    /// A rule sentence with its numbers filled in.
    fn rule_text(&self, key: &str) -> String {
        let r = &self.rule;
        let days = |d: f64| FluentArg::Text(self.page.decimal(d, 0));
        let times = |x: f64| FluentArg::Text(self.page.decimal(x, 2));
        let example = crate::services::dealer_score::weight(110.0, 100.0, r);
        let example_below = crate::services::dealer_score::weight(90.0, 100.0, r);
        self.page.locale.t_args(
            key,
            &[
                ("on_time", days(r.on_time_days)),
                ("window", days(r.window_days)),
                ("days", days(r.outcome_after_days)),
                ("half_life", days(r.half_life_days)),
                ("prior", days(r.prior_observations)),
                ("floor", times(r.floor)),
                ("cap", times(r.cap)),
                ("example", times(example)),
                ("example_below", times(example_below)),
            ],
        )
    }

    fn override_line(&self, o: &WeightOverride) -> String {
        self.page.locale.t_args(
            "score-weight-override",
            &[
                ("weight", FluentArg::Text(self.page.decimal(o.weight, 2))),
                (
                    "until",
                    FluentArg::Text(self.page.datetime(&o.expires_at.get())),
                ),
            ],
        )
    }

    /// About how many fresh observations `evidence` (their age-weighted sum) is worth.
    fn observations(&self, evidence: &f64) -> i64 {
        evidence.round() as i64
    }

    fn week(&self, w: &WeekPoint) -> String {
        self.page.date(&w.week.and_time(chrono::NaiveTime::MIN))
    }
}

async fn score_page(
    state: web::Data<AppState>,
    page: Page,
    DealerUser { dealer_id, .. }: DealerUser,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    let ScorePage { card, in_force } = state
        .db
        .read(move |conn| Ok::<_, AppError>(ScorePage::load(conn, dealer_id, now)?))
        .await?;
    let weeks = card.as_ref().map(|c| c.weeks.clone()).unwrap_or_default();
    let chart = if weeks.len() >= 2 {
        LineChart {
            title: page.t("score-trend"),
            x_labels: weeks
                .iter()
                .map(|w| page.date(&w.week.and_time(chrono::NaiveTime::MIN)))
                .collect(),
            series: vec![Series {
                name: page.t("score-label"),
                values: weeks.iter().map(|w| Some(w.score)).collect(),
            }],
            y_min: 0.0,
            y_max: 100.0,
            y_unit: String::new(),
        }
        .render()
    } else {
        String::new()
    };
    let computed_at = card.as_ref().map(|c| {
        page.t1(
            "score-computed-at",
            "at",
            FluentArg::Text(page.datetime(&c.row.computed_at.get())),
        )
    });
    let parts = card
        .as_ref()
        .map(|c| part_lines(c, &page))
        .unwrap_or_default();
    let card = card.as_ref().map(|c| ScoreCardText::new(c, &page));
    html(&ScoreTemplate {
        page,
        card,
        parts,
        weeks,
        chart,
        in_force,
        computed_at,
        rule: state.score_rule(),
    })
}
