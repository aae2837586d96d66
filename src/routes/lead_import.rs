//! CSV lead import from the browser, for channel managers and admins: the upload form and
//! the summary of what was imported, with every refused line and why.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{html, html_with_status};
use crate::error::AppError;
use crate::services::csv_import::{self, ImportSummary, LineProblem};
use crate::web::{AppState, Page, Staff};

/// Room for the file plus the multipart envelope.
const MAX_UPLOAD_BYTES: usize = csv_import::MAX_FILE_BYTES + 64 * 1024;

pub fn configure(routes: &mut crate::routes::Routes) {
    // The upload reads its own body, up to MAX_UPLOAD_BYTES, once the role is checked.
    routes
        .get("/leads/import", form)
        .post("/leads/import", upload);
}

#[derive(Template)]
#[template(path = "lead_import/form.html")]
struct ImportForm {
    page: Page,
    /// Why the last file was refused, translated.
    error: Option<String>,
    columns: String,
}

#[derive(Template)]
#[template(path = "lead_import/result.html")]
struct ImportResult {
    page: Page,
    file_name: String,
    summary: ImportSummary,
    problems: Vec<LineProblem>,
}

fn form_page(
    page: Page,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    html_with_status(
        status,
        &ImportForm {
            page,
            error,
            columns: csv_import::COLUMNS.join(","),
        },
    )
}

async fn form(page: Page, _staff: Staff) -> Result<HttpResponse, AppError> {
    form_page(page, None, StatusCode::OK)
}

/// `POST /leads/import`. The caller's role is checked before the body is read: a dealer's
/// or a visitor's upload is refused at once, without buffering it.
async fn upload(
    state: web::Data<AppState>,
    page: Page,
    staff: Staff,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let Ok(body) = payload.to_bytes_limited(MAX_UPLOAD_BYTES).await else {
        return Ok(HttpResponse::PayloadTooLarge().finish());
    };
    let body = body.map_err(|e| AppError::BadRequest(format!("the upload was cut short: {e}")))?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = multipart::boundary(content_type) else {
        return Err(AppError::BadRequest(
            "send the file as multipart/form-data".into(),
        ));
    };
    let file = multipart::parts(&body, &boundary)
        .into_iter()
        .find(|p| p.name == "file");
    let Some(file) = file.filter(|f| !f.data.is_empty()) else {
        let error = page.t("csv-error-no-file");
        return form_page(page, Some(error), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let file_name = file
        .filename
        .as_deref()
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n))
        .filter(|n| !n.is_empty())
        .unwrap_or("upload.csv")
        .chars()
        .take(200)
        .collect::<String>();
    let parsed = match csv_import::parse_csv(file.data, crate::db::now()) {
        Ok(p) => p,
        Err(problem) => {
            let (key, args) = problem.message_key();
            let args: Vec<_> = args.into_iter().map(|(k, v)| (k, v.into())).collect();
            let error = page.locale.t_args(key, &args);
            return form_page(page, Some(error), StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let actor = staff.actor();
    let policy = state.offer_policy();
    let summary =
        csv_import::import_rows(&state.db, parsed.rows, &policy, actor, file_name.clone()).await?;
    let problems = summary.problems().into_iter().cloned().collect();
    html(&ImportResult {
        page,
        file_name,
        summary,
        problems,
    })
}

/// Just enough of `multipart/form-data` (RFC 7578) for a form with a few fields and a file.
mod multipart {
    pub struct Part<'a> {
        pub name: String,
        pub filename: Option<String>,
        pub data: &'a [u8],
    }

    /// The boundary of a `multipart/form-data` content type.
    pub fn boundary(content_type: &str) -> Option<String> {
        let mut params = content_type.split(';');
        let kind = params.next()?.trim();
        if !kind.eq_ignore_ascii_case("multipart/form-data") {
            return None;
        }
        params.find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            if !k.trim().eq_ignore_ascii_case("boundary") {
                return None;
            }
            let v = v.trim().trim_matches('"');
            (!v.is_empty() && v.len() <= 200).then(|| v.to_owned())
        })
    }

    fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
        if from > haystack.len() {
            return None;
        }
        haystack[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    }

    /// The value of `key="…"` in a `Content-Disposition` header.
    fn param(disposition: &str, key: &str) -> Option<String> {
        disposition.split(';').skip(1).find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case(key)
                .then(|| v.trim().trim_matches('"').to_owned())
        })
    }

    /// Every well-formed part of the body (a malformed tail is ignored).
    pub fn parts<'a>(body: &'a [u8], boundary: &str) -> Vec<Part<'a>> {
        let dash = format!("--{boundary}");
        let delimiter = format!("\r\n--{boundary}");
        let mut out = Vec::new();
        let Some(first) = find(body, dash.as_bytes(), 0) else {
            return out;
        };
        let mut at = first + dash.len();
        loop {
            // After a delimiter: `--` ends the body, else CRLF and a part follows.
            if body[at..].starts_with(b"--") {
                break;
            }
            let Some(headers_start) = find(body, b"\r\n", at).map(|p| p + 2) else {
                break;
            };
            let Some(headers_end) = find(body, b"\r\n\r\n", headers_start) else {
                break;
            };
            let headers = String::from_utf8_lossy(&body[headers_start..headers_end]);
            let data_start = headers_end + 4;
            let Some(data_end) = find(body, delimiter.as_bytes(), data_start) else {
                break;
            };
            let disposition = headers.split("\r\n").find_map(|h| {
                let (k, v) = h.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case("content-disposition")
                    .then(|| v.trim().to_owned())
            });
            if let Some(d) = disposition
                && let Some(name) = param(&d, "name")
            {
                out.push(Part {
                    name,
                    filename: param(&d, "filename"),
                    data: &body[data_start..data_end],
                });
            }
            at = data_end + delimiter.len();
        }
        out
    }

    #[cfg(test)]
    mod tests {
        #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

        use super::*;

        #[test]
        fn a_form_with_a_token_and_a_file_is_split_into_its_parts() {
            assert_eq!(
                boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
                Some("abc")
            );
            assert_eq!(boundary("text/plain; boundary=abc"), None);
            let body =
                b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\\\leads.csv\"\r\n\
Content-Type: text/csv\r\n\r\na,b\r\n1,2\r\n\r\n--XyZ--\r\n";
            let parts = parts(body, "XyZ");
            assert_eq!(parts.len(), 2);
            assert_eq!(parts[0].name, "csrf_token");
            assert_eq!(parts[0].data, b"tok");
            assert_eq!(parts[1].name, "file");
            assert_eq!(parts[1].filename.as_deref(), Some("C:\\\\leads.csv"));
            assert_eq!(parts[1].data, b"a,b\r\n1,2\r\n");
            assert!(super::parts(b"garbage", "XyZ").is_empty());
        }
    }
}
