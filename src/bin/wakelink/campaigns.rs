//! `wakelink campaigns`: campaign records of a deployment: list, get, put (from a JSON file
//! or stdin), delete.

use std::io::Read;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::Value;

use crate::files::open_input;
use crate::operator::{cell, print_json, print_table, render, segment, Operator, Output, Target};
use crate::Fail;

/// Largest campaign file read (the API takes 64 KB).
const MAX_FILE: u64 = 64 * 1024;

#[derive(Args)]
pub(crate) struct CampaignsArgs {
    #[command(subcommand)]
    command: CampaignsCommand,
}

#[derive(Subcommand)]
enum CampaignsCommand {
    /// Every campaign record, in name order.
    List(Target),
    /// One campaign record, defaults filled in.
    Get {
        /// The campaign (the label its links carry).
        campaign: String,
        #[command(flatten)]
        target: Target,
    },
    /// Create or replace a campaign record from its JSON (see docs/openapi.json).
    Put {
        campaign: String,
        /// The record: a JSON file, or - for stdin.
        #[arg(long, default_value = "-")]
        input: String,
        #[command(flatten)]
        target: Target,
    },
    /// Delete a campaign record; its links keep working.
    Delete {
        campaign: String,
        #[command(flatten)]
        target: Target,
    },
}

const LIST_HEADER: [&str; 7] = [
    "CAMPAIGN",
    "NAME",
    "LINKS",
    "STEPS",
    "CURRENCY",
    "TIME ZONE",
    "UPDATED",
];

fn links(c: &Value) -> String {
    match c.get("links") {
        Some(Value::Array(ls)) if !ls.is_empty() => ls
            .iter()
            .map(|l| {
                format!(
                    "{}:{}/{}",
                    cell(l.get("code")),
                    cell(l.get("variant")),
                    cell(l.get("channel"))
                )
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => String::from("-"),
    }
}

fn list_row(c: &Value) -> Vec<String> {
    vec![
        cell(c.get("campaign")),
        cell(c.get("name")),
        links(c),
        cell(c.get("steps")),
        cell(c.get("currency")),
        cell(c.get("time_zone")),
        cell(c.get("updated_at")),
    ]
}

/// One record as two columns, field and value.
fn show(c: &Value) -> Result<(), Fail> {
    let fields = [
        ("campaign", cell(c.get("campaign"))),
        ("name", cell(c.get("name"))),
        ("links", links(c)),
        ("steps", cell(c.get("steps"))),
        (
            "follow-up after",
            format!("{} h", cell(c.get("follow_up_after_hours"))),
        ),
        (
            "attribution window",
            format!("{} h", cell(c.get("attribution_window_hours"))),
        ),
        ("time zone", cell(c.get("time_zone"))),
        ("currency", cell(c.get("currency"))),
        ("default channel", cell(c.get("default_channel"))),
        ("cost per send", cell(c.get("cost_per_send"))),
        ("revision", cell(c.get("revision"))),
        ("created", cell(c.get("created_at"))),
        ("updated", cell(c.get("updated_at"))),
    ];
    let rows: Vec<Vec<String>> = fields
        .into_iter()
        .map(|(k, v)| vec![k.to_owned(), v])
        .collect();
    print_table(&["FIELD", "VALUE"], &rows)
}

fn read_record(input: &str) -> Result<Vec<u8>, Fail> {
    let (reader, _) = open_input(input)?;
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Fail(format!("--input: {e}")))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(Fail(format!("--input: larger than {MAX_FILE} bytes")));
    }
    serde_json::from_slice::<Value>(&bytes)
        .map_err(|e| Fail(format!("--input: not JSON ({e})")))?;
    Ok(bytes)
}

pub(crate) fn campaigns(args: CampaignsArgs) -> Result<ExitCode, Fail> {
    let path = |c: &str| format!("/api/v1/campaigns/{}", segment(c));
    match args.command {
        CampaignsCommand::List(t) => {
            let all = Operator::new(&t)?.list("/api/v1/campaigns", "campaigns")?;
            let rows: Vec<Vec<String>> = all.iter().map(list_row).collect();
            render(&t, &LIST_HEADER, &rows, &Value::Array(all))?;
        }
        CampaignsCommand::Get { campaign, target } => {
            let c = Operator::new(&target)?
                .call("GET", &path(&campaign), None)?
                .unwrap_or(Value::Null);
            if target.output() == Output::Json {
                print_json(&c)?;
            } else {
                show(&c)?;
            }
        }
        CampaignsCommand::Put {
            campaign,
            input,
            target,
        } => {
            let op = Operator::new(&target)?;
            let body = read_record(&input)?;
            let c = op
                .call("PUT", &path(&campaign), Some(&body))?
                .unwrap_or(Value::Null);
            if target.output() == Output::Json {
                print_json(&c)?;
            } else {
                let verb = if c.get("revision").and_then(Value::as_u64) == Some(1) {
                    "created"
                } else {
                    "replaced"
                };
                eprintln!("{verb} campaign {campaign}");
                show(&c)?;
            }
        }
        CampaignsCommand::Delete { campaign, target } => {
            Operator::new(&target)?.call("DELETE", &path(&campaign), None)?;
            eprintln!("deleted campaign {campaign}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
