//! Validated domain values. Each `parse` returns the value or the key of a message a
//! person can act on (translated by the web layer), so invalid states never get further.

pub mod dealer_fields;
pub mod email;
pub mod feedback_fields;
pub mod lead_fields;
pub mod location;
pub mod password;
pub mod role;

pub use dealer_fields::{Capacity, DealerCode, DealerName, ProductLine, Territory};
pub use email::EmailAddress;
pub use lead_fields::{LeadStatus, OfferStatus};
pub use location::{PostcodeKey, RegionKey, TerritoryKey};
pub use password::NewPassword;
pub use role::Role;

/// The key of a validation message in the translation files, e.g. `error-email-invalid`.
pub type MessageKey = &'static str;
