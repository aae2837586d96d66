//! CSRF defence for every state-changing request outside the bearer-token API:
//! 1. the browser's own word on where the request came from (`Sec-Fetch-Site`, else
//!    `Origin`) must say this site, and
//! 2. the request must carry the synchronizer token of its session (or, before login, of
//!    the visitor's CSRF cookie) in the `csrf_token` form field or `X-CSRF-Token` header.
//!
//! The body is read here (bounded by the app's payload limit) and handed on untouched.

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

use super::AppState;
use super::request_context::{RequestContext, app_state_of, pass_on};
use crate::error::AppError;
use crate::services::tokens::secrets_match;

/// Name of the hidden form field that carries the token.
pub const FIELD: &str = "csrf_token";

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the browser says the request comes from this site.
fn same_origin(req: &ServiceRequest, state: &AppState) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true, // Not a browser that sends either header: the token check decides.
        Some("null") => false,
        Some(origin) => {
            let host = req.connection_info().host().to_owned();
            let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
            origin_host == host || origin.trim_end_matches('/') == &*state.base_url
        }
    }
}

fn token_in_urlencoded(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

/// Finds the `csrf_token` part of a multipart body (its value is short and plain).
fn token_in_multipart(body: &[u8]) -> Option<String> {
    let needle = b"name=\"csrf_token\"";
    let start = body.windows(needle.len()).position(|w| w == needle)? + needle.len();
    let rest = &body[start..];
    let value_start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let value = &rest[value_start..];
    let end = value.windows(2).position(|w| w == b"\r\n")?;
    std::str::from_utf8(&value[..end]).ok().map(str::to_owned)
}

/// How far into a multipart body the `csrf_token` part may start (forms put it first).
const MULTIPART_TOKEN_WINDOW: usize = 64 * 1024;

/// Reads a multipart body only as far as its `csrf_token` part, then hands the whole body
/// on (what was read, then the rest of the stream), so an upload is bounded by its own
/// route's limit rather than by the app's form limit.
async fn multipart_token(req: &mut ServiceRequest) -> Result<Option<String>, actix_web::Error> {
    use futures_util::StreamExt;

    let mut payload = req.take_payload();
    let mut prefix = actix_web::web::BytesMut::new();
    let mut token = None;
    while prefix.len() < MULTIPART_TOKEN_WINDOW {
        match payload.next().await {
            Some(chunk) => {
                prefix.extend_from_slice(&chunk?);
                token = token_in_multipart(&prefix);
                if token.is_some() {
                    break;
                }
            }
            None => break,
        }
    }
    let prefix = prefix.freeze();
    let body = futures_util::stream::once(async move { Ok(prefix) }).chain(payload);
    let body: actix_http::BoxedPayloadStream = Box::pin(body);
    req.set_payload(body.into());
    Ok(token)
}

/// Middleware enforcing both checks.
pub async fn protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if is_safe(req.method()) || req.path().starts_with("/api/") {
        return pass_on(req, next).await;
    }
    let state = match app_state_of(&req) {
        Ok(state) => state,
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    if !same_origin(&req, &state) {
        tracing::warn!(path = req.path(), "cross-site request refused");
        return Ok(req
            .error_response(AppError::CsrfRejected)
            .map_into_right_body());
    }
    let expected = req
        .extensions()
        .get::<RequestContext>()
        .map(|c| c.csrf_token.clone());
    let Some(expected) = expected else {
        return Ok(req
            .error_response(AppError::CsrfRejected)
            .map_into_right_body());
    };

    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let presented = match header_token {
        Some(t) => Some(t),
        None if req.content_type().starts_with("multipart/") => {
            match multipart_token(&mut req).await {
                Ok(token) => token,
                Err(e) => return Ok(req.error_response(e).map_into_right_body()),
            }
        }
        None => {
            let body = match req.extract::<Bytes>().await {
                Ok(b) => b,
                Err(e) => return Ok(req.error_response(e).map_into_right_body()),
            };
            let token = token_in_urlencoded(&body);
            let (_, mut payload) = actix_http::h1::Payload::create(true);
            payload.unread_data(body);
            req.set_payload(payload.into());
            token
        }
    };
    match presented {
        Some(token) if secrets_match(&token, &expected) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        _ => {
            tracing::warn!(path = req.path(), "missing or wrong CSRF token");
            Ok(req
                .error_response(AppError::CsrfRejected)
                .map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_in_both_form_encodings() {
        assert_eq!(
            token_in_urlencoded(b"a=1&csrf_token=abc%2Bd&b=2"),
            Some("abc+d".into())
        );
        let multipart = b"--X\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n--X--\r\n";
        assert_eq!(token_in_multipart(multipart), Some("tok123".into()));
        assert_eq!(token_in_urlencoded(b"a=1"), None);
    }
}
