//! `wakelink follow-ups`: the operator ids of a campaign's recipients due a follow-up (sent at
//! least `--after` ago, not at `--step`), streamed as CSV `external_id,cursor` or NDJSON, read
//! to the end across the server's per-response cap (its summary line's `next_cursor`) and
//! cuts; a failed run names the cursor that resumes it.

use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use wakelink::domain::export::csv_quote;

use crate::operator::{cell, segment, Operator, Target};
use crate::stream::{csv_output, save_all, Lines, Saving};
use crate::Fail;

#[derive(Args)]
pub(crate) struct FollowUpsArgs {
    /// The campaign (the label its links carry).
    campaign: String,
    /// The step not reached.
    #[arg(long, default_value = "login")]
    step: String,
    /// Sent at least this long ago: 90m, 72h, 3d (default: the campaign's follow-up window).
    #[arg(long)]
    after: Option<String>,
    /// Resume after this position (what a failed run printed).
    #[arg(long)]
    cursor: Option<String>,
    /// Write here instead of stdout.
    #[arg(long, default_value = "-")]
    out: String,
    /// Append to --out and write no CSV header (to continue a resumed list).
    #[arg(long, requires = "cursor")]
    append: bool,
    #[command(flatten)]
    target: Target,
}

struct FollowUps;

impl Lines for FollowUps {
    fn cursor_of(&self, v: &Value) -> Option<String> {
        v.get("cursor")?.as_str().map(str::to_owned)
    }
    fn has_summary(&self) -> bool {
        true
    }
}

pub(crate) fn follow_ups(args: FollowUpsArgs) -> Result<ExitCode, Fail> {
    let csv = csv_output(&args.target)?;
    let op = Operator::new(&args.target)?;
    let mut path = format!(
        "/api/v1/campaigns/{}/follow-ups?step={}",
        segment(&args.campaign),
        segment(&args.step)
    );
    if let Some(a) = &args.after {
        path.push_str(&format!("&after={}", segment(a)));
    }
    let to = Saving {
        out: &args.out,
        append: args.append,
        csv,
        header: b"external_id,cursor\n",
    };
    let n = save_all(&op, &path, args.cursor, &FollowUps, to, |v| {
        let row = format!(
            "{},{}\n",
            csv_quote(&cell(v.get("external_id"))),
            csv_quote(&cell(v.get("cursor")))
        );
        row.into_bytes()
    })?;
    eprintln!("{n} recipients due a follow-up");
    Ok(ExitCode::SUCCESS)
}
