//! How the simulated dealers behave: four groups of equal size, each with feedback habits
//! (how fast they answer offers, whether and when they report outcomes, how completely
//! and how soon they fill in the feedback form), drawn from a seeded [`Dice`]. Pure: no
//! database, no clock.

use chrono::{NaiveDate, TimeDelta};

use crate::domain::feedback_fields::Outcome;
use crate::services::feedback::form::FeedbackForm;

/// The product line every simulated dealer sells and every simulated lead asks for.
pub const PRODUCT_LINE: &str = "lathes";

/// A seeded generator (SplitMix64): the same seed gives the same run, on every platform
/// and with every version of the dependencies.
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A span between `from` and `to` hours, to the second.
    pub fn hours(&mut self, from: f64, to: f64) -> TimeDelta {
        let hours = from + (to - from) * self.unit();
        TimeDelta::seconds((hours * 3600.0).round() as i64)
    }

    /// A span between `from` and `to` days, to the second.
    pub fn days(&mut self, from: f64, to: f64) -> TimeDelta {
        self.hours(from * 24.0, to * 24.0)
    }
}

/// The groups of simulated dealers, by feedback habits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Accepts within hours, reports every outcome within days, fills in every form
    /// completely within a day or two.
    Diligent,
    /// Answers offers slowly (and lets some expire), reports outcomes late, fills in half
    /// the fields a week after the request.
    Partial,
    /// Answers late or lets offers expire, never reports an outcome, never fills in a form.
    Silent,
    /// Silent for the first half of the run, diligent after.
    Improver,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::Diligent,
        Group::Partial,
        Group::Silent,
        Group::Improver,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Diligent => "diligent",
            Group::Partial => "partial",
            Group::Silent => "silent",
            Group::Improver => "improver",
        }
    }

    /// The group of the `index`-th dealer (0-based): round robin, so the groups are of
    /// equal size (within one dealer).
    pub fn of_dealer(index: usize) -> Group {
        Group::ALL[index % Group::ALL.len()]
    }

    /// How a dealer of this group behaves on day `day` (0-based) of a run of `days`.
    pub fn habit_on(self, day: i64, days: i64) -> Habit {
        match self {
            Group::Diligent => Habit::Diligent,
            Group::Partial => Habit::Partial,
            Group::Silent => Habit::Silent,
            Group::Improver if day < days / 2 => Habit::Silent,
            Group::Improver => Habit::Diligent,
        }
    }
}

/// What a dealer does, on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Habit {
    Diligent,
    Partial,
    Silent,
}

/// A dealer's answer to an offer, `after` it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferAnswer {
    Accept {
        after: TimeDelta,
    },
    Decline {
        after: TimeDelta,
    },
    /// Left to expire at its deadline.
    Ignore,
}

/// How much of the feedback form a dealer fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fill {
    /// Every field that applies to the outcome.
    Complete,
    /// The outcome (and, for a loss, its required reason) and about half the other fields.
    Half,
}

impl Habit {
    /// The answer to an offer with 48 hours to answer.
    pub fn answer_offer(self, dice: &mut Dice) -> OfferAnswer {
        let roll = dice.unit();
        match self {
            Habit::Diligent if roll < 0.95 => OfferAnswer::Accept {
                after: dice.hours(0.2, 4.0),
            },
            Habit::Diligent => OfferAnswer::Decline {
                after: dice.hours(0.2, 4.0),
            },
            Habit::Partial if roll < 0.80 => OfferAnswer::Accept {
                after: dice.hours(16.0, 40.0),
            },
            Habit::Partial if roll < 0.85 => OfferAnswer::Decline {
                after: dice.hours(16.0, 40.0),
            },
            Habit::Partial => OfferAnswer::Ignore,
            Habit::Silent if roll < 0.40 => OfferAnswer::Accept {
                after: dice.hours(38.0, 47.0),
            },
            Habit::Silent => OfferAnswer::Ignore,
        }
    }

    /// Whether, how long after accepting, and with which outcome the dealer reports the
    /// sale won or lost (`None`: never; the feedback timer then asks after a month).
    pub fn report_outcome(self, dice: &mut Dice) -> Option<(TimeDelta, Outcome)> {
        let after = match self {
            Habit::Diligent => dice.days(3.0, 12.0),
            Habit::Partial if dice.chance(0.7) => dice.days(10.0, 25.0),
            Habit::Partial | Habit::Silent => return None,
        };
        Some((after, sale_outcome(dice)))
    }

    /// Whether, how long after the request opened, and how completely the dealer fills in
    /// a feedback form (`None`: never).
    pub fn fill_form(self, dice: &mut Dice) -> Option<(TimeDelta, Fill)> {
        match self {
            Habit::Diligent => Some((dice.hours(2.0, 40.0), Fill::Complete)),
            Habit::Partial => Some((dice.days(5.0, 11.0), Fill::Half)),
            Habit::Silent => None,
        }
    }
}

/// Won two times in five.
pub fn sale_outcome(dice: &mut Dice) -> Outcome {
    if dice.chance(0.4) {
        Outcome::Won
    } else {
        Outcome::Lost
    }
}

/// The feedback form as the dealer types it on `today`: every field that applies to
/// `outcome` for [`Fill::Complete`]; for [`Fill::Half`] the outcome (with a loss's
/// required reason) and each other field with even odds.
pub fn feedback_form(
    outcome: Outcome,
    fill: Fill,
    today: NaiveDate,
    dice: &mut Dice,
) -> FeedbackForm {
    let keep = |dice: &mut Dice| fill == Fill::Complete || dice.chance(0.5);
    let mut form = FeedbackForm {
        outcome: outcome.as_str().to_owned(),
        ..FeedbackForm::default()
    };
    if keep(dice) {
        form.close_date = today.format("%Y-%m-%d").to_string();
    }
    match outcome {
        Outcome::Won => {
            if keep(dice) {
                form.revenue = format!("{}", 8_000 + dice.next_u64() % 60_000);
            }
            if keep(dice) {
                form.products = vec![PRODUCT_LINE.to_owned()];
            }
        }
        Outcome::Lost => {
            form.lost_reason = "price".into();
            if keep(dice) {
                form.competitor = "Torneria Rivale S.p.A.".into();
            }
        }
        Outcome::StillOpen | Outcome::Unreached => {}
    }
    if keep(dice) {
        form.decision_factors = vec!["price".into(), "service".into()];
    }
    if keep(dice) {
        form.first_heard = "trade_fair".into();
    }
    if keep(dice) {
        form.lead_quality = format!("{}", 2 + dice.next_u64() % 4);
    }
    if keep(dice) {
        form.notes = "Cliente seguito in visita.".into();
    }
    form
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;
    use crate::i18n::Locale;
    use crate::services::feedback::form::{FormContext, check};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    fn completeness(outcome: Outcome, fill: Fill, dice: &mut Dice) -> u32 {
        let lines = vec![PRODUCT_LINE.to_owned()];
        let ctx = FormContext {
            locale: Locale::En,
            today: today(),
            lead_received: today() - TimeDelta::days(20),
            product_lines: &lines,
        };
        let form = feedback_form(outcome, fill, today(), dice);
        check(&form, &ctx, true).unwrap().completeness().permille
    }

    #[test]
    fn the_same_seed_rolls_the_same_dice_and_another_seed_does_not() {
        let roll = |seed| {
            let mut dice = Dice::new(seed);
            (0..8).map(|_| dice.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(roll(7), roll(7));
        assert_ne!(roll(7), roll(8));
        let mut dice = Dice::new(1);
        assert!(
            (0..1000)
                .map(|_| dice.unit())
                .all(|u| (0.0..1.0).contains(&u))
        );
    }

    #[test]
    fn a_complete_form_passes_the_checks_and_is_fully_complete() {
        let mut dice = Dice::new(3);
        for outcome in [Outcome::Won, Outcome::Lost] {
            assert_eq!(completeness(outcome, Fill::Complete, &mut dice), 1000);
        }
    }

    #[test]
    fn a_half_filled_form_passes_the_checks_and_is_about_half_complete() {
        let mut dice = Dice::new(5);
        let runs = 400;
        let total: u32 = (0..runs)
            .map(|i| {
                let outcome = if i % 2 == 0 {
                    Outcome::Won
                } else {
                    Outcome::Lost
                };
                completeness(outcome, Fill::Half, &mut dice)
            })
            .sum();
        let mean = f64::from(total) / f64::from(runs);
        assert!((400.0..700.0).contains(&mean), "mean completeness {mean}‰");
    }

    #[test]
    fn diligent_dealers_answer_within_hours_and_silent_ones_mostly_never() {
        let mut dice = Dice::new(11);
        let answers = |habit: Habit, dice: &mut Dice| {
            (0..1000)
                .map(|_| habit.answer_offer(dice))
                .collect::<Vec<_>>()
        };
        let diligent = answers(Habit::Diligent, &mut dice);
        assert!(diligent.iter().all(|a| match a {
            OfferAnswer::Accept { after } | OfferAnswer::Decline { after } =>
                *after <= TimeDelta::hours(4),
            OfferAnswer::Ignore => false,
        }));
        let silent = answers(Habit::Silent, &mut dice);
        let ignored = silent.iter().filter(|a| **a == OfferAnswer::Ignore).count();
        assert!((500..700).contains(&ignored), "{ignored} of 1000 ignored");
        assert!(silent.iter().all(|a| match a {
            OfferAnswer::Accept { after } => *after < TimeDelta::hours(48),
            OfferAnswer::Decline { .. } => false,
            OfferAnswer::Ignore => true,
        }));
    }

    #[test]
    fn silent_dealers_never_report_nor_fill_in_and_diligent_ones_always_do() {
        let mut dice = Dice::new(13);
        for _ in 0..200 {
            assert_eq!(Habit::Silent.report_outcome(&mut dice), None);
            assert_eq!(Habit::Silent.fill_form(&mut dice), None);
            assert!(Habit::Diligent.report_outcome(&mut dice).is_some());
            let (after, fill) = Habit::Diligent.fill_form(&mut dice).unwrap();
            assert_eq!(fill, Fill::Complete);
            assert!(after <= TimeDelta::days(2));
        }
    }

    #[test]
    fn the_improver_is_silent_for_the_first_half_and_diligent_after() {
        assert_eq!(Group::Improver.habit_on(0, 42), Habit::Silent);
        assert_eq!(Group::Improver.habit_on(20, 42), Habit::Silent);
        assert_eq!(Group::Improver.habit_on(21, 42), Habit::Diligent);
        assert_eq!(Group::Improver.habit_on(41, 42), Habit::Diligent);
        assert_eq!(Group::Silent.habit_on(41, 42), Habit::Silent);
    }

    #[test]
    fn dealers_are_dealt_into_groups_of_equal_size() {
        let mut sizes = [0usize; 4];
        for i in 0..200 {
            let g = Group::of_dealer(i);
            sizes[Group::ALL.iter().position(|x| *x == g).unwrap()] += 1;
        }
        assert_eq!(sizes, [50; 4]);
    }
}
