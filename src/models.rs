//! Diesel rows, insert forms and change sets, with the queries over them. No business
//! rules here: those live in `services`.

pub mod api_token;
pub mod attribution;
pub mod audit;
pub mod campaign;
pub mod dealer;
pub mod dealer_figures;
pub mod dealer_score;
pub mod dealer_stats;
pub mod exchange_rate;
pub mod feedback;
pub mod journey;
pub mod lead;
pub mod login_attempt;
pub mod offer;
pub mod outbound_email;
pub mod session;
pub mod token;
pub mod user;
