//! One-tap Accept and Decline links in offer emails. A link opens a confirmation page
//! (GET never changes anything); the answer is posted from there. A link is bound to one
//! offer and therefore one dealer, and stops working when the offer closes or its
//! deadline passes.

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::domain::OfferStatus;
use crate::error::AppError;
use crate::models::lead::LeadRow;
use crate::models::offer::{Offer, OfferLink};
use crate::services::tokens;

/// The open offer (and its lead) behind a link secret, or [`AppError::InvalidLink`].
pub fn resolve(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> Result<(Offer, LeadRow), AppError> {
    if secret.len() != 43 {
        return Err(AppError::InvalidLink);
    }
    let link = OfferLink::find_by_hash(conn, &tokens::hash_secret(secret))?
        .ok_or(AppError::InvalidLink)?;
    let offer = Offer::find(conn, link.offer_id)?;
    if link.expires_at <= now || offer.status != OfferStatus::Open || offer.deadline_at <= now {
        return Err(AppError::InvalidLink);
    }
    let lead = LeadRow::find(conn, offer.lead_id)?;
    Ok((offer, lead))
}
