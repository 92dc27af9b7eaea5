//! The dashboard's campaign page (`/admin/campaigns/{campaign}`), as numbers and words ready
//! to print: the funnel per variant, segment or channel with its 95 % intervals, the money
//! per group, the variant and channel comparisons in a sentence, clicks by hour and by delay, retention,
//! and the follow-up count. Built from the same reports the read API answers with
//! (`domain::report`), so the page and the API can't disagree. No I/O; the template escapes
//! every label (operator input) when it prints it.

use super::campaign::Campaign;
use super::charts::{funnel_hbars, group_label, hour_chart, send_hour_chart, Chart, HChart};
use super::money::{format_minor, format_ratio_bp, grouped};
use super::report::{
    compare, format_p, funnel, rate_name, retention, timing, Dim, FunnelGroup, Rate, TimingTable,
};
use super::rollup::{Axis, Counts, Key, CLICKED, LOGIN, SENT};

/// The comparison's step, when the campaign's funnel has it.
pub const COMPARE_STEP: &str = LOGIN;
/// p below this is called significant.
pub const ALPHA: f64 = 0.05;

/// A count with thousands grouped: `12,345`.
pub fn count(n: u64) -> String {
    grouped(u128::from(n))
}

/// A rate with one decimal (`41.3 %`), or `—` without a denominator.
pub fn pct(r: &Rate) -> String {
    r.rate
        .map_or_else(|| "—".into(), |v| format!("{:.1} %", v * 100.0))
}

/// The 95 % interval of a rate (`38.0–44.7 %`), or empty.
pub fn interval(r: &Rate) -> String {
    r.lo.zip(r.hi).map_or_else(String::new, |(lo, hi)| {
        format!("{:.1}–{:.1} %", lo * 100.0, hi * 100.0)
    })
}

/// A delay as operators say it: `3 days`, `36 hours`, `90 minutes`.
pub fn duration(ms: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match ms {
        m if m % 86_400_000 == 0 => plural(m / 86_400_000, "day"),
        m if m % 3_600_000 == 0 => plural(m / 3_600_000, "hour"),
        m => plural(m.div_ceil(60_000), "minute"),
    }
}

/// One step of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub step: String,
    pub unique: u64,
    pub unique_text: String,
    pub sends: u64,
    pub from_sends: String,
    pub interval: String,
    pub from_previous: String,
}

/// One group of the funnel table.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelRow {
    pub label: String,
    pub series: usize,
    pub sends: u64,
    pub human_clicks: u64,
    pub bot_clicks: u64,
    pub cells: Vec<Cell>,
}

/// Money of one group (or the campaign's total), printed; the raw minor units ride along.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyRow {
    pub label: String,
    pub total: bool,
    pub sends: u64,
    pub unpriced: u64,
    pub cost_minor: i64,
    pub value_minor: i64,
    pub cost: String,
    pub cost_per_click: String,
    pub cost_per_login: String,
    pub cost_per_loan: String,
    pub value: String,
    pub value_per_send: String,
    pub value_per_click: String,
    pub value_per_login: String,
    pub io_ratio: String,
}

/// The comparison of the two largest variants (or channels), in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub a: String,
    pub b: String,
    pub significant: bool,
    pub sentence: String,
    /// The rates behind it.
    pub detail: String,
}

/// A bucket of a timing chart's table fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub label: String,
    pub n: u64,
}

/// A bar chart with its table.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub chart: Chart,
    pub rows: Vec<Bucket>,
    pub total: u64,
}

/// One hour of the send-hour table.
#[derive(Debug, Clone, PartialEq)]
pub struct SendHour {
    pub label: String,
    pub sends: u64,
    pub clickers: u64,
    pub rate: String,
    pub interval: String,
}

/// Click-through by hour of the send, to check a belief about the best hours to send.
#[derive(Debug, Clone, PartialEq)]
pub struct SendHours {
    pub chart: Chart,
    pub rows: Vec<SendHour>,
}

fn send_hours(tables: &[TimingTable]) -> SendHours {
    let Some(t) = tables.first() else {
        return SendHours {
            chart: send_hour_chart(&TimingTable {
                key: Default::default(),
                axis: Axis::SendHour,
                rows: Vec::new(),
            }),
            rows: Vec::new(),
        };
    };
    SendHours {
        chart: send_hour_chart(t),
        rows: t
            .rows
            .iter()
            .filter_map(|r| {
                let ct = r.click_through?;
                Some(SendHour {
                    label: r.bucket.clone(),
                    sends: ct.den,
                    clickers: ct.num,
                    rate: pct(&ct),
                    interval: interval(&ct),
                })
            })
            .collect(),
    }
}

/// One retention cohort row.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionLine {
    pub label: String,
    pub recalled: u64,
    /// (returned, rate) for days 1-7, 8-14, 15-30.
    pub cells: Vec<(u64, String)>,
}

/// Everything the campaign page prints.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignView {
    pub by: Dim,
    pub currency: String,
    pub funnel: Vec<FunnelRow>,
    pub funnel_chart: HChart,
    pub money: Vec<MoneyRow>,
    /// The two largest variants compared; a reason when there is nothing to compare.
    pub verdict: Result<Verdict, String>,
    /// The two largest channels compared, likewise.
    pub channel_verdict: Result<Verdict, String>,
    pub click_hours: Histogram,
    pub send_hours: SendHours,
    pub delays: Histogram,
    pub retention: Vec<RetentionLine>,
}

fn money_row(g: &FunnelGroup, label: String, total: bool) -> MoneyRow {
    let m = &g.money;
    let cur = m.currency.as_str();
    let amount = |v: Option<i64>| v.map_or_else(|| "—".into(), |v| format_minor(v, cur));
    MoneyRow {
        label,
        total,
        sends: g.sends,
        unpriced: m.unpriced_sends,
        cost_minor: m.cost_minor,
        value_minor: m.value_minor,
        cost: format_minor(m.cost_minor, cur),
        cost_per_click: amount(m.cost_per_click),
        cost_per_login: amount(m.cost_per_login),
        cost_per_loan: amount(m.cost_per_loan),
        value: format_minor(m.value_minor, cur),
        value_per_send: amount(m.value_per_send),
        value_per_click: amount(m.value_per_click),
        value_per_login: amount(m.value_per_login),
        io_ratio: m.io_ratio_bp.map_or_else(|| "—".into(), format_ratio_bp),
    }
}

fn funnel_row(g: &FunnelGroup, series: usize) -> FunnelRow {
    FunnelRow {
        label: group_label(&g.key),
        series,
        sends: g.sends,
        human_clicks: g.human_clicks,
        bot_clicks: g.bot_clicks,
        cells: g
            .steps
            .iter()
            .map(|l| Cell {
                step: l.step.clone(),
                unique: l.unique,
                unique_text: count(l.unique),
                sends: l.from_sends.den,
                from_sends: pct(&l.from_sends),
                interval: interval(&l.from_sends),
                from_previous: l.from_previous.as_ref().map_or_else(String::new, pct),
            })
            .collect(),
    }
}

fn dim_word(dim: Dim) -> &'static str {
    match dim {
        Dim::Variant => "variant",
        Dim::Segment => "segment",
        Dim::Channel => "channel",
    }
}

/// A comparison at [`COMPARE_STEP`] of the two groups of `dim` with the most sends (ties by
/// label), the one whose label sorts first as A. `groups` is the funnel cut by `dim` alone.
pub fn verdict(
    campaign: &Campaign,
    rows: &[(Key, Counts)],
    groups: &[FunnelGroup],
    dim: Dim,
) -> Result<Verdict, String> {
    let word = dim_word(dim);
    if campaign.step_index(COMPARE_STEP).is_none() {
        return Err(format!(
            "This campaign's funnel has no {COMPARE_STEP} step to compare {word}s at."
        ));
    }
    let mut arms: Vec<(String, u64)> = groups
        .iter()
        .filter(|g| g.sends > 0)
        .map(|g| {
            let k = &g.key;
            let label = match dim {
                Dim::Variant => k.variant.clone(),
                Dim::Segment => k.segment.clone(),
                Dim::Channel => k.channel.map(|c| c.as_str().to_owned()),
            };
            (label.unwrap_or_default(), g.sends)
        })
        .collect();
    arms.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let [(x, _), (y, _), ..] = arms.as_slice() else {
        return Err(format!(
            "Fewer than two {word}s with sends: nothing to compare yet."
        ));
    };
    let (a, b) = if x <= y {
        (x.as_str(), y.as_str())
    } else {
        (y.as_str(), x.as_str())
    };
    let c = compare(campaign, rows, dim, a, b, COMPARE_STEP, None).map_err(|p| p.message)?;
    let name = |l: &str| if l.is_empty() { "(none)" } else { l }.to_owned();
    let detail = format!(
        "{} {}: {} of {} ({}); {} {}: {} of {} ({}); difference {:+.1} points, 95 % interval \
         {:+.1} to {:+.1}.",
        name(a),
        rate_name(COMPARE_STEP),
        count(c.a.rate.num),
        count(c.a.rate.den),
        pct(&c.a.rate),
        name(b),
        rate_name(COMPARE_STEP),
        count(c.b.rate.num),
        count(c.b.rate.den),
        pct(&c.b.rate),
        c.difference * 100.0,
        c.interval.lo * 100.0,
        c.interval.hi * 100.0,
    );
    let significant = c.p_value < ALPHA;
    let points = c.effect * 100.0;
    let sentence = if significant {
        format!("{}.", c.sentence)
    } else {
        match c.still_needed.map(|(na, nb)| na.max(nb)) {
            Some(n) if n > 0 => format!(
                "Not significant yet ({}): about {} more sends per {word} needed to tell a \
                 {points:.0}-point difference in {}.",
                format_p(c.p_value),
                count(n),
                rate_name(COMPARE_STEP)
            ),
            Some(_) => format!(
                "No significant difference ({}), though each {word} has enough sends to \
                 tell a {points:.0}-point difference in {}.",
                format_p(c.p_value),
                rate_name(COMPARE_STEP)
            ),
            None => format!("Not significant yet ({}).", format_p(c.p_value)),
        }
    };
    Ok(Verdict {
        a: name(a),
        b: name(b),
        significant,
        sentence,
        detail,
    })
}

fn histogram(tables: &[TimingTable], step: &str) -> Histogram {
    // `by` is empty: one table for the campaign, or none when nothing was counted.
    let chart = match tables.first() {
        Some(t) => hour_chart(t, step),
        None => hour_chart(
            &TimingTable {
                key: Default::default(),
                axis: Axis::ClickHour,
                rows: Vec::new(),
            },
            step,
        ),
    };
    let rows: Vec<Bucket> = tables
        .first()
        .map(|t| {
            t.rows
                .iter()
                .map(|r| Bucket {
                    label: r.bucket.clone(),
                    n: r.steps
                        .iter()
                        .find(|(s, _)| s == step)
                        .map_or(0, |(_, n)| *n),
                })
                .collect()
        })
        .unwrap_or_default();
    Histogram {
        total: rows.iter().map(|b| b.n).sum(),
        chart,
        rows,
    }
}

/// The campaign page from the store's counter rows: funnel (`f`), timing (`t`) and retention
/// (`r`) rows, cut by `by`.
pub fn campaign_view(
    campaign: &Campaign,
    funnel_rows: &[(Key, Counts)],
    timing_rows: &[(Key, Counts)],
    retention_rows: &[(Key, Counts)],
    by: Dim,
) -> CampaignView {
    let groups = funnel(campaign, funnel_rows, &[by]);
    let totals = funnel(campaign, funnel_rows, &[]);
    let cut = |d: Dim| {
        if d == by {
            groups.clone()
        } else {
            funnel(campaign, funnel_rows, &[d])
        }
    };
    let mut money: Vec<MoneyRow> = groups
        .iter()
        .map(|g| money_row(g, group_label(&g.key), false))
        .collect();
    money.extend(totals.iter().map(|g| money_row(g, "all".into(), true)));
    let timing_of = |axis| timing(campaign, timing_rows, axis, &[]);
    CampaignView {
        by,
        currency: campaign.currency.as_str().to_owned(),
        funnel: groups
            .iter()
            .enumerate()
            .map(|(i, g)| funnel_row(g, i))
            .collect(),
        funnel_chart: funnel_hbars(&groups),
        money,
        verdict: verdict(campaign, funnel_rows, &cut(Dim::Variant), Dim::Variant),
        channel_verdict: verdict(campaign, funnel_rows, &cut(Dim::Channel), Dim::Channel),
        click_hours: histogram(&timing_of(Axis::ClickHour), CLICKED),
        send_hours: send_hours(&timing_of(Axis::SendHour)),
        delays: histogram(&timing_of(Axis::Delay), CLICKED),
        retention: retention(retention_rows, &[by])
            .into_iter()
            .map(|r| RetentionLine {
                label: group_label(&r.key),
                recalled: r.recalled,
                cells: [r.days_1_7, r.days_8_14, r.days_15_30]
                    .iter()
                    .map(|c| (c.num, pct(c)))
                    .collect(),
            })
            .collect(),
    }
}

/// The follow-up step of the page: `login` when the funnel has it, else its last step.
pub fn follow_up_step(campaign: &Campaign) -> String {
    if campaign.step_index(LOGIN).is_some() {
        return LOGIN.into();
    }
    campaign
        .steps
        .last()
        .map_or_else(|| SENT.to_owned(), |s| s.as_str().to_owned())
}

/// The file name of a follow-up download: the campaign id's safe characters only (it goes
/// into a `Content-Disposition` header).
pub fn download_name(campaign: &str, step: &str) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.') {
                    ch
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("follow-ups-{}-{}.csv", safe(campaign), safe(step))
}

/// A campaign id as one URL path segment (`/admin/campaigns/{this}`).
pub fn path_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;
