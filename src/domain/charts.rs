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

/// The top of an axis with four equal steps on round numbers (1, 2 or 5 × 10^k) reaching
/// `v`; `whole` keeps the step at 1 or more, for counts. Nothing to show: a scale of 0-1.
pub fn scale_top(v: f64, whole: bool) -> f64 {
    if v.is_nan() || v <= 0.0 || !v.is_finite() {
        return if whole { 4.0 } else { 1.0 };
    }
    let step = nice_ceiling(v / 4.0);
    4.0 * if whole { step.max(1.0) } else { step }
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
    whole: bool,
) -> Chart {
    let mut top_value: f64 = 0.0;
    for c in 0..categories.len() {
        for s in 0..series.len() {
            if let Some((v, ci, _)) = value(c, s) {
                top_value = top_value.max(v).max(ci.map_or(0.0, |(_, hi)| hi));
            }
        }
    }
    let max = scale_top(top_value, whole);
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
        false,
    )
}

/// One horizontal bar of the funnel. `whisker` is the interval as (x of its lower end, x of
/// its upper end); `label` is the text beside the plot (`123 · 41.3 %`).
#[derive(Debug, Clone, PartialEq)]
pub struct HBar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub series: usize,
    pub whisker: Option<(f64, f64)>,
    pub title: String,
    pub label: String,
}

/// The funnel as horizontal bars: one band per step after `sent`, one bar per group in it.
#[derive(Debug, Clone, PartialEq)]
pub struct HChart {
    pub width: f64,
    pub height: f64,
    pub bars: Vec<HBar>,
    /// Step names left of their band: (y of the band's middle, text).
    pub y_labels: Vec<(f64, String)>,
    /// Grid lines across the plot: (x, text under it).
    pub x_ticks: Vec<(f64, String)>,
    pub series: Vec<String>,
    /// The plot's left edge, top, bottom, and the x of the labels right of it.
    pub left: f64,
    pub top: f64,
    pub bottom: f64,
    pub label_x: f64,
}

const H_LEFT: f64 = 112.0;
const H_RIGHT: f64 = 150.0;
const H_BAR: f64 = 14.0;
const H_ROW: f64 = 18.0;
const H_GAP: f64 = 12.0;
const H_AXIS: f64 = 22.0;

/// The funnel as horizontal bars: a band per step after `sent`, in the campaign's order, a
/// bar per group (its length the rate from sends, its whisker the 95 % Wilson interval), the
/// unique count and rate written beside it. The scale is a round number just above the
/// largest rate or interval end, so small steps stay visible.
pub fn funnel_hbars(groups: &[FunnelGroup]) -> HChart {
    let steps: Vec<&str> = groups
        .first()
        .map(|g| {
            g.steps
                .iter()
                .map(|s| s.step.as_str())
                .filter(|s| *s != "sent")
                .collect()
        })
        .unwrap_or_default();
    let series: Vec<String> = groups.iter().map(|g| group_label(&g.key)).collect();
    let line = |g: &FunnelGroup, step: &str| g.steps.iter().find(|l| l.step == step).cloned();
    let mut top_value: f64 = 0.0;
    for g in groups {
        for s in &steps {
            if let Some(l) = line(g, s) {
                let r = l.from_sends;
                top_value = top_value
                    .max(r.rate.unwrap_or(0.0))
                    .max(r.hi.unwrap_or(0.0));
            }
        }
    }
    let max = scale_top(top_value, false).min(1.0);
    let plot_w = WIDTH - H_LEFT - H_RIGHT;
    let x_of = |v: f64| round1(H_LEFT + (v / max).clamp(0.0, 1.0) * plot_w);
    let band = H_ROW * groups.len().max(1) as f64 + H_GAP;
    let mut bars = Vec::new();
    let mut y_labels = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let band_top = TOP + band * i as f64;
        y_labels.push((round1(band_top + (band - H_GAP) / 2.0), (*step).to_owned()));
        for (s, g) in groups.iter().enumerate() {
            let Some(l) = line(g, step) else { continue };
            let r = l.from_sends;
            let rate = r.rate.unwrap_or(0.0);
            let y = round1(band_top + H_ROW * s as f64 + (H_ROW - H_BAR) / 2.0);
            let ci = r.lo.zip(r.hi);
            let interval = ci.map_or(String::new(), |(lo, hi)| {
                format!(" (95 % interval {}–{})", percent(lo), percent(hi))
            });
            let previous = l
                .from_previous
                .and_then(|p| p.rate)
                .map_or(String::new(), |p| {
                    format!(", {} of the step before", percent(p))
                });
            bars.push(HBar {
                x: H_LEFT,
                y,
                w: round1(x_of(rate) - H_LEFT),
                h: H_BAR,
                series: s,
                whisker: ci.map(|(lo, hi)| (x_of(lo), x_of(hi))),
                title: format!(
                    "{} · {step}: {} of {} sends, {}{interval}{previous}",
                    series[s],
                    l.unique,
                    r.den,
                    percent(rate)
                ),
                label: format!("{} · {}", l.unique, percent(rate)),
            });
        }
    }
    let bottom = round1(TOP + band * steps.len() as f64 - H_GAP / 2.0);
    let x_ticks = (0..=4)
        .map(|i| {
            let v = max * f64::from(i) / 4.0;
            (x_of(v), percent(v))
        })
        .collect();
    HChart {
        width: WIDTH,
        height: round1(bottom + H_AXIS),
        bars,
        y_labels,
        x_ticks,
        series,
        left: H_LEFT,
        top: TOP,
        bottom,
        label_x: WIDTH - H_RIGHT + 8.0,
    }
}

/// One step's unique recipients per bucket of a timing table: per hour (00-23, then
/// `unknown` if there) or per send-to-click delay.
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
        true,
    )
}

/// Click-through by hour of the send: per hour with sends, unique clickers over sends as a
/// bar with its 95 % Wilson interval (hours without sends have no bar).
pub fn send_hour_chart(table: &TimingTable) -> Chart {
    let categories: Vec<String> = table.rows.iter().map(|r| r.bucket.clone()).collect();
    grouped(
        categories,
        vec![group_label(&table.key)],
        |c, _| {
            let row = &table.rows[c];
            let r = row.click_through?;
            let rate = r.rate?;
            let title = format!(
                "sent at {}: {} of {} clicked, {}",
                row.bucket,
                r.num,
                r.den,
                percent(rate)
            );
            Some((rate, r.lo.zip(r.hi), title))
        },
        percent,
        false,
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
    fn horizontal_funnel_bands_per_step_with_a_bar_per_group() {
        let mut b = group("B", 40, 10);
        b.steps[2].from_previous = Some(Rate::of(10, 40));
        let c = funnel_hbars(&[group("A", 20, 5), b]);
        assert_eq!(c.series, ["A", "B"]);
        let steps: Vec<&str> = c.y_labels.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(steps, ["clicked", "login"]);
        assert_eq!(c.bars.len(), 4);
        // Scale: four steps of 20 % (B's clicks reach 40 %, their interval about 50 %).
        let ticks: Vec<&str> = c.x_ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(ticks, ["0.0 %", "20 %", "40 %", "60 %", "80 %"]);
        let (a, b) = (&c.bars[0], &c.bars[1]);
        assert_eq!((a.series, b.series), (0, 1));
        assert!((b.w - 2.0 * a.w).abs() <= 0.2, "{} {}", a.w, b.w);
        assert!(a.y < b.y, "groups stacked within a band");
        assert!(c.bars[2].y > b.y + b.h, "next step below");
        let (lo, hi) = b.whisker.expect("interval");
        assert!(lo < b.x + b.w && b.x + b.w < hi);
        assert_eq!(b.label, "40 · 40 %");
        assert!(
            c.bars[3]
                .title
                .starts_with("B · login: 10 of 100 sends, 10 % (95 % interval"),
            "{}",
            c.bars[3].title
        );
        assert!(c.bars[3].title.ends_with(", 25 % of the step before"));
        assert!(c
            .bars
            .iter()
            .all(|b| b.y + b.h <= c.bottom && c.bottom < c.height));
        assert!(c.bars.iter().all(|b| b.x + b.w <= c.label_x));
    }

    #[test]
    fn horizontal_funnel_of_nothing_is_empty() {
        let c = funnel_hbars(&[]);
        assert!(c.bars.is_empty() && c.y_labels.is_empty());
        let mut g = group("A", 0, 0);
        g.sends = 0;
        for l in &mut g.steps {
            l.from_sends = Rate::of(0, 0);
        }
        let c = funnel_hbars(&[g]);
        assert_eq!(c.bars.len(), 2);
        assert!(c.bars.iter().all(|b| b.w == 0.0 && b.whisker.is_none()));
    }

    #[test]
    fn scales_step_on_round_numbers_and_counts_on_whole_ones() {
        for (v, whole, want) in [
            (0.0, true, 4.0),
            (0.0, false, 1.0),
            (2.0, true, 4.0),
            (9.0, true, 20.0),
            (141.0, true, 200.0),
            (0.79, false, 0.8),
            (0.4, false, 0.4),
            (0.07, false, 0.08),
        ] {
            assert!(
                (scale_top(v, whole) - want).abs() < 1e-9,
                "{v}: {}",
                scale_top(v, whole)
            );
        }
        // Small counts: every tick a different whole number.
        let rows = (0..24)
            .map(|h| TimingRow {
                bucket: format!("{h:02}"),
                steps: vec![("clicked".into(), if h == 23 { 2 } else { 0 })],
                click_through: None,
            })
            .collect();
        let t = TimingTable {
            key: GroupKey::default(),
            axis: Axis::ClickHour,
            rows,
        };
        let ticks: Vec<String> = hour_chart(&t, "clicked")
            .y_ticks
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(ticks, ["0", "1", "2", "3", "4"]);
    }

    #[test]
    fn send_hours_show_click_through_where_there_were_sends() {
        let rows = (0..24)
            .map(|h| TimingRow {
                bucket: format!("{h:02}"),
                steps: vec![],
                click_through: Some(match h {
                    11 => Rate::of(30, 100),
                    20 => Rate::of(10, 100),
                    _ => Rate::of(0, 0),
                }),
            })
            .collect();
        let t = TimingTable {
            key: GroupKey::default(),
            axis: Axis::SendHour,
            rows,
        };
        let c = send_hour_chart(&t);
        assert_eq!(c.x_labels.len(), 24);
        assert_eq!(c.bars.len(), 2);
        assert_eq!(c.bars[0].title, "sent at 11: 30 of 100 clicked, 30 %");
        assert!((c.bars[0].h - 3.0 * c.bars[1].h).abs() <= 0.2);
        assert!(c.bars.iter().all(|b| b.whisker.is_some()));
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
