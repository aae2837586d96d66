//! A dealer's score card in the page's language: the sentences and the small chart the
//! dealer's home and score page show, built once from the stored numbers
//! ([`ScoreCard`]) so both pages say the same thing the same way.

use crate::i18n::FluentArg;
use crate::services::dealer_score::Part;
use crate::services::dealer_score::dealer_view::{Lever, ScoreCard};
use crate::web::Page;
use crate::web::charts;

/// One part of the score as a line of the card.
pub struct PartLine {
    pub code: &'static str,
    pub name: String,
    /// The part, and the network's mean, on the 0-100 scale.
    pub yours: f64,
    pub network: f64,
    /// The part's share of the score, in percent.
    pub share: f64,
    /// The sentence saying what the part measured for this dealer.
    pub words: String,
    /// About how many recent observations the part rests on.
    pub evidence: f64,
}

/// The card as shown.
pub struct ScoreCardText {
    pub score: f64,
    pub network_score: f64,
    pub weight: f64,
    /// "You were offered 1.2 % of the leads …".
    pub share: String,
    /// What would raise the score, computed.
    pub lever: String,
    /// The leads catching up would have brought, when that is the lever.
    pub lever_leads: Option<String>,
    /// An inline SVG of the weekly scores (empty with fewer than two weeks).
    pub sparkline: String,
    pub lever_kind: &'static str,
}

impl ScoreCardText {
    /// The card as the home shows it (the parts are only on the score page: see
    /// [`part_lines`]).
    pub fn new(card: &ScoreCard, page: &Page) -> Self {
        let pct = |x: f64| format!("{} %", page.decimal(100.0 * x, 0));
        let pct1 = |x: f64| format!("{} %", page.decimal(100.0 * x, 1));
        let share = page.locale.t_args(
            "score-share",
            &[
                ("yours", FluentArg::Text(pct1(card.share()))),
                ("count", FluentArg::Number(card.row.offers_30d as f64)),
                ("equal", FluentArg::Text(pct1(card.equal_share()))),
            ],
        );
        let (lever, lever_leads, lever_kind) = match card.lever() {
            Lever::CatchUp {
                forms,
                overdue,
                outcomes,
                from,
                to,
                leads_now,
                leads_then,
            } => {
                let key = match (forms > 0, outcomes > 0) {
                    (true, true) => "score-action-forms-and-outcomes",
                    (true, false) => "score-action-forms",
                    _ => "score-action-outcomes",
                };
                let actions = page.locale.t_args(
                    key,
                    &[
                        ("forms", FluentArg::Number(forms as f64)),
                        ("overdue", FluentArg::Number(overdue as f64)),
                        ("outcomes", FluentArg::Number(outcomes as f64)),
                    ],
                );
                let lever = page.locale.t_args(
                    "score-lever-catch-up",
                    &[
                        ("actions", FluentArg::Text(actions)),
                        ("from", FluentArg::Text(page.decimal(from, 0))),
                        ("to", FluentArg::Text(page.decimal(to, 0))),
                    ],
                );
                let leads = (leads_then != leads_now).then(|| {
                    page.locale.t_args(
                        "score-lever-leads",
                        &[
                            ("then", FluentArg::Number(leads_then as f64)),
                            ("now", FluentArg::Number(leads_now as f64)),
                        ],
                    )
                });
                (lever, leads, "catch-up")
            }
            Lever::Weakest {
                part,
                yours,
                network,
            } => (
                page.locale.t_args(
                    &format!("score-lever-{}", part.code()),
                    &[
                        ("yours", FluentArg::Text(pct(yours))),
                        ("network", FluentArg::Text(pct(network))),
                    ],
                ),
                None,
                "weakest",
            ),
            Lever::KeepGoing => (page.t("score-lever-keep-going"), None, "keep-going"),
        };
        let sparkline = charts::sparkline(&card.trend(), 0.0, 100.0, &page.t("score-trend"));
        Self {
            score: card.row.score,
            network_score: card.network.mean_score,
            weight: card.row.weight,
            share,
            lever,
            lever_leads,
            sparkline,
            lever_kind,
        }
    }
}

/// The four parts of the score in words, beside the network's.
pub fn part_lines(card: &ScoreCard, page: &Page) -> Vec<PartLine> {
    let pct = |x: f64| format!("{} %", page.decimal(100.0 * x, 0));
    Part::ALL
        .into_iter()
        .map(|p| {
            let (yours, network) = (card.part(p), card.network_part(p));
            PartLine {
                code: p.code(),
                name: page.t(&format!("score-part-{}", p.code())),
                yours: 100.0 * yours,
                network: 100.0 * network,
                share: 100.0 * p.share(),
                words: page.locale.t_args(
                    &format!("score-words-{}", p.code()),
                    &[
                        ("yours", FluentArg::Text(pct(yours))),
                        ("network", FluentArg::Text(pct(network))),
                    ],
                ),
                evidence: card.evidence(p),
            }
        })
        .collect()
}
