//! `wakelink`: the operator's command line.
//!
//! - `mint` turns a send list (operator ids, never contact data) into signed per-recipient links.
//! - `upload` posts the minted ledger to the worker's API in idempotent batches.
//! - `verify` checks one token; `keygen` prints a fresh signing key.
//!
//! Secrets come from environment variables only, never from flags, and are never printed.

// The CLI is native-only; the wasm builds of the crate (worker, sdk) get an empty binary.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use wakelink::domain::code::ShortCode;
use wakelink::domain::ledger::{check_coupon, ExternalId, MAX_BATCH, MAX_SENT_AHEAD_MS, MAX_SEQ};
use wakelink::domain::reserve::Receipt;
use wakelink::domain::time::{format_rfc3339, parse_instant};
use wakelink::domain::token::{Generation, Keyring, Kind, LinkRef, TokenBuf};

const DEFAULT_KEYS_ENV: &str = "WAKELINK_SIGNING_KEYS";
const DEFAULT_API_KEY_ENV: &str = "WAKELINK_API_KEY";
const IO_BUFFER: usize = 1 << 20;
/// Column (or NDJSON key) names that mean contact data. Matched as substrings of the name
/// lowercased with non-alphanumerics removed (`Phone Number`, `e-mail`, `MSISDN`, ...).
const CONTACT_WORDS: &[&str] = &["phone", "mobile", "email", "msisdn"];
const OUT_HEADER: [&str; 8] = [
    "seq",
    "external_id",
    "segment",
    "variant",
    "sent_at",
    "coupon",
    "token",
    "url",
];
const OUT_HEADER_HONEYPOT: [&str; 9] = [
    "seq",
    "external_id",
    "segment",
    "variant",
    "sent_at",
    "coupon",
    "token",
    "url",
    "honeypot_url",
];
const UPLOAD_RETRIES: u32 = 5;

#[derive(Parser)]
#[command(
    name = "wakelink",
    version,
    about = "Signed re-engagement links: mint, upload, verify"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Mint one signed link per row of a send list; writes CSV
    /// `seq,external_id,segment,variant,sent_at,coupon,token,url`.
    Mint(MintArgs),
    /// Post a minted CSV's ledger to the worker API in batches.
    Upload(UploadArgs),
    /// Reserve sequence numbers for an offline `mint --reservation`; prints the receipt.
    Reserve(ReserveArgs),
    /// Check one token against a link code.
    Verify(VerifyArgs),
    /// Print a fresh `kid:secret` signing key.
    Keygen(KeygenArgs),
}

#[derive(Args)]
struct MintArgs {
    /// Link code the tokens are bound to.
    #[arg(long)]
    code: String,
    /// Public origin of the links, e.g. https://example.link
    #[arg(long)]
    base_url: String,
    /// Name of the environment variable holding `kid:secret[,kid:secret...]`.
    #[arg(long, default_value = DEFAULT_KEYS_ENV)]
    keys_env: String,
    /// Reserve the sequence numbers through this wakelink API (key in --api-key-env) and
    /// record the ledger there before the links are written: the links in the output are
    /// already in the ledger. Needs --output FILE.
    #[arg(
        long,
        required_unless_present = "reservation",
        conflicts_with = "reservation"
    )]
    api: Option<String>,
    /// Name of the environment variable holding the API key (with --api).
    #[arg(long, default_value = DEFAULT_API_KEY_ENV)]
    api_key_env: String,
    /// Mint offline into a range reserved earlier (`wakelink reserve`): the receipt it printed.
    /// Then run `wakelink upload` before sending.
    #[arg(long)]
    reservation: Option<String>,
    /// When the links stop working: RFC 3339 with an offset, e.g. 2026-12-31T23:59:59+08:00.
    #[arg(long)]
    expires: Option<String>,
    /// Also mint a honeypot link per recipient (column honeypot_url), to hide in an e-mail:
    /// a hit on it marks the recipient's clicks around it as a scanner's.
    #[arg(long)]
    honeypot: bool,
    /// Send list: a file, or - for stdin.
    #[arg(long, default_value = "-")]
    input: String,
    /// Where to write the minted CSV: a file, or - for stdout.
    #[arg(long, default_value = "-")]
    output: String,
    /// Input format [default: from the file extension (.ndjson/.jsonl), else csv].
    #[arg(long, value_enum)]
    format: Option<InputFormat>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputFormat {
    Csv,
    Ndjson,
}

#[derive(Args)]
struct UploadArgs {
    /// Base URL of the wakelink API, e.g. https://links.example.com
    #[arg(long)]
    api: String,
    /// Link code the ledger belongs to.
    #[arg(long)]
    code: String,
    /// Recipients per request (the API takes at most 1000).
    #[arg(long, default_value_t = MAX_BATCH as u32, value_parser = clap::value_parser!(u32).range(1..=MAX_BATCH as i64))]
    batch: u32,
    /// A CSV written by `wakelink mint` (or - for stdin).
    #[arg(long)]
    input: String,
    /// Name of the environment variable holding the API key.
    #[arg(long, default_value = DEFAULT_API_KEY_ENV)]
    api_key_env: String,
}

#[derive(Args)]
struct ReserveArgs {
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

#[derive(Args)]
struct VerifyArgs {
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

#[derive(Args)]
struct KeygenArgs {
    /// Key id for the new key (0-7).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=7))]
    kid: u8,
}

/// A failure the user sees: one line on stderr, exit code 1. Never holds a secret.
#[derive(Debug)]
struct Fail(String);

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail<T>(msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail(msg.into()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Mint(a) => mint(a),
        Command::Upload(a) => upload(a),
        Command::Reserve(a) => reserve(a),
        Command::Verify(a) => verify(a),
        Command::Keygen(a) => keygen(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// mint

fn mint(args: MintArgs) -> Result<ExitCode, Fail> {
    let code = parse_code(&args.code)?;
    let base = parse_base_url(&args.base_url)?;
    let keys = keyring_from_env(&args.keys_env)?;
    let now = now_ms()?;
    let expires = match &args.expires {
        None => None,
        Some(s) => {
            let at = parse_instant(s).map_err(|e| Fail(format!("--expires: {e}")))?;
            if at <= now {
                return fail(format!("--expires: {s} is already past"));
            }
            Some(at / 1000)
        }
    };
    let format = args.format.unwrap_or_else(|| {
        let lower = args.input.to_ascii_lowercase();
        if lower.ends_with(".ndjson") || lower.ends_with(".jsonl") {
            InputFormat::Ndjson
        } else {
            InputFormat::Csv
        }
    });
    if args.input != "-" && args.input == args.output {
        return fail("--output must not be the --input file");
    }
    let api = match &args.api {
        Some(_) if args.output == "-" => {
            return fail(
                "--api needs --output FILE: the links are written only once the ledger holds them",
            );
        }
        Some(url) => Some(Api::new(url, &code, &args.api_key_env)?),
        None => None,
    };

    // The whole list is read first: its size is the range to reserve, and a list longer than
    // its reservation is refused before anything is written.
    let (mut input, input_len) = open_input(&args.input)?;
    let mut bytes = Vec::with_capacity(input_len.unwrap_or(0) as usize);
    input
        .read_to_end(&mut bytes)
        .map_err(|e| Fail(format!("reading the input: {e}")))?;
    let rows = count_rows(&bytes, format)?;
    if rows == 0 {
        return fail("the send list has no rows");
    }
    let receipt = match (&api, &args.reservation) {
        (Some(api), _) => api.reserve(&keys, rows)?,
        (None, Some(text)) => {
            let r = Receipt::check(text, &keys, &code)
                .map_err(|e| Fail(format!("--reservation: {e}")))?;
            if rows > r.range.len() {
                return fail(format!(
                    "the send list has {rows} rows but the reservation holds {} numbers ({}..={}); \
                     reserve {rows} with `wakelink reserve`",
                    r.range.len(),
                    r.range.first,
                    r.range.last
                ));
            }
            r
        }
        (None, None) => return fail("give --api (to reserve online) or --reservation"),
    };

    let sink = Sink::create(&args.output)?;
    let started = Instant::now();
    let mut minter = Minter {
        keys: &keys,
        link: LinkRef {
            code: &code,
            generation: receipt.generation,
        },
        expires,
        honeypot: args.honeypot,
        now,
        next_seq: receipt.range.first,
        url_prefix: format!("{base}/{code}/").into_bytes(),
        url: Vec::with_capacity(256),
        pot_url: Vec::with_capacity(256),
        token: TokenBuf::new(),
        seen: SeenIds::default(),
        out: csv::WriterBuilder::new()
            .buffer_capacity(IO_BUFFER)
            .from_writer(sink.writer()?),
    };
    let progress = Progress::new(input_len);
    let header: &[&str] = if args.honeypot {
        &OUT_HEADER_HONEYPOT
    } else {
        &OUT_HEADER
    };
    let source: Box<dyn Read> = Box::new(io::Cursor::new(bytes));
    let outcome = minter
        .out
        .write_record(header)
        .map_err(write_err)
        .and_then(|()| match format {
            InputFormat::Csv => mint_csv(source, &mut minter, &progress),
            InputFormat::Ndjson => mint_ndjson(source, &mut minter, &progress),
        });
    let minted = minter.next_seq - receipt.range.first;
    let outcome = outcome.and_then(|()| minter.out.flush().map_err(write_err));
    if outcome.is_err() {
        sink.close();
    }
    drop(minter);
    progress.finish();
    // With --api the ledger is recorded from the minted file before it takes its name.
    let outcome = match (outcome, &api, sink.partial_path()) {
        (Ok(()), Some(api), Some(path)) => upload_file(api, path, MAX_BATCH as u32).map(drop),
        (o, _, _) => o,
    };
    match outcome {
        Ok(()) => sink.commit()?,
        Err(e) => {
            sink.abandon();
            return Err(e);
        }
    }
    eprintln!(
        "minted {minted} tokens for /{code}/ (seq {}..={}, key {}{}{}) in {:.2}s",
        receipt.range.first,
        receipt.range.first + minted - 1,
        keys.minting_key(),
        expires.map_or(String::new(), |s| format!(
            ", valid until {}",
            format_rfc3339(s * 1000)
        )),
        if args.honeypot {
            ", with honeypot links"
        } else {
            ""
        },
        started.elapsed().as_secs_f64()
    );
    if api.is_some() {
        eprintln!("the ledger holds every row: the links can be sent");
    } else {
        eprintln!(
            "record the ledger before sending: wakelink upload --api <URL> --code {code} --input <this file>"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Rows in a send list (records of a CSV, non-blank lines of NDJSON).
fn count_rows(bytes: &[u8], format: InputFormat) -> Result<u64, Fail> {
    match format {
        InputFormat::Ndjson => Ok(bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count() as u64),
        InputFormat::Csv => {
            let mut rdr = csv::ReaderBuilder::new().from_reader(bytes);
            let mut rec = csv::ByteRecord::new();
            let mut n = 0;
            loop {
                match rdr.read_byte_record(&mut rec) {
                    Ok(true) => n += 1,
                    Ok(false) => return Ok(n),
                    Err(e) => return fail(format!("reading the input: {e}")),
                }
            }
        }
    }
}

/// One row of a send list, borrowed from the reader's buffer.
struct SendRow<'a> {
    external_id: &'a str,
    segment: &'a str,
    variant: &'a str,
    sent_at: &'a str,
    /// The recipient's coupon code for the landing page (optional).
    coupon: &'a str,
}

/// Mints rows in order and writes them out, reusing every buffer.
struct Minter<'k, W: Write> {
    keys: &'k Keyring,
    link: LinkRef<'k>,
    /// Unix seconds.
    expires: Option<u64>,
    honeypot: bool,
    now: u64,
    next_seq: u64,
    url_prefix: Vec<u8>,
    url: Vec<u8>,
    pot_url: Vec<u8>,
    token: TokenBuf,
    seen: SeenIds,
    out: csv::Writer<W>,
}

impl<W: Write> Minter<'_, W> {
    /// Check and mint one row; the error is the reason only (the caller adds the position).
    fn row(&mut self, row: &SendRow<'_>) -> Result<(), RowError> {
        let external_id = row.external_id.trim();
        check_external_id(external_id)?;
        if !self.seen.insert(external_id) {
            return Err(RowError::Invalid(Cow::Owned(format!(
                "external_id {external_id:?} appears twice in the send list; the ledger gives each \
                 recipient one link"
            ))));
        }
        let segment = check_label("segment", row.segment.trim())?;
        let variant = check_label("variant", row.variant.trim())?;
        let sent_at = parse_sent_at(row.sent_at.trim(), self.now).map_err(RowError::Invalid)?;
        let coupon = check_coupon(Some(row.coupon))
            .map_err(|m| RowError::Invalid(Cow::Owned(format!("coupon {m}"))))?;
        let seq = self.next_seq;
        if self.honeypot {
            let pot = self
                .keys
                .mint_into(
                    self.link,
                    seq,
                    self.expires,
                    Kind::Honeypot,
                    &mut self.token,
                )
                .map_err(|e| RowError::Invalid(Cow::Owned(e.to_string())))?;
            self.pot_url.clear();
            self.pot_url.extend_from_slice(&self.url_prefix);
            self.pot_url.extend_from_slice(pot.as_bytes());
        }
        let token = self
            .keys
            .mint_into(self.link, seq, self.expires, Kind::Link, &mut self.token)
            .map_err(|e| RowError::Invalid(Cow::Owned(e.to_string())))?;
        self.url.clear();
        self.url.extend_from_slice(&self.url_prefix);
        self.url.extend_from_slice(token.as_bytes());
        let mut seq_buf = [0u8; 20];
        let sent_at = sent_at.map(format_rfc3339).unwrap_or_default();
        let fields: [&[u8]; 9] = [
            fmt_u64(seq, &mut seq_buf),
            external_id.as_bytes(),
            segment.as_bytes(),
            variant.as_bytes(),
            sent_at.as_bytes(),
            coupon.as_deref().unwrap_or("").as_bytes(),
            token.as_bytes(),
            &self.url,
            &self.pot_url,
        ];
        let n = if self.honeypot { 9 } else { 8 };
        self.out
            .write_record(&fields[..n])
            .map_err(|e| RowError::Write(write_err(e)))?;
        self.next_seq += 1;
        Ok(())
    }
}

/// The external ids of one run, to refuse repeats (the ledger maps one id to one seq). Keeps
/// two independent 64-bit hashes per id, not the id (17–34 bytes a row with the table's slack). Two different ids are
/// mistaken for each other only if both hashes collide (about 2^-128 per pair); an id whose
/// first hash alone collides is not remembered, so a repeat of it is left to the server.
#[derive(Default)]
struct SeenIds {
    keys: (RandomState, RandomState),
    ids: HashMap<u64, u64, BuildHasherDefault<PreHashed>>,
}

impl SeenIds {
    /// `false` if `id` was seen before.
    fn insert(&mut self, id: &str) -> bool {
        let (a, b) = (self.keys.0.hash_one(id), self.keys.1.hash_one(id));
        match self.ids.entry(a) {
            Entry::Vacant(v) => {
                v.insert(b);
                true
            }
            Entry::Occupied(o) => *o.get() != b,
        }
    }
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

enum RowError {
    Invalid(Cow<'static, str>),
    Write(Fail),
}

impl From<&'static str> for RowError {
    fn from(s: &'static str) -> Self {
        RowError::Invalid(Cow::Borrowed(s))
    }
}

/// Where a row came from, for error messages: `line 12 (row 11)`.
fn at(line: u64, row: u64, e: RowError) -> Fail {
    match e {
        RowError::Invalid(msg) => Fail(format!("input line {line} (row {row}): {msg}")),
        RowError::Write(f) => f,
    }
}

/// A large-buffered CSV reader over `input`, with its header row already read.
fn csv_reader(input: Box<dyn Read>) -> Result<(csv::Reader<Box<dyn Read>>, csv::ByteRecord), Fail> {
    let mut rdr = csv::ReaderBuilder::new()
        .buffer_capacity(IO_BUFFER)
        .from_reader(input);
    let headers = rdr
        .byte_headers()
        .map_err(|e| Fail(format!("reading the header: {e}")))?
        .clone();
    Ok((rdr, headers))
}

fn mint_csv<W: Write>(
    input: Box<dyn Read>,
    minter: &mut Minter<'_, W>,
    progress: &Progress,
) -> Result<(), Fail> {
    let (mut rdr, headers) = csv_reader(input)?;
    let cols = SendColumns::find(&headers)?;
    let mut rec = csv::ByteRecord::new();
    let mut row: u64 = 0;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return fail(format!("reading the input: {e}")),
        }
        row += 1;
        let line = rec.position().map_or(row + 1, |p| p.line());
        cols.row(&rec)
            .and_then(|r| minter.row(&r))
            .map_err(|e| at(line, row, e))?;
        if row.is_multiple_of(8192) {
            progress.set(rdr.position().byte(), row);
        }
    }
    progress.set(rdr.position().byte(), row);
    Ok(())
}

/// Column indexes of a send list's header.
struct SendColumns {
    external_id: usize,
    segment: Option<usize>,
    variant: Option<usize>,
    sent_at: Option<usize>,
    coupon: Option<usize>,
}

impl SendColumns {
    fn find(headers: &csv::ByteRecord) -> Result<SendColumns, Fail> {
        let mut external_id = None;
        let mut segment = None;
        let mut variant = None;
        let mut sent_at = None;
        let mut coupon = None;
        let mut ignored = Vec::new();
        for (i, raw) in headers.iter().enumerate() {
            let name = String::from_utf8_lossy(raw);
            let name = name.trim();
            if is_contact_column(name) {
                return fail(format!(
                    "the input has a column named {name:?}: contact data (phone numbers, e-mail \
                     addresses) must never enter wakelink. Remove the column and keep only your \
                     own recipient id in external_id"
                ));
            }
            let slot = match name.to_ascii_lowercase().as_str() {
                "external_id" => &mut external_id,
                "segment" => &mut segment,
                "variant" => &mut variant,
                "sent_at" => &mut sent_at,
                "coupon" => &mut coupon,
                _ => {
                    ignored.push(name.to_owned());
                    continue;
                }
            };
            if slot.replace(i).is_some() {
                return fail(format!("the input has two {name} columns"));
            }
        }
        let Some(external_id) = external_id else {
            return fail("the input has no external_id column (columns: external_id, optional segment, variant, sent_at, coupon)");
        };
        if !ignored.is_empty() {
            eprintln!(
                "note: ignoring column(s) {}: only external_id, segment, variant, sent_at and coupon are kept",
                ignored.join(", ")
            );
        }
        Ok(SendColumns {
            external_id,
            segment,
            variant,
            sent_at,
            coupon,
        })
    }

    fn row<'r>(&self, rec: &'r csv::ByteRecord) -> Result<SendRow<'r>, RowError> {
        let field = |i: Option<usize>| -> Result<&'r str, RowError> {
            match i.and_then(|i| rec.get(i)) {
                None => Ok(""),
                Some(b) => std::str::from_utf8(b).map_err(|_| "not valid UTF-8".into()),
            }
        };
        Ok(SendRow {
            external_id: field(Some(self.external_id))?,
            segment: field(self.segment)?,
            variant: field(self.variant)?,
            sent_at: field(self.sent_at)?,
            coupon: field(self.coupon)?,
        })
    }
}

fn mint_ndjson<W: Write>(
    input: Box<dyn Read>,
    minter: &mut Minter<'_, W>,
    progress: &Progress,
) -> Result<(), Fail> {
    let mut rdr = BufReader::with_capacity(IO_BUFFER, input);
    let mut buf = Vec::with_capacity(1024);
    let (mut line, mut row, mut bytes) = (0u64, 0u64, 0u64);
    loop {
        buf.clear();
        let n = rdr
            .read_until(b'\n', &mut buf)
            .map_err(|e| Fail(format!("reading the input: {e}")))?;
        if n == 0 {
            break;
        }
        line += 1;
        bytes += n as u64;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        row += 1;
        let parsed: NdRow<'_> = serde_json::from_slice(&buf).map_err(|e| {
            Fail(format!(
                "input line {line} (row {row}): not a JSON object: {}",
                // serde_json's position is always line 1 here; keep only the reason.
                wakelink::domain::problem::json_reason(&e)
            ))
        })?;
        if let Some(key) = parsed.contact_key {
            return fail(format!(
                "input line {line} (row {row}): key {key:?} is contact data, which must never \
                 enter wakelink; send only your own recipient id as external_id"
            ));
        }
        let Some(external_id) = parsed.external_id else {
            return Err(at(line, row, "external_id is missing".into()));
        };
        let send = SendRow {
            external_id: &external_id,
            segment: parsed.segment.as_deref().unwrap_or(""),
            variant: parsed.variant.as_deref().unwrap_or(""),
            sent_at: parsed.sent_at.as_deref().unwrap_or(""),
            coupon: parsed.coupon.as_deref().unwrap_or(""),
        };
        minter.row(&send).map_err(|e| at(line, row, e))?;
        if row.is_multiple_of(8192) {
            progress.set(bytes, row);
        }
    }
    progress.set(bytes, row);
    Ok(())
}

/// One NDJSON object. Strings borrow from the line unless they hold escapes; integers are
/// accepted as text (`"sent_at": 1766000000`). Other keys are skipped, but a contact-data key
/// is remembered so the row can be refused.
#[derive(Default)]
struct NdRow<'a> {
    external_id: Option<Cow<'a, str>>,
    segment: Option<Cow<'a, str>>,
    variant: Option<Cow<'a, str>>,
    sent_at: Option<Cow<'a, str>>,
    coupon: Option<Cow<'a, str>>,
    contact_key: Option<String>,
}

impl<'de> Deserialize<'de> for NdRow<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = NdRow<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NdRow<'de>, A::Error> {
                let mut row = NdRow::default();
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    let key = key.unwrap_or_default();
                    let slot = match key.as_ref() {
                        "external_id" => &mut row.external_id,
                        "segment" => &mut row.segment,
                        "variant" => &mut row.variant,
                        "sent_at" => &mut row.sent_at,
                        "coupon" => &mut row.coupon,
                        other => {
                            if row.contact_key.is_none() && is_contact_column(other) {
                                row.contact_key = Some(other.to_owned());
                            }
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    if slot.is_some() {
                        return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
                    }
                    *slot = map.next_value::<Text<'de>>()?.0;
                }
                Ok(row)
            }
        }
        d.deserialize_map(RowVisitor)
    }
}

/// A JSON string (borrowed where possible), an integer as text, or null.
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, an integer or null")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
        }
        d.deserialize_any(TextVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// upload

/// One ledger entry as the API takes it.
#[derive(Serialize)]
struct LedgerEntry<'a> {
    seq: u64,
    external_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    segment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'a str>,
    /// RFC 3339, as the minted CSV holds it (checked first).
    #[serde(skip_serializing_if = "Option::is_none")]
    sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coupon: Option<String>,
}

fn upload(args: UploadArgs) -> Result<ExitCode, Fail> {
    let code = parse_code(&args.code)?;
    let api = Api::new(&args.api, &code, &args.api_key_env)?;
    let (input, input_len) = open_input(&args.input)?;
    upload_csv(&api, input, input_len, args.batch)?;
    Ok(ExitCode::SUCCESS)
}

fn reserve(args: ReserveArgs) -> Result<ExitCode, Fail> {
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

#[derive(Deserialize)]
struct ReservationAnswer {
    first: u64,
    last: u64,
    receipt: String,
}

/// The ledger of a minted CSV file, uploaded (used by `mint --api` before the file is named).
fn upload_file(api: &Api, path: &std::path::Path, batch: u32) -> Result<u64, Fail> {
    let f = File::open(path).map_err(|e| Fail(format!("opening {}: {e}", path.display())))?;
    let len = f.metadata().ok().map(|m| m.len());
    upload_csv(api, Box::new(f), len, batch)
}

/// Posts a minted CSV's ledger in batches of `batch` rows; the number of rows sent.
fn upload_csv(
    api: &Api,
    input: Box<dyn Read>,
    input_len: Option<u64>,
    batch: u32,
) -> Result<u64, Fail> {
    let (mut rdr, headers) = csv_reader(input)?;
    let cols = LedgerColumns::find(&headers)?;
    let url_suffix = format!("/{}/", api.code);
    let progress = Progress::new(input_len);
    let started = Instant::now();
    let now = now_ms()?;

    let mut body = Vec::with_capacity(batch as usize * 96 + 32);
    let mut rec = csv::ByteRecord::new();
    let (mut row, mut in_batch, mut sent, mut batches) = (0u64, 0u32, 0u64, 0u64);
    let mut first_seq = 0u64;
    let mut last_seq = 0u64;
    let post = |body: &mut Vec<u8>, batches: u64, first: u64, last: u64| {
        body.extend_from_slice(b"]}");
        api.post(
            "recipients",
            body,
            &format!("batch {batches} (seq {first}..={last})"),
        )
        .map(drop)
    };
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return fail(format!("reading the input: {e}")),
        }
        row += 1;
        let line = rec.position().map_or(row + 1, |p| p.line());
        let entry = ledger_entry(&rec, &cols, &url_suffix, now).map_err(|e| at(line, row, e))?;
        if in_batch == 0 {
            body.clear();
            body.extend_from_slice(b"{\"recipients\":[");
            first_seq = entry.seq;
        } else {
            body.push(b',');
        }
        last_seq = entry.seq;
        serde_json::to_writer(&mut body, &entry)
            .map_err(|e| Fail(format!("encoding row {row}: {e}")))?;
        in_batch += 1;
        if in_batch == batch {
            batches += 1;
            post(&mut body, batches, first_seq, last_seq)?;
            sent += u64::from(in_batch);
            in_batch = 0;
            progress.set(rdr.position().byte(), sent);
        }
    }
    if in_batch > 0 {
        batches += 1;
        post(&mut body, batches, first_seq, last_seq)?;
        sent += u64::from(in_batch);
        progress.set(rdr.position().byte(), sent);
    }
    progress.finish();
    eprintln!(
        "uploaded {sent} recipients in {batches} batch(es) to {} in {:.2}s",
        api.url("recipients"),
        started.elapsed().as_secs_f64()
    );
    Ok(sent)
}

/// Column indexes of a minted CSV.
struct LedgerColumns {
    seq: usize,
    external_id: usize,
    segment: Option<usize>,
    variant: Option<usize>,
    sent_at: Option<usize>,
    coupon: Option<usize>,
    token: Option<usize>,
    url: Option<usize>,
}

impl LedgerColumns {
    fn find(headers: &csv::ByteRecord) -> Result<LedgerColumns, Fail> {
        let pos = |want: &str| {
            headers
                .iter()
                .position(|h| h.trim_ascii() == want.as_bytes())
        };
        for raw in headers.iter() {
            let name = String::from_utf8_lossy(raw);
            if is_contact_column(name.trim()) {
                return fail(format!(
                    "the input has a column named {:?}: contact data must never enter wakelink",
                    name.trim()
                ));
            }
        }
        match (pos("seq"), pos("external_id")) {
            (Some(seq), Some(external_id)) => Ok(LedgerColumns {
                seq,
                external_id,
                segment: pos("segment"),
                variant: pos("variant"),
                sent_at: pos("sent_at"),
                coupon: pos("coupon"),
                token: pos("token"),
                url: pos("url"),
            }),
            _ => fail("the input is not a minted CSV: it needs seq and external_id columns (write it with `wakelink mint`)"),
        }
    }
}

fn ledger_entry<'r>(
    rec: &'r csv::ByteRecord,
    cols: &LedgerColumns,
    url_suffix: &str,
    now: u64,
) -> Result<LedgerEntry<'r>, RowError> {
    let field = |i: Option<usize>| -> Result<&'r str, RowError> {
        match i.and_then(|i| rec.get(i)) {
            None => Ok(""),
            Some(b) => std::str::from_utf8(b)
                .map(str::trim)
                .map_err(|_| "not valid UTF-8".into()),
        }
    };
    let seq = field(Some(cols.seq))?
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_SEQ).contains(s))
        .ok_or(RowError::from("seq is not a whole number from 1 to 2^40-1"))?;
    let external_id = field(Some(cols.external_id))?;
    check_external_id(external_id)?;
    let segment = check_label("segment", field(cols.segment)?)?;
    let variant = check_label("variant", field(cols.variant)?)?;
    let sent_at = parse_sent_at(field(cols.sent_at)?, now)
        .map_err(RowError::Invalid)?
        .map(format_rfc3339);
    let coupon = check_coupon(Some(field(cols.coupon)?))
        .map_err(|m| RowError::Invalid(Cow::Owned(format!("coupon {m}"))))?;
    // The url column, when present, must be this link's: catches uploading to the wrong code.
    if let (Some(url), Some(token)) = (cols.url, cols.token) {
        let (url, token) = (field(Some(url))?, field(Some(token))?);
        let ok = url
            .strip_suffix(token)
            .is_some_and(|u| u.ends_with(url_suffix));
        if !ok {
            return Err(RowError::Invalid(Cow::Owned(format!(
                "url is not a link of this code (expected it to end with {url_suffix}{token})"
            ))));
        }
    }
    Ok(LedgerEntry {
        seq,
        external_id,
        segment: (!segment.is_empty()).then_some(segment),
        variant: (!variant.is_empty()).then_some(variant),
        sent_at,
        coupon,
    })
}

/// The wakelink API of one link, with the key, for `upload`, `reserve` and `mint --api`.
struct Api {
    agent: ureq::Agent,
    /// `{api}/api/v1/links/{code}`
    base: String,
    code: ShortCode,
    auth: String,
}

impl Api {
    fn new(api: &str, code: &ShortCode, key_env: &str) -> Result<Api, Fail> {
        let base = api_base(api, code)?;
        let api_key = match std::env::var(key_env) {
            Ok(k) if !k.trim().is_empty() => k.trim().to_owned(),
            Ok(_) | Err(std::env::VarError::NotPresent) => {
                return fail(format!("environment variable {key_env} is not set"));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return fail(format!("environment variable {key_env} is not UTF-8"));
            }
        };
        if api_key
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return fail(format!("{key_env}: the API key holds whitespace"));
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .redirects(0)
            .user_agent(concat!("wakelink-cli/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Api {
            agent,
            base,
            code: code.clone(),
            auth: format!("Bearer {api_key}"),
        })
    }

    fn url(&self, what: &str) -> String {
        format!("{}/{what}", self.base)
    }

    /// Reserves `count` numbers and checks the receipt with the local keys: a receipt that
    /// doesn't check means the worker signs with other keys than the ones here.
    fn reserve(&self, keys: &Keyring, count: u64) -> Result<Receipt, Fail> {
        let answer = self.post(
            "reservations",
            format!("{{\"count\":{count}}}").as_bytes(),
            "the reservation",
        )?;
        let r: ReservationAnswer = serde_json::from_str(&answer).map_err(|_| {
            Fail("the server's answer to the reservation is not what wakelink sends".into())
        })?;
        let receipt = Receipt::check(&r.receipt, keys, &self.code).map_err(|e| {
            Fail(format!(
                "the server's reservation receipt does not check with the keys here ({e}): \
                 are these the worker's WAKELINK_SIGNING_KEYS?"
            ))
        })?;
        if receipt.range.len() != count
            || (r.first, r.last) != (receipt.range.first, receipt.range.last)
        {
            return fail("the server reserved another range than asked for");
        }
        Ok(receipt)
    }

    /// POST `body` to `{base}/{what}`. 5xx, 429, a `ledger-race` 409 and network errors are
    /// retried (the ledger is recorded idempotently) up to five times with doubling delays; any
    /// other 4xx stops. Returns the answer's body.
    fn post(&self, what: &str, body: &[u8], label: &str) -> Result<String, Fail> {
        let endpoint = self.url(what);
        let mut delay = Duration::from_millis(250);
        let mut attempt = 0;
        loop {
            let result = self
                .agent
                .post(&endpoint)
                .set("Authorization", &self.auth)
                .set("Content-Type", "application/json")
                .send_bytes(body);
            let problem = match result {
                Ok(resp) => {
                    return resp
                        .into_string()
                        .map_err(|e| Fail(format!("reading the answer to {label}: {e}")));
                }
                Err(ureq::Error::Status(status, resp)) => {
                    let retry_after = resp
                        .header("Retry-After")
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let text = resp.into_string().unwrap_or_default();
                    let race = status == 409 && text.contains("\"ledger-race\"");
                    let detail = describe_error_body(text);
                    if status < 500 && status != 429 && !race {
                        return fail(format!("the server refused {label}: HTTP {status}{detail}"));
                    }
                    if let Some(secs) = retry_after {
                        delay = delay.max(Duration::from_secs(secs.min(60)));
                    }
                    format!("HTTP {status}{detail}")
                }
                Err(ureq::Error::Transport(t)) => t.to_string(),
            };
            if attempt == UPLOAD_RETRIES {
                return fail(format!(
                    "giving up on {label} after {UPLOAD_RETRIES} retries: {problem}; \
                     rerunning is safe"
                ));
            }
            attempt += 1;
            eprintln!(
                "{label}: {problem}; retry {attempt}/{UPLOAD_RETRIES} in {:.2}s",
                delay.as_secs_f64()
            );
            std::thread::sleep(delay);
            delay *= 2;
        }
    }
}

/// `: code: message` from `{"error":{"code":..,"message":..}}`, or a short excerpt.
fn describe_error_body(body: String) -> String {
    #[derive(Deserialize)]
    struct Envelope {
        error: Problem,
    }
    #[derive(Deserialize)]
    struct Problem {
        code: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_str::<Envelope>(&body) {
        Ok(Envelope { error }) => format!(
            ": {}: {}",
            error.code.as_deref().unwrap_or("error"),
            error.message.as_deref().unwrap_or("")
        ),
        Err(_) if body.trim().is_empty() => String::new(),
        Err(_) => {
            let excerpt: String = body.chars().filter(|c| !c.is_control()).take(200).collect();
            format!(": {excerpt}")
        }
    }
}

/// `{api}/api/v1/links/{code}/recipients`.
#[cfg(test)]
fn api_endpoint(api: &str, code: &ShortCode) -> Result<String, Fail> {
    api_base(api, code).map(|b| format!("{b}/recipients"))
}

/// `{api}/api/v1/links/{code}`. Plain http only to this machine: the request carries the API
/// key.
fn api_base(api: &str, code: &ShortCode) -> Result<String, Fail> {
    let url = url::Url::parse(api.trim()).map_err(|e| Fail(format!("--api: {e}")))?;
    let local = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => {
            return fail(
                "--api: refusing to send the API key over plain http to another host; use https",
            )
        }
        _ => return fail("--api: must be an http(s) URL"),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return fail("--api: must not have a query or fragment");
    }
    let base = url.as_str().trim_end_matches('/');
    Ok(format!("{base}/api/v1/links/{code}"))
}

// ---------------------------------------------------------------------------------------------
// verify, keygen

fn verify(args: VerifyArgs) -> Result<ExitCode, Fail> {
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

fn keygen(args: KeygenArgs) -> Result<ExitCode, Fail> {
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

fn base64url(bytes: &[u8]) -> String {
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

// ---------------------------------------------------------------------------------------------
// shared checks and helpers

fn parse_code(s: &str) -> Result<ShortCode, Fail> {
    ShortCode::parse(s).map_err(|e| Fail(format!("--code: {e}")))
}

/// `https://host[:port][/path]` without a trailing slash, query or fragment.
fn parse_base_url(s: &str) -> Result<String, Fail> {
    let url = url::Url::parse(s.trim()).map_err(|e| Fail(format!("--base-url: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return fail("--base-url: must be an http(s) URL with a host");
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return fail("--base-url: must not have credentials, a query or a fragment");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn keyring_from_env(var: &str) -> Result<Keyring, Fail> {
    match std::env::var(var) {
        Ok(spec) => Keyring::parse(&spec).map_err(|e| Fail(format!("{var}: {e}"))),
        Err(std::env::VarError::NotPresent) => fail(format!(
            "environment variable {var} is not set (format kid:secret[,kid:secret]; make a key \
             with `wakelink keygen`)"
        )),
        Err(std::env::VarError::NotUnicode(_)) => fail(format!("{var}: not UTF-8")),
    }
}

fn is_contact_column(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    CONTACT_WORDS.iter().any(|w| folded.contains(w))
}

/// The operator's own id, checked by the ledger's rule: neither an e-mail address nor a phone
/// number, so contact data never enters wakelink.
fn check_external_id(id: &str) -> Result<(), RowError> {
    ExternalId::parse(id).map(drop).map_err(|e| {
        let hint = if e.contains("phone") {
            " (prefix numeric ids, e.g. cust-1234567)"
        } else {
            ""
        };
        RowError::Invalid(Cow::Owned(format!("external_id {e}{hint}")))
    })
}

fn check_label<'a>(what: &'static str, v: &'a str) -> Result<&'a str, RowError> {
    wakelink::domain::link::check_label(v)
        .map_err(|m| RowError::Invalid(Cow::Owned(format!("{what} {m}"))))
}

/// Empty, or the API's one time type (RFC 3339 with an offset, see
/// `domain::time::parse_instant`), at most a year ahead of `now`; the result is Unix ms.
fn parse_sent_at(s: &str, now: u64) -> Result<Option<u64>, Cow<'static, str>> {
    if s.is_empty() {
        return Ok(None);
    }
    let ms = parse_instant(s).map_err(|e| Cow::Owned(format!("sent_at {e}")))?;
    if ms > now.saturating_add(MAX_SENT_AHEAD_MS) {
        return Err(Cow::Borrowed(
            "sent_at is more than a year ahead: check the value",
        ));
    }
    Ok(Some(ms))
}

fn now_ms() -> Result<u64, Fail> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Fail("the system clock is before 1970".into()))?;
    Ok(now.as_millis() as u64)
}

/// Decimal digits of `n` in `buf`, without allocating.
fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

fn write_err(e: impl fmt::Display) -> Fail {
    Fail(format!("writing the output: {e}"))
}

/// The input and its size in bytes when it is a file (for the progress bar).
fn open_input(path: &str) -> Result<(Box<dyn Read>, Option<u64>), Fail> {
    if path == "-" {
        return Ok((Box::new(io::stdin().lock()), None));
    }
    let f = File::open(path).map_err(|e| Fail(format!("opening {path}: {e}")))?;
    let len = f.metadata().ok().map(|m| m.len());
    Ok((Box::new(f), len))
}

/// Where minted rows go: stdout, or `{path}.partial` renamed to `path` only on success.
/// Rows pass through a gate: once a run fails the gate closes, so the rows still buffered in the
/// CSV writer are dropped rather than flushed, and a failed run never leaves a list that looks
/// complete.
struct Sink {
    file: Option<(File, PathBuf, PathBuf)>,
    open: Rc<Cell<bool>>,
}

impl Sink {
    fn create(path: &str) -> Result<Sink, Fail> {
        let open = Rc::new(Cell::new(true));
        if path == "-" {
            return Ok(Sink { file: None, open });
        }
        let dest = PathBuf::from(path);
        let mut tmp = dest.clone().into_os_string();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let file =
            File::create(&tmp).map_err(|e| Fail(format!("creating {}: {e}", tmp.display())))?;
        Ok(Sink {
            file: Some((file, tmp, dest)),
            open,
        })
    }

    fn writer(&self) -> Result<Gated, Fail> {
        let inner: Box<dyn Write> = match &self.file {
            None => Box::new(io::stdout().lock()),
            Some((f, tmp, _)) => Box::new(
                f.try_clone()
                    .map_err(|e| Fail(format!("opening {}: {e}", tmp.display())))?,
            ),
        };
        Ok(Gated {
            inner,
            open: Rc::clone(&self.open),
        })
    }

    /// Close the gate: nothing written from now on reaches the output.
    fn close(&self) {
        self.open.set(false);
    }

    /// The `.partial` file being written, when the output is a file.
    fn partial_path(&self) -> Option<&std::path::Path> {
        self.file.as_ref().map(|(_, tmp, _)| tmp.as_path())
    }

    fn commit(self) -> Result<(), Fail> {
        if let Some((f, tmp, dest)) = self.file {
            f.sync_all()
                .map_err(|e| Fail(format!("writing {}: {e}", tmp.display())))?;
            std::fs::rename(&tmp, &dest).map_err(|e| {
                Fail(format!(
                    "renaming {} to {}: {e}",
                    tmp.display(),
                    dest.display()
                ))
            })?;
        }
        Ok(())
    }

    fn abandon(self) {
        self.close();
        if let Some((f, tmp, _)) = self.file {
            drop(f);
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

struct Gated {
    inner: Box<dyn Write>,
    open: Rc<Cell<bool>>,
}

impl Write for Gated {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.open.get() {
            self.inner.write(buf)
        } else {
            Ok(buf.len())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.open.get() {
            self.inner.flush()
        } else {
            Ok(())
        }
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Progress(Option<ProgressBar>);

impl Progress {
    fn new(total_bytes: Option<u64>) -> Progress {
        if !io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = match total_bytes {
            Some(n) => {
                ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr_with_hz(8))
                    .with_style(
                        ProgressStyle::with_template(
                            "{bar:40} {bytes}/{total_bytes} {msg} rows  ({elapsed}, eta {eta})",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    )
            }
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8))
                .with_style(
                    ProgressStyle::with_template("{spinner} {msg} rows ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                ),
        };
        Progress(Some(bar))
    }

    fn set(&self, bytes: u64, rows: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(bytes);
            bar.set_message(rows.to_string());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_and_email_ids_are_refused() {
        let cases: &[(&str, bool)] = &[
            ("cust-000001", true),
            ("u-1", true),
            ("123456", true),
            ("A1234567", true),
            ("1234567", true),
            ("13800138000", false),
            ("tel:10086", false),
            ("+1 (415) 555-0100", false),
            ("+33 6 12 34 56 78", false),
            ("(555) 123-4567", false),
            ("555.123.4567", false),
            ("a@b", false),
            ("", false),
            ("tab\there", false),
        ];
        for (id, ok) in cases {
            assert_eq!(check_external_id(id).is_ok(), *ok, "{id:?}");
        }
        assert!(check_external_id(&"x".repeat(129)).is_err());
    }

    #[test]
    fn contact_columns() {
        for name in [
            "phone",
            "Phone Number",
            "MOBILE",
            "e-mail",
            "email_address",
            "msisdn",
            "telephone",
        ] {
            assert!(is_contact_column(name), "{name}");
        }
        for name in ["external_id", "segment", "variant", "sent_at", "name"] {
            assert!(!is_contact_column(name), "{name}");
        }
    }

    #[test]
    fn sent_at() {
        let now = 1_766_000_000_000;
        assert_eq!(parse_sent_at("", now), Ok(None));
        assert_eq!(
            parse_sent_at("2025-12-17T19:33:20Z", now),
            Ok(Some(1_766_000_000_000))
        );
        assert_eq!(
            parse_sent_at("2025-12-17T20:33:20.123+01:00", now),
            Ok(Some(1_766_000_000_123))
        );
        assert_eq!(
            parse_sent_at("2025-12-17 14:33:20-05:00", now),
            Ok(Some(1_766_000_000_000))
        );
        // The same refusals as the API: no unit guessing, no silent UTC.
        for bad in [
            "1766000000",
            "1766000000000",
            "2025-12-17",
            "2025-12-17T19:33:20",
            "2025-13-01T00:00:00Z",
            "yesterday",
            "1969-12-31T23:59:59Z",
            "2027-12-18T00:00:00Z",
        ] {
            assert!(parse_sent_at(bad, now).is_err(), "{bad}");
        }
    }

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

    #[test]
    fn endpoints() {
        let code = ShortCode::parse("spring").unwrap();
        assert_eq!(
            api_endpoint("http://127.0.0.1:8787", &code).unwrap(),
            "http://127.0.0.1:8787/api/v1/links/spring/recipients"
        );
        assert_eq!(
            api_endpoint("https://links.example.com/", &code).unwrap(),
            "https://links.example.com/api/v1/links/spring/recipients"
        );
        assert!(api_endpoint("http://links.example.com", &code).is_err());
        assert!(api_endpoint("ftp://localhost", &code).is_err());
        assert_eq!(
            parse_base_url("https://example.link/").unwrap(),
            "https://example.link"
        );
        assert!(parse_base_url("https://example.link/?a=1").is_err());
    }
}
