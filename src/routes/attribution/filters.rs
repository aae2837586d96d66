//! The report's filters: as the address carries them ([`ReportParams`]), and checked
//! ([`Checked`]), with the addresses of the report's pages under the same filters.

use chrono::{NaiveDate, TimeDelta};
use serde::Deserialize;

use crate::domain::RegionKey;
use crate::error::AppError;
use crate::models::attribution::LeadScope;
use crate::services::attribution::Model;
use crate::services::attribution::report::{self, Dimension, ReportFilter};

/// The report's filters as the address carries them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportParams {
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub basis: String,
    #[serde(default)]
    pub line: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub dealer: String,
    #[serde(default)]
    pub grade: String,
}

/// The filters, checked: what the report shows, and what the form shows again.
#[derive(Debug, Clone)]
pub struct Checked {
    pub model: Model,
    pub dimension: Dimension,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by_close_date: bool,
    pub line: String,
    pub region: String,
    pub dealer: String,
    pub grade: String,
    /// Message keys of the filters that were not understood (the default was used).
    pub problems: Vec<&'static str>,
}

impl ReportParams {
    pub fn check(self, today: NaiveDate) -> Checked {
        let mut problems = Vec::new();
        let model = match self.model.as_str() {
            "" => Model::Linear,
            m => m.parse().unwrap_or_else(|_| {
                problems.push("attribution-error-model");
                Model::Linear
            }),
        };
        let dimension = Dimension::parse(&self.by).unwrap_or_default();
        let date = |s: &str, default: NaiveDate, problems: &mut Vec<&'static str>| {
            if s.trim().is_empty() {
                return default;
            }
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").unwrap_or_else(|_| {
                problems.push("attribution-error-date");
                default
            })
        };
        let year_ago = today - TimeDelta::days(365);
        let mut from = date(&self.from, year_ago, &mut problems);
        let mut to = date(&self.to, today, &mut problems);
        if from > to {
            problems.push("attribution-error-period");
            (from, to) = (to, from);
        }
        Checked {
            model,
            dimension,
            from,
            to,
            by_close_date: self.basis == "closed",
            line: self.line.trim().to_owned(),
            region: self.region.trim().to_owned(),
            dealer: self.dealer.trim().to_owned(),
            grade: self.grade.trim().to_owned(),
            problems,
        }
    }
}

impl Checked {
    /// The service's filter; the dealer is looked up by its code (unknown: no leads).
    pub fn filter(&self, conn: &mut crate::db::DbConnection) -> Result<ReportFilter, AppError> {
        let (from, until) = report::period(self.from, self.to);
        let dealer_id = if self.dealer.is_empty() {
            None
        } else {
            Some(report::dealer_by_code(conn, &self.dealer)?.unwrap_or(-1))
        };
        let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Ok(ReportFilter {
            model: self.model,
            dimension: self.dimension,
            scope: LeadScope {
                from,
                until,
                by_close_date: self.by_close_date,
                product_line: text(&self.line),
                region_key: RegionKey::of(&self.region).map(|k| k.as_str().to_owned()),
                dealer_id,
                grade: text(&self.grade),
            },
        })
    }

    pub fn report_href(&self) -> String {
        self.href("/attribution", &[])
    }

    pub fn csv_href(&self) -> String {
        self.href("/attribution.csv", &[])
    }

    pub fn compare_href(&self) -> String {
        self.href("/attribution/models", &[])
    }

    pub fn checks_href(&self) -> String {
        self.href("/attribution/checks", &[])
    }

    pub fn models_csv_href(&self) -> String {
        self.href("/attribution/models.csv", &[])
    }

    pub fn checks_csv_href(&self) -> String {
        self.href("/attribution/checks.csv", &[])
    }

    /// The address of the report with these filters and `changes` (`key=value` pairs).
    pub fn href(&self, path: &str, changes: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("model", self.model.as_str().to_owned()),
            ("by", self.dimension.as_str().to_owned()),
            ("from", self.from.to_string()),
            ("to", self.to.to_string()),
            (
                "basis",
                if self.by_close_date {
                    "closed"
                } else {
                    "received"
                }
                .to_owned(),
            ),
            ("line", self.line.clone()),
            ("region", self.region.clone()),
            ("dealer", self.dealer.clone()),
            ("grade", self.grade.clone()),
        ];
        for (k, v) in changes {
            if let Some(p) = pairs.iter_mut().find(|(key, _)| key == k) {
                p.1 = (*v).to_owned();
            }
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(k, v);
        }
        format!("{path}?{}", query.finish())
    }
}
