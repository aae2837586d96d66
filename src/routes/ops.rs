//! Health, readiness, metrics and static files.

use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::services::health;
use crate::web::observability::Metrics;
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
    match health::database_reachable(&state.db).await {
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

/// Prometheus text format, on the public address only to a scraper that shows the
/// configured token (`Authorization: Bearer <token>`). Without a configured token, or with
/// a missing or wrong one, the answer is the same 404 as any unknown path: nobody learns
/// that metrics exist.
async fn metrics(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let Some(token) = &state.settings.metrics_token else {
        return Err(AppError::NotFound);
    };
    let offered = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(offered, token.expose()) {
        return Err(AppError::NotFound);
    }
    Ok(metrics_text(&state.metrics))
}

/// Whether two secrets are equal, in time that reveals nothing about where they differ
/// (their SHA-256 digests are compared in constant time, so not even the length leaks).
fn same_secret(offered: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let (a, b) = (
        Sha256::digest(offered.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.as_slice().ct_eq(b.as_slice()).into()
}

fn metrics_text(metrics: &Metrics) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}

/// The routes of the separate metrics listener (`DEALERLOOP_METRICS_ADDR`): `/metrics`
/// without a token (the address itself is the access control) and nothing else.
pub fn configure_metrics_listener(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(listener_metrics));
}

async fn listener_metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    metrics_text(&metrics)
}

async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((actix_web::http::header::LOCATION, assets::url("icon.svg")))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn only_the_exact_token_opens_the_metrics() {
        let token = "prometheus-scrape-7f3a9c";
        assert!(same_secret(token, token));
        for wrong in [
            "",
            "prometheus-scrape-7f3a9",
            "prometheus-scrape-7f3a9c ",
            "PROMETHEUS-SCRAPE-7F3A9C",
        ] {
            assert!(!same_secret(wrong, token), "{wrong:?}");
        }
    }
}
