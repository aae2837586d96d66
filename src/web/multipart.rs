//! Just enough of `multipart/form-data` (RFC 7578) for a form with a few fields and a file.

use actix_web::http::header;
use actix_web::{HttpRequest, web};

use crate::error::AppError;

/// A file uploaded with a form.
pub struct Upload {
    /// The name it had on the uploader's machine, without folders (at most 200
    /// characters; `upload.csv` when none was given).
    pub file_name: String,
    pub data: Vec<u8>,
}

/// Why an upload has no file to read.
pub enum NoUpload {
    /// The body is over the limit (nothing was kept).
    TooLarge,
    /// The form came without a file, or with an empty one.
    NoFile,
}

/// Reads the `file` field of a `multipart/form-data` body of at most `limit` bytes.
pub async fn read_file(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Result<Upload, NoUpload>, AppError> {
    let Ok(body) = payload.to_bytes_limited(limit).await else {
        return Ok(Err(NoUpload::TooLarge));
    };
    let body = body.map_err(|e| AppError::BadRequest(format!("the upload was cut short: {e}")))?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = boundary(content_type) else {
        return Err(AppError::BadRequest(
            "send the file as multipart/form-data".into(),
        ));
    };
    let file = parts(&body, &boundary)
        .into_iter()
        .find(|p| p.name == "file");
    let Some(file) = file.filter(|f| !f.data.is_empty()) else {
        return Ok(Err(NoUpload::NoFile));
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
    Ok(Ok(Upload {
        file_name,
        data: file.data.to_vec(),
    }))
}

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
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n\
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
