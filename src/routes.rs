//! HTTP handlers: extract, authorize, call a service, render.

pub mod admin;
pub mod api;
pub mod attribution;
pub mod auth;
pub mod campaigns;
pub mod dealer_score;
pub mod dealer_weights;
pub mod dealers;
pub mod feedback;
pub mod feedback_review;
pub mod home;
pub mod inbox;
pub mod lead_import;
pub mod leads;
pub mod offer_links;
pub mod ops;

use actix_web::http::{Method, header};
use actix_web::{FromRequest, Handler, HttpResponse, Responder, web};
use askama::Template;

use crate::error::AppError;
use crate::web::{FLASH_COOKIE, request_context::cookie};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    register(&mut Routes {
        cfg,
        table: &mut Vec::new(),
    });
}

/// Every route the portal serves, in the order it is matched: the table that the
/// isolation tests walk, so a new route cannot be left out of them.
pub fn table() -> Vec<RouteEntry> {
    let mut table = Vec::new();
    let _ = actix_web::App::new().configure(|cfg| {
        register(&mut Routes {
            cfg,
            table: &mut table,
        });
    });
    table
}

fn register(routes: &mut Routes) {
    // Paths with parameters are matched in order, one pattern at a time: the pages opened
    // most often on a phone (the dealer inbox, the feedback form) come first.
    ops::configure(routes);
    inbox::configure(routes);
    dealer_score::configure(routes);
    feedback::configure(routes);
    feedback_review::configure(routes);
    feedback::configure_form(routes);
    api::configure(routes);
    auth::configure(routes);
    home::configure(routes);
    dealers::configure(routes);
    attribution::configure(routes);
    campaigns::configure(routes);
    dealer_weights::configure(routes);
    lead_import::configure(routes);
    leads::configure(routes);
    offer_links::configure(routes);
    admin::configure(routes);
}

/// One registered route: its method and path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    pub method: Method,
    pub pattern: &'static str,
}

/// Registers handlers and writes down each route it registers in the route table.
pub struct Routes<'a> {
    cfg: &'a mut web::ServiceConfig,
    table: &'a mut Vec<RouteEntry>,
}

impl Routes<'_> {
    pub fn get<F, Args>(&mut self, pattern: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, pattern, None, web::get().to(handler))
    }

    pub fn post<F, Args>(&mut self, pattern: &'static str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, pattern, None, web::post().to(handler))
    }

    /// A `POST` whose body may be larger than a form's (uploads, API batches).
    pub fn post_up_to<F, Args>(
        &mut self,
        pattern: &'static str,
        max_body_bytes: usize,
        handler: F,
    ) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(
            Method::POST,
            pattern,
            Some(max_body_bytes),
            web::post().to(handler),
        )
    }

    fn add(
        &mut self,
        method: Method,
        pattern: &'static str,
        max_body_bytes: Option<usize>,
        route: actix_web::Route,
    ) -> &mut Self {
        // The method guard on the resource too (as `ServiceConfig::route` does), so a
        // request with another method goes on to the next resource of the same path.
        let mut resource = web::resource(pattern)
            .guard(actix_web::guard::Method(method.clone()))
            .route(route);
        if let Some(limit) = max_body_bytes {
            resource = resource.app_data(web::PayloadConfig::new(limit));
        }
        self.cfg.service(resource);
        self.table.push(RouteEntry { method, pattern });
        self
    }
}

/// A rendered page with status 200.
pub fn html(template: &impl Template) -> Result<HttpResponse, AppError> {
    html_with_status(actix_web::http::StatusCode::OK, template)
}

/// A rendered page with the given status (a form with errors is a 422).
pub fn html_with_status(
    status: actix_web::http::StatusCode,
    template: &impl Template,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(template.render()?))
}

/// `303 See Other` to `location`.
/// Pages reached through an emailed link send no referrer, so its secret never leaks to
/// another site.
pub fn no_referrer(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    res
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// `303 See Other` carrying a one-time notice for the next page.
pub fn see_other_with_notice(location: &str, notice: &'static str, secure: bool) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .cookie(cookie(FLASH_COOKIE, notice.to_owned(), secure))
        .finish()
}

/// A local path to return to after a form, or `None` unless `next` is a plain absolute
/// path on this site that no browser could read as another host.
///
/// Accepted: printable ASCII without spaces (what a browser sends for a path and query),
/// starting with one `/`, under 500 bytes. Refused, at every level of percent-decoding
/// (so `%2F`, `%5C`, `%09` and double encodings such as `%252F` count as what they
/// decode to): control characters, backslashes (browsers read `\` as `/`), an empty path
/// segment (`//`, which starts another host at the front and is never one of our paths),
/// dot segments (`/./`, `/../`, which browsers collapse, e.g. `/.//evil` into `//evil`),
/// and anything still changing after three decodings.
pub fn local_path(next: &str) -> Option<&str> {
    const MAX_DECODINGS: usize = 3;
    let plain =
        next.len() < 500 && next.starts_with('/') && next.bytes().all(|b| b.is_ascii_graphic());
    if !plain {
        return None;
    }
    let mut level = next.as_bytes().to_vec();
    for _ in 0..=MAX_DECODINGS {
        if !stays_on_this_host(&level) {
            return None;
        }
        let decoded = percent_decoded(&level);
        if decoded == level {
            return Some(next);
        }
        level = decoded;
    }
    None
}

/// One decoding level of a `next` address: no control character or backslash anywhere,
/// and a path (before `?` or `#`) of non-empty (but for the last), non-dot segments.
fn stays_on_this_host(bytes: &[u8]) -> bool {
    if bytes.iter().any(|&b| b < 0x20 || b == 0x7f || b == b'\\') {
        return false;
    }
    let path_end = bytes
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(bytes.len());
    let Some(path) = bytes[..path_end].strip_prefix(b"/") else {
        return false;
    };
    // Only the last segment may be empty (a trailing slash, or the path `/` itself).
    let mut segments = path.split(|&b| b == b'/').rev();
    let last = segments.next().unwrap_or_default();
    !matches!(last, b"." | b"..") && segments.all(|s| !matches!(s, b"" | b"." | b".."))
}

/// `bytes` with each `%XX` (two hex digits) replaced by its byte.
fn percent_decoded(bytes: &[u8]) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = (bytes[i] == b'%')
            .then(|| Some((hex(*bytes.get(i + 1)?)?, hex(*bytes.get(i + 2)?)?)))
            .flatten();
        match pair {
            Some((high, low)) => {
                out.push(high << 4 | low);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_path;

    /// Addresses from open-redirect payload lists: each would send a browser (or a proxy
    /// that decodes paths) to another host, or is not a plain path.
    const OPEN_REDIRECT_PAYLOADS: &[&str] = &[
        "//evil.com",
        "///evil.com",
        "////evil.com/",
        "/\\evil.com",
        "\\/evil.com",
        "\\\\evil.com",
        "/\t/evil.com",
        "/\n/evil.com",
        "/\r/evil.com",
        "/\u{0}/evil.com",
        "/\u{7f}/evil.com",
        "/%2F%2Fevil.com",
        "/%2f%2fevil.com",
        "/%2Fevil.com",
        "%2F%2Fevil.com",
        "/%5Cevil.com",
        "/%5cevil.com",
        "/%09/evil.com",
        "/%0a/evil.com",
        "/%0D/evil.com",
        "/%00/evil.com",
        "/%7F/evil.com",
        "/%252F%252Fevil.com",
        "/%25252F%25252Fevil.com",
        "/%255Cevil.com",
        "/.//evil.com",
        "/./evil.com",
        "/../evil.com",
        "/%2e%2e/evil.com",
        "/dealer/..//evil.com",
        "/ /evil.com",
        "/%20/evil.com/%0a",
        " /dealer",
        "https://evil.com",
        "http:/evil.com",
        "//evil.com@dealerloop.it",
        "javascript:alert(1)",
        "evil.com",
        "",
        "/dealer?x=\\evil",
        "/dealer?x=%5c",
        "/dealer#\n",
        "/d\u{e9}aler",
    ];

    #[test]
    fn known_open_redirect_payloads_are_refused() {
        for payload in OPEN_REDIRECT_PAYLOADS {
            assert_eq!(local_path(payload), None, "{payload:?} must be refused");
        }
        let long = format!("/{}", "a".repeat(500));
        assert_eq!(local_path(&long), None);
    }

    #[test]
    fn paths_of_this_site_are_kept_as_they_are() {
        for path in [
            "/",
            "/dealer",
            "/dealers/12?q=x",
            "/leads?q=Rossi%20Srl&status=open",
            "/leads?q=caff%C3%A8",
            "/leads?from=/dealer",
            "/inbox#offer-3",
            "/dealer/leads/12/",
        ] {
            assert_eq!(local_path(path), Some(path), "{path:?} is a local path");
        }
    }
}
