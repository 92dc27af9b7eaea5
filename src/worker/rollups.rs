//! Feeding the campaign stores (`worker::store`): the Queue consumer's events and the
//! ledger API's rows become facts (`domain::feed`), one call per campaign per batch.
//! Calls are idempotent (events by id, sends by recipient), so a batch that failed half-way
//! is simply sent again.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::json;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Method, Request, RequestInit, Result};

use super::names::CAMPAIGN_STORE;
use super::rejudge;
use super::sql;
use super::store::{campaign_of, Applied, ApplyCall};
use crate::domain::campaign::CampaignInput;
use crate::domain::event::ClickEvent;
use crate::domain::feed::{event_fact, send_fact, LedgerRow};
use crate::domain::funnel::{Queued, StepEvent};
use crate::domain::judge::Rules;
use crate::domain::rollup::{Fact, Flag, Recipient, Send};

/// Calls the store of `campaign`: `path` with a JSON body; the answer's text, or an error
/// for anything but 200.
pub async fn call(env: &Env, campaign: &str, path: &str, body: String) -> Result<String> {
    let stub = env.durable_object(CAMPAIGN_STORE)?.get_by_name(campaign)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(&body)));
    let req = Request::new_with_init(&format!("https://campaign-store{path}"), &init)?;
    let mut r = stub.fetch_with_request(req).await?;
    let text = r.text().await?;
    if r.status_code() != 200 {
        return Err(worker::Error::RustError(format!(
            "campaign store {path}: {} {text}",
            r.status_code()
        )));
    }
    Ok(text)
}

/// The stored records of the campaigns named (those that have one), in one D1 query.
pub async fn records(db: &D1Database, ids: &[&str]) -> Result<HashMap<String, CampaignInput>> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
        record: String,
    }
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = db
        .prepare(sql::CAMPAIGN_RECORDS)
        .bind(&[JsValue::from_str(&json!(ids).to_string())])?
        .all()
        .await?
        .results::<Row>()?;
    let mut out = HashMap::new();
    for r in rows {
        match CampaignInput::from_stored(&r.record).filter(|c| c.validate(&r.id).is_ok()) {
            Some(c) => {
                out.insert(r.id, c);
            }
            // Counted under the defaults rather than held back: the detail goes to the log.
            None => worker::console_error!("stored campaign no longer valid: {}", r.id),
        }
    }
    Ok(out)
}

async fn apply(
    env: &Env,
    campaign: &str,
    record: Option<CampaignInput>,
    rules: Rules,
    sends: Vec<(Send, String)>,
    events: Vec<Fact>,
) -> Result<Applied> {
    let body = ApplyCall {
        campaign: campaign.to_owned(),
        record,
        min_gap_ms: rules.min_gap_ms,
        burst_ms: rules.burst_ms,
        sends,
        events,
    };
    let body = serde_json::to_string(&body).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let text = call(env, campaign, "/apply", body).await?;
    serde_json::from_str(&text).map_err(|e| worker::Error::RustError(e.to_string()))
}

/// What the consumer hands the stores for one Queue batch.
pub struct Batch<'a> {
    pub clicks: &'a [ClickEvent],
    pub steps: &'a [StepEvent],
    /// Network-burst verdicts of the click log's re-judging, on clicks of the batch's links.
    pub bursts: &'a [rejudge::Burst],
    /// Whether the clicks and steps are fed; `false`: the clicks only name the campaign
    /// labels of the bursts' links.
    pub feed_events: bool,
}

/// The consumer's batch into the stores: events grouped by their campaign label, one call
/// per campaign. Events of links without a campaign label stay in the click log only. A
/// burst verdict goes to the store of its link's label (the crowd is per link, so the link is
/// one of the batch's clicks').
pub async fn feed_events(env: &Env, db: &D1Database, rules: Rules, b: Batch<'_>) -> Result<()> {
    // Copies of the events only when they are fed (a flags-only call names labels only).
    let queued: Vec<Queued> = match b.feed_events {
        true => b
            .clicks
            .iter()
            .cloned()
            .map(Queued::Click)
            .chain(b.steps.iter().cloned().map(Queued::Step))
            .collect(),
        false => Vec::new(),
    };
    let mut by: BTreeMap<&str, Vec<&Queued>> = BTreeMap::new();
    for q in &queued {
        let label = match q {
            Queued::Click(e) => e.campaign.as_str(),
            Queued::Step(e) => e.campaign.as_str(),
        };
        if !label.is_empty() {
            by.entry(label).or_default().push(q);
        }
    }
    let label_of: HashMap<&str, &str> = b
        .clicks
        .iter()
        .filter(|e| !e.campaign.is_empty())
        .map(|e| (e.link.as_str(), e.campaign.as_str()))
        .collect();
    let mut flags: BTreeMap<&str, Vec<Fact>> = BTreeMap::new();
    for (link, seq, click) in b.bursts {
        if let Some(label) = label_of.get(link.as_str()) {
            by.entry(label).or_default();
            flags.entry(label).or_default().push(Fact::Flag(Flag {
                recipient: Recipient {
                    link: link.clone(),
                    seq: *seq,
                },
                click: click.clone(),
            }));
        }
    }
    if by.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = by.keys().copied().collect();
    let mut recs = records(db, &ids).await?;
    for (label, qs) in by {
        let record = recs.remove(label);
        let Some(campaign) = campaign_of(label, record.as_ref()) else {
            continue;
        };
        let mut facts = Vec::with_capacity(qs.len());
        for q in qs {
            match event_fact(&campaign, q) {
                Ok(Some(f)) => facts.push(f),
                Ok(None) => {}
                // The conversions API checks these; a message that still fails is logged by id.
                Err(p) => worker::console_error!("event not counted in {label}: {}", p.code),
            }
        }
        facts.extend(flags.remove(label).unwrap_or_default());
        if facts.is_empty() {
            continue;
        }
        let done = apply(env, label, record, rules, Vec::new(), facts).await?;
        for (id, code) in &done.refused {
            worker::console_log!("campaign {label} refused event {id}: {code}");
        }
    }
    Ok(())
}

/// Ledger rows of one link into its campaign's store. `link_variant` is the link's own
/// variant label: the group of rows that name none when the campaign record doesn't list the
/// link (as its clicks carry it).
pub async fn feed_sends(
    env: &Env,
    db: &D1Database,
    rules: Rules,
    (label, link_variant): (&str, Option<&str>),
    rows: &[(LedgerRow<'_>, &str)],
) -> Result<()> {
    if label.is_empty() || rows.is_empty() {
        return Ok(());
    }
    let record = records(db, &[label]).await?.remove(label);
    let Some(campaign) = campaign_of(label, record.as_ref()) else {
        return Ok(());
    };
    let sends = rows
        .iter()
        .map(|(row, id)| {
            let mut row = *row;
            if campaign.link(row.link).is_none() {
                row.variant = row.variant.or(link_variant);
            }
            (row, id)
        })
        .filter_map(|(row, id)| match send_fact(&campaign, &row) {
            Fact::Send(s) => Some((s, (*id).to_owned())),
            Fact::Event(_) | Fact::Flag(_) => None,
        })
        .collect();
    apply(env, label, record, rules, sends, Vec::new()).await?;
    Ok(())
}
