//! `/api/v1`: link configuration, the click log and the send ledger, behind bearer keys
//! (checked before, in `keys::admit`).

use serde_json::{json, Map, Value};
use wasm_bindgen::JsValue;
use worker::{Date, Env, Method, Request, Response, Result};

use super::names::{link_key, DB, LINKS_KV};
use super::{links, paged, respond, sql};
use crate::domain::campaign::parse_campaign_id;
use crate::domain::code::ShortCode;
use crate::domain::eventlog::{cursor, row_to_json, EventQuery};
use crate::domain::export::{Format, Summary};
use crate::domain::link::LinkInput;
use crate::domain::page::PageQuery;
use crate::domain::problem::Problem;
use crate::domain::token::Generation;

const MAX_LINK_BODY: usize = 16 * 1024;

/// Runs an API handler (the caller was admitted before, see `keys::admit`) and maps its
/// `Problem` to the JSON error response.
pub async fn handle<F, Fut>(req: Request, _env: &Env, f: F) -> Result<Response>
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<Response, Problem>>,
{
    match f(req).await {
        Ok(r) => Ok(r),
        Err(p) => respond::problem(&p),
    }
}

/// Logs the detail of an infrastructure error and hands the client a bare 503.
pub(super) fn down(what: &str) -> impl FnOnce(worker::Error) -> Problem + '_ {
    move |e| unavailable(what, e)
}

/// Out of line: every storage call site maps its error through here, and the logging would
/// otherwise be copied into each.
#[inline(never)]
fn unavailable(what: &str, e: worker::Error) -> Problem {
    worker::console_error!("{what}: {e}");
    Problem::unavailable("storage is unavailable, try again")
}

pub(super) fn ok_json(status: u16, v: &Value) -> std::result::Result<Response, Problem> {
    respond::json(status, v.to_string()).map_err(down("response"))
}

pub(super) async fn body(req: &mut Request, max: usize) -> std::result::Result<Vec<u8>, Problem> {
    let ct = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    if !ct.to_ascii_lowercase().starts_with("application/json") {
        return Err(Problem::unsupported_media_type());
    }
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(Problem::too_large(format!(
            "body is larger than {max} bytes"
        )));
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|_| Problem::bad_request("invalid-body", "body could not be read"))?;
    if bytes.len() > max {
        return Err(Problem::too_large(format!(
            "body is larger than {max} bytes"
        )));
    }
    Ok(bytes)
}

pub(super) async fn read_link(
    env: &Env,
    code: &ShortCode,
) -> std::result::Result<Option<LinkInput>, Problem> {
    let kv = env.kv(LINKS_KV).map_err(down("kv binding"))?;
    let raw = kv
        .get(&link_key(code.as_str()))
        .text()
        .await
        .map_err(|e| down("kv read")(e.into()))?;
    // A stored link this version can't read is still shown as there (a PUT replaces it).
    Ok(raw.map(|r| match LinkInput::from_stored(&r) {
        Ok((input, _)) => input,
        Err(p) => {
            worker::console_error!("link {code}: stored config unreadable: {}", p.message);
            LinkInput::default()
        }
    }))
}

fn link_json(code: &ShortCode, input: &LinkInput) -> Value {
    let mut v = serde_json::to_value(input).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("code".into(), Value::String(code.as_str().to_owned()));
    }
    v
}

/// A fresh link generation from the runtime's CSPRNG.
fn new_generation() -> Generation {
    let mut b = [0u8; 8];
    super::entropy::random_fill(&mut b);
    Generation::new(u64::from_be_bytes(b))
}

/// `GET | PUT | DELETE /api/v1/links/{code}`
pub async fn link(
    mut req: Request,
    env: &Env,
    code: ShortCode,
) -> std::result::Result<Response, Problem> {
    let link_missing = || Problem::not_found("link-not-found", "no link with this code");
    match req.method() {
        Method::Get => match read_link(env, &code).await? {
            Some(input) => ok_json(200, &link_json(&code, &input)),
            None => Err(link_missing()),
        },
        Method::Put => {
            let bytes = body(&mut req, MAX_LINK_BODY).await?;
            let mut input = LinkInput::from_json(&bytes)?;
            input.check_write(Date::now().as_millis())?;
            input.validate(code.clone())?;
            // The generation is kept when a link is replaced and new when it is created, so
            // tokens of a deleted and re-created code stop working.
            let existing = read_link(env, &code).await?;
            let existed = existing.is_some();
            input.generation = match existing {
                Some(old) => old.generation,
                None => Some(new_generation().to_string()),
            };
            let stored = serde_json::to_string(&input).map_err(|_| Problem::internal())?;
            let kv = env.kv(LINKS_KV).map_err(down("kv binding"))?;
            kv.put(&link_key(code.as_str()), stored)
                .map_err(|e| down("kv put")(e.into()))?
                .execute()
                .await
                .map_err(|e| down("kv put")(e.into()))?;
            links::forget(&code);
            // Conversions named by campaign find this link's ledger through this table.
            let db = env.d1(DB).map_err(down("d1 binding"))?;
            db.prepare(sql::UPSERT_LINK_CAMPAIGN)
                .bind(&[
                    JsValue::from_str(code.as_str()),
                    JsValue::from_str(input.campaign.trim()),
                ])
                .map_err(down("d1 bind"))?
                .run()
                .await
                .map_err(down("link campaign"))?;
            ok_json(if existed { 200 } else { 201 }, &link_json(&code, &input))
        }
        Method::Delete => {
            if read_link(env, &code).await?.is_none() {
                return Err(link_missing());
            }
            let kv = env.kv(LINKS_KV).map_err(down("kv binding"))?;
            kv.delete(&link_key(code.as_str()))
                .await
                .map_err(|e| down("kv delete")(e.into()))?;
            links::forget(&code);
            Response::empty()
                .map(|r| r.with_status(204))
                .map_err(down("response"))
        }
        _ => Err(Problem::method_not_allowed()),
    }
}

/// `GET /api/v1/links?campaign=&cursor=&limit=`: links in code order, with their settings
/// (at most 100 a page: one KV read each).
pub async fn links(req: Request, env: &Env) -> std::result::Result<Response, Problem> {
    if req.method() != Method::Get {
        return Err(Problem::method_not_allowed());
    }
    let pairs = query_pairs(&req)?;
    let page = PageQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let campaign = match pairs.iter().find(|(k, _)| k == "campaign") {
        Some((_, v)) => Some(parse_campaign_id(v)?),
        None => None,
    };
    #[derive(serde::Deserialize)]
    struct Row {
        link: String,
    }
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let rows = db
        .prepare(sql::LINKS_PAGE)
        .bind(&[
            JsValue::from_str(&page.after),
            JsValue::from_f64(f64::from(page.limit)),
            campaign.as_deref().map_or(JsValue::NULL, JsValue::from_str),
        ])
        .map_err(down("d1 bind"))?
        .all()
        .await
        .map_err(down("links page"))?
        .results::<Row>()
        .map_err(down("links page"))?;
    let codes: Vec<ShortCode> = rows
        .iter()
        .filter_map(|r| ShortCode::parse(&r.link).ok())
        .collect();
    let found = futures_util::future::join_all(codes.iter().map(|c| read_link(env, c))).await;
    let mut out = Vec::with_capacity(codes.len());
    for (code, input) in codes.iter().zip(found) {
        // Deleted since (the row stays for attribution): not listed.
        if let Some(input) = input? {
            out.push(link_json(code, &input));
        }
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.link.as_str()).collect();
    ok_json(
        200,
        &json!({ "links": out, "next_cursor": page.next(&ids) }),
    )
}

pub(super) fn query_pairs(req: &Request) -> std::result::Result<Vec<(String, String)>, Problem> {
    let url = req
        .url()
        .map_err(|_| Problem::bad_request("invalid-url", "request URL is malformed"))?;
    Ok(url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

pub(super) async fn events_page(db: &worker::D1Database, q: &EventQuery) -> Result<Vec<Value>> {
    let opt_str = |v: Option<&str>| v.map_or(JsValue::NULL, JsValue::from_str);
    let rows = db
        .prepare(sql::events_page(q.link.is_some(), q.campaign.is_some()))
        .bind(&[
            opt_str(q.link.as_ref().map(|c| c.as_str())),
            JsValue::from_f64(q.after.0 as f64),
            JsValue::from_str(&q.after.1),
            JsValue::from_f64(q.limit as f64),
            opt_str(q.kind.map(|k| k.as_str())),
            opt_str(q.step.as_deref()),
            q.recipient
                .map_or(JsValue::NULL, |r| JsValue::from_f64(r as f64)),
            opt_str(q.campaign.as_deref()),
            q.until
                .map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)),
            q.bot
                .map_or(JsValue::NULL, |b| JsValue::from_f64(f64::from(u8::from(b)))),
        ])?
        .all()
        .await?
        .results::<Map<String, Value>>()?;
    Ok(rows.into_iter().map(row_to_json).collect())
}

fn position(v: &Value) -> Option<(u64, String)> {
    Some((v.get("ts")?.as_u64()?, v.get("id")?.as_str()?.to_owned()))
}

/// Rows one streamed response holds at most: 45 pages of 1,000, under the free plan's 50 D1
/// queries per invocation (the key check takes the rest). The summary line's cursor resumes
/// where it stopped.
const MAX_STREAM_ROWS: u64 = 45 * crate::domain::eventlog::MAX_LIMIT as u64;

struct LogPager {
    db: worker::D1Database,
    q: EventQuery,
    format: Format,
    sent: u64,
    budget: u64,
}

impl paged::Pager for LogPager {
    const WHAT: &'static str = "event";

    fn header(&self) -> Vec<u8> {
        self.format.header()
    }

    fn room(&self) -> bool {
        self.sent < self.budget
    }

    async fn read(&mut self) -> paged::Read {
        let want = (self.budget - self.sent).min(u64::from(crate::domain::eventlog::MAX_LIMIT));
        self.q.limit = want as u32;
        let rows = match events_page(&self.db, &self.q).await {
            Ok(rows) => rows,
            Err(e) => return paged::Read::Failed(e),
        };
        let mut lines = Vec::new();
        for r in &rows {
            lines.extend(self.format.line(r));
        }
        self.sent += rows.len() as u64;
        if let Some(p) = rows.last().and_then(position) {
            self.q.after = p;
        }
        paged::Read::Lines(lines, rows.len() as u64 == want)
    }

    fn summary(&mut self, complete: bool, error: Option<&'static str>) -> Vec<u8> {
        // Where to resume; none before the first row (resume with the same request).
        let next_cursor = (!complete && !self.q.after.1.is_empty())
            .then(|| cursor(self.q.after.0, &self.q.after.1));
        self.format.summary(&Summary {
            count: self.sent,
            complete,
            next_cursor,
            error,
        })
    }
}

/// The streamed log, page by page: the format's header, one event a line, then one summary
/// line (`{"summary":{"count","complete","next_cursor"?,"error"?}}`, in CSV after `# `) so a
/// client can tell a finished log from a cut one (the 200 went out before the first page was
/// read).
fn stream_log(
    db: worker::D1Database,
    q: EventQuery,
    budget: u64,
    format: Format,
) -> Result<Response> {
    let pager = LogPager {
        db,
        q,
        format,
        sent: 0,
        budget,
    };
    paged::respond(pager, format.content_type())
}

fn accept(req: &Request) -> String {
    req.headers()
        .get("accept")
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// A query's row cap: its `limit` when given, else as many as one response streams.
fn budget(pairs: &[(String, String)], q: &EventQuery) -> u64 {
    if pairs.iter().any(|(k, _)| k == "limit") {
        u64::from(q.limit)
    } else {
        MAX_STREAM_ROWS
    }
}

fn parse_query(pairs: &[(String, String)]) -> std::result::Result<EventQuery, Problem> {
    EventQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// `GET /api/v1/events?link=&since=&cursor=&limit=`: JSON pages, or NDJSON streamed to the
/// end (`limit` then caps the rows streamed).
pub async fn events(req: Request, env: &Env) -> std::result::Result<Response, Problem> {
    if req.method() != Method::Get {
        return Err(Problem::method_not_allowed());
    }
    let pairs = query_pairs(&req)?;
    let q = parse_query(&pairs)?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    if accept(&req).contains("application/x-ndjson") {
        let budget = budget(&pairs, &q);
        return stream_log(db, q, budget, Format::Ndjson).map_err(down("stream"));
    }
    let rows = events_page(&db, &q).await.map_err(down("events page"))?;
    let next = (rows.len() as u32 == q.limit)
        .then(|| rows.last().and_then(position))
        .flatten();
    ok_json(
        200,
        &json!({ "events": rows, "next_cursor": next.map(|(ts, id)| cursor(ts, &id)) }),
    )
}

/// `GET /api/v1/export?format=csv|ndjson&campaign=&link=&kind=&step=&recipient=&bot=&since=
/// &until=&cursor=&limit=`: the raw log streamed as CSV or NDJSON (`format`, else `Accept`),
/// in (ts, id) order, ending with the summary line that says whether it is complete and
/// where to resume.
pub async fn export(req: Request, env: &Env) -> std::result::Result<Response, Problem> {
    if req.method() != Method::Get {
        return Err(Problem::method_not_allowed());
    }
    let pairs = query_pairs(&req)?;
    let format = Format::negotiate(
        pairs
            .iter()
            .find(|(k, _)| k == "format")
            .map(|(_, v)| v.as_str()),
        &accept(&req),
    )?;
    let q = parse_query(&pairs)?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let budget = budget(&pairs, &q);
    stream_log(db, q, budget, format).map_err(down("stream"))
}
