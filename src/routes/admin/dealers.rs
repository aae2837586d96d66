use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;
use crate::routes::{html, html_with_status, see_other_with_notice};
use crate::services::dealers::views::DealerView;
use crate::services::dealers::{self, DealerForm};
use crate::services::validation::FormError;
use crate::web::page::Errors;
use crate::web::{Admin, AppState, Page};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/admin/dealers/new", new_form)
        .post("/admin/dealers", create)
        .get("/admin/dealers/{id}/edit", edit_form)
        .post("/admin/dealers/{id}", update);
}

#[derive(Template)]
#[template(path = "admin/dealer_form.html")]
struct DealerFormPage {
    page: Page,
    form: DealerForm,
    errors: Errors,
    /// Where the form posts: `/admin/dealers` or `/admin/dealers/{id}`.
    action: String,
    editing: bool,
}

impl DealerFormPage {
    /// The form for a new dealer (`id` = None) or for the dealer `id`.
    fn new(page: Page, id: Option<i64>, form: DealerForm, errors: Errors) -> Self {
        Self {
            page,
            form,
            errors,
            action: id.map_or_else(
                || "/admin/dealers".to_owned(),
                |id| format!("/admin/dealers/{id}"),
            ),
            editing: id.is_some(),
        }
    }
}

async fn new_form(page: Page, _admin: Admin) -> Result<HttpResponse, AppError> {
    let form = DealerForm {
        active: Some("on".into()),
        capacity: "20".into(),
        ..Default::default()
    };
    html(&DealerFormPage::new(page, None, form, Errors::default()))
}

async fn edit_form(
    state: web::Data<AppState>,
    page: Page,
    _admin: Admin,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let view = state
        .db
        .read(move |conn| DealerView::load(conn, id))
        .await?;
    let form = DealerForm::from_dealer(&view.dealer, &view.territories, &view.product_lines);
    html(&DealerFormPage::new(
        page,
        Some(id),
        form,
        Errors::default(),
    ))
}

async fn save(
    state: &AppState,
    page: Page,
    admin: Admin,
    id: Option<i64>,
    form: DealerForm,
) -> Result<HttpResponse, AppError> {
    let actor = admin.actor();
    let submitted = form.clone();
    let result = state
        .db
        .write(move |conn| dealers::save(conn, &actor, id, &submitted))
        .await;
    match result {
        Ok(dealer_id) => Ok(see_other_with_notice(
            &format!("/dealers/{dealer_id}"),
            "notice-saved",
            state.settings.served_over_tls(),
        )),
        Err(FormError::Invalid(errors)) => {
            let errors = Errors::translate(&errors, page.locale);
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DealerFormPage::new(page, id, form, errors),
            )
        }
        Err(FormError::App(e)) => Err(e),
    }
}

async fn create(
    state: web::Data<AppState>,
    page: Page,
    admin: Admin,
    form: web::Form<DealerForm>,
) -> Result<HttpResponse, AppError> {
    save(&state, page, admin, None, form.into_inner()).await
}

async fn update(
    state: web::Data<AppState>,
    page: Page,
    admin: Admin,
    id: web::Path<i64>,
    form: web::Form<DealerForm>,
) -> Result<HttpResponse, AppError> {
    save(
        &state,
        page,
        admin,
        Some(id.into_inner()),
        form.into_inner(),
    )
    .await
}
