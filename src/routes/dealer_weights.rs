//! A channel manager's weight override for a dealer: the page with the score's weight,
//! the override in force and the earlier ones; setting one; ending it early.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDateTime;

use super::{html_with_status, see_other_with_notice};
use crate::error::AppError;
use crate::services::dealer_score::overrides::{self, OverrideForm, WeightView};
use crate::services::validation::FormError;
use crate::web::page::Errors;
use crate::web::{AppState, Page, Staff};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/dealers/{id}/weight", show)
        .post("/dealers/{id}/weight", set)
        .post("/dealers/{id}/weight/end", end);
}

#[derive(Template)]
#[template(path = "dealers/weight.html")]
struct WeightPage {
    page: Page,
    view: WeightView,
    form: OverrideForm,
    errors: Errors,
    now: NaiveDateTime,
}

impl WeightPage {
    fn in_force(&self, o: &crate::models::dealer_score::WeightOverride) -> bool {
        overrides::is_in_force(o, self.now)
    }

    fn weight(&self, w: impl std::borrow::Borrow<f64>) -> String {
        self.page.decimal(w, 2)
    }
}

async fn render(
    state: &AppState,
    page: Page,
    id: i64,
    form: OverrideForm,
    errors: Errors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let now = crate::db::now();
    let view = state
        .db
        .read(move |conn| WeightView::load(conn, id, now))
        .await?;
    html_with_status(
        status,
        &WeightPage {
            page,
            view,
            form,
            errors,
            now,
        },
    )
}

async fn show(
    state: web::Data<AppState>,
    page: Page,
    _staff: Staff,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    render(
        &state,
        page,
        id.into_inner(),
        OverrideForm::default(),
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

async fn set(
    state: web::Data<AppState>,
    page: Page,
    staff: Staff,
    id: web::Path<i64>,
    form: web::Form<OverrideForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let (actor, submitted, tz) = (staff.actor(), form.clone(), state.settings.timezone);
    let result = state
        .db
        .write(move |conn| overrides::set(conn, &actor, id, &submitted, tz, crate::db::now()))
        .await;
    match result {
        Ok(_) => Ok(see_other_with_notice(
            &format!("/dealers/{id}/weight"),
            "notice-override-set",
            state.settings.served_over_tls(),
        )),
        Err(FormError::Invalid(errors)) => {
            let errors = Errors::translate(&errors, page.locale);
            render(
                &state,
                page,
                id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(FormError::App(e)) => Err(e),
    }
}

async fn end(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = staff.actor();
    let ended = state
        .db
        .write(move |conn| overrides::end(conn, &actor, id, crate::db::now()))
        .await?;
    let notice = if ended {
        "notice-override-ended"
    } else {
        "notice-override-none"
    };
    Ok(see_other_with_notice(
        &format!("/dealers/{id}/weight"),
        notice,
        state.settings.served_over_tls(),
    ))
}
