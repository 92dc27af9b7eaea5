//! The Queue consumer: writes click events into the D1 click log, idempotently, and keeps
//! the first human click per recipient (re-judged in `rejudge` as new facts arrive).

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Date, Env, MessageBatch, MessageExt, Result};

use super::config::Config;
use super::names::DB;
use super::sql::{opt_num, opt_str};
use super::{rejudge, sql, steps};
use crate::domain::event::ClickEvent;
use crate::domain::funnel::{parse_queued, Queued, StepEvent};
use crate::domain::judge::Rules;

fn insert_event(db: &D1Database, e: &ClickEvent, now: u64) -> Result<D1PreparedStatement> {
    db.prepare(sql::INSERT_EVENT).bind(&[
        JsValue::from_str(&e.id),
        JsValue::from_f64(e.ts as f64),
        JsValue::from_str(&e.link),
        JsValue::from_str(&e.campaign),
        opt_str(e.variant.as_deref()),
        opt_num(e.recipient.map(|r| r as f64)),
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
    let result = write(&db, &events, &funnel, cfg.judge_rules()).await;
    match result {
        Ok(()) => batch.ack_all(),
        Err(e) => {
            worker::console_error!("click log write failed, batch will be retried: {e}");
            batch.retry_all();
        }
    }
    Ok(())
}

/// Writes the events (idempotent on their ids), then re-judges the recipients the clicks
/// touch: flags that need the ledger (too soon after the send, before it, a honeypot burst) and
/// the first click are decided in `rejudge`, against everything the log holds by then.
async fn write(
    db: &D1Database,
    events: &[ClickEvent],
    funnel: &[StepEvent],
    rules: Rules,
) -> Result<()> {
    let now = Date::now().as_millis();
    let mut stmts = Vec::with_capacity(events.len() + funnel.len() + 1);
    for e in events {
        stmts.push(insert_event(db, e, now)?);
    }
    for e in funnel {
        stmts.push(steps::insert(db, e, now)?);
    }
    stmts.extend(steps::link_campaigns(db, events)?);
    db.batch(stmts).await?;
    let mut touched: Vec<(String, u64)> = events
        .iter()
        .filter_map(|e| Some((e.link.clone(), e.recipient?)))
        .collect();
    touched.sort();
    touched.dedup();
    rejudge::run(db, rules, &touched).await
}
