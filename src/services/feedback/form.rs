//! The feedback form: what was typed, checked field by field into answers. Only the fields
//! that apply to the chosen outcome are read; a mistake in one field is reported next to
//! it while everything else typed is kept.

use chrono::NaiveDate;

use super::completeness::{self, Completeness, Field};
use crate::domain::feedback_fields::{
    self, Currency, DecisionFactor, FirstHeard, LostReason, Outcome,
};
use crate::i18n::Locale;
use crate::models::feedback::FeedbackRow;
use crate::services::validation::FieldErrors;

/// Longest texts kept, in characters.
pub const MAX_PRODUCTS_OTHER: usize = 200;
pub const MAX_COMPETITOR: usize = 120;
pub const MAX_NOTES: usize = 2000;

/// The form as typed (checkbox groups are lists).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedbackForm {
    pub outcome: String,
    pub close_date: String,
    pub revenue: String,
    pub currency: String,
    pub products: Vec<String>,
    pub products_other: String,
    pub lost_reason: String,
    pub competitor: String,
    pub decision_factors: Vec<String>,
    pub first_heard: String,
    pub lead_quality: String,
    pub notes: String,
}

impl FeedbackForm {
    /// Reads an `application/x-www-form-urlencoded` body; repeated names fill the lists.
    /// Returns the form and the button pressed (`action`).
    pub fn from_urlencoded(body: &[u8]) -> (Self, String) {
        let mut form = FeedbackForm::default();
        let mut action = String::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match name.as_ref() {
                "outcome" => form.outcome = value,
                "close_date" => form.close_date = value,
                "revenue" => form.revenue = value,
                "currency" => form.currency = value,
                "products" => form.products.push(value),
                "products_other" => form.products_other = value,
                "lost_reason" => form.lost_reason = value,
                "competitor" => form.competitor = value,
                "decision_factors" => form.decision_factors.push(value),
                "first_heard" => form.first_heard = value,
                "lead_quality" => form.lead_quality = value,
                "notes" => form.notes = value,
                "action" => action = value,
                _ => {}
            }
        }
        (form, action)
    }

    /// The form showing stored answers again.
    pub fn from_row(row: &FeedbackRow, locale: Locale) -> Self {
        Self {
            outcome: row
                .outcome
                .map(|o| o.as_str().to_owned())
                .unwrap_or_default(),
            close_date: row.close_date.map(|d| d.to_string()).unwrap_or_default(),
            revenue: row
                .revenue_cents
                .map(|c| feedback_fields::format_amount(c, locale))
                .unwrap_or_default(),
            currency: row.currency.as_str().to_owned(),
            products: split_list(&row.products),
            products_other: row.products_other.clone(),
            lost_reason: row
                .lost_reason
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            competitor: row.competitor.clone(),
            decision_factors: split_list(&row.decision_factors),
            first_heard: row
                .first_heard
                .map(|f| f.as_str().to_owned())
                .unwrap_or_default(),
            lead_quality: row.lead_quality.map(|q| q.to_string()).unwrap_or_default(),
            notes: row.notes.clone(),
        }
    }

    /// The outcome chosen, if it is one of the list.
    pub fn chosen_outcome(&self) -> Option<Outcome> {
        self.outcome.parse().ok()
    }
}

/// A stored list (`a,b,c`) as its items.
pub fn split_list(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the checks need to know besides the form.
#[derive(Debug, Clone)]
pub struct FormContext<'a> {
    pub locale: Locale,
    /// Today in the portal's time zone: a close date may not be later.
    pub today: NaiveDate,
    /// The day the lead came in: a close date may not be earlier.
    pub lead_received: NaiveDate,
    /// The dealer's product lines, the choices for "products bought".
    pub product_lines: &'a [String],
}

/// The checked answers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answers {
    pub outcome: Option<Outcome>,
    pub close_date: Option<NaiveDate>,
    pub revenue_cents: Option<i64>,
    pub currency: Option<Currency>,
    pub products: Vec<String>,
    pub products_other: String,
    pub lost_reason: Option<LostReason>,
    pub competitor: String,
    pub decision_factors: Vec<DecisionFactor>,
    pub first_heard: Option<FirstHeard>,
    pub lead_quality: Option<i32>,
    pub notes: String,
}

impl Answers {
    /// Whether `field` has an answer.
    pub fn answered(&self, field: Field) -> bool {
        match field {
            Field::Outcome => self.outcome.is_some(),
            Field::Revenue => self.revenue_cents.is_some(),
            Field::CloseDate => self.close_date.is_some(),
            Field::Products => !self.products.is_empty() || !self.products_other.is_empty(),
            Field::LostReason => self.lost_reason.is_some(),
            Field::Competitor => !self.competitor.is_empty(),
            Field::DecisionFactors => !self.decision_factors.is_empty(),
            Field::FirstHeard => self.first_heard.is_some(),
            Field::LeadQuality => self.lead_quality.is_some(),
            Field::Notes => !self.notes.is_empty(),
        }
    }

    pub fn completeness(&self) -> Completeness {
        completeness::completeness(self.outcome, |f| self.answered(f))
    }

    /// The answers from a stored row (already checked when they were saved).
    pub fn from_row(row: &FeedbackRow) -> Self {
        Self {
            outcome: row.outcome,
            close_date: row.close_date,
            revenue_cents: row.revenue_cents,
            currency: Some(row.currency),
            products: split_list(&row.products),
            products_other: row.products_other.clone(),
            lost_reason: row.lost_reason,
            competitor: row.competitor.clone(),
            decision_factors: split_list(&row.decision_factors)
                .iter()
                .filter_map(|f| f.parse().ok())
                .collect(),
            first_heard: row.first_heard,
            lead_quality: row.lead_quality,
            notes: row.notes.clone(),
        }
    }
}

fn text(input: &str, max: usize, field: &'static str, errors: &mut FieldErrors) -> String {
    let trimmed = input.trim();
    if trimmed.chars().count() > max {
        errors.add(field, "feedback-error-too-long");
        return String::new();
    }
    trimmed.to_owned()
}

fn choice<T: std::str::FromStr<Err = &'static str>>(
    input: &str,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    errors.check(field, s.parse())
}

/// Checks `form`. When `submitting`, the outcome is required, and a lost sale needs its
/// reason; a partial save takes whatever is valid so far. Fields that do not apply to the
/// chosen outcome are ignored.
pub fn check(
    form: &FeedbackForm,
    ctx: &FormContext,
    submitting: bool,
) -> Result<Answers, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut answers = Answers {
        outcome: choice::<Outcome>(&form.outcome, "outcome", &mut errors),
        ..Answers::default()
    };
    if submitting && form.outcome.trim().is_empty() {
        errors.add("outcome", "feedback-error-outcome-required");
    }
    let outcome = answers.outcome;
    let applies = |field| completeness::applies(outcome, field);

    if applies(Field::CloseDate) && !form.close_date.trim().is_empty() {
        match NaiveDate::parse_from_str(form.close_date.trim(), "%Y-%m-%d") {
            Err(_) => errors.add("close_date", "feedback-error-date"),
            Ok(d) if d > ctx.today => errors.add("close_date", "feedback-error-date-future"),
            Ok(d) if d < ctx.lead_received => {
                errors.add("close_date", "feedback-error-date-before-lead");
            }
            Ok(d) => answers.close_date = Some(d),
        }
    }
    if applies(Field::Revenue) {
        answers.currency = if form.currency.trim().is_empty() {
            Some(Currency::Eur)
        } else {
            choice::<Currency>(&form.currency, "currency", &mut errors)
        };
        if !form.revenue.trim().is_empty() {
            answers.revenue_cents = errors.check(
                "revenue",
                feedback_fields::parse_amount(&form.revenue, ctx.locale),
            );
        }
    }
    if applies(Field::Products) {
        for product in &form.products {
            if ctx.product_lines.iter().any(|p| p == product) {
                if !answers.products.contains(product) {
                    answers.products.push(product.clone());
                }
            } else {
                errors.add("products", "feedback-error-choice");
            }
        }
        answers.products_other = text(
            &form.products_other,
            MAX_PRODUCTS_OTHER,
            "products_other",
            &mut errors,
        );
    }
    if applies(Field::LostReason) {
        answers.lost_reason = choice(&form.lost_reason, "lost_reason", &mut errors);
        if submitting && form.lost_reason.trim().is_empty() {
            errors.add("lost_reason", "feedback-error-lost-reason-required");
        }
    }
    if applies(Field::Competitor) {
        answers.competitor = text(&form.competitor, MAX_COMPETITOR, "competitor", &mut errors);
    }
    if applies(Field::DecisionFactors) {
        for factor in &form.decision_factors {
            if let Some(f) = choice::<DecisionFactor>(factor, "decision_factors", &mut errors)
                && !answers.decision_factors.contains(&f)
            {
                answers.decision_factors.push(f);
            }
        }
    }
    if applies(Field::FirstHeard) {
        answers.first_heard = choice(&form.first_heard, "first_heard", &mut errors);
    }
    if applies(Field::LeadQuality) && !form.lead_quality.trim().is_empty() {
        match form.lead_quality.trim().parse::<i32>() {
            Ok(q) if (1..=5).contains(&q) => answers.lead_quality = Some(q),
            _ => errors.add("lead_quality", "feedback-error-rating"),
        }
    }
    if applies(Field::Notes) {
        answers.notes = text(&form.notes, MAX_NOTES, "notes", &mut errors);
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    fn ctx(lines: &[String]) -> FormContext<'_> {
        FormContext {
            locale: Locale::It,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            lead_received: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            product_lines: lines,
        }
    }

    fn won() -> FeedbackForm {
        FeedbackForm {
            outcome: "won".into(),
            close_date: "2026-11-20".into(),
            revenue: "48.500,00".into(),
            products: vec!["lathes".into()],
            decision_factors: vec!["price".into(), "service".into()],
            first_heard: "trade_fair".into(),
            lead_quality: "4".into(),
            ..FeedbackForm::default()
        }
    }

    #[test]
    fn a_won_sale_is_read_with_revenue_in_cents_and_euro_by_default() {
        let lines = vec!["lathes".to_owned()];
        let answers = check(&won(), &ctx(&lines), true).unwrap();
        assert_eq!(answers.revenue_cents, Some(4_850_000));
        assert_eq!(answers.currency, Some(Currency::Eur));
        assert_eq!(answers.completeness().permille, 950, "all but notes");
    }

    #[test]
    fn each_mistake_is_reported_next_to_its_field() {
        let lines = vec!["lathes".to_owned()];
        let form = FeedbackForm {
            close_date: "2027-01-01".into(),
            revenue: "-5".into(),
            products: vec!["submarines".into()],
            lead_quality: "9".into(),
            notes: "x".repeat(MAX_NOTES + 1),
            ..won()
        };
        let errors = check(&form, &ctx(&lines), true).unwrap_err();
        for (field, key) in [
            ("close_date", "feedback-error-date-future"),
            ("revenue", "feedback-error-revenue-negative"),
            ("products", "feedback-error-choice"),
            ("lead_quality", "feedback-error-rating"),
            ("notes", "feedback-error-too-long"),
        ] {
            assert_eq!(errors.get(field).map(|e| e.key), Some(key), "{field}");
        }
    }

    #[test]
    fn a_lost_sale_needs_its_reason_only_when_submitted() {
        let form = FeedbackForm {
            outcome: "lost".into(),
            revenue: "not even read".into(),
            ..FeedbackForm::default()
        };
        let lines = Vec::new();
        assert!(
            check(&form, &ctx(&lines), false).is_ok(),
            "a draft may wait"
        );
        let errors = check(&form, &ctx(&lines), true).unwrap_err();
        assert_eq!(
            errors.get("lost_reason").map(|e| e.key),
            Some("feedback-error-lost-reason-required")
        );
        assert!(
            errors.get("revenue").is_none(),
            "revenue does not apply to a loss"
        );
    }

    #[test]
    fn a_close_date_before_the_lead_existed_is_refused() {
        let lines = vec!["lathes".to_owned()];
        let form = FeedbackForm {
            close_date: "2026-09-01".into(),
            ..won()
        };
        let errors = check(&form, &ctx(&lines), false).unwrap_err();
        assert_eq!(
            errors.get("close_date").map(|e| e.key),
            Some("feedback-error-date-before-lead")
        );
    }
}
