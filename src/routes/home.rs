//! Each role's home page and the dealer pages staff can read.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::html;
use crate::db::DbConnection;
use crate::domain::{Role, Territory};
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::user::User;
use crate::web::{AppState, CurrentUser, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/dealer/profile", dealer_home)
        .get("/manager", manager_home)
        .get("/dealers", dealer_list)
        .get("/dealers/{id}", dealer_detail);
}

/// A dealer with what list and detail pages show about it.
pub struct DealerView {
    pub dealer: Dealer,
    pub territories: Vec<Territory>,
    pub product_lines: Vec<String>,
}

impl DealerView {
    pub fn territory_summary(&self) -> String {
        self.territories
            .iter()
            .map(Territory::to_line)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn lines_summary(&self) -> String {
        self.product_lines.join(", ")
    }

    pub fn postcodes(&self) -> Vec<String> {
        self.territories
            .iter()
            .filter(|t| matches!(t, Territory::Postcode { .. }))
            .map(Territory::to_line)
            .collect()
    }

    pub fn regions(&self) -> Vec<String> {
        self.territories
            .iter()
            .filter(|t| matches!(t, Territory::Region { .. }))
            .map(Territory::to_line)
            .collect()
    }

    pub fn load(conn: &mut DbConnection, id: i64) -> Result<Self, AppError> {
        let dealer = Dealer::find(conn, id)?;
        let territories = Dealer::territories(conn, id)?
            .iter()
            .map(|t| t.to_territory())
            .collect();
        let product_lines = Dealer::product_lines(conn, id)?;
        Ok(Self {
            dealer,
            territories,
            product_lines,
        })
    }

    /// Dealers matching `search`, with territories and lines in two queries in all.
    pub fn list(conn: &mut DbConnection, search: &str) -> Result<Vec<Self>, AppError> {
        let dealers = Dealer::list(conn, search)?;
        let ids: Vec<i64> = dealers.iter().map(|d| d.id).collect();
        let territories = Dealer::territories_of(conn, &ids)?;
        let lines = Dealer::product_lines_of(conn, &ids)?;
        Ok(dealers
            .into_iter()
            .map(|dealer| Self {
                territories: territories
                    .iter()
                    .filter(|t| t.dealer_id == dealer.id)
                    .map(|t| t.to_territory())
                    .collect(),
                product_lines: lines
                    .iter()
                    .filter(|(d, _)| *d == dealer.id)
                    .map(|(_, l)| l.clone())
                    .collect(),
                dealer,
            })
            .collect())
    }
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
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    user.require(&[Role::Dealer])?;
    let dealer_id = user.0.user.dealer_id.ok_or(AppError::Forbidden)?;
    let (view, colleagues) = state
        .db
        .read_quick(move |conn| -> Result<_, AppError> {
            Ok((
                DealerView::load(conn, dealer_id)?,
                User::for_dealer(conn, dealer_id)?,
            ))
        })
        .await?;
    html(&DealerHome {
        page,
        view,
        colleagues,
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

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
}

async fn render_dealer_list(
    state: &AppState,
    page: Page,
    q: String,
    heading_key: &str,
) -> Result<HttpResponse, AppError> {
    let search = q.trim().chars().take(100).collect::<String>();
    let dealers = state
        .db
        .read(move |conn| DealerView::list(conn, &search))
        .await?;
    let heading = page.t(heading_key);
    html(&DealerListPage {
        page,
        dealers,
        q,
        heading,
    })
}

/// A channel manager's home: the dealer network.
async fn manager_home(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(&[Role::Manager, Role::Admin])?;
    render_dealer_list(&state, page, query.into_inner().q, "manager-home-title").await
}

async fn dealer_list(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(&[Role::Manager, Role::Admin])?;
    render_dealer_list(&state, page, query.into_inner().q, "dealers-title").await
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
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require(&[Role::Manager, Role::Admin])?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (view, users) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            Ok((DealerView::load(conn, id)?, User::for_dealer(conn, id)?))
        })
        .await?;
    html(&DealerDetailPage { page, view, users })
}
