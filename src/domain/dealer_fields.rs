use std::fmt;

use super::MessageKey;

/// A dealer's short code, e.g. `MI-TORNI01`: 2–20 upper-case letters, digits or dashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealerCode(String);

impl DealerCode {
    pub fn parse(input: &str) -> Result<Self, MessageKey> {
        let s = input.trim().to_uppercase();
        if s.is_empty() {
            return Err("error-required");
        }
        let ok = (2..=20).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !s.starts_with('-');
        if ok {
            Ok(Self(s))
        } else {
            Err("error-dealer-code")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DealerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A dealer's trading name (1–120 characters).
#[derive(Debug, Clone)]
pub struct DealerName(String);

impl DealerName {
    pub fn parse(input: &str) -> Result<Self, MessageKey> {
        let s = input.trim();
        match s.chars().count() {
            0 => Err("error-required"),
            1..=120 => Ok(Self(s.to_owned())),
            _ => Err("error-too-long"),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// How many open leads a dealer can work at once.
#[derive(Debug, Clone, Copy)]
pub struct Capacity(i32);

impl Capacity {
    pub const MAX: i32 = 10_000;

    pub fn parse(input: &str) -> Result<Self, MessageKey> {
        let s = input.trim();
        if s.is_empty() {
            return Err("error-required");
        }
        match s.parse::<i32>() {
            Ok(n) if (0..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err("error-capacity"),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// A product line code, e.g. `lathes` or `press-brakes`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProductLine(String);

impl ProductLine {
    pub fn parse(input: &str) -> Result<Self, MessageKey> {
        let s = input.trim().to_lowercase();
        let ok = (2..=40).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-');
        if ok {
            Ok(Self(s))
        } else {
            Err("error-product-line")
        }
    }

    /// Parses a comma- or newline-separated list, dropping duplicates.
    pub fn parse_list(input: &str) -> Result<Vec<Self>, MessageKey> {
        let mut lines = input
            .split([',', '\n', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        lines.sort();
        lines.dedup();
        Ok(lines)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a dealer sells: a country plus either a postcode prefix or a region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Territory {
    Postcode { country: String, prefix: String },
    Region { country: String, region: String },
}

impl Territory {
    fn parse_country(s: &str) -> Result<String, MessageKey> {
        super::CountryCode::parse(s)
            .map(super::CountryCode::into_inner)
            .map_err(|_| "error-territory-country")
    }

    /// Parses one line such as `IT 20` (country, postcode prefix).
    pub fn parse_postcode_line(line: &str) -> Result<Self, MessageKey> {
        let mut parts = line.split_whitespace();
        let (Some(country), Some(prefix), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err("error-territory-postcode");
        };
        let country = Self::parse_country(country)?;
        let prefix = prefix.to_uppercase();
        if !(1..=10).contains(&prefix.len()) || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("error-territory-postcode");
        }
        Ok(Territory::Postcode { country, prefix })
    }

    /// Parses one line such as `IT Lombardia` (country, region name).
    pub fn parse_region_line(line: &str) -> Result<Self, MessageKey> {
        let line = line.trim();
        let Some((country, region)) = line.split_once(char::is_whitespace) else {
            return Err("error-territory-region");
        };
        let country = Self::parse_country(country)?;
        let region = region.trim();
        if region.is_empty() || region.chars().count() > 60 {
            return Err("error-territory-region");
        }
        Ok(Territory::Region {
            country,
            region: region.to_owned(),
        })
    }

    /// Parses a block of lines with `parse_line`, reporting the first bad line (1-based).
    pub fn parse_block(
        input: &str,
        parse_line: fn(&str) -> Result<Self, MessageKey>,
    ) -> Result<Vec<Self>, (usize, MessageKey)> {
        let mut out = Vec::new();
        for (i, line) in input.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            out.push(parse_line(line).map_err(|k| (i + 1, k))?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The line a person would type for this territory.
    pub fn to_line(&self) -> String {
        match self {
            Territory::Postcode { country, prefix } => format!("{country} {prefix}"),
            Territory::Region { country, region } => format!("{country} {region}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn territories_are_read_line_by_line_and_bad_lines_are_named() {
        let ok = Territory::parse_block("it 20\n\nIT 201\nIT 20", Territory::parse_postcode_line);
        assert_eq!(ok.map(|t| t.len()), Ok(2));
        let bad = Territory::parse_block("IT 20\nITALY 30", Territory::parse_postcode_line);
        assert_eq!(bad, Err((2, "error-territory-country")));
        let region = Territory::parse_region_line("IT Emilia-Romagna");
        assert_eq!(
            region,
            Ok(Territory::Region {
                country: "IT".into(),
                region: "Emilia-Romagna".into()
            })
        );
    }

    #[test]
    fn codes_capacity_and_product_lines_are_validated() {
        assert_eq!(
            DealerCode::parse(" mi-01 ").map(|c| c.0),
            Ok("MI-01".into())
        );
        assert!(DealerCode::parse("x").is_err());
        assert!(DealerCode::parse("MI 01").is_err());
        assert!(Capacity::parse("-1").is_err());
        assert!(Capacity::parse("12a").is_err());
        assert_eq!(Capacity::parse("25").map(Capacity::get), Ok(25));
        assert_eq!(
            ProductLine::parse_list("lathes, Milling\nlathes").map(|v| v.len()),
            Ok(2)
        );
        assert!(ProductLine::parse_list("lathes, saws & blades").is_err());
    }
}
