//! `wakelink reserve`: sequence numbers reserved for an offline `mint --reservation`.

use std::process::ExitCode;

use clap::Args;

use crate::api::{Api, ReservationAnswer};
use crate::checks::*;
use crate::{Fail, DEFAULT_API_KEY_ENV};

#[derive(Args)]
pub(crate) struct ReserveArgs {
    /// Base URL of the wakelink API, e.g. https://links.example.com
    #[arg(long)]
    api: String,
    /// Link code to reserve sequence numbers of.
    #[arg(long)]
    code: String,
    /// How many numbers (the send list's row count).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=50_000_000))]
    count: u64,
    /// Name of the environment variable holding the API key.
    #[arg(long, default_value = DEFAULT_API_KEY_ENV)]
    api_key_env: String,
}

pub(crate) fn reserve(args: ReserveArgs) -> Result<ExitCode, Fail> {
    let code = parse_code(&args.code)?;
    let api = Api::new(&args.api, &code, &args.api_key_env)?;
    let answer = api.post(
        "reservations",
        format!("{{\"count\":{}}}", args.count).as_bytes(),
        "the reservation",
    )?;
    let r: ReservationAnswer = serde_json::from_str(&answer).map_err(|_| {
        Fail("the server's answer to the reservation is not what wakelink sends".into())
    })?;
    println!("{}", r.receipt);
    eprintln!(
        "reserved seq {}..={} of /{code}/: mint offline with wakelink mint --reservation <the line above>",
        r.first, r.last
    );
    Ok(ExitCode::SUCCESS)
}
