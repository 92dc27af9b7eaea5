//! `/api/v1/links/{code}/reservations` and `/api/v1/links/{code}/recipients`: the link's one
//! sequence-number counter, and the send ledger recorded with set-based statements (a full
//! batch of 1,000 rows is a handful of D1 queries, each under the statement size limit).

use serde_json::{json, Map, Value};
use std::rc::Rc;
use wasm_bindgen::JsValue;

use worker::{D1Database, Date, Env, Method, Request, Response};

use super::api::{body, down, read_link};
use super::config::Config;
use super::names::DB;
use super::{rejudge, respond, rollups, sql};
use crate::domain::code::ShortCode;
use crate::domain::feed::LedgerRow;
use crate::domain::ledger::{
    assign, fresh_needed, insert_chunks, Assigned, SendBatchInput, MAX_STATEMENT_JSON,
};
use crate::domain::problem::Problem;
use crate::domain::reserve::{Range, Receipt, ReservationInput};
use crate::domain::token::{Generation, Keyring, Kind, LinkRef};

type Answer = std::result::Result<Response, Problem>;
/// A link's generation and campaign label.
type Link = (Option<Generation>, String, Option<String>);

const MAX_LEDGER_BODY: usize = 512 * 1024;
const MAX_RESERVATION_BODY: usize = 1024;

fn keyring(cfg: &Config) -> Result<&Keyring, Problem> {
    cfg.keyring
        .as_ref()
        .ok_or_else(|| Problem::unavailable("per-recipient links need WAKELINK_SIGNING_KEYS"))
}

/// The link's generation, campaign and variant labels, or 404 when there is no link.
async fn generation_of(env: &Env, code: &ShortCode) -> Result<Link, Problem> {
    let link = read_link(env, code)
        .await?
        .ok_or_else(|| Problem::not_found("link-not-found", "no link with this code"))?;
    Ok((
        link.generation()?,
        link.campaign.trim().to_owned(),
        link.variant.clone(),
    ))
}

/// The generation as the ledger stores it ('' for links without one).
fn gen_text(g: Option<Generation>) -> String {
    g.map(|g| g.to_string()).unwrap_or_default()
}

/// Takes `count` numbers from the link's counter, recorded before anything is minted.
async fn reserve(
    db: &D1Database,
    code: &ShortCode,
    generation: Option<Generation>,
    count: u64,
    source: &str,
) -> Result<Range, Problem> {
    let row = db
        .prepare(sql::RESERVE)
        .bind(&[
            JsValue::from_str(code.as_str()),
            JsValue::from_str(&gen_text(generation)),
            JsValue::from_f64(count as f64),
            JsValue::from_str(source),
            JsValue::from_f64(Date::now().as_millis() as f64),
        ])
        .map_err(down("reserve bind"))?
        .all()
        .await
        .and_then(|r| r.results::<Map<String, Value>>())
        .map_err(|e| write_failed("reservation", e))?;
    let num = |k: &str| row.first().and_then(|r| r.get(k)).and_then(Value::as_f64);
    match (num("first"), num("last")) {
        (Some(first), Some(last)) => Ok(Range {
            first: first as u64,
            last: last as u64,
        }),
        _ => Err(Problem::conflict(
            "ledger-full",
            "this link has no sequence numbers left",
        )),
    }
}

/// The real reason a D1 write failed, as a stable code; the detail goes to the log, never to
/// the client. A unique-key clash means another request recorded the same recipients at the same
/// moment: the batch can be sent again (its rows then read as recorded). Anything else is the
/// database failing to take the write: nothing was recorded, and a retry is safe.
fn write_failed(what: &str, e: worker::Error) -> Problem {
    let detail = e.to_string();
    worker::console_error!("{what} write failed: {detail}");
    if detail.contains("UNIQUE constraint") {
        Problem::conflict(
            "ledger-race",
            "another request recorded some of these recipients at the same moment; send the batch again",
        )
    } else {
        Problem::new(
            503,
            "ledger-write-failed",
            "the database did not take the write: nothing was recorded, try again (the worker log has the reason)",
        )
    }
}

/// What both ledger routes start with: a POST with a JSON body of at most `max` bytes, for a link
/// that exists (its generation), and the database.
async fn open(
    mut req: Request,
    env: &Env,
    code: &ShortCode,
    max: usize,
) -> Result<(Rc<Config>, Vec<u8>, Link, D1Database), Problem> {
    if req.method() != Method::Post {
        return Err(Problem::method_not_allowed());
    }
    let cfg = Config::get(env);
    keyring(&cfg)?;
    let bytes = body(&mut req, max).await?;
    let link = generation_of(env, code).await?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    Ok((cfg, bytes, link, db))
}

/// `POST /api/v1/links/{code}/reservations` `{"count": N}`: a range of N sequence numbers
/// nobody else will get, recorded in the ledger, with a receipt `wakelink mint` checks.
pub async fn reservations(req: Request, env: &Env, code: ShortCode) -> Answer {
    let (cfg, bytes, (generation, _, _), db) = open(req, env, &code, MAX_RESERVATION_BODY).await?;
    let keys = keyring(&cfg)?;
    let count = ReservationInput::parse(&bytes)?;
    let range = reserve(&db, &code, generation, count, "cli").await?;
    let receipt = Receipt::sign(keys, &code, generation, range).ok_or_else(Problem::internal)?;
    // Every part is a code, hex digits, a number or a receipt ([0-9a-z.-]): nothing to escape.
    let generation = generation.map_or(String::from("null"), |g| format!("\"{g}\""));
    ok_text(
        201,
        format!(
            r#"{{"code":"{code}","generation":{generation},"first":{},"last":{},"count":{},"receipt":"{receipt}"}}"#,
            range.first,
            range.last,
            range.len()
        ),
    )
}

fn ok_text(status: u16, body: String) -> Answer {
    respond::json(status, body).map_err(down("response"))
}

/// `POST /api/v1/links/{code}/recipients`: records the send ledger and mints the links.
pub async fn recipients(req: Request, env: &Env, code: ShortCode) -> Answer {
    let origin = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let (cfg, bytes, (generation, campaign, variant), db) =
        open(req, env, &code, MAX_LEDGER_BODY).await?;
    let keys = keyring(&cfg)?;
    let now = Date::now().as_millis();
    let batch = SendBatchInput::parse(&bytes, now)?;
    let gen = JsValue::from_str(&gen_text(generation));
    let link = JsValue::from_str(code.as_str());

    // 1. What the ledger holds for this batch, and whether explicit numbers were reserved.
    let ids: Vec<&str> = batch.rows.iter().map(|r| r.external_id.as_str()).collect();
    let seqs: Vec<u64> = batch.rows.iter().filter_map(|r| r.seq).collect();
    let seqs = JsValue::from_str(&json!(seqs).to_string());
    let found = db
        .batch(vec![
            db.prepare(sql::LEDGER_EXISTING)
                .bind(&[
                    link.clone(),
                    JsValue::from_str(&json!(ids).to_string()),
                    seqs.clone(),
                    gen.clone(),
                ])
                .map_err(down("ledger bind"))?,
            db.prepare(sql::LEDGER_UNRESERVED)
                .bind(&[link.clone(), seqs, gen.clone()])
                .map_err(down("ledger bind"))?,
        ])
        .await
        .map_err(down("ledger read"))?;
    let (existing, unreserved) = match found.as_slice() {
        [e, u] => (
            e.results::<Map<String, Value>>()
                .map_err(down("ledger rows"))?,
            u.results::<Map<String, Value>>()
                .map_err(down("ledger rows"))?,
        ),
        _ => return Err(Problem::internal()),
    };
    if let Some(seq) = unreserved
        .first()
        .and_then(|v| v.get("seq"))
        .and_then(Value::as_f64)
    {
        return Err(Problem::conflict(
            "seq-not-reserved",
            format!(
                "seq {seq} was not reserved for this link: mint with `wakelink mint --api` or a \
                 reservation (POST /api/v1/links/{code}/reservations), so no other list holds it"
            ),
        ));
    }
    let existing: Vec<(u64, String)> = existing
        .iter()
        .filter_map(|r| {
            let seq = r.get("recipient")?.as_f64()? as u64;
            Some((seq, r.get("external_id")?.as_str()?.to_owned()))
        })
        .collect();

    // 2. Fresh numbers from the link's one counter, then settle every row.
    let (honeypot, expires_at) = (batch.honeypot, batch.expires_at);
    let fresh = fresh_needed(&batch.rows, &existing);
    let fresh_from = if fresh > 0 {
        reserve(&db, &code, generation, fresh, "api").await?.first
    } else {
        1
    };
    let assigned = assign(batch.rows, &existing, fresh_from)?;

    // 3. The new rows, set-based, in one transaction.
    let inserts = insert_chunks(&assigned, MAX_STATEMENT_JSON)
        .into_iter()
        .map(|chunk| {
            db.prepare(sql::INSERT_SENDS).bind(&[
                link.clone(),
                gen.clone(),
                JsValue::from_f64(now as f64),
                JsValue::from_str(&chunk),
            ])
        })
        .collect::<worker::Result<Vec<_>>>()
        .map_err(down("ledger bind"))?;
    let created = assigned.iter().filter(|a| a.new).count();
    if !inserts.is_empty() {
        db.batch(inserts)
            .await
            .map_err(|e| write_failed("ledger", e))?;
    }

    // 4. Recipients who clicked before their row arrived are judged again, now with the send
    // time. All rows of the batch, not only the new ones: a retried batch finishes the job.
    let who: Vec<(String, u64)> = assigned
        .iter()
        .map(|a| (code.as_str().to_owned(), a.seq))
        .collect();
    // Network bursts don't depend on the ledger: the consumer has handed those to the store.
    rejudge::run(&db, cfg.judge_rules(), &who)
        .await
        .map_err(|e| write_failed("re-judgement", e))?;

    // 5. The campaign's store: every row of the batch (a retried batch finishes the job; sends
    // are idempotent there).
    let rows: Vec<(LedgerRow<'_>, &str)> = assigned
        .iter()
        .map(|a| {
            let row = LedgerRow {
                link: code.as_str(),
                seq: a.seq,
                segment: a.row.segment.as_deref(),
                variant: a.row.variant.as_deref(),
                channel: a.row.channel,
                cost_minor: a.row.cost_minor,
                sent_at: a.row.sent_at,
            };
            (row, a.row.external_id.as_str())
        })
        .collect();
    let link_labels = (campaign.as_str(), variant.as_deref());
    rollups::feed_sends(env, &db, cfg.judge_rules(), link_labels, &rows)
        .await
        .map_err(|e| write_failed("campaign store", e))?;

    let link = LinkRef {
        code: &code,
        generation,
    };
    let mut out = format!(
        r#"{{"created":{created},"existing":{},"recipients":["#,
        assigned.len() - created
    );
    for (i, a) in assigned.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        minted(&mut out, keys, link, a, expires_at, honeypot, &origin)?;
    }
    out.push_str("]}");
    ok_text(if created > 0 { 201 } else { 200 }, out)
}

/// One row of the answer: the recipient's link, and their honeypot link when asked for.
fn minted(
    out: &mut String,
    keys: &Keyring,
    link: LinkRef<'_>,
    a: &Assigned,
    expires_at: Option<u64>,
    honeypot: bool,
    origin: &str,
) -> Result<(), Problem> {
    let expires = expires_at.map(|ms| ms / 1000);
    let mint = |kind| {
        keys.mint(link, a.seq, expires, kind)
            .map_err(|e| Problem::invalid("recipients", e.to_string()))
    };
    let token = mint(Kind::Link)?;
    // The external id is the only free text: JSON-escaped. Tokens are [0-9A-Za-z], the origin
    // is the request URL's serialized origin.
    let id = Value::String(a.row.external_id.as_str().to_owned());
    let base = format!("{origin}/{}/", link.code);
    out.push_str(&format!(
        r#"{{"seq":{},"external_id":{id},"token":"{token}","url":"{base}{token}""#,
        a.seq
    ));
    if honeypot {
        out.push_str(&format!(
            r#","honeypot_url":"{base}{}""#,
            mint(Kind::Honeypot)?
        ));
    }
    out.push('}');
    Ok(())
}
