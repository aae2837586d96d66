use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, unique_row};
use crate::domain::{LeadEventStatus, LeadStatus, TouchpointOrigin};
use crate::schema::{lead_events, leads, touchpoints};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = leads)]
pub struct LeadRow {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub payload_hash: String,
    pub received_at: UtcTime,
    pub created_at: UtcTime,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_company: Option<String>,
    pub country: String,
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub product_line: String,
    pub grade: Option<String>,
    pub score: Option<i32>,
    pub consent_share: bool,
    pub status: LeadStatus,
    pub dealer_id: Option<i64>,
    pub unallocated_reason: Option<String>,
    pub status_changed_at: UtcTime,
    /// The [`crate::domain::RegionKey`] of `region`, written with it.
    pub region_key: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = leads)]
pub struct NewLead<'a> {
    pub source: &'a str,
    pub external_id: &'a str,
    pub payload_hash: &'a str,
    pub received_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub contact_name: &'a str,
    pub contact_email: Option<&'a str>,
    pub contact_phone: Option<&'a str>,
    pub contact_company: Option<&'a str>,
    pub country: &'a str,
    pub postcode: Option<&'a str>,
    pub region: Option<&'a str>,
    pub product_line: &'a str,
    pub grade: Option<&'a str>,
    pub score: Option<i32>,
    pub consent_share: bool,
    pub status: LeadStatus,
    pub dealer_id: Option<i64>,
    pub unallocated_reason: Option<&'a str>,
    pub status_changed_at: NaiveDateTime,
    /// The [`crate::domain::RegionKey`] of `region`.
    pub region_key: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = touchpoints)]
pub struct TouchpointRow {
    pub id: i64,
    pub lead_id: i64,
    pub position: i32,
    pub occurred_at: UtcTime,
    pub channel: String,
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub content: Option<String>,
    pub kind: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = touchpoints)]
pub struct NewTouchpoint<'a> {
    pub lead_id: i64,
    pub position: i32,
    pub occurred_at: NaiveDateTime,
    pub channel: &'a str,
    pub source: Option<&'a str>,
    pub medium: Option<&'a str>,
    pub campaign: Option<&'a str>,
    pub content: Option<&'a str>,
    pub kind: Option<&'a str>,
}

/// A touchpoint added after the lead was handed over (by the API or a dealer).
#[derive(Debug, Insertable)]
#[diesel(table_name = touchpoints)]
pub struct NewAddedTouchpoint<'a> {
    pub lead_id: i64,
    pub position: i32,
    pub occurred_at: NaiveDateTime,
    pub channel: &'a str,
    pub source: Option<&'a str>,
    pub medium: Option<&'a str>,
    pub campaign: Option<&'a str>,
    pub content: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub client_key: Option<&'a str>,
    pub payload_hash: Option<&'a str>,
    pub added_by: TouchpointOrigin,
}

/// One step in a lead's history (status change, offer, reassignment).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lead_events)]
pub struct LeadEvent {
    pub id: i64,
    pub lead_id: i64,
    pub occurred_at: UtcTime,
    pub status: LeadEventStatus,
    pub dealer_id: Option<i64>,
    pub actor: String,
    pub note: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = lead_events)]
pub struct NewLeadEvent<'a> {
    pub lead_id: i64,
    pub occurred_at: NaiveDateTime,
    pub status: LeadEventStatus,
    pub dealer_id: Option<i64>,
    pub actor: &'a str,
    pub note: &'a str,
}

impl LeadRow {
    /// Who the lead is, as a dealer recognises the sale: the company, else the person.
    pub fn customer(&self) -> String {
        self.contact_company
            .clone()
            .unwrap_or_else(|| self.contact_name.clone())
    }

    /// The `tel:` target of the contact's phone: digits and `+` only.
    pub fn tel(&self) -> String {
        crate::domain::PhoneNumber::tel(self.contact_phone.as_deref().unwrap_or_default())
    }

    pub fn insert(conn: &mut DbConnection, new: &NewLead) -> QueryResult<i64> {
        diesel::insert_into(leads::table)
            .values(new)
            .returning(leads::id)
            .get_result(conn)
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<LeadRow> {
        unique_row(
            leads::table
                .find(id)
                .select(LeadRow::as_select())
                .load(conn),
        )?
        .ok_or(diesel::result::Error::NotFound)
    }

    pub fn find_by_external_id(
        conn: &mut DbConnection,
        source: &str,
        external_id: &str,
    ) -> QueryResult<Option<LeadRow>> {
        unique_row(
            leads::table
                .filter(leads::source.eq(source))
                .filter(leads::external_id.eq(external_id))
                .select(LeadRow::as_select())
                .load(conn),
        )
    }

    /// This row as [`LeadRow::set_status`] with the same arguments leaves it in the
    /// database, without reading it back.
    pub fn after_status(
        mut self,
        status: LeadStatus,
        dealer_id: Option<i64>,
        unallocated_reason: Option<&str>,
        now: NaiveDateTime,
    ) -> Self {
        self.status = status;
        self.dealer_id = dealer_id;
        self.unallocated_reason = unallocated_reason.map(str::to_owned);
        self.status_changed_at = now.into();
        self
    }

    /// Sets the lead's status and current dealer.
    pub fn set_status(
        conn: &mut DbConnection,
        id: i64,
        status: LeadStatus,
        dealer_id: Option<i64>,
        unallocated_reason: Option<&str>,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(leads::table.find(id))
            .set((
                leads::status.eq(status),
                leads::dealer_id.eq(dealer_id),
                leads::unallocated_reason.eq(unallocated_reason),
                leads::status_changed_at.eq(now),
            ))
            .execute(conn)
            .map(drop)
    }

    pub fn touchpoints(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<TouchpointRow>> {
        touchpoints::table
            .filter(touchpoints::lead_id.eq(lead_id))
            .select(TouchpointRow::as_select())
            .order(touchpoints::position)
            .load(conn)
    }

    /// The touchpoints that came with the lead at intake (not those added after it).
    pub fn intake_touchpoints(
        conn: &mut DbConnection,
        lead_id: i64,
    ) -> QueryResult<Vec<TouchpointRow>> {
        touchpoints::table
            .filter(touchpoints::lead_id.eq(lead_id))
            .filter(touchpoints::added_by.eq(TouchpointOrigin::Intake))
            .select(TouchpointRow::as_select())
            .order(touchpoints::position)
            .load(conn)
    }

    pub fn insert_added_touchpoint(
        conn: &mut DbConnection,
        new: &NewAddedTouchpoint,
    ) -> QueryResult<()> {
        diesel::insert_into(touchpoints::table)
            .values(new)
            .execute(conn)
            .map(drop)
    }

    /// The position the lead's next touchpoint takes (after every one it has).
    pub fn next_touchpoint_position(conn: &mut DbConnection, lead_id: i64) -> QueryResult<i32> {
        let last: Option<i32> = touchpoints::table
            .filter(touchpoints::lead_id.eq(lead_id))
            .select(diesel::dsl::max(touchpoints::position))
            .first(conn)?;
        Ok(last.map_or(0, |p| p + 1))
    }

    /// The content hash of the touchpoint the client sent as `key` for the lead, if any.
    pub fn touchpoint_hash(
        conn: &mut DbConnection,
        lead_id: i64,
        key: &str,
    ) -> QueryResult<Option<String>> {
        let found: Option<Option<String>> = touchpoints::table
            .filter(touchpoints::lead_id.eq(lead_id))
            .filter(touchpoints::client_key.eq(key))
            .select(touchpoints::payload_hash)
            .first(conn)
            .optional()?;
        Ok(found.flatten())
    }

    /// Records the amount of the quote the dealer sent (euro cents).
    pub fn set_quote(conn: &mut DbConnection, lead_id: i64, cents: i64) -> QueryResult<()> {
        diesel::update(leads::table.find(lead_id))
            .set(leads::quote_cents.eq(Some(cents)))
            .execute(conn)
            .map(drop)
    }

    pub fn insert_touchpoint(conn: &mut DbConnection, new: &NewTouchpoint) -> QueryResult<()> {
        diesel::insert_into(touchpoints::table)
            .values(new)
            .execute(conn)
            .map(drop)
    }

    pub fn record_event(conn: &mut DbConnection, new: &NewLeadEvent) -> QueryResult<()> {
        diesel::insert_into(lead_events::table)
            .values(new)
            .execute(conn)
            .map(drop)
    }

    pub fn events(conn: &mut DbConnection, lead_id: i64) -> QueryResult<Vec<LeadEvent>> {
        lead_events::table
            .filter(lead_events::lead_id.eq(lead_id))
            .select(LeadEvent::as_select())
            .order(lead_events::id)
            .load(conn)
    }
}

impl LeadRow {
    /// Up to `limit` leads with a region but no region key (stored before keys existed),
    /// after the lead `after`, by id: (id, region).
    pub fn without_region_key(
        conn: &mut DbConnection,
        after: i64,
        limit: i64,
    ) -> QueryResult<Vec<(i64, String)>> {
        leads::table
            .filter(leads::region.is_not_null())
            .filter(leads::region_key.is_null())
            .filter(leads::id.gt(after))
            .order(leads::id)
            .limit(limit)
            .select((leads::id, leads::region.assume_not_null()))
            .load(conn)
    }

    /// Stores the region key of lead `id`.
    pub fn set_region_key(conn: &mut DbConnection, id: i64, key: Option<&str>) -> QueryResult<()> {
        diesel::update(leads::table.find(id))
            .set(leads::region_key.eq(key))
            .execute(conn)
            .map(drop)
    }

    /// Leads of `ids`, in one query.
    pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<LeadRow>> {
        leads::table
            .filter(leads::id.eq_any(ids))
            .select(LeadRow::as_select())
            .load(conn)
    }
}

/// A lead a dealer is working, as its inbox lists it.
#[derive(Debug, Clone, Queryable)]
pub struct WorkingLead {
    pub id: i64,
    pub contact_name: String,
    pub contact_company: Option<String>,
    pub status: LeadStatus,
    pub status_changed_at: UtcTime,
}

impl WorkingLead {
    /// The leads a dealer has accepted and not yet won or lost (its capacity bounds
    /// them), most recently changed first. The three open statuses are compared one by
    /// one rather than bound as a list so that the statement is prepared once per
    /// connection.
    pub fn for_dealer(conn: &mut DbConnection, dealer_id: i64) -> QueryResult<Vec<Self>> {
        let [a, b, c] = LeadStatus::OPEN_FOR_DEALER;
        crate::on_native!(conn, |native| leads::table
            .filter(leads::dealer_id.eq(dealer_id))
            .filter(
                leads::status
                    .eq(a)
                    .or(leads::status.eq(b))
                    .or(leads::status.eq(c)),
            )
            .order((leads::status_changed_at.desc(), leads::id.desc()))
            .select((
                leads::id,
                leads::contact_name,
                leads::contact_company,
                leads::status,
                leads::status_changed_at,
            ))
            .load(native))
    }
}
