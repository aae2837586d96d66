//! Validated domain values. Each `parse` returns the value or the key of a message a
//! person can act on (translated by the web layer), so invalid states never get further.

/// A fixed list of choices stored as text: `ALL`, `as_str`, `FromStr` and `Display` (and a
/// text column type, see `crate::db::text_values`).
macro_rules! choices {
    ($(#[$doc:meta])* $name:ident, $error:literal, { $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// Every code, in the order the form shows them.
            pub fn codes() -> Vec<&'static str> {
                Self::ALL.iter().map(|c| c.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::MessageKey;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|c| c.as_str() == s)
                    .ok_or($error)
            }
        }
    };
}

pub mod attribution;
pub mod contact;
pub mod dealer_fields;
pub mod email;
pub mod feedback_fields;
pub mod lead_fields;
pub mod location;
pub mod money;
pub mod password;
pub mod role;

pub use attribution::{AttributionModel, DealerTouch, TouchpointOrigin};
pub use contact::{CountryCode, PhoneNumber, Postcode};
pub use dealer_fields::{Capacity, DealerCode, DealerName, ProductLine, Territory};
pub use email::EmailAddress;
pub use feedback_fields::{Currency, LostReason, Outcome as FeedbackOutcome, OutcomeEventKind};
pub use lead_fields::{DecisionKind, LeadEventStatus, LeadStatus, OfferStatus};
pub use location::{PostcodeKey, RegionKey, TerritoryKey};
pub use money::Money;
pub use password::NewPassword;
pub use role::{Role, TokenPurpose};

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
    LeadEventStatus,
    Role,
    FeedbackOutcome,
    Currency,
    LostReason,
    OutcomeEventKind,
    feedback_fields::FirstHeard,
    feedback_fields::DecisionFactor,
    AttributionModel,
    TouchpointOrigin,
    DealerTouch,
);

/// The key of a validation message in the translation files, e.g. `error-email-invalid`.
pub type MessageKey = &'static str;
