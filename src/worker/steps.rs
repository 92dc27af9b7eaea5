//! D1 statements for the consumer's batch writes: clicks, funnel steps and conversions, and
//! the campaigns of the clicks' links, each set-based (`json_each`) in chunks under D1's
//! statement size, so a full batch is a handful of statements.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use super::sql;
use crate::domain::event::ClickEvent;
use crate::domain::funnel::StepEvent;
use crate::domain::ledger::{json_array_chunks, MAX_STATEMENT_JSON};
use crate::domain::logrows::{campaign_rows, click_row, step_row};

fn chunked(
    db: &D1Database,
    statement: &str,
    rows: &[String],
    now: Option<u64>,
) -> Result<Vec<D1PreparedStatement>> {
    json_array_chunks(rows, MAX_STATEMENT_JSON)
        .into_iter()
        .map(|chunk| {
            let mut args = vec![JsValue::from_str(&chunk)];
            args.extend(now.map(|n| JsValue::from_f64(n as f64)));
            db.prepare(statement).bind(&args)
        })
        .collect()
}

/// The clicks, written at `now`.
pub fn clicks(
    db: &D1Database,
    events: &[ClickEvent],
    now: u64,
) -> Result<Vec<D1PreparedStatement>> {
    let rows: Vec<String> = events.iter().map(click_row).collect();
    chunked(db, sql::INSERT_EVENTS, &rows, Some(now))
}

/// Page steps and conversions, written at `now`.
pub fn steps(db: &D1Database, events: &[StepEvent], now: u64) -> Result<Vec<D1PreparedStatement>> {
    let rows: Vec<String> = events.iter().map(step_row).collect();
    chunked(db, sql::INSERT_STEPS, &rows, Some(now))
}

/// The campaign of every link the clicks name.
pub fn link_campaigns(db: &D1Database, clicks: &[ClickEvent]) -> Result<Vec<D1PreparedStatement>> {
    chunked(db, sql::UPSERT_LINK_CAMPAIGNS, &campaign_rows(clicks), None)
}
