//! `wakelink mint`: a send list (operator ids, never contact data) into signed per-recipient
//! links, written as CSV.

use std::borrow::Cow;
use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use wakelink::domain::ledger::{check_channel, check_coupon, parse_cost, MAX_BATCH};
use wakelink::domain::reserve::Receipt;
use wakelink::domain::time::{format_rfc3339, parse_instant};
use wakelink::domain::token::{Keyring, Kind, LinkRef, TokenBuf};

use crate::api::Api;
use crate::checks::*;
use crate::files::*;
use crate::upload::upload_file;
use crate::{fail, Fail, DEFAULT_API_KEY_ENV, DEFAULT_KEYS_ENV, IO_BUFFER};

pub(crate) const OUT_HEADER: [&str; 10] = [
    "seq",
    "external_id",
    "segment",
    "variant",
    "sent_at",
    "coupon",
    "channel",
    "cost",
    "token",
    "url",
];
pub(crate) const OUT_HEADER_HONEYPOT: [&str; 11] = [
    "seq",
    "external_id",
    "segment",
    "variant",
    "sent_at",
    "coupon",
    "channel",
    "cost",
    "token",
    "url",
    "honeypot_url",
];

#[derive(Args)]
pub(crate) struct MintArgs {
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
pub(crate) enum InputFormat {
    Csv,
    Ndjson,
}

pub(crate) fn mint(args: MintArgs) -> Result<ExitCode, Fail> {
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
pub(crate) fn count_rows(bytes: &[u8], format: InputFormat) -> Result<u64, Fail> {
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
pub(crate) struct SendRow<'a> {
    external_id: &'a str,
    segment: &'a str,
    variant: &'a str,
    sent_at: &'a str,
    /// The recipient's coupon code for the landing page (optional).
    coupon: &'a str,
    /// The channel of this send and its own cost in minor units (optional).
    channel: &'a str,
    cost: &'a str,
}

/// Mints rows in order and writes them out, reusing every buffer.
pub(crate) struct Minter<'k, W: Write> {
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
    pub(crate) fn row(&mut self, row: &SendRow<'_>) -> Result<(), RowError> {
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
        let channel = check_channel(Some(row.channel))
            .map_err(|m| RowError::Invalid(Cow::Owned(format!("channel {m}"))))?;
        let cost =
            parse_cost(row.cost).map_err(|m| RowError::Invalid(Cow::Owned(format!("cost {m}"))))?;
        let mut cost_buf = [0u8; 20];
        let cost: &[u8] = match cost {
            Some(c) => fmt_u64(c, &mut cost_buf),
            None => b"",
        };
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
        let fields: [&[u8]; 11] = [
            fmt_u64(seq, &mut seq_buf),
            external_id.as_bytes(),
            segment.as_bytes(),
            variant.as_bytes(),
            sent_at.as_bytes(),
            coupon.as_deref().unwrap_or("").as_bytes(),
            channel.map_or("", |c| c.as_str()).as_bytes(),
            cost,
            token.as_bytes(),
            &self.url,
            &self.pot_url,
        ];
        let n = if self.honeypot { 11 } else { 10 };
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
pub(crate) struct SeenIds {
    keys: (RandomState, RandomState),
    ids: HashMap<u64, u64, BuildHasherDefault<PreHashed>>,
}

impl SeenIds {
    /// `false` if `id` was seen before.
    pub(crate) fn insert(&mut self, id: &str) -> bool {
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
pub(crate) struct PreHashed(u64);

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
pub(crate) fn mint_csv<W: Write>(
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
pub(crate) struct SendColumns {
    external_id: usize,
    segment: Option<usize>,
    variant: Option<usize>,
    sent_at: Option<usize>,
    coupon: Option<usize>,
    channel: Option<usize>,
    cost: Option<usize>,
}

impl SendColumns {
    pub(crate) fn find(headers: &csv::ByteRecord) -> Result<SendColumns, Fail> {
        let mut external_id = None;
        let mut segment = None;
        let mut variant = None;
        let mut sent_at = None;
        let mut coupon = None;
        let mut channel = None;
        let mut cost = None;
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
                "channel" => &mut channel,
                "cost" => &mut cost,
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
            return fail("the input has no external_id column (columns: external_id, optional segment, variant, sent_at, coupon, channel, cost)");
        };
        if !ignored.is_empty() {
            eprintln!(
                "note: ignoring column(s) {}: only external_id, segment, variant, sent_at, coupon, channel and cost are kept",
                ignored.join(", ")
            );
        }
        Ok(SendColumns {
            external_id,
            segment,
            variant,
            sent_at,
            coupon,
            channel,
            cost,
        })
    }

    pub(crate) fn row<'r>(&self, rec: &'r csv::ByteRecord) -> Result<SendRow<'r>, RowError> {
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
            channel: field(self.channel)?,
            cost: field(self.cost)?,
        })
    }
}

pub(crate) fn mint_ndjson<W: Write>(
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
            channel: parsed.channel.as_deref().unwrap_or(""),
            cost: parsed.cost.as_deref().unwrap_or(""),
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
pub(crate) struct NdRow<'a> {
    external_id: Option<Cow<'a, str>>,
    segment: Option<Cow<'a, str>>,
    variant: Option<Cow<'a, str>>,
    sent_at: Option<Cow<'a, str>>,
    coupon: Option<Cow<'a, str>>,
    channel: Option<Cow<'a, str>>,
    cost: Option<Cow<'a, str>>,
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
                        "channel" => &mut row.channel,
                        "cost" => &mut row.cost,
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
pub(crate) struct Text<'a>(Option<Cow<'a, str>>);

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
