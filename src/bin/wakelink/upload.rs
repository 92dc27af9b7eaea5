//! `wakelink upload`: a minted CSV's ledger posted to the API in idempotent batches.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use serde::Serialize;

use wakelink::domain::ledger::{check_channel, check_coupon, parse_cost, MAX_BATCH, MAX_SEQ};
use wakelink::domain::time::format_rfc3339;

use crate::api::Api;
use crate::checks::*;
use crate::files::*;
use crate::{fail, Fail, DEFAULT_API_KEY_ENV};

#[derive(Args)]
pub(crate) struct UploadArgs {
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

/// One ledger entry as the API takes it.
#[derive(Serialize)]
pub(crate) struct LedgerEntry<'a> {
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
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<u64>,
}

pub(crate) fn upload(args: UploadArgs) -> Result<ExitCode, Fail> {
    let code = parse_code(&args.code)?;
    let api = Api::new(&args.api, &code, &args.api_key_env)?;
    let (input, input_len) = open_input(&args.input)?;
    upload_csv(&api, input, input_len, args.batch)?;
    Ok(ExitCode::SUCCESS)
}

/// The ledger of a minted CSV file, uploaded (used by `mint --api` before the file is named).
pub(crate) fn upload_file(api: &Api, path: &std::path::Path, batch: u32) -> Result<u64, Fail> {
    let f = File::open(path).map_err(|e| Fail(format!("opening {}: {e}", path.display())))?;
    let len = f.metadata().ok().map(|m| m.len());
    upload_csv(api, Box::new(f), len, batch)
}

/// Posts a minted CSV's ledger in batches of `batch` rows; the number of rows sent.
pub(crate) fn upload_csv(
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
pub(crate) struct LedgerColumns {
    seq: usize,
    external_id: usize,
    segment: Option<usize>,
    variant: Option<usize>,
    sent_at: Option<usize>,
    coupon: Option<usize>,
    channel: Option<usize>,
    cost: Option<usize>,
    token: Option<usize>,
    url: Option<usize>,
}

impl LedgerColumns {
    pub(crate) fn find(headers: &csv::ByteRecord) -> Result<LedgerColumns, Fail> {
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
                channel: pos("channel"),
                cost: pos("cost"),
                token: pos("token"),
                url: pos("url"),
            }),
            _ => fail("the input is not a minted CSV: it needs seq and external_id columns (write it with `wakelink mint`)"),
        }
    }
}

pub(crate) fn ledger_entry<'r>(
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
    let channel = check_channel(Some(field(cols.channel)?))
        .map_err(|m| RowError::Invalid(Cow::Owned(format!("channel {m}"))))?;
    let cost = parse_cost(field(cols.cost)?)
        .map_err(|m| RowError::Invalid(Cow::Owned(format!("cost {m}"))))?;
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
        channel: channel.map(|c| c.as_str()),
        cost,
    })
}
