//! The admin area: dealers, users and the audit log. Every handler here requires the
//! admin role.

mod api_tokens;
mod audit;
mod dealers;
mod users;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::html;
use crate::domain::Role;
use crate::error::AppError;
use crate::models::audit::AuditEvent;
use crate::models::dealer::Dealer;
use crate::models::outbound_email::OutboundEmail;
use crate::models::user::User;
use crate::web::{AppState, CurrentUser, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes.get("/admin", home);
    dealers::configure(routes);
    users::configure(routes);
    audit::configure(routes);
    api_tokens::configure(routes);
}

/// Refuses anyone but an admin.
fn admin_only(user: &CurrentUser) -> Result<(), AppError> {
    user.require(&[Role::Admin])
}

#[derive(Template)]
#[template(path = "admin/home.html")]
struct AdminHome {
    page: Page,
    dealer_count: i64,
    user_count: i64,
    pending_mail: i64,
    recent: Vec<AuditEvent>,
}

async fn home(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let (dealer_count, user_count, pending_mail, recent) = state
        .db
        .read(|conn| -> Result<_, AppError> {
            Ok((
                Dealer::count(conn)?,
                User::count(conn)?,
                OutboundEmail::pending_count(conn)?,
                AuditEvent::page(conn, None, None, 10)?,
            ))
        })
        .await?;
    html(&AdminHome {
        page,
        dealer_count,
        user_count,
        pending_mail,
        recent,
    })
}
