//! `wakelink`: the operator's command line.
//!
//! - `mint` turns a send list (operator ids, never contact data) into signed per-recipient links.
//! - `upload` posts the minted ledger to the worker's API in idempotent batches.
//! - `verify` checks one token; `keygen` prints a fresh signing key.
//! - `keys` and `campaigns` manage a deployment's API keys and campaign records; `links` lists
//!   its links.
//! - `funnel`, `compare`, `timing` read a campaign's reports; `follow-ups` and `export` stream
//!   the follow-up list and the raw event log, resuming across cuts.
//!
//! Secrets come from environment variables only, never from flags, and are never printed.

// The CLI is native-only; the wasm builds of the crate (worker, sdk) get an empty binary.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::fmt;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod api;
mod campaigns;
mod checks;
mod compare;
mod export;
mod files;
mod followups;
mod funnel;
mod keygen;
mod keys;
mod links;
mod mint;
mod operator;
mod reserve;
mod stream;
mod timing;
mod upload;
mod verify;

use campaigns::CampaignsArgs;
use keygen::KeygenArgs;
use keys::KeysArgs;
use mint::MintArgs;
use reserve::ReserveArgs;
use upload::UploadArgs;
use verify::VerifyArgs;

pub(crate) const DEFAULT_KEYS_ENV: &str = "WAKELINK_SIGNING_KEYS";
pub(crate) const DEFAULT_API_KEY_ENV: &str = "WAKELINK_API_KEY";
pub(crate) const IO_BUFFER: usize = 1 << 20;

#[derive(Parser)]
#[command(
    name = "wakelink",
    version,
    about = "Signed re-engagement links: mint, upload, verify; keys and campaigns of a deployment"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Mint one signed link per row of a send list; writes CSV
    /// `seq,external_id,segment,variant,sent_at,coupon,channel,cost,token,url`.
    Mint(MintArgs),
    /// Post a minted CSV's ledger to the worker API in batches.
    Upload(UploadArgs),
    /// Reserve sequence numbers for an offline `mint --reservation`; prints the receipt.
    Reserve(ReserveArgs),
    /// Check one token against a link code.
    Verify(VerifyArgs),
    /// Print a fresh `kid:secret` signing key.
    Keygen(KeygenArgs),
    /// API keys of a deployment: list, create, revoke (needs an admin key).
    Keys(KeysArgs),
    /// Campaign records of a deployment: list, get, put, delete.
    Campaigns(CampaignsArgs),
    /// Links of a deployment: list, get.
    Links(links::LinksArgs),
    /// A campaign's funnel per variant, segment or channel, with cost and value.
    Funnel(funnel::FunnelArgs),
    /// Two variants (segments, channels) of a campaign at one step, with a z-test.
    Compare(compare::CompareArgs),
    /// A campaign's clicks and steps by send hour, click hour and send-to-click delay.
    Timing(timing::TimingArgs),
    /// Recipients due a follow-up (operator ids), streamed as CSV or NDJSON.
    FollowUps(followups::FollowUpsArgs),
    /// The raw event log, filtered, streamed as CSV or NDJSON.
    Export(export::ExportArgs),
}

/// A failure the user sees: one line on stderr, exit code 1. Never holds a secret.
#[derive(Debug)]
pub(crate) struct Fail(String);

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn fail<T>(msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail(msg.into()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mint(a) => mint::mint(a),
        Command::Upload(a) => upload::upload(a),
        Command::Reserve(a) => reserve::reserve(a),
        Command::Verify(a) => verify::verify(a),
        Command::Keygen(a) => keygen::keygen(a),
        Command::Keys(a) => keys::keys(a),
        Command::Campaigns(a) => campaigns::campaigns(a),
        Command::Links(a) => links::links(a),
        Command::Funnel(a) => funnel::funnel(a),
        Command::Compare(a) => compare::compare(a),
        Command::Timing(a) => timing::timing(a),
        Command::FollowUps(a) => followups::follow_ups(a),
        Command::Export(a) => export::export(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
