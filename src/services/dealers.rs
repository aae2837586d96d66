//! Creating and changing dealers with their territories and product lines.

pub mod detail;
pub mod network;
pub mod stats;
pub mod table;
pub mod views;

use diesel::Connection;

use crate::db::{self, DbConnection};
use crate::domain::{Capacity, DealerCode, DealerName, EmailAddress, ProductLine, Territory};
use crate::models::dealer::{Dealer, DealerChanges, NewDealer};
use crate::models::offer::AllocationState;
use crate::services::audit::{self, Actor};
use crate::services::validation::{FieldErrors, FormError};

/// A dealer form as submitted (all text, so nothing is lost when it is shown again).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DealerForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub postcodes: String,
    #[serde(default)]
    pub regions: String,
    #[serde(default)]
    pub product_lines: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub active: Option<String>,
}

/// A validated dealer form.
pub struct DealerInput {
    pub code: DealerCode,
    pub name: String,
    pub contact_email: EmailAddress,
    pub capacity: Capacity,
    pub territories: Vec<Territory>,
    pub product_lines: Vec<ProductLine>,
    pub active: bool,
}

impl DealerForm {
    /// The form filled in with a stored dealer.
    pub fn from_dealer(dealer: &Dealer, territories: &[Territory], lines: &[String]) -> Self {
        let block = |want_postcode: bool| {
            territories
                .iter()
                .filter(|t| matches!(t, Territory::Postcode { .. }) == want_postcode)
                .map(Territory::to_line)
                .collect::<Vec<_>>()
                .join("\n")
        };
        Self {
            code: dealer.code.clone(),
            name: dealer.name.clone(),
            contact_email: dealer.contact_email.clone(),
            capacity: dealer.capacity.to_string(),
            postcodes: block(true),
            regions: block(false),
            product_lines: lines.join(", "),
            active: dealer.active.then(|| "on".into()),
        }
    }

    pub fn validate(&self) -> Result<DealerInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = errors.check("code", DealerCode::parse(&self.code));
        let name = errors.check("name", DealerName::parse(&self.name));
        let contact_email = errors.check("contact_email", EmailAddress::parse(&self.contact_email));
        let capacity = errors.check("capacity", Capacity::parse(&self.capacity));
        let mut territories = Vec::new();
        match Territory::parse_block(&self.postcodes, Territory::parse_postcode_line) {
            Ok(t) => territories.extend(t),
            Err((line, key)) => errors.add_line("postcodes", key, line),
        }
        match Territory::parse_block(&self.regions, Territory::parse_region_line) {
            Ok(t) => territories.extend(t),
            Err((line, key)) => errors.add_line("regions", key, line),
        }
        if territories.is_empty()
            && errors.get("postcodes").is_none()
            && errors.get("regions").is_none()
        {
            errors.add("postcodes", "error-territory-required");
        }
        let product_lines = errors.check(
            "product_lines",
            ProductLine::parse_list(&self.product_lines),
        );
        if product_lines.as_ref().is_some_and(Vec::is_empty) {
            errors.add("product_lines", "error-required");
        }
        match (code, name, contact_email, capacity, product_lines) {
            (Some(code), Some(name), Some(contact_email), Some(capacity), Some(product_lines))
                if errors.is_empty() =>
            {
                Ok(DealerInput {
                    code,
                    name: name.into_inner(),
                    contact_email,
                    capacity,
                    territories,
                    product_lines,
                    active: self.active.is_some(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// Creates (`id` = None) or updates a dealer, all or nothing. Returns the dealer id, or
/// form errors (a code already used by another dealer is one).
pub fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Option<i64>,
    form: &DealerForm,
) -> Result<i64, FormError> {
    let input = form.validate()?;
    conn.transaction(|conn| {
        if let Some(other) = Dealer::find_by_code(conn, input.code.as_str())?
            && Some(other.id) != id
        {
            return Err(FormError::invalid("code", "error-dealer-code-taken"));
        }
        let now = db::now();
        let (dealer_id, action) = match id {
            None => (
                insert_with_allocation_state(
                    conn,
                    &NewDealer {
                        code: input.code.as_str(),
                        name: &input.name,
                        contact_email: input.contact_email.as_str(),
                        capacity: input.capacity.get(),
                        active: input.active,
                        created_at: now,
                        updated_at: now,
                    },
                )?,
                "dealer_created",
            ),
            Some(id) => {
                Dealer::update(
                    conn,
                    id,
                    &DealerChanges {
                        code: input.code.as_str(),
                        name: &input.name,
                        contact_email: input.contact_email.as_str(),
                        capacity: input.capacity.get(),
                        active: input.active,
                        updated_at: now,
                    },
                )?;
                (id, "dealer_updated")
            }
        };
        if id.is_none() {
            stats::add_dealer(conn, dealer_id, now)?;
        }
        Dealer::replace_territories(conn, dealer_id, &input.territories)?;
        let lines: Vec<&str> = input
            .product_lines
            .iter()
            .map(ProductLine::as_str)
            .collect();
        Dealer::replace_product_lines(conn, dealer_id, &lines)?;
        let detail = format!(
            "{} {}; capacity {}; {}; territories: {}; lines: {}",
            input.code,
            input.name,
            input.capacity.get(),
            if input.active { "active" } else { "inactive" },
            input
                .territories
                .iter()
                .map(Territory::to_line)
                .collect::<Vec<_>>()
                .join(", "),
            lines.join(", ")
        );
        audit::record(
            conn,
            actor,
            action,
            ("dealer", &dealer_id.to_string()),
            &detail,
        )?;
        // The dealer table shows the dealer's name, territories and lines.
        crate::models::dealer_stats::FiguresVersion::raise(conn)?;
        Ok(dealer_id)
    })
}

/// A new dealer starts with an empty allocation history.
fn insert_with_allocation_state(
    conn: &mut DbConnection,
    new: &NewDealer,
) -> diesel::QueryResult<i64> {
    let id = Dealer::insert(conn, new)?;
    AllocationState::save(
        conn,
        &AllocationState {
            dealer_id: id,
            entitled: 0,
            received: 0,
        },
    )?;
    Ok(id)
}
