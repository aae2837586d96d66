//! Validated domain values. Each `parse` returns the value or the key of a message a
//! person can act on (translated by the web layer), so invalid states never get further.

pub mod contact;
pub mod dealer_fields;
pub mod email;
pub mod feedback_fields;
pub mod lead_fields;
pub mod location;
pub mod money;
pub mod password;
pub mod role;

pub use contact::{CountryCode, PhoneNumber, Postcode};
pub use dealer_fields::{Capacity, DealerCode, DealerName, ProductLine, Territory};
pub use email::EmailAddress;
pub use feedback_fields::{Currency, LostReason, Outcome as FeedbackOutcome, OutcomeEventKind};
pub use lead_fields::{DecisionKind, LeadStatus, OfferStatus};
pub use location::{PostcodeKey, RegionKey, TerritoryKey};
pub use money::Money;
pub use password::NewPassword;
pub use role::Role;

/// Values stored and sent as their code: serialized as `as_str()` (the API and the
/// outcome events show the same text as the database holds).
macro_rules! serialize_as_code {
    ($($ty:ty),+ $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    )+};
}

serialize_as_code!(
    LeadStatus,
    OfferStatus,
    DecisionKind,
    Role,
    FeedbackOutcome,
    Currency,
    LostReason,
    OutcomeEventKind,
    feedback_fields::FirstHeard,
    feedback_fields::DecisionFactor,
);

/// The key of a validation message in the translation files, e.g. `error-email-invalid`.
pub type MessageKey = &'static str;
