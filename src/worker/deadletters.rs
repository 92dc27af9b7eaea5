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
use crate::domain::inbox::{retry_delay_secs, Parked, REPLAY_PER_RUN};

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

/// One JSON parameter holds at most this many body bytes (D1 caps a value at 2 MB).
const PARK_CHUNK_BYTES: usize = 1024 * 1024;

/// Stores letters: one statement per ~1 MB of bodies, all in one D1 batch.
pub async fn park(db: &D1Database, letters: &[Parked]) -> worker::Result<()> {
    if letters.is_empty() {
        return Ok(());
    }
    let now = JsValue::from_f64(Date::now().as_millis() as f64);
    let mut stmts = Vec::new();
    let (mut from, mut bytes) = (0, 0);
    for (i, p) in letters.iter().enumerate() {
        bytes += p.body.len();
        if bytes >= PARK_CHUNK_BYTES || i + 1 == letters.len() {
            let arg = serde_json::to_string(&letters[from..=i]).map_err(|e| e.to_string())?;
            stmts.push(
                db.prepare(sql::PARK_LETTERS)
                    .bind(&[JsValue::from_str(&arg), now.clone()])?,
            );
            (from, bytes) = (i + 1, 0);
        }
    }
    db.batch(stmts).await?;
    Ok(())
}

// --- the way back ---

#[derive(Deserialize)]
struct Due {
    bodies: String,
    seqs: String,
}

/// Sends the letters an operator asked to replay (`replay_requested_at` set, see the README)
/// back to the events queue, 100 a cron run, and stamps them replayed. A letter that fails
/// again is parked again, as a new letter.
pub async fn replay_requested(env: &Env) -> worker::Result<usize> {
    let db = env.d1(DB)?;
    let due = db
        .prepare(sql::REPLAY_DUE)
        .bind(&[JsValue::from_f64(REPLAY_PER_RUN as f64)])?
        .first::<Due>(None)
        .await?;
    let Some(due) = due else { return Ok(0) };
    let bodies: Vec<String> = serde_json::from_str(&due.bodies).unwrap_or_default();
    if bodies.is_empty() {
        return Ok(0);
    }
    let n = bodies.len();
    env.queue(EVENTS_QUEUE)?.send_batch(bodies).await?;
    db.prepare(sql::MARK_REPLAYED)
        .bind(&[
            JsValue::from_str(&due.seqs),
            JsValue::from_f64(Date::now().as_millis() as f64),
        ])?
        .run()
        .await?;
    Ok(n)
}
