//! Whether the process can do its work: what `/readyz` asks.

use diesel::connection::SimpleConnection;

use crate::db::Db;
use crate::error::AppError;

/// Runs a trivial statement on a reader connection: the database is reachable and a
/// connection is free within the pool's timeout.
pub async fn database_reachable(db: &Db) -> Result<(), AppError> {
    db.read(|conn| conn.batch_execute("SELECT 1").map_err(AppError::from))
        .await
}
