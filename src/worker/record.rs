//! Getting an event to the Queue, after the response: send it, or spool it to KV for the
//! cron drain. The message body is the event's JSON text, so the spool holds the same bytes.

use wasm_bindgen::JsValue;
use worker::{Env, QueueContentType, RawMessageBuilder};

#[cfg(feature = "ops")]
use super::names::SPOOL_PREFIX;
use super::names::{spool_key, EVENTS_QUEUE, LINKS_KV};
#[cfg(feature = "edge")]
use crate::domain::event::ClickEvent;

#[cfg(feature = "edge")]
pub async fn deliver(env: Env, event: ClickEvent) {
    match serde_json::to_string(&event) {
        Ok(body) => deliver_json(env, event.id, body).await,
        Err(_) => worker::console_error!("event {} could not be serialized", event.id),
    }
}

/// Sends one event's JSON text (a click, a step, a conversion), or spools it under `id`.
#[cfg(feature = "edge")]
pub async fn deliver_json(env: Env, id: String, body: String) {
    let sent = match env.queue(EVENTS_QUEUE) {
        // The body goes as a plain text message: no serde round trip through JS values.
        Ok(q) => {
            let msg = RawMessageBuilder::new(JsValue::from_str(&body))
                .build_with_content_type(QueueContentType::Text);
            q.send_raw(msg).await.map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    if let Err(detail) = sent {
        worker::console_warn!("queue send failed for event {id}: {detail}; spooling");
        spool(&env, &id, &body).await;
    }
}

/// Sends many events (id, JSON text) in Queue batches of 100; a batch the Queue refuses is
/// spooled event by event. Returns when every event is queued or spooled.
#[cfg(feature = "ops")]
pub async fn deliver_batch(env: &Env, events: &[(String, String)]) {
    for chunk in events.chunks(SEND_CHUNK) {
        let sent = match env.queue(EVENTS_QUEUE) {
            Ok(q) => {
                let msgs = chunk.iter().map(|(_, body)| {
                    RawMessageBuilder::new(JsValue::from_str(body))
                        .build_with_content_type(QueueContentType::Text)
                });
                q.send_raw_batch(msgs).await.map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(detail) = sent {
            worker::console_warn!("queue batch send failed: {detail}; spooling");
            for (id, body) in chunk {
                spool(env, id, body).await;
            }
        }
    }
}

async fn spool(env: &Env, id: &str, body: &str) {
    let written = match env.kv(LINKS_KV) {
        Ok(kv) => match kv.put(&spool_key(id), body) {
            Ok(put) => put.execute().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    if let Err(detail) = written {
        worker::console_error!("event {id} could not be spooled: {detail}");
    }
}

#[cfg(feature = "ops")]
/// KV operations one drain may spend: production allows 1,000 per invocation; a margin is
/// kept for the rest of the scheduled run.
const KV_BUDGET: usize = 950;
#[cfg(feature = "ops")]
/// The Queue takes at most 100 messages per batch send.
const SEND_CHUNK: usize = 100;

#[cfg(feature = "ops")]
/// Moves spooled events into the Queue, deleting each key only after its batch was accepted.
/// A crash in between re-sends it next time; the consumer's writes are idempotent on the id.
///
/// Each key costs a get and a delete, each list page one operation, so a run lists pages of
/// at most (budget left − 1) / 2 keys, following the list cursor rather than listing from the
/// start again (a KV list may still show keys deleted a moment ago), and stops before the
/// budget runs out: about 470 events a run, every minute.
pub async fn drain_spool(env: &Env) -> worker::Result<usize> {
    let kv = env.kv(LINKS_KV)?;
    let queue = env.queue(EVENTS_QUEUE)?;
    let mut ops = 0;
    let mut moved = 0;
    let mut cursor: Option<String> = None;
    loop {
        let room = KV_BUDGET.saturating_sub(ops + 1) / 2;
        if room == 0 {
            break;
        }
        let mut list = kv.list().prefix(SPOOL_PREFIX.to_owned()).limit(room as u64);
        if let Some(c) = cursor.take() {
            list = list.cursor(c);
        }
        let listed = list.execute().await?;
        ops += 1;
        let keys: Vec<String> = listed.keys.into_iter().map(|k| k.name).collect();
        for chunk in keys.chunks(SEND_CHUNK) {
            let mut names = Vec::with_capacity(chunk.len());
            let mut bodies = Vec::with_capacity(chunk.len());
            for name in chunk {
                ops += 1;
                if let Some(body) = kv.get(name).text().await? {
                    names.push(name.clone());
                    bodies.push(body);
                }
            }
            if bodies.is_empty() {
                continue;
            }
            queue.send_batch(bodies).await?;
            for name in &names {
                ops += 1;
                kv.delete(name).await?;
            }
            moved += names.len();
        }
        match (listed.list_complete, listed.cursor) {
            (false, Some(c)) if !c.is_empty() => cursor = Some(c),
            _ => break,
        }
    }
    Ok(moved)
}
