//! The seven heuristic attribution models: how much of one conversion each touchpoint of
//! its journey earns. Pure functions over plain data; the shares a model gives a journey
//! sum to 1, and [`credit_cents`] turns them into integer cents that sum exactly to the
//! revenue. The data-driven model is in [`super::markov`].

use chrono::NaiveDateTime;

use super::split::largest_remainder;

pub use crate::domain::AttributionModel as Model;

/// The models whose credits are written with the outcome (all but Markov).
pub const HEURISTIC: [Model; 7] = [
    Model::FirstTouch,
    Model::LastTouch,
    Model::LastNonDirect,
    Model::Linear,
    Model::PositionBased,
    Model::WShaped,
    Model::TimeDecay,
];

/// Attribution's settings (defaults as the issue states them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Position-based: the first touch's share; the last touch gets the same.
    pub position_end_share: f64,
    /// W-shaped: each anchor's share (first, lead creation, opportunity).
    pub w_anchor_share: f64,
    /// Time-decay: a touch's weight halves every this many days before conversion.
    pub time_decay_half_life_days: f64,
    /// The Markov chain's order (1 to 3).
    pub markov_order: usize,
    /// A lead still open this many days after it was received counts as not converted.
    pub horizon_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            position_end_share: 0.4,
            w_anchor_share: 0.3,
            time_decay_half_life_days: 7.0,
            markov_order: 1,
            horizon_days: 180,
        }
    }
}

/// Channels that last non-direct touch skips unless nothing else is there.
pub const DIRECT_CHANNELS: [&str; 2] = ["direct", "organic"];

/// One touchpoint as the models see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Touch {
    pub occurred_at: NaiveDateTime,
    pub channel: String,
}

/// A converted lead's journey: its touchpoints in time order up to the conversion, and
/// the moments the W-shaped model anchors on.
#[derive(Debug, Clone, Copy)]
pub struct Journey<'a> {
    pub touches: &'a [Touch],
    /// When the lead was created (the marketing system's `received_at`).
    pub received_at: NaiveDateTime,
    /// When a dealer accepted it (the opportunity), if one did.
    pub accepted_at: Option<NaiveDateTime>,
    pub converted_at: NaiveDateTime,
}

/// Each touch's share of one conversion under a heuristic `model`; the shares sum to 1
/// (empty for a journey without touches). The Markov model needs a run's removal effects:
/// see [`super::markov::shares`].
pub fn shares(model: Model, journey: &Journey<'_>, settings: &Settings) -> Vec<f64> {
    let n = journey.touches.len();
    if n == 0 {
        return Vec::new();
    }
    let mut out = vec![0.0; n];
    match model {
        Model::FirstTouch => out[0] = 1.0,
        Model::LastTouch => out[n - 1] = 1.0,
        Model::LastNonDirect => {
            let last = journey
                .touches
                .iter()
                .rposition(|t| !DIRECT_CHANNELS.contains(&t.channel.as_str()))
                .unwrap_or(n - 1);
            out[last] = 1.0;
        }
        // Also what the Markov model falls back to when a run has no effect for the
        // journey's channels.
        Model::Linear | Model::Markov => out.fill(1.0 / n as f64),
        Model::PositionBased => position_based(&mut out, settings.position_end_share),
        Model::WShaped => w_shaped(&mut out, journey, settings.w_anchor_share),
        Model::TimeDecay => {
            let half_life = settings.time_decay_half_life_days.max(f64::MIN_POSITIVE);
            for (share, t) in out.iter_mut().zip(journey.touches) {
                let days =
                    (journey.converted_at - t.occurred_at).num_seconds().max(0) as f64 / 86_400.0;
                *share = 0.5f64.powf(days / half_life);
            }
            let sum: f64 = out.iter().sum();
            out.iter_mut().for_each(|s| *s /= sum);
        }
    }
    out
}

/// U-shaped: `end` to the first and to the last touch, the rest spread evenly over the
/// touches between. One touch takes everything; two split evenly.
fn position_based(out: &mut [f64], end: f64) {
    let n = out.len();
    match n {
        1 => out[0] = 1.0,
        2 => out.fill(0.5),
        _ => {
            let end = end.clamp(0.0, 0.5);
            let middle = (1.0 - 2.0 * end) / (n - 2) as f64;
            out.fill(middle);
            out[0] = end;
            out[n - 1] = end;
        }
    }
}

/// W-shaped: `anchor` to each of the first touch, the lead-creation touch (the last one at
/// or before `received_at`) and the opportunity touch (the last one before the dealer
/// accepted), the rest spread evenly over the other touches. Anchors that fall on the same
/// touch count once, and the anchors' part (3 × `anchor`) is shared evenly among the
/// distinct ones; when every touch is an anchor, they share everything.
fn w_shaped(out: &mut [f64], journey: &Journey<'_>, anchor: f64) {
    let touches = journey.touches;
    let n = touches.len();
    let creation = touches
        .iter()
        .rposition(|t| t.occurred_at <= journey.received_at);
    let opportunity = journey
        .accepted_at
        .and_then(|at| touches.iter().rposition(|t| t.occurred_at < at));
    let mut anchors = vec![0];
    for a in [creation, opportunity].into_iter().flatten() {
        if !anchors.contains(&a) {
            anchors.push(a);
        }
    }
    let anchors_part = (3.0 * anchor).clamp(0.0, 1.0);
    let others = n - anchors.len();
    let (each_anchor, each_other) = if others == 0 {
        (1.0 / anchors.len() as f64, 0.0)
    } else {
        (
            anchors_part / anchors.len() as f64,
            (1.0 - anchors_part) / others as f64,
        )
    };
    out.fill(each_other);
    for a in anchors {
        out[a] = each_anchor;
    }
}

/// The revenue's split in integer cents over the journey's touches under `model`: sums
/// exactly to `revenue_cents` (nothing when there are no touches).
pub fn credit_cents(
    model: Model,
    journey: &Journey<'_>,
    settings: &Settings,
    revenue_cents: i64,
) -> Vec<i64> {
    largest_remainder(revenue_cents, &shares(model, journey, settings))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use chrono::{NaiveDate, TimeDelta};
    use proptest::prelude::*;

    use super::*;

    fn day(d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, d)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    fn touches(list: &[(u32, &str)]) -> Vec<Touch> {
        list.iter()
            .map(|(d, c)| Touch {
                occurred_at: day(*d),
                channel: (*c).to_owned(),
            })
            .collect()
    }

    fn journey(t: &[Touch], received: u32, accepted: Option<u32>, converted: u32) -> Journey<'_> {
        Journey {
            touches: t,
            received_at: day(received),
            accepted_at: accepted.map(day),
            converted_at: day(converted),
        }
    }

    /// Four touches: paid search, email, direct, organic; received on the 3rd, accepted
    /// on the 5th, won on the 20th; 1,000.00 € of revenue.
    fn four() -> Vec<Touch> {
        touches(&[
            (1, "paid_search"),
            (2, "email"),
            (4, "direct"),
            (6, "organic"),
        ])
    }

    fn cents(model: Model) -> Vec<i64> {
        let t = four();
        credit_cents(
            model,
            &journey(&t, 3, Some(5), 20),
            &Settings::default(),
            100_000,
        )
    }

    #[test]
    fn models_round_trip_through_their_names() {
        for &m in Model::ALL {
            assert_eq!(m.as_str().parse::<Model>().unwrap(), m);
        }
        assert!("u_shaped".parse::<Model>().is_err());
    }

    #[test]
    fn first_and_last_touch_take_everything() {
        assert_eq!(cents(Model::FirstTouch), vec![100_000, 0, 0, 0]);
        assert_eq!(cents(Model::LastTouch), vec![0, 0, 0, 100_000]);
    }

    #[test]
    fn last_non_direct_skips_direct_and_organic_unless_nothing_else() {
        assert_eq!(cents(Model::LastNonDirect), vec![0, 100_000, 0, 0]);
        let t = touches(&[(1, "organic"), (2, "direct")]);
        let all_direct = credit_cents(
            Model::LastNonDirect,
            &journey(&t, 3, None, 9),
            &Settings::default(),
            500,
        );
        assert_eq!(all_direct, vec![0, 500]);
    }

    #[test]
    fn linear_splits_evenly_with_the_odd_cent_first() {
        assert_eq!(cents(Model::Linear), vec![25_000; 4]);
        let t = touches(&[(1, "a"), (2, "b"), (3, "c")]);
        let j = journey(&t, 3, None, 9);
        assert_eq!(
            credit_cents(Model::Linear, &j, &Settings::default(), 100),
            vec![34, 33, 33]
        );
    }

    #[test]
    fn position_based_gives_forty_twenty_forty() {
        // 40 % to each end, 20 % over the two between.
        assert_eq!(
            cents(Model::PositionBased),
            vec![40_000, 10_000, 10_000, 40_000]
        );
        let t = touches(&[(1, "a"), (2, "b")]);
        let j = journey(&t, 3, None, 9);
        assert_eq!(
            credit_cents(Model::PositionBased, &j, &Settings::default(), 1_001),
            vec![501, 500]
        );
        let shares = Settings {
            position_end_share: 0.3,
            ..Settings::default()
        };
        assert_eq!(
            credit_cents(
                Model::PositionBased,
                &journey(&four(), 3, None, 20),
                &shares,
                100
            ),
            vec![30, 20, 20, 30]
        );
    }

    #[test]
    fn w_shaped_anchors_first_creation_and_opportunity() {
        // First: paid search (1st). Creation: the last touch at or before the 3rd, email
        // (2nd). Opportunity: the last before acceptance on the 5th, direct (4th). 30 %
        // each, the remaining 10 % to organic.
        assert_eq!(cents(Model::WShaped), vec![30_000, 30_000, 30_000, 10_000]);
    }

    #[test]
    fn w_shaped_shares_the_anchors_part_when_anchors_coincide() {
        let t = four();
        // Received on the 1st: the first touch is also the creation touch. Two distinct
        // anchors (paid search, direct) share 90 %; email and organic share 10 %.
        let j = journey(&t, 1, Some(5), 20);
        assert_eq!(
            credit_cents(Model::WShaped, &j, &Settings::default(), 100_000),
            vec![45_000, 5_000, 45_000, 5_000]
        );
        // Never accepted, received before every touch: only the first touch is an
        // anchor, and it takes 90 %.
        let j = journey(&t, 1, None, 20);
        let c = credit_cents(Model::WShaped, &j, &Settings::default(), 90_000);
        assert_eq!(c, vec![81_000, 3_000, 3_000, 3_000]);
        // Every touch an anchor: they share everything.
        let two = touches(&[(1, "a"), (4, "b")]);
        let j = journey(&two, 2, Some(5), 20);
        assert_eq!(
            credit_cents(Model::WShaped, &j, &Settings::default(), 100),
            vec![50, 50]
        );
    }

    #[test]
    fn time_decay_halves_a_touch_every_half_life_before_conversion() {
        // Touches 14, 7 and 0 days before conversion: weights 1/4, 1/2, 1 → 1/7, 2/7, 4/7.
        let t = touches(&[(1, "a"), (8, "b"), (15, "c")]);
        let j = journey(&t, 1, None, 15);
        assert_eq!(
            credit_cents(Model::TimeDecay, &j, &Settings::default(), 700),
            vec![100, 200, 400]
        );
        // A half-life of 14 days: 1/2, 1/√2, 1.
        let slow = Settings {
            time_decay_half_life_days: 14.0,
            ..Settings::default()
        };
        let s = shares(Model::TimeDecay, &j, &slow);
        let total = 0.5 + 0.5f64.sqrt() + 1.0;
        assert!((s[0] - 0.5 / total).abs() < 1e-12);
        assert!((s[2] - 1.0 / total).abs() < 1e-12);
    }

    #[test]
    fn a_journey_without_touches_gets_no_credit() {
        let j = journey(&[], 1, None, 2);
        assert!(credit_cents(Model::Linear, &j, &Settings::default(), 100).is_empty());
    }

    proptest! {
        #[test]
        fn every_model_credits_exactly_the_revenue(
            gaps in prop::collection::vec((0i64..2_000_000, 0usize..4), 1..12),
            received in 0i64..30_000_000,
            accepted in proptest::option::of(0i64..30_000_000),
            revenue in 0i64..100_000_000_000,
        ) {
            let channels = ["direct", "email", "paid_search", "organic"];
            let start = day(1);
            let mut at = start;
            let t: Vec<Touch> = gaps.iter().map(|(gap, c)| {
                at += TimeDelta::seconds(*gap);
                Touch { occurred_at: at, channel: channels[*c].to_owned() }
            }).collect();
            let j = Journey {
                touches: &t,
                received_at: start + TimeDelta::seconds(received),
                accepted_at: accepted.map(|a| start + TimeDelta::seconds(a)),
                converted_at: at,
            };
            for m in HEURISTIC {
                let s = shares(m, &j, &Settings::default());
                prop_assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{m}: {s:?}");
                prop_assert!(s.iter().all(|x| *x >= 0.0));
                let c = credit_cents(m, &j, &Settings::default(), revenue);
                prop_assert_eq!(c.iter().sum::<i64>(), revenue, "{}", m);
            }
        }
    }
}
