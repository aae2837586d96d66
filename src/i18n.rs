//! Italian and English: message lookup (Fluent files under `templates/i18n/`) and the
//! locale's way of writing dates, numbers and euro amounts.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDateTime;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use unic_langid::langid;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./templates/i18n",
        fallback_language: "it",
        // Bidi isolation marks would show up as stray characters in HTML and email.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// Messages without arguments, resolved once per locale: a page asks for dozens of them,
/// and resolving a Fluent pattern each time showed in the profile of the feedback form.
static MESSAGES: [std::sync::LazyLock<std::sync::RwLock<HashMap<String, String>>>; 2] = [
    std::sync::LazyLock::new(Default::default),
    std::sync::LazyLock::new(Default::default),
];

/// The cache holds at most this many messages per locale (the files have a few hundred).
const MESSAGE_CACHE_LIMIT: usize = 4096;

static IT: LanguageIdentifier = langid!("it");
static EN: LanguageIdentifier = langid!("en");

/// A language the portal speaks. Italian is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    It,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::It, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::It => "it",
            Locale::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::It => "Italiano",
            Locale::En => "English",
        }
    }

    fn langid(self) -> &'static LanguageIdentifier {
        match self {
            Locale::It => &IT,
            Locale::En => &EN,
        }
    }

    /// Picks the first supported language from an `Accept-Language` header, honouring
    /// quality values; `None` when nothing matches.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (position, part) in header.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            let Ok(locale) = primary.parse::<Locale>() else {
                continue;
            };
            if quality <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((q, p, _)) => quality > q || (quality == q && position < p),
            };
            if better {
                best = Some((quality, position, locale));
            }
        }
        best.map(|(_, _, l)| l)
    }

    /// The message for `key`; a missing key shows the key itself (and a unit test keeps
    /// both languages complete).
    pub fn t(self, key: &str) -> String {
        let cache = &MESSAGES[self as usize];
        if let Some(text) = cache.read().ok().and_then(|c| c.get(key).cloned()) {
            return text;
        }
        let text = LOCALES.lookup(self.langid(), key);
        if let Ok(mut c) = cache.write()
            && c.len() < MESSAGE_CACHE_LIMIT
        {
            c.insert(key.to_owned(), text.clone());
        }
        text
    }

    /// The message for `key` with named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, FluentArg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    FluentArg::Text(s) => FluentValue::from(s.clone()),
                    FluentArg::Number(n) => FluentValue::from(*n),
                };
                (Cow::Borrowed(*k), value)
            })
            .collect();
        LOCALES.lookup_with_args(self.langid(), key, &map)
    }

    /// A date, e.g. `22/11/2026` or `22 Nov 2026`.
    pub fn date(self, at: NaiveDateTime, tz: chrono_tz::Tz) -> String {
        let local = at.and_utc().with_timezone(&tz).naive_local();
        let mut out = String::with_capacity(12);
        self.write_date(&mut out, local);
        out
    }

    /// A date and time in the portal's time zone, e.g. `22/11/2026 08:40`.
    pub fn datetime(self, at: NaiveDateTime, tz: chrono_tz::Tz) -> String {
        use chrono::Timelike;
        use std::fmt::Write;
        let local = at.and_utc().with_timezone(&tz).naive_local();
        let mut out = String::with_capacity(20);
        self.write_date(&mut out, local);
        out.push_str(match self {
            Locale::It => " ",
            Locale::En => ", ",
        });
        let _ = write!(out, "{:02}:{:02}", local.hour(), local.minute());
        out
    }

    /// Writes `22/11/2026` or `22 Nov 2026` (what `%d/%m/%Y` and `%-d %b %Y` give),
    /// without parsing a format string on every call: pages show dozens of dates.
    fn write_date(self, out: &mut String, local: NaiveDateTime) {
        use chrono::Datelike;
        use std::fmt::Write;
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let _ = match self {
            Locale::It => write!(
                out,
                "{:02}/{:02}/{}",
                local.day(),
                local.month(),
                local.year()
            ),
            Locale::En => write!(
                out,
                "{} {} {}",
                local.day(),
                MONTHS[local.month0() as usize % 12],
                local.year()
            ),
        };
    }

    /// An integer with the locale's thousands separator: `12.345` or `12,345`.
    pub fn number(self, n: i64) -> String {
        let sep = match self {
            Locale::It => '.',
            Locale::En => ',',
        };
        group_thousands(n.unsigned_abs(), sep, n < 0)
    }

    /// An amount of euro cents: `1.234,56 €` or `€1,234.56`.
    pub fn money_eur(self, cents: i64) -> String {
        let negative = cents < 0;
        let abs = cents.unsigned_abs();
        let (units, rest) = (abs / 100, abs % 100);
        match self {
            Locale::It => format!("{},{rest:02} €", group_thousands(units, '.', negative)),
            Locale::En => {
                let sign = if negative { "-" } else { "" };
                format!("{sign}€{}.{rest:02}", group_thousands(units, ',', false))
            }
        }
    }
}

fn group_thousands(n: u64, sep: char, negative: bool) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if negative {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// An argument to a translated message.
#[derive(Debug, Clone)]
pub enum FluentArg {
    Text(String),
    Number(f64),
}

impl From<&str> for FluentArg {
    fn from(s: &str) -> Self {
        FluentArg::Text(s.to_owned())
    }
}

impl From<String> for FluentArg {
    fn from(s: String) -> Self {
        FluentArg::Text(s)
    }
}

impl From<&i64> for FluentArg {
    fn from(n: &i64) -> Self {
        Self::from(*n)
    }
}

impl From<i64> for FluentArg {
    fn from(n: i64) -> Self {
        #[expect(
            clippy::cast_precision_loss,
            reason = "counts shown to people are small"
        )]
        FluentArg::Number(n as f64)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "it" => Ok(Locale::It),
            "en" => Ok(Locale::En),
            _ => Err("error-locale-invalid"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_quality_supported_language() {
        assert_eq!(
            Locale::from_accept_language("en-GB,en;q=0.9,it;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("de-DE,it;q=0.5,en;q=0.4"),
            Some(Locale::It)
        );
        assert_eq!(Locale::from_accept_language("fr-FR,de;q=0.9"), None);
        assert_eq!(
            Locale::from_accept_language("en;q=0,it;q=0.1"),
            Some(Locale::It)
        );
    }

    #[test]
    fn numbers_and_money_follow_the_locale() {
        assert_eq!(Locale::It.number(1_234_567), "1.234.567");
        assert_eq!(Locale::En.number(-1_234), "-1,234");
        assert_eq!(Locale::It.money_eur(123_456), "1.234,56 €");
        assert_eq!(Locale::En.money_eur(123_456), "€1,234.56");
        assert_eq!(Locale::En.money_eur(-5), "-€0.05");
    }

    #[test]
    fn dates_are_shown_in_the_portal_time_zone() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 7, 1)
            .and_then(|d| d.and_hms_opt(22, 30, 0))
            .unwrap_or_default();
        let rome = chrono_tz::Europe::Rome;
        assert_eq!(Locale::It.datetime(at, rome), "02/07/2026 00:30");
        assert_eq!(Locale::En.date(at, rome), "2 Jul 2026");
        assert_eq!(Locale::It.date(at, rome), "02/07/2026");
        assert_eq!(Locale::En.datetime(at, rome), "2 Jul 2026, 00:30");
        // The same as the strftime patterns they replace, through a year of hours.
        for hours in (0..24 * 366).step_by(7) {
            let t = at + chrono::TimeDelta::hours(hours) + chrono::TimeDelta::minutes(hours % 60);
            let local = t.and_utc().with_timezone(&rome);
            assert_eq!(
                Locale::It.datetime(t, rome),
                local.format("%d/%m/%Y %H:%M").to_string()
            );
            assert_eq!(
                Locale::En.datetime(t, rome),
                local.format("%-d %b %Y, %H:%M").to_string()
            );
        }
    }

    #[test]
    fn both_languages_have_every_message() {
        let keys = |text: &str| -> std::collections::BTreeSet<String> {
            text.lines()
                .filter(|l| !l.starts_with([' ', '#', '.', '*', '[']) && l.contains(" ="))
                .filter_map(|l| l.split(" =").next().map(str::to_owned))
                .collect()
        };
        let it = keys(concat!(
            include_str!("../templates/i18n/it/main.ftl"),
            include_str!("../templates/i18n/it/scoring.ftl"),
            include_str!("../templates/i18n/it/dealers.ftl"),
            include_str!("../templates/i18n/it/attribution.ftl")
        ));
        let en = keys(concat!(
            include_str!("../templates/i18n/en/main.ftl"),
            include_str!("../templates/i18n/en/scoring.ftl"),
            include_str!("../templates/i18n/en/dealers.ftl"),
            include_str!("../templates/i18n/en/attribution.ftl")
        ));
        assert!(it.len() > 50);
        assert_eq!(
            it.symmetric_difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new()
        );
        for key in &it {
            assert_ne!(Locale::It.t(key), *key);
            assert_ne!(Locale::En.t(key), *key);
        }
    }
}
