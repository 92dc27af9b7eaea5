//! `/api/v1/dead-letters`: the parked dead letters listed for an operator, and replayed on
//! request. A replay marks the letters, sends the first 100 back to the events queue at once
//! and leaves the rest to the cron handler (100 a minute, see `deadletters`).

use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{Date, Env, Method, Request, Response};

use super::api::{body, down, ok_json, query_pairs};
use super::names::DB;
use super::{deadletters, sql};
use crate::domain::deadletter::{LetterQuery, Replay, MAX_REPLAY_BODY};
use crate::domain::problem::Problem;
use crate::domain::time::format_rfc3339;

type Answer = std::result::Result<Response, Problem>;

#[derive(Deserialize)]
struct LetterRow {
    seq: f64,
    message_id: String,
    queue: String,
    reason: String,
    detail: Option<String>,
    body: String,
    size: f64,
    truncated: f64,
    parked_at: f64,
    replay_requested_at: Option<f64>,
    replayed_at: Option<f64>,
}

#[derive(Deserialize)]
struct Marked {
    #[allow(dead_code)]
    seq: f64,
}

fn time(ms: Option<f64>) -> Value {
    ms.map_or(Value::Null, |t| Value::String(format_rfc3339(t as u64)))
}

fn letter_json(r: &LetterRow) -> Value {
    json!({
        "id": r.seq as u64,
        "message_id": r.message_id,
        "queue": r.queue,
        "reason": r.reason,
        "detail": r.detail,
        "size": r.size as u64,
        "truncated": r.truncated != 0.0,
        "parked_at": time(Some(r.parked_at)),
        "replay_requested_at": time(r.replay_requested_at),
        "replayed_at": time(r.replayed_at),
        "body": r.body,
    })
}

/// `GET /api/v1/dead-letters`
pub async fn list(req: Request, env: &Env) -> Answer {
    if req.method() != Method::Get {
        return Err(Problem::method_not_allowed());
    }
    let pairs = query_pairs(&req)?;
    let q = LetterQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let statement = if q.include_replayed {
        sql::LETTERS_ALL
    } else {
        sql::LETTERS_PARKED
    };
    let rows = db
        .prepare(statement)
        .bind(&[
            JsValue::from_f64(q.after as f64),
            JsValue::from_f64(f64::from(q.limit)),
        ])
        .map_err(down("d1 bind"))?
        .all()
        .await
        .map_err(down("dead letters page"))?
        .results::<LetterRow>()
        .map_err(down("dead letters page"))?;
    let ids: Vec<u64> = rows.iter().map(|r| r.seq as u64).collect();
    ok_json(
        200,
        &json!({
            "dead_letters": rows.iter().map(letter_json).collect::<Vec<_>>(),
            "next_cursor": q.next(&ids),
        }),
    )
}

/// `POST /api/v1/dead-letters/replay`
pub async fn replay(mut req: Request, env: &Env) -> Answer {
    if req.method() != Method::Post {
        return Err(Problem::method_not_allowed());
    }
    let what = Replay::parse(&body(&mut req, MAX_REPLAY_BODY).await?)?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let now = JsValue::from_f64(Date::now().as_millis() as f64);
    let statement = match &what {
        Replay::Ids(ids) => db
            .prepare(sql::REQUEST_REPLAY)
            .bind(&[JsValue::from_str(&json!(ids).to_string()), now]),
        Replay::All => db.prepare(sql::REQUEST_REPLAY_ALL).bind(&[now]),
    };
    let marked = statement
        .map_err(down("d1 bind"))?
        .all()
        .await
        .map_err(down("replay request"))?
        .results::<Marked>()
        .map_err(down("replay request"))?
        .len();
    // The marks are stored: if sending fails now, the cron handler sends them next minute.
    let sent = match deadletters::replay_requested(env).await {
        Ok(n) => n,
        Err(e) => {
            worker::console_error!("dead-letter replay deferred to the cron: {e}");
            0
        }
    };
    ok_json(200, &json!({ "requested": marked, "sent": sent }))
}
