//! The base currency the reports are in, and conversion into it at monthly rates.
//!
//! Revenue and spend in another currency are converted at the rate an admin entered for
//! their month (the close month of a sale, the month of a spend). An amount whose month
//! has no rate is left out of the figures, and the report lists it: never a silent mix of
//! currencies, never a guessed rate.

use rustc_hash::FxHashMap;

use super::split::largest_remainder;
use crate::db::DbConnection;
use crate::domain::{Currency, MessageKey};
use crate::error::AppError;
use crate::models::exchange_rate::{ExchangeRate, ForeignAmounts};
use crate::services::audit::{self, Actor};
use crate::services::validation::{FieldErrors, FormError};

/// The currency every report is in.
pub const BASE: Currency = Currency::Eur;

/// Decimal places a rate may have.
const RATE_DECIMALS: usize = 6;

/// The largest rate accepted: a million units per euro would be a typing mistake.
const MAX_RATE_MICROS: i64 = 1_000_000 * 1_000_000;

/// A rate typed by an admin ("0,9412" or "0.9412": units of the currency one euro buys),
/// in millionths; the key of what is wrong otherwise. Rates have no thousands grouping,
/// so the one `.` or `,` is the decimal separator in either language.
pub fn parse_rate(input: &str) -> Result<i64, MessageKey> {
    let s = input.trim();
    if s.is_empty() {
        return Err("rates-error-rate-missing");
    }
    if s.starts_with('-') {
        return Err("rates-error-rate-positive");
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        || s.matches(['.', ',']).count() > 1
    {
        return Err("rates-error-rate-format");
    }
    let (whole, fraction) = s.split_once(['.', ',']).unwrap_or((s, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err("rates-error-rate-format");
    }
    if fraction.len() > RATE_DECIMALS {
        return Err("rates-error-rate-decimals");
    }
    if whole.len() > 7 {
        return Err("rates-error-rate-range");
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "rates-error-rate-format")?
    };
    let fraction: i64 = format!("{fraction:0<6}")
        .parse()
        .map_err(|_| "rates-error-rate-format")?;
    let micros = whole * 1_000_000 + fraction;
    if micros <= 0 {
        return Err("rates-error-rate-positive");
    }
    if micros > MAX_RATE_MICROS {
        return Err("rates-error-rate-range");
    }
    Ok(micros)
}

/// A rate as people read it: `0,9412` in Italian, `0.9412` in English (no trailing zeros).
pub fn format_rate(micros: i64, decimal: char) -> String {
    let (whole, fraction) = (micros / 1_000_000, micros % 1_000_000);
    let fraction = format!("{fraction:06}");
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}{decimal}{fraction}")
    }
}

/// `cents` of a currency one base unit buys `per_base_micros` millionths of, in base
/// cents, rounded half away from zero.
pub fn to_base(cents: i64, per_base_micros: i64) -> i64 {
    let (n, d) = (
        i128::from(cents) * 1_000_000,
        i128::from(per_base_micros.max(1)),
    );
    let q = (n.abs() * 2 + d) / (d * 2);
    i64::try_from(if n < 0 { -q } else { q }).unwrap_or(i64::MAX)
}

/// Every rate entered, by month and currency.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    by: FxHashMap<(String, Currency), i64>,
}

impl Rates {
    pub fn load(conn: &mut DbConnection) -> diesel::QueryResult<Self> {
        Ok(Self::of(&ExchangeRate::all(conn)?))
    }

    pub fn of(rows: &[ExchangeRate]) -> Self {
        Self {
            by: rows
                .iter()
                .map(|r| ((r.month.clone(), r.currency), r.per_base_micros))
                .collect(),
        }
    }

    /// `cents` in `currency` in base cents at the rate of `month` (`YYYY-MM`); `None`
    /// without a rate for that month.
    pub fn convert(&self, cents: i64, currency: Currency, month: &str) -> Option<i64> {
        if currency == BASE {
            return Some(cents);
        }
        self.by
            .get(&(month.to_owned(), currency))
            .map(|&micros| to_base(cents, micros))
    }
}

/// What a report converted into the base currency, and what it left out for lack of a
/// rate, per currency (and month for what was left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversions {
    /// Per currency: the amount in it, and in base cents.
    pub converted: Vec<(Currency, i64, i64)>,
    /// Per currency and month (`YYYY-MM`) without a rate: the amount left out.
    pub left_out: Vec<(Currency, String, i64)>,
}

impl Conversions {
    /// `cents` in `currency` in base cents at `month`'s rate, noted as converted; or
    /// `None`, noted as left out.
    pub fn convert(
        &mut self,
        rates: &Rates,
        cents: i64,
        currency: Currency,
        month: &str,
    ) -> Option<i64> {
        if currency == BASE {
            return Some(cents);
        }
        match rates.convert(cents, currency, month) {
            Some(base) => {
                match self.converted.iter_mut().find(|(c, _, _)| *c == currency) {
                    Some((_, from, to)) => {
                        *from += cents;
                        *to += base;
                    }
                    None => self.converted.push((currency, cents, base)),
                }
                Some(base)
            }
            None => {
                match self
                    .left_out
                    .iter_mut()
                    .find(|(c, m, _)| *c == currency && m == month)
                {
                    Some((_, _, sum)) => *sum += cents,
                    None => self.left_out.push((currency, month.to_owned(), cents)),
                }
                None
            }
        }
    }

    /// Parts of one amount (a sale's credits, summing to its revenue) in base cents: the
    /// converted total split in proportion, so the parts still sum exactly to it.
    pub fn convert_parts(
        &mut self,
        rates: &Rates,
        parts: &[i64],
        currency: Currency,
        month: &str,
    ) -> Option<Vec<i64>> {
        if currency == BASE {
            return Some(parts.to_vec());
        }
        let total = self.convert(rates, parts.iter().sum(), currency, month)?;
        let shares: Vec<f64> = parts.iter().map(|&p| p as f64).collect();
        Some(largest_remainder(total, &shares))
    }

    /// Sorted for showing: by currency, then month.
    pub fn sorted(mut self) -> Self {
        self.converted.sort_by_key(|(c, _, _)| c.as_str());
        self.left_out
            .sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.converted.is_empty() && self.left_out.is_empty()
    }
}

/// The months an amount in another currency needs a rate for and has none: per currency
/// and month (newest first), the sales and spend months waiting, and their sum.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingRate {
    pub currency: Currency,
    pub month: String,
    pub sales: i64,
    pub spend_months: i64,
    pub cents: i64,
}

/// Every rate entered, and the rates still missing.
pub struct RatesView {
    pub rates: Vec<ExchangeRate>,
    pub missing: Vec<MissingRate>,
}

impl RatesView {
    pub fn load(conn: &mut DbConnection) -> Result<Self, AppError> {
        let rates = ExchangeRate::all(conn)?;
        let known = Rates::of(&rates);
        let foreign = ForeignAmounts::load(conn, BASE.as_str())?;
        let mut missing: Vec<MissingRate> = Vec::new();
        let mut note = |code: &str, month: String, cents: i64, sale: bool| {
            let Ok(currency) = code.parse::<Currency>() else {
                return;
            };
            if known.convert(0, currency, &month).is_some() {
                return;
            }
            let at = match missing
                .iter()
                .position(|m| m.currency == currency && m.month == month)
            {
                Some(at) => at,
                None => {
                    missing.push(MissingRate {
                        currency,
                        month,
                        sales: 0,
                        spend_months: 0,
                        cents: 0,
                    });
                    missing.len() - 1
                }
            };
            let m = &mut missing[at];
            m.cents += cents;
            if sale {
                m.sales += 1;
            } else {
                m.spend_months += 1;
            }
        };
        for (code, close_date, recorded_at, cents) in foreign.sales {
            let at = super::credits::conversion_time(close_date, recorded_at.get());
            note(
                &code,
                super::report::month(at.date()),
                cents.unwrap_or(0),
                true,
            );
        }
        for (code, month, cents) in foreign.spend {
            note(&code, month, cents, false);
        }
        missing.sort_by(|a, b| {
            (b.month.as_str(), a.currency.as_str()).cmp(&(a.month.as_str(), b.currency.as_str()))
        });
        Ok(Self { rates, missing })
    }
}

/// The rate form as submitted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RateForm {
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub rate: String,
}

/// A month as `YYYY-MM` (what `<input type="month">` sends), from 2000 to 2100.
pub fn parse_month(input: &str) -> Result<String, MessageKey> {
    let s = input.trim();
    let ok = s.len() == 7
        && chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .is_ok_and(|d| (2000..=2100).contains(&chrono::Datelike::year(&d)));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("rates-error-month")
    }
}

/// A currency other than the base one, by its code.
pub fn parse_foreign_currency(input: &str) -> Result<Currency, MessageKey> {
    match input.trim().to_uppercase().parse::<Currency>() {
        Ok(c) if c != BASE => Ok(c),
        Ok(_) => Err("rates-error-currency-base"),
        Err(_) => Err("rates-error-currency"),
    }
}

/// Sets (or replaces) a month's rate for a currency, audited with the rate it replaced.
pub fn save_rate(
    conn: &mut DbConnection,
    form: &RateForm,
    actor: &Actor,
    now: chrono::NaiveDateTime,
) -> Result<ExchangeRate, FormError> {
    let mut errors = FieldErrors::default();
    let month = errors.check("month", parse_month(&form.month));
    let currency = errors.check("currency", parse_foreign_currency(&form.currency));
    let micros = errors.check("rate", parse_rate(&form.rate));
    let (Some(month), Some(currency), Some(per_base_micros)) = (month, currency, micros) else {
        return Err(FormError::Invalid(errors));
    };
    let rate = ExchangeRate {
        month,
        currency,
        per_base_micros,
        updated_at: now.into(),
    };
    let before = ExchangeRate::set(conn, &rate).map_err(AppError::from)?;
    let detail = match before {
        Some(old) => format!(
            "1 {BASE} = {} {currency} (was {})",
            format_rate(per_base_micros, '.'),
            format_rate(old, '.')
        ),
        None => format!(
            "1 {BASE} = {} {currency}",
            format_rate(per_base_micros, '.')
        ),
    };
    audit::record(
        conn,
        actor,
        "exchange_rate_set",
        ("exchange_rate", &format!("{}/{currency}", rate.month)),
        &detail,
    )
    .map_err(AppError::from)?;
    Ok(rate)
}

/// Removes a month's rate for a currency (audited); whether there was one.
pub fn remove_rate(
    conn: &mut DbConnection,
    month: &str,
    currency: &str,
    actor: &Actor,
) -> Result<bool, AppError> {
    let (Ok(month), Ok(currency)) = (parse_month(month), parse_foreign_currency(currency)) else {
        return Ok(false);
    };
    if !ExchangeRate::remove(conn, &month, currency)? {
        return Ok(false);
    }
    audit::record(
        conn,
        actor,
        "exchange_rate_removed",
        ("exchange_rate", &format!("{month}/{currency}")),
        "",
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;

    fn rate(month: &str, currency: Currency, micros: i64) -> ExchangeRate {
        ExchangeRate {
            month: month.into(),
            currency,
            per_base_micros: micros,
            updated_at: chrono::NaiveDateTime::default().into(),
        }
    }

    #[test]
    fn rates_are_read_either_way_and_wrong_ones_are_named() {
        assert_eq!(parse_rate("0,9412"), Ok(941_200));
        assert_eq!(parse_rate(" 0.9412 "), Ok(941_200));
        assert_eq!(parse_rate("1.083215"), Ok(1_083_215));
        assert_eq!(parse_rate("163"), Ok(163_000_000));
        assert_eq!(parse_rate(",5"), Ok(500_000));
        assert_eq!(parse_rate(""), Err("rates-error-rate-missing"));
        assert_eq!(parse_rate("-1"), Err("rates-error-rate-positive"));
        assert_eq!(parse_rate("0"), Err("rates-error-rate-positive"));
        assert_eq!(parse_rate("1.000,5"), Err("rates-error-rate-format"));
        assert_eq!(parse_rate("abc"), Err("rates-error-rate-format"));
        assert_eq!(parse_rate("0.1234567"), Err("rates-error-rate-decimals"));
        assert_eq!(parse_rate("10000000"), Err("rates-error-rate-range"));
        assert_eq!(format_rate(941_200, ','), "0,9412");
        assert_eq!(format_rate(2_000_000, '.'), "2");
    }

    #[test]
    fn amounts_convert_at_their_months_rate_rounding_half_away_from_zero() {
        // 1 EUR = 0.94 CHF: 94.00 CHF is 100.00 EUR.
        assert_eq!(to_base(9_400, 940_000), 10_000);
        // 1 EUR = 3 XYZ: 1 cent is a third of a cent, 2 cents two thirds.
        assert_eq!(to_base(1, 3_000_000), 0);
        assert_eq!(to_base(2, 3_000_000), 1);
        // Exactly half a cent rounds away from zero.
        assert_eq!(to_base(1, 2_000_000), 1);
        assert_eq!(to_base(-1, 2_000_000), -1);
        let rates = Rates::of(&[rate("2026-03", Currency::Chf, 940_000)]);
        assert_eq!(rates.convert(9_400, Currency::Chf, "2026-03"), Some(10_000));
        assert_eq!(rates.convert(9_400, Currency::Chf, "2026-04"), None);
        assert_eq!(rates.convert(9_400, Currency::Usd, "2026-03"), None);
        assert_eq!(rates.convert(9_400, Currency::Eur, "2026-04"), Some(9_400));
    }

    #[test]
    fn a_report_notes_what_it_converted_and_what_it_left_out() {
        let rates = Rates::of(&[rate("2026-03", Currency::Chf, 940_000)]);
        let mut c = Conversions::default();
        assert_eq!(c.convert(&rates, 500, Currency::Eur, "2026-05"), Some(500));
        // Parts keep summing exactly to the converted whole.
        let parts = c
            .convert_parts(&rates, &[3_333, 3_333, 3_334], Currency::Chf, "2026-03")
            .unwrap();
        assert_eq!(parts.iter().sum::<i64>(), to_base(10_000, 940_000));
        assert_eq!(c.convert(&rates, 700, Currency::Usd, "2026-03"), None);
        assert_eq!(c.convert(&rates, 300, Currency::Usd, "2026-03"), None);
        assert_eq!(c.convert(&rates, 100, Currency::Chf, "2026-02"), None);
        let c = c.sorted();
        assert_eq!(c.converted, vec![(Currency::Chf, 10_000, 10_638)]);
        assert_eq!(
            c.left_out,
            vec![
                (Currency::Chf, "2026-02".into(), 100),
                (Currency::Usd, "2026-03".into(), 1_000),
            ]
        );
    }
}
