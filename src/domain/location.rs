//! Where a lead is and what a dealer's territory covers, in the one form in which they are
//! compared: regions by [`RegionKey`], postcodes by [`PostcodeKey`].
//!
//! The keys are computed here and nowhere else. Region keys are stored next to the names
//! people typed (on territories and leads, when a row is written) because SQL cannot
//! compute them: SQLite's `lower()` folds ASCII only, and PostgreSQL's depends on the
//! database's locale.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use super::Territory;

/// A region name as compared: Unicode full case folding of its canonical form (so
/// "ÎLE-DE-FRANCE", "Île-de-France" and an "I" followed by a combining circumflex are one
/// key), without leading or trailing whitespace, each run of inner whitespace one space.
/// Written in NFC (composed), so that a stored key reads as the name does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionKey(String);

impl RegionKey {
    /// The key of the region `name`; `None` when the name is blank.
    pub fn of(name: &str) -> Option<Self> {
        let mut key = String::with_capacity(name.len());
        if name.is_ascii() {
            // For ASCII text the general path below comes to exactly this.
            for word in name.split_ascii_whitespace() {
                if !key.is_empty() {
                    key.push(' ');
                }
                key.extend(word.chars().map(|c| c.to_ascii_lowercase()));
            }
        } else {
            for word in name.split_whitespace() {
                if !key.is_empty() {
                    key.push(' ');
                }
                // Canonical caseless matching (Unicode D145) folds the decomposed form;
                // composing the result again keeps the key canonical and readable.
                key.extend(word.chars().nfd().default_case_fold().nfc());
            }
        }
        (!key.is_empty()).then_some(Self(key))
    }

    /// A key as stored by [`RegionKey::of`] (read back from the database, not folded
    /// again).
    pub fn from_stored(key: String) -> Self {
        Self(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A postcode (or postcode prefix) as compared: without whitespace, upper-case, so that
/// "sw1a 1aa" and "SW1A1AA" are one postcode and "20 121" starts with "201".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostcodeKey(String);

impl PostcodeKey {
    /// The key of `postcode`; `None` when it is blank.
    pub fn of(postcode: &str) -> Option<Self> {
        let key: String = postcode
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        (!key.is_empty()).then_some(Self(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Every prefix a territory could cover this postcode with: `20121` → `2`, `20`, …
    /// `20121`.
    pub fn prefixes(&self) -> impl Iterator<Item = &str> {
        self.0
            .char_indices()
            .map(|(at, c)| &self.0[..at + c.len_utf8()])
    }

    /// Whether a territory with the postcode prefix `prefix` covers this postcode.
    pub fn starts_with(&self, prefix: &PostcodeKey) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

/// What a territory covers, in the form it is compared in: the country (compared ignoring
/// ASCII case) and a postcode prefix or a region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TerritoryKey {
    Postcode {
        country: String,
        prefix: PostcodeKey,
    },
    Region {
        country: String,
        region: RegionKey,
    },
}

impl TerritoryKey {
    /// The key of `territory`; `None` when its prefix or region is blank (it covers
    /// nothing).
    pub fn of(territory: &Territory) -> Option<Self> {
        match territory {
            Territory::Postcode { country, prefix } => {
                PostcodeKey::of(prefix).map(|prefix| TerritoryKey::Postcode {
                    country: country.clone(),
                    prefix,
                })
            }
            Territory::Region { country, region } => {
                RegionKey::of(region).map(|region| TerritoryKey::Region {
                    country: country.clone(),
                    region,
                })
            }
        }
    }

    /// The key of a stored territory row: its postcode prefix, else its stored region key.
    pub fn from_stored(
        country: String,
        postcode_prefix: Option<&str>,
        region_key: Option<String>,
    ) -> Option<Self> {
        match (postcode_prefix, region_key) {
            (Some(prefix), _) => {
                PostcodeKey::of(prefix).map(|prefix| TerritoryKey::Postcode { country, prefix })
            }
            (None, Some(key)) if !key.is_empty() => Some(TerritoryKey::Region {
                country,
                region: RegionKey::from_stored(key),
            }),
            (None, _) => None,
        }
    }

    /// The country this territory lies in.
    pub fn country(&self) -> &str {
        match self {
            TerritoryKey::Postcode { country, .. } | TerritoryKey::Region { country, .. } => {
                country
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn key(name: &str) -> Option<String> {
        RegionKey::of(name).map(|k| k.0)
    }

    #[test]
    fn a_region_matches_whatever_its_case_and_accents() {
        assert_eq!(key("ÎLE-DE-FRANCE"), key("Île-de-France"));
        assert_eq!(key("ÉMILIE-ROMAGNA"), key("émilie-romagna"));
        assert_eq!(key("Île-de-France").as_deref(), Some("île-de-france"));
        assert_ne!(key("Emilie-Romagna"), key("Émilie-Romagna"));
    }

    #[test]
    fn a_composed_and_a_decomposed_accent_are_one_region() {
        let decomposed = "E\u{301}milie-Romagna";
        assert_eq!(key(decomposed), key("Émilie-Romagna"));
        assert_eq!(key(decomposed).as_deref(), Some("\u{e9}milie-romagna"));
    }

    #[test]
    fn case_folding_is_full_not_just_lower_casing() {
        assert_eq!(key("STRASSE"), key("Straße"));
        assert_eq!(key("ΣΊΣΥΦΟΣ"), key("σίσυφος"));
    }

    #[test]
    fn spaces_are_trimmed_and_collapsed() {
        assert_eq!(key("  Lombardia  ").as_deref(), Some("lombardia"));
        assert_eq!(
            key("Trentino-Alto \t Adige\u{a0}/Südtirol").as_deref(),
            Some("trentino-alto adige /südtirol")
        );
        assert_eq!(key("VALLE   D'AOSTA").as_deref(), Some("valle d'aosta"));
        assert_eq!(key(" \u{a0} "), None);
        assert_eq!(key(""), None);
    }

    #[test]
    fn ascii_names_fold_as_the_general_path_does() {
        for name in [
            "Lombardia",
            "  VALLE   d'Aosta ",
            "Emilia-Romagna",
            "A\tB\nC",
        ] {
            let general: String = name
                .split_whitespace()
                .map(|w| {
                    w.chars()
                        .nfd()
                        .default_case_fold()
                        .nfc()
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(key(name), Some(general));
        }
    }

    #[test]
    fn postcodes_compare_without_spaces_and_ignoring_case() {
        let postcode = PostcodeKey::of(" sw1a 1aa ").unwrap();
        assert_eq!(postcode.as_str(), "SW1A1AA");
        assert!(postcode.starts_with(&PostcodeKey::of("SW1A").unwrap()));
        assert!(
            PostcodeKey::of("20 121")
                .unwrap()
                .starts_with(&PostcodeKey::of("201").unwrap())
        );
        assert_eq!(PostcodeKey::of("  "), None);
        assert_eq!(
            PostcodeKey::of("20 121")
                .unwrap()
                .prefixes()
                .collect::<Vec<_>>(),
            vec!["2", "20", "201", "2012", "20121"]
        );
    }

    #[test]
    fn a_territory_is_keyed_as_it_is_compared() {
        let region = Territory::parse_region_line("IT Émilie-Romagna").unwrap();
        assert_eq!(
            TerritoryKey::of(&region),
            TerritoryKey::from_stored("IT".into(), None, Some("émilie-romagna".into()))
        );
        let postcode = Territory::parse_postcode_line("gb sw1a").unwrap();
        assert_eq!(
            TerritoryKey::of(&postcode),
            TerritoryKey::from_stored("GB".into(), Some("SW1A"), None)
        );
        assert_eq!(TerritoryKey::from_stored("IT".into(), None, None), None);
    }
}
