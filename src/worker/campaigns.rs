//! `/api/v1/campaigns[/{campaign}]`: campaign records in D1 (see `domain::campaign`). A
//! record is stored as written and checked again on every read; links need none.

use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, Date, Env, Method, Request, Response};

use super::api::{body, down, ok_json, query_pairs};
use super::names::DB;
use super::sql;
use crate::domain::campaign::{parse_campaign_id, CampaignInput};
use crate::domain::page::PageQuery;
use crate::domain::problem::Problem;
use crate::domain::route::decode_segment;
use crate::domain::time::format_rfc3339;

type Answer = std::result::Result<Response, Problem>;

const MAX_CAMPAIGN_BODY: usize = 64 * 1024;

#[derive(Deserialize)]
struct CampaignRow {
    id: String,
    record: String,
    revision: f64,
    created_at: f64,
    updated_at: f64,
}

/// The record as the API shows it: the effective campaign (defaults filled in) and when it
/// was written.
fn campaign_json(row: &CampaignRow) -> Result<Value, Problem> {
    let checked = CampaignInput::from_stored(&row.record)
        .ok_or_else(|| Problem::invalid("record", "unreadable"))
        .and_then(|input| input.validate(&row.id));
    let mut v = match checked {
        Ok(c) => c.to_json(),
        Err(p) => {
            // Stored by a version whose rules differ: the detail goes to the log only.
            worker::console_error!(
                "stored campaign no longer valid: {} {}",
                p.code,
                p.field.as_deref().unwrap_or("")
            );
            return Err(Problem::internal());
        }
    };
    v["revision"] = json!(row.revision as u64);
    v["created_at"] = json!(format_rfc3339(row.created_at as u64));
    v["updated_at"] = json!(format_rfc3339(row.updated_at as u64));
    Ok(v)
}

async fn read(db: &D1Database, id: &str) -> Result<Option<CampaignRow>, Problem> {
    db.prepare(sql::CAMPAIGN_GET)
        .bind(&[JsValue::from_str(id)])
        .map_err(down("d1 bind"))?
        .first::<CampaignRow>(None)
        .await
        .map_err(down("campaign read"))
}

/// `GET /api/v1/campaigns?cursor=&limit=`: records in id order.
pub async fn list(req: Request, env: &Env) -> Answer {
    if req.method() != Method::Get {
        return Err(Problem::method_not_allowed());
    }
    let pairs = query_pairs(&req)?;
    let q = PageQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let rows = db
        .prepare(sql::CAMPAIGNS_PAGE)
        .bind(&[
            JsValue::from_str(&q.after),
            JsValue::from_f64(f64::from(q.limit)),
        ])
        .map_err(down("d1 bind"))?
        .all()
        .await
        .map_err(down("campaigns page"))?
        .results::<CampaignRow>()
        .map_err(down("campaigns page"))?;
    let campaigns = rows
        .iter()
        .map(campaign_json)
        .collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    ok_json(
        200,
        &json!({ "campaigns": campaigns, "next_cursor": q.next(&ids) }),
    )
}

/// `GET | PUT | DELETE /api/v1/campaigns/{campaign}`
pub async fn one(mut req: Request, env: &Env, raw: &str) -> Answer {
    let id = decode_segment(raw)
        .ok_or_else(|| Problem::invalid("campaign", "not UTF-8"))
        .and_then(|s| parse_campaign_id(&s))?;
    let missing = || Problem::not_found("campaign-not-found", "no campaign with this name");
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    match req.method() {
        Method::Get => {
            let row = read(&db, &id).await?.ok_or_else(missing)?;
            ok_json(200, &campaign_json(&row)?)
        }
        Method::Put => {
            let input = CampaignInput::from_json(&body(&mut req, MAX_CAMPAIGN_BODY).await?)?;
            let campaign = input.validate(&id)?;
            let record = serde_json::to_string(&input).map_err(|_| Problem::internal())?;
            let now = Date::now().as_millis() as f64;
            #[derive(Deserialize)]
            struct Written {
                revision: f64,
                created_at: f64,
                updated_at: f64,
            }
            let w = db
                .prepare(sql::CAMPAIGN_PUT)
                .bind(&[
                    JsValue::from_str(&id),
                    JsValue::from_str(&record),
                    JsValue::from_f64(now),
                ])
                .map_err(down("d1 bind"))?
                .first::<Written>(None)
                .await
                .map_err(down("campaign write"))?
                .ok_or_else(Problem::internal)?;
            let mut v = campaign.to_json();
            v["revision"] = json!(w.revision as u64);
            v["created_at"] = json!(format_rfc3339(w.created_at as u64));
            v["updated_at"] = json!(format_rfc3339(w.updated_at as u64));
            ok_json(if w.revision == 1.0 { 201 } else { 200 }, &v)
        }
        Method::Delete => {
            db.prepare(sql::CAMPAIGN_DELETE)
                .bind(&[JsValue::from_str(&id)])
                .map_err(down("d1 bind"))?
                .first::<Value>(None)
                .await
                .map_err(down("campaign delete"))?
                .ok_or_else(missing)?;
            Response::empty()
                .map(|r| r.with_status(204))
                .map_err(down("response"))
        }
        _ => Err(Problem::method_not_allowed()),
    }
}
