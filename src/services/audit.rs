use crate::db::{self, DbConnection};
use crate::models::audit::{AuditEvent, NewAuditEvent};

/// Who is acting: a logged-in user, the command line, or the system itself.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub label: String,
    pub client_ip: String,
}

impl Actor {
    pub fn user(id: i64, email: &str, client_ip: &str) -> Self {
        Self {
            user_id: Some(id),
            label: email.to_owned(),
            client_ip: client_ip.to_owned(),
        }
    }

    pub fn anonymous(client_ip: &str) -> Self {
        Self {
            user_id: None,
            label: "anonymous".into(),
            client_ip: client_ip.to_owned(),
        }
    }

    /// Someone answering through a link from an email (no account, no session).
    pub fn email_link(client_ip: &str) -> Self {
        Self {
            user_id: None,
            label: "email link".into(),
            client_ip: client_ip.to_owned(),
        }
    }

    pub fn cli() -> Self {
        Self {
            user_id: None,
            label: "command line".into(),
            client_ip: "-".into(),
        }
    }

    pub fn system() -> Self {
        Self {
            user_id: None,
            label: "system".into(),
            client_ip: "-".into(),
        }
    }
}

/// Writes one audit event (in the caller's transaction, so it exists exactly when the
/// change it describes does).
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    entity: (&str, &str),
    detail: &str,
) -> diesel::QueryResult<()> {
    AuditEvent::insert(
        conn,
        &NewAuditEvent {
            occurred_at: db::now(),
            actor_user_id: actor.user_id,
            actor: &actor.label,
            action,
            entity_type: entity.0,
            entity_id: entity.1,
            detail,
            client_ip: &actor.client_ip,
        },
    )
}
