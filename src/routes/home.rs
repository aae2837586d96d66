//! Each role's home page and the dealer pages staff can read.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::html;
use crate::error::AppError;
use crate::models::user::User;
use crate::services::dealers::views::{DealerProfile, DealerView};
use crate::web::{AppState, DealerUser, Page, SearchQuery, Staff};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/dealer/profile", dealer_home)
        .get("/manager", manager_home)
        .get("/dealers", dealer_list)
        .get("/dealers/{id}", dealer_detail);
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

#[derive(Template)]
#[template(path = "dealers/list.html")]
struct DealerListPage {
    page: Page,
    dealers: Vec<DealerView>,
    q: String,
    heading: String,
}

/// The dealer network under the heading `heading_key`, searched by `query`.
async fn render_dealer_list(
    state: &AppState,
    page: Page,
    query: SearchQuery,
    heading_key: &str,
) -> Result<HttpResponse, AppError> {
    let search = query.text();
    let dealers = state
        .db
        .read(move |conn| DealerView::list(conn, &search))
        .await?;
    let heading = page.t(heading_key);
    html(&DealerListPage {
        page,
        dealers,
        q: query.q,
        heading,
    })
}

/// A channel manager's home: the dealer network.
async fn manager_home(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    render_dealer_list(&state, page, query.into_inner(), "manager-home-title").await
}

async fn dealer_list(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    render_dealer_list(&state, page, query.into_inner(), "dealers-title").await
}

#[derive(Template)]
#[template(path = "dealers/detail.html")]
struct DealerDetailPage {
    page: Page,
    view: DealerView,
    users: Vec<User>,
}

async fn dealer_detail(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let DealerProfile { view, users } = state
        .db
        .read(move |conn| DealerProfile::load(conn, id.into_inner()))
        .await?;
    html(&DealerDetailPage { page, view, users })
}
