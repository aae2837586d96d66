use std::fmt;
use std::str::FromStr;

/// Where a lead stands. Stored as text (see `crate::db::text_values`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
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

/// Where an offer to one dealer stands. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum OfferStatus {
    Open,
    Accepted,
    Declined,
    Expired,
    /// Taken back by a channel manager (manual reassignment).
    Withdrawn,
}

impl OfferStatus {
    pub const ALL: [OfferStatus; 5] = [
        OfferStatus::Open,
        OfferStatus::Accepted,
        OfferStatus::Declined,
        OfferStatus::Expired,
        OfferStatus::Withdrawn,
    ];

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
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or("error-status-invalid")
    }
}

/// One step of a lead's history (`lead_events.status`): the lead moved to a status, or
/// the offer to its dealer ended (declined, expired, withdrawn) and the lead moves on in
/// the next step. Stored as the status's code, so as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum LeadEventStatus {
    Lead(LeadStatus),
    OfferDeclined,
    OfferExpired,
    OfferWithdrawn,
}

impl LeadEventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadEventStatus::Lead(status) => status.as_str(),
            LeadEventStatus::OfferDeclined => "declined",
            LeadEventStatus::OfferExpired => "expired",
            LeadEventStatus::OfferWithdrawn => "withdrawn",
        }
    }
}

impl From<LeadStatus> for LeadEventStatus {
    fn from(status: LeadStatus) -> Self {
        LeadEventStatus::Lead(status)
    }
}

impl fmt::Display for LeadEventStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LeadEventStatus {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "declined" => Ok(LeadEventStatus::OfferDeclined),
            "expired" => Ok(LeadEventStatus::OfferExpired),
            "withdrawn" => Ok(LeadEventStatus::OfferWithdrawn),
            _ => s.parse().map(LeadEventStatus::Lead),
        }
    }
}

choices!(
    /// How an allocation decision was made: by the allocator, or by a channel manager
    /// reassigning the lead.
    DecisionKind, "error-status-invalid", {
        Auto => "auto",
        Manual => "manual",
    }
);
