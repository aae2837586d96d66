//! The admin area: dealers, users, API tokens, exchange rates and the audit log. Every handler here takes
//! the [`Admin`] extractor, so it runs for administrators only.

mod api_tokens;
mod audit;
mod dealers;
mod exchange_rates;
mod users;

use std::ops::Deref;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::html;
use crate::error::AppError;
use crate::services::overview::AdminOverview;
use crate::web::{Admin, AppState, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes.get("/admin", home);
    dealers::configure(routes);
    users::configure(routes);
    audit::configure(routes);
    api_tokens::configure(routes);
    exchange_rates::configure(routes);
}

#[derive(Template)]
#[template(path = "admin/home.html")]
struct AdminHome {
    page: Page,
    overview: AdminOverview,
}

/// The template names the overview's counts and events as the page's own.
impl Deref for AdminHome {
    type Target = AdminOverview;
    fn deref(&self) -> &AdminOverview {
        &self.overview
    }
}

async fn home(
    state: web::Data<AppState>,
    page: Page,
    _admin: Admin,
) -> Result<HttpResponse, AppError> {
    let overview = state.db.read(AdminOverview::load).await?;
    html(&AdminHome { page, overview })
}
