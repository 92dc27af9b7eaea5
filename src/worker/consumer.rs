//! The Queue consumer: writes click events into the D1 click log, idempotently, and keeps
//! the first human click per recipient.

use std::collections::HashMap;

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Date, Env, MessageBatch, MessageExt, Result};

use super::config::Config;
use super::names::DB;
use super::{sql, steps};
use crate::domain::event::{flag_if_too_soon, ClickEvent};
use crate::domain::funnel::{parse_queued, Queued, StepEvent};
use crate::domain::ledger::counts_as_first_click;

fn opt_str(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_str)
}

fn opt_num(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64))
}

fn insert_event(db: &D1Database, e: &ClickEvent, now: u64) -> Result<D1PreparedStatement> {
    db.prepare(sql::INSERT_EVENT).bind(&[
        JsValue::from_str(&e.id),
        JsValue::from_f64(e.ts as f64),
        JsValue::from_str(&e.link),
        JsValue::from_str(&e.campaign),
        opt_str(e.variant.as_deref()),
        opt_num(e.recipient),
        JsValue::from_str(e.method.as_str()),
        JsValue::from_str(e.outcome.as_str()),
        opt_str(e.target.map(|v| v.as_str())),
        JsValue::from_str(e.platform.as_str()),
        opt_str(e.vendor.map(|v| v.as_str())),
        opt_str(e.in_app.map(|v| v.as_str())),
        JsValue::from_f64(if e.bot { 1.0 } else { 0.0 }),
        opt_str(e.bot_reason.map(|v| v.as_str())),
        opt_str(e.country.as_deref()),
        opt_str(e.ip_prefix.as_deref()),
        opt_str(e.user_agent.as_deref()),
        JsValue::from_f64(now as f64),
    ])
}

#[derive(serde::Deserialize)]
struct SentAt {
    sent_at: Option<f64>,
}

/// Send times from the ledger for the batch's recipients, one D1 round trip.
async fn send_times(db: &D1Database, events: &[ClickEvent]) -> Result<HashMap<(String, u64), u64>> {
    let mut keys: Vec<(String, u64)> = events
        .iter()
        .filter_map(|e| Some((e.link.clone(), e.recipient?)))
        .collect();
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let stmts = keys
        .iter()
        .map(|(link, r)| {
            db.prepare(sql::SENT_AT)
                .bind(&[JsValue::from_str(link), JsValue::from_f64(*r as f64)])
        })
        .collect::<Result<Vec<_>>>()?;
    let results = db.batch(stmts).await?;
    let mut out = HashMap::new();
    for (key, res) in keys.into_iter().zip(results) {
        if let Some(sent) = res.results::<SentAt>()?.first().and_then(|r| r.sent_at) {
            out.insert(key, sent as u64);
        }
    }
    Ok(out)
}

pub async fn consume(batch: MessageBatch<String>, env: Env) -> Result<()> {
    let cfg = Config::get(&env);
    let db = env.d1(DB)?;
    let messages = batch.messages()?;
    let mut events = Vec::with_capacity(messages.len());
    let mut funnel = Vec::new();
    for m in &messages {
        match parse_queued(m.body()) {
            Some(Queued::Click(e)) => events.push(e),
            Some(Queued::Step(e)) => funnel.push(e),
            // Retrying can't fix a malformed body; it is logged (by id only) and acknowledged.
            None => worker::console_error!("dropping malformed queue message {}", m.id()),
        }
    }
    if events.is_empty() && funnel.is_empty() {
        batch.ack_all();
        return Ok(());
    }
    let result = write(&db, &mut events, &funnel, cfg.min_click_delay_ms).await;
    match result {
        Ok(()) => batch.ack_all(),
        Err(e) => {
            worker::console_error!("click log write failed, batch will be retried: {e}");
            batch.retry_all();
        }
    }
    Ok(())
}

async fn write(
    db: &D1Database,
    events: &mut [ClickEvent],
    funnel: &[StepEvent],
    min_gap_ms: u64,
) -> Result<()> {
    let sent = send_times(db, events).await?;
    let now = Date::now().as_millis();
    let mut stmts = Vec::with_capacity(events.len() * 2);
    for e in events.iter_mut() {
        let sent_at = e
            .recipient
            .and_then(|r| sent.get(&(e.link.clone(), r)).copied());
        flag_if_too_soon(e, sent_at, min_gap_ms);
        stmts.push(insert_event(db, e, now)?);
        if let (true, Some(r)) = (counts_as_first_click(e), e.recipient) {
            stmts.push(db.prepare(sql::UPSERT_FIRST_CLICK).bind(&[
                JsValue::from_str(&e.link),
                JsValue::from_f64(r as f64),
                JsValue::from_str(&e.id),
                JsValue::from_f64(e.ts as f64),
            ])?);
        }
    }
    for e in funnel {
        stmts.push(steps::insert(db, e, now)?);
    }
    stmts.extend(steps::link_campaigns(db, events)?);
    db.batch(stmts).await?;
    Ok(())
}
