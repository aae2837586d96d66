//! Attribution: every won outcome's revenue credited to the touchpoints of the journey
//! that produced it, under eight models.
//!
//! - [`models`]: the seven heuristic models, pure functions from a journey to shares;
//! - [`markov`]: the data-driven model, a Markov chain's removal effects solved exactly;
//! - [`split`]: shares to integer cents that sum exactly to the revenue;
//! - [`credits`]: journeys read from storage, and credits written with the outcome;
//! - [`journeys`]: every lead's journey in one narrow row, the read a whole-network run is built on;
//! - [`runs`]: the Markov model's runs over every decided journey;
//! - [`report`]: the channel manager's report per channel, campaign or source/medium;
//! - [`checks`]: the lead score's calibration, the monthly trend, first heard against first touch;
//! - [`digest`]: the weekly email to channel managers;
//! - [`exports`]: every table as CSV;
//! - [`dealer_touches`]: the visits, calls, demos and quotes a dealer logs on a lead.

pub mod campaigns;
pub mod checks;
pub mod credits;
pub mod currency;
pub mod dealer_touches;
pub mod digest;
pub mod exports;
pub mod journeys;
pub mod markov;
pub mod models;
pub mod report;
pub mod runs;
pub mod spend_import;
pub mod split;

pub use models::{HEURISTIC, Model, Settings};
