//! A dealer user's home page (the channel manager's is the dealer table, in
//! `routes::dealers`).

use actix_web::{HttpResponse, web};
use askama::Template;

use super::html;
use crate::error::AppError;
use crate::models::user::User;
use crate::services::dealers::views::{DealerProfile, DealerView};
use crate::web::{AppState, DealerUser, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes.get("/dealer/profile", dealer_home);
}

#[derive(Template)]
#[template(path = "home/dealer.html")]
struct DealerHome {
    page: Page,
    view: DealerView,
    colleagues: Vec<User>,
}

/// A dealer user's profile page: their own dealer, and nothing of any other.
async fn dealer_home(
    state: web::Data<AppState>,
    page: Page,
    me: DealerUser,
) -> Result<HttpResponse, AppError> {
    let dealer_id = me.dealer_id;
    let DealerProfile { view, users } = state
        .db
        .read_quick(move |conn| DealerProfile::load(conn, dealer_id))
        .await?;
    html(&DealerHome {
        page,
        view,
        colleagues: users,
    })
}
