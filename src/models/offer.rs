use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime};
use crate::domain::{DecisionKind, OfferStatus};
use crate::schema::{allocation_decisions, dealer_allocation_state, leads, offers, touchpoints};

/// An offer of one lead to one dealer.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct Offer {
    pub id: i64,
    pub lead_id: i64,
    pub dealer_id: i64,
    pub status: OfferStatus,
    pub offered_at: UtcTime,
    pub reminder_at: UtcTime,
    pub deadline_at: UtcTime,
    pub reminded_at: Option<UtcTime>,
    pub responded_at: Option<UtcTime>,
    pub decline_reason: Option<String>,
    pub decline_note: Option<String>,
}

/// An open offer as the dealer's inbox lists it: its deadline and what the dealer may see
/// of the lead before accepting (no customer identity).
#[derive(Debug, Clone, Queryable)]
pub struct InboxOffer {
    pub offer_id: i64,
    pub lead_id: i64,
    pub deadline_at: UtcTime,
    pub product_line: String,
    pub country: String,
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub grade: Option<String>,
}

impl InboxOffer {
    /// A dealer's open offers, the nearest deadline first: one indexed query with the
    /// lead's public fields joined in.
    pub fn open_for_dealer(conn: &mut DbConnection, dealer_id: i64) -> QueryResult<Vec<Self>> {
        crate::on_native!(conn, |c| offers::table
            .inner_join(leads::table)
            .filter(offers::dealer_id.eq(dealer_id))
            .filter(offers::status.eq(OfferStatus::Open))
            .order((offers::deadline_at, offers::id))
            .select((
                offers::id,
                offers::lead_id,
                offers::deadline_at,
                leads::product_line,
                leads::country,
                leads::postcode,
                leads::region,
                leads::grade,
            ))
            .load(c))
    }

    /// The channels that brought in the leads of a dealer's open offers, as
    /// `(lead_id, channel)` in touch order.
    pub fn channels_for_dealer(
        conn: &mut DbConnection,
        dealer_id: i64,
    ) -> QueryResult<Vec<(i64, String)>> {
        crate::on_native!(conn, |c| touchpoints::table
            .inner_join(offers::table.on(offers::lead_id.eq(touchpoints::lead_id)))
            .filter(offers::dealer_id.eq(dealer_id))
            .filter(offers::status.eq(OfferStatus::Open))
            .order((touchpoints::lead_id, touchpoints::position))
            .select((touchpoints::lead_id, touchpoints::channel))
            .load(c))
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = offers)]
pub struct NewOffer {
    pub lead_id: i64,
    pub dealer_id: i64,
    pub status: OfferStatus,
    pub offered_at: NaiveDateTime,
    pub reminder_at: NaiveDateTime,
    pub deadline_at: NaiveDateTime,
}

/// A stored allocation decision: who could take the lead, with what weight and state,
/// and who was chosen and why (`candidates` is JSON).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = allocation_decisions)]
pub struct AllocationDecision {
    pub id: i64,
    pub lead_id: i64,
    pub decided_at: UtcTime,
    pub kind: DecisionKind,
    pub actor: String,
    pub chosen_dealer_id: Option<i64>,
    pub reason: String,
    pub candidates: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = allocation_decisions)]
pub struct NewAllocationDecision<'a> {
    pub lead_id: i64,
    pub decided_at: NaiveDateTime,
    pub kind: DecisionKind,
    pub actor: &'a str,
    pub chosen_dealer_id: Option<i64>,
    pub reason: &'a str,
    pub candidates: &'a str,
}

impl Offer {
    pub fn insert(conn: &mut DbConnection, new: &NewOffer) -> QueryResult<i64> {
        diesel::insert_into(offers::table)
            .values(new)
            .returning(offers::id)
            .get_result(conn)
    }

    pub fn for_lead(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<Offer>> {
        offers::table
            .filter(offers::lead_id.eq(lead_id))
            .select(Offer::as_select())
            .order(offers::id)
            .load(conn)
    }

    /// Open offers per dealer among `dealer_ids`, as (dealer id, count).
    pub fn open_counts(
        conn: &mut DbConnection,
        dealer_ids: &[i64],
    ) -> QueryResult<Vec<(i64, i64)>> {
        offers::table
            .filter(offers::dealer_id.eq_any(dealer_ids))
            .filter(offers::status.eq(OfferStatus::Open))
            .group_by(offers::dealer_id)
            .select((offers::dealer_id, diesel::dsl::count_star()))
            .load(conn)
    }
}

impl AllocationDecision {
    pub fn insert(conn: &mut DbConnection, new: &NewAllocationDecision) -> QueryResult<()> {
        diesel::insert_into(allocation_decisions::table)
            .values(new)
            .execute(conn)
            .map(drop)
    }

    pub fn for_lead(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<AllocationDecision>> {
        allocation_decisions::table
            .filter(allocation_decisions::lead_id.eq(lead_id))
            .select(AllocationDecision::as_select())
            .order(allocation_decisions::id)
            .load(conn)
    }

    /// Every automatic decision in the order it was made (for replay).
    pub fn all_automatic(conn: &mut DbConnection) -> QueryResult<Vec<AllocationDecision>> {
        allocation_decisions::table
            .filter(allocation_decisions::kind.eq(DecisionKind::Auto))
            .select(AllocationDecision::as_select())
            .order(allocation_decisions::id)
            .load(conn)
    }
}

/// The allocator's running state for one dealer.
#[derive(Debug, Clone, Copy, Queryable, Selectable, Insertable)]
#[diesel(table_name = dealer_allocation_state)]
pub struct AllocationState {
    pub dealer_id: i64,
    pub entitled: i64,
    pub received: i64,
}

impl AllocationState {
    pub fn for_dealers(
        conn: &mut DbConnection,
        dealer_ids: &[i64],
    ) -> QueryResult<Vec<AllocationState>> {
        dealer_allocation_state::table
            .filter(dealer_allocation_state::dealer_id.eq_any(dealer_ids))
            .select(AllocationState::as_select())
            .load(conn)
    }

    /// Writes a dealer's new state (creating the row for a dealer that has none yet).
    pub fn save(conn: &mut DbConnection, state: &AllocationState) -> QueryResult<()> {
        let updated = diesel::update(dealer_allocation_state::table.find(state.dealer_id))
            .set((
                dealer_allocation_state::entitled.eq(state.entitled),
                dealer_allocation_state::received.eq(state.received),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(dealer_allocation_state::table)
                .values(state)
                .execute(conn)?;
        }
        Ok(())
    }
}

impl Offer {
    pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Offer> {
        crate::db::unique_row(offers::table.find(id).select(Offer::as_select()).load(conn))?
            .ok_or(diesel::result::Error::NotFound)
    }

    /// Closes an open offer with `status`, only if it is still open and (for an answer
    /// from the dealer) not past its deadline. Returns whether this call closed it, so an
    /// answer racing the deadline has exactly one winner.
    pub fn close(
        conn: &mut DbConnection,
        id: i64,
        status: OfferStatus,
        before_deadline: bool,
        now: NaiveDateTime,
        decline: Option<(&str, &str)>,
    ) -> QueryResult<bool> {
        let mut query = diesel::update(offers::table)
            .filter(offers::id.eq(id))
            .filter(offers::status.eq(OfferStatus::Open))
            .into_boxed();
        if before_deadline {
            query = query.filter(offers::deadline_at.gt(now));
        }
        query
            .set((
                offers::status.eq(status),
                offers::responded_at.eq(now),
                offers::decline_reason.eq(decline.map(|d| d.0)),
                offers::decline_note.eq(decline.map(|d| d.1).filter(|n| !n.is_empty())),
            ))
            .execute(conn)
            .map(|n| n == 1)
    }

    /// The offers made after offer `after_id`, in the order they were made (ids only
    /// grow): how a follower of the network, such as the simulation, sees new offers.
    pub fn made_after(conn: &mut DbConnection, after_id: i64) -> QueryResult<Vec<Offer>> {
        offers::table
            .filter(offers::id.gt(after_id))
            .order(offers::id)
            .select(Offer::as_select())
            .load(conn)
    }

    /// The open offer of `lead_id` to `dealer_id`, if any.
    pub fn open_for(
        conn: &mut DbConnection,
        lead_id: i64,
        dealer_id: i64,
    ) -> QueryResult<Option<Offer>> {
        crate::db::unique_row(
            offers::table
                .filter(offers::lead_id.eq(lead_id))
                .filter(offers::dealer_id.eq(dealer_id))
                .filter(offers::status.eq(OfferStatus::Open))
                .select(Offer::as_select())
                .load(conn),
        )
    }
}

impl Offer {
    /// Marks an open offer reminded, once; returns whether this call did it.
    pub fn mark_reminded(
        conn: &mut DbConnection,
        id: i64,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        diesel::update(
            offers::table
                .filter(offers::id.eq(id))
                .filter(offers::status.eq(OfferStatus::Open))
                .filter(offers::reminded_at.is_null()),
        )
        .set(offers::reminded_at.eq(now))
        .execute(conn)
        .map(|n| n == 1)
    }
}

/// A link in an offer email that lets the dealer answer without logging in. Only the
/// hash of its token is stored; it dies with the offer's deadline.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crate::schema::offer_links)]
pub struct OfferLink {
    pub id: i64,
    pub offer_id: i64,
    pub token_hash: String,
    pub created_at: UtcTime,
    pub expires_at: UtcTime,
}

impl OfferLink {
    pub fn insert(
        conn: &mut DbConnection,
        offer_id: i64,
        token_hash: &str,
        now: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> QueryResult<()> {
        use crate::schema::offer_links::dsl;
        diesel::insert_into(dsl::offer_links)
            .values((
                dsl::offer_id.eq(offer_id),
                dsl::token_hash.eq(token_hash),
                dsl::created_at.eq(now),
                dsl::expires_at.eq(expires_at),
            ))
            .execute(conn)
            .map(drop)
    }

    pub fn find_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<OfferLink>> {
        use crate::schema::offer_links::dsl;
        crate::db::unique_row(
            dsl::offer_links
                .filter(dsl::token_hash.eq(hash))
                .select(OfferLink::as_select())
                .load(conn),
        )
    }
}
