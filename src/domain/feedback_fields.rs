//! The values of the post-sale feedback form: the outcome, the fixed lists of choices and
//! money typed by a person ("12.500,50" in Italian, "12,500.50" in English).

use super::MessageKey;
use crate::i18n::Locale;

choices!(
    /// What became of the lead, as the dealer reports it.
    Outcome, "feedback-error-choice", {
        Won => "won",
        Lost => "lost",
        StillOpen => "open",
        Unreached => "unreached",
    }
);

impl Outcome {
    /// Won or lost: a sale outcome the attribution store receives.
    pub fn is_final(self) -> bool {
        matches!(self, Outcome::Won | Outcome::Lost)
    }
}

choices!(
    /// Why a sale was lost.
    LostReason, "feedback-error-choice", {
        Price => "price",
        Competitor => "competitor",
        Timing => "timing",
        NoBudget => "no_budget",
        Unreachable => "unreachable",
        ProductFit => "product_fit",
        Other => "other",
    }
);

choices!(
    /// What decided the purchase (several may apply).
    DecisionFactor, "feedback-error-choice", {
        Price => "price",
        DeliveryTime => "delivery_time",
        ProductQuality => "product_quality",
        Service => "service",
        Financing => "financing",
        Relationship => "relationship",
        Brand => "brand",
        Demo => "demo",
    }
);

choices!(
    /// How the customer first heard of the manufacturer.
    FirstHeard, "feedback-error-choice", {
        TradeFair => "trade_fair",
        WebSearch => "web_search",
        SocialMedia => "social_media",
        Email => "email",
        Referral => "referral",
        SalesVisit => "sales_visit",
        ExistingCustomer => "existing_customer",
        Other => "other",
    }
);

choices!(
    /// Currencies a revenue may be reported in (EUR by default).
    Currency, "feedback-error-currency", {
        Eur => "EUR",
        Chf => "CHF",
        Usd => "USD",
        Gbp => "GBP",
    }
);

choices!(
    /// What an event in the outcome outbox tells the attribution store.
    OutcomeEventKind, "feedback-error-choice", {
        Recorded => "outcome.recorded",
        Corrected => "outcome.corrected",
        /// A won or lost outcome was changed to "still open" or "never reached".
        Retracted => "outcome.retracted",
    }
);

/// The largest revenue one sale may report: 100 million in any currency.
pub const MAX_REVENUE_CENTS: i64 = 100_000_000 * 100;

/// An amount typed by a person, in cents. Accepts the locale's separators (and the other
/// locale's, where unambiguous), a currency sign and spaces; refuses negatives, more than
/// two decimals, and amounts over [`MAX_REVENUE_CENTS`].
pub fn parse_amount(input: &str, locale: Locale) -> Result<i64, MessageKey> {
    let cleaned: String = input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '€' | '$' | '£' | '\'' | '\u{a0}'))
        .collect();
    let cleaned = cleaned
        .trim_start_matches("EUR")
        .trim_start_matches("CHF")
        .trim_end_matches("EUR")
        .trim_end_matches("CHF");
    if cleaned.starts_with('-') {
        return Err("feedback-error-revenue-negative");
    }
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return Err("feedback-error-revenue-format");
    }
    let decimal = decimal_separator(cleaned, locale);
    let (whole, fraction) = match decimal.and_then(|d| cleaned.rsplit_once(d)) {
        Some((w, f)) => (w, f),
        None => (cleaned, ""),
    };
    if fraction.len() > 2 || fraction.contains(['.', ',']) {
        return Err("feedback-error-revenue-decimals");
    }
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() && fraction.is_empty() {
        return Err("feedback-error-revenue-format");
    }
    if digits.len() > 12 {
        return Err("feedback-error-revenue-too-large");
    }
    let units: i64 = if digits.is_empty() {
        0
    } else {
        digits
            .parse()
            .map_err(|_| "feedback-error-revenue-format")?
    };
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().unwrap_or(0) * 10,
        _ => fraction.parse::<i64>().unwrap_or(0),
    };
    let total = units
        .checked_mul(100)
        .and_then(|u| u.checked_add(cents))
        .ok_or("feedback-error-revenue-too-large")?;
    if total > MAX_REVENUE_CENTS {
        return Err("feedback-error-revenue-too-large");
    }
    Ok(total)
}

/// Which of `.` and `,` is the decimal separator in `s`, if any: the last one when both
/// appear; a separator that appears more than once groups thousands; a single one followed
/// by exactly three digits follows the locale ("12.500" is twelve thousand five hundred
/// in Italian, twelve and a half in English).
fn decimal_separator(s: &str, locale: Locale) -> Option<char> {
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    match (dots, commas) {
        (0, 0) => None,
        (_, 0) | (0, _) => {
            let sep = if dots > 0 { '.' } else { ',' };
            if dots + commas > 1 {
                return None;
            }
            let after = s.rsplit_once(sep).map_or(0, |(_, f)| f.len());
            if after == 3 {
                let locale_decimal = match locale {
                    Locale::It => ',',
                    Locale::En => '.',
                };
                (sep == locale_decimal).then_some(sep)
            } else {
                Some(sep)
            }
        }
        _ => {
            let last_dot = s.rfind('.').unwrap_or(0);
            let last_comma = s.rfind(',').unwrap_or(0);
            Some(if last_dot > last_comma { '.' } else { ',' })
        }
    }
}

/// An amount in cents as the form shows it again ("12500,50" / "12500.50").
pub fn format_amount(cents: i64, locale: Locale) -> String {
    let sep = match locale {
        Locale::It => ',',
        Locale::En => '.',
    };
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}{sep}{:02}", cents / 100, cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_the_way_people_type_them() {
        let it = Locale::It;
        let en = Locale::En;
        assert_eq!(parse_amount("12.500,50", it), Ok(1_250_050));
        assert_eq!(parse_amount("12,500.50", en), Ok(1_250_050));
        assert_eq!(parse_amount("12.500", it), Ok(1_250_000));
        assert_eq!(
            parse_amount("12.500", en),
            Err("feedback-error-revenue-decimals")
        );
        assert_eq!(parse_amount("12,5", it), Ok(1250));
        assert_eq!(parse_amount("€ 48 000", it), Ok(4_800_000));
        assert_eq!(parse_amount("1.234.567", it), Ok(123_456_700));
        assert_eq!(parse_amount("99.99", it), Ok(9999));
    }

    #[test]
    fn bad_amounts_are_refused_with_the_reason() {
        let it = Locale::It;
        assert_eq!(
            parse_amount("-100", it),
            Err("feedback-error-revenue-negative")
        );
        assert_eq!(parse_amount("10,505", Locale::En), Ok(1_050_500));
        assert_eq!(
            parse_amount("10,5055", it),
            Err("feedback-error-revenue-decimals")
        );
        assert_eq!(
            parse_amount("tanti", it),
            Err("feedback-error-revenue-format")
        );
        assert_eq!(
            parse_amount("2000000000", it),
            Err("feedback-error-revenue-too-large")
        );
    }

    #[test]
    fn choices_round_trip_through_their_codes() {
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>(), Ok(*o));
        }
        assert!("maybe".parse::<LostReason>().is_err());
    }
}
