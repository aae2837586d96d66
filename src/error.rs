//! Error policy.
//!
//! - Model code returns diesel's `QueryResult`; a missing row (`NotFound`) becomes a 404.
//! - Services and handlers return [`AppError`], the one type for what users see. It is
//!   mapped once to a status code here, and to a localized error page (or a JSON body on
//!   the API) by `web::error_pages`.
//! - Outside the request cycle (CLI, start-up, background work) `anyhow` carries context.
//! - Where a caller must tell a service's refusals apart, the service's area has one error
//!   enum whose last variant carries an [`AppError`] (`services::auth::LoginError`,
//!   `services::auth::PasswordError`), never a nested `Result<Result<_, _>, AppError>`. A
//!   refusal that must still be written down (an audited failed attempt) is a value inside
//!   the transaction, so it commits, and becomes the error after it.
//!
//! Mistakes a user can correct (a bad form field) are not errors: handlers re-render the
//! form with the message next to the field.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// What went wrong, as far as the person or client making the request needs to know.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Not logged in: pages redirect to the login form.
    #[error("authentication required")]
    Unauthenticated,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request was refused by the CSRF or origin check.
    #[error("cross-site request refused")]
    CsrfRejected,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// A link that is unknown, expired, already used or issued for another purpose.
    #[error("invalid or expired link")]
    InvalidLink,
    /// The database could not take this work now: the writer stayed held past the writer
    /// wait, or a transaction kept losing to concurrent ones. 503 with `Retry-After`; the
    /// client may simply try again.
    #[error("the database is busy: {0}")]
    Busy(crate::db::Contention),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => match crate::db::Contention::of(&other) {
                Some(contention) => AppError::Busy(contention),
                None => AppError::Internal(anyhow::Error::new(other)),
            },
        }
    }
}

impl AppError {
    /// The database contention behind this error, if that is what it is (also when a
    /// database error was carried as an internal one).
    pub fn contention(&self) -> Option<crate::db::Contention> {
        match self {
            AppError::Busy(contention) => Some(*contention),
            AppError::Internal(e) => e
                .downcast_ref::<diesel::result::Error>()
                .and_then(crate::db::Contention::of)
                .or_else(|| e.downcast_ref::<AppError>().and_then(AppError::contention)),
            _ => None,
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e).context("template rendering"))
    }
}

/// Marker placed on error responses so the error-page middleware renders them in the
/// user's language.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPageMarker;

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::Unauthenticated => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::InvalidLink => StatusCode::GONE,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Busy(contention) => tracing::warn!(%contention, "database busy"),
            _ => {}
        }
        let mut builder = HttpResponse::build(self.status_code());
        match self {
            AppError::Unauthenticated => {
                builder.insert_header((actix_web::http::header::LOCATION, "/login"));
            }
            AppError::TooManyRequests { retry_after_secs } => {
                builder.insert_header((actix_web::http::header::RETRY_AFTER, *retry_after_secs));
            }
            AppError::Busy(contention) => {
                builder.insert_header((
                    actix_web::http::header::RETRY_AFTER,
                    contention.retry_after_secs(),
                ));
            }
            _ => {}
        }
        let mut response = builder.finish();
        response.extensions_mut().insert(ErrorPageMarker);
        response
    }
}
