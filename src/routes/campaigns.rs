//! Campaigns and their spend (the codes touchpoints carry, named and given a channel by a
//! manager), and a channel manager's weekly digest setting.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::{html, see_other_with_notice};
use crate::error::AppError;
use crate::services::attribution::{campaigns, digest};
use crate::web::{AppState, Page, Staff};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/campaigns", campaigns_page)
        .post("/campaigns", save_campaign)
        .post("/campaigns/spend", save_spend)
        .get("/account/digest", digest_page)
        .post("/account/digest", save_digest);
}

#[derive(Template)]
#[template(path = "attribution/campaigns.html")]
struct CampaignsPage {
    page: Page,
    view: campaigns::CampaignsView,
    this_month: String,
}

impl CampaignsPage {
    fn opt_money(&self, cents: &Option<i64>) -> String {
        cents.map_or_else(|| "—".to_owned(), |c| self.page.money(&c))
    }
}

async fn campaigns_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
) -> Result<HttpResponse, AppError> {
    let today = crate::db::now().date();
    let view = state
        .db
        .read(move |conn| campaigns::CampaignsView::load(conn, today))
        .await?;
    html(&CampaignsPage {
        page,
        view,
        this_month: format!("{:04}-{:02}", today.year(), today.month()),
    })
}

async fn save_campaign(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<campaigns::CampaignForm>,
) -> Result<HttpResponse, AppError> {
    let actor = staff.actor();
    let form = form.into_inner();
    let saved = state
        .db
        .write(move |conn| campaigns::save_campaign(conn, &form, &actor))
        .await?;
    let secure = state.settings.served_over_tls();
    Ok(match saved {
        Ok(()) => see_other_with_notice("/campaigns", "notice-campaign-saved", secure),
        Err(problem) => see_other_with_notice("/campaigns", problem, secure),
    })
}

async fn save_spend(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<campaigns::SpendForm>,
) -> Result<HttpResponse, AppError> {
    let actor = staff.actor();
    let form = form.into_inner();
    let saved = state
        .db
        .write(move |conn| campaigns::save_spend(conn, &form, &actor))
        .await?;
    let secure = state.settings.served_over_tls();
    Ok(match saved {
        Ok(()) => see_other_with_notice("/campaigns", "notice-spend-saved", secure),
        Err(problem) => see_other_with_notice("/campaigns", problem, secure),
    })
}

#[derive(Template)]
#[template(path = "attribution/digest.html")]
struct DigestPage {
    page: Page,
    on: bool,
}

/// A channel manager's weekly digest setting.
async fn digest_page(
    state: web::Data<AppState>,
    page: Page,
    staff: Staff,
) -> Result<HttpResponse, AppError> {
    let id = staff.user.0.user.id;
    let on = state
        .db
        .read(move |conn| digest::wants_digest(conn, id))
        .await?;
    html(&DigestPage { page, on })
}

#[derive(Debug, Default, Deserialize)]
struct DigestForm {
    #[serde(default)]
    on: String,
}

async fn save_digest(
    state: web::Data<AppState>,
    staff: Staff,
    form: web::Form<DigestForm>,
) -> Result<HttpResponse, AppError> {
    let (actor, id, on) = (staff.actor(), staff.user.0.user.id, form.on == "yes");
    state
        .db
        .write(move |conn| digest::set_digest(conn, id, on, &actor))
        .await?;
    Ok(see_other_with_notice(
        "/account/digest",
        "notice-digest-saved",
        state.settings.served_over_tls(),
    ))
}
