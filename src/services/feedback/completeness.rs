//! How complete a feedback form is: the one documented weighting of the fields that apply
//! to each outcome. The dealer score is built on this, so it lives here and nowhere else
//! (the README repeats the table).
//!
//! | field            | won | lost | still open | never reached |
//! |------------------|-----|------|------------|---------------|
//! | outcome          | 10  | 10   | 30         | 50            |
//! | revenue          | 30  | –    | –          | –             |
//! | close date       | 15  | 10   | –          | –             |
//! | products bought  | 15  | –    | –          | –             |
//! | lost reason      | –   | 30   | –          | –             |
//! | competitor       | –   | 15   | –          | –             |
//! | what decided     | 10  | 10   | –          | –             |
//! | first heard      | 5   | 5    | 20         | –             |
//! | lead quality     | 10  | 15   | 30         | 30            |
//! | notes            | 5   | 5    | 20         | 20            |
//!
//! Each column sums to 100. A form's completeness is the weight of the applicable fields
//! answered, in thousandths of the column's total.

use crate::domain::feedback_fields::Outcome;

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Outcome,
    Revenue,
    CloseDate,
    Products,
    LostReason,
    Competitor,
    DecisionFactors,
    FirstHeard,
    LeadQuality,
    Notes,
}

impl Field {
    /// The form's field name.
    pub fn name(self) -> &'static str {
        match self {
            Field::Outcome => "outcome",
            Field::Revenue => "revenue",
            Field::CloseDate => "close_date",
            Field::Products => "products",
            Field::LostReason => "lost_reason",
            Field::Competitor => "competitor",
            Field::DecisionFactors => "decision_factors",
            Field::FirstHeard => "first_heard",
            Field::LeadQuality => "lead_quality",
            Field::Notes => "notes",
        }
    }
}

/// The fields that apply to `outcome`, with their weights (summing to 100). Before an
/// outcome is chosen only the outcome itself applies.
pub fn weights(outcome: Option<Outcome>) -> &'static [(Field, u32)] {
    match outcome {
        None => &[(Field::Outcome, 100)],
        Some(Outcome::Won) => &[
            (Field::Outcome, 10),
            (Field::Revenue, 30),
            (Field::CloseDate, 15),
            (Field::Products, 15),
            (Field::DecisionFactors, 10),
            (Field::FirstHeard, 5),
            (Field::LeadQuality, 10),
            (Field::Notes, 5),
        ],
        Some(Outcome::Lost) => &[
            (Field::Outcome, 10),
            (Field::LostReason, 30),
            (Field::CloseDate, 10),
            (Field::Competitor, 15),
            (Field::DecisionFactors, 10),
            (Field::FirstHeard, 5),
            (Field::LeadQuality, 15),
            (Field::Notes, 5),
        ],
        Some(Outcome::StillOpen) => &[
            (Field::Outcome, 30),
            (Field::FirstHeard, 20),
            (Field::LeadQuality, 30),
            (Field::Notes, 20),
        ],
        Some(Outcome::Unreached) => &[
            (Field::Outcome, 50),
            (Field::LeadQuality, 30),
            (Field::Notes, 20),
        ],
    }
}

/// Whether `field` applies to `outcome` (fields that do not are neither shown nor kept).
pub fn applies(outcome: Option<Outcome>, field: Field) -> bool {
    weights(outcome).iter().any(|(f, _)| *f == field)
}

/// A form's completeness: how many applicable fields are answered, of how many, and the
/// weighted share answered in thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completeness {
    pub answered: u32,
    pub applicable: u32,
    pub permille: u32,
}

/// The completeness of a form whose chosen outcome is `outcome`, where `answered(field)`
/// says whether a field has an answer.
pub fn completeness(outcome: Option<Outcome>, answered: impl Fn(Field) -> bool) -> Completeness {
    let fields = weights(outcome);
    let total: u32 = fields.iter().map(|(_, w)| w).sum();
    let (mut count, mut weight) = (0, 0);
    for (field, w) in fields {
        let done = if *field == Field::Outcome {
            outcome.is_some()
        } else {
            answered(*field)
        };
        if done {
            count += 1;
            weight += w;
        }
    }
    Completeness {
        answered: count,
        applicable: u32::try_from(fields.len()).unwrap_or(0),
        permille: (weight * 1000).checked_div(total).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_weighs_its_fields_to_one_hundred() {
        for outcome in [None]
            .into_iter()
            .chain(Outcome::ALL.iter().copied().map(Some))
        {
            let sum: u32 = weights(outcome).iter().map(|(_, w)| w).sum();
            assert_eq!(sum, 100, "{outcome:?}");
        }
    }

    #[test]
    fn a_won_sale_without_revenue_is_far_less_complete_than_one_without_notes() {
        let without_revenue = completeness(Some(Outcome::Won), |f| f != Field::Revenue);
        let without_notes = completeness(Some(Outcome::Won), |f| f != Field::Notes);
        assert_eq!(without_revenue.permille, 700);
        assert_eq!(without_notes.permille, 950);
        assert_eq!((without_notes.answered, without_notes.applicable), (7, 8));
    }

    #[test]
    fn an_empty_form_is_not_complete_and_the_outcome_alone_counts_for_little() {
        assert_eq!(completeness(None, |_| true).permille, 0);
        let only_outcome = completeness(Some(Outcome::Lost), |_| false);
        assert_eq!((only_outcome.answered, only_outcome.permille), (1, 100));
        let unreached = completeness(Some(Outcome::Unreached), |_| true);
        assert_eq!(unreached.permille, 1000);
    }
}
