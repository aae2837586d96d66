//! The dealer score and its weight in allocation.
//!
//! - [`rule`]: the pure rule, from a dealer's observations to a 0–100 score and a weight
//!   (the one place the rule is written down);
//! - [`gather`]: the observations, read from storage;
//! - [`store`]: scores kept up to date (every dealer on a tick, one dealer after its
//!   feedback), with their history;
//! - [`weights`]: the weight both allocation paths read, overrides included;
//! - [`overrides`]: a manager's temporary weight for a dealer;
//! - [`exclusions`]: submissions a manager took out of scoring;
//! - [`dealer_view`]: the dealer's own score, trend and what would raise it.

pub mod dealer_view;
pub mod exclusions;
pub mod gather;
pub mod overrides;
pub mod rule;
pub mod store;
pub mod weights;

pub use rule::*;
