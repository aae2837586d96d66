//! Per-request context: the session (if any), the CSRF token, the language and the
//! client. Loaded once per request by [`load`] and read by extractors.

use std::future::{Ready, ready};
use std::net::{IpAddr, SocketAddr};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use super::{ANON_CSRF_COOKIE, AppState, FLASH_COOKIE, LOCALE_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::services::auth::{self, AuthSession, ClientInfo};
use crate::services::tokens;

/// What every page handler knows about the request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub session: Option<AuthSession>,
    pub csrf_token: String,
    pub locale: Locale,
    pub client: ClientInfo,
    /// A notice key carried over from the previous page (`notice-…`).
    pub flash: Option<String>,
}

impl RequestContext {
    pub fn from_request(req: &HttpRequest) -> Result<Self, AppError> {
        req.extensions()
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")))
    }
}

impl FromRequest for RequestContext {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_request(req))
    }
}

/// The logged-in user; handlers that take it send anonymous visitors to the login page.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub AuthSession);

impl CurrentUser {
    pub fn actor(&self, client_ip: &str) -> crate::services::audit::Actor {
        crate::services::audit::Actor::user(self.0.user.id, &self.0.user.email, client_ip)
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(RequestContext::from_request(req).and_then(|ctx| {
            ctx.session
                .map(CurrentUser)
                .ok_or(AppError::Unauthenticated)
        }))
    }
}

/// The client's address: the socket peer or, with `trust_proxy`, the address the trusted
/// proxies report in `X-Forwarded-For` ([`forwarded_client`]).
pub fn client_ip(req: &ServiceRequest, trust_proxy: bool, proxy_hops: usize) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let forwarded = trust_proxy
        .then(|| {
            let lines: Vec<&[u8]> = req
                .headers()
                .get_all(X_FORWARDED_FOR)
                .map(actix_web::http::header::HeaderValue::as_bytes)
                .collect();
            forwarded_client(&lines, proxy_hops)
        })
        .flatten();
    forwarded
        .or(peer)
        .map_or_else(|| "-".into(), |ip| ip.to_string())
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address in `X-Forwarded-For` (all its header lines, in order) behind
/// `proxy_hops` trusted proxies: the `proxy_hops`-th entry from the right.
///
/// Each proxy appends the address it received the request from, so the right-most
/// `proxy_hops` entries were written by the trusted proxies and the first of them is the
/// client as the outermost proxy saw it. Everything to its left came from the client and
/// may be forged, so it is never read. `None` (the caller uses the socket peer) when there
/// are fewer entries than hops or the entry is not an IP address (with or without a port).
pub fn forwarded_client(header_lines: &[&[u8]], proxy_hops: usize) -> Option<IpAddr> {
    if proxy_hops == 0 {
        return None;
    }
    let entry = header_lines
        .iter()
        .rev()
        .flat_map(|line| line.split(|b| *b == b',').rev())
        .nth(proxy_hops - 1)?;
    let entry = std::str::from_utf8(entry).ok()?.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

fn is_plumbing_path(path: &str) -> bool {
    path.starts_with("/static/")
        || path.starts_with("/api/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics" | "/favicon.ico")
}

/// Builds a cookie with the portal's flags: `HttpOnly`, `SameSite=Lax`, `Secure` over TLS.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// A cookie that deletes `name` in the browser.
pub fn removal_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), secure);
    c.make_removal();
    c
}

/// For a middleware that has nothing to do with `req`: hands it on untouched.
pub(crate) async fn pass_on<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// The application state, for a middleware (an app built without it is a 500).
pub(crate) fn app_state_of(req: &ServiceRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no state")))
}

/// Middleware: resolves the session, CSRF token and language, and maintains the cookies
/// that carry them.
pub async fn load(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if is_plumbing_path(req.path()) {
        return pass_on(req, next).await;
    }
    let state = match app_state_of(&req) {
        Ok(state) => state,
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    let secure = state.settings.served_over_tls();
    let client = ClientInfo {
        ip: client_ip(&req, state.settings.trust_proxy, state.settings.proxy_hops),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    };

    let mut clear_session_cookie = false;
    let session = match req.cookie(SESSION_COOKIE) {
        Some(c) => match auth::resume_session(&state.db, state.session_policy(), c.value()).await {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                clear_session_cookie = true;
                None
            }
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        },
        None => None,
    };

    let mut new_anon_csrf = None;
    let csrf_token = match &session {
        Some(s) => s.csrf_token.clone(),
        None => match req.cookie(ANON_CSRF_COOKIE) {
            Some(c) if c.value().len() == 43 => c.value().to_owned(),
            _ => {
                let t = tokens::random_secret();
                new_anon_csrf = Some(t.clone());
                t
            }
        },
    };

    let locale = session
        .as_ref()
        .and_then(|s| s.user.locale)
        .or_else(|| {
            req.cookie(LOCALE_COOKIE)
                .and_then(|c| c.value().parse().ok())
        })
        .or_else(|| {
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or_default();

    let flash = req
        .cookie(FLASH_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.starts_with("notice-") && v.len() < 60);
    let had_flash = flash.is_some();

    req.extensions_mut().insert(RequestContext {
        session,
        csrf_token,
        locale,
        client,
        flash,
    });

    let mut res = next.call(req).await?;
    let sets =
        |res: &ServiceResponse<_>, name: &str| res.response().cookies().any(|c| c.name() == name);
    if clear_session_cookie && !sets(&res, SESSION_COOKIE) {
        let _ = res
            .response_mut()
            .add_cookie(&removal_cookie(SESSION_COOKIE, secure));
    }
    if let Some(token) = new_anon_csrf
        && !sets(&res, ANON_CSRF_COOKIE)
    {
        let mut c = cookie(ANON_CSRF_COOKIE, token, secure);
        c.set_max_age(CookieDuration::days(1));
        let _ = res.response_mut().add_cookie(&c);
    }
    if had_flash && res.status().is_success() && !sets(&res, FLASH_COOKIE) {
        let _ = res
            .response_mut()
            .add_cookie(&removal_cookie(FLASH_COOKIE, secure));
    }
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::forwarded_client;

    fn client(lines: &[&str], hops: usize) -> Option<String> {
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        forwarded_client(&lines, hops).map(|ip: IpAddr| ip.to_string())
    }

    #[test]
    fn behind_one_proxy_the_client_is_the_entry_the_proxy_appended() {
        assert_eq!(client(&["203.0.113.7"], 1).as_deref(), Some("203.0.113.7"));
        assert_eq!(
            client(&["1.2.3.4, 203.0.113.7"], 1).as_deref(),
            Some("203.0.113.7"),
            "a forged entry in front of the proxy's is ignored"
        );
        assert_eq!(
            client(&["1.2.3.4", "203.0.113.7"], 1).as_deref(),
            Some("203.0.113.7"),
            "several header lines read as one list, in order"
        );
        assert_eq!(
            client(&["127.0.0.1,10.0.0.1,  198.51.100.2 "], 1).as_deref(),
            Some("198.51.100.2")
        );
    }

    #[test]
    fn behind_several_proxies_the_client_is_the_nth_entry_from_the_right() {
        // client forged 1.2.3.4; the CDN appended the client, the load balancer the CDN.
        let header = ["1.2.3.4, 203.0.113.7, 198.51.100.9"];
        assert_eq!(client(&header, 2).as_deref(), Some("203.0.113.7"));
        assert_eq!(client(&header, 3).as_deref(), Some("1.2.3.4"));
    }

    #[test]
    fn ports_and_ipv6_are_understood() {
        assert_eq!(
            client(&["evil, 203.0.113.7:51234"], 1).as_deref(),
            Some("203.0.113.7")
        );
        assert_eq!(client(&["2001:db8::1"], 1).as_deref(), Some("2001:db8::1"));
        assert_eq!(
            client(&["[2001:db8::1]:443"], 1).as_deref(),
            Some("2001:db8::1")
        );
    }

    #[test]
    fn too_few_entries_or_a_malformed_entry_fall_back_to_the_socket_peer() {
        for (lines, hops) in [
            (&[][..], 1),
            (&["203.0.113.7"][..], 2),
            (&[""][..], 1),
            (&["1.2.3.4, "][..], 1),
            (&["1.2.3.4, unknown"][..], 1),
            (&["1.2.3.4, 203.0.113.7 extra"][..], 1),
            (&["1.2.3.4, 999.0.113.7"][..], 1),
            (&["1.2.3.4, _hidden"][..], 1),
            (&["203.0.113.7"][..], 0),
        ] {
            assert_eq!(client(lines, hops), None, "{lines:?} with {hops} hops");
        }
    }

    #[test]
    fn junk_a_client_puts_in_front_never_matters() {
        let junk = "\u{7f}not, an; address=\"x\", 1.1.1.1, , ";
        let header = format!("{junk}, 203.0.113.7");
        assert_eq!(client(&[&header], 1).as_deref(), Some("203.0.113.7"));
        let mut bytes = b"\xff\xfe, ".to_vec();
        bytes.extend_from_slice(b"203.0.113.7");
        assert_eq!(
            forwarded_client(&[&bytes], 1)
                .map(|ip| ip.to_string())
                .as_deref(),
            Some("203.0.113.7")
        );
    }
}
