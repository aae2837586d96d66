//! Domain rules: who may log in, what a session is, how dealers and users are created and
//! changed, and what gets audited. No HTTP types here.

pub mod audit;
pub mod auth;
pub mod dealers;
pub mod demo;
pub mod password;
pub mod tokens;
pub mod users;
pub mod validation;
