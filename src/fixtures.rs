//! Data generators for the command line and the benchmarks, not part of the domain: a
//! believable demo network with a history of leads (`dealerloop demo`), and a large
//! synthetic network for load tests (`dealerloop generate`). They create data through the
//! services the portal uses, so what they write is what the portal would have written.

pub mod demo;
pub mod scale;
