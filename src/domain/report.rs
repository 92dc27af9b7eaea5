//! What operators read from a campaign's rollups: the funnel per group with Wilson
//! intervals, costs, values and the input-output ratio; the comparison of two variants,
//! segments or channels at a step; the timing tables; the retention cohorts; and the
//! follow-up rule.
//!
//! Every function takes the counter rows ([`Key`], [`Counts`]) as the store
//! returns them and does no I/O. Money stays integer: totals in minor units, amounts per
//! unit rounded to the nearest minor unit (half away from zero), the input-output ratio in
//! basis points (value ÷ cost × 10,000).

use std::collections::BTreeMap;

use serde::Serialize;

use super::campaign::{Campaign, Channel};
use super::problem::Problem;
use super::rollup::{
    Axis, Counts, Group, Key, Recipient, CLICKED, DELAY_LABELS, LOGIN, SENT, UNKNOWN_HOUR,
};
use super::stats::{diff_interval, sample_size_per_arm, still_needed, wilson, z_test, Interval};
use super::time::UnixMs;

/// A dimension funnels are cut by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dim {
    Variant,
    Segment,
    Channel,
}

impl Dim {
    pub fn parse(s: &str) -> Option<Dim> {
        match s {
            "variant" => Some(Dim::Variant),
            "segment" => Some(Dim::Segment),
            "channel" => Some(Dim::Channel),
            _ => None,
        }
    }
}

/// Parses `by=variant,segment`: each dimension at most once; empty for the campaign total.
pub fn parse_by(s: &str) -> Result<Vec<Dim>, Problem> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let d = Dim::parse(part).ok_or_else(|| {
            Problem::invalid("by", "variant, segment or channel, comma-separated")
        })?;
        if out.contains(&d) {
            return Err(Problem::invalid("by", "a dimension is named twice"));
        }
        out.push(d);
    }
    Ok(out)
}

/// A group's key: the dimensions asked for; absent ones are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GroupKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

impl GroupKey {
    fn of(g: &Group, by: &[Dim]) -> GroupKey {
        GroupKey {
            variant: by.contains(&Dim::Variant).then(|| g.variant.clone()),
            segment: by.contains(&Dim::Segment).then(|| g.segment.clone()),
            channel: by.contains(&Dim::Channel).then_some(g.channel),
        }
    }
}

/// A proportion with its 95 % Wilson interval (`None`s when the denominator is 0).
///
/// Steps are not nested: the app may report a login for a recipient no landing page saw, so a
/// rate over the step before can exceed 1. It is then given as it is, without an interval
/// (the numerator is not a subset of the denominator).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub num: u64,
    pub den: u64,
    pub rate: Option<f64>,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

impl Rate {
    pub fn of(num: u64, den: u64) -> Rate {
        let ci = (num <= den).then(|| wilson(num, den)).flatten();
        Rate {
            num,
            den,
            rate: (den > 0).then(|| num as f64 / den as f64),
            lo: ci.map(|c| c.lo),
            hi: ci.map(|c| c.hi),
        }
    }
}

/// `num / den` rounded to the nearest integer, halves away from zero; `None` for `den` 0.
pub fn div_round(num: i128, den: i128) -> Option<i64> {
    if den == 0 {
        return None;
    }
    let (n, d) = if den < 0 { (-num, -den) } else { (num, den) };
    let q = if n >= 0 {
        (n + d / 2) / d
    } else {
        -((-n + d / 2) / d)
    };
    i64::try_from(q).ok()
}

/// One step of a group's funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepLine {
    pub step: String,
    /// Recipients who reached the step (attributed, human).
    pub unique: u64,
    /// Human occurrences (clicks, page views, conversions), attributed.
    pub human: u64,
    pub bot: u64,
    /// Conversions outside their attribution window: kept, not counted above.
    pub late: u64,
    pub value_minor: i64,
    pub from_sends: Rate,
    /// Over the step before (`None` for `sent`).
    pub from_previous: Option<Rate>,
}

/// Cost, value and their ratios for a group, in the campaign's currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Money {
    pub currency: String,
    /// Sum of the costs of priced sends.
    pub cost_minor: i64,
    /// Sends without a known cost: the ratios below are `None` while any exist.
    pub unpriced_sends: u64,
    pub cost_per_click: Option<i64>,
    pub cost_per_login: Option<i64>,
    pub cost_per_loan: Option<i64>,
    /// Value of the goal step (the funnel's last, `loan` by default).
    pub value_minor: i64,
    pub value_per_send: Option<i64>,
    pub value_per_click: Option<i64>,
    pub value_per_login: Option<i64>,
    /// value ÷ cost in basis points (15000 = 1.5 returned per unit spent).
    pub io_ratio_bp: Option<i64>,
}

/// A group's funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelGroup {
    pub key: GroupKey,
    pub sends: u64,
    pub human_clicks: u64,
    pub bot_clicks: u64,
    pub unique_clickers: u64,
    pub steps: Vec<StepLine>,
    pub money: Money,
}

fn u(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Sums the funnel rows per group key and step.
fn funnel_sums(rows: &[(Key, Counts)], by: &[Dim]) -> BTreeMap<GroupKey, BTreeMap<String, Counts>> {
    let mut out: BTreeMap<GroupKey, BTreeMap<String, Counts>> = BTreeMap::new();
    for (k, c) in rows {
        if let Key::Funnel { group, step } = k {
            out.entry(GroupKey::of(group, by))
                .or_default()
                .entry(step.clone())
                .or_default()
                .apply(c);
        }
    }
    out
}

/// The funnel per group (by the dimensions in `by`; the campaign total when empty), steps
/// in the campaign's order.
pub fn funnel(campaign: &Campaign, rows: &[(Key, Counts)], by: &[Dim]) -> Vec<FunnelGroup> {
    funnel_sums(rows, by)
        .into_iter()
        .map(|(key, steps)| group_funnel(campaign, key, &steps))
        .collect()
}

fn group_funnel(
    campaign: &Campaign,
    key: GroupKey,
    sums: &BTreeMap<String, Counts>,
) -> FunnelGroup {
    let get = |s: &str| sums.get(s).copied().unwrap_or_default();
    let sent = get(SENT);
    let clicks = get(CLICKED);
    let sends = u(sent.uniq);
    let mut lines = Vec::with_capacity(campaign.steps.len());
    let mut previous: Option<u64> = None;
    for step in &campaign.steps {
        let c = get(step.as_str());
        let unique = u(c.uniq);
        lines.push(StepLine {
            step: step.as_str().to_owned(),
            unique,
            human: u(c.raw),
            bot: u(c.bot),
            late: u(c.late),
            value_minor: c.value_minor,
            from_sends: Rate::of(unique, sends),
            from_previous: previous.map(|p| Rate::of(unique, p)),
        });
        previous = Some(unique);
    }
    let in_funnel = |s: &str| campaign.step_index(s).map(|_| u(get(s).uniq));
    let priced = sent.unpriced == 0;
    let cost = i128::from(sent.cost_minor);
    let per = |total: i128, count: Option<u64>| count.and_then(|n| div_round(total, i128::from(n)));
    let cost_per = |count: Option<u64>| if priced { per(cost, count) } else { None };
    let goal = campaign
        .steps
        .last()
        .map_or(0, |s| get(s.as_str()).value_minor);
    let value = i128::from(goal);
    let human_clicks = u(clicks.raw);
    FunnelGroup {
        key,
        sends,
        human_clicks,
        bot_clicks: u(clicks.bot),
        unique_clickers: u(clicks.uniq),
        steps: lines,
        money: Money {
            currency: campaign.currency.as_str().to_owned(),
            cost_minor: sent.cost_minor,
            unpriced_sends: u(sent.unpriced),
            cost_per_click: cost_per(Some(human_clicks)),
            cost_per_login: cost_per(in_funnel(LOGIN)),
            cost_per_loan: cost_per(in_funnel("loan")),
            value_minor: goal,
            value_per_send: per(value, Some(sends)),
            value_per_click: per(value, Some(human_clicks)),
            value_per_login: per(value, in_funnel(LOGIN)),
            io_ratio_bp: if priced {
                div_round(value * 10_000, cost)
            } else {
                None
            },
        },
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    pub label: String,
    pub rate: Rate,
}

/// Arm B against arm A at one step, both over their sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub dim: Dim,
    pub step: String,
    pub a: Arm,
    pub b: Arm,
    /// rate(B) - rate(A).
    pub difference: f64,
    /// 95 % interval of the difference (Newcombe).
    pub interval: Interval,
    pub z: f64,
    pub p_value: f64,
    /// The absolute change the sample size is for.
    pub effect: f64,
    /// Recipients per arm to detect `effect` from A's rate (alpha 0.05, power 0.8).
    pub sample_size_per_arm: Option<u64>,
    /// Sends each arm still needs to reach it.
    pub still_needed: Option<(u64, u64)>,
    /// "B's recall rate is 2.1 points higher, p = 0.03".
    pub sentence: String,
}

/// What operators call the rate of reaching a step from a send.
pub fn rate_name(step: &str) -> String {
    match step {
        CLICKED => "click-through rate".into(),
        LOGIN => "recall rate".into(),
        "loan" => "loan conversion".into(),
        s => format!("{s} rate"),
    }
}

/// `p = 0.03`, `p = 0.004`, `p < 0.001`.
pub fn format_p(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else if p < 0.01 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

/// Compares arms `a` and `b` of dimension `dim` at `step` (over sends). `effect` is the
/// absolute change the sample size is computed for (default one point, 0.01).
pub fn compare(
    campaign: &Campaign,
    rows: &[(Key, Counts)],
    dim: Dim,
    a: &str,
    b: &str,
    step: &str,
    effect: Option<f64>,
) -> Result<Comparison, Problem> {
    if campaign.step_index(step).is_none_or(|i| i == 0) {
        return Err(Problem::invalid(
            "step",
            "not a step of this campaign's funnel after sent",
        ));
    }
    if a == b {
        return Err(Problem::invalid("b", "compare two different groups"));
    }
    let effect = effect.unwrap_or(0.01);
    if !(effect > 0.0 && effect < 1.0) {
        return Err(Problem::invalid(
            "effect",
            "an absolute change between 0 and 1, e.g. 0.02",
        ));
    }
    let sums = funnel_sums(rows, &[dim]);
    let arm = |field: &'static str, label: &str| -> Result<(u64, u64), Problem> {
        let key = GroupKey::of(
            &Group {
                variant: label.to_owned(),
                segment: label.to_owned(),
                channel: Channel::parse(label).unwrap_or(Channel::Sms),
            },
            &[dim],
        );
        if dim == Dim::Channel && Channel::parse(label).is_none() {
            return Err(Problem::invalid(field, "one of sms, email, push, call"));
        }
        let steps = sums.get(&key);
        let n = steps.and_then(|s| s.get(SENT)).map_or(0, |c| u(c.uniq));
        let x = steps.and_then(|s| s.get(step)).map_or(0, |c| u(c.uniq));
        if n == 0 {
            return Err(Problem::invalid(field, "no sends in this group"));
        }
        Ok((x, n))
    };
    let ((xa, na), (xb, nb)) = (arm("a", a)?, arm("b", b)?);
    let (ra, rb) = (Rate::of(xa, na), Rate::of(xb, nb));
    let (pa, pb) = (ra.rate.unwrap_or(0.0), rb.rate.unwrap_or(0.0));
    let test = z_test(xa, na, xb, nb).ok_or_else(Problem::internal)?;
    let interval = diff_interval(xa, na, xb, nb).ok_or_else(Problem::internal)?;
    let size = sample_size_per_arm(pa, effect).or_else(|| sample_size_per_arm(pa, -effect));
    let difference = pb - pa;
    let points = (difference * 100.0).abs();
    let direction = if format!("{points:.1}") == "0.0" {
        "the same as".to_owned()
    } else if difference > 0.0 {
        format!("{points:.1} points higher than")
    } else {
        format!("{points:.1} points lower than")
    };
    let sentence = format!(
        "{b}'s {} is {direction} {a}'s, {}",
        rate_name(step),
        format_p(test.p_value)
    );
    Ok(Comparison {
        dim,
        step: step.to_owned(),
        a: Arm {
            label: a.to_owned(),
            rate: ra,
        },
        b: Arm {
            label: b.to_owned(),
            rate: rb,
        },
        difference,
        interval,
        z: test.z,
        p_value: test.p_value,
        effect,
        sample_size_per_arm: size,
        still_needed: size.map(|s| still_needed(s, na, nb)),
        sentence,
    })
}

/// One bucket of a timing table: unique recipients per step (campaign order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingRow {
    /// `00`-`23`, `unknown` (send time not in the ledger), or a delay label (`1-3h`).
    pub bucket: String,
    pub steps: Vec<(String, u64)>,
    /// Unique clickers over sends in this bucket (send-hour table only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub click_through: Option<Rate>,
}

fn bucket_label(axis: Axis, b: u8) -> String {
    match axis {
        Axis::Delay => DELAY_LABELS
            .get(usize::from(b))
            .copied()
            .unwrap_or("?")
            .to_owned(),
        _ if b == UNKNOWN_HOUR => "unknown".into(),
        _ => format!("{b:02}"),
    }
}

/// A timing table of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingTable {
    pub key: GroupKey,
    pub axis: Axis,
    pub rows: Vec<TimingRow>,
}

/// The timing tables of one axis per group (`by`; one table for the campaign when empty):
/// every hour 00-23 (and `unknown` when some sends have no time), or every delay bucket, in
/// order.
pub fn timing(
    campaign: &Campaign,
    rows: &[(Key, Counts)],
    axis: Axis,
    by: &[Dim],
) -> Vec<TimingTable> {
    type Buckets<'a> = BTreeMap<u8, BTreeMap<&'a str, u64>>;
    let mut groups: BTreeMap<GroupKey, Buckets<'_>> = BTreeMap::new();
    for (k, c) in rows {
        if let Key::Timing {
            group,
            axis: a,
            bucket,
            step,
        } = k
        {
            if *a == axis {
                *groups
                    .entry(GroupKey::of(group, by))
                    .or_default()
                    .entry(*bucket)
                    .or_default()
                    .entry(step.as_str())
                    .or_default() += u(c.uniq);
            }
        }
    }
    let wanted: Vec<&str> = campaign
        .steps
        .iter()
        .map(|s| s.as_str())
        .filter(|s| axis == Axis::SendHour || *s != SENT)
        .collect();
    groups
        .into_iter()
        .map(|(key, sums)| {
            let buckets: Vec<u8> = match axis {
                Axis::Delay => (0..DELAY_LABELS.len() as u8).collect(),
                _ if sums.contains_key(&UNKNOWN_HOUR) => (0..=UNKNOWN_HOUR).collect(),
                _ => (0..UNKNOWN_HOUR).collect(),
            };
            let rows = buckets
                .into_iter()
                .map(|b| {
                    let got = sums.get(&b);
                    let n = |s: &str| got.and_then(|m| m.get(s)).copied().unwrap_or(0);
                    TimingRow {
                        bucket: bucket_label(axis, b),
                        steps: wanted.iter().map(|s| ((*s).to_owned(), n(s))).collect(),
                        click_through: (axis == Axis::SendHour)
                            .then(|| Rate::of(n(CLICKED), n(SENT))),
                    }
                })
                .collect();
            TimingTable { key, axis, rows }
        })
        .collect()
}

/// Retention of recalled recipients in one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionRow {
    pub key: GroupKey,
    /// Recipients recalled (a first attributed login).
    pub recalled: u64,
    /// Of those, logged in again on days 1-7, 8-14, 15-30 after the recall.
    pub days_1_7: Rate,
    pub days_8_14: Rate,
    pub days_15_30: Rate,
}

/// The retention cohorts per group.
pub fn retention(rows: &[(Key, Counts)], by: &[Dim]) -> Vec<RetentionRow> {
    let mut sums: BTreeMap<GroupKey, [u64; 4]> = BTreeMap::new();
    for (k, c) in rows {
        if let Key::Retention { group, bucket } = k {
            if let Some(slot) = sums
                .entry(GroupKey::of(group, by))
                .or_default()
                .get_mut(usize::from(*bucket))
            {
                *slot += u(c.uniq);
            }
        }
    }
    sums.into_iter()
        .map(|(key, [r, d1, d2, d3])| RetentionRow {
            key,
            recalled: r,
            days_1_7: Rate::of(d1, r),
            days_8_14: Rate::of(d2, r),
            days_15_30: Rate::of(d3, r),
        })
        .collect()
}

/// Longest follow-up delay accepted (`after=`): 90 days.
pub const MAX_AFTER_MS: u64 = 90 * 86_400_000;

/// Parses a follow-up delay: a whole number and a unit, `90m`, `72h`, `3d`.
pub fn parse_after(s: &str) -> Result<u64, Problem> {
    let bad = || Problem::invalid("after", "a whole number with m, h or d, e.g. 3d or 72h");
    let (num, unit) = s.split_at(s.len().saturating_sub(1));
    let unit_ms = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    if num.is_empty() || num.len() > 6 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let ms = num.parse::<u64>().map_err(|_| bad())? * unit_ms;
    if ms == 0 || ms > MAX_AFTER_MS {
        return Err(Problem::invalid("after", "between 1 minute and 90 days"));
    }
    Ok(ms)
}

/// The follow-up rule: sent at least `after_ms` before `now`, and the step not reached.
/// A recipient whose send time is unknown is never due (nobody knows when it was sent).
pub fn needs_follow_up(sent_at: Option<UnixMs>, reached: bool, now: UnixMs, after_ms: u64) -> bool {
    !reached && sent_at.is_some_and(|t| t.saturating_add(after_ms) <= now)
}

/// The resume cursor of a follow-up list: the last recipient returned (`{link}.{seq}`;
/// codes never hold a dot).
pub fn follow_up_cursor(r: &Recipient) -> String {
    format!("{}.{}", r.link, r.seq)
}

/// Parses a cursor made by [`follow_up_cursor`].
pub fn parse_follow_up_cursor(s: &str) -> Result<Recipient, Problem> {
    let bad = || Problem::invalid("cursor", "not a cursor this list returned");
    let (link, seq) = s.rsplit_once('.').ok_or_else(bad)?;
    let code = super::code::ShortCode::parse(link).map_err(|_| bad())?;
    let seq = seq.parse::<u64>().map_err(|_| bad())?;
    Ok(Recipient {
        link: code.as_str().to_owned(),
        seq,
    })
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
