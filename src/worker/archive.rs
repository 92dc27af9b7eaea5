//! The daily archive (`domain::archive`): the ops worker's cron writes the events the log
//! received on each finished UTC day to R2 as NDJSON parts, a few parts a run, with the
//! position kept in D1 (`archive_received`). Idempotent: a part's key is fixed by its day and number and its rows by
//! the stored position, so a run that wrote an object but not its progress writes the same
//! object again; a progress write only lands if no other run recorded that part first.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use wasm_bindgen::JsValue;
use worker::{Date, Env, HttpMetadata, Result};

use super::names::{ARCHIVE_BUCKET, DB};
use super::sql;
use crate::domain::archive::{
    day_name, day_start, finished, manifest_key, part_key, DAY_MS, PAGE_ROWS, PARTS_PER_RUN,
    PART_PAGES,
};
use crate::domain::eventlog::row_to_json;
use crate::domain::export::Format;

#[derive(Deserialize)]
struct Open {
    day: String,
    day_start: f64,
    next_part: f64,
    events: f64,
    after_ts: f64,
    after_id: String,
}

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ran {
    pub parts: u32,
    pub events: u64,
    pub days_done: u32,
}

fn num(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// The day being written, opening the next finished day with events when none is.
async fn open_day(db: &worker::D1Database, now: u64) -> Result<Option<Open>> {
    if let Some(o) = db.prepare(sql::ARCHIVE_OPEN).first::<Open>(None).await? {
        return Ok(Some(o));
    }
    #[derive(Deserialize)]
    struct Last {
        day_start: Option<f64>,
    }
    let from = db
        .prepare(sql::ARCHIVE_LAST_DAY)
        .first::<Last>(None)
        .await?
        .and_then(|l| l.day_start)
        .map_or(0, |d| d as u64 + DAY_MS);
    #[derive(Deserialize)]
    struct Next {
        ts: f64,
    }
    let Some(next) = db
        .prepare(sql::ARCHIVE_NEXT_EVENT)
        .bind(&[num(from)])?
        .first::<Next>(None)
        .await?
    else {
        return Ok(None);
    };
    let start = day_start(next.ts as u64);
    if !finished(start, now) {
        return Ok(None);
    }
    db.prepare(sql::ARCHIVE_BEGIN)
        .bind(&[JsValue::from_str(&day_name(start)), num(start), num(now)])?
        .run()
        .await?;
    db.prepare(sql::ARCHIVE_OPEN).first::<Open>(None).await
}

/// One cron run: up to `PARTS_PER_RUN` parts of the oldest unfinished day (and the days after
/// it, as each completes).
pub async fn run(env: &Env) -> Result<Ran> {
    let db = env.d1(DB)?;
    let bucket = env.bucket(ARCHIVE_BUCKET)?;
    let now = Date::now().as_millis();
    let mut ran = Ran::default();
    for _ in 0..PARTS_PER_RUN {
        let Some(day) = open_day(&db, now).await? else {
            break;
        };
        let start = day.day_start as u64;
        let page = sql::archive_page();
        let mut after = (day.after_ts as u64, day.after_id.clone());
        let mut body = Vec::new();
        let mut count = 0u64;
        let mut done = false;
        for _ in 0..PART_PAGES {
            let rows = db
                .prepare(&page)
                .bind(&[
                    num(after.0),
                    JsValue::from_str(&after.1),
                    num(start + DAY_MS),
                    num(u64::from(PAGE_ROWS)),
                ])?
                .all()
                .await?
                .results::<Map<String, Value>>()?;
            let n = rows.len();
            for r in rows {
                let row = row_to_json(r);
                let at = row.get("received_at").and_then(Value::as_u64);
                let id = row.get("id").and_then(Value::as_str);
                if let (Some(at), Some(id)) = (at, id) {
                    after = (at, id.to_owned());
                }
                body.extend(Format::Ndjson.line(&row));
            }
            count += n as u64;
            if (n as u32) < PAGE_ROWS {
                done = true;
                break;
            }
        }
        let part = day.next_part as u32;
        let ndjson = || HttpMetadata {
            content_type: Some("application/x-ndjson".into()),
            ..HttpMetadata::default()
        };
        if count > 0 {
            bucket
                .put(part_key(&day.day, part), body)
                .http_metadata(ndjson())
                .execute()
                .await?;
        }
        let parts = part + u32::from(count > 0);
        if done {
            let manifest = json!({
                "day": day.day,
                "parts": parts,
                "events": day.events as u64 + count,
            });
            bucket
                .put(manifest_key(&day.day), manifest.to_string())
                .http_metadata(HttpMetadata {
                    content_type: Some("application/json".into()),
                    ..HttpMetadata::default()
                })
                .execute()
                .await?;
        }
        db.prepare(sql::ARCHIVE_ADVANCE)
            .bind(&[
                JsValue::from_str(&day.day),
                num(u64::from(part)),
                num(u64::from(count > 0)),
                num(count),
                num(after.0),
                JsValue::from_str(&after.1),
                num(u64::from(done)),
                num(now),
            ])?
            .run()
            .await?;
        ran.parts += u32::from(count > 0);
        ran.events += count;
        ran.days_done += u32::from(done);
    }
    Ok(ran)
}
