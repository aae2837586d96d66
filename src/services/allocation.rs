//! Lead allocation: which dealers may take a lead, and which of them gets it.
//!
//! The choice is a pure function over plain data (`allocator`), so it is unit-tested,
//! property-tested and benchmarked without a database; the service layer loads the
//! candidates, calls it, and stores the decision and the new running state in the same
//! transaction as the offer.

pub mod allocator;
pub mod eligibility;
pub mod network;
pub mod offer_clock;
pub mod offering;
pub mod region_keys;
pub mod replay;
