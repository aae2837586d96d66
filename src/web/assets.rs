//! Static files compiled into the binary and served with a content hash in their name, so
//! they can be cached for a year and still change on the next release.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/app.css"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/icon.svg"),
    },
];

fn hashed_names() -> &'static Vec<(String, usize)> {
    static NAMES: OnceLock<Vec<(String, usize)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        ASSETS
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let digest = hex::encode(Sha256::digest(a.body));
                let (stem, ext) = a.name.rsplit_once('.').unwrap_or((a.name, ""));
                (format!("{stem}.{}.{ext}", &digest[..10]), i)
            })
            .collect()
    })
}

/// The URL of a static file, e.g. `/static/app.3f2a1b9c0d.css`.
pub fn url(name: &str) -> String {
    hashed_names()
        .iter()
        .find(|(_, i)| ASSETS[*i].name == name)
        .map_or_else(
            || format!("/static/{name}"),
            |(hashed, _)| format!("/static/{hashed}"),
        )
}

/// `GET /static/{file}`.
pub async fn serve(file: web::Path<String>) -> HttpResponse {
    match hashed_names().iter().find(|(hashed, _)| *hashed == *file) {
        Some((_, i)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, ASSETS[*i].content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(ASSETS[*i].body),
        None => HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}
