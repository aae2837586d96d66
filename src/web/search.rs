//! The search box of list pages (`?q=`).

use serde::Deserialize;

/// The search box as submitted.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
}

impl SearchQuery {
    /// What to search for: the box without spaces around, at most 100 characters.
    pub fn text(&self) -> String {
        self.q.trim().chars().take(100).collect()
    }
}
