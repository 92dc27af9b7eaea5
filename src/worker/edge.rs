//! Reads what the edge knows about a request's network from the raw `cf` object. The typed
//! accessors of `worker::Cf` unwrap (a missing or odd field would panic the isolate), and
//! `botManagement` / `verifiedBotCategory` are absent locally and on most plans, so every
//! field is read through `Reflect` and anything unexpected is `None`.

use wasm_bindgen::JsValue;
use worker::Request;

/// The `cf` fields the scanner signals use.
#[derive(Debug, Default)]
pub struct CfFacts {
    pub asn: Option<u32>,
    pub verified_bot_category: Option<String>,
    pub verified_bot: Option<bool>,
    pub bot_score: Option<u32>,
}

fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    if !obj.is_object() {
        return None;
    }
    js_sys::Reflect::get(obj, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn small_uint(v: Option<JsValue>) -> Option<u32> {
    let n = v?.as_f64()?;
    (n.is_finite() && n >= 0.0 && n <= f64::from(u32::MAX) && n.fract() == 0.0).then_some(n as u32)
}

pub fn read(req: &Request) -> CfFacts {
    let Some(cf) = get(req.inner(), "cf") else {
        return CfFacts::default();
    };
    let bm = get(&cf, "botManagement");
    CfFacts {
        asn: small_uint(get(&cf, "asn")),
        verified_bot_category: get(&cf, "verifiedBotCategory").and_then(|v| v.as_string()),
        verified_bot: bm
            .as_ref()
            .and_then(|b| get(b, "verifiedBot"))
            .and_then(|v| v.as_bool()),
        bot_score: small_uint(bm.as_ref().and_then(|b| get(b, "score"))),
    }
}
