//! The campaign store: one SQLite-backed Durable Object per campaign (named by the campaign
//! id), holding that campaign's recipients, event dedupe and counters (`docs/campaigns.md`).
//! Thin glue over `domain::rollup`: a call applies a batch of facts in one transaction
//! (`transactionSync`), reads hand back counter rows or a page of the follow-up list.
//!
//! Calls (POST, JSON, from the ops worker only; the binding is not reachable from outside):
//! - `/apply` [`ApplyCall`] → [`Applied`]
//! - `/rows` `{"kind": "f"|"t"|"r"}` → `[[kind, variant, segment, channel, axis, bucket, step,
//!   uniq, raw, bot, late, value_minor, cost_minor, unpriced], …]`
//! - `/follow-ups` [`FollowUpCall`] → `[[link, seq, external_id], …]`
//! - `/follow-up-count` [`FollowUpCall`] (cursor and limit ignored) → how many lines the
//!   whole list has
//! - `/size` → `{"bytes": …, "recipients": …, "seen": …}`

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use super::sql::store as q;
use crate::domain::campaign::{Campaign, CampaignInput};
use crate::domain::judge::Rules;
use crate::domain::rollup::{
    check_currency, Axis, Counts, Fact, Group, Key, Recipient, RecipientState, Rollup, Send,
};

/// One batch of facts for a campaign.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApplyCall {
    pub campaign: String,
    /// The campaign's record; `None` when the campaign has none (see [`campaign_of`]).
    pub record: Option<CampaignInput>,
    pub min_gap_ms: u64,
    pub burst_ms: u64,
    /// Ledger rows, each with the operator's id of its recipient.
    pub sends: Vec<(Send, String)>,
    pub events: Vec<Fact>,
}

/// What a batch did.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Applied {
    /// Events applied for the first time.
    pub applied: u64,
    /// Events seen before (redelivered): nothing changed.
    pub duplicates: u64,
    /// Events refused (a value in another currency), by id and problem code. They are kept
    /// as seen: sent again, they are refused again without being counted.
    pub refused: Vec<(String, String)>,
}

/// A page of the follow-up list: recipients sent at or before `cutoff` (Unix ms) who haven't
/// reached `step`, after the recipient `(after_link, after_seq)`, in (link, seq) order.
#[derive(Debug, Serialize, Deserialize)]
pub struct FollowUpCall {
    pub cutoff: u64,
    pub step: String,
    pub after_link: String,
    pub after_seq: u64,
    pub limit: u32,
}

/// The campaign a store counts for: its record, checked, or for a campaign without one (links
/// carry a `campaign` label whether or not a record exists) the defaults with no currency
/// (`XXX`): no costs, and conversion values are not summed (see [`ApplyCall`]).
pub fn campaign_of(id: &str, record: Option<&CampaignInput>) -> Option<Campaign> {
    if let Some(c) = record.and_then(|r| r.validate(id).ok()) {
        return Some(c);
    }
    CampaignInput {
        name: id.to_owned(),
        currency: "XXX".into(),
        ..CampaignInput::default()
    }
    .validate(id)
    .ok()
}

#[durable_object(fetch)]
pub struct CampaignStore {
    state: State,
}

impl DurableObject for CampaignStore {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        for stmt in q::SCHEMA {
            if let Err(e) = sql.exec(stmt, None) {
                worker::console_error!("campaign store schema: {e}");
            }
        }
        CampaignStore { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let body = req.text().await?;
        let answer = match path.as_str() {
            "/apply" => self.apply(&body),
            "/rows" => self.rows(&body),
            "/follow-ups" => self.follow_ups(&body),
            "/follow-up-count" => self.follow_up_count(&body),
            "/size" => self.size(),
            _ => return Response::error("no such call", 404),
        };
        match answer {
            Ok(text) => Response::ok(text),
            Err(e) => {
                worker::console_error!("campaign store {path}: {e}");
                Response::error("campaign store call failed", 500)
            }
        }
    }
}

fn bad(what: &str) -> worker::Error {
    worker::Error::RustError(what.to_owned())
}

/// The counter key as the `counters` table spells it.
fn key_cols(k: &Key) -> (&'static str, &Group, &'static str, u8, &str) {
    match k {
        Key::Funnel { group, step } => ("f", group, "", 0, step),
        Key::Timing {
            group,
            axis,
            bucket,
            step,
        } => ("t", group, axis.as_str(), *bucket, step),
        Key::Retention { group, bucket } => ("r", group, "", *bucket, ""),
    }
}

/// A row of `counters` in column order: kind, variant, segment, channel, axis, bucket, step,
/// then uniq, raw, bot, late, value_minor, cost_minor, unpriced. `/apply` writes increments
/// as `Counter<&str>` (`sql::store::COUNTERS_ADD`), `/rows` reads them back as [`CounterRow`].
pub type Counter<S> = (S, S, S, S, S, u8, S, i64, i64, i64, i64, i64, i64, i64);

/// A row of `counters` as `/rows` returns it, back into a key and its counts.
pub type CounterRow = Counter<String>;

pub fn counter_row(r: CounterRow) -> Option<(Key, Counts)> {
    let (kind, variant, segment, channel, axis, bucket, step, uniq, raw, bot, late, v, c, u) = r;
    let group = Group {
        variant,
        segment,
        channel: crate::domain::campaign::Channel::parse(&channel)?,
    };
    let key = match kind.as_str() {
        "f" => Key::Funnel { group, step },
        "t" => Key::Timing {
            group,
            axis: match axis.as_str() {
                "send_hour" => Axis::SendHour,
                "click_hour" => Axis::ClickHour,
                "delay" => Axis::Delay,
                _ => return None,
            },
            bucket,
            step,
        },
        "r" => Key::Retention { group, bucket },
        _ => return None,
    };
    let counts = Counts {
        uniq,
        raw,
        bot,
        late,
        value_minor: v,
        cost_minor: c,
        unpriced: u,
    };
    Some((key, counts))
}

/// Runs `f` inside `storage.transactionSync`: everything it wrote is rolled back when it
/// fails. (workers-rs exposes only the asynchronous `transaction`; the synchronous one is
/// what SQL storage needs.)
fn transaction<T: 'static>(
    storage: &worker::Storage,
    f: impl FnOnce() -> Result<T> + 'static,
) -> Result<T> {
    let raw: &JsValue = storage.as_raw().as_ref();
    let sync: js_sys::Function = js_sys::Reflect::get(raw, &JsValue::from_str("transactionSync"))?
        .dyn_into()
        .map_err(|_| bad("transactionSync is not a function"))?;
    let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let slot = out.clone();
    let body = Closure::once(move || -> std::result::Result<JsValue, JsValue> {
        match f() {
            Ok(v) => {
                *slot.borrow_mut() = Some(v);
                Ok(JsValue::UNDEFINED)
            }
            Err(e) => Err(js_sys::Error::new(&e.to_string()).into()),
        }
    });
    sync.call1(raw, body.as_ref().unchecked_ref())?;
    let v = out.borrow_mut().take();
    v.ok_or_else(|| bad("transaction returned nothing"))
}

impl CampaignStore {
    fn apply(&self, body: &str) -> Result<String> {
        let call: ApplyCall = serde_json::from_str(body).map_err(|e| bad(&e.to_string()))?;
        let sql = self.state.storage().sql();
        let applied = transaction(&self.state.storage(), move || apply(&sql, call))?;
        serde_json::to_string(&applied).map_err(|e| bad(&e.to_string()))
    }

    fn rows(&self, body: &str) -> Result<String> {
        #[derive(Deserialize)]
        struct Call {
            kind: String,
        }
        let call: Call = serde_json::from_str(body).map_err(|e| bad(&e.to_string()))?;
        let sql = self.state.storage().sql();
        let j: Option<String> = single(&sql, q::ROWS, vec![JsValue::from_str(&call.kind)])?;
        Ok(j.unwrap_or_else(|| "[]".into()))
    }

    fn follow_ups(&self, body: &str) -> Result<String> {
        let c: FollowUpCall = serde_json::from_str(body).map_err(|e| bad(&e.to_string()))?;
        let sql = self.state.storage().sql();
        let j: Option<String> = single(
            &sql,
            q::FOLLOW_UPS,
            vec![
                JsValue::from_f64(c.cutoff as f64),
                JsValue::from_str(&reached_marker(&c.step)),
                JsValue::from_str(&c.after_link),
                JsValue::from_f64(c.after_seq as f64),
                JsValue::from_f64(f64::from(c.limit)),
            ],
        )?;
        Ok(j.unwrap_or_else(|| "[]".into()))
    }

    fn follow_up_count(&self, body: &str) -> Result<String> {
        let c: FollowUpCall = serde_json::from_str(body).map_err(|e| bad(&e.to_string()))?;
        let sql = self.state.storage().sql();
        let n: Option<f64> = single(
            &sql,
            q::COUNT_FOLLOW_UPS,
            vec![
                JsValue::from_f64(c.cutoff as f64),
                JsValue::from_str(&reached_marker(&c.step)),
            ],
        )?;
        Ok(json!(n.unwrap_or(0.0) as u64).to_string())
    }

    fn size(&self) -> Result<String> {
        let sql = self.state.storage().sql();
        let count =
            |stmt: &str| -> Result<f64> { Ok(single::<f64>(&sql, stmt, vec![])?.unwrap_or(0.0)) };
        Ok(json!({
            "bytes": sql.database_size(),
            "recipients": count(q::COUNT_RECIPIENTS)?,
            "seen": count(q::COUNT_SEEN)?,
        })
        .to_string())
    }
}

/// The first column of the first row (`None` for no row or NULL).
fn single<T: serde::de::DeserializeOwned>(
    sql: &worker::SqlStorage,
    stmt: &str,
    binds: Vec<JsValue>,
) -> Result<Option<T>> {
    let cursor = sql.exec_raw(stmt, binds)?;
    let mut rows = cursor.raw();
    let Some(row) = rows.next() else {
        return Ok(None);
    };
    let first = row?.into_iter().next();
    let v: serde_json::Value = match first {
        None | Some(worker::SqlStorageValue::Null) => return Ok(None),
        Some(worker::SqlStorageValue::String(s)) => serde_json::Value::String(s),
        Some(worker::SqlStorageValue::Integer(i)) => json!(i),
        Some(worker::SqlStorageValue::Float(f)) => json!(f),
        Some(worker::SqlStorageValue::Boolean(b)) => json!(b),
        Some(worker::SqlStorageValue::Blob(_)) => return Err(bad("unexpected blob")),
    };
    serde_json::from_value(v)
        .map(Some)
        .map_err(|e| bad(&e.to_string()))
}

/// `reached` holds the steps a recipient has reached as `,clicked,login,`.
fn reached_marker(step: &str) -> String {
    format!(",{step},")
}

fn reached_text(steps: &[String]) -> String {
    if steps.is_empty() {
        return String::new();
    }
    format!(",{},", steps.join(","))
}

struct Held {
    state: Option<RecipientState>,
    external_id: Option<String>,
    changed: bool,
}

/// The batch, in the transaction: dedupe events on `seen`, load the states of the recipients
/// the batch touches, apply every fact in memory (`domain::rollup`), write back the states
/// that changed and add the summed increments to the counters. Four to six statements a batch,
/// whatever its size (each under the 100 KB statement limit by the batch bounds).
fn apply(sql: &worker::SqlStorage, call: ApplyCall) -> Result<Applied> {
    let campaign = campaign_of(&call.campaign, call.record.as_ref())
        .ok_or_else(|| bad("campaign id is not a label"))?;
    let priced = call.record.is_some();
    let rollup = Rollup {
        campaign: &campaign,
        // Network bursts need other recipients' clicks: judged on the click log, whose
        // verdicts arrive as `Fact::Flag`.
        rules: Rules {
            min_gap_ms: call.min_gap_ms,
            burst_ms: call.burst_ms,
            ..Rules::DEFAULT
        },
    };
    let mut out = Applied::default();

    // 1. Events never seen before (one statement; RETURNING names the rows it inserted).
    let ids: Vec<&str> = call
        .events
        .iter()
        .filter_map(|f| match f {
            Fact::Event(e) => Some(e.id.as_str()),
            Fact::Send(_) | Fact::Flag(_) => None,
        })
        .collect();
    let mut fresh: BTreeSet<String> = BTreeSet::new();
    if !ids.is_empty() {
        let cursor = sql.exec_raw(
            q::SEEN_INSERT,
            vec![JsValue::from_str(&json!(ids).to_string())],
        )?;
        for row in cursor.raw() {
            if let Some(worker::SqlStorageValue::String(id)) = row?.into_iter().next() {
                fresh.insert(id);
            }
        }
    }

    // 2. The states of the recipients touched.
    let mut who: BTreeSet<&Recipient> = BTreeSet::new();
    for (s, _) in &call.sends {
        who.insert(&s.recipient);
    }
    for f in &call.events {
        match f {
            Fact::Event(e) if fresh.contains(&e.id) => who.extend(e.recipient.as_ref()),
            Fact::Flag(flag) => {
                who.insert(&flag.recipient);
            }
            _ => {}
        }
    }
    let mut held: BTreeMap<Recipient, Held> = BTreeMap::new();
    if !who.is_empty() {
        let keys: Vec<(&str, u64)> = who.iter().map(|r| (r.link.as_str(), r.seq)).collect();
        let j: Option<String> = single(
            sql,
            q::STATES_READ,
            vec![JsValue::from_str(&json!(keys).to_string())],
        )?;
        type StateRow = (String, u64, Option<String>, String);
        let rows: Vec<StateRow> = match j {
            Some(t) => serde_json::from_str(&t).map_err(|e| bad(&e.to_string()))?,
            None => Vec::new(),
        };
        for (link, seq, external_id, state) in rows {
            let state: RecipientState =
                serde_json::from_str(&state).map_err(|e| bad(&e.to_string()))?;
            held.insert(
                Recipient { link, seq },
                Held {
                    state: Some(state),
                    external_id,
                    changed: false,
                },
            );
        }
    }

    // 3. Every fact, in memory.
    let mut deltas: BTreeMap<Key, Counts> = BTreeMap::new();
    let mut add = |ds: Vec<(Key, Counts)>| {
        for (k, d) in ds {
            deltas.entry(k).or_default().apply(&d);
        }
    };
    for (send, external_id) in call.sends {
        let fact = Fact::Send(send);
        let Fact::Send(s) = &fact else { continue };
        let h = held.entry(s.recipient.clone()).or_insert(Held {
            state: None,
            external_id: None,
            changed: false,
        });
        let r = rollup.apply(h.state.take(), &fact);
        let a = r.map_err(|p| bad(&p.message))?;
        h.state = a.state;
        h.external_id.get_or_insert(external_id);
        h.changed = true;
        add(a.deltas);
    }
    for mut fact in call.events {
        if let Fact::Flag(flag) = &fact {
            // Idempotent: applied whenever it comes, never counted as an event.
            let h = held.entry(flag.recipient.clone()).or_insert(Held {
                state: None,
                external_id: None,
                changed: false,
            });
            let a = rollup
                .apply(h.state.take(), &fact)
                .map_err(|p| bad(&p.message))?;
            h.state = a.state;
            h.changed = true;
            add(a.deltas);
            continue;
        }
        let Fact::Event(e) = &mut fact else { continue };
        if !fresh.remove(&e.id) {
            out.duplicates += 1;
            continue;
        }
        if !priced {
            // No campaign record, no currency to sum values in: the event counts, its value
            // does not.
            e.value = None;
        }
        if let Some((_, cur)) = &e.value {
            if let Err(p) = check_currency(&campaign, cur) {
                out.refused.push((e.id.clone(), p.code.to_string()));
                continue;
            }
        }
        let Fact::Event(e) = &fact else { continue };
        let state = match &e.recipient {
            Some(r) => held.get_mut(r).and_then(|h| h.state.take()),
            None => None,
        };
        let a = rollup.apply(state, &fact).map_err(|p| bad(&p.message))?;
        if let (Some(r), Some(s)) = (&e.recipient, a.state) {
            let h = held.entry(r.clone()).or_insert(Held {
                state: None,
                external_id: None,
                changed: false,
            });
            h.state = Some(s);
            h.changed = true;
        }
        out.applied += 1;
        add(a.deltas);
    }

    // 4. The states that changed, with what lists filter on.
    type StateOut<'a> = (
        &'a str,
        u64,
        &'a Option<String>,
        Option<u64>,
        String,
        String,
    );
    let mut rows: Vec<StateOut> = Vec::new();
    for (r, h) in &held {
        let (true, Some(s)) = (h.changed, &h.state) else {
            continue;
        };
        let sent_at = s.send.as_ref().and_then(|x| x.sent_at);
        rows.push((
            &r.link,
            r.seq,
            &h.external_id,
            sent_at,
            reached_text(&rollup.reached(s)),
            serde_json::to_string(s).map_err(|e| bad(&e.to_string()))?,
        ));
    }
    if !rows.is_empty() {
        let arg = serde_json::to_string(&rows).map_err(|e| bad(&e.to_string()))?;
        sql.exec_raw(q::STATES_WRITE, vec![JsValue::from_str(&arg)])?;
    }

    // 5. The increments.
    let incs: Vec<Counter<&str>> = deltas
        .iter()
        .filter(|(_, d)| !d.is_zero())
        .map(|(k, d)| {
            let (kind, g, axis, bucket, step) = key_cols(k);
            (
                kind,
                g.variant.as_str(),
                g.segment.as_str(),
                g.channel.as_str(),
                axis,
                bucket,
                step,
                d.uniq,
                d.raw,
                d.bot,
                d.late,
                d.value_minor,
                d.cost_minor,
                d.unpriced,
            )
        })
        .collect();
    if !incs.is_empty() {
        let arg = serde_json::to_string(&incs).map_err(|e| bad(&e.to_string()))?;
        sql.exec_raw(q::COUNTERS_ADD, vec![JsValue::from_str(&arg)])?;
    }
    if !out.refused.is_empty() {
        sql.exec_raw(
            q::REFUSED_INSERT,
            vec![JsValue::from_str(&json!(out.refused).to_string())],
        )?;
    }
    Ok(out)
}
