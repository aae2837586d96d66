//! Request ids, one structured log line per request, and Prometheus metrics (request
//! counts and latency by route).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;

use super::AppState;

/// Latency bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct RouteStats {
    count: AtomicU64,
    micros_sum: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

/// Paths whose next segment is a secret from an emailed link.
const TOKEN_PATHS: [&str; 4] = [
    "/password/reset/",
    "/invite/",
    "/offers/answer/",
    "/feedback/t/",
];

/// Whether `path` carries the secret of an emailed link.
pub fn holds_token(path: &str) -> bool {
    TOKEN_PATHS.iter().any(|prefix| path.starts_with(prefix))
}

/// `path` with the secret of an emailed link replaced by `…`, so tokens never reach the
/// logs.
pub fn loggable_path(path: &str) -> String {
    for prefix in TOKEN_PATHS {
        if let Some(rest) = path.strip_prefix(prefix) {
            let after = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}…{after}");
        }
    }
    path.to_owned()
}

/// Counters shared by all workers; lock-free on the hot path once a route has been seen.
#[derive(Default)]
pub struct Metrics {
    routes: RwLock<HashMap<(String, String, u16), Arc<RouteStats>>>,
}

impl Metrics {
    fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let key = (route.to_owned(), method.to_owned(), status);
        let existing = self.routes.read().ok().and_then(|m| m.get(&key).cloned());
        let stats = match existing {
            Some(s) => s,
            None => match self.routes.write() {
                Ok(mut m) => m.entry(key).or_default().clone(),
                Err(_) => return,
            },
        };
        stats.count.fetch_add(1, Ordering::Relaxed);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "latency in µs fits"
        )]
        stats
            .micros_sum
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        for (bound, bucket) in BUCKETS.iter().zip(&stats.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The metrics in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(routes) = self.routes.read() else {
            return out;
        };
        let mut keys: Vec<_> = routes.keys().collect();
        keys.sort();
        out.push_str("# HELP http_requests_total HTTP requests by route, method and status.\n# TYPE http_requests_total counter\n");
        for key in &keys {
            let s = &routes[*key];
            let _ = writeln!(
                out,
                "http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}",
                key.0,
                key.1,
                key.2,
                s.count.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP http_request_duration_seconds Request latency by route.\n# TYPE http_request_duration_seconds histogram\n");
        for key in &keys {
            let s = &routes[*key];
            let labels = format!(
                "route=\"{}\",method=\"{}\",status=\"{}\"",
                key.0, key.1, key.2
            );
            for (bound, bucket) in BUCKETS.iter().zip(&s.buckets) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    bucket.load(Ordering::Relaxed)
                );
            }
            let count = s.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            #[expect(clippy::cast_precision_loss, reason = "sums are shown approximately")]
            let sum = s.micros_sum.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        out
    }
}

/// The method as a metrics label: one of the standard methods, or `OTHER`, so a client
/// cannot add a label of its own choosing (and a series with it) per request.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

/// The id of the current request, also returned in `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn new_request_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Middleware: assigns the request id, logs the request, records metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let incoming = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned);
    let request_id = incoming.unwrap_or_else(new_request_id);
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let method = method_label(req.method());
    let path = loggable_path(req.path());
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, path = %path);
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    // The route's pattern (`/leads/{id}`), never the path asked for: the labels stay a
    // fixed set whatever clients send. Paths no route matched share one label.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    if let Some(metrics) = metrics {
        metrics.observe(&route, method, status, elapsed);
    }
    span.in_scope(|| {
        tracing::info!(status, route = %route, latency_ms = elapsed * 1000.0, "handled");
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;

    use super::{loggable_path, method_label};

    #[test]
    fn methods_outside_the_standard_set_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for custom in ["FOO", "PROPFIND", "GETX"] {
            let method = Method::from_bytes(custom.as_bytes()).unwrap_or(Method::GET);
            assert_ne!(method, Method::GET);
            assert_eq!(method_label(&method), "OTHER", "{custom}");
        }
    }

    #[test]
    fn secrets_in_emailed_links_never_reach_the_logs() {
        assert_eq!(
            loggable_path("/offers/answer/abcDEF123/accept"),
            "/offers/answer/…/accept"
        );
        assert_eq!(loggable_path("/feedback/t/abcDEF123"), "/feedback/t/…");
        assert_eq!(loggable_path("/password/reset/abc"), "/password/reset/…");
        assert_eq!(loggable_path("/dealer/leads/12"), "/dealer/leads/12");
    }
}
