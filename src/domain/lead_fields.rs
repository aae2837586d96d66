use std::fmt;
use std::str::FromStr;

/// Where a lead stands. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadStatus {
    /// Stored without consent to share with dealers: never offered.
    Withheld,
    /// Waiting for a dealer that can take it (see `unallocated_reason`).
    Unallocated,
    /// Offered to one dealer, waiting for an answer.
    Offered,
    Accepted,
    Contacted,
    QuoteSent,
    Won,
    Lost,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 8] = [
        LeadStatus::Withheld,
        LeadStatus::Unallocated,
        LeadStatus::Offered,
        LeadStatus::Accepted,
        LeadStatus::Contacted,
        LeadStatus::QuoteSent,
        LeadStatus::Won,
        LeadStatus::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Withheld => "withheld",
            LeadStatus::Unallocated => "unallocated",
            LeadStatus::Offered => "offered",
            LeadStatus::Accepted => "accepted",
            LeadStatus::Contacted => "contacted",
            LeadStatus::QuoteSent => "quote_sent",
            LeadStatus::Won => "won",
            LeadStatus::Lost => "lost",
        }
    }

    /// The statuses of a lead accepted and still being worked (it counts against the
    /// dealer's capacity).
    pub const OPEN_FOR_DEALER: [LeadStatus; 3] = [
        LeadStatus::Accepted,
        LeadStatus::Contacted,
        LeadStatus::QuoteSent,
    ];

    /// Accepted and still being worked (counts against the dealer's capacity).
    pub fn is_open_for_dealer(self) -> bool {
        Self::OPEN_FOR_DEALER.contains(&self)
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LeadStatus {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or("error-status-invalid")
    }
}

/// Where an offer to one dealer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferStatus {
    Open,
    Accepted,
    Declined,
    Expired,
    /// Taken back by a channel manager (manual reassignment).
    Withdrawn,
}

impl OfferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OfferStatus::Open => "open",
            OfferStatus::Accepted => "accepted",
            OfferStatus::Declined => "declined",
            OfferStatus::Expired => "expired",
            OfferStatus::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for OfferStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OfferStatus {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            OfferStatus::Open,
            OfferStatus::Accepted,
            OfferStatus::Declined,
            OfferStatus::Expired,
            OfferStatus::Withdrawn,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
        .ok_or("error-status-invalid")
    }
}

/// An Italian-style postcode or another country's: 3–10 letters, digits, spaces or dashes;
/// Italian postcodes (CAP) are exactly five digits, stored without the spaces a person may
/// type in them ("20 121" is 20121). Postcodes are compared by their
/// [`super::PostcodeKey`], which ignores spaces in any country.
pub fn parse_postcode(country: &str, input: &str) -> Result<String, &'static str> {
    let s = input.trim().to_uppercase();
    if country == "IT" {
        let cap: String = s.split_whitespace().collect();
        return if cap.len() == 5 && cap.chars().all(|c| c.is_ascii_digit()) {
            Ok(cap)
        } else {
            Err("must be five digits (Italian CAP)")
        };
    }
    if (3..=10).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        Ok(s)
    } else {
        Err("must be 3 to 10 letters, digits, spaces or dashes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_italian_postcode_is_five_digits_whatever_spaces_are_typed_in_it() {
        assert_eq!(parse_postcode("IT", " 20 121 "), Ok("20121".into()));
        assert!(parse_postcode("IT", "2012").is_err());
        assert!(parse_postcode("IT", "20 12A").is_err());
        assert_eq!(parse_postcode("GB", "sw1a 1aa"), Ok("SW1A 1AA".into()));
    }
}
