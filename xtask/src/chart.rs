//! Bar charts for `bench/report.md`: each chart compares ours with its anchors
//! for a few measures. Drawn as SVG here and rasterized to PNG by the headless
//! Chromium the browser tests already install, so no plotting or font crate is
//! built for it.

use std::fmt::Write as _;
use std::path::Path;

use crate::run::Cmd;

/// One group of bars: a measure (e.g. "1 in flight") and one value per series.
pub struct Group {
    pub label: String,
    pub values: Vec<f64>,
}

/// A chart: a title, the series names (ours first), what the numbers are,
/// and the groups.
pub struct Chart {
    pub title: String,
    pub unit: String,
    pub series: Vec<String>,
    pub groups: Vec<Group>,
}

const COLORS: [&str; 4] = ["#2c7fb8", "#f28e2b", "#59a14f", "#9c755f"];
const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 420.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn number(value: f64) -> String {
    if !value.is_finite() {
        "n/a".to_owned()
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

impl Chart {
    /// The chart as an SVG document. Each group is scaled to its own largest
    /// value, since a group's measures share a unit but groups may not.
    pub fn svg(&self) -> String {
        // The legend (top right) sits above the tallest bar's label.
        let top = (34.0 + 18.0 * self.series.len() as f64).max(70.0);
        let (left, right, bottom) = (20.0, 20.0, 60.0);
        let plot_h = HEIGHT - top - bottom;
        let group_w = (WIDTH - left - right) / self.groups.len().max(1) as f64;
        let bar_w = (group_w * 0.8) / self.series.len().max(1) as f64;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="DejaVu Sans, sans-serif">"#
        );
        let _ = write!(
            svg,
            r##"<rect width="100%" height="100%" fill="white"/><text x="{left}" y="28" font-size="18" font-weight="bold">{}</text><text x="{left}" y="50" font-size="13" fill="#555">{}</text>"##,
            escape(&self.title),
            escape(&self.unit)
        );
        for (s, name) in self.series.iter().enumerate() {
            let x = WIDTH - right - 170.0;
            let y = 20.0 + s as f64 * 18.0;
            let color = COLORS[s % COLORS.len()];
            let _ = write!(
                svg,
                r#"<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/><text x="{}" y="{}" font-size="12">{}</text>"#,
                x + 18.0,
                y + 11.0,
                escape(name)
            );
        }
        for (g, group) in self.groups.iter().enumerate() {
            let max = group
                .values
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(0.0_f64, f64::max);
            let x0 = left + g as f64 * group_w + group_w * 0.1;
            for (s, value) in group.values.iter().enumerate() {
                let h = if max > 0.0 && value.is_finite() {
                    value / max * (plot_h - 20.0)
                } else {
                    0.0
                };
                let x = x0 + s as f64 * bar_w;
                let y = top + plot_h - h;
                let color = COLORS[s % COLORS.len()];
                let _ = write!(
                    svg,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"#,
                    bar_w - 4.0,
                    x + (bar_w - 4.0) / 2.0,
                    y - 4.0,
                    number(*value)
                );
            }
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="middle">{}</text>"#,
                left + g as f64 * group_w + group_w / 2.0,
                top + plot_h + 22.0,
                escape(&group.label)
            );
        }
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{}" y2="{}" stroke="#999"/></svg>"##,
            WIDTH - right,
            top + plot_h,
            top + plot_h
        );
        svg
    }

    /// Writes `NAME.svg` and `NAME.png` into `dir`; returns the PNG's file name.
    pub fn write(&self, dir: &Path, name: &str) -> Result<String, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let svg_path = dir.join(format!("{name}.svg"));
        std::fs::write(&svg_path, self.svg())
            .map_err(|e| format!("writing {}: {e}", svg_path.display()))?;
        let png = format!("{name}.png");
        let profile =
            std::env::temp_dir().join(format!("pusher-lite-chart-{}", std::process::id()));
        let result = Cmd::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
            ])
            .args([
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={WIDTH},{HEIGHT}"),
                format!("--screenshot={}", dir.join(&png).display()),
                format!("file://{}", svg_path.display()),
            ])
            .output();
        let _ = std::fs::remove_dir_all(&profile);
        result.map(|_| png)
    }
}
