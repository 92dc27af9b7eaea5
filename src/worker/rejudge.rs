//! Re-judging recipients' clicks in D1: the glue around `domain::judge`.
//!
//! Called by the Queue consumer after it writes a batch of clicks, and by the recipients API
//! after it records ledger rows (recipients may have clicked before their row arrived). Reads the
//! recipients' clicks with their send times (one query), asks `judge` for flags, then in one
//! transaction adds the flags and takes each recipient's first click again from the log. Safe to
//! run at any time, in any order, twice: see the contract in `domain::judge`.

use serde_json::{json, Map, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::sql;
use crate::domain::judge::{judge, Facts, Recorded, Rules};
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
    };
    Some((key, click, field(6).as_u64()))
}

/// Re-judges the given (link, recipient) pairs.
pub async fn run(db: &D1Database, rules: Rules, who: &[(String, u64)]) -> Result<()> {
    if who.is_empty() {
        return Ok(());
    }
    let rows = db
        .prepare(sql::JUDGE_READ)
        .bind(&[JsValue::from_str(&json!(who).to_string())])?
        .all()
        .await?
        .results::<Map<String, Value>>()?;
    let text = rows
        .first()
        .and_then(|r| r.get("j"))
        .and_then(Value::as_str)
        .unwrap_or("[]");
    let all: Value = serde_json::from_slice(text.as_bytes())?;
    let clicks: Vec<_> = all
        .as_array()
        .map(|a| a.iter().filter_map(click_of).collect())
        .unwrap_or_default();

    // Rows come ordered by recipient: judge each recipient's run of clicks.
    let mut flags = Vec::new();
    let mut clicked = Vec::new();
    for group in clicks.chunk_by(|a, b| a.0 == b.0) {
        let facts = Facts {
            sent_at: group[0].2,
        };
        let log: Vec<Recorded> = group.iter().map(|c| c.1.clone()).collect();
        // Event ids are Crockford base32, reasons kebab-case, codes [A-Za-z0-9_-]: no escaping.
        for f in judge(&rules, &facts, &log) {
            flags.push(format!(r#"["{}","{}"]"#, f.id, f.reason.as_str()));
        }
        let (code, seq) = group[0].0;
        clicked.push(format!(r#"["{code}",{seq}]"#));
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
    Ok(())
}
