//! `wakelink funnel`: a campaign's funnel per variant, segment or channel: sends, clicks, each
//! step's unique recipients with its rate from sends (95 % Wilson interval) and from the step
//! before, then the money: cost, value and their ratios, in the campaign's currency on a
//! terminal (`1,234.56`), in integer minor units in CSV and JSON.

use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use wakelink::domain::money::format_amount;

use crate::operator::{cell, print_json, print_table, render, segment, Operator, Output, Target};
use crate::Fail;

#[derive(Args)]
pub(crate) struct FunnelArgs {
    /// The campaign (the label its links carry).
    campaign: String,
    /// Cut by: variant, segment, channel, or several comma-separated (none: the campaign).
    #[arg(long, default_value = "")]
    by: String,
    #[command(flatten)]
    target: Target,
}

/// A rate as a percentage with two decimals, `-` when there is no denominator.
pub(crate) fn percent(v: Option<&Value>) -> String {
    match v.and_then(Value::as_f64) {
        Some(f) => format!("{:.2}%", f * 100.0),
        None => String::from("-"),
    }
}

/// `[lo, hi]` of a rate, as percentages.
pub(crate) fn interval(r: Option<&Value>) -> String {
    match (
        r.and_then(|r| r.get("lo")).and_then(Value::as_f64),
        r.and_then(|r| r.get("hi")).and_then(Value::as_f64),
    ) {
        (Some(lo), Some(hi)) => format!("[{:.2}%, {:.2}%]", lo * 100.0, hi * 100.0),
        _ => String::from("-"),
    }
}

/// A group's key as one cell: `A/dormant-90d/sms`, `all` for the campaign.
pub(crate) fn group(g: &Value) -> String {
    let key = g.get("key");
    let parts: Vec<String> = ["variant", "segment", "channel"]
        .iter()
        .filter_map(|d| key.and_then(|k| k.get(*d)).map(|v| cell(Some(v))))
        .collect();
    if parts.is_empty() {
        String::from("all")
    } else {
        parts.join("/")
    }
}

/// value ÷ cost from basis points, exactly: 15000 -> `1.5000`.
fn ratio(bp: Option<&Value>) -> String {
    match bp.and_then(Value::as_i64) {
        Some(b) => {
            let sign = if b < 0 { "-" } else { "" };
            let b = b.unsigned_abs();
            format!("{sign}{}.{:04}", b / 10_000, b % 10_000)
        }
        None => String::from("-"),
    }
}

/// An amount in minor units as the currency writes it, without the code: `1,234.56`.
fn money(v: Option<&Value>, currency: &str) -> String {
    v.and_then(Value::as_i64)
        .map_or_else(|| String::from("-"), |m| format_amount(m, currency))
}

const STEPS: [&str; 7] = [
    "GROUP",
    "STEP",
    "UNIQUE",
    "FROM SENDS",
    "95% CI",
    "FROM PREVIOUS",
    "VALUE",
];

const MONEY: [&str; 14] = [
    "GROUP",
    "SENDS",
    "HUMAN CLICKS",
    "BOT CLICKS",
    "UNIQUE CLICKERS",
    "COST",
    "COST/CLICK",
    "COST/LOGIN",
    "COST/LOAN",
    "VALUE",
    "VALUE/SEND",
    "VALUE/CLICK",
    "VALUE/LOGIN",
    "VALUE/COST",
];

const MONEY_FIELDS: [&str; 8] = [
    "cost_per_click",
    "cost_per_login",
    "cost_per_loan",
    "value_minor",
    "value_per_send",
    "value_per_click",
    "value_per_login",
    "io_ratio_bp",
];

fn step_rows(groups: &[Value], currency: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for g in groups {
        for s in g
            .get("steps")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            rows.push(vec![
                group(g),
                cell(s.get("step")),
                cell(s.get("unique")),
                percent(s.get("from_sends").and_then(|r| r.get("rate"))),
                interval(s.get("from_sends")),
                percent(s.get("from_previous").and_then(|r| r.get("rate"))),
                money(s.get("value_minor"), currency),
            ]);
        }
    }
    rows
}

fn money_rows(groups: &[Value], currency: &str) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            let m = g.get("money");
            let f = |k: &str| m.and_then(|m| m.get(k));
            let mut row = vec![
                group(g),
                cell(g.get("sends")),
                cell(g.get("human_clicks")),
                cell(g.get("bot_clicks")),
                cell(g.get("unique_clickers")),
                money(f("cost_minor"), currency),
            ];
            row.extend(MONEY_FIELDS[..7].iter().map(|k| money(f(k), currency)));
            row.push(ratio(f("io_ratio_bp")));
            row
        })
        .collect()
}

/// One wide CSV row per group: counts, then per step its unique count and rates (the API's
/// numbers as they are), then the money.
fn csv_table(groups: &[Value]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = [
        "group",
        "sends",
        "human_clicks",
        "bot_clicks",
        "unique_clickers",
    ]
    .map(String::from)
    .to_vec();
    let steps: Vec<String> = groups
        .first()
        .and_then(|g| g.get("steps"))
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|s| cell(s.get("step"))).collect())
        .unwrap_or_default();
    for s in &steps {
        for c in [
            "unique",
            "from_sends",
            "lo",
            "hi",
            "from_previous",
            "value_minor",
        ] {
            header.push(format!("{s}_{c}"));
        }
    }
    header.push("cost_minor".into());
    header.push("unpriced_sends".into());
    header.extend(MONEY_FIELDS.iter().map(|s| s.to_string()));
    let rows = groups
        .iter()
        .map(|g| {
            let mut row: Vec<String> = ["sends", "human_clicks", "bot_clicks", "unique_clickers"]
                .iter()
                .map(|k| cell(g.get(*k)))
                .collect();
            row.insert(0, group(g));
            let lines = g.get("steps").and_then(Value::as_array);
            for name in &steps {
                let s = lines.and_then(|l| l.iter().find(|s| cell(s.get("step")) == *name));
                let get = |k: &str| s.and_then(|s| s.get(k));
                let rate = |r: Option<&Value>, k: &str| {
                    r.and_then(|r| r.get(k)).map_or(String::new(), |v| match v {
                        Value::Null => String::new(),
                        v => v.to_string(),
                    })
                };
                row.push(cell(get("unique")));
                row.push(rate(get("from_sends"), "rate"));
                row.push(rate(get("from_sends"), "lo"));
                row.push(rate(get("from_sends"), "hi"));
                row.push(rate(get("from_previous"), "rate"));
                row.push(cell(get("value_minor")));
            }
            let m = g.get("money");
            for k in ["cost_minor", "unpriced_sends"]
                .iter()
                .chain(MONEY_FIELDS.iter())
            {
                row.push(match m.and_then(|m| m.get(*k)) {
                    None | Some(Value::Null) => String::new(),
                    Some(v) => v.to_string(),
                });
            }
            row
        })
        .collect();
    (header, rows)
}

pub(crate) fn funnel(args: FunnelArgs) -> Result<ExitCode, Fail> {
    let t = &args.target;
    let path = format!(
        "/api/v1/campaigns/{}/funnel?by={}",
        segment(&args.campaign),
        segment(&args.by)
    );
    let answer = Operator::new(t)?
        .call("GET", &path, None)?
        .unwrap_or(Value::Null);
    let groups = answer
        .get("groups")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match t.output() {
        Output::Json => print_json(&answer)?,
        Output::Csv => {
            let (header, rows) = csv_table(&groups);
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            render(t, &header, &rows, &answer)?;
        }
        Output::Table => {
            let currency = answer
                .get("currency")
                .and_then(Value::as_str)
                .unwrap_or("XXX");
            print_table(&STEPS, &step_rows(&groups, currency))?;
            println!();
            println!("money in {currency}:");
            print_table(&MONEY, &money_rows(&groups, currency))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells() {
        assert_eq!(ratio(Some(&json!(15000))), "1.5000");
        assert_eq!(ratio(Some(&json!(-5))), "-0.0005");
        assert_eq!(money(Some(&json!(123456)), "CNY"), "1,234.56");
        assert_eq!(money(Some(&json!(-5)), "CNY"), "-0.05");
        assert_eq!(money(Some(&json!(1200)), "JPY"), "1,200");
        assert_eq!(money(None, "CNY"), "-");
        assert_eq!(ratio(Some(&json!(null))), "-");
        assert_eq!(percent(Some(&json!(0.125))), "12.50%");
        assert_eq!(
            interval(Some(&json!({"lo": 0.1, "hi": 0.2}))),
            "[10.00%, 20.00%]"
        );
        assert_eq!(
            group(&json!({"key": {"variant": "A", "channel": "sms"}})),
            "A/sms"
        );
        assert_eq!(group(&json!({"key": {}})), "all");
    }
}
