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

use actix_web::http::{Method, header};
use actix_web::{FromRequest, Handler, HttpResponse, Responder, web};
use askama::Template;

use crate::error::AppError;
use crate::web::{FLASH_COOKIE, request_context::cookie};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    register(&mut Routes {
        cfg,
        table: &mut Vec::new(),
    });
}

/// Every route the portal serves, in the order it is matched: the table that the
/// isolation tests walk, so a new route cannot be left out of them.
pub fn table() -> Vec<RouteEntry> {
    let mut table = Vec::new();
    let _ = actix_web::App::new().configure(|cfg| {
        register(&mut Routes {
            cfg,
            table: &mut table,
        });
    });
    table
}

fn register(routes: &mut Routes) {
    // Paths with parameters are matched in order, one pattern at a time: the pages opened
    // most often on a phone (the dealer inbox, the feedback form) come first.
    ops::configure(routes);
    inbox::configure(routes);
    feedback::configure(routes);
    feedback_review::configure(routes);
    feedback::configure_form(routes);
    api::configure(routes);
    auth::configure(routes);
    home::configure(routes);
    lead_import::configure(routes);
    leads::configure(routes);
    offer_links::configure(routes);
    admin::configure(routes);
}

/// One registered route: its method and path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: Method,
    pub pattern: &'static str,
}

/// Registers handlers and writes down each route it registers in the route table.
pub struct Routes<'a> {
    cfg: &'a mut web::ServiceConfig,
    table: &'a mut Vec<RouteEntry>,
}

impl Routes<'_> {
    pub fn get<F, Args>(&mut self, pattern: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, pattern, None, web::get().to(handler))
    }

    pub fn post<F, Args>(&mut self, pattern: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, pattern, None, web::post().to(handler))
    }

    /// A `POST` whose body may be larger than a form's (uploads, API batches).
    pub fn post_up_to<F, Args>(
        &mut self,
        pattern: &'static str,
        max_body_bytes: usize,
        handler: F,
    ) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(
            Method::POST,
            pattern,
            Some(max_body_bytes),
            web::post().to(handler),
        )
    }

    fn add(
        &mut self,
        method: Method,
        pattern: &'static str,
        max_body_bytes: Option<usize>,
        route: actix_web::Route,
    ) -> &mut Self {
        // The method guard on the resource too (as `ServiceConfig::route` does), so a
        // request with another method goes on to the next resource of the same path.
        let mut resource = web::resource(pattern)
            .guard(actix_web::guard::Method(method.clone()))
            .route(route);
        if let Some(limit) = max_body_bytes {
            resource = resource.app_data(web::PayloadConfig::new(limit));
        }
        self.cfg.service(resource);
        self.table.push(RouteEntry { method, pattern });
        self
    }
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
