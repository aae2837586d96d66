//! Campaigns and their spend (the codes touchpoints carry, named and given a channel by a
//! manager), and a channel manager's weekly digest setting.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::{html, html_with_status, no_referrer, see_other_with_notice};
use crate::error::AppError;
use crate::services::attribution::spend_import::{self, SpendImport};
use crate::services::attribution::{campaigns, digest};
use crate::services::audit::Actor;
use crate::web::multipart::{self, NoUpload};
use crate::web::{AppState, Page, RequestContext, Staff};

/// The largest spend file accepted (a few thousand rows take a few hundred kilobytes).
const MAX_SPEND_FILE_BYTES: usize = 2 * 1024 * 1024;

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/campaigns", campaigns_page)
        .post("/campaigns", save_campaign)
        .post("/campaigns/spend", save_spend)
        .post("/campaigns/spend/import", import_spend)
        .get("/account/digest", digest_page)
        .post("/account/digest", save_digest)
        .get("/digest/off/{token}", digest_off_page)
        .post("/digest/off/{token}", digest_off);
}

#[derive(Template)]
#[template(path = "attribution/campaigns.html")]
struct CampaignsPage {
    page: Page,
    view: campaigns::CampaignsView,
    this_month: String,
    /// Why the last spend file was refused whole, translated.
    import_error: Option<String>,
    columns: String,
}

impl CampaignsPage {
    fn opt_money(&self, spend: &Option<(i64, String)>) -> String {
        spend.as_ref().map_or_else(
            || "—".to_owned(),
            |(c, cur)| self.page.money_in(Some(*c), cur),
        )
    }
}

async fn campaigns_page(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
) -> Result<HttpResponse, AppError> {
    render_campaigns(&state, page, None).await
}

async fn render_campaigns(
    state: &AppState,
    page: Page,
    import_error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let today = crate::db::now().date();
    let view = state
        .db
        .read(move |conn| campaigns::CampaignsView::load(conn, today))
        .await?;
    let status = if import_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html_with_status(
        status,
        &CampaignsPage {
            page,
            view,
            this_month: format!("{:04}-{:02}", today.year(), today.month()),
            import_error,
            columns: spend_import::FORMAT.header(),
        },
    )
}

#[derive(Template)]
#[template(path = "attribution/spend_import.html")]
struct SpendImportPage {
    page: Page,
    file_name: String,
    summary: SpendImport,
}

impl SpendImportPage {
    fn problem(&self, p: &spend_import::SpendProblem) -> String {
        self.page.t(p.key)
    }
}

/// `POST /campaigns/spend/import`: a spend file; the rows without problems are stored and
/// every refused row is listed with its reason.
async fn import_spend(
    state: web::Data<AppState>,
    page: Page,
    staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let file = match multipart::read_file(&req, payload, MAX_SPEND_FILE_BYTES).await? {
        Ok(file) => file,
        Err(NoUpload::TooLarge) => return Ok(HttpResponse::PayloadTooLarge().finish()),
        Err(NoUpload::NoFile) => {
            let error = page.t("csv-error-no-file");
            return render_campaigns(&state, page, Some(error)).await;
        }
    };
    let rows = match spend_import::parse(&file.data, page.locale) {
        Ok(rows) => rows,
        Err(problem) => {
            let error = problem.translated(page.locale);
            return render_campaigns(&state, page, Some(error)).await;
        }
    };
    let (actor, file_name) = (staff.actor(), file.file_name);
    let name = file_name.clone();
    let summary = state
        .db
        .write(move |conn| spend_import::import(conn, &rows, &actor, &name))
        .await?;
    html(&SpendImportPage {
        page,
        file_name,
        summary,
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

#[derive(Template)]
#[template(path = "attribution/digest_off.html")]
struct DigestOffPage {
    page: Page,
    /// Where the form posts (the link itself), until the digest is off.
    action: Option<String>,
}

/// The digest email's link: a page with one button that turns the digest off, so a link
/// opened by a mail scanner changes nothing. No login; the link's secret is the key.
async fn digest_off_page(
    state: web::Data<AppState>,
    page: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let secret = token.clone();
    let user = state
        .db
        .read(move |conn| digest::unsubscribe_user(conn, &secret, crate::db::now()))
        .await?;
    if user.is_none() {
        return Err(AppError::InvalidLink);
    }
    Ok(no_referrer(html(&DigestOffPage {
        page,
        action: Some(format!("/digest/off/{token}")),
    })?))
}

async fn digest_off(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let secret = token.into_inner();
    let actor = Actor::email_link(&ctx.client.ip);
    let done = state
        .db
        .write(move |conn| digest::unsubscribe(conn, &secret, &actor, crate::db::now()))
        .await?;
    if !done {
        return Err(AppError::InvalidLink);
    }
    Ok(no_referrer(html(&DigestOffPage { page, action: None })?))
}
