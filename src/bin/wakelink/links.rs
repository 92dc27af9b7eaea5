//! `wakelink links`: the links of a deployment: list (optionally of one campaign), get.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::Value;

use crate::operator::{cell, render, segment, Operator, Target};
use crate::Fail;

#[derive(Args)]
pub(crate) struct LinksArgs {
    #[command(subcommand)]
    command: LinksCommand,
}

#[derive(Subcommand)]
enum LinksCommand {
    /// Every link, in code order.
    List {
        /// Only the links of this campaign label.
        #[arg(long)]
        campaign: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// One link's settings.
    Get {
        /// The link's code.
        code: String,
        #[command(flatten)]
        target: Target,
    },
}

const HEADER: [&str; 6] = [
    "CODE",
    "CAMPAIGN",
    "VARIANT",
    "DESTINATIONS",
    "EXPIRES",
    "DISABLED",
];

/// Which platforms a link sends somewhere, e.g. `android,ios,web`.
fn destinations(l: &Value) -> String {
    match l.get("destinations") {
        Some(Value::Object(m)) if !m.is_empty() => m.keys().cloned().collect::<Vec<_>>().join(","),
        _ => String::from("-"),
    }
}

fn row(l: &Value) -> Vec<String> {
    vec![
        cell(l.get("code")),
        cell(l.get("campaign")),
        cell(l.get("variant")),
        destinations(l),
        cell(l.get("expires_at")),
        cell(l.get("disabled")),
    ]
}

pub(crate) fn links(args: LinksArgs) -> Result<ExitCode, Fail> {
    match args.command {
        LinksCommand::List { campaign, target } => {
            let path = match &campaign {
                Some(c) => format!("/api/v1/links?campaign={}", segment(c)),
                None => String::from("/api/v1/links"),
            };
            let all = Operator::new(&target)?.list(&path, "links")?;
            let rows: Vec<Vec<String>> = all.iter().map(row).collect();
            render(&target, &HEADER, &rows, &Value::Array(all))?;
        }
        LinksCommand::Get { code, target } => {
            let l = Operator::new(&target)?
                .call("GET", &format!("/api/v1/links/{}", segment(&code)), None)?
                .unwrap_or(Value::Null);
            let mut rows = vec![
                vec!["code".to_owned(), cell(l.get("code"))],
                vec!["campaign".to_owned(), cell(l.get("campaign"))],
                vec!["variant".to_owned(), cell(l.get("variant"))],
            ];
            if let Some(Value::Object(m)) = l.get("destinations") {
                for (platform, url) in m {
                    rows.push(vec![format!("destination {platform}"), cell(Some(url))]);
                }
            }
            for f in ["expires_at", "disabled", "attribution_window_hours"] {
                rows.push(vec![f.replace('_', " "), cell(l.get(f))]);
            }
            render(&target, &["FIELD", "VALUE"], &rows, &l)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
