//! The send ledger (who was sent which per-recipient link, when) and the first-click rule.
//!
//! Phone numbers and e-mail addresses never enter wakelink: a recipient is a sequence number
//! in a signed token, mapped here to the operator's own opaque id.

use serde::{Deserialize, Serialize};

use super::event::ClickEvent;
use super::link::check_label;
use super::problem::Problem;
use super::time::UnixMs;

pub const MAX_EXTERNAL_ID_LEN: usize = 128;
/// Most rows accepted in one `POST /api/v1/links/{code}/recipients`.
pub const MAX_BATCH: usize = 1000;
/// Largest recipient sequence number (the token format carries 40 bits).
pub const MAX_SEQ: u64 = (1 << 40) - 1;

/// The operator's own id for a recipient: opaque, never a phone number or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ExternalId(String);

impl ExternalId {
    /// ```
    /// use wakelink::domain::ledger::ExternalId;
    /// assert!(ExternalId::parse("cust-000123").is_ok());
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
        if s.contains('@') {
            return Err("looks like an e-mail address; use your own recipient id");
        }
        let digits = s.bytes().filter(u8::is_ascii_digit).count();
        let phone_like = s
            .bytes()
            .all(|b| b.is_ascii_digit() || b" +-().".contains(&b));
        if phone_like && digits >= 7 {
            return Err("looks like a phone number; use your own recipient id");
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
    /// Unix seconds, or an RFC 3339 string.
    #[serde(default)]
    pub sent_at: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBatchInput {
    pub recipients: Vec<SendRowInput>,
    /// Optional expiry carried in each minted token (RFC 3339).
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// A checked batch.
#[derive(Debug)]
pub struct SendBatch {
    pub rows: Vec<SendRow>,
    pub expires_at: Option<UnixMs>,
}

/// A checked ledger row. `seq` is `None` when the server is to assign it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRow {
    pub seq: Option<u64>,
    pub external_id: ExternalId,
    pub segment: Option<String>,
    pub variant: Option<String>,
    pub sent_at: Option<UnixMs>,
}

/// An optional label: empty means absent.
fn short_label(field: String, v: Option<&str>) -> Result<Option<String>, Problem> {
    match v.map(check_label).transpose() {
        Ok(v) => Ok(v.filter(|v| !v.is_empty()).map(str::to_owned)),
        Err(m) => Err(Problem::invalid(field, m)),
    }
}

impl SendBatchInput {
    pub fn parse(body: &[u8]) -> Result<SendBatch, Problem> {
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
        let expires_at = match &input.expires_at {
            Some(s) => Some(
                super::time::parse_rfc3339(s)
                    .ok_or_else(|| Problem::invalid("expires_at", "not an RFC 3339 date-time"))?,
            ),
            None => None,
        };
        let rows = input
            .recipients
            .iter()
            .enumerate()
            .map(|(i, r)| r.check(i))
            .collect::<Result<_, _>>()?;
        Ok(SendBatch { rows, expires_at })
    }
}

impl SendRowInput {
    fn check(&self, i: usize) -> Result<SendRow, Problem> {
        let field = |name: &str| format!("recipients[{i}].{name}");
        if self.seq.is_some_and(|s| s == 0 || s > MAX_SEQ) {
            return Err(Problem::invalid(
                field("seq"),
                "must be between 1 and 2^40-1",
            ));
        }
        let external_id = ExternalId::parse(&self.external_id)
            .map_err(|m| Problem::invalid(field("external_id"), m))?;
        let sent_at = match &self.sent_at {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Number(n)) => Some(
                n.as_u64()
                    .and_then(|s| s.checked_mul(1000))
                    .ok_or_else(|| {
                        Problem::invalid(field("sent_at"), "not a Unix time in seconds")
                    })?,
            ),
            Some(serde_json::Value::String(s)) => {
                Some(super::time::parse_rfc3339(s).ok_or_else(|| {
                    Problem::invalid(field("sent_at"), "not an RFC 3339 date-time")
                })?)
            }
            Some(_) => return Err(Problem::invalid(field("sent_at"), "not a date-time")),
        };
        Ok(SendRow {
            seq: self.seq,
            external_id,
            segment: short_label(field("segment"), self.segment.as_deref())?,
            variant: short_label(field("variant"), self.variant.as_deref())?,
            sent_at,
        })
    }
}

/// Whether an event may be a recipient's first click: a person (not flagged) reaching a
/// destination through a per-recipient link.
pub fn counts_as_first_click(e: &ClickEvent) -> bool {
    !e.bot && e.recipient.is_some() && e.target.is_some()
}

/// A ledger row with its sequence number settled, and whether it is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assigned {
    pub seq: u64,
    pub row: SendRow,
    pub new: bool,
}

/// Settles sequence numbers for a batch against what the ledger already holds
/// (`existing`: (seq, external id) pairs touching this batch; `max_seq`: the link's highest).
/// A row already recorded keeps its number, so a retried batch changes nothing; a row that
/// contradicts the ledger (same id with another seq, or a seq taken by another id) is refused.
pub fn assign(
    rows: Vec<SendRow>,
    existing: &[(u64, String)],
    max_seq: u64,
) -> Result<Vec<Assigned>, Problem> {
    use std::collections::HashMap;
    let by_id: HashMap<&str, u64> = existing.iter().map(|(s, id)| (id.as_str(), *s)).collect();
    let by_seq: HashMap<u64, &str> = existing.iter().map(|(s, id)| (*s, id.as_str())).collect();
    let mut batch_ids: HashMap<String, u64> = HashMap::new();
    let mut batch_seqs: HashMap<u64, usize> = HashMap::new();
    let mut next = max_seq;
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
        next = next.max(seq);
        out.push(Assigned {
            seq,
            new: known.is_none(),
            row,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::tests::phone_event;

    #[test]
    fn external_ids_refuse_contact_data() {
        for bad in ["", "13800138000", "+1 (415) 555-0100", "a@b", "x\u{0}"] {
            assert!(ExternalId::parse(bad).is_err(), "{bad:?}");
        }
        for ok in ["cust-1", "123456", "A-2026-000001", "u_9f8e7d"] {
            assert!(ExternalId::parse(ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn batch_parse_names_the_row() {
        let err = SendBatchInput::parse(
            br#"{"recipients":[{"external_id":"ok-1"},{"external_id":"13800138000"}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("recipients[1].external_id"));
        let rows = SendBatchInput::parse(
            br#"{"recipients":[{"seq":3,"external_id":"c1","segment":"dormant-6m","variant":"B","sent_at":1766000000}]}"#,
        )
        .unwrap()
        .rows;
        assert_eq!(rows[0].sent_at, Some(1_766_000_000_000));
        assert_eq!(rows[0].seq, Some(3));
        let err =
            SendBatchInput::parse(br#"{"recipients":[{"external_id":"c","sent_at":"soon"}]}"#)
                .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("recipients[0].sent_at"));
    }

    #[test]
    fn first_click_candidates() {
        let mut e = phone_event("a", 1, Some(1));
        assert!(counts_as_first_click(&e));
        e.bot = true;
        assert!(!counts_as_first_click(&e));
        assert!(!counts_as_first_click(&phone_event("b", 1, None)));
    }

    fn row(id: &str, seq: Option<u64>) -> SendRow {
        SendRow {
            seq,
            external_id: ExternalId::parse(id).unwrap(),
            segment: None,
            variant: None,
            sent_at: None,
        }
    }

    #[test]
    fn assignment_is_idempotent_and_checked() {
        let first = assign(vec![row("a", None), row("b", None)], &[], 0).unwrap();
        assert_eq!(
            first.iter().map(|a| (a.seq, a.new)).collect::<Vec<_>>(),
            vec![(1, true), (2, true)]
        );
        // A retry of the same batch after it was recorded: same numbers, nothing new.
        let existing = vec![(1, "a".to_string()), (2, "b".to_string())];
        let again = assign(vec![row("a", None), row("b", None)], &existing, 2).unwrap();
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
            assign(vec![row("x", Some(4)), row("y", Some(4))], &[], 0)
                .unwrap_err()
                .status,
            409
        );
        // Fresh numbers skip explicit ones in the same batch.
        let mixed = assign(
            vec![row("p", Some(3)), row("q", None), row("r", None)],
            &[],
            2,
        )
        .unwrap();
        assert_eq!(
            mixed.iter().map(|a| a.seq).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
    }

    proptest::proptest! {
        /// Any batch, recorded and then sent again, gets the same numbers and nothing new;
        /// numbers are unique within a link.
        #[test]
        fn a_retried_batch_changes_nothing(ids in proptest::collection::vec(0u32..60, 1..50), start in 0u64..1000) {
            let rows: Vec<SendRow> = ids.iter().map(|i| row(&format!("c-{i}"), None)).collect();
            let first = assign(rows.clone(), &[], start).unwrap();
            let mut seqs: Vec<u64> = first.iter().map(|a| a.seq).collect();
            seqs.sort_unstable();
            seqs.dedup();
            proptest::prop_assert_eq!(seqs.len(), first.len());
            proptest::prop_assert!(first.iter().all(|a| a.new && a.seq > start));
            let existing: Vec<(u64, String)> =
                first.iter().map(|a| (a.seq, a.row.external_id.as_str().to_owned())).collect();
            let max = seqs.last().copied().unwrap_or(start);
            let again = assign(rows, &existing, max).unwrap();
            proptest::prop_assert_eq!(
                again.iter().map(|a| (a.seq, a.new)).collect::<Vec<_>>(),
                first.iter().map(|a| (a.seq, false)).collect::<Vec<_>>()
            );
        }
    }
}
