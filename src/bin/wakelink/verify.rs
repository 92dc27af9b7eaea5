//! `wakelink verify`: one token checked against a link code.

use std::process::ExitCode;

use clap::Args;

use wakelink::domain::time::{format_rfc3339, parse_instant};
use wakelink::domain::token::{Generation, Kind, LinkRef};

use crate::checks::*;
use crate::{Fail, DEFAULT_KEYS_ENV};

#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// Link code the token should belong to.
    #[arg(long)]
    code: String,
    /// Name of the environment variable holding the signing keys.
    #[arg(long, default_value = DEFAULT_KEYS_ENV)]
    keys_env: String,
    /// The link's generation (16 hex digits, `generation` in GET /api/v1/links/{code});
    /// leave it out for links stored before generations existed.
    #[arg(long)]
    generation: Option<String>,
    /// Check as of this instant (RFC 3339 with an offset) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// The token (the last path segment of the link).
    token: String,
}

pub(crate) fn verify(args: VerifyArgs) -> Result<ExitCode, Fail> {
    let code = parse_code(&args.code)?;
    let keys = keyring_from_env(&args.keys_env)?;
    let generation = match args.generation.as_deref().map(str::trim) {
        None | Some("none") => None,
        Some(g) => Some(
            Generation::parse(g).ok_or_else(|| Fail("--generation: want 16 hex digits".into()))?,
        ),
    };
    let at = match &args.at {
        Some(s) => parse_instant(s).map_err(|e| Fail(format!("--at: {e}")))?,
        None => now_ms()?,
    };
    let link = LinkRef {
        code: &code,
        generation,
    };
    match keys.verify(link, args.token.trim(), at / 1000) {
        Some(r) => {
            let expires = r
                .expires_at
                .map_or("never".to_owned(), |s| format_rfc3339(s * 1000));
            let kind = match r.kind {
                Kind::Link => "link",
                Kind::Honeypot => "honeypot",
            };
            println!(
                "seq={} kid={} kind={kind} expires={expires}{}",
                r.seq,
                r.key_id,
                if r.expired { " expired" } else { "" }
            );
            Ok(if r.expired {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        None => {
            println!("invalid");
            Ok(ExitCode::FAILURE)
        }
    }
}
