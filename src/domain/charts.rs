//! Chart geometry for the operator dashboard: funnels as grouped bars with their 95 %
//! intervals, and counts per hour. Pure numbers and labels; the page template draws them as
//! SVG (labels escaped there), so no script and no third-party asset is needed.

use super::report::{FunnelGroup, GroupKey, TimingTable};

/// Plot area inside the SVG's view box.
pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 34.0;

/// One bar. `whisker` is the interval as (y of the upper end, y of the lower end).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Index of the series (its colour and legend entry).
    pub series: usize,
    pub whisker: Option<(f64, f64)>,
    /// What a pointer over the bar shows (`B · login: 12.5 % (10.2–15.1 %)`).
    pub title: String,
}

/// A chart ready to draw in a `0 0 WIDTH HEIGHT` view box.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    /// Category labels under the bars: (x of the centre, text).
    pub x_labels: Vec<(f64, String)>,
    /// Grid lines: (y, text).
    pub y_ticks: Vec<(f64, String)>,
    pub series: Vec<String>,
    /// The x where the plot starts and the y of its base line.
    pub left: f64,
    pub base: f64,
}

/// A group's name as the dashboard shows it: its dimensions joined, or `all`.
pub fn group_label(k: &GroupKey) -> String {
    let parts: Vec<&str> = [
        k.variant.as_deref(),
        k.segment.as_deref(),
        k.channel.map(|c| c.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(|s| if s.is_empty() { "(none)" } else { s })
    .collect();
    if parts.is_empty() {
        "all".into()
    } else {
        parts.join(" · ")
    }
}

/// The smallest of 1, 2, 5 × 10^k at or above `v` (`v` > 0), so ticks fall on round numbers.
pub fn nice_ceiling(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mut step = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * step >= v * (1.0 - 1e-9) {
            step *= m;
            return step;
        }
    }
    step * 10.0
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A percentage as the dashboard prints it: one decimal below 10 %, none above.
pub fn percent(rate: f64) -> String {
    let p = rate * 100.0;
    if p < 10.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.0} %")
    }
}

/// Lays out categories × series as grouped bars, values in `[0, max]`.
fn grouped(
    categories: Vec<String>,
    series: Vec<String>,
    // (category, series) -> (value, interval, title)
    value: impl Fn(usize, usize) -> Option<(f64, Option<(f64, f64)>, String)>,
    tick: impl Fn(f64) -> String,
) -> Chart {
    let mut top_value: f64 = 0.0;
    for c in 0..categories.len() {
        for s in 0..series.len() {
            if let Some((v, ci, _)) = value(c, s) {
                top_value = top_value.max(v).max(ci.map_or(0.0, |(_, hi)| hi));
            }
        }
    }
    let max = nice_ceiling(top_value);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_h;
    let y_of = |v: f64| round1(base - (v / max).clamp(0.0, 1.0) * plot_h);
    let slot = plot_w / categories.len().max(1) as f64;
    let bar_w = (slot * 0.8 / series.len().max(1) as f64).min(48.0);
    let group_w = bar_w * series.len() as f64;
    let mut bars = Vec::new();
    let mut x_labels = Vec::new();
    for (c, name) in categories.iter().enumerate() {
        let centre = LEFT + slot * (c as f64 + 0.5);
        x_labels.push((round1(centre), name.clone()));
        for s in 0..series.len() {
            let Some((v, ci, title)) = value(c, s) else {
                continue;
            };
            let x = centre - group_w / 2.0 + bar_w * s as f64;
            let y = y_of(v);
            bars.push(Bar {
                x: round1(x),
                y,
                w: round1(bar_w - 2.0).max(1.0),
                h: round1(base - y),
                series: s,
                whisker: ci.map(|(lo, hi)| (y_of(hi), y_of(lo))),
                title,
            });
        }
    }
    let y_ticks = (0..=4)
        .map(|i| {
            let v = max * f64::from(i) / 4.0;
            (y_of(v), tick(v))
        })
        .collect();
    Chart {
        width: WIDTH,
        height: HEIGHT,
        bars,
        x_labels,
        y_ticks,
        series,
        left: LEFT,
        base,
    }
}

/// The funnel as grouped bars: one category per step after `sent`, one bar per group, its
/// height the rate from sends, its whisker the 95 % Wilson interval.
pub fn funnel_chart(groups: &[FunnelGroup]) -> Chart {
    let steps: Vec<String> = groups
        .first()
        .map(|g| {
            g.steps
                .iter()
                .filter(|s| s.step != "sent")
                .map(|s| s.step.clone())
                .collect()
        })
        .unwrap_or_default();
    let series: Vec<String> = groups.iter().map(|g| group_label(&g.key)).collect();
    grouped(
        steps.clone(),
        series.clone(),
        |c, s| {
            let line = groups[s].steps.iter().find(|l| l.step == steps[c])?;
            let r = line.from_sends;
            let rate = r.rate?;
            let ci = r.lo.zip(r.hi);
            let interval = ci.map_or(String::new(), |(lo, hi)| {
                format!(" ({}–{})", percent(lo), percent(hi))
            });
            let title = format!(
                "{} · {}: {}{} — {} of {}",
                series[s],
                steps[c],
                percent(rate),
                interval,
                r.num,
                r.den
            );
            Some((rate, ci, title))
        },
        percent,
    )
}

/// One step's unique recipients per hour of a timing table (00-23, then `unknown` if there).
pub fn hour_chart(table: &TimingTable, step: &str) -> Chart {
    let categories: Vec<String> = table.rows.iter().map(|r| r.bucket.clone()).collect();
    grouped(
        categories,
        vec![group_label(&table.key)],
        |c, _| {
            let row = &table.rows[c];
            let n = row
                .steps
                .iter()
                .find(|(s, _)| s == step)
                .map_or(0, |(_, n)| *n);
            Some((n as f64, None, format!("{}: {n} ({step})", row.bucket)))
        },
        |v| format!("{v:.0}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::{Money, Rate, StepLine, TimingRow};
    use crate::domain::rollup::Axis;

    fn line(step: &str, num: u64, den: u64) -> StepLine {
        StepLine {
            step: step.into(),
            unique: num,
            human: num,
            bot: 0,
            late: 0,
            value_minor: 0,
            from_sends: Rate::of(num, den),
            from_previous: None,
        }
    }

    fn group(variant: &str, clicks: u64, logins: u64) -> FunnelGroup {
        FunnelGroup {
            key: GroupKey {
                variant: Some(variant.into()),
                ..GroupKey::default()
            },
            sends: 100,
            human_clicks: clicks,
            bot_clicks: 0,
            unique_clickers: clicks,
            steps: vec![
                line("sent", 100, 100),
                line("clicked", clicks, 100),
                line("login", logins, 100),
            ],
            money: Money {
                currency: "CNY".into(),
                cost_minor: 0,
                unpriced_sends: 100,
                cost_per_click: None,
                cost_per_login: None,
                cost_per_loan: None,
                value_minor: 0,
                value_per_send: None,
                value_per_click: None,
                value_per_login: None,
                io_ratio_bp: None,
            },
        }
    }

    #[test]
    fn nice_ceilings() {
        for (v, want) in [
            (0.0, 1.0),
            (0.07, 0.1),
            (0.12, 0.2),
            (0.2, 0.2),
            (0.21, 0.5),
            (0.6, 1.0),
            (3.0, 5.0),
            (17.0, 20.0),
            (250.0, 500.0),
        ] {
            assert!(
                (nice_ceiling(v) - want).abs() < 1e-12,
                "{v}: {}",
                nice_ceiling(v)
            );
        }
    }

    #[test]
    fn funnel_bars_scale_with_rates_and_carry_intervals() {
        let c = funnel_chart(&[group("A", 20, 5), group("B", 40, 10)]);
        assert_eq!(c.series, ["A", "B"]);
        let names: Vec<&str> = c.x_labels.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            names,
            ["clicked", "login"],
            "sent is always 100 % and left out"
        );
        assert_eq!(c.bars.len(), 4);
        // B's clicks (40 %) twice as tall as A's (20 %), both on the base line.
        let (a, b) = (&c.bars[0], &c.bars[1]);
        assert!((b.h - 2.0 * a.h).abs() <= 0.2, "{} {}", a.h, b.h);
        assert!((a.y + a.h - c.base).abs() < 0.2);
        assert!(a.x < b.x, "series side by side");
        // The whisker spans the Wilson interval around the bar's top.
        let (hi, lo) = b.whisker.expect("interval");
        assert!(hi < b.y && b.y < lo);
        assert!(b.title.starts_with("B · clicked: 40 % ("), "{}", b.title);
        // Ticks run from 0 at the base to the nice maximum at the top.
        assert_eq!(c.y_ticks.first().map(|t| t.1.as_str()), Some("0.0 %"));
        assert!(c.y_ticks.iter().all(|(y, _)| *y <= c.base));
    }

    #[test]
    fn hour_chart_has_every_bucket_in_order() {
        let rows = (0..24)
            .map(|h| TimingRow {
                bucket: format!("{h:02}"),
                steps: vec![("clicked".into(), if h == 20 { 9 } else { 1 })],
                click_through: None,
            })
            .collect();
        let t = TimingTable {
            key: GroupKey::default(),
            axis: Axis::ClickHour,
            rows,
        };
        let c = hour_chart(&t, "clicked");
        assert_eq!(c.bars.len(), 24);
        assert_eq!(c.x_labels[20].1, "20");
        let tallest = c
            .bars
            .iter()
            .max_by(|a, b| a.h.total_cmp(&b.h))
            .expect("bars");
        assert_eq!(tallest.title, "20: 9 (clicked)");
        assert_eq!(c.series, ["all"]);
    }

    #[test]
    fn labels() {
        assert_eq!(group_label(&GroupKey::default()), "all");
        let k = GroupKey {
            variant: Some("B".into()),
            segment: Some(String::new()),
            channel: None,
        };
        assert_eq!(group_label(&k), "B · (none)");
        assert_eq!(percent(0.1234), "12 %");
        assert_eq!(percent(0.0123), "1.2 %");
    }
}
