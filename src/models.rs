//! Diesel rows, insert forms and change sets, with the queries over them. No business
//! rules here: those live in `services`.

pub mod audit;
pub mod dealer;
pub mod login_attempt;
pub mod outbound_email;
pub mod session;
pub mod token;
pub mod user;
