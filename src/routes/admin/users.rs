use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::user::User;
use crate::routes::{html, html_with_status, see_other_with_notice};
use crate::services::users::views::{self as user_views, UserLine, UserRecord};
use crate::services::users::{self, UserForm};
use crate::services::validation::FormError;
use crate::web::page::Errors;
use crate::web::{Admin, AppState, Page, SearchQuery};

pub fn configure(routes: &mut crate::routes::Routes) {
    routes
        .get("/admin/users", list)
        .post("/admin/users", create)
        .get("/admin/users/new", new_form)
        .get("/admin/users/{id}", edit_form)
        .post("/admin/users/{id}", update)
        .post("/admin/users/{id}/disable", disable)
        .post("/admin/users/{id}/enable", enable)
        .post("/admin/users/{id}/invite", reinvite);
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UserListPage {
    page: Page,
    users: Vec<UserLine>,
    q: String,
}

async fn list(
    state: web::Data<AppState>,
    page: Page,
    _admin: Admin,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let search = query.text();
    let users = state
        .db
        .read(move |conn| user_views::list(conn, &search))
        .await?;
    html(&UserListPage {
        page,
        users,
        q: query.q,
    })
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct UserFormPage {
    page: Page,
    form: UserForm,
    errors: Errors,
    /// The stored user when editing.
    existing: Option<User>,
    sessions: i64,
    roles: [Role; 3],
    locales: [Locale; 2],
}

impl UserFormPage {
    /// The form for a new user (`existing` = None) or for a stored one.
    fn new(page: Page, form: UserForm, errors: Errors, existing: Option<UserRecord>) -> Self {
        let (existing, sessions) = existing.map_or((None, 0), |r| (Some(r.user), r.sessions));
        Self {
            page,
            form,
            errors,
            existing,
            sessions,
            roles: Role::ALL,
            locales: Locale::ALL,
        }
    }

    /// The form that came back with `errors`, as a 422 page.
    fn refused(
        page: Page,
        form: UserForm,
        errors: &crate::services::validation::FieldErrors,
        existing: Option<UserRecord>,
    ) -> Result<HttpResponse, AppError> {
        let errors = Errors::translate(errors, page.locale);
        html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Self::new(page, form, errors, existing),
        )
    }
}

async fn new_form(page: Page, _admin: Admin) -> Result<HttpResponse, AppError> {
    let form = UserForm {
        role: "dealer".into(),
        locale: "it".into(),
        ..Default::default()
    };
    html(&UserFormPage::new(page, form, Errors::default(), None))
}

async fn create(
    state: web::Data<AppState>,
    page: Page,
    admin: Admin,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let actor = admin.actor();
    let form = form.into_inner();
    let submitted = form.clone();
    let base_url = state.base_url.to_string();
    let result = state
        .db
        .write(move |conn| users::create_and_invite(conn, &actor, &submitted, &base_url))
        .await;
    match result {
        Ok(id) => Ok(see_other_with_notice(
            &format!("/admin/users/{id}"),
            "notice-user-invited",
            state.settings.served_over_tls(),
        )),
        Err(FormError::Invalid(errors)) => UserFormPage::refused(page, form, &errors, None),
        Err(FormError::App(e)) => Err(e),
    }
}

async fn load(state: &AppState, id: i64) -> Result<UserRecord, AppError> {
    state.db.read(move |conn| user_views::load(conn, id)).await
}

async fn edit_form(
    state: web::Data<AppState>,
    page: Page,
    _admin: Admin,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let record = load(&state, id.into_inner()).await?;
    let form = UserForm {
        email: record.user.email.clone(),
        name: record.user.name.clone(),
        role: record.user.role.as_str().to_owned(),
        dealer_code: record.dealer_code.clone(),
        locale: record.user.locale.clone().unwrap_or_default(),
    };
    html(&UserFormPage::new(
        page,
        form,
        Errors::default(),
        Some(record),
    ))
}

async fn update(
    state: web::Data<AppState>,
    page: Page,
    admin: Admin,
    id: web::Path<i64>,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = admin.actor();
    let form = form.into_inner();
    let submitted = form.clone();
    let result = state
        .db
        .write(move |conn| users::update(conn, &actor, id, &submitted))
        .await;
    match result {
        Ok(()) => Ok(see_other_with_notice(
            &format!("/admin/users/{id}"),
            "notice-saved",
            state.settings.served_over_tls(),
        )),
        Err(FormError::Invalid(errors)) => {
            let record = load(&state, id).await?;
            let form = UserForm {
                email: record.user.email.clone(),
                ..form
            };
            UserFormPage::refused(page, form, &errors, Some(record))
        }
        Err(FormError::App(e)) => Err(e),
    }
}

async fn set_active(
    state: &AppState,
    admin: Admin,
    id: i64,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let actor = admin.actor();
    let result = state
        .db
        .write(move |conn| users::set_active(conn, &actor, id, active))
        .await;
    let notice = match result {
        Ok(()) if active => "notice-user-enabled",
        Ok(()) => "notice-user-disabled",
        Err(FormError::Invalid(_)) => "notice-cannot-disable-self",
        Err(FormError::App(e)) => return Err(e),
    };
    Ok(see_other_with_notice(
        &format!("/admin/users/{id}"),
        notice,
        state.settings.served_over_tls(),
    ))
}

async fn disable(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    set_active(&state, admin, id.into_inner(), false).await
}

async fn enable(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    set_active(&state, admin, id.into_inner(), true).await
}

async fn reinvite(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = admin.actor();
    let base_url = state.base_url.to_string();
    state
        .db
        .write(move |conn| users::send_invitation(conn, &actor, id, &base_url))
        .await?;
    Ok(see_other_with_notice(
        &format!("/admin/users/{id}"),
        "notice-user-invited",
        state.settings.served_over_tls(),
    ))
}
