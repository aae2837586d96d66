use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, UtcTime, lower, unique_row};
use crate::domain::{RegionKey, Territory};
use crate::schema::{dealer_product_lines, dealer_territories, dealers};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dealers)]
pub struct Dealer {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub contact_email: String,
    pub capacity: i32,
    pub active: bool,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = dealers)]
pub struct NewDealer<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub contact_email: &'a str,
    pub capacity: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = dealers)]
pub struct DealerChanges<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub contact_email: &'a str,
    pub capacity: i32,
    pub active: bool,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dealer_territories)]
pub struct TerritoryRow {
    pub id: i64,
    pub dealer_id: i64,
    pub country: String,
    pub postcode_prefix: Option<String>,
    pub region: Option<String>,
}

impl TerritoryRow {
    pub fn to_territory(&self) -> Territory {
        match (&self.postcode_prefix, &self.region) {
            (Some(prefix), _) => Territory::Postcode {
                country: self.country.clone(),
                prefix: prefix.clone(),
            },
            (None, region) => Territory::Region {
                country: self.country.clone(),
                region: region.clone().unwrap_or_default(),
            },
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = dealer_territories)]
struct NewTerritory<'a> {
    dealer_id: i64,
    country: &'a str,
    postcode_prefix: Option<&'a str>,
    region: Option<&'a str>,
    /// The [`RegionKey`] of `region`: what leads are matched by.
    region_key: Option<&'a str>,
}

impl Dealer {
    pub fn insert(conn: &mut DbConnection, new: &NewDealer) -> QueryResult<i64> {
        diesel::insert_into(dealers::table)
            .values(new)
            .returning(dealers::id)
            .get_result(conn)
    }

    pub fn update(conn: &mut DbConnection, id: i64, changes: &DealerChanges) -> QueryResult<()> {
        let n = diesel::update(dealers::table.find(id))
            .set(changes)
            .execute(conn)?;
        if n == 0 {
            Err(diesel::result::Error::NotFound)
        } else {
            Ok(())
        }
    }

    /// Just the dealer's name (for page titles).
    pub fn name_of(conn: &mut DbConnection, id: i64) -> QueryResult<String> {
        unique_row(crate::on_native!(conn, |c| dealers::table
            .find(id)
            .select(dealers::name)
            .load(c)))?
        .ok_or(diesel::result::Error::NotFound)
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Dealer> {
        unique_row(
            dealers::table
                .find(id)
                .select(Dealer::as_select())
                .load(conn),
        )?
        .ok_or(diesel::result::Error::NotFound)
    }

    pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Dealer>> {
        unique_row(
            dealers::table
                .filter(dealers::code.eq(code))
                .select(Dealer::as_select())
                .load(conn),
        )
    }

    /// Dealers whose name or code contains `search` (all when empty), by name.
    pub fn list(conn: &mut DbConnection, search: &str) -> QueryResult<Vec<Dealer>> {
        let mut query = dealers::table
            .select(Dealer::as_select())
            .order(dealers::name.asc())
            .into_boxed();
        if !search.is_empty() {
            let pattern = format!("%{}%", search.replace(['%', '_'], "").to_lowercase());
            query = query.filter(
                lower(dealers::name)
                    .like(pattern.clone())
                    .or(lower(dealers::code).like(pattern)),
            );
        }
        query.load(conn)
    }

    pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
        dealers::table.count().get_result(conn)
    }

    pub fn territories(conn: &mut DbConnection, dealer_id: i64) -> QueryResult<Vec<TerritoryRow>> {
        dealer_territories::table
            .filter(dealer_territories::dealer_id.eq(dealer_id))
            .select(TerritoryRow::as_select())
            .order((
                dealer_territories::country,
                dealer_territories::postcode_prefix,
                dealer_territories::region,
            ))
            .load(conn)
    }

    /// Every territory of the given dealers, for list pages (one query, not one per dealer).
    pub fn territories_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<TerritoryRow>> {
        dealer_territories::table
            .filter(dealer_territories::dealer_id.eq_any(ids))
            .select(TerritoryRow::as_select())
            .order(dealer_territories::id)
            .load(conn)
    }

    pub fn product_lines(conn: &mut DbConnection, dealer_id: i64) -> QueryResult<Vec<String>> {
        dealer_product_lines::table
            .filter(dealer_product_lines::dealer_id.eq(dealer_id))
            .select(dealer_product_lines::product_line)
            .order(dealer_product_lines::product_line)
            .load(conn)
    }

    /// Replaces the dealer's territories with `territories`, each region with its key.
    pub fn replace_territories(
        conn: &mut DbConnection,
        dealer_id: i64,
        territories: &[Territory],
    ) -> QueryResult<()> {
        diesel::delete(
            dealer_territories::table.filter(dealer_territories::dealer_id.eq(dealer_id)),
        )
        .execute(conn)?;
        for t in territories {
            let region_key;
            let row = match t {
                Territory::Postcode { country, prefix } => NewTerritory {
                    dealer_id,
                    country,
                    postcode_prefix: Some(prefix),
                    region: None,
                    region_key: None,
                },
                Territory::Region { country, region } => {
                    region_key = RegionKey::of(region);
                    NewTerritory {
                        dealer_id,
                        country,
                        postcode_prefix: None,
                        region: Some(region),
                        region_key: region_key.as_ref().map(RegionKey::as_str),
                    }
                }
            };
            diesel::insert_into(dealer_territories::table)
                .values(&row)
                .execute(conn)?;
        }
        Ok(())
    }

    /// Up to `limit` region territories without a region key (stored before keys
    /// existed), after the territory `after`, by id: (id, region).
    pub fn territories_without_region_key(
        conn: &mut DbConnection,
        after: i64,
        limit: i64,
    ) -> QueryResult<Vec<(i64, String)>> {
        dealer_territories::table
            .filter(dealer_territories::region.is_not_null())
            .filter(dealer_territories::region_key.is_null())
            .filter(dealer_territories::id.gt(after))
            .order(dealer_territories::id)
            .limit(limit)
            .select((
                dealer_territories::id,
                dealer_territories::region.assume_not_null(),
            ))
            .load(conn)
    }

    /// Stores the region key of territory `id`.
    pub fn set_territory_region_key(
        conn: &mut DbConnection,
        id: i64,
        key: Option<&str>,
    ) -> QueryResult<()> {
        diesel::update(dealer_territories::table.find(id))
            .set(dealer_territories::region_key.eq(key))
            .execute(conn)
            .map(drop)
    }

    /// Replaces the dealer's product lines with `lines`.
    pub fn replace_product_lines(
        conn: &mut DbConnection,
        dealer_id: i64,
        lines: &[&str],
    ) -> QueryResult<()> {
        diesel::delete(
            dealer_product_lines::table.filter(dealer_product_lines::dealer_id.eq(dealer_id)),
        )
        .execute(conn)?;
        for line in lines {
            diesel::insert_into(dealer_product_lines::table)
                .values((
                    dealer_product_lines::dealer_id.eq(dealer_id),
                    dealer_product_lines::product_line.eq(*line),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}

impl Dealer {
    /// The codes of the given dealers, as (id, code) pairs.
    pub fn codes_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
        dealers::table
            .filter(dealers::id.eq_any(ids))
            .select((dealers::id, dealers::code))
            .load(conn)
    }

    /// Every product line of the given dealers, as (dealer id, line) pairs.
    pub fn product_lines_of(
        conn: &mut DbConnection,
        ids: &[i64],
    ) -> QueryResult<Vec<(i64, String)>> {
        dealer_product_lines::table
            .filter(dealer_product_lines::dealer_id.eq_any(ids))
            .select((
                dealer_product_lines::dealer_id,
                dealer_product_lines::product_line,
            ))
            .order((
                dealer_product_lines::dealer_id,
                dealer_product_lines::product_line,
            ))
            .load(conn)
    }
}
