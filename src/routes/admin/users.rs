use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::admin_only;
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::dealer::Dealer;
use crate::models::session::SessionRow;
use crate::models::user::User;
use crate::routes::home::SearchQuery;
use crate::routes::{html, html_with_status, see_other_with_notice};
use crate::services::users::{self, UserForm};
use crate::web::page::Errors;
use crate::web::{AppState, CurrentUser, Page, RequestContext};

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

/// A user row with the code of their dealer.
struct UserRow {
    user: User,
    dealer_code: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UserListPage {
    page: Page,
    users: Vec<UserRow>,
    q: String,
}

async fn list(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let q = query.into_inner().q;
    let search = q.trim().chars().take(100).collect::<String>();
    let users = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let users = User::list(conn, &search)?;
            let ids: Vec<i64> = users.iter().filter_map(|u| u.dealer_id).collect();
            let codes = Dealer::codes_of(conn, &ids)?;
            Ok(users
                .into_iter()
                .map(|user| {
                    let dealer_code = user
                        .dealer_id
                        .and_then(|id| codes.iter().find(|(d, _)| *d == id))
                        .map(|(_, code)| code.clone())
                        .unwrap_or_default();
                    UserRow { user, dealer_code }
                })
                .collect())
        })
        .await?;
    html(&UserListPage { page, users, q })
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

fn form_page(
    page: Page,
    form: UserForm,
    errors: Errors,
    existing: Option<User>,
    sessions: i64,
) -> UserFormPage {
    UserFormPage {
        page,
        form,
        errors,
        existing,
        sessions,
        roles: Role::ALL,
        locales: Locale::ALL,
    }
}

async fn new_form(page: Page, user: CurrentUser) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let form = UserForm {
        role: "dealer".into(),
        locale: "it".into(),
        ..Default::default()
    };
    html(&form_page(page, form, Errors::default(), None, 0))
}

async fn create(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    user: CurrentUser,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let actor = user.actor(&ctx.client.ip);
    let form = form.into_inner();
    let submitted = form.clone();
    let base_url = state.base_url.to_string();
    let result = state
        .db
        .write(move |conn| users::create_and_invite(conn, &actor, &submitted, &base_url))
        .await?;
    match result {
        Ok(id) => Ok(see_other_with_notice(
            &format!("/admin/users/{id}"),
            "notice-user-invited",
            state.settings.served_over_tls(),
        )),
        Err(errors) => {
            let errors = Errors::translate(&errors, page.locale);
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(page, form, errors, None, 0),
            )
        }
    }
}

fn parse_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

async fn load(state: &AppState, id: i64) -> Result<(User, String, i64), AppError> {
    state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let user = User::find(conn, id)?;
            let code = match user.dealer_id {
                Some(d) => Dealer::find(conn, d)?.code,
                None => String::new(),
            };
            let sessions = SessionRow::count_for_user(conn, id)?;
            Ok((user, code, sessions))
        })
        .await
}

async fn edit_form(
    state: web::Data<AppState>,
    page: Page,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let (existing, dealer_code, sessions) = load(&state, parse_id(&id)?).await?;
    let form = UserForm {
        email: existing.email.clone(),
        name: existing.name.clone(),
        role: existing.role.clone(),
        dealer_code,
        locale: existing.locale.clone().unwrap_or_default(),
    };
    html(&form_page(
        page,
        form,
        Errors::default(),
        Some(existing),
        sessions,
    ))
}

async fn update(
    state: web::Data<AppState>,
    page: Page,
    ctx: RequestContext,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let id = parse_id(&id)?;
    let actor = user.actor(&ctx.client.ip);
    let form = form.into_inner();
    let submitted = form.clone();
    let result = state
        .db
        .write(move |conn| users::update(conn, &actor, id, &submitted))
        .await?;
    match result {
        Ok(()) => Ok(see_other_with_notice(
            &format!("/admin/users/{id}"),
            "notice-saved",
            state.settings.served_over_tls(),
        )),
        Err(errors) => {
            let (existing, _, sessions) = load(&state, id).await?;
            let errors = Errors::translate(&errors, page.locale);
            let form = UserForm {
                email: existing.email.clone(),
                ..form
            };
            html_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(page, form, errors, Some(existing), sessions),
            )
        }
    }
}

async fn set_active(
    state: &AppState,
    ctx: RequestContext,
    user: CurrentUser,
    id: &str,
    active: bool,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let id = parse_id(id)?;
    let actor = user.actor(&ctx.client.ip);
    let result = state
        .db
        .write(move |conn| users::set_active(conn, &actor, id, active))
        .await?;
    let secure = state.settings.served_over_tls();
    Ok(match result {
        Ok(()) => see_other_with_notice(
            &format!("/admin/users/{id}"),
            if active {
                "notice-user-enabled"
            } else {
                "notice-user-disabled"
            },
            secure,
        ),
        Err(_) => see_other_with_notice(
            &format!("/admin/users/{id}"),
            "notice-cannot-disable-self",
            secure,
        ),
    })
}

async fn disable(
    state: web::Data<AppState>,
    ctx: RequestContext,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_active(&state, ctx, user, &id, false).await
}

async fn enable(
    state: web::Data<AppState>,
    ctx: RequestContext,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_active(&state, ctx, user, &id, true).await
}

async fn reinvite(
    state: web::Data<AppState>,
    ctx: RequestContext,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let id = parse_id(&id)?;
    let actor = user.actor(&ctx.client.ip);
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
