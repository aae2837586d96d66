//! Dealers as the pages show them: with their territories and product lines, and with
//! their users on the dealer's own profile and the staff's dealer page.

use crate::db::DbConnection;
use crate::domain::Territory;
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::user::User;

/// A dealer with what list and detail pages show about it.
#[derive(Debug)]
pub struct DealerView {
    pub dealer: Dealer,
    pub territories: Vec<Territory>,
    pub product_lines: Vec<String>,
}

impl DealerView {
    pub fn territory_summary(&self) -> String {
        self.territories
            .iter()
            .map(Territory::to_line)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn lines_summary(&self) -> String {
        self.product_lines.join(", ")
    }

    pub fn postcodes(&self) -> Vec<String> {
        self.territories
            .iter()
            .filter(|t| matches!(t, Territory::Postcode { .. }))
            .map(Territory::to_line)
            .collect()
    }

    pub fn regions(&self) -> Vec<String> {
        self.territories
            .iter()
            .filter(|t| matches!(t, Territory::Region { .. }))
            .map(Territory::to_line)
            .collect()
    }

    /// The dealer `id`.
    pub fn load(conn: &mut DbConnection, id: i64) -> Result<Self, AppError> {
        let dealer = Dealer::find(conn, id)?;
        let territories = Dealer::territories(conn, id)?
            .iter()
            .map(|t| t.to_territory())
            .collect();
        let product_lines = Dealer::product_lines(conn, id)?;
        Ok(Self {
            dealer,
            territories,
            product_lines,
        })
    }

    /// Dealers matching `search`, with territories and lines in two queries in all.
    pub fn list(conn: &mut DbConnection, search: &str) -> Result<Vec<Self>, AppError> {
        let dealers = Dealer::list(conn, search)?;
        let ids: Vec<i64> = dealers.iter().map(|d| d.id).collect();
        let territories = Dealer::territories_of(conn, &ids)?;
        let lines = Dealer::product_lines_of(conn, &ids)?;
        Ok(dealers
            .into_iter()
            .map(|dealer| Self {
                territories: territories
                    .iter()
                    .filter(|t| t.dealer_id == dealer.id)
                    .map(|t| t.to_territory())
                    .collect(),
                product_lines: lines
                    .iter()
                    .filter(|(d, _)| *d == dealer.id)
                    .map(|(_, l)| l.clone())
                    .collect(),
                dealer,
            })
            .collect())
    }
}

/// A dealer with its users: the dealer user's profile page and the staff's dealer page.
#[derive(Debug)]
pub struct DealerProfile {
    pub view: DealerView,
    pub users: Vec<User>,
}

impl DealerProfile {
    /// The dealer `id` and its users.
    pub fn load(conn: &mut DbConnection, id: i64) -> Result<Self, AppError> {
        Ok(Self {
            view: DealerView::load(conn, id)?,
            users: User::for_dealer(conn, id)?,
        })
    }
}
