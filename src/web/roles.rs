//! Who may call a handler, as extractors: a handler that takes [`Admin`], [`Staff`] or
//! [`DealerUser`] cannot run for anyone else, so no handler can forget the check.
//!
//! Anonymous visitors are sent to the login page ([`AppError::Unauthenticated`]); a
//! logged-in user of another role gets 403 ([`AppError::Forbidden`]).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::CurrentUser;
use crate::domain::Role;
use crate::error::AppError;
use crate::services::audit::Actor;

/// The logged-in user if their role is one of `roles`.
fn user_with_role(req: &HttpRequest, roles: &[Role]) -> Result<CurrentUser, AppError> {
    let user = CurrentUser::extract_now(req)?;
    if roles.contains(&user.0.user.role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// An administrator: users, dealers, API tokens and the audit log.
#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

/// A channel manager or an administrator: leads, imports and feedback review.
#[derive(Debug, Clone)]
pub struct Staff(pub CurrentUser);

/// A dealer's user, with the dealer they work for. A dealer user without a dealer (which
/// the user forms refuse) is refused too.
#[derive(Debug, Clone)]
pub struct DealerUser {
    pub user: CurrentUser,
    pub dealer_id: i64,
}

impl Admin {
    pub fn actor(&self, client_ip: &str) -> Actor {
        self.0.actor(client_ip)
    }
}

impl Staff {
    pub fn actor(&self, client_ip: &str) -> Actor {
        self.0.actor(client_ip)
    }
}

impl DealerUser {
    pub fn actor(&self, client_ip: &str) -> Actor {
        self.user.actor(client_ip)
    }
}

impl FromRequest for Admin {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(user_with_role(req, &[Role::Admin]).map(Admin))
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(user_with_role(req, &[Role::Manager, Role::Admin]).map(Staff))
    }
}

impl FromRequest for DealerUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(user_with_role(req, &[Role::Dealer]).and_then(|user| {
            let dealer_id = user.0.user.dealer_id.ok_or(AppError::Forbidden)?;
            Ok(DealerUser { user, dealer_id })
        }))
    }
}
