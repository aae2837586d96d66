//! Users as the admin pages show them: the list with each user's dealer, and one user with
//! their dealer and open sessions.

use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::session::SessionRow;
use crate::models::user::User;

/// A user in the list, with the code of their dealer (empty for staff).
pub struct UserLine {
    pub user: User,
    pub dealer_code: String,
}

/// Users matching `search`, with their dealers' codes.
pub fn list(conn: &mut DbConnection, search: &str) -> Result<Vec<UserLine>, AppError> {
    let users = User::list(conn, search)?;
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
            UserLine { user, dealer_code }
        })
        .collect())
}

/// One user with their dealer's code and how many sessions they have open.
pub struct UserRecord {
    pub user: User,
    pub dealer_code: String,
    pub sessions: i64,
}

/// The user `id`.
pub fn load(conn: &mut DbConnection, id: i64) -> Result<UserRecord, AppError> {
    let user = User::find(conn, id)?;
    let dealer_code = match user.dealer_id {
        Some(d) => Dealer::find(conn, d)?.code,
        None => String::new(),
    };
    let sessions = SessionRow::count_for_user(conn, id)?;
    Ok(UserRecord {
        user,
        dealer_code,
        sessions,
    })
}
