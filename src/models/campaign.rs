use diesel::prelude::*;

use crate::db::{DbConnection, unique_row};
use crate::schema::{campaign_spend, campaigns};

/// A marketing campaign: its code is what touchpoints carry in `campaign`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: i64,
    pub code: String,
    pub channel: String,
    pub name: String,
}

/// What a campaign cost in one month (`YYYY-MM`), in integer cents.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaign_spend)]
pub struct CampaignSpend {
    pub campaign_id: i64,
    pub month: String,
    pub amount_cents: i64,
    pub currency: String,
}

impl Campaign {
    pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Campaign>> {
        unique_row(
            campaigns::table
                .filter(campaigns::code.eq(code))
                .select(Campaign::as_select())
                .load(conn),
        )
    }

    /// The campaign with `code`, created with `channel` and `name` if it does not exist.
    pub fn find_or_create(
        conn: &mut DbConnection,
        code: &str,
        channel: &str,
        name: &str,
    ) -> QueryResult<Campaign> {
        if let Some(found) = Self::find_by_code(conn, code)? {
            return Ok(found);
        }
        diesel::insert_into(campaigns::table)
            .values((
                campaigns::code.eq(code),
                campaigns::channel.eq(channel),
                campaigns::name.eq(name),
            ))
            .execute(conn)?;
        Self::find_by_code(conn, code)?.ok_or(diesel::result::Error::NotFound)
    }

    /// Sets up the campaign `code` with `channel` and `name`, or changes them.
    pub fn save(conn: &mut DbConnection, code: &str, channel: &str, name: &str) -> QueryResult<()> {
        let updated = diesel::update(campaigns::table.filter(campaigns::code.eq(code)))
            .set((campaigns::channel.eq(channel), campaigns::name.eq(name)))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(campaigns::table)
                .values((
                    campaigns::code.eq(code),
                    campaigns::channel.eq(channel),
                    campaigns::name.eq(name),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Campaign>> {
        campaigns::table
            .select(Campaign::as_select())
            .order(campaigns::code)
            .load(conn)
    }
}

impl CampaignSpend {
    /// Sets a campaign's spend for a month, replacing what was there.
    pub fn set(conn: &mut DbConnection, spend: &CampaignSpend) -> QueryResult<()> {
        let updated = diesel::update(campaign_spend::table.find((spend.campaign_id, &spend.month)))
            .set((
                campaign_spend::amount_cents.eq(spend.amount_cents),
                campaign_spend::currency.eq(&spend.currency),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(campaign_spend::table)
                .values(spend)
                .execute(conn)?;
        }
        Ok(())
    }

    /// A campaign's spend in one month, if set.
    pub fn find(
        conn: &mut DbConnection,
        campaign_id: i64,
        month: &str,
    ) -> QueryResult<Option<CampaignSpend>> {
        unique_row(
            campaign_spend::table
                .find((campaign_id, month))
                .select(CampaignSpend::as_select())
                .load(conn),
        )
    }

    pub fn for_campaign(
        conn: &mut DbConnection,
        campaign_id: i64,
    ) -> QueryResult<Vec<CampaignSpend>> {
        campaign_spend::table
            .filter(campaign_spend::campaign_id.eq(campaign_id))
            .select(CampaignSpend::as_select())
            .order(campaign_spend::month)
            .load(conn)
    }

    /// Every campaign's spend in the months `from..=to` (`YYYY-MM`).
    pub fn between(
        conn: &mut DbConnection,
        from: &str,
        to: &str,
    ) -> QueryResult<Vec<CampaignSpend>> {
        campaign_spend::table
            .filter(campaign_spend::month.ge(from))
            .filter(campaign_spend::month.le(to))
            .select(CampaignSpend::as_select())
            .load(conn)
    }
}
