//! Re-judging recipients' clicks in D1: the glue around `domain::judge`.
//!
//! Called by the Queue consumer after it writes a batch of clicks, and by the recipients API
//! after it records ledger rows (recipients may have clicked before their row arrived). Reads the
//! recipients' clicks with their send times (one query), asks `judge` for flags, then in one
//! transaction adds the flags and takes each recipient's first click again from the log (the
//! consumer's runs take it again only for recipients they flag, and otherwise let the batch's
//! clicks move it earlier: [`Scope`]). Safe to run at any time, in any order, twice: see
//! the contract in `domain::judge`.
//!
//! Network bursts need the other recipients' clicks: the crowd (same link, same network,
//! within the window) is read first, its recipients are judged too (a burst completed by this
//! batch flags the clicks that came before it), and the crowd is read again around all of
//! them, so each is judged with every click near its own. The consumer's first crowd read
//! looks only around the batch's clicks ([`Scope::Batch`]): a network-burst verdict can change
//! only for a click within the window of a new one, from its network and another recipient,
//! and such a click is in that crowd; when the crowd is empty nothing more is read. At most
//! [`MAX_JUDGED`] recipients are judged in one run. The consumer puts the first reads (crowd
//! and clicks) and the first-click advance into the D1 batch that writes the clicks
//! ([`first_reads`], [`advance_first_clicks`], [`run_after`]): a batch of events is one round
//! trip to D1 when its clicks have no crowd and bring no new flag.

use serde_json::{json, Map, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Result};

use super::sql;
use crate::domain::judge::{judge, Facts, Neighbour, Recorded, Rules};
use crate::domain::ledger::{json_array_chunks, MAX_STATEMENT_JSON};
use crate::domain::visitor::BotReason;

/// One click row of [`sql::JUDGE_READ`]: (link, recipient) and the click with its send time.
fn click_of(row: &Value) -> Option<((&str, u64), Recorded, Option<u64>)> {
    let r = row.as_array()?;
    let field = |i: usize| r.get(i).unwrap_or(&Value::Null);
    let key = (field(0).as_str()?, field(1).as_u64()?);
    let click = Recorded {
        id: field(2).as_str()?.to_owned(),
        ts: field(3).as_u64()?,
        flagged: field(4).as_u64() == Some(1),
        honeypot: field(5).as_str() == Some(BotReason::Honeypot.as_str()),
        network: field(7).as_str().map(str::to_owned),
    };
    Some((key, click, field(6).as_u64()))
}

/// One row of [`sql::JUDGE_CROWD`]: the link and another recipient's click on it.
fn neighbour_of(row: &Value) -> Option<(String, Neighbour)> {
    let r = row.as_array()?;
    let field = |i: usize| r.get(i).unwrap_or(&Value::Null);
    let n = Neighbour {
        recipient: field(1).as_u64()?,
        ts: field(2).as_u64()?,
        network: field(3).as_str()?.to_owned(),
    };
    Some((field(0).as_str()?.to_owned(), n))
}

/// Most recipients judged in one run (the given ones and their crowd): keeps each read's JSON
/// argument far below D1's statement size.
pub const MAX_JUDGED: usize = 2_000;

/// The one JSON text (`j`) of a re-judging read's result, parsed.
fn json_of(result: &D1Result) -> Result<Value> {
    let rows = result.results::<Map<String, Value>>()?;
    let text = rows
        .first()
        .and_then(|r| r.get("j"))
        .and_then(Value::as_str)
        .unwrap_or("[]");
    Ok(serde_json::from_slice(text.as_bytes())?)
}

/// The (link, recipient) pairs as the reads take them: JSON `[[link, seq], ...]`.
fn who_arg(who: &[(String, u64)]) -> JsValue {
    JsValue::from_str(&json!(who).to_string())
}

fn crowd_args(rules: &Rules, who: &[(String, u64)]) -> [JsValue; 2] {
    [who_arg(who), JsValue::from_f64(rules.net_burst_ms as f64)]
}

/// Event ids as a JSON array of strings.
fn ids_arg(ids: &[&str]) -> JsValue {
    JsValue::from_str(&json!(ids).to_string())
}

fn neighbours(all: &Value) -> Vec<(String, Neighbour)> {
    all.as_array()
        .map(|a| a.iter().filter_map(neighbour_of).collect())
        .unwrap_or_default()
}

/// A click judged part of a network burst: (link, recipient, click id). Only the log sees
/// the crowd, so the consumer hands these to the campaign's store (`rollup::Fact::Flag`).
pub type Burst = (String, u64, String);

/// The reads a run of the given (link, recipient) pairs starts with: the crowd (when network
/// bursts are judged: around the recipients' clicks, or the batch's, by `scope`) and their
/// clicks. Appended to a D1 batch of writes, they read what the writes before them wrote, in
/// the same round trip; [`run_after`] takes their results.
pub fn first_reads(
    db: &D1Database,
    rules: &Rules,
    who: &[(String, u64)],
    scope: Scope,
) -> Result<Vec<D1PreparedStatement>> {
    if who.is_empty() {
        return Ok(Vec::new());
    }
    let mut reads = Vec::new();
    if rules.net_burst_recipients > 0 {
        reads.push(match scope {
            Scope::All => db.prepare(sql::JUDGE_CROWD).bind(&crowd_args(rules, who))?,
            Scope::Batch(ids) => db
                .prepare(sql::JUDGE_CROWD_OF_CLICKS)
                .bind(&[ids_arg(ids), JsValue::from_f64(rules.net_burst_ms as f64)])?,
        });
    }
    reads.push(db.prepare(sql::JUDGE_READ).bind(&[who_arg(who)])?);
    Ok(reads)
}

/// The consumer's first-click rule for a batch's clicks (event ids): they move their
/// recipients' first clicks earlier ([`sql::FIRST_CLICKS_ADVANCE`]). Goes into the batch that
/// writes the clicks, before re-judging: a recipient whose click this run then flags has its
/// first click taken again from the log ([`run_after`]), which overrides what the advance did.
pub fn advance_first_clicks(db: &D1Database, ids: &[&str]) -> Result<Vec<D1PreparedStatement>> {
    let quoted: Vec<String> = ids.iter().map(|id| Value::from(*id).to_string()).collect();
    json_array_chunks(&quoted, MAX_STATEMENT_JSON)
        .into_iter()
        .map(|chunk| {
            db.prepare(sql::FIRST_CLICKS_ADVANCE)
                .bind(&[JsValue::from_str(&chunk)])
        })
        .collect()
}

/// What a run starts from, and which first clicks it keeps up to date.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Everything about the recipients: the crowd around all their clicks, and every judged
    /// recipient's first click taken again from the log (after ledger rows arrive, whose send
    /// times can flag clicks of any age).
    All,
    /// The consumer's: a batch's clicks (event ids). The crowd is read around them first, and
    /// around all the recipients' clicks only when it holds anyone; the clicks can only move
    /// first clicks earlier ([`advance_first_clicks`], in the batch that wrote them), and the
    /// recipients this run flags are taken again from the log, since a flag can move a first
    /// click later. A batch whose clicks bring no new flag needs no write here.
    Batch(&'a [&'a str]),
}

/// Re-judges the given (link, recipient) pairs; the network-burst verdicts come back.
pub async fn run(db: &D1Database, rules: Rules, who: &[(String, u64)]) -> Result<Vec<Burst>> {
    let reads = first_reads(db, &rules, who, Scope::All)?;
    if reads.is_empty() {
        return Ok(Vec::new());
    }
    let results = db.batch(reads).await?;
    run_after(db, rules, who, &results, Scope::All).await
}

/// [`run`], given the results of [`first_reads`] with the same `scope` (the last results of a
/// batch that ended with them). When the crowd brings in more recipients, or holds anyone
/// around a batch's clicks, the crowd around every click of the recipients and of those it
/// brought in is read again, and their clicks.
pub async fn run_after(
    db: &D1Database,
    rules: Rules,
    who: &[(String, u64)],
    results: &[D1Result],
    scope: Scope<'_>,
) -> Result<Vec<Burst>> {
    if who.is_empty() {
        return Ok(Vec::new());
    }
    let crowded = rules.net_burst_recipients > 0;
    let expected = 1 + usize::from(crowded);
    let Some(firsts) = results.get(results.len().saturating_sub(expected)..) else {
        return Err(worker::Error::RustError("re-judging reads missing".into()));
    };
    if firsts.len() != expected {
        return Err(worker::Error::RustError("re-judging reads missing".into()));
    }
    let mut all = json_of(&firsts[expected - 1])?;
    let mut who = who.to_vec();
    let mut around = Vec::new();
    if crowded {
        around = neighbours(&json_of(&firsts[0])?);
        let before = who.len();
        for (link, n) in &around {
            if who.len() >= MAX_JUDGED {
                break;
            }
            who.push((link.clone(), n.recipient));
        }
        who.sort();
        who.dedup();
        // The crowd again, around every click of everyone, when it brought in recipients or
        // (read around a batch's clicks only) found anyone; the newcomers' clicks with it.
        let grew = who.len() > before;
        if grew || (matches!(scope, Scope::Batch(_)) && !around.is_empty()) {
            let mut reads = vec![db
                .prepare(sql::JUDGE_CROWD)
                .bind(&crowd_args(&rules, &who))?];
            if grew {
                reads.push(db.prepare(sql::JUDGE_READ).bind(&[who_arg(&who)])?);
            }
            let results = db.batch(reads).await?;
            let Some(c) = results.first() else {
                return Err(worker::Error::RustError("re-judging reads missing".into()));
            };
            around = neighbours(&json_of(c)?);
            if grew {
                let Some(r) = results.get(1) else {
                    return Err(worker::Error::RustError("re-judging reads missing".into()));
                };
                all = json_of(r)?;
            }
        }
    }
    around.sort_by(|a, b| a.0.cmp(&b.0));
    let clicks: Vec<_> = all
        .as_array()
        .map(|a| a.iter().filter_map(click_of).collect())
        .unwrap_or_default();

    // Rows come ordered by recipient: judge each recipient's run of clicks.
    let mut flags = Vec::new();
    let mut bursts = Vec::new();
    let mut clicked = Vec::new();
    for group in clicks.chunk_by(|a, b| a.0 == b.0) {
        let (code, seq) = group[0].0;
        // The link's crowd, less this recipient's own clicks.
        let from = around.partition_point(|(link, _)| link.as_str() < code);
        let to = around.partition_point(|(link, _)| link.as_str() <= code);
        let others: Vec<Neighbour> = around[from..to]
            .iter()
            .filter(|(_, n)| n.recipient != seq)
            .map(|(_, n)| n.clone())
            .collect();
        let facts = Facts {
            sent_at: group[0].2,
            crowd: &others,
        };
        let log: Vec<Recorded> = group.iter().map(|c| c.1.clone()).collect();
        let added = judge(&rules, &facts, &log);
        let recompute = match scope {
            Scope::All => true,
            Scope::Batch(_) => !added.is_empty(),
        };
        // Event ids are Crockford base32, reasons kebab-case, codes [A-Za-z0-9_-]: no escaping.
        for f in added {
            flags.push(format!(r#"["{}","{}"]"#, f.id, f.reason.as_str()));
            if f.reason == BotReason::NetworkBurst {
                bursts.push((code.to_owned(), seq, f.id));
            }
        }
        if recompute {
            clicked.push(format!(r#"["{code}",{seq}]"#));
        }
    }
    let mut writes = Vec::new();
    for chunk in json_array_chunks(&flags, MAX_STATEMENT_JSON) {
        writes.push(
            db.prepare(sql::JUDGE_FLAG)
                .bind(&[JsValue::from_str(&chunk)])?,
        );
    }
    // Only recipients with clicks can have a first click; the others need no write.
    for chunk in json_array_chunks(&clicked, MAX_STATEMENT_JSON) {
        let arg = [JsValue::from_str(&chunk)];
        writes.push(db.prepare(sql::FIRST_CLICKS_CLEAR).bind(&arg)?);
        writes.push(db.prepare(sql::FIRST_CLICKS_RECOMPUTE).bind(&arg)?);
    }
    if !writes.is_empty() {
        db.batch(writes).await?;
    }
    Ok(bursts)
}
