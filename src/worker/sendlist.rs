//! `/api/v1/links/{code}/reservations` and `/api/v1/links/{code}/recipients`: the link's one
//! sequence-number counter, and the send ledger recorded with set-based statements (a full
//! batch of 1,000 rows is a handful of D1 queries, each under the statement size limit).

use serde_json::{json, Map, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, Date, Env, Method, Request, Response};

use super::api::{body, down, ok_json, read_link};
use super::config::Config;
use super::names::DB;
use super::{rejudge, sql};
use crate::domain::code::ShortCode;
use crate::domain::ledger::{
    assign, fresh_needed, insert_chunks, Assigned, SendBatchInput, MAX_STATEMENT_JSON,
};
use crate::domain::problem::Problem;
use crate::domain::reserve::{Range, Receipt, ReservationInput};
use crate::domain::token::{Generation, Keyring, Kind, LinkRef};

type Answer = std::result::Result<Response, Problem>;

const MAX_LEDGER_BODY: usize = 512 * 1024;
const MAX_RESERVATION_BODY: usize = 1024;

fn keyring(cfg: &Config) -> Result<&Keyring, Problem> {
    cfg.keyring
        .as_ref()
        .ok_or_else(|| Problem::unavailable("per-recipient links need WAKELINK_SIGNING_KEYS"))
}

/// The link's generation, or 404 when there is no link.
async fn generation_of(env: &Env, code: &ShortCode) -> Result<Option<Generation>, Problem> {
    let link = read_link(env, code)
        .await?
        .ok_or_else(|| Problem::not_found("link-not-found", "no link with this code"))?;
    link.generation()
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
/// moment: the batch can be sent again (its rows then read as recorded). A busy or unreachable
/// database is worth a retry; anything else (a refused statement) is not, and says so.
fn write_failed(what: &str, e: worker::Error) -> Problem {
    let detail = e.to_string();
    worker::console_error!("{what} write failed: {detail}");
    let lower = detail.to_ascii_lowercase();
    if lower.contains("unique constraint") {
        Problem::conflict(
            "ledger-race",
            "another request recorded some of these recipients at the same moment; send the batch again",
        )
    } else if [
        "overload",
        "busy",
        "timeout",
        "timed out",
        "unavailable",
        "network",
        "reset",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        Problem::unavailable(format!(
            "the {what} could not be written now: the database is busy or unreachable, try again"
        ))
    } else {
        Problem::new(500, "ledger-write-refused", format!("the database refused the {what}; nothing was recorded (the worker log has the reason)"))
    }
}

/// `POST /api/v1/links/{code}/reservations` `{"count": N}`: a range of N sequence numbers
/// nobody else will get, recorded in the ledger, with a receipt `wakelink mint` checks.
pub async fn reservations(mut req: Request, env: &Env, code: ShortCode) -> Answer {
    if req.method() != Method::Post {
        return Err(Problem::method_not_allowed());
    }
    let cfg = Config::get(env);
    let keys = keyring(&cfg)?;
    let count = ReservationInput::parse(&body(&mut req, MAX_RESERVATION_BODY).await?)?;
    let generation = generation_of(env, &code).await?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let range = reserve(&db, &code, generation, count, "cli").await?;
    let receipt = Receipt::sign(keys, &code, generation, range).ok_or_else(Problem::internal)?;
    ok_json(
        201,
        &json!({
            "code": code.as_str(),
            "generation": generation.map(|g| g.to_string()),
            "first": range.first,
            "last": range.last,
            "count": range.len(),
            "receipt": receipt.to_string(),
        }),
    )
}

/// `POST /api/v1/links/{code}/recipients`: records the send ledger and mints the links.
pub async fn recipients(mut req: Request, env: &Env, code: ShortCode) -> Answer {
    if req.method() != Method::Post {
        return Err(Problem::method_not_allowed());
    }
    let cfg = Config::get(env);
    let keys = keyring(&cfg)?;
    let now = Date::now().as_millis();
    let batch = SendBatchInput::parse(&body(&mut req, MAX_LEDGER_BODY).await?, now)?;
    let generation = generation_of(env, &code).await?;
    let gen = JsValue::from_str(&gen_text(generation));
    let db = env.d1(DB).map_err(down("d1 binding"))?;
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
    rejudge::run(&db, cfg.judge_rules(), &who)
        .await
        .map_err(|e| write_failed("re-judgement", e))?;

    let origin = req
        .url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let link = LinkRef {
        code: &code,
        generation,
    };
    let out = assigned
        .iter()
        .map(|a| minted(keys, link, a, expires_at, honeypot, &origin))
        .collect::<Result<Vec<_>, _>>()?;
    ok_json(
        if created > 0 { 201 } else { 200 },
        &json!({ "created": created, "existing": assigned.len() - created, "recipients": out }),
    )
}

/// One row of the answer: the recipient's link, and their honeypot link when asked for.
fn minted(
    keys: &Keyring,
    link: LinkRef<'_>,
    a: &Assigned,
    expires_at: Option<u64>,
    honeypot: bool,
    origin: &str,
) -> Result<Value, Problem> {
    let expires = expires_at.map(|ms| ms / 1000);
    let mint = |kind| {
        keys.mint(link, a.seq, expires, kind)
            .map_err(|e| Problem::invalid("recipients", e.to_string()))
    };
    let token = mint(Kind::Link)?;
    let mut row = json!({
        "seq": a.seq,
        "external_id": a.row.external_id.as_str(),
        "token": token.as_str(),
        "url": format!("{origin}/{}/{}", link.code, token.as_str()),
    });
    if honeypot {
        let pot = mint(Kind::Honeypot)?;
        row["honeypot_url"] = Value::String(format!("{origin}/{}/{}", link.code, pot.as_str()));
    }
    Ok(row)
}
