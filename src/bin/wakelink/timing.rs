//! `wakelink timing`: a campaign's clicks and conversions by hour of the send and of the click
//! (in the campaign's time zone) and by delay from send to click.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::funnel::{group, interval, percent};
use crate::operator::{cell, render, segment, Operator, Target};
use crate::{fail, Fail};

#[derive(Clone, Copy, ValueEnum)]
enum Axis {
    SendHour,
    ClickHour,
    Delay,
}

impl Axis {
    fn field(self) -> &'static str {
        match self {
            Axis::SendHour => "send_hour",
            Axis::ClickHour => "click_hour",
            Axis::Delay => "delay",
        }
    }
}

#[derive(Args)]
pub(crate) struct TimingArgs {
    /// The campaign (the label its links carry).
    campaign: String,
    /// Cut by: variant, segment, channel, or several comma-separated (none: the campaign).
    #[arg(long, default_value = "")]
    by: String,
    /// Which table; all three when not given.
    #[arg(long, value_enum)]
    axis: Option<Axis>,
    #[command(flatten)]
    target: Target,
}

pub(crate) fn timing(args: TimingArgs) -> Result<ExitCode, Fail> {
    let path = format!(
        "/api/v1/campaigns/{}/timing?by={}",
        segment(&args.campaign),
        segment(&args.by)
    );
    let answer = Operator::new(&args.target)?
        .call("GET", &path, None)?
        .unwrap_or(Value::Null);
    let axes = match args.axis {
        Some(a) => vec![a],
        None => vec![Axis::SendHour, Axis::ClickHour, Axis::Delay],
    };
    // The step columns, in the campaign's order, from the first row the answer holds.
    let steps: Vec<String> = axes
        .iter()
        .filter_map(|a| answer.pointer(&format!("/{}/0/rows/0/steps", a.field())))
        .filter_map(Value::as_array)
        .next()
        .map(|s| s.iter().map(|p| cell(p.get(0))).collect())
        .unwrap_or_default();
    let mut header: Vec<String> = ["AXIS", "GROUP", "BUCKET"].map(String::from).to_vec();
    header.extend(steps.iter().map(|s| s.to_uppercase()));
    header.push("CLICK-THROUGH".into());
    header.push("95% CI".into());
    let mut rows = Vec::new();
    for axis in &axes {
        let Some(tables) = answer.get(axis.field()).and_then(Value::as_array) else {
            return fail(format!("GET {path}: the answer has no {}", axis.field()));
        };
        for t in tables {
            for r in t
                .get("rows")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let mut row = vec![axis.field().to_owned(), group(t), cell(r.get("bucket"))];
                let counts = r.get("steps").and_then(Value::as_array);
                for s in &steps {
                    let n = counts
                        .and_then(|c| c.iter().find(|p| cell(p.get(0)) == *s))
                        .and_then(|p| p.get(1));
                    row.push(cell(n));
                }
                let ct = r.get("click_through");
                row.push(percent(ct.and_then(|c| c.get("rate"))));
                row.push(interval(ct));
                rows.push(row);
            }
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    if args.axis.is_none() {
        eprintln!("hours in {}", cell(answer.get("time_zone")));
    }
    render(&args.target, &header, &rows, &answer)?;
    Ok(ExitCode::SUCCESS)
}
