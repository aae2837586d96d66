//! CSV lead import from the browser, for channel managers and admins: the upload form and
//! the summary of what was imported, with every refused line and why.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{html, html_with_status};
use crate::error::AppError;
use crate::services::csv_import::{self, ImportSummary, LineProblem};
use crate::web::multipart::{self, NoUpload};
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
    let file = match multipart::read_file(&req, payload, MAX_UPLOAD_BYTES).await? {
        Ok(file) => file,
        Err(NoUpload::TooLarge) => return Ok(HttpResponse::PayloadTooLarge().finish()),
        Err(NoUpload::NoFile) => {
            let error = page.t("csv-error-no-file");
            return form_page(page, Some(error), StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let file_name = file.file_name;
    let parsed = match csv_import::parse_csv(&file.data, crate::db::now()) {
        Ok(p) => p,
        Err(problem) => {
            let error = problem.translated(page.locale);
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
