//! What an administrator oversees: the size of the network, the mail still waiting, and
//! the audit log, newest first, paged by id.

use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::audit::AuditEvent;
use crate::models::dealer::Dealer;
use crate::models::outbound_email::OutboundEmail;
use crate::models::user::User;

/// Audit events on a page of the log.
const LOG_PAGE_SIZE: i64 = 50;

/// Audit events on the admin's home page.
const RECENT_EVENTS: i64 = 10;

/// The admin's home page.
pub struct AdminOverview {
    pub dealer_count: i64,
    pub user_count: i64,
    pub pending_mail: i64,
    pub recent: Vec<AuditEvent>,
}

impl AdminOverview {
    pub fn load(conn: &mut DbConnection) -> Result<Self, AppError> {
        Ok(Self {
            dealer_count: Dealer::count(conn)?,
            user_count: User::count(conn)?,
            pending_mail: OutboundEmail::pending_count(conn)?,
            recent: AuditEvent::page(conn, None, None, RECENT_EVENTS)?,
        })
    }
}

/// One page of the audit log, and the id to continue before if the page is full.
pub struct AuditLogPage {
    pub events: Vec<AuditEvent>,
    pub next_before: Option<i64>,
}

/// The audit events of `action` (all when `None`) before the event `before_id`.
pub fn audit_log(
    conn: &mut DbConnection,
    action: Option<&str>,
    before_id: Option<i64>,
) -> Result<AuditLogPage, AppError> {
    let events = AuditEvent::page(conn, action, before_id, LOG_PAGE_SIZE)?;
    let next_before = (events.len() == usize::try_from(LOG_PAGE_SIZE).unwrap_or(50))
        .then(|| events.last().map(|e| e.id))
        .flatten();
    Ok(AuditLogPage {
        events,
        next_before,
    })
}
