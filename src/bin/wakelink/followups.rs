//! `wakelink follow-ups`: the operator ids of a campaign's recipients due a follow-up (sent at
//! least `--after` ago, not at `--step`), streamed as CSV `external_id,cursor` or NDJSON, read
//! to the end across the server's per-response cap (its summary line's `next_cursor`) and
//! cuts; a failed run names the cursor that resumes it.

use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use wakelink::domain::export::csv_quote;

use crate::operator::{cell, segment, Operator, Target};
use crate::stream::{csv_output, save_all, Form, Lines, Resume};
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
    #[command(flatten)]
    resume: Resume,
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
    let form = Form {
        csv,
        header: b"external_id,cursor\n",
    };
    let n = save_all(&op, &path, &FollowUps, args.resume, form, |v| {
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
