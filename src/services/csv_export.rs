//! What every CSV download shares.

/// A text cell as a spreadsheet will read it: one that would start a formula gets a
/// leading apostrophe, so a value typed by someone (a dealer's name, a competitor, a
/// campaign code) never runs as a formula in the manager's spreadsheet.
pub fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}
