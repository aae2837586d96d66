//! The dealer score: one pure function from a dealer's recent behaviour (and the
//! network's) to a number from 0 to 100, and from that score to the dealer's weight in lead
//! allocation. No database here: the caller gathers the observations.
//!
//! The rule, in four parts, each a weighted mean of observations in 0..=1:
//! - **feedback completeness** (40 %): the stored completeness of each feedback request
//!   that came due; a request that closed without a submission counts 0;
//! - **timeliness** (20 %): a form submitted within 3 days of the request counts 1, falling
//!   linearly to 0 at the end of the feedback window;
//! - **responsiveness** (25 %): an offer answered before its deadline counts from 1
//!   (answered at once) down to 0.5 (answered at the deadline); an offer left to expire
//!   counts 0;
//! - **outcome reporting** (15 %): an accepted lead older than the feedback delay counts 1
//!   if its outcome is known, 0 if not.
//!
//! Each observation weighs `0.5^(age / half_life)` (default half-life 90 days), so old
//! behaviour fades. Each part is then shrunk toward the network's mean of that part by a
//! prior worth `prior_observations` observations (default 5, empirical Bayes): a dealer
//! with no history scores the network average, and one lucky form does not make a
//! champion.
//!
//! The weight is the score relative to the network's mean score, raised to
//! `sensitivity`, and kept between `floor` and `cap` (defaults 0.5× and 2×): it rises with
//! the score, never reaches zero and never runs away.

/// The parts of the score, in the order they are listed to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Completeness,
    Timeliness,
    Responsiveness,
    OutcomeReporting,
}

impl Part {
    pub const ALL: [Part; 4] = [
        Part::Completeness,
        Part::Timeliness,
        Part::Responsiveness,
        Part::OutcomeReporting,
    ];

    /// The share of the score this part carries (the shares add up to 1).
    pub fn share(self) -> f64 {
        match self {
            Part::Completeness => 0.40,
            Part::Timeliness => 0.20,
            Part::Responsiveness => 0.25,
            Part::OutcomeReporting => 0.15,
        }
    }

    /// The part's name in code, URLs and message keys.
    pub fn code(self) -> &'static str {
        match self {
            Part::Completeness => "completeness",
            Part::Timeliness => "timeliness",
            Part::Responsiveness => "responsiveness",
            Part::OutcomeReporting => "outcome-reporting",
        }
    }

    /// The part's position in [`Part::ALL`].
    pub fn index(self) -> usize {
        match self {
            Part::Completeness => 0,
            Part::Timeliness => 1,
            Part::Responsiveness => 2,
            Part::OutcomeReporting => 3,
        }
    }
}

/// The settings of the rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRule {
    /// After this many days an observation counts half.
    pub half_life_days: f64,
    /// How many observations the network average is worth in each part.
    pub prior_observations: f64,
    /// A form within this many days of its request is fully on time.
    pub on_time_days: f64,
    /// The feedback window: a form this many days after its request counts 0 for timeliness.
    pub window_days: f64,
    /// The lowest and highest weight, relative to the average dealer's.
    pub floor: f64,
    pub cap: f64,
    /// How strongly the weight follows the score (1: in proportion).
    pub sensitivity: f64,
    /// An accepted lead is expected to have an outcome this many days after acceptance
    /// (the feedback delay).
    pub outcome_after_days: f64,
}

impl Default for ScoreRule {
    fn default() -> Self {
        Self {
            half_life_days: 90.0,
            prior_observations: 5.0,
            on_time_days: 3.0,
            window_days: 14.0,
            floor: 0.5,
            cap: 2.0,
            sensitivity: 2.0,
            outcome_after_days: 30.0,
        }
    }
}

/// One thing a dealer did (or did not do), and how many days ago.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation {
    /// A feedback request came due: its completeness (0..=1), 0 if never submitted.
    Feedback { completeness: f64, age_days: f64 },
    /// A form was submitted `after_days` after its request.
    Submitted { after_days: f64, age_days: f64 },
    /// An offer answered after this share (0..=1) of the time it allowed, or left to
    /// expire (`None`).
    Offer {
        answered_share: Option<f64>,
        age_days: f64,
    },
    /// An accepted lead past the feedback delay, with or without a known outcome.
    Outcome { reported: bool, age_days: f64 },
}

impl Observation {
    /// The part it counts in and its value in 0..=1.
    fn value(self, rule: &ScoreRule) -> (Part, f64, f64) {
        match self {
            Observation::Feedback {
                completeness,
                age_days,
            } => (Part::Completeness, completeness.clamp(0.0, 1.0), age_days),
            Observation::Submitted {
                after_days,
                age_days,
            } => {
                let late = (after_days - rule.on_time_days).max(0.0);
                let span = (rule.window_days - rule.on_time_days).max(f64::EPSILON);
                (
                    Part::Timeliness,
                    (1.0 - late / span).clamp(0.0, 1.0),
                    age_days,
                )
            }
            Observation::Offer {
                answered_share,
                age_days,
            } => {
                let value = answered_share.map_or(0.0, |s| 1.0 - 0.5 * s.clamp(0.0, 1.0));
                (Part::Responsiveness, value, age_days)
            }
            Observation::Outcome { reported, age_days } => (
                Part::OutcomeReporting,
                if reported { 1.0 } else { 0.0 },
                age_days,
            ),
        }
    }
}

/// The weighted sums of one dealer's observations, per part: what the score is made of
/// before shrinkage. Adding observations is all a recomputation after one event needs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    /// Per part: the sum of weights and the sum of weighted values.
    weight: [f64; 4],
    value: [f64; 4],
}

impl Evidence {
    /// The evidence of `observations` under `rule`.
    pub fn of(observations: &[Observation], rule: &ScoreRule) -> Self {
        let mut evidence = Evidence::default();
        for &o in observations {
            evidence.add(o, rule);
        }
        evidence
    }

    pub fn add(&mut self, observation: Observation, rule: &ScoreRule) {
        let (part, value, age_days) = observation.value(rule);
        let w = 0.5_f64.powf(age_days.max(0.0) / rule.half_life_days.max(f64::EPSILON));
        self.weight[part.index()] += w;
        self.value[part.index()] += w * value;
    }

    /// Evidence from its kept sums: per part, the sum of weights and of weighted values.
    pub fn from_sums(weight: [f64; 4], value: [f64; 4]) -> Self {
        Evidence { weight, value }
    }

    /// The sums to keep: per part, the sum of weights and of weighted values.
    pub fn sums(&self) -> ([f64; 4], [f64; 4]) {
        (self.weight, self.value)
    }

    /// The same evidence `days` later, nothing observed meanwhile. Every observation's
    /// weight halves each half-life, so every sum is multiplied by one factor: ageing
    /// kept evidence gives what reading the observations again would.
    pub fn aged(&self, days: f64, rule: &ScoreRule) -> Self {
        let factor = 0.5_f64.powf(days.max(0.0) / rule.half_life_days.max(f64::EPSILON));
        Evidence {
            weight: self.weight.map(|w| w * factor),
            value: self.value.map(|v| v * factor),
        }
    }

    /// Adds another set of evidence of the same dealer (from another source).
    pub fn merge(&mut self, other: &Evidence) {
        for i in 0..4 {
            self.weight[i] += other.weight[i];
            self.value[i] += other.value[i];
        }
    }

    /// How much (age-weighted) evidence a part has: 1.0 is one fresh observation.
    pub fn amount(&self, part: Part) -> f64 {
        self.weight[part.index()]
    }

    /// The part's own mean, if it has any evidence.
    pub fn mean(&self, part: Part) -> Option<f64> {
        let w = self.weight[part.index()];
        (w > 0.0).then(|| self.value[part.index()] / w)
    }
}

/// The network's mean of each part (0..=1): the prior every dealer is shrunk toward.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkPrior([f64; 4]);

impl NetworkPrior {
    /// The prior with these part means (as stored), in [`Part::ALL`] order.
    pub fn from_means(means: [f64; 4]) -> Self {
        NetworkPrior(means)
    }

    /// The evidence-weighted mean of each part over every dealer; 0.5 for a part no dealer
    /// has evidence for yet.
    pub fn of<'a>(dealers: impl IntoIterator<Item = &'a Evidence>) -> Self {
        let (mut weight, mut value) = ([0.0; 4], [0.0; 4]);
        for e in dealers {
            for i in 0..4 {
                weight[i] += e.weight[i];
                value[i] += e.value[i];
            }
        }
        let mut means = [0.5; 4];
        for i in 0..4 {
            if weight[i] > 0.0 {
                means[i] = value[i] / weight[i];
            }
        }
        NetworkPrior(means)
    }

    pub fn mean(&self, part: Part) -> f64 {
        self.0[part.index()]
    }

    /// The score of a dealer with no history: the network average.
    pub fn score(&self) -> f64 {
        100.0
            * Part::ALL
                .iter()
                .map(|&p| p.share() * self.mean(p))
                .sum::<f64>()
    }
}

/// A dealer's score with its parts, each after shrinkage (0..=1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    parts: [f64; 4],
}

impl Score {
    /// The score of `evidence` against the network's `prior` under `rule`.
    pub fn of(evidence: &Evidence, prior: &NetworkPrior, rule: &ScoreRule) -> Self {
        let k = rule.prior_observations.max(0.0);
        let mut parts = [0.0; 4];
        for part in Part::ALL {
            let i = part.index();
            let total = evidence.weight[i] + k;
            parts[i] = if total > 0.0 {
                (evidence.value[i] + k * prior.mean(part)) / total
            } else {
                prior.mean(part)
            };
        }
        Score { parts }
    }

    /// The score with these parts (as stored), in [`Part::ALL`] order.
    pub fn from_parts(parts: [f64; 4]) -> Self {
        Score { parts }
    }

    /// A part after shrinkage, 0..=1.
    pub fn part(&self, part: Part) -> f64 {
        self.parts[part.index()]
    }

    /// The score, 0..=100.
    pub fn value(&self) -> f64 {
        100.0
            * Part::ALL
                .iter()
                .map(|&p| p.share() * self.part(p))
                .sum::<f64>()
    }
}

/// The allocation weight of a dealer scoring `score` in a network whose mean score is
/// `network_mean`: `(score / mean)^sensitivity`, kept within `floor..=cap`. With no
/// meaningful mean (an empty network) every dealer weighs 1.
pub fn weight(score: f64, network_mean: f64, rule: &ScoreRule) -> f64 {
    if network_mean.is_nan() || network_mean <= 0.0 || !score.is_finite() {
        return 1.0;
    }
    let ratio = (score.max(0.0) / network_mean).powf(rule.sensitivity);
    ratio.clamp(rule.floor, rule.cap)
}

/// A dealer whose answers look bought rather than given: a share of its submissions (leads
/// marked "never reached", or rated 1 out of 5) far above the network's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anomaly {
    /// The dealer's share and the network's, 0..=1, and the submissions counted.
    pub dealer_rate: f64,
    pub network_rate: f64,
    pub submissions: u32,
}

/// Flags a rate that is both at least `min_submissions` strong and well above the
/// network's: more than twice it and at least 25 points over it.
pub fn anomaly(
    dealer_hits: u32,
    dealer_submissions: u32,
    network_rate: f64,
    min_submissions: u32,
) -> Option<Anomaly> {
    if dealer_submissions < min_submissions.max(1) {
        return None;
    }
    let dealer_rate = f64::from(dealer_hits) / f64::from(dealer_submissions);
    (dealer_rate > 2.0 * network_rate && dealer_rate >= network_rate + 0.25).then_some(Anomaly {
        dealer_rate,
        network_rate,
        submissions: dealer_submissions,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, reason = "a test fails loudly")]

    use super::*;

    fn fresh_forms(completeness: f64, n: usize) -> Vec<Observation> {
        (0..n)
            .map(|_| Observation::Feedback {
                completeness,
                age_days: 0.0,
            })
            .collect()
    }

    fn prior(mean: f64) -> NetworkPrior {
        NetworkPrior([mean; 4])
    }

    #[test]
    fn kept_evidence_aged_equals_the_same_observations_read_later() {
        let rule = ScoreRule::default();
        let at = |later: f64| {
            Evidence::of(
                &[
                    Observation::Feedback {
                        completeness: 0.8,
                        age_days: 3.0 + later,
                    },
                    Observation::Submitted {
                        after_days: 5.0,
                        age_days: 40.0 + later,
                    },
                    Observation::Offer {
                        answered_share: Some(0.25),
                        age_days: 0.5 + later,
                    },
                    Observation::Offer {
                        answered_share: None,
                        age_days: 200.0 + later,
                    },
                    Observation::Outcome {
                        reported: true,
                        age_days: 61.0 + later,
                    },
                ],
                &rule,
            )
        };
        for later in [0.0, 1.0 / 24.0, 1.0, 30.0, 365.0] {
            let (kept, read) = (at(0.0).aged(later, &rule).sums(), at(later).sums());
            for (k, r) in kept
                .0
                .iter()
                .chain(&kept.1)
                .zip(read.0.iter().chain(&read.1))
            {
                assert!(
                    (k - r).abs() <= 1e-12 * r.abs().max(1.0),
                    "{later}: {k} vs {r}"
                );
            }
        }
        // A clock that went back does not make evidence fresher.
        assert_eq!(at(0.0).aged(-2.0, &rule), at(0.0));
    }

    #[test]
    fn a_dealer_without_history_scores_the_network_average() {
        let rule = ScoreRule::default();
        let network = prior(0.6);
        let score = Score::of(&Evidence::default(), &network, &rule);
        assert!((score.value() - 60.0).abs() < 1e-9);
        assert!((score.value() - network.score()).abs() < 1e-9);
    }

    #[test]
    fn one_perfect_form_moves_a_new_dealer_only_a_little() {
        let rule = ScoreRule::default();
        let one = Evidence::of(&fresh_forms(1.0, 1), &rule);
        let many = Evidence::of(&fresh_forms(1.0, 50), &rule);
        let network = prior(0.5);
        let after_one = Score::of(&one, &network, &rule).part(Part::Completeness);
        let after_many = Score::of(&many, &network, &rule).part(Part::Completeness);
        // (1 + 5 × 0.5) / 6 and (50 + 2.5) / 55
        assert!((after_one - 3.5 / 6.0).abs() < 1e-9, "{after_one}");
        assert!((after_many - 52.5 / 55.0).abs() < 1e-9, "{after_many}");
        assert!(after_one < after_many);
    }

    #[test]
    fn an_observation_half_a_life_old_counts_half() {
        let rule = ScoreRule::default();
        let old = Evidence::of(
            &[Observation::Feedback {
                completeness: 1.0,
                age_days: 90.0,
            }],
            &rule,
        );
        assert!((old.amount(Part::Completeness) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_form_within_three_days_is_on_time_and_one_at_the_window_end_is_not() {
        let rule = ScoreRule::default();
        let value = |after_days| {
            Evidence::of(
                &[Observation::Submitted {
                    after_days,
                    age_days: 0.0,
                }],
                &rule,
            )
            .mean(Part::Timeliness)
            .unwrap_or(f64::NAN)
        };
        assert_eq!(value(1.0), 1.0);
        assert_eq!(value(3.0), 1.0);
        assert!((value(8.5) - 0.5).abs() < 1e-12);
        assert_eq!(value(14.0), 0.0);
        assert_eq!(value(30.0), 0.0);
    }

    #[test]
    fn an_expired_offer_counts_nothing_and_a_quick_answer_counts_most() {
        let rule = ScoreRule::default();
        let value = |answered_share| {
            Evidence::of(
                &[Observation::Offer {
                    answered_share,
                    age_days: 0.0,
                }],
                &rule,
            )
            .mean(Part::Responsiveness)
            .unwrap_or(f64::NAN)
        };
        assert_eq!(value(None), 0.0);
        assert_eq!(value(Some(0.0)), 1.0);
        assert_eq!(value(Some(1.0)), 0.5);
    }

    #[test]
    fn the_weight_follows_the_score_within_the_floor_and_the_cap() {
        let rule = ScoreRule::default();
        assert_eq!(weight(60.0, 60.0, &rule), 1.0);
        assert!(weight(70.0, 60.0, &rule) > 1.0);
        assert!(weight(50.0, 60.0, &rule) < 1.0);
        assert_eq!(weight(0.0, 60.0, &rule), 0.5);
        assert_eq!(weight(100.0, 30.0, &rule), 2.0);
        assert_eq!(
            weight(50.0, 0.0, &rule),
            1.0,
            "an empty network weighs everyone 1"
        );
    }

    #[test]
    fn a_dealer_marking_most_leads_never_reached_is_flagged_with_the_numbers() {
        let flagged = anomaly(16, 20, 0.1, 5).expect("flagged");
        assert_eq!(flagged.submissions, 20);
        assert!((flagged.dealer_rate - 0.8).abs() < 1e-12);
        assert_eq!(flagged.network_rate, 0.1);
        assert_eq!(anomaly(3, 20, 0.1, 5), None, "15 % is not far above 10 %");
        assert_eq!(anomaly(4, 4, 0.1, 5), None, "too few submissions to tell");
    }

    #[test]
    fn the_network_prior_is_the_evidence_weighted_mean_of_every_dealer() {
        let rule = ScoreRule::default();
        let good = Evidence::of(&fresh_forms(1.0, 3), &rule);
        let poor = Evidence::of(&fresh_forms(0.0, 1), &rule);
        let network = NetworkPrior::of([&good, &poor]);
        assert!((network.mean(Part::Completeness) - 0.75).abs() < 1e-12);
        assert_eq!(
            network.mean(Part::Timeliness),
            0.5,
            "no evidence: the midpoint"
        );
    }
}
