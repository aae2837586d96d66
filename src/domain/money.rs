//! Money as the portal keeps it: integer cents and a currency, never a float.

use std::fmt;

use super::MessageKey;
use super::feedback_fields::{self, Currency};
use crate::i18n::Locale;

/// An amount of money: whole cents (not negative) in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    cents: i64,
    currency: Currency,
}

impl Money {
    /// The largest amount one sale may report: 100 million in any currency.
    pub const MAX_CENTS: i64 = feedback_fields::MAX_REVENUE_CENTS;

    /// `cents` in `currency`, as stored.
    pub const fn from_cents(cents: i64, currency: Currency) -> Self {
        Self { cents, currency }
    }

    /// An amount typed by a person in `locale` ("12.500,50" in Italian, "12,500.50" in
    /// English, with or without a currency sign), in `currency`; the key of what is wrong
    /// otherwise (negative, too many decimals, over [`Money::MAX_CENTS`], not a number).
    pub fn parse(input: &str, currency: Currency, locale: Locale) -> Result<Self, MessageKey> {
        feedback_fields::parse_amount(input, locale).map(|cents| Self { cents, currency })
    }

    pub const fn cents(self) -> i64 {
        self.cents
    }

    pub const fn currency(self) -> Currency {
        self.currency
    }

    /// The amount as the form shows it again ("12500,50" / "12500.50"), without the
    /// currency.
    pub fn format_amount(self, locale: Locale) -> String {
        feedback_fields::format_amount(self.cents, locale)
    }
}

impl fmt::Display for Money {
    /// `12500.50 EUR`: for logs and tests, not for people (see [`Money::format_amount`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:02} {}",
            self.cents / 100,
            self.cents % 100,
            self.currency
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_read_as_people_type_it_in_their_locale() {
        assert_eq!(
            Money::parse("12.500,50", Currency::Eur, Locale::It),
            Ok(Money::from_cents(1_250_050, Currency::Eur))
        );
        assert_eq!(
            Money::parse("12,500.50", Currency::Chf, Locale::En).map(Money::cents),
            Ok(1_250_050)
        );
        assert_eq!(
            Money::parse("12.500,50", Currency::Chf, Locale::It).map(Money::currency),
            Ok(Currency::Chf)
        );
    }

    #[test]
    fn bad_money_is_refused_with_the_key_of_the_reason() {
        let parse = |s| Money::parse(s, Currency::Eur, Locale::It);
        assert_eq!(parse("-5"), Err("feedback-error-revenue-negative"));
        assert_eq!(parse("1,234"), Err("feedback-error-revenue-decimals"));
        assert_eq!(parse("dieci"), Err("feedback-error-revenue-format"));
        assert_eq!(
            parse("100000000,01"),
            Err("feedback-error-revenue-too-large")
        );
        assert_eq!(
            parse("100000000"),
            Ok(Money::from_cents(Money::MAX_CENTS, Currency::Eur))
        );
    }

    #[test]
    fn money_shows_again_as_it_was_typed() {
        let m = Money::from_cents(1_250_050, Currency::Eur);
        assert_eq!(m.format_amount(Locale::It), "12500,50");
        assert_eq!(m.format_amount(Locale::En), "12500.50");
        assert_eq!(m.to_string(), "12500.50 EUR");
    }
}
