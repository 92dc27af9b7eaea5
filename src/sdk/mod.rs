//! The browser SDK: a `#[wasm_bindgen]` facade over the domain, built with the `sdk` feature
//! (`bash scripts/build-sdk.sh`) and served by the worker under `/sdk/`.
//!
//! Interface (the package entry `landing/sdk/index.js` wraps these; pages use the entry):
//!
//! ```js
//! import { init, track, openApp, platform } from '/sdk/wakelink.<hash>.js';
//! await init({ clickId: '…', endpoint: '/e' });     // loads the wasm, remembers the click
//! track('landing_view');                             // or 'coupon_claim', 'x:anything', …
//! openApp({ deepLink, universalLink, store, timeoutMs }); // Promise<'app' | 'store' | 'none'>
//! platform();  // { platform: 'android', vendor: 'xiaomi', inApp: null, bot: null }
//! openedFrom(location.href);  // a web app opened by its app-open URL reports app_opened
//! ```
//!
//! Events go out as `text/plain` JSON with `navigator.sendBeacon` (no CORS preflight, survives
//! the page being left), or `fetch` with `keepalive` where the beacon is refused. Steps are
//! checked here against the same vocabulary `POST /e` enforces, and `platform()` runs the
//! edge's own `classify`: one Rust source for both.
//!
//! No web-sys: the few browser objects used are reached through `js_sys::Reflect`, which keeps
//! the module small.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::domain::openapp::{plan, Via};
use crate::domain::step::{Source, Step};
use crate::domain::visitor::{classify, Method, RequestFacts, Visitor};

struct State {
    click_id: String,
    endpoint: String,
    /// The device model from `navigator.userAgentData` when the user agent hides it.
    model: Option<String>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

#[wasm_bindgen(typescript_custom_section)]
const TS: &str = r#"
export interface StartOptions {
  /** The signed click id the edge put into the page. */
  clickId: string;
  /** Where events go; default "/e" (same origin). */
  endpoint?: string;
}
export interface OpenAppOptions {
  deepLink?: string;
  universalLink?: string;
  /** The store (or web page) to go to when the app doesn't open. */
  store?: string;
  /** How long to wait before the store if the page stays visible; default 1600. */
  timeoutMs?: number;
}
export interface PlatformInfo {
  platform: "ios" | "ipados" | "android" | "windows" | "macos" | "linux" | "other";
  vendor: string | null;
  inApp: string | null;
  bot: string | null;
}
"#;

fn global() -> JsValue {
    js_sys::global().into()
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string().filter(|s| !s.is_empty())
}

fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn call(obj: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = get(obj, method).dyn_into()?;
    match args {
        [] => f.call0(obj),
        [a] => f.call1(obj, a),
        [a, b] => f.call2(obj, a, b),
        _ => Err(JsValue::from_str("too many arguments")),
    }
}

fn opt_str(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_str)
}

/// Remembers the click and where events go. Called by the package's `init` once the wasm is
/// loaded; `model` is `navigator.userAgentData`'s high-entropy model, when the browser has it.
#[wasm_bindgen]
pub fn start(options: &JsValue, model: Option<String>) -> Result<(), JsError> {
    let click_id = get_str(options, "clickId")
        .ok_or_else(|| JsError::new("wakelink: init needs { clickId }"))?;
    let endpoint = get_str(options, "endpoint").unwrap_or_else(|| String::from("/e"));
    let model = model.filter(|m| {
        !m.is_empty() && m.len() <= 64 && m.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    });
    STATE.with(|s| {
        *s.borrow_mut() = Some(State {
            click_id,
            endpoint,
            model,
        })
    });
    Ok(())
}

/// The user agent the edge would see, with the model filled in when Chrome's reduced user
/// agent hides it (`Android 10; K`) and client hints name it.
fn user_agent() -> String {
    let ua = get_str(&get(&global(), "navigator"), "userAgent").unwrap_or_default();
    let model = STATE.with(|s| s.borrow().as_ref().and_then(|st| st.model.clone()));
    match model {
        Some(m) if ua.contains("; K)") => ua.replacen("; K)", &format!("; {m})"), 1),
        _ => ua,
    }
}

fn visitor() -> Visitor {
    let ua = user_agent();
    classify(&RequestFacts {
        method: Some(Method::Get),
        user_agent: Some(&ua),
        purpose: None,
    })
}

/// This device as the edge classifies it.
#[wasm_bindgen(unchecked_return_type = "PlatformInfo")]
pub fn platform() -> JsValue {
    let v = visitor();
    let out: JsValue = Object::new().into();
    set(&out, "platform", &JsValue::from_str(v.platform.as_str()));
    set(&out, "vendor", &opt_str(v.vendor.map(|x| x.as_str())));
    set(&out, "inApp", &opt_str(v.in_app.map(|x| x.as_str())));
    set(&out, "bot", &opt_str(v.bot.map(|x| x.as_str())));
    out
}

/// Reports a funnel step for the click given to `init`. `props` is an optional flat object
/// (strings, numbers, booleans). Returns false when the SDK isn't initialized or the browser
/// refused to queue the request; throws on a step outside the vocabulary.
#[wasm_bindgen]
pub fn track(step: &str, props: &JsValue) -> Result<bool, JsError> {
    let step = Step::parse(step, Source::Browser)
        .map_err(|e| JsError::new(&format!("wakelink: {step:?}: {e}")))?;
    Ok(send(&step, props))
}

fn send(step: &Step, props: &JsValue) -> bool {
    let Some(click_id) = STATE.with(|s| s.borrow().as_ref().map(|st| st.click_id.clone())) else {
        return false;
    };
    send_for(&click_id, step, props)
}

fn send_for(click_id: &str, step: &Step, props: &JsValue) -> bool {
    let Some(endpoint) = STATE.with(|s| s.borrow().as_ref().map(|st| st.endpoint.clone())) else {
        return false;
    };
    let event: JsValue = Object::new().into();
    set(&event, "click_id", &JsValue::from_str(click_id));
    set(&event, "step", &JsValue::from_str(step.as_str()));
    if props.is_object() {
        set(&event, "props", props);
    }
    let Some(body) = JSON::stringify(&event).ok().and_then(|s| s.as_string()) else {
        return false;
    };
    let (url, body) = (JsValue::from_str(&endpoint), JsValue::from_str(&body));
    // A string body goes as text/plain: a CORS-safelisted type, so no preflight.
    let navigator = get(&global(), "navigator");
    if call(&navigator, "sendBeacon", &[&url, &body]).ok() == Some(JsValue::TRUE) {
        return true;
    }
    let init: JsValue = Object::new().into();
    set(&init, "method", &JsValue::from_str("POST"));
    set(&init, "body", &body);
    set(&init, "keepalive", &JsValue::TRUE);
    set(&init, "credentials", &JsValue::from_str("omit"));
    let headers: JsValue = Object::new().into();
    set(
        &headers,
        "content-type",
        &JsValue::from_str("text/plain;charset=UTF-8"),
    );
    set(&init, "headers", &headers);
    match call(&global(), "fetch", &[&url, &init]) {
        Ok(p) => {
            // Delivery is best effort from a page; a failure is not the page's problem.
            let _ = call(&p, "catch", &[&Closure::once_into_js(|_: JsValue| {})]);
            true
        }
        Err(_) => false,
    }
}

/// For a web app opened through a wakelink app-open URL (`…?wl={click id}`): reports
/// `app_opened` for the click that URL names — the same single row the app backend's
/// `POST /api/v1/opens` makes. False when the URL names no click or `init` hasn't run.
#[wasm_bindgen(js_name = openedFrom)]
pub fn opened_from(url: &str) -> bool {
    match crate::domain::conversion::opened_from(url) {
        Some(crate::domain::conversion::OpenedFrom::Click(c)) => {
            send_for(c, &Step::app_opened(), &JsValue::UNDEFINED)
        }
        _ => false,
    }
}

fn navigate(url: &str) {
    set(&get(&global(), "location"), "href", &JsValue::from_str(url));
}

fn page_hidden() -> bool {
    get_str(&get(&global(), "document"), "visibilityState").as_deref() == Some("hidden")
}

fn tracked(name: &str, props: &JsValue) {
    if let Ok(step) = Step::parse(name, Source::Browser) {
        send(&step, props);
    }
}

fn via_props(via: Option<Via>) -> JsValue {
    let p: JsValue = Object::new().into();
    if let Some(v) = via {
        set(&p, "via", &JsValue::from_str(v.as_str()));
    }
    p
}

/// Tries the app (universal link or deep link, whichever this device opens best), then goes
/// to `store` after `timeoutMs` if the page is still visible. Reports `open_app_attempt`, then
/// `app_opened` (the page was hidden: the app came up) or `store_fallback`. Resolves to
/// `"app"`, `"store"`, or `"none"` when there was nothing to open.
#[wasm_bindgen(js_name = openApp, unchecked_return_type = "Promise<\"app\" | \"store\" | \"none\">")]
pub fn open_app(options: &JsValue) -> Promise {
    let deep = get_str(options, "deepLink");
    let universal = get_str(options, "universalLink");
    let store = get_str(options, "store");
    let timeout = get(options, "timeoutMs")
        .as_f64()
        .filter(|t| t.is_finite() && *t >= 0.0)
        .map(|t| t.min(f64::from(u32::MAX)) as u32);
    let v = visitor();
    let p = plan(
        &v,
        deep.as_deref(),
        universal.as_deref(),
        store.as_deref(),
        timeout,
    );
    let first = p.first.map(|(via, url)| (via, url.to_owned()));
    let fallback = p.fallback.map(str::to_owned);
    let timeout_ms = p.timeout_ms;
    Promise::new(&mut move |resolve, _reject| {
        let done = |resolve: &Function, how: &str| {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::from_str(how));
        };
        let Some((via, url)) = first.clone() else {
            match &fallback {
                Some(store) => {
                    tracked("store_fallback", &via_props(None));
                    done(&resolve, "store");
                    navigate(store);
                }
                None => done(&resolve, "none"),
            }
            return;
        };
        tracked("open_app_attempt", &via_props(Some(via)));
        let settled = Rc::new(Cell::new(false));
        // The app coming up hides the page: that is the only signal a browser gives.
        let on_hide = {
            let (settled, resolve) = (settled.clone(), resolve.clone());
            Closure::<dyn FnMut()>::new(move || {
                if page_hidden() && !settled.replace(true) {
                    tracked("app_opened", &via_props(Some(via)));
                    done(&resolve, "app");
                }
            })
        };
        let document = get(&global(), "document");
        let _ = call(
            &document,
            "addEventListener",
            &[&JsValue::from_str("visibilitychange"), on_hide.as_ref()],
        );
        let _ = call(
            &global(),
            "addEventListener",
            &[&JsValue::from_str("pagehide"), on_hide.as_ref()],
        );
        // Lives as long as the page: a second tap adds another small listener, no more.
        on_hide.forget();
        let on_timeout = {
            let (settled, fallback) = (settled.clone(), fallback.clone());
            Closure::once_into_js(move || {
                if page_hidden() || settled.replace(true) {
                    return;
                }
                match &fallback {
                    Some(store) => {
                        tracked("store_fallback", &via_props(Some(via)));
                        done(&resolve, "store");
                        navigate(store);
                    }
                    None => done(&resolve, "none"),
                }
            })
        };
        let _ = call(
            &global(),
            "setTimeout",
            &[&on_timeout, &JsValue::from_f64(f64::from(timeout_ms))],
        );
        navigate(&url);
    })
}
