use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::admin_only;
use crate::error::AppError;
use crate::models::audit::AuditEvent;
use crate::routes::html;
use crate::web::{AppState, CurrentUser, Page};

const PAGE_SIZE: i64 = 50;

pub fn configure(routes: &mut crate::routes::Routes) {
    routes.get("/admin/audit", list);
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    before: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    page: Page,
    events: Vec<AuditEvent>,
    action: String,
    next_before: Option<i64>,
    error: Option<String>,
}

async fn list(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let AuditQuery { action, before } = query.into_inner();
    let action = action.trim().to_owned();
    let mut error = None;
    let before_id = match before.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                error = Some(page.t("error-page-invalid"));
                None
            }
        },
    };
    let filter = (!action.is_empty()).then(|| action.clone());
    let events = state
        .db
        .read(move |conn| {
            AuditEvent::page(conn, filter.as_deref(), before_id, PAGE_SIZE).map_err(AppError::from)
        })
        .await?;
    let next_before = (events.len() == usize::try_from(PAGE_SIZE).unwrap_or(50))
        .then(|| events.last().map(|e| e.id))
        .flatten();
    html(&AuditPage {
        page,
        events,
        action,
        next_before,
        error,
    })
}
