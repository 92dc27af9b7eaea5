//! `wakelink compare`: two variants (segments, channels) of a campaign at one step: each
//! arm's rate with its interval, the difference with its interval, the z-test's p-value, the
//! sample size still needed, and the sentence an operator reads.

use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use crate::funnel::{interval, percent};
use crate::operator::{cell, render, segment, Operator, Target};
use crate::Fail;

#[derive(Args)]
pub(crate) struct CompareArgs {
    /// The campaign (the label its links carry).
    campaign: String,
    /// Arm A: a variant (or segment, channel with --by).
    #[arg(long)]
    a: String,
    /// Arm B.
    #[arg(long)]
    b: String,
    /// The step both arms are compared at.
    #[arg(long, default_value = "login")]
    step: String,
    /// What the arms are: variant, segment or channel.
    #[arg(long, default_value = "variant")]
    by: String,
    /// The absolute change to size the test for, e.g. 0.02 (default: the API's).
    #[arg(long)]
    effect: Option<f64>,
    #[command(flatten)]
    target: Target,
}

fn number(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::from("-"),
        Some(v) => v.to_string(),
    }
}

fn rows(c: &Value) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for arm in ["a", "b"] {
        let a = c.get(arm);
        let r = a.and_then(|a| a.get("rate"));
        let get = |k: &str| r.and_then(|r| r.get(k));
        let label = cell(a.and_then(|a| a.get("label")));
        rows.push(vec![format!("{arm}: {label} sends"), cell(get("den"))]);
        rows.push(vec![
            format!("{arm}: {label} reached {}", cell(c.get("step"))),
            cell(get("num")),
        ]);
        rows.push(vec![
            format!("{arm}: {label} rate (95% CI)"),
            format!("{} {}", percent(get("rate")), interval(r)),
        ]);
    }
    let diff = c.get("difference").and_then(Value::as_f64);
    rows.push(vec![
        "difference b - a (points)".into(),
        diff.map_or("-".into(), |d| format!("{:.2}", d * 100.0)),
    ]);
    rows.push(vec![
        "difference 95% CI (points)".into(),
        match (
            c.pointer("/interval/lo").and_then(Value::as_f64),
            c.pointer("/interval/hi").and_then(Value::as_f64),
        ) {
            (Some(lo), Some(hi)) => format!("[{:.2}, {:.2}]", lo * 100.0, hi * 100.0),
            _ => "-".into(),
        },
    ]);
    rows.push(vec!["z".into(), number(c.get("z"))]);
    rows.push(vec!["p-value".into(), number(c.get("p_value"))]);
    rows.push(vec!["effect sized for".into(), number(c.get("effect"))]);
    rows.push(vec![
        "sample size per arm".into(),
        number(c.get("sample_size_per_arm")),
    ]);
    let needed = c.get("still_needed").and_then(Value::as_array);
    rows.push(vec![
        "sends still needed a, b".into(),
        match needed {
            Some(n) => n
                .iter()
                .map(|v| number(Some(v)))
                .collect::<Vec<_>>()
                .join(", "),
            None => "-".into(),
        },
    ]);
    rows.push(vec!["in words".into(), cell(c.get("sentence"))]);
    rows
}

pub(crate) fn compare(args: CompareArgs) -> Result<ExitCode, Fail> {
    let mut path = format!(
        "/api/v1/campaigns/{}/compare?by={}&a={}&b={}&step={}",
        segment(&args.campaign),
        segment(&args.by),
        segment(&args.a),
        segment(&args.b),
        segment(&args.step)
    );
    if let Some(e) = args.effect {
        path.push_str(&format!("&effect={e}"));
    }
    let c = Operator::new(&args.target)?
        .call("GET", &path, None)?
        .unwrap_or(Value::Null);
    render(&args.target, &["FIELD", "VALUE"], &rows(&c), &c)?;
    Ok(ExitCode::SUCCESS)
}
