//! Offline touches a dealer logs from the lead page (a visit, a call, a demo, a quote):
//! part of the lead's journey, under the channel `dealer`, so attribution sees what the
//! dealer did beside what marketing did.

use chrono::NaiveDateTime;
use diesel::Connection;

use super::{Settings, credits};
use crate::db::DbConnection;
use crate::domain::{DealerTouch, TouchpointOrigin};
use crate::error::AppError;
use crate::models::lead::{LeadRow, NewAddedTouchpoint};
use crate::services::offers::lead_is_with;

/// The channel of every touch a dealer logs.
pub const DEALER_CHANNEL: &str = "dealer";

/// Logs `kind` on `lead_id` for `dealer_id` at `now`; false (nothing written) when no
/// kind was chosen. The lead must be with the dealer, checked first: otherwise it is not
/// found, as for every other dealer page.
pub fn log(
    conn: &mut DbConnection,
    dealer_id: i64,
    lead_id: i64,
    kind: Option<DealerTouch>,
    settings: &Settings,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    conn.transaction(|conn| {
        let lead = LeadRow::find(conn, lead_id)?;
        if !lead_is_with(&lead, dealer_id) {
            return Err(AppError::NotFound);
        }
        let Some(kind) = kind else {
            return Ok(false);
        };
        let position = LeadRow::next_touchpoint_position(conn, lead_id)?;
        LeadRow::insert_added_touchpoint(
            conn,
            &NewAddedTouchpoint {
                lead_id,
                position,
                occurred_at: now,
                channel: DEALER_CHANNEL,
                source: Some("dealer"),
                medium: Some("offline"),
                campaign: None,
                content: None,
                kind: Some(kind.as_str()),
                client_key: None,
                payload_hash: None,
                added_by: TouchpointOrigin::Dealer,
            },
        )?;
        credits::rewrite_for_lead(conn, &lead, settings)?;
        Ok(true)
    })
}
