//! Health, readiness, metrics and static files.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use crate::error::AppError;
use crate::web::{AppState, assets};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/healthz", healthz)
        .get("/readyz", readyz)
        .get("/metrics", metrics)
        .get("/static/{file}", assets::serve)
        .get("/favicon.ico", favicon);
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// The process can reach its database.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ready = state
        .db
        .read(|conn| conn.batch_execute("SELECT 1").map_err(AppError::from))
        .await;
    match ready {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body("database unreachable")
        }
    }
}

/// Prometheus text format.
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((actix_web::http::header::LOCATION, assets::url("icon.svg")))
        .finish()
}
