use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime};
use crate::domain::Currency;
use crate::schema::{campaign_spend, exchange_rates, sale_outcomes};

/// How many units of `currency` one unit of the base currency bought in `month`
/// (`YYYY-MM`), in millionths (`941_200` is 0.9412).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = exchange_rates)]
pub struct ExchangeRate {
    pub month: String,
    pub currency: Currency,
    pub per_base_micros: i64,
    pub updated_at: UtcTime,
}

impl ExchangeRate {
    /// Every rate, newest month first (a few per month: the table is small).
    pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ExchangeRate>> {
        exchange_rates::table
            .select(ExchangeRate::as_select())
            .order((exchange_rates::month.desc(), exchange_rates::currency))
            .load(conn)
    }

    /// Sets the rate of its month and currency, replacing what was there; the rate it
    /// replaced, if any.
    pub fn set(conn: &mut DbConnection, rate: &ExchangeRate) -> QueryResult<Option<i64>> {
        let before: Option<i64> = exchange_rates::table
            .find((&rate.month, rate.currency))
            .select(exchange_rates::per_base_micros)
            .first(conn)
            .optional()?;
        if before.is_some() {
            diesel::update(exchange_rates::table.find((&rate.month, rate.currency)))
                .set((
                    exchange_rates::per_base_micros.eq(rate.per_base_micros),
                    exchange_rates::updated_at.eq(rate.updated_at),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(exchange_rates::table)
                .values(rate)
                .execute(conn)?;
        }
        Ok(before)
    }

    /// Removes the rate of `month` and `currency`; whether there was one.
    pub fn remove(conn: &mut DbConnection, month: &str, currency: Currency) -> QueryResult<bool> {
        diesel::delete(exchange_rates::table.find((month, currency)))
            .execute(conn)
            .map(|n| n > 0)
    }
}

/// Amounts not in the base currency: each won sale's revenue (currency, close date or
/// recording time, cents) and each month's spend (currency, month, cents).
pub struct ForeignAmounts {
    pub sales: Vec<(String, Option<chrono::NaiveDate>, UtcTime, Option<i64>)>,
    pub spend: Vec<(String, String, i64)>,
}

impl ForeignAmounts {
    pub fn load(conn: &mut DbConnection, base: &str) -> QueryResult<Self> {
        Ok(Self {
            sales: sale_outcomes::table
                .filter(sale_outcomes::outcome.eq("won"))
                .filter(sale_outcomes::currency.ne(base))
                .select((
                    sale_outcomes::currency,
                    sale_outcomes::close_date,
                    sale_outcomes::recorded_at,
                    sale_outcomes::revenue_cents,
                ))
                .load(conn)?,
            spend: campaign_spend::table
                .filter(campaign_spend::currency.ne(base))
                .select((
                    campaign_spend::currency,
                    campaign_spend::month,
                    campaign_spend::amount_cents,
                ))
                .load(conn)?,
        })
    }
}
