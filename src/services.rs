//! Domain rules: who may log in, what a session is, how dealers and users are created and
//! changed, and what gets audited. No HTTP types here.

pub mod allocation;
pub mod api_tokens;
pub mod attribution;
pub mod audit;
pub mod auth;
pub mod csv_export;
pub mod csv_import;
pub mod deadlines;
pub mod dealer_score;
pub mod dealers;
pub mod feedback;
pub mod health;
pub mod inbox;
pub mod intake;
pub mod leads;
pub mod offer_links;
pub mod offers;
pub mod overview;
pub mod password;
pub mod reassign;
pub mod simulation;
pub mod tokens;
pub mod users;
pub mod validation;
