use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::error::AppError;
use crate::models::audit::AuditEvent;
use crate::routes::html;
use crate::services::overview::{self, AuditLogPage};
use crate::web::{Admin, AppState, Page};

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
    _admin: Admin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
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
    let AuditLogPage {
        events,
        next_before,
    } = state
        .db
        .read(move |conn| overview::audit_log(conn, filter.as_deref(), before_id))
        .await?;
    html(&AuditPage {
        page,
        events,
        action,
        next_before,
        error,
    })
}
