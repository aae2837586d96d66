use std::fmt;

use super::MessageKey;

/// An email address, trimmed and lower-cased so that lookups are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, MessageKey> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err("error-required");
        }
        if s.len() > 254 {
            return Err("error-email-invalid");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("error-email-invalid");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(s))
        } else {
            Err("error-email-invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Mario.Rossi@Example.IT ").map(|e| e.0),
            Ok("mario.rossi@example.it".into())
        );
        for bad in [
            "",
            "mario",
            "mario@",
            "@example.it",
            "mario@example",
            "a b@example.it",
            "mario..r@example.it",
            "m@-x.it",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
