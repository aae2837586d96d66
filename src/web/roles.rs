//! Who may call a handler, as extractors: a handler that takes [`Admin`], [`Staff`] or
//! [`DealerUser`] cannot run for anyone else, so no handler can forget the check.
//!
//! Anonymous visitors are sent to the login page ([`AppError::Unauthenticated`]); a
//! logged-in user of another role gets 403 ([`AppError::Forbidden`]).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::{CurrentUser, RequestContext};
use crate::domain::Role;
use crate::error::AppError;
use crate::services::audit::Actor;

/// The logged-in user of this request if their role is one of `roles`, with the
/// client's address (for the audit trail).
fn user_with_role(req: &HttpRequest, roles: &[Role]) -> Result<(CurrentUser, String), AppError> {
    let ctx = RequestContext::from_request(req)?;
    let session = ctx.session.ok_or(AppError::Unauthenticated)?;
    if roles.contains(&session.user.role) {
        Ok((CurrentUser(session), ctx.client.ip))
    } else {
        Err(AppError::Forbidden)
    }
}

/// An administrator: users, dealers, API tokens and the audit log.
#[derive(Debug, Clone)]
pub struct Admin {
    pub user: CurrentUser,
    client_ip: String,
}

/// A channel manager or an administrator: leads, imports and feedback review.
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: CurrentUser,
    client_ip: String,
}

/// A dealer's user, with the dealer they work for. A dealer user without a dealer (which
/// the user forms refuse) is refused too.
#[derive(Debug, Clone)]
pub struct DealerUser {
    pub user: CurrentUser,
    pub dealer_id: i64,
    client_ip: String,
}

/// Who did it, for the audit trail: this user from this client address.
macro_rules! acting_user {
    ($($role:ty),+) => {$(
        impl $role {
            pub fn actor(&self) -> Actor {
                self.user.actor(&self.client_ip)
            }
        }
    )+};
}
acting_user!(Admin, Staff, DealerUser);

impl FromRequest for Admin {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            user_with_role(req, &[Role::Admin]).map(|(user, client_ip)| Admin { user, client_ip }),
        )
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            user_with_role(req, &[Role::Manager, Role::Admin])
                .map(|(user, client_ip)| Staff { user, client_ip }),
        )
    }
}

impl FromRequest for DealerUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            user_with_role(req, &[Role::Dealer]).and_then(|(user, client_ip)| {
                let dealer_id = user.0.user.dealer_id.ok_or(AppError::Forbidden)?;
                Ok(DealerUser {
                    user,
                    dealer_id,
                    client_ip,
                })
            }),
        )
    }
}
