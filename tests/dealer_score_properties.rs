//! Properties of the dealer score that must hold for any history: the weight never leaves
//! its floor and cap, a better answer never lowers the score, and ageing only fades.

use dealerloop::services::dealer_score::{
    Evidence, NetworkPrior, Observation, Part, Score, ScoreRule, weight,
};
use proptest::prelude::*;

fn observation() -> impl Strategy<Value = Observation> {
    let age = 0.0..720.0_f64;
    prop_oneof![
        (0.0..=1.0_f64, age.clone()).prop_map(|(completeness, age_days)| {
            Observation::Feedback {
                completeness,
                age_days,
            }
        }),
        (0.0..30.0_f64, age.clone()).prop_map(|(after_days, age_days)| Observation::Submitted {
            after_days,
            age_days
        }),
        (proptest::option::of(0.0..=1.0_f64), age.clone()).prop_map(
            |(answered_share, age_days)| Observation::Offer {
                answered_share,
                age_days
            }
        ),
        (any::<bool>(), age)
            .prop_map(|(reported, age_days)| Observation::Outcome { reported, age_days }),
    ]
}

proptest! {
    #[test]
    fn the_weight_never_leaves_the_floor_and_the_cap(score in 0.0..=100.0_f64, mean in 0.0..=100.0_f64) {
        let rule = ScoreRule::default();
        let w = weight(score, mean, &rule);
        prop_assert!((rule.floor..=rule.cap).contains(&w), "{w}");
    }

    #[test]
    fn a_higher_score_never_gets_a_lower_weight(a in 0.0..=100.0_f64, b in 0.0..=100.0_f64, mean in 1.0..=100.0_f64) {
        let rule = ScoreRule::default();
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(weight(low, mean, &rule) <= weight(high, mean, &rule));
    }

    #[test]
    fn the_score_stays_between_0_and_100(history in prop::collection::vec(observation(), 0..60), network in prop::collection::vec(observation(), 0..60)) {
        let rule = ScoreRule::default();
        let prior = NetworkPrior::of([&Evidence::of(&network, &rule)]);
        let score = Score::of(&Evidence::of(&history, &rule), &prior, &rule).value();
        prop_assert!((0.0..=100.0).contains(&score), "{score}");
    }

    #[test]
    fn a_more_complete_form_never_lowers_the_score(history in prop::collection::vec(observation(), 0..40), low in 0.0..=1.0_f64, extra in 0.0..=1.0_f64, age_days in 0.0..365.0_f64) {
        let rule = ScoreRule::default();
        let prior = NetworkPrior::of([&Evidence::of(&history, &rule)]);
        let with = |completeness: f64| {
            let mut e = Evidence::of(&history, &rule);
            e.add(Observation::Feedback { completeness, age_days }, &rule);
            Score::of(&e, &prior, &rule).value()
        };
        let high = (low + extra).min(1.0);
        prop_assert!(with(low) <= with(high) + 1e-9);
    }

    #[test]
    fn shrinkage_keeps_each_part_between_the_dealers_own_mean_and_the_networks(history in prop::collection::vec(observation(), 1..40), network_mean in 0.0..=1.0_f64) {
        let rule = ScoreRule::default();
        let evidence = Evidence::of(&history, &rule);
        let prior = {
            // A network whose every part has mean `network_mean`, with plenty of evidence.
            let obs: Vec<Observation> = (0..200).flat_map(|_| [
                Observation::Feedback { completeness: network_mean, age_days: 0.0 },
                Observation::Outcome { reported: network_mean >= 0.5, age_days: 0.0 },
            ]).collect();
            NetworkPrior::of([&Evidence::of(&obs, &rule)])
        };
        let score = Score::of(&evidence, &prior, &rule);
        for part in Part::ALL {
            let shrunk = score.part(part);
            match evidence.mean(part) {
                Some(own) => {
                    let (lo, hi) = if own <= prior.mean(part) { (own, prior.mean(part)) } else { (prior.mean(part), own) };
                    prop_assert!(shrunk >= lo - 1e-9 && shrunk <= hi + 1e-9, "{part:?}: {shrunk} not within {lo}..{hi}");
                }
                None => prop_assert!((shrunk - prior.mean(part)).abs() < 1e-12),
            }
        }
    }
}
