//! Lead allocation: which dealers may take a lead, and which of them gets it.
//!
//! The choice is a pure function over plain data (`allocator`), so it is unit-tested,
//! property-tested and benchmarked without a database; the service layer loads the
//! candidates, calls it, and stores the decision and the new running state in the same
//! transaction as the offer.
//!
//! The modules form a tree, each using only those above it:
//! - [`eligibility`]: the one rule of who may take a lead, its index, and the profiles
//!   read from the database;
//! - [`allocator`]: the pure choice among the eligible dealers;
//! - [`decision`]: why a lead waits, what became of it, who is emailed, and the stored
//!   record of every decision ([`OfferPolicy`] says how offers are made);
//! - [`offering`] (one lead, as it arrives or moves on) and [`network`] (a batch, from a
//!   snapshot of the network): two ways to decide, recording through [`decision`]; neither
//!   uses the other.
//!
//! [`replay`] recomputes the stored decisions; [`region_keys`] keys rows stored before
//! region keys existed; [`offer_clock`] computes reminders and deadlines.

pub mod allocator;
pub mod decision;
pub mod eligibility;
pub mod network;
pub mod offer_clock;
pub mod offering;
mod policy;
pub mod region_keys;
pub mod replay;

pub use policy::OfferPolicy;
