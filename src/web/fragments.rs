//! Rendered parts of staff pages, kept while the data under them has not moved: by a
//! version raised on writes ([`Fragments`]), or by a fingerprint of the data ([`Memo`]).
//!
//! The dealer table is a page of figures precomputed for thousands of dealers; managers
//! page, sort and filter it far more often than the figures change. A part rendered at
//! one [`FiguresVersion`](crate::models::dealer_stats::FiguresVersion) is shown again
//! (in the same language, for the same filters) until the version moves; the first
//! request at a new version drops everything kept. The version is read from the database
//! on every request, so every instance sees a write at once, and it is read before the
//! data: a part is never kept under a version newer than its data.

use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

/// At most this many parts are kept; past it, everything is dropped and kept anew.
const MAX_KEPT: usize = 512;

#[derive(Default)]
pub struct Fragments {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    version: i64,
    parts: FxHashMap<String, Arc<str>>,
}

impl Kept {
    /// Moves to `version` if it is newer; false if it is older than what is kept.
    fn at(&mut self, version: i64) -> bool {
        if version > self.version {
            self.version = version;
            self.parts.clear();
        }
        version == self.version
    }
}

impl Fragments {
    /// The part kept under `key` at `version`.
    pub fn get(&self, version: i64, key: &str) -> Option<Arc<str>> {
        let mut kept = self.kept.lock().ok()?;
        if !kept.at(version) {
            return None;
        }
        kept.parts.get(key).cloned()
    }

    /// Keeps `part` under `key`, rendered from data at least as new as `version`.
    pub fn put(&self, version: i64, key: String, part: Arc<str>) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if !kept.at(version) {
            return;
        }
        if kept.parts.len() >= MAX_KEPT {
            kept.parts.clear();
        }
        kept.parts.insert(key, part);
    }
}

/// Rendered parts kept by what they show: each under a key (the page, its language…)
/// with a fingerprint of the data it was rendered from. A request reads the data (cheap
/// point lookups), fingerprints it, and renders only when the fingerprint differs from the
/// kept one: nothing to invalidate, so no write can be missed.
pub struct Memo<T = Arc<str>> {
    kept: Mutex<FxHashMap<String, (u64, T)>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Self {
            kept: Mutex::default(),
        }
    }
}

impl<T: Clone> Memo<T> {
    /// The part kept under `key`, if it was rendered from data with `fingerprint`.
    pub fn get(&self, key: &str, fingerprint: u64) -> Option<T> {
        let kept = self.kept.lock().ok()?;
        kept.get(key)
            .filter(|(f, _)| *f == fingerprint)
            .map(|(_, part)| part.clone())
    }

    /// Keeps `part`, rendered from data with `fingerprint`, under `key`.
    pub fn put(&self, key: String, fingerprint: u64, part: T) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.len() >= MAX_KEPT && !kept.contains_key(&key) {
            kept.clear();
        }
        kept.insert(key, (fingerprint, part));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_shows_a_part_again_only_for_the_same_data() {
        let m: Memo = Memo::default();
        let (old, new) = (1, 2);
        m.put("dealer/1|it".into(), old, "<p>3,5</p>".into());
        assert_eq!(m.get("dealer/1|it", old).as_deref(), Some("<p>3,5</p>"));
        assert_eq!(m.get("dealer/1|it", new), None, "other data: render again");
        assert_eq!(m.get("dealer/1|en", old), None);
    }

    #[test]
    fn a_part_is_shown_again_until_the_version_moves() {
        let f = Fragments::default();
        f.put(3, "table?sort=score".into(), "<table>".into());
        assert_eq!(f.get(3, "table?sort=score").as_deref(), Some("<table>"));
        assert_eq!(f.get(3, "table?sort=name"), None);
        assert_eq!(
            f.get(4, "table?sort=score"),
            None,
            "a newer version drops it"
        );
        assert_eq!(f.get(3, "table?sort=score"), None);
    }

    #[test]
    fn a_part_rendered_before_a_newer_version_was_seen_is_not_kept() {
        let f = Fragments::default();
        assert_eq!(f.get(5, "k"), None);
        f.put(4, "k".into(), "old".into());
        assert_eq!(f.get(5, "k"), None);
        assert_eq!(f.get(4, "k"), None);
    }
}
