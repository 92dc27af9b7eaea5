//! `wakelink keygen`: a fresh `kid:secret` signing key.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::process::ExitCode;

use clap::Args;

use wakelink::domain::token::Keyring;

use crate::{Fail, DEFAULT_KEYS_ENV};

#[derive(Args)]
pub(crate) struct KeygenArgs {
    /// Key id for the new key (0-7).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=7))]
    kid: u8,
}

pub(crate) fn keygen(args: KeygenArgs) -> Result<ExitCode, Fail> {
    let mut secret = [0u8; 32];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut secret))
        .map_err(|e| Fail(format!("reading /dev/urandom: {e}")))?;
    let line = format!("{}:{}", args.kid, base64url(&secret));
    secret.fill(0);
    // Check what we print parses as a key before handing it out.
    Keyring::parse(&line).map_err(|e| Fail(format!("generated key: {e}")))?;
    println!("{line}");
    if io::stderr().is_terminal() {
        eprintln!(
            "put it first in {DEFAULT_KEYS_ENV} to mint with it, keeping the old keys after it \
             until their links are retired (see docs/tokens.md), e.g.\n  \
             wrangler secret put {DEFAULT_KEYS_ENV}"
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn base64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_through_the_keyring() {
        assert_eq!(
            base64url(&[0x42; 32]),
            "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI"
        );
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
    }
}
