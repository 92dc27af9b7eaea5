//! The Queue consumer: writes click events into the D1 click log, idempotently, and keeps
//! the first human click per recipient (re-judged in `rejudge` as new facts arrive).
//! Messages it can't write are parked as dead letters. Then it feeds each campaign's store
//! (`rollups`).

use worker::{D1Database, D1Result, Date, Env, MessageBatch, MessageExt, RawMessage, Result};

use super::config::Config;
use super::deadletters;
use super::names::{DB, DEAD_LETTER_QUEUE};
use super::{rejudge, rollups, steps};
use crate::domain::event::ClickEvent;
use crate::domain::funnel::{Queued, StepEvent};
use crate::domain::inbox::{decode, park, Decoded, Poison};
use crate::domain::judge::Rules;

/// Takes one batch. Every message ends acknowledged only once written or parked; anything
/// that failed is retried on its own, after a delay that grows with its age.
pub async fn consume(batch: MessageBatch<String>, env: Env) -> Result<()> {
    let cfg = Config::get(&env);
    let db = env.d1(DB)?;
    let queue = batch.queue();
    if queue == DEAD_LETTER_QUEUE {
        return park_exhausted(&batch, &db, &queue).await;
    }
    let now = Date::now().as_millis();
    let mut events = Vec::new();
    let mut funnel = Vec::new();
    let mut writing = Vec::new();
    let mut poison = Vec::new();
    for m in batch.raw_iter() {
        let body = deadletters::body_text(&m.body());
        let decoded = match &body {
            Some(text) => decode(text),
            None => Decoded::Poison(Poison::NotText, String::from("body is not text")),
        };
        match decoded {
            Decoded::Event(q) => {
                match *q {
                    Queued::Click(e) => events.push(e),
                    Queued::Step(e) => funnel.push(e),
                }
                writing.push(m);
            }
            Decoded::Unknown(detail) => {
                worker::console_warn!("message {} not understood yet ({detail}); retrying", m.id());
                deadletters::retry_later(&m, now);
            }
            Decoded::Poison(why, detail) => {
                worker::console_error!("parking message {}: {} ({detail})", m.id(), why.code());
                let parked = park(&m.id(), &queue, why, &detail, body.as_deref().unwrap_or(""));
                poison.push((m, parked));
            }
        }
    }
    if !poison.is_empty() {
        let letters: Vec<_> = poison.iter().map(|(_, p)| p.clone()).collect();
        settle(
            deadletters::park(&db, &letters).await,
            poison.iter().map(|(m, _)| m),
            now,
            "parking",
        );
    }
    if !writing.is_empty() {
        // Two things at the same time: the campaign stores, one call per campaign (each
        // store is its own writer; the campaigns' records are read first), and the click log
        // in one D1 batch that also moves first clicks earlier and reads what re-judging
        // starts from, then re-judging's writes when it flags anything. Then the log's
        // network-burst verdicts, if any, to the stores. The stores wait for neither: every
        // step is idempotent, and a batch that failed anywhere is retried whole.
        let rules = cfg.judge_rules();
        let result = async {
            let events_only = rollups::Batch {
                clicks: &events,
                steps: &funnel,
                bursts: &[],
                feed_events: true,
            };
            let logged = async {
                let ids: Vec<&str> = events
                    .iter()
                    .filter(|e| e.recipient.is_some())
                    .map(|e| e.id.as_str())
                    .collect();
                let scope = rejudge::Scope::Batch(&ids);
                let (results, touched) = write(&db, &events, &funnel, rules, scope).await?;
                rejudge::run_after(&db, rules, &touched, &results, scope).await
            };
            // The stores' call first: its records read reaches D1 before the log's batch.
            let (stored, judged) = futures_util::future::join(
                rollups::feed_events(&env, &db, rules, events_only),
                logged,
            )
            .await;
            stored?;
            let bursts = judged?;
            if bursts.is_empty() {
                return Ok(());
            }
            let flags = rollups::Batch {
                clicks: &events,
                steps: &[],
                bursts: &bursts,
                feed_events: false,
            };
            rollups::feed_events(&env, &db, rules, flags).await
        }
        .await;
        settle(result, writing.iter(), now, "click log or campaign write");
    }
    Ok(())
}

/// Acknowledges the messages a write stored, or retries them later when it failed.
fn settle<'a>(
    result: Result<()>,
    messages: impl Iterator<Item = &'a RawMessage>,
    now: u64,
    what: &str,
) {
    match result {
        Ok(()) => messages.for_each(|m| m.ack()),
        Err(e) => {
            worker::console_error!("{what} failed, messages will be retried: {e}");
            messages.for_each(|m| deadletters::retry_later(m, now));
        }
    }
}

/// The dead-letter queue's consumer: whatever arrives used up its retries; park it whole.
async fn park_exhausted(batch: &MessageBatch<String>, db: &D1Database, queue: &str) -> Result<()> {
    let now = Date::now().as_millis();
    let messages: Vec<RawMessage> = batch.raw_iter().collect();
    let letters: Vec<_> = messages
        .iter()
        .map(|m| {
            let body = deadletters::body_text(&m.body());
            let detail = match body.as_deref().map(decode) {
                Some(Decoded::Event(_)) => String::from("an event; the write kept failing"),
                Some(Decoded::Unknown(d)) => d,
                Some(Decoded::Poison(p, d)) => format!("{}: {d}", p.code()),
                None => String::from("body is not text"),
            };
            let body = body.unwrap_or_default();
            park(&m.id(), queue, Poison::RetriesExhausted, &detail, &body)
        })
        .collect();
    settle(
        deadletters::park(db, &letters).await,
        messages.iter(),
        now,
        "parking dead letters",
    );
    Ok(())
}

/// Writes the events (idempotent on their ids) in one D1 batch that also moves first clicks
/// earlier by the batch's clicks (`rejudge::advance_first_clicks`) and reads, after the
/// writes, what re-judging the recipients the clicks touch starts from
/// (`rejudge::first_reads`): flags that need the ledger (too soon after the send, before it,
/// a honeypot burst) and the first click are decided in `rejudge`, against everything the log
/// holds by then. Returns the batch's results and the recipients touched.
async fn write(
    db: &D1Database,
    events: &[ClickEvent],
    funnel: &[StepEvent],
    rules: Rules,
    scope: rejudge::Scope<'_>,
) -> Result<(Vec<D1Result>, Vec<(String, u64)>)> {
    let now = Date::now().as_millis();
    let mut stmts = steps::clicks(db, events, now)?;
    stmts.extend(steps::steps(db, funnel, now)?);
    stmts.extend(steps::link_campaigns(db, events)?);
    if let rejudge::Scope::Batch(ids) = scope {
        stmts.extend(rejudge::advance_first_clicks(db, ids)?);
    }
    let mut touched: Vec<(String, u64)> = events
        .iter()
        .filter_map(|e| Some((e.link.clone(), e.recipient?)))
        .collect();
    touched.sort();
    touched.dedup();
    stmts.extend(rejudge::first_reads(db, &rules, &touched, scope)?);
    let results = db.batch(stmts).await?;
    Ok((results, touched))
}
