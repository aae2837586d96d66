//! Turns error responses into a page in the user's language (or JSON under `/api/`).
//! Handlers that re-render a form with field errors set their own HTML body and are left
//! alone.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use askama::Template;

use super::page::Page;
use super::request_context::RequestContext;
use crate::error::ErrorPageMarker;

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    page: Page,
    status: u16,
    title: String,
    message: String,
}

fn keys(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("error-400-title", "error-400-text"),
        403 => ("error-403-title", "error-403-text"),
        404 => ("error-404-title", "error-404-text"),
        405 => ("error-405-title", "error-405-text"),
        410 => ("error-410-title", "error-410-text"),
        413 => ("error-413-title", "error-413-text"),
        415 => ("error-400-title", "error-400-text"),
        429 => ("error-429-title", "error-429-text"),
        503 => ("error-503-title", "error-503-text"),
        _ => ("error-500-title", "error-500-text"),
    }
}

/// A visitor sent to log in from a page comes back to it afterwards: the login redirect
/// carries the page in `next` (only for GET, and only local paths are ever followed).
fn remember_the_page_asked_for<B>(res: &mut ServiceResponse<B>) {
    let req = res.request();
    if req.method() != actix_web::http::Method::GET {
        return;
    }
    let wanted = match req.query_string() {
        "" => req.path().to_owned(),
        q => format!("{}?{q}", req.path()),
    };
    let location: String = url::form_urlencoded::Serializer::new(String::from("/login?"))
        .append_pair("next", &wanted)
        .finish();
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, value);
    }
}

/// Middleware rendering 4xx/5xx responses that have no page of their own.
pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let status = res.status();
    let marked = res
        .response()
        .extensions()
        .get::<ErrorPageMarker>()
        .is_some();
    if marked && status == StatusCode::SEE_OTHER {
        remember_the_page_asked_for(&mut res);
        return Ok(res.map_into_left_body());
    }
    let has_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || (has_html && !marked) {
        return Ok(res.map_into_left_body());
    }
    let (req, old) = res.into_parts();
    let mut builder = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    let response: HttpResponse<BoxBody> = if req.path().starts_with("/api/") {
        let (title, _) = keys(status);
        builder.json(serde_json::json!({
            "error": status.canonical_reason().unwrap_or("error").to_lowercase(),
            "message": crate::i18n::Locale::En.t(title),
        }))
    } else {
        let page = req
            .extensions()
            .get::<RequestContext>()
            .map(|ctx| Page::build(&req, ctx))
            .unwrap_or_else(|| Page::fallback(&req));
        let (title, text) = keys(status);
        let message = match old
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
        {
            Some(secs) if status == StatusCode::TOO_MANY_REQUESTS => {
                page.t1("error-429-wait", "minutes", (secs + 59) / 60)
            }
            _ => page.t(text),
        };
        let body = ErrorPage {
            title: page.t(title),
            message,
            status: status.as_u16(),
            page,
        }
        .render()
        .unwrap_or_else(|_| status.to_string());
        builder.content_type("text/html; charset=utf-8").body(body)
    };
    Ok(ServiceResponse::new(req, response).map_into_right_body())
}
