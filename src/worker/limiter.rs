//! The rate limiter, shared by every public path that writes: Cloudflare's rate-limiting
//! binding (local to each edge location; Miniflare runs it in tests). A missing binding or a
//! failing call lets the request through: limits protect the click log, they never cost a click.

use js_sys::futures::JsFuture;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use worker::Env;

use super::respond;
use crate::domain::limits::PERIOD_SECS;
use crate::domain::problem::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Limited,
}

/// Counts one request against `key` in the limiter bound as `binding`. Called through the
/// binding's JS interface directly (`limit({key})` → `{success}`): no serde round trip.
pub async fn check(env: &Env, binding: &str, key: String) -> Verdict {
    let limiter = match Reflect::get(env, &JsValue::from_str(binding)) {
        Ok(l) if l.is_object() => l,
        _ => return Verdict::Allowed,
    };
    let asked = async {
        let opts = Object::new();
        Reflect::set(&opts, &JsValue::from_str("key"), &JsValue::from(key))?;
        let limit: Function = Reflect::get(&limiter, &JsValue::from_str("limit"))?.dyn_into()?;
        let promise: Promise = limit.call1(&limiter, &opts)?.dyn_into()?;
        let outcome = JsFuture::from(promise).await?;
        Ok::<_, JsValue>(Reflect::get(&outcome, &JsValue::from_str("success"))?.as_bool())
    };
    match asked.await {
        Ok(Some(false)) => Verdict::Limited,
        Ok(_) => Verdict::Allowed,
        Err(e) => {
            worker::console_warn!("rate limiter {binding} failed, allowing: {e:?}");
            Verdict::Allowed
        }
    }
}

/// The 429 for JSON callers (the SDK beacon, the API), with `Retry-After`.
pub fn too_many() -> worker::Result<worker::Response> {
    let r = respond::problem(&Problem::rate_limited())?;
    let _ = r.headers().set("retry-after", &PERIOD_SECS.to_string());
    Ok(r)
}
