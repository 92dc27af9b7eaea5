//! Moving what the click log and the send ledger held before campaign stores existed into the
//! stores: a link at a time (`store_backfill`, migration 0080), its ledger rows of the current
//! generation first, then its events, a page per step with the cursor kept in D1. The ops
//! worker's cron runs a few pages each minute, inside the per-invocation budget, until every
//! link is done. Both feeds are idempotent in a store (sends by recipient, events by id), so a
//! page fed twice, or events the Queue consumer fed already, count once.

use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{D1Database, Date, Env, Result};

use super::api::read_link;
use super::config::Config;
use super::names::DB;
use super::sql;
use super::{rejudge, rollups};
use crate::domain::code::ShortCode;
use crate::domain::event::ClickEvent;
use crate::domain::feed::{as_queued, LedgerRow};
use crate::domain::funnel::{parse_queued, Queued, StepEvent};
use crate::domain::ledger::check_channel;
use crate::domain::visitor::BotReason;

/// Pages per cron run: each costs one D1 read, one read of campaign records, one store call
/// and one progress write, so a run stays far inside the 50 D1 queries of the free plan
/// together with the spool drain and the dead-letter replay that share the invocation.
pub const PAGES_PER_RUN: usize = 6;
/// Ledger rows a page (a store call takes at most 1,000).
const SENDS_PER_PAGE: u32 = 1_000;
/// Events a page (each a few hundred bytes of JSON: one D1 answer of well under a megabyte).
const EVENTS_PER_PAGE: u32 = 500;

#[derive(Deserialize)]
struct Due {
    link: String,
    phase: String,
    after_seq: f64,
    after_ts: f64,
    after_id: String,
}

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ran {
    pub sends: u64,
    pub events: u64,
    pub links_done: u64,
}

/// Runs up to [`PAGES_PER_RUN`] pages of the pending links.
pub async fn run(env: &Env) -> Result<Ran> {
    let db = env.d1(DB)?;
    let cfg = Config::get(env);
    let rules = cfg.judge_rules();
    let due = db
        .prepare(sql::BACKFILL_DUE)
        .bind(&[JsValue::from_f64(PAGES_PER_RUN as f64)])?
        .all()
        .await?
        .results::<Due>()?;
    let mut ran = Ran::default();
    let mut pages = 0;
    for mut d in due {
        // The link's campaign label and variant, as the ledger API feeds its rows.
        let labels = match ShortCode::parse(&d.link).ok() {
            Some(code) => match read_link(env, &code).await {
                Ok(Some(l)) => Some((l.campaign.trim().to_owned(), l.variant.clone(), l)),
                Ok(None) => None,
                Err(p) => return Err(worker::Error::RustError(p.message.to_string())),
            },
            None => None,
        };
        while pages < PAGES_PER_RUN && d.phase != "done" {
            pages += 1;
            let now = Date::now().as_millis();
            if d.phase == "sends" {
                let fed = match &labels {
                    Some((label, variant, link)) => {
                        let generation = link
                            .generation()
                            .map_err(|p| worker::Error::RustError(p.message.to_string()))?
                            .map(|g| g.to_string())
                            .unwrap_or_default();
                        sends_page(
                            env,
                            &db,
                            rules,
                            &d,
                            &generation,
                            (label, variant.as_deref()),
                        )
                        .await?
                    }
                    None => None,
                };
                let n = match fed {
                    Some((n, last)) => {
                        d.after_seq = last as f64;
                        n
                    }
                    None => {
                        d.phase = "events".into();
                        0
                    }
                };
                ran.sends += n;
                advance(&db, &d, (n, 0), None).await?;
            } else {
                let fed = events_page(env, &db, rules, &d).await?;
                let n = match fed {
                    Some((n, ts, id)) => {
                        d.after_ts = ts as f64;
                        d.after_id = id;
                        n
                    }
                    None => {
                        d.phase = "done".into();
                        ran.links_done += 1;
                        0
                    }
                };
                ran.events += n;
                let done = (d.phase == "done").then_some(now);
                advance(&db, &d, (0, n), done).await?;
            }
        }
        if pages >= PAGES_PER_RUN {
            break;
        }
    }
    Ok(ran)
}

async fn advance(
    db: &D1Database,
    d: &Due,
    (sends, events): (u64, u64),
    done: Option<u64>,
) -> Result<()> {
    db.prepare(sql::BACKFILL_ADVANCE)
        .bind(&[
            JsValue::from_str(&d.link),
            JsValue::from_str(&d.phase),
            JsValue::from_f64(d.after_seq),
            JsValue::from_f64(d.after_ts),
            JsValue::from_str(&d.after_id),
            JsValue::from_f64(sends as f64),
            JsValue::from_f64(events as f64),
            done.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)),
        ])?
        .run()
        .await?;
    Ok(())
}

/// The one JSON text a page query answers (`[]` for no row).
async fn page(db: &D1Database, stmt: &str, binds: &[JsValue]) -> Result<Vec<Value>> {
    let text: Option<String> = db.prepare(stmt).bind(binds)?.first(None).await.map(|v| {
        v.and_then(|m: serde_json::Map<String, Value>| {
            m.into_iter()
                .next()
                .and_then(|(_, v)| v.as_str().map(str::to_owned))
        })
    })?;
    match text {
        Some(t) => serde_json::from_str(&t).map_err(|e| worker::Error::RustError(e.to_string())),
        None => Ok(Vec::new()),
    }
}

/// A page of the ledger into the link's campaign store: the number of rows and the last
/// recipient number, or `None` when the ledger has no more.
async fn sends_page(
    env: &Env,
    db: &D1Database,
    rules: crate::domain::judge::Rules,
    d: &Due,
    generation: &str,
    labels: (&str, Option<&str>),
) -> Result<Option<(u64, u64)>> {
    let rows = page(
        db,
        sql::BACKFILL_SENDS,
        &[
            JsValue::from_str(&d.link),
            JsValue::from_str(generation),
            JsValue::from_f64(d.after_seq),
            JsValue::from_f64(f64::from(SENDS_PER_PAGE)),
        ],
    )
    .await?;
    type Row = (
        u64,
        String,
        Option<String>,
        Option<String>,
        Option<u64>,
        Option<String>,
        Option<u64>,
    );
    let rows: Vec<Row> = rows
        .into_iter()
        .map(serde_json::from_value)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    let Some(last) = rows.last().map(|r| r.0) else {
        return Ok(None);
    };
    let ledger: Vec<(LedgerRow<'_>, &str)> = rows
        .iter()
        .map(
            |(seq, external_id, segment, variant, sent_at, channel, cost)| {
                let row = LedgerRow {
                    link: &d.link,
                    seq: *seq,
                    segment: segment.as_deref(),
                    variant: variant.as_deref(),
                    // The ledger's CHECK admits only known channels.
                    channel: check_channel(channel.as_deref()).ok().flatten(),
                    cost_minor: *cost,
                    sent_at: *sent_at,
                };
                (row, external_id.as_str())
            },
        )
        .collect();
    rollups::feed_sends(env, db, rules, labels, &ledger).await?;
    Ok(Some((rows.len() as u64, last)))
}

/// A page of the link's events into their campaigns' stores: the number of events and the
/// last (ts, id), or `None` when the log has no more.
async fn events_page(
    env: &Env,
    db: &D1Database,
    rules: crate::domain::judge::Rules,
    d: &Due,
) -> Result<Option<(u64, u64, String)>> {
    let rows = page(
        db,
        sql::BACKFILL_EVENTS,
        &[
            JsValue::from_str(&d.link),
            JsValue::from_f64(d.after_ts),
            JsValue::from_str(&d.after_id),
            JsValue::from_f64(f64::from(EVENTS_PER_PAGE)),
        ],
    )
    .await?;
    let Some(last) = rows.last() else {
        return Ok(None);
    };
    let last_ts = last.get("ts").and_then(Value::as_u64).unwrap_or_default();
    let last_id = last
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut clicks: Vec<ClickEvent> = Vec::new();
    let mut steps: Vec<StepEvent> = Vec::new();
    let mut bursts: Vec<rejudge::Burst> = Vec::new();
    for row in &rows {
        match parse_queued(&row.to_string()) {
            Some(Queued::Click(e)) => {
                // The log's network-burst verdict needs the crowd, which the store doesn't
                // see: it goes in as a flag, as the consumer hands it over.
                if let (Some(BotReason::NetworkBurst), Some(seq)) = (e.bot_reason, e.recipient) {
                    bursts.push((e.link.clone(), seq, e.id.clone()));
                }
                clicks.push(as_queued(e));
            }
            Some(Queued::Step(e)) => steps.push(e),
            // A row the log kept that no longer reads as an event: the log still has it.
            None => worker::console_error!(
                "backfill: event {} of {} not readable",
                row.get("id").and_then(Value::as_str).unwrap_or("?"),
                d.link
            ),
        }
    }
    let batch = rollups::Batch {
        clicks: &clicks,
        steps: &steps,
        bursts: &bursts,
        feed_events: true,
    };
    rollups::feed_events(env, db, rules, batch).await?;
    Ok(Some((rows.len() as u64, last_ts, last_id)))
}
