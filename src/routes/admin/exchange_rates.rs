//! Monthly exchange rates: an admin enters how much of each other currency one euro bought
//! in a month; the attribution reports convert revenue and spend at them. The page lists
//! the months that still lack a rate, with what waits for it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use crate::error::AppError;
use crate::routes::{html_with_status, see_other_with_notice};
use crate::services::attribution::currency::{self, BASE, MissingRate, RateForm, RatesView};
use crate::services::validation::FormError;
use crate::web::page::Errors;
use crate::web::{Admin, AppState, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/admin/exchange-rates", list)
        .post("/admin/exchange-rates", save)
        .post("/admin/exchange-rates/remove", remove);
}

#[derive(Template)]
#[template(path = "admin/exchange_rates.html")]
struct RatesPage {
    page: Page,
    view: RatesView,
    form: RateForm,
    errors: Errors,
}

impl RatesPage {
    fn base(&self) -> &'static str {
        BASE.as_str()
    }

    fn currencies(&self) -> Vec<&'static str> {
        crate::domain::Currency::ALL
            .iter()
            .filter(|c| **c != BASE)
            .map(|c| c.as_str())
            .collect()
    }

    fn amount(&self, m: &MissingRate) -> String {
        self.page.money_in(Some(m.cents), m.currency.as_str())
    }

    fn rate(&self, micros: &i64) -> String {
        currency::format_rate(*micros, self.page.decimal_separator())
    }
}

async fn page_with(
    state: &AppState,
    page: Page,
    form: RateForm,
    errors: Errors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let view = state.db.read(RatesView::load).await?;
    html_with_status(
        status,
        &RatesPage {
            page,
            view,
            form,
            errors,
        },
    )
}

async fn list(
    state: web::Data<AppState>,
    page: Page,
    _admin: Admin,
) -> Result<HttpResponse, AppError> {
    // The form starts at last month: rates are known once a month is over.
    let today = crate::db::now().date();
    let last_month = today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let form = RateForm {
        month: format!("{:04}-{:02}", last_month.year(), last_month.month()),
        ..RateForm::default()
    };
    page_with(&state, page, form, Errors::default(), StatusCode::OK).await
}

async fn save(
    state: web::Data<AppState>,
    page: Page,
    admin: Admin,
    form: web::Form<RateForm>,
) -> Result<HttpResponse, AppError> {
    let (actor, form) = (admin.actor(), form.into_inner());
    let submitted = form.clone();
    let now = crate::db::now();
    let saved = state
        .db
        .write(move |conn| currency::save_rate(conn, &submitted, &actor, now))
        .await;
    match saved {
        Ok(_) => Ok(see_other_with_notice(
            "/admin/exchange-rates",
            "notice-rate-saved",
            state.settings.served_over_tls(),
        )),
        Err(FormError::Invalid(errors)) => {
            let errors = Errors::translate(&errors, page.locale);
            page_with(&state, page, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(FormError::App(e)) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct RemoveForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    currency: String,
}

async fn remove(
    state: web::Data<AppState>,
    admin: Admin,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    let (actor, form) = (admin.actor(), form.into_inner());
    let removed = state
        .db
        .write(move |conn| currency::remove_rate(conn, &form.month, &form.currency, &actor))
        .await?;
    Ok(see_other_with_notice(
        "/admin/exchange-rates",
        if removed {
            "notice-rate-removed"
        } else {
            "notice-rate-not-found"
        },
        state.settings.served_over_tls(),
    ))
}
