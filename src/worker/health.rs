//! `GET /health` on the edge: up, how many dead letters wait for an operator, and how many
//! stored links this isolate failed to read. The count is read from D1 at most every 30 s per
//! isolate, so the public endpoint puts no load on D1.

use std::cell::Cell;

use worker::{Date, Env, Response, Result};

use super::names::DB;
use super::{links, respond, sql};

const COUNT_TTL_MS: u64 = 30_000;

thread_local! {
    static COUNT: Cell<Option<(u64, u64)>> = const { Cell::new(None) };
}

/// Letters parked and not replayed; `None` when D1 can't say.
async fn parked_count(env: &Env) -> Option<u64> {
    let now = Date::now().as_millis();
    if let Some((at, n)) = COUNT.with(Cell::get) {
        if now.saturating_sub(at) < COUNT_TTL_MS {
            return Some(n);
        }
    }
    let db = env.d1(DB).ok()?;
    let row = db.prepare(sql::COUNT_PARKED).first::<f64>(Some("n")).await;
    match row {
        Ok(Some(n)) => {
            COUNT.with(|cell| cell.set(Some((now, n as u64))));
            Some(n as u64)
        }
        Ok(None) => None,
        Err(e) => {
            worker::console_error!("dead-letter count failed: {e}");
            None
        }
    }
}

pub async fn handle(env: &Env) -> Result<Response> {
    let parked = match parked_count(env).await {
        Some(n) => n.to_string(),
        None => String::from("null"),
    };
    let errors = links::parse_failures();
    respond::json(
        200,
        format!(r#"{{"status":"ok","dead_letters":{parked},"stored_link_errors":{errors}}}"#),
    )
}
