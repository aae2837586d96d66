//! Read models of leads for the staff pages: the search with its filters and paging, and
//! one lead with everything the channel manager sees about it.

pub mod detail;
pub mod search;

use crate::models::lead::LeadRow;

/// Where the customer is, in full (staff see everything): postcode, region, country.
pub fn full_area(lead: &LeadRow) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if let Some(p) = lead.postcode.as_deref() {
        parts.push(p);
    }
    if let Some(r) = lead.region.as_deref() {
        parts.push(r);
    }
    parts.push(&lead.country);
    parts.join(" · ")
}
