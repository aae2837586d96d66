//! HTTP handlers: extract, authorize, call a service, render.

pub mod admin;
pub mod api;
pub mod auth;
pub mod feedback;
pub mod feedback_review;
pub mod home;
pub mod inbox;
pub mod lead_import;
pub mod leads;
pub mod offer_links;
pub mod ops;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;
use crate::web::{FLASH_COOKIE, request_context::cookie};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Paths with parameters are matched in order, one pattern at a time: the pages opened
    // most often on a phone (the dealer inbox, the feedback form) come first.
    ops::configure(cfg);
    inbox::configure(cfg);
    feedback::configure(cfg);
    feedback_review::configure(cfg);
    feedback::configure_form(cfg);
    api::configure(cfg);
    auth::configure(cfg);
    home::configure(cfg);
    lead_import::configure(cfg);
    leads::configure(cfg);
    offer_links::configure(cfg);
    admin::configure(cfg);
}

/// A rendered page with status 200.
pub fn html(template: &impl Template) -> Result<HttpResponse, AppError> {
    html_with_status(actix_web::http::StatusCode::OK, template)
}

/// A rendered page with the given status (a form with errors is a 422).
pub fn html_with_status(
    status: actix_web::http::StatusCode,
    template: &impl Template,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(template.render()?))
}

/// `303 See Other` to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// `303 See Other` carrying a one-time notice for the next page.
pub fn see_other_with_notice(location: &str, notice: &'static str, secure: bool) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .cookie(cookie(FLASH_COOKIE, notice.to_owned(), secure))
        .finish()
}

/// A local path to return to after a form, or `None` if `next` points elsewhere.
pub fn local_path(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && next.len() < 500)
        .then_some(next)
}
