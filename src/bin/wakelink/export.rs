//! `wakelink export`: the raw event log of a deployment, filtered, as CSV or NDJSON, to stdout
//! or a file. Reads `GET /api/v1/export` to the end across its per-response cap and across cuts
//! (resuming from the last whole row); a failed run names the cursor that resumes it
//! (`--cursor`, with `--append` to continue the same file). Progress on stderr when it is a
//! terminal.

use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use wakelink::domain::eventlog::cursor;
use wakelink::domain::export::Format;

use crate::operator::{segment, Operator, Target};
use crate::stream::{csv_output, save_all, Form, Lines, Resume};
use crate::Fail;

#[derive(Args)]
pub(crate) struct ExportArgs {
    /// Only events of this campaign label.
    #[arg(long)]
    campaign: Option<String>,
    /// Only events of this link code.
    #[arg(long)]
    link: Option<String>,
    /// click, step or conversion.
    #[arg(long)]
    kind: Option<String>,
    /// Only this step (landing_view, login, ...).
    #[arg(long)]
    step: Option<String>,
    /// true: bot-flagged events only; false: people's only.
    #[arg(long)]
    bot: Option<bool>,
    /// From this instant on (RFC 3339 with an offset).
    #[arg(long)]
    since: Option<String>,
    /// Before this instant (RFC 3339 with an offset).
    #[arg(long)]
    until: Option<String>,
    #[command(flatten)]
    resume: Resume,
    #[command(flatten)]
    target: Target,
}

struct Events;

impl Lines for Events {
    fn cursor_of(&self, v: &Value) -> Option<String> {
        Some(cursor(v.get("ts")?.as_u64()?, v.get("id")?.as_str()?))
    }
    fn has_summary(&self) -> bool {
        true
    }
}

pub(crate) fn export(args: ExportArgs) -> Result<ExitCode, Fail> {
    let csv = csv_output(&args.target)?;
    let op = Operator::new(&args.target)?;
    let mut path = String::from("/api/v1/export?format=ndjson");
    let bot = args.bot.map(|b| b.to_string());
    for (k, v) in [
        ("campaign", &args.campaign),
        ("link", &args.link),
        ("kind", &args.kind),
        ("step", &args.step),
        ("bot", &bot),
        ("since", &args.since),
        ("until", &args.until),
    ] {
        if let Some(v) = v {
            path.push_str(&format!("&{k}={}", segment(v)));
        }
    }
    let form = Form {
        csv,
        header: &Format::Csv.header(),
    };
    let n = save_all(&op, &path, &Events, args.resume, form, |v| {
        Format::Csv.line(v)
    })?;
    eprintln!("exported {n} events");
    Ok(ExitCode::SUCCESS)
}
