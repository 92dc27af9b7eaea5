//! The send ledger (who was sent which per-recipient link, when) and the first-click rule.
//!
//! Phone numbers and e-mail addresses never enter wakelink: a recipient is a sequence number
//! in a signed token, mapped here to the operator's own opaque id.

use serde::{Deserialize, Serialize};

use super::campaign::{Channel, MAX_COST_MINOR};
use super::link::check_label;
use super::problem::Problem;
use super::time::{instant_from_json, UnixMs};

pub const MAX_EXTERNAL_ID_LEN: usize = 128;
/// Most rows accepted in one `POST /api/v1/links/{code}/recipients`.
pub const MAX_BATCH: usize = 1000;
/// Largest recipient sequence number (the token format carries 40 bits).
pub const MAX_SEQ: u64 = (1 << 40) - 1;

/// The operator's own id for a recipient: opaque, never a phone number or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ExternalId(String);

/// Full-width forms (`１３８`, `＠`, `＋`), the ideographic space and dash look-alikes, folded to
/// the ASCII a person would read, so the contact-data guard judges what the text says.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' | '\u{2007}' | '\u{202F}' => ' ',
        '\u{FE6B}' => '@',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => '-',
        _ => c.to_ascii_lowercase(),
    }
}

/// Why a value looks like contact data, or `None`. Numeric customer ids are allowed, also long
/// ones; what is refused is the shape of an e-mail address (`@` in any width), a contact URI
/// (`tel:`, `sms:`, `mailto:` …), a number written like a phone number (a `+`, or digits grouped
/// by spaces, dashes, dots or brackets: `+86 138 0013 8000`, `138-0013-8000`, `(555) 123-4567`),
/// a mainland China mobile number (`1[3-9]` and 9 more digits, also after `86` or `0086`), and a
/// number with an international dialling prefix (`00`, a country code, 10+ digits in all).
pub fn contact_shape(raw: &str) -> Option<&'static str> {
    let s: String = raw.trim().chars().map(fold_width).collect();
    if s.contains('@') {
        return Some("looks like an e-mail address; use your own recipient id");
    }
    const SCHEMES: &[&str] = &[
        "tel:",
        "sms:",
        "smsto:",
        "mailto:",
        "callto:",
        "facetime:",
        "wtai:",
    ];
    if SCHEMES.iter().any(|p| s.starts_with(p)) {
        return Some("is a contact link (tel:, sms:, mailto:); use your own recipient id");
    }
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let phone_chars = s
        .bytes()
        .all(|b| b.is_ascii_digit() || b" +-()./".contains(&b));
    if !phone_chars || digits < 7 {
        return None;
    }
    const PHONE: &str = "looks like a phone number; use your own recipient id";
    if digits != s.len() {
        // A plus sign or grouping: written for dialling.
        return Some(PHONE);
    }
    let cn_mobile = |d: &str| {
        let b = d.as_bytes();
        b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
    };
    let national = s
        .strip_prefix("0086")
        .or_else(|| s.strip_prefix("86"))
        .filter(|rest| rest.len() == 11);
    // `00` then a country code (never 0): an international dialling prefix. Zero-padded ids
    // (`0000012345678`) are not.
    let international = s.len() >= 10 && s.starts_with("00") && s.as_bytes()[2] != b'0';
    if cn_mobile(&s) || national.is_some_and(cn_mobile) || international {
        return Some(PHONE);
    }
    None
}

impl ExternalId {
    /// ```
    /// use wakelink::domain::ledger::ExternalId;
    /// assert!(ExternalId::parse("cust-000123").is_ok());
    /// assert!(ExternalId::parse("100200300400").is_ok());
    /// assert!(ExternalId::parse("+86 138 0013 8000").is_err());
    /// assert!(ExternalId::parse("someone@example.com").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<ExternalId, &'static str> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("must not be empty");
        }
        if s.len() > MAX_EXTERNAL_ID_LEN {
            return Err("is longer than 128 bytes");
        }
        if s.chars().any(char::is_control) {
            return Err("holds control characters");
        }
        if let Some(why) = contact_shape(s) {
            return Err(why);
        }
        Ok(ExternalId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One row of a send list as the API receives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRowInput {
    #[serde(default)]
    pub seq: Option<u64>,
    pub external_id: String,
    #[serde(default)]
    pub segment: Option<String>,
    #[serde(default)]
    pub variant: Option<String>,
    /// RFC 3339 with an offset (see [`super::time::parse_instant`]).
    #[serde(default)]
    pub sent_at: Option<serde_json::Value>,
    /// The recipient's own coupon code, shown on the link's landing page (see
    /// [`super::landing::coupon_code`]). Kept as first recorded, like the rest of the row.
    #[serde(default)]
    pub coupon: Option<String>,
    /// The channel this recipient was sent through (`sms`, `email`, `push`, `call`); default:
    /// the campaign's (see `domain::feed`).
    #[serde(default)]
    pub channel: Option<String>,
    /// This send's own cost in minor units of the campaign's currency (a long SMS in two
    /// parts); default: the campaign's cost per send for the channel.
    #[serde(default)]
    pub cost: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBatchInput {
    pub recipients: Vec<SendRowInput>,
    /// Optional expiry carried in each minted token: RFC 3339 with an offset, in the future.
    #[serde(default)]
    pub expires_at: Option<serde_json::Value>,
    /// Also mint, per recipient, a honeypot link to hide in an e-mail (see docs/tokens.md).
    #[serde(default)]
    pub honeypot: bool,
}

/// A checked batch.
#[derive(Debug)]
pub struct SendBatch {
    pub rows: Vec<SendRow>,
    pub expires_at: Option<UnixMs>,
    pub honeypot: bool,
}

/// Send times further ahead than this are refused (a scheduled send, at most a year out).
pub const MAX_SENT_AHEAD_MS: u64 = 366 * 86_400_000;

/// A checked ledger row. `seq` is `None` when the server is to assign it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRow {
    pub seq: Option<u64>,
    pub external_id: ExternalId,
    pub segment: Option<String>,
    pub variant: Option<String>,
    pub sent_at: Option<UnixMs>,
    pub coupon: Option<String>,
    pub channel: Option<Channel>,
    pub cost_minor: Option<u64>,
}

/// An optional channel name: empty means absent.
pub fn check_channel(raw: Option<&str>) -> Result<Option<Channel>, &'static str> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => Channel::parse(v)
            .map(Some)
            .ok_or("must be one of sms, email, push, call"),
    }
}

/// A cost as text (a send list's column): empty is absent; otherwise a whole number of minor
/// units, no sign, no decimals.
pub fn parse_cost(raw: &str) -> Result<Option<u64>, &'static str> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() > 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a whole number of minor units (e.g. 5 for 0.05)");
    }
    check_cost(v.parse().ok())
}

/// An optional cost of one send, in minor units.
pub fn check_cost(cost: Option<u64>) -> Result<Option<u64>, &'static str> {
    match cost {
        Some(c) if c > MAX_COST_MINOR => Err("is more than 10,000,000 minor units for one send"),
        c => Ok(c),
    }
}

/// An optional per-recipient coupon code: empty means absent; too long, control characters or
/// the shape of contact data are refused.
pub fn check_coupon(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    let Some(v) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if contact_shape(v).is_some() {
        return Err("looks like contact data; a coupon code is a code");
    }
    match super::landing::coupon_code(v) {
        Some(code) => Ok(Some(code.to_owned())),
        None => Err("must be at most 40 characters without control characters"),
    }
}

/// An optional label: empty means absent.
fn short_label(field: String, v: Option<&str>) -> Result<Option<String>, Problem> {
    match v.map(check_label).transpose() {
        Ok(v) => Ok(v.filter(|v| !v.is_empty()).map(str::to_owned)),
        Err(m) => Err(Problem::invalid(field, m)),
    }
}

impl SendBatchInput {
    /// Parses and checks a batch received at `now`.
    pub fn parse(body: &[u8], now: UnixMs) -> Result<SendBatch, Problem> {
        let input: SendBatchInput =
            serde_json::from_slice(body).map_err(|e| Problem::invalid_json(&e))?;
        if input.recipients.is_empty() {
            return Err(Problem::invalid("recipients", "must hold at least one row"));
        }
        if input.recipients.len() > MAX_BATCH {
            return Err(Problem::too_large(format!(
                "at most {MAX_BATCH} recipients per request"
            )));
        }
        let expires_at = instant_from_json(input.expires_at.as_ref())
            .map_err(|m| Problem::invalid("expires_at", m))?;
        if expires_at.is_some_and(|t| t <= now) {
            return Err(Problem::invalid("expires_at", "is already past"));
        }
        let rows = input
            .recipients
            .iter()
            .enumerate()
            .map(|(i, r)| r.check(i, now))
            .collect::<Result<_, _>>()?;
        Ok(SendBatch {
            rows,
            expires_at,
            honeypot: input.honeypot,
        })
    }
}

impl SendRowInput {
    fn check(&self, i: usize, now: UnixMs) -> Result<SendRow, Problem> {
        let field = |name: &str| format!("recipients[{i}].{name}");
        if self.seq.is_some_and(|s| s == 0 || s > MAX_SEQ) {
            return Err(Problem::invalid(
                field("seq"),
                "must be between 1 and 2^40-1",
            ));
        }
        let external_id = ExternalId::parse(&self.external_id)
            .map_err(|m| Problem::invalid(field("external_id"), m))?;
        let sent_at = instant_from_json(self.sent_at.as_ref())
            .map_err(|m| Problem::invalid(field("sent_at"), m))?;
        if sent_at.is_some_and(|t| t > now.saturating_add(MAX_SENT_AHEAD_MS)) {
            return Err(Problem::invalid(
                field("sent_at"),
                "is more than a year ahead: check the value",
            ));
        }
        Ok(SendRow {
            seq: self.seq,
            external_id,
            segment: short_label(field("segment"), self.segment.as_deref())?,
            variant: short_label(field("variant"), self.variant.as_deref())?,
            sent_at,
            coupon: check_coupon(self.coupon.as_deref())
                .map_err(|m| Problem::invalid(field("coupon"), m))?,
            channel: check_channel(self.channel.as_deref())
                .map_err(|m| Problem::invalid(field("channel"), m))?,
            cost_minor: check_cost(self.cost).map_err(|m| Problem::invalid(field("cost"), m))?,
        })
    }
}

/// A ledger row with its sequence number settled, and whether it is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub seq: u64,
    pub row: SendRow,
    pub new: bool,
}

/// How many fresh sequence numbers [`assign`] will take for this batch: one per distinct
/// external id that comes without a seq and is not in the ledger yet.
pub fn fresh_needed(rows: &[SendRow], existing: &[(u64, String)]) -> u64 {
    use std::collections::HashMap;
    // The same map types as `assign`: no extra code in the worker.
    let known: HashMap<&str, u64> = existing.iter().map(|(s, id)| (id.as_str(), *s)).collect();
    let mut fresh: HashMap<&str, u64> = HashMap::new();
    for r in rows.iter().filter(|r| r.seq.is_none()) {
        let id = r.external_id.as_str();
        if !known.contains_key(id) {
            fresh.insert(id, 0);
        }
    }
    fresh.len() as u64
}

/// Settles sequence numbers for a batch against what the ledger already holds
/// (`existing`: (seq, external id) pairs touching this batch). New recipients without a seq
/// take numbers from `fresh_from` on: the first of a range reserved for this batch from the
/// link's one counter, so no other send list can hold them. A row already recorded keeps its
/// number, so a retried batch changes nothing; a row that contradicts the ledger (same id with
/// another seq, or a seq taken by another id) is refused.
pub fn assign(
    rows: Vec<SendRow>,
    existing: &[(u64, String)],
    fresh_from: u64,
) -> Result<Vec<Assigned>, Problem> {
    use std::collections::HashMap;
    let by_id: HashMap<&str, u64> = existing.iter().map(|(s, id)| (id.as_str(), *s)).collect();
    let by_seq: HashMap<u64, &str> = existing.iter().map(|(s, id)| (*s, id.as_str())).collect();
    let mut batch_ids: HashMap<String, u64> = HashMap::new();
    let mut batch_seqs: HashMap<u64, usize> = HashMap::new();
    let mut next = fresh_from.saturating_sub(1);
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        let id = row.external_id.as_str();
        let known = by_id.get(id).copied();
        let seq = match (row.seq, known) {
            (Some(s), Some(k)) if s != k => {
                return Err(Problem::conflict(
                    "ledger-conflict",
                    format!("recipients[{i}]: external_id is recorded with seq {k}"),
                ))
            }
            (Some(s), _) => s,
            (None, Some(k)) => k,
            (None, None) => match batch_ids.get(id) {
                Some(s) => *s,
                None => {
                    next += 1;
                    while by_seq.contains_key(&next) || batch_seqs.contains_key(&next) {
                        next += 1;
                    }
                    next
                }
            },
        };
        if seq > MAX_SEQ {
            return Err(Problem::conflict(
                "ledger-full",
                "no sequence numbers left for this link",
            ));
        }
        if by_seq.get(&seq).is_some_and(|other| *other != id) {
            return Err(Problem::conflict(
                "ledger-conflict",
                format!("recipients[{i}]: seq {seq} belongs to another recipient"),
            ));
        }
        if let Some(prev) = batch_ids.insert(id.to_owned(), seq) {
            if prev != seq {
                return Err(Problem::conflict(
                    "ledger-conflict",
                    format!("recipients[{i}]: external_id repeated with another seq"),
                ));
            }
            continue;
        }
        if batch_seqs.insert(seq, i).is_some() {
            return Err(Problem::conflict(
                "ledger-conflict",
                format!("recipients[{i}]: seq {seq} repeated in the batch"),
            ));
        }
        out.push(Assigned {
            seq,
            new: known.is_none(),
            row,
        });
    }
    Ok(out)
}

/// The largest a D1 statement's JSON argument may grow (D1 takes 100 KB per statement).
pub const MAX_STATEMENT_JSON: usize = 90_000;

/// `items` (each a JSON text) as JSON arrays of at most `max_bytes` each (one item longer than
/// that makes an array of its own), for set-based statements (`… FROM json_each(?)`) that stay under D1's size limit.
pub fn json_array_chunks(items: &[String], max_bytes: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut cur = String::from("[");
    for text in items {
        if cur.len() > 1 && cur.len() + text.len() + 2 > max_bytes {
            cur.push(']');
            chunks.push(std::mem::replace(&mut cur, String::from("[")));
        }
        if cur.len() > 1 {
            cur.push(',');
        }
        cur.push_str(text);
    }
    if cur.len() > 1 {
        cur.push(']');
        chunks.push(cur);
    }
    chunks
}

/// The new rows of a batch for the set-based insert, `[seq, external_id, segment, variant,
/// sent_at, coupon, channel, cost]` each, in arrays of at most `max_bytes`: a full batch of 1,000 rows is a handful of
/// statements, each under D1's size limit.
pub fn insert_chunks(assigned: &[Assigned], max_bytes: usize) -> Vec<String> {
    let rows: Vec<_> = assigned
        .iter()
        .filter(|a| a.new)
        .map(|a| {
            serde_json::json!([
                a.seq,
                a.row.external_id.as_str(),
                a.row.segment,
                a.row.variant,
                a.row.sent_at,
                a.row.coupon,
                a.row.channel.map(Channel::as_str),
                a.row.cost_minor
            ])
            .to_string()
        })
        .collect();
    json_array_chunks(&rows, max_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contact-data guard, judged by shape: numeric customer ids are fine, phone numbers
    /// and e-mail addresses in any writing are not.
    #[test]
    fn external_ids_refuse_contact_data_and_allow_numeric_ids() {
        let allowed = [
            "cust-1",
            "123456",
            "1234567",
            "100200300400",
            "0000012345678",
            "20260001234567",
            "A-2026-000001",
            "u_9f8e7d",
            "u13800138000",
            "order 2026-11-20",
            "12345678901234567890",
        ];
        for ok in allowed {
            assert!(ExternalId::parse(ok).is_ok(), "{ok:?} should be allowed");
        }
        let refused = [
            "",
            "x\u{0}",
            "a@b",
            "someone@example.com",
            "someone＠example.com",
            "someone﹫example.com",
            "mailto:someone",
            "13800138000",
            "8613800138000",
            "008613800138000",
            "+8613800138000",
            "+86 138 0013 8000",
            "+86-138-0013-8000",
            "138 0013 8000",
            "138-0013-8000",
            "138–0013–8000",
            "１３８００１３８０００",
            "＋８６　１３８　００１３　８０００",
            "tel:+8613800138000",
            "TEL:13800138000",
            "sms:13800138000",
            "+1 (415) 555-0100",
            "(555) 123-4567",
            "555.123.4567",
            "+33 6 12 34 56 78",
            "0044 20 7946 0958",
            "00442079460958",
        ];
        for bad in refused {
            assert!(ExternalId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn batch_parse_names_the_row() {
        let now = 1_766_000_000_000;
        let err = SendBatchInput::parse(
            br#"{"recipients":[{"external_id":"ok-1"},{"external_id":"13800138000"}]}"#,
            now,
        )
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("recipients[1].external_id"));
        let rows = SendBatchInput::parse(
            br#"{"recipients":[{"seq":3,"external_id":"c1","segment":"dormant-6m","variant":"B","sent_at":"2025-12-17T19:33:20Z"}]}"#,
            now,
        )
        .unwrap()
        .rows;
        assert_eq!(rows[0].sent_at, Some(1_766_000_000_000));
        assert_eq!(rows[0].seq, Some(3));
        for (body, field) in [
            (
                r#"{"recipients":[{"external_id":"c","sent_at":"soon"}]}"#,
                "recipients[0].sent_at",
            ),
            // Seconds and milliseconds are both refused: the unit is not guessed.
            (
                r#"{"recipients":[{"external_id":"c","sent_at":1766000000}]}"#,
                "recipients[0].sent_at",
            ),
            (
                r#"{"recipients":[{"external_id":"c","sent_at":1766000000000}]}"#,
                "recipients[0].sent_at",
            ),
            (
                r#"{"recipients":[{"external_id":"c","sent_at":"2025-12-17"}]}"#,
                "recipients[0].sent_at",
            ),
            (
                r#"{"recipients":[{"external_id":"c","sent_at":"2027-12-17T00:00:00Z"}]}"#,
                "recipients[0].sent_at",
            ),
            (
                r#"{"recipients":[{"external_id":"c"}],"expires_at":"2025-12-17T19:33:19Z"}"#,
                "expires_at",
            ),
            (
                r#"{"recipients":[{"external_id":"c"}],"expires_at":"2026-12-31"}"#,
                "expires_at",
            ),
            (
                r#"{"recipients":[{"external_id":"c"}],"expires_at":1798732799}"#,
                "expires_at",
            ),
        ] {
            let err = SendBatchInput::parse(body.as_bytes(), now).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{body}");
        }
        let b = SendBatchInput::parse(
            br#"{"recipients":[{"external_id":"c"}],"expires_at":"2026-12-31T23:59:59+08:00","honeypot":true}"#,
            now,
        )
        .unwrap();
        assert_eq!((b.expires_at, b.honeypot), (Some(1_798_732_799_000), true));
    }

    #[test]
    fn channels_and_costs() {
        let parse = |row: &str| {
            SendBatchInput::parse(
                format!(r#"{{"recipients":[{row}]}}"#).as_bytes(),
                1_766_000_000_000,
            )
        };
        let ok = parse(r#"{"external_id":"c1","channel":"email","cost":12}"#).unwrap();
        assert_eq!(
            (ok.rows[0].channel, ok.rows[0].cost_minor),
            (Some(Channel::Email), Some(12))
        );
        let none = parse(r#"{"external_id":"c1","channel":""}"#).unwrap();
        assert_eq!(
            (none.rows[0].channel, none.rows[0].cost_minor),
            (None, None)
        );
        let bad = parse(r#"{"external_id":"c1","channel":"fax"}"#).unwrap_err();
        assert_eq!(bad.field.as_deref(), Some("recipients[0].channel"));
        let dear = parse(r#"{"external_id":"c1","cost":10000001}"#).unwrap_err();
        assert_eq!(dear.field.as_deref(), Some("recipients[0].cost"));
        assert_eq!(parse_cost(" 12 "), Ok(Some(12)));
        assert_eq!(parse_cost(""), Ok(None));
        for bad in ["1.5", "-1", "1e3", "0x10", "99999999999999"] {
            assert!(parse_cost(bad).is_err(), "{bad}");
        }
        // Money is never a float, nor negative.
        for cost in ["1.5", "-1"] {
            let e = parse(&format!(r#"{{"external_id":"c1","cost":{cost}}}"#)).unwrap_err();
            assert_eq!(e.code, "invalid-json", "{cost}");
        }
    }

    #[test]
    fn coupons_are_codes() {
        assert_eq!(check_coupon(None), Ok(None));
        assert_eq!(check_coupon(Some("  ")), Ok(None));
        assert_eq!(
            check_coupon(Some(" SPRING-30 ")),
            Ok(Some("SPRING-30".into()))
        );
        assert_eq!(
            check_coupon(Some("新人礼券8折")),
            Ok(Some("新人礼券8折".into()))
        );
        assert!(check_coupon(Some(&"A".repeat(41))).is_err());
        assert!(check_coupon(Some("A\u{7}B")).is_err());
        assert!(check_coupon(Some("13800138000")).is_err());
        assert!(check_coupon(Some("someone@example.com")).is_err());
        let err = SendBatchInput::parse(
            br#"{"recipients":[{"external_id":"c1","coupon":"x\u0000y"}]}"#,
            1_766_000_000_000,
        )
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("recipients[0].coupon"));
    }

    #[test]
    fn insert_chunks_stay_under_the_statement_limit() {
        // A full batch with every field at its longest.
        let rows: Vec<Assigned> = (0..MAX_BATCH as u64)
            .map(|i| Assigned {
                seq: MAX_SEQ - i,
                new: true,
                row: SendRow {
                    seq: None,
                    external_id: ExternalId::parse(&format!("{i:x}{}", "\u{20ac}".repeat(40)))
                        .unwrap(),
                    segment: Some("\u{20ac}".repeat(64)),
                    variant: Some("\"".repeat(64)),
                    sent_at: Some(u64::MAX),
                    coupon: Some("\u{20ac}".repeat(40)),
                    channel: Some(Channel::Email),
                    cost_minor: Some(MAX_COST_MINOR),
                },
            })
            .collect();
        let chunks = insert_chunks(&rows, MAX_STATEMENT_JSON);
        assert!(chunks.len() <= 8, "{} statements", chunks.len());
        let mut back = 0;
        for c in &chunks {
            assert!(c.len() <= MAX_STATEMENT_JSON, "{}", c.len());
            let v: Vec<serde_json::Value> = serde_json::from_str(c).unwrap();
            back += v.len();
        }
        assert_eq!(back, MAX_BATCH);
        assert!(insert_chunks(&rows[..0], MAX_STATEMENT_JSON).is_empty());
    }

    fn row(id: &str, seq: Option<u64>) -> SendRow {
        SendRow {
            seq,
            external_id: ExternalId::parse(id).unwrap(),
            segment: None,
            variant: None,
            sent_at: None,
            coupon: None,
            channel: None,
            cost_minor: None,
        }
    }

    #[test]
    fn assignment_is_idempotent_and_checked() {
        assert_eq!(
            fresh_needed(&[row("a", None), row("b", None), row("a", None)], &[]),
            2
        );
        let first = assign(vec![row("a", None), row("b", None)], &[], 1).unwrap();
        assert_eq!(
            first.iter().map(|a| (a.seq, a.new)).collect::<Vec<_>>(),
            vec![(1, true), (2, true)]
        );
        // A retry of the same batch after it was recorded: same numbers, nothing new.
        let existing = vec![(1, "a".to_string()), (2, "b".to_string())];
        assert_eq!(
            fresh_needed(&[row("a", None), row("b", None)], &existing),
            0
        );
        let again = assign(vec![row("a", None), row("b", None)], &existing, 3).unwrap();
        assert_eq!(
            again.iter().map(|a| (a.seq, a.new)).collect::<Vec<_>>(),
            vec![(1, false), (2, false)]
        );
        // Explicit numbers from the CLI are kept; a clash is a conflict.
        assert_eq!(
            assign(vec![row("c", Some(10))], &existing, 2).unwrap()[0].seq,
            10
        );
        assert_eq!(
            assign(vec![row("c", Some(1))], &existing, 2)
                .unwrap_err()
                .status,
            409
        );
        assert_eq!(
            assign(vec![row("a", Some(5))], &existing, 2)
                .unwrap_err()
                .status,
            409
        );
        assert_eq!(
            assign(vec![row("x", Some(4)), row("y", Some(4))], &[], 1)
                .unwrap_err()
                .status,
            409
        );
        // Fresh numbers come from the reserved range, explicit ones stay.
        let mixed = assign(
            vec![row("p", Some(3)), row("q", None), row("r", None)],
            &[],
            40,
        )
        .unwrap();
        assert_eq!(
            mixed.iter().map(|a| a.seq).collect::<Vec<_>>(),
            vec![3, 40, 41]
        );
    }

    proptest::proptest! {
        /// Any batch, recorded and then sent again, gets the same numbers and nothing new;
        /// numbers are unique within a link.
        #[test]
        fn a_retried_batch_changes_nothing(ids in proptest::collection::vec(0u32..60, 1..50), start in 0u64..1000) {
            let rows: Vec<SendRow> = ids.iter().map(|i| row(&format!("c-{i}"), None)).collect();
            let first = assign(rows.clone(), &[], start + 1).unwrap();
            let mut seqs: Vec<u64> = first.iter().map(|a| a.seq).collect();
            seqs.sort_unstable();
            seqs.dedup();
            proptest::prop_assert_eq!(seqs.len(), first.len());
            proptest::prop_assert!(first.iter().all(|a| a.new && a.seq > start));
            let existing: Vec<(u64, String)> =
                first.iter().map(|a| (a.seq, a.row.external_id.as_str().to_owned())).collect();
            proptest::prop_assert_eq!(fresh_needed(&rows, &existing), 0);
            let max = seqs.last().copied().unwrap_or(start);
            let again = assign(rows, &existing, max + 1).unwrap();
            proptest::prop_assert_eq!(
                again.iter().map(|a| (a.seq, a.new)).collect::<Vec<_>>(),
                first.iter().map(|a| (a.seq, false)).collect::<Vec<_>>()
            );
        }
    }
}
