//! Who may call `/api/v1`: bearer keys checked against the `API_KEYS` secret and the issued
//! keys in D1, each request against the scope its route needs; and `/api/v1/keys`, where
//! `admin` keys create, list and revoke issued keys.

use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use worker::{Context, Date, Env, Method, Request, Response};

use super::api::{body, down, ok_json, query_pairs};
use super::config::Config;
use super::names::DB;
use super::{entropy, respond, sql};
use crate::domain::auth::{
    bearer, Caller, IssuedKey, KeyId, Need, NewKeyInput, PresentedKey, Scopes, KEY_SECRET_BYTES,
    MAX_ACTIVE_KEYS,
};
use crate::domain::page::PageQuery;
use crate::domain::problem::Problem;
use crate::domain::time::format_rfc3339;

type Answer = std::result::Result<Response, Problem>;

const MAX_KEY_BODY: usize = 4 * 1024;

#[derive(Deserialize)]
struct KeyAuthRow {
    scopes: String,
    digest: String,
    last_used_at: Option<f64>,
}

#[derive(Deserialize)]
struct KeyRow {
    id: String,
    name: String,
    scopes: String,
    created_at: f64,
    last_used_at: Option<f64>,
    revoked_at: Option<f64>,
}

/// Admits a request to an operator route that needs `need`: `Ok(None)` to go on, or the
/// refusal to answer (401 without a valid key, 403 for a key without the scope).
pub async fn admit(
    req: &Request,
    env: &Env,
    ctx: &Context,
    need: Need,
) -> worker::Result<Option<Response>> {
    let caller = match authenticate(req, env, ctx).await {
        Ok(c) => c,
        Err(p) => {
            let r = respond::problem(&p)?;
            if p.status == 401 {
                let _ = r.headers().set("www-authenticate", "Bearer");
            }
            return Ok(Some(r));
        }
    };
    match caller.check(need) {
        Ok(()) => Ok(None),
        Err(p) => {
            let r = respond::problem(&p)?;
            let challenge = format!(
                "Bearer error=\"insufficient_scope\", scope=\"{}\"",
                need.scope_names()
            );
            let _ = r.headers().set("www-authenticate", &challenge);
            Ok(Some(r))
        }
    }
}

/// The caller behind the request's bearer key. An issued key's use is recorded after the
/// answer (at most once a minute per key).
async fn authenticate(req: &Request, env: &Env, ctx: &Context) -> Result<Caller, Problem> {
    let header = req.headers().get("authorization").ok().flatten();
    let Some(token) = bearer(header.as_deref()) else {
        return Err(Problem::unauthorized());
    };
    caller_of(token, env, ctx).await
}

/// The caller a key (a bearer token, or the dashboard's session cookie) belongs to.
pub async fn caller_of(token: &str, env: &Env, ctx: &Context) -> Result<Caller, Problem> {
    if Config::get(env).api_keys.authorize_token(token) {
        return Ok(Caller::Deployment);
    }
    let key = PresentedKey::parse(token).ok_or_else(Problem::unauthorized)?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    let row = db
        .prepare(sql::KEY_BY_ID)
        .bind(&[JsValue::from_str(key.id.as_str())])
        .map_err(down("d1 bind"))?
        .first::<KeyAuthRow>(None)
        .await
        .map_err(down("key lookup"))?;
    let Some(row) = row.filter(|r| key.matches(&r.digest)) else {
        return Err(Problem::unauthorized());
    };
    let now = Date::now().as_millis();
    if row.last_used_at.is_none_or(|t| t + 60_000.0 <= now as f64) {
        let id = key.id.as_str().to_owned();
        ctx.wait_until(async move {
            let done = match db
                .prepare(sql::KEY_USED)
                .bind(&[JsValue::from_str(&id), JsValue::from_f64(now as f64)])
            {
                Ok(s) => s.run().await.map(|_| ()),
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                worker::console_error!("key last-used update failed: {e}");
            }
        });
    }
    Ok(Caller::Key {
        id: key.id,
        scopes: Scopes::from_stored(&row.scopes),
    })
}

fn time(ms: Option<f64>) -> Value {
    ms.map_or(Value::Null, |t| Value::String(format_rfc3339(t as u64)))
}

fn key_json(r: &KeyRow) -> Value {
    let scopes: Vec<&str> = Scopes::from_stored(&r.scopes)
        .iter()
        .map(|s| s.as_str())
        .collect();
    json!({
        "id": r.id,
        "name": r.name,
        "scopes": scopes,
        "created_at": time(Some(r.created_at)),
        "last_used_at": time(r.last_used_at),
        "revoked_at": time(r.revoked_at),
    })
}

/// `GET | POST /api/v1/keys`
pub async fn keys(mut req: Request, env: &Env) -> Answer {
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    match req.method() {
        Method::Get => {
            let pairs = query_pairs(&req)?;
            let q = PageQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
            let rows = db
                .prepare(sql::KEYS_PAGE)
                .bind(&[
                    JsValue::from_str(&q.after),
                    JsValue::from_f64(f64::from(q.limit)),
                ])
                .map_err(down("d1 bind"))?
                .all()
                .await
                .map_err(down("keys page"))?
                .results::<KeyRow>()
                .map_err(down("keys page"))?;
            let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
            ok_json(
                200,
                &json!({
                    "keys": rows.iter().map(key_json).collect::<Vec<_>>(),
                    "next_cursor": q.next(&ids),
                }),
            )
        }
        Method::Post => {
            let new = NewKeyInput::parse(&body(&mut req, MAX_KEY_BODY).await?)?;
            let mut id = [0u8; 6];
            let mut secret = [0u8; KEY_SECRET_BYTES];
            entropy::random_fill(&mut id);
            entropy::random_fill(&mut secret);
            let issued = IssuedKey::new(id, secret);
            let now = Date::now().as_millis() as f64;
            let stored = db
                .prepare(sql::KEY_INSERT)
                .bind(&[
                    JsValue::from_str(issued.id.as_str()),
                    JsValue::from_str(&new.name),
                    JsValue::from_str(&new.scopes.to_stored()),
                    JsValue::from_str(&issued.digest),
                    JsValue::from_f64(now),
                    JsValue::from_f64(MAX_ACTIVE_KEYS as f64),
                ])
                .map_err(down("d1 bind"))?
                .first::<Value>(None)
                .await
                .map_err(down("key insert"))?;
            if stored.is_none() {
                return Err(Problem::conflict(
                    "too-many-keys",
                    "100 keys are active: revoke one first",
                ));
            }
            let mut v = key_json(&KeyRow {
                id: issued.id.as_str().to_owned(),
                name: new.name,
                scopes: new.scopes.to_stored(),
                created_at: now,
                last_used_at: None,
                revoked_at: None,
            });
            // The only time the key is shown.
            v["key"] = Value::String(issued.key);
            let r = ok_json(201, &v)?;
            let _ = r.headers().set("cache-control", "no-store");
            Ok(r)
        }
        _ => Err(Problem::method_not_allowed()),
    }
}

/// `GET | DELETE /api/v1/keys/{id}`: DELETE revokes (the row stays, listed as revoked).
pub async fn key(req: Request, env: &Env, raw_id: &str) -> Answer {
    let missing = || Problem::not_found("key-not-found", "no key with this id");
    let id = KeyId::parse(raw_id).ok_or_else(missing)?;
    let db = env.d1(DB).map_err(down("d1 binding"))?;
    match req.method() {
        Method::Get => {
            let row = db
                .prepare(sql::KEY_ONE)
                .bind(&[JsValue::from_str(id.as_str())])
                .map_err(down("d1 bind"))?
                .first::<KeyRow>(None)
                .await
                .map_err(down("key read"))?
                .ok_or_else(missing)?;
            ok_json(200, &key_json(&row))
        }
        Method::Delete => {
            let now = Date::now().as_millis() as f64;
            db.prepare(sql::KEY_REVOKE)
                .bind(&[JsValue::from_str(id.as_str()), JsValue::from_f64(now)])
                .map_err(down("d1 bind"))?
                .first::<Value>(None)
                .await
                .map_err(down("key revoke"))?
                .ok_or_else(missing)?;
            Response::empty()
                .map(|r| r.with_status(204))
                .map_err(down("response"))
        }
        _ => Err(Problem::method_not_allowed()),
    }
}
