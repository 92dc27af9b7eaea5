//! Dead letters: queue messages the consumer could not write, parked in D1 until an operator
//! asks for a replay, which the cron handler carries out.
//!
//! D1 rather than an R2 object per batch: letters are few and listed, counted and replayed one
//! by one, which is a query in D1 and a scan of objects in R2; and the click log they belong in
//! is already there. When D1 itself is down, parking fails like the write did and the message
//! is retried with growing delays (the dead-letter queue's consumer allows 100 attempts, about
//! 16 hours), so nothing is acknowledged before it is stored.

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, Date, Env, MessageExt, QueueRetryOptionsBuilder, RawMessage};

use super::names::{DB, EVENTS_QUEUE};
use super::sql;
use crate::domain::deadletter::send_groups;
use crate::domain::inbox::{retry_delay_secs, Parked, REPLAY_PER_RUN};
use crate::domain::ledger::json_array_chunks;

/// The text of a message body. Events go as text; a JSON-typed body (older producers sent the
/// event as a JS object) is turned back into its JSON text. Anything else (bytes) has none.
pub fn body_text(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    if v.is_object()
        && !v.is_instance_of::<js_sys::ArrayBuffer>()
        && !js_sys::ArrayBuffer::is_view(v)
    {
        return js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string());
    }
    None
}

/// Asks the Queue to deliver the message again after a delay that grows with its age.
pub fn retry_later(m: &RawMessage, now: u64) {
    let age = now.saturating_sub(m.timestamp().as_millis());
    let delay = retry_delay_secs(age);
    m.retry_with_options(
        &QueueRetryOptionsBuilder::new()
            .with_delay_seconds(delay)
            .build(),
    );
}

/// One statement's JSON argument: D1 takes values up to 1,000,000 bytes. A letter keeps at
/// most 64 KiB of body (at most six times that once escaped), so a full batch of 100 letters
/// is well under the free plan's 50 queries.
const PARK_CHUNK_BYTES: usize = 900_000;

/// Stores letters, set-based, in one D1 batch.
pub async fn park(db: &D1Database, letters: &[Parked]) -> worker::Result<()> {
    if letters.is_empty() {
        return Ok(());
    }
    let now = JsValue::from_f64(Date::now().as_millis() as f64);
    let items = letters
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let stmts = json_array_chunks(&items, PARK_CHUNK_BYTES)
        .into_iter()
        .map(|arg| {
            db.prepare(sql::PARK_LETTERS)
                .bind(&[JsValue::from_str(&arg), now.clone()])
        })
        .collect::<worker::Result<Vec<_>>>()?;
    db.batch(stmts).await?;
    Ok(())
}

// --- the way back ---

#[derive(Deserialize)]
struct Due {
    seq: f64,
    body: String,
}

/// Sends the letters an operator asked to replay (`replay_requested_at` set, see
/// `letters::replay`) back to the events queue, 100 a run, in batches within the Queue's
/// limits, and stamps those sent replayed. A letter that fails again is parked again, as a
/// new letter.
pub async fn replay_requested(env: &Env) -> worker::Result<usize> {
    let db = env.d1(DB)?;
    let due = db
        .prepare(sql::REPLAY_DUE)
        .bind(&[JsValue::from_f64(REPLAY_PER_RUN as f64)])?
        .all()
        .await?
        .results::<Due>()?;
    let queue = env.queue(EVENTS_QUEUE)?;
    let sizes: Vec<usize> = due.iter().map(|d| d.body.len()).collect();
    let mut sent = 0;
    let mut failed = None;
    for group in send_groups(&sizes) {
        let end = group.end;
        let bodies: Vec<&str> = due[group].iter().map(|d| d.body.as_str()).collect();
        if let Err(e) = queue.send_batch(bodies).await {
            failed = Some(e);
            break;
        }
        sent = end;
    }
    if sent > 0 {
        let seqs: Vec<u64> = due[..sent].iter().map(|d| d.seq as u64).collect();
        db.prepare(sql::MARK_REPLAYED)
            .bind(&[
                JsValue::from_str(&serde_json::json!(seqs).to_string()),
                JsValue::from_f64(Date::now().as_millis() as f64),
            ])?
            .run()
            .await?;
    }
    match failed {
        Some(e) if sent == 0 => Err(e),
        Some(e) => {
            worker::console_error!("replay stopped after {sent} letters: {e}");
            Ok(sent)
        }
        None => Ok(sent),
    }
}
