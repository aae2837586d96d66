//! Server-rendered SVG charts: no script, no style attribute (the CSP forbids inline
//! styles; SVG presentation attributes are not styles), scaled to the width of their box
//! by `viewBox`, so they stay readable on a phone. Each chart carries `role="img"` and a
//! label; the page puts a table with the same numbers next to it for screen readers
//! (and for anyone who wants the figures).
//!
//! The output is markup: templates include it with askama's `|safe`. Every text that goes
//! into it (labels, titles) is escaped here.

use std::fmt::Write;

/// The series colours, in order (chosen to stay apart for common colour blindness).
pub const PALETTE: [&str; 8] = [
    "#1f6fb2", "#d9730d", "#2e8540", "#8e44ad", "#c0392b", "#7f8c8d", "#17a589", "#b7950b",
];

/// Escapes text for SVG (XML) content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with at most one decimal, without a trailing `.0`.
fn num(x: f64) -> String {
    let rounded = (x * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// A tiny trend line for a table cell (no axes), `values` oldest first, on the scale
/// `min..=max`. An empty string for fewer than two values.
pub fn sparkline(values: &[f64], min: f64, max: f64, label: &str) -> String {
    if values.len() < 2 {
        return String::new();
    }
    let (w, h) = (80.0, 20.0);
    let span = (max - min).max(f64::EPSILON);
    let step = w / (values.len() - 1) as f64;
    let mut points = String::new();
    for (i, v) in values.iter().enumerate() {
        let y = h - 2.0 - ((v.clamp(min, max) - min) / span) * (h - 4.0);
        let _ = write!(points, "{},{} ", num(i as f64 * step), num(y));
    }
    format!(
        r#"<svg class="sparkline" viewBox="0 0 {w} {h}" width="80" height="20" role="img" aria-label="{}"><polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/></svg>"#,
        escape(label),
        PALETTE[0],
        points.trim_end()
    )
}

/// One named line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// One value per x label; `None` where the series has no point.
    pub values: Vec<Option<f64>>,
}

/// A line chart with labelled axes: x labels (dates, weeks), one or more series.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    pub y_min: f64,
    pub y_max: f64,
    /// Appended to the y axis numbers (such as `%`).
    pub y_unit: String,
}

impl LineChart {
    pub fn render(&self) -> String {
        // About a phone's width, so its text stays readable there without scaling down.
        let (w, h) = (480.0, 260.0);
        let (left, right, top, bottom) = (40.0, 8.0, 14.0, 52.0);
        let (pw, ph) = (w - left - right, h - top - bottom);
        let span = (self.y_max - self.y_min).max(f64::EPSILON);
        let n = self.x_labels.len().max(1);
        let x_at = |i: usize| {
            if n == 1 {
                left + pw / 2.0
            } else {
                left + pw * i as f64 / (n - 1) as f64
            }
        };
        let y_at = |v: f64| top + ph - ((v.clamp(self.y_min, self.y_max) - self.y_min) / span) * ph;
        let mut svg = format!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><title>{}</title>"#,
            escape(&self.title),
            escape(&self.title)
        );
        // Horizontal grid with the y scale: five lines.
        for k in 0..=4 {
            let v = self.y_min + span * f64::from(k) / 4.0;
            let y = y_at(v);
            let _ = write!(
                svg,
                r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d4d9" stroke-width="1"/><text x="{}" y="{:.1}" font-size="13" text-anchor="end" fill="#444">{}{}</text>"##,
                left + pw,
                left - 6.0,
                y + 4.0,
                num(v),
                escape(&self.y_unit)
            );
        }
        // At most five x labels, evenly spaced from the first to the last; the first and
        // last are anchored inside the chart.
        let shown: Vec<usize> = if n <= 5 {
            (0..n).collect()
        } else {
            (0..5).map(|k| (k * (n - 1) + 2) / 4).collect()
        };
        for (i, label) in self.x_labels.iter().enumerate() {
            if !shown.contains(&i) {
                continue;
            }
            let last = i + 1 == n;
            let anchor = match (i, last && n > 1) {
                (0, _) if n > 1 => "start",
                (_, true) => "end",
                _ => "middle",
            };
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{}" font-size="13" text-anchor="{anchor}" fill="#444">{}</text>"##,
                x_at(i),
                top + ph + 16.0,
                escape(label)
            );
        }
        for (s, series) in self.series.iter().enumerate() {
            let colour = PALETTE[s % PALETTE.len()];
            let mut path = String::new();
            let mut pen_down = false;
            for (i, v) in series.values.iter().enumerate() {
                match v {
                    Some(v) => {
                        let _ = write!(
                            path,
                            "{}{:.1},{:.1} ",
                            if pen_down { "L" } else { "M" },
                            x_at(i),
                            y_at(*v)
                        );
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
            }
            let _ = write!(
                svg,
                r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
                path.trim_end()
            );
            // A lone point would not show as a line.
            if series.values.iter().flatten().count() == 1
                && let Some((i, Some(v))) =
                    series.values.iter().enumerate().find(|(_, v)| v.is_some())
            {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                    x_at(i),
                    y_at(*v)
                );
            }
        }
        // The legend, under the x labels.
        let mut x = left;
        for (s, series) in self.series.iter().enumerate() {
            let colour = PALETTE[s % PALETTE.len()];
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{}" font-size="13" fill="#222">{}</text>"##,
                h - 18.0,
                x + 14.0,
                h - 9.0,
                escape(&series.name)
            );
            x += 24.0 + 7.5 * series.name.chars().count() as f64;
        }
        svg.push_str("</svg>");
        svg
    }
}

/// Horizontal bars, one per labelled value (a funnel, a distribution).
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub bars: Vec<(String, f64)>,
    /// Shown after each bar's value (such as `%`).
    pub unit: String,
}

impl BarChart {
    pub fn render(&self) -> String {
        let row = 26.0;
        let (w, label_w) = (640.0, 150.0);
        let h = row * self.bars.len().max(1) as f64 + 8.0;
        let max = self
            .bars
            .iter()
            .map(|b| b.1)
            .fold(0.0_f64, f64::max)
            .max(f64::EPSILON);
        let bar_space = w - label_w - 70.0;
        let mut svg = format!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><title>{}</title>"#,
            escape(&self.title),
            escape(&self.title)
        );
        for (i, (label, value)) in self.bars.iter().enumerate() {
            let y = 4.0 + row * i as f64;
            let width = (value.max(0.0) / max) * bar_space;
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#222">{}</text><rect x="{label_w}" y="{:.1}" width="{width:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#222">{}{}</text>"##,
                label_w - 8.0,
                y + 15.0,
                escape(label),
                y + 3.0,
                row - 8.0,
                PALETTE[0],
                label_w + width + 6.0,
                y + 15.0,
                num(*value),
                escape(&self.unit)
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

/// Horizontal bars in groups: per group (a channel) one bar per series (a model), in
/// the series' colours, with a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedBarChart {
    pub title: String,
    pub series: Vec<String>,
    /// Per group: its label and one value per series.
    pub groups: Vec<(String, Vec<f64>)>,
    pub unit: String,
}

impl GroupedBarChart {
    pub fn render(&self) -> String {
        let (bar, gap) = (11.0, 10.0);
        let (w, label_w) = (640.0, 150.0);
        let n = self.series.len().max(1) as f64;
        let group_h = bar * n + gap;
        let legend_h = 20.0 * ((self.series.len() as f64) / 3.0).ceil();
        let h = legend_h + group_h * self.groups.len().max(1) as f64 + 8.0;
        let max = self
            .groups
            .iter()
            .flat_map(|g| g.1.iter().copied())
            .fold(0.0_f64, f64::max)
            .max(f64::EPSILON);
        let bar_space = w - label_w - 90.0;
        let mut svg = format!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><title>{}</title>"#,
            escape(&self.title),
            escape(&self.title)
        );
        for (s, name) in self.series.iter().enumerate() {
            let (x, y) = (8.0 + 210.0 * (s % 3) as f64, 4.0 + 20.0 * (s / 3) as f64);
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#222">{}</text>"##,
                PALETTE[s % PALETTE.len()],
                x + 17.0,
                y + 10.5,
                escape(name)
            );
        }
        for (g, (label, values)) in self.groups.iter().enumerate() {
            let top = legend_h + group_h * g as f64;
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#222">{}</text>"##,
                label_w - 8.0,
                top + bar * n / 2.0 + 4.0,
                escape(label)
            );
            for (s, value) in values.iter().enumerate() {
                let y = top + bar * s as f64;
                let width = (value.max(0.0) / max) * bar_space;
                let _ = write!(
                    svg,
                    r##"<rect x="{label_w}" y="{y:.1}" width="{width:.1}" height="{:.1}" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#222">{}{}</text>"##,
                    bar - 1.0,
                    PALETTE[s % PALETTE.len()],
                    label_w + width + 4.0,
                    y + bar - 2.0,
                    num(*value),
                    escape(&self.unit)
                );
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grouped_chart_draws_a_bar_per_series_in_each_group() {
        let chart = GroupedBarChart {
            title: "Revenue by model".into(),
            series: vec!["first".into(), "last".into()],
            groups: vec![
                ("email".into(), vec![10.0, 20.0]),
                ("<fair>".into(), vec![5.0, 0.0]),
            ],
            unit: " €".into(),
        }
        .render();
        // Two legend squares and four bars.
        assert_eq!(chart.matches("<rect").count(), 6);
        assert!(chart.contains("&lt;fair&gt;"));
    }

    #[test]
    fn labels_are_escaped() {
        let chart = BarChart {
            title: "<script>".into(),
            bars: vec![("a & b".into(), 3.0)],
            unit: String::new(),
        }
        .render();
        assert!(!chart.contains("<script>"));
        assert!(chart.contains("&lt;script&gt;"));
        assert!(chart.contains("a &amp; b"));
    }

    #[test]
    fn a_sparkline_needs_two_points_and_stays_in_its_box() {
        assert_eq!(sparkline(&[50.0], 0.0, 100.0, "x"), "");
        let line = sparkline(&[0.0, 100.0, 150.0], 0.0, 100.0, "trend");
        assert!(line.contains(r#"points="0,18 40,2 80,2""#), "{line}");
    }

    #[test]
    fn a_line_chart_draws_each_series_and_breaks_at_gaps() {
        let chart = LineChart {
            title: "Score".into(),
            x_labels: vec!["w1".into(), "w2".into(), "w3".into()],
            series: vec![Series {
                name: "score".into(),
                values: vec![Some(10.0), None, Some(30.0)],
            }],
            y_min: 0.0,
            y_max: 100.0,
            y_unit: String::new(),
        }
        .render();
        assert_eq!(chart.matches("<path").count(), 1);
        assert_eq!(
            chart.matches(" M").count() + chart.matches("\"M").count(),
            2
        );
        assert!(!chart.contains("style="));
    }
}
