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
use crate::services::allocation::OfferPolicy;
use crate::services::audit::Actor;
use crate::services::inbox::DeclineForm;
use crate::services::offers::{self, Answer, Declined};
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

/// Which answer a link gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    Accept,
    Decline,
}

impl LinkAction {
    /// The action named in a link's path (`accept`, `decline`); anything else names no page.
    pub fn parse(action: &str) -> Result<Self, AppError> {
        match action {
            "accept" => Ok(Self::Accept),
            "decline" => Ok(Self::Decline),
            _ => Err(AppError::NotFound),
        }
    }
}

/// What a posted answer came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAnswer {
    Done,
    /// The offer closed or its deadline passed meanwhile.
    TooLate,
    /// A decline without a reason: nothing was written.
    ReasonMissing,
}

/// Answers the offer behind a link secret as its dealer (the link stands for them),
/// resolving the link again in the writer's transaction. Returns the offer's lead (for the
/// page that follows) and what the answer came to.
pub fn answer(
    conn: &mut DbConnection,
    secret: &str,
    action: LinkAction,
    decline: &DeclineForm,
    actor: &Actor,
    policy: &OfferPolicy,
    now: NaiveDateTime,
) -> Result<(LeadRow, LinkAnswer), AppError> {
    let (offer, lead) = resolve(conn, secret, now)?;
    let answer = match action {
        LinkAction::Accept => match offers::accept(conn, offer.dealer_id, offer.id, actor)?.0 {
            Answer::Done => LinkAnswer::Done,
            Answer::TooLate => LinkAnswer::TooLate,
        },
        LinkAction::Decline => {
            let (declined, _) = offers::decline(
                conn,
                offer.dealer_id,
                offer.id,
                &decline.reason,
                &decline.note,
                actor,
                policy,
            )?;
            match declined {
                Declined::Done(_) => LinkAnswer::Done,
                Declined::TooLate => LinkAnswer::TooLate,
                Declined::ReasonMissing => LinkAnswer::ReasonMissing,
            }
        }
    };
    Ok((lead, answer))
}
