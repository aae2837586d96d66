//! The values that say who a lead is and where: country, postcode and phone (the email
//! address is [`super::EmailAddress`]).
//!
//! These are fields of the intake API, so `parse` returns the field-level message the API
//! answers with (the contract's English text, e.g. "is not a valid phone number"), not a
//! key of the web translations; the input is already trimmed and within its length limit.

use std::fmt;

use super::MessageKey;

/// A two-letter ISO 3166 country code, upper-case (`IT`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode(String);

impl CountryCode {
    /// Reads `it`, ` IT ` as `IT`.
    pub fn parse(input: &str) -> Result<Self, MessageKey> {
        let c = input.trim().to_uppercase();
        if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
            Ok(Self(c))
        } else {
            Err("must be a two-letter ISO country code such as IT")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A postcode as stored: upper-case; an Italian one (CAP) exactly five digits without the
/// spaces a person may type in it ("20 121" is 20121), another country's 3–10 letters,
/// digits, spaces or dashes. Postcodes are compared by their [`super::PostcodeKey`], which
/// ignores spaces in any country.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Postcode(String);

impl Postcode {
    pub fn parse(country: &str, input: &str) -> Result<Self, MessageKey> {
        let s = input.trim().to_uppercase();
        if country == "IT" {
            let cap: String = s.split_whitespace().collect();
            return if cap.len() == 5 && cap.chars().all(|c| c.is_ascii_digit()) {
                Ok(Self(cap))
            } else {
                Err("must be five digits (Italian CAP)")
            };
        }
        if (3..=10).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
        {
            Ok(Self(s))
        } else {
            Err("must be 3 to 10 letters, digits, spaces or dashes")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number as a person wrote it: 6 to 15 digits, with `+`, spaces and `-()./`
/// between them. Kept as written (a dealer reads it); [`PhoneNumber::tel`] is what a
/// phone dials.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, MessageKey> {
        let digits = input.chars().filter(char::is_ascii_digit).count();
        if (6..=15).contains(&digits)
            && input
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()./".contains(c))
        {
            Ok(Self(input.to_owned()))
        } else {
            Err("is not a valid phone number")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    /// The `tel:` target of a stored number: its digits and `+` only.
    pub fn tel(number: &str) -> String {
        number
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect()
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_country_is_two_letters_in_capitals() {
        assert_eq!(
            CountryCode::parse(" it ").map(CountryCode::into_inner),
            Ok("IT".into())
        );
        for bad in ["", "I", "ITA", "I1", "É1", "  "] {
            assert_eq!(
                CountryCode::parse(bad),
                Err("must be a two-letter ISO country code such as IT"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_italian_postcode_is_five_digits_whatever_spaces_are_typed_in_it() {
        assert_eq!(
            Postcode::parse("IT", " 20 121 ").map(Postcode::into_inner),
            Ok("20121".into())
        );
        assert_eq!(
            Postcode::parse("IT", "2012"),
            Err("must be five digits (Italian CAP)")
        );
        assert!(Postcode::parse("IT", "20 12A").is_err());
    }

    #[test]
    fn another_country_s_postcode_is_three_to_ten_letters_digits_spaces_or_dashes() {
        assert_eq!(
            Postcode::parse("GB", "sw1a 1aa").map(Postcode::into_inner),
            Ok("SW1A 1AA".into())
        );
        assert_eq!(
            Postcode::parse("PT", "1000-001").map(Postcode::into_inner),
            Ok("1000-001".into())
        );
        for bad in ["AB", "12345678901", "SW1A_1AA"] {
            assert_eq!(
                Postcode::parse("GB", bad),
                Err("must be 3 to 10 letters, digits, spaces or dashes"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_phone_number_is_six_to_fifteen_digits_with_the_usual_separators() {
        for good in [
            "+39 02 1234 5678",
            "(02) 123-456",
            "02.123.456",
            "123456",
            "+123456789012345",
        ] {
            assert_eq!(
                PhoneNumber::parse(good).map(PhoneNumber::into_inner),
                Ok(good.into())
            );
        }
        for bad in [
            "12345",
            "+1234567890123456",
            "02 1234 abc",
            "call me",
            "02#123456",
        ] {
            assert_eq!(
                PhoneNumber::parse(bad),
                Err("is not a valid phone number"),
                "{bad:?}"
            );
        }
        assert_eq!(PhoneNumber::tel("+39 (02) 1234-5678"), "+390212345678");
    }
}
