use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::admin_only;
use crate::error::AppError;
use crate::routes::home::DealerView;
use crate::routes::{html, html_with_status, see_other_with_notice};
use crate::services::dealers::{self, DealerForm};
use crate::web::page::Errors;
use crate::web::{AppState, CurrentUser, Page, RequestContext};

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

async fn new_form(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let form = DealerForm {
        active: Some("on".into()),
        capacity: "20".into(),
        ..Default::default()
    };
    html(&DealerFormPage {
        page,
        form,
        errors: Errors::default(),
        action: "/admin/dealers".into(),
        editing: false,
    })
}

fn parse_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

async fn edit_form(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let id = parse_id(&id)?;
    let view = state
        .db
        .read(move |conn| DealerView::load(conn, id))
        .await?;
    let form = DealerForm::from_dealer(&view.dealer, &view.territories, &view.product_lines);
    html(&DealerFormPage {
        page,
        form,
        errors: Errors::default(),
        action: format!("/admin/dealers/{id}"),
        editing: true,
    })
}

async fn save(
    state: &AppState,
    page: Page,
    ctx: RequestContext,
    user: CurrentUser,
    id: Option<i64>,
    form: DealerForm,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let actor = user.actor(&ctx.client.ip);
    let submitted = form.clone();
    let result = state
        .db
        .write(move |conn| dealers::save(conn, &actor, id, &submitted))
        .await?;
    match result {
        Ok(dealer_id) => Ok(see_other_with_notice(
            &format!("/dealers/{dealer_id}"),
            "notice-saved",
            state.settings.served_over_tls(),
        )),
        Err(errors) => {
            let errors = Errors::translate(&errors, page.locale);
            let action = id.map_or_else(
                || "/admin/dealers".to_owned(),
                |id| format!("/admin/dealers/{id}"),
            );
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DealerFormPage {
                    page,
                    form,
                    errors,
                    action,
                    editing: id.is_some(),
                },
            )
        }
    }
}

async fn create(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    user: CurrentUser,
    form: web::Form<DealerForm>,
) -> Result<HttpResponse, AppError> {
    save(&state, page, ctx, user, None, form.into_inner()).await
}

async fn update(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<DealerForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    save(&state, page, ctx, user, Some(id), form.into_inner()).await
}
