//! The coupon landing page: renders a `Decision::Landing` (askama, escaped by default) under a
//! per-response Content-Security-Policy whose nonce is the only way a script or style runs.

use askama::Template;
use wasm_bindgen::JsValue;
use worker::{Env, Headers, Response, Result};

use super::assets;
use super::config::Config;
use super::names::DB;
use super::respond::{self, app_name};
use super::sql;
use crate::domain::applinks::app_open_path;
use crate::domain::code::ShortCode;
use crate::domain::decide::View;
use crate::domain::landing::{coupon_code, negotiate, Landing, Strings};
use crate::domain::link::{Destination, Link};
use crate::domain::qr::{self, QrSvg};
use crate::domain::time::UnixMs;
use crate::domain::visitor::Method;

#[derive(Template)]
#[template(path = "coupon.html")]
struct CouponPage<'a> {
    lang: &'static str,
    s: &'static Strings,
    nonce: &'a str,
    view: &'static str,
    in_app: Option<&'static str>,
    title: &'a str,
    amount: Option<&'a str>,
    terms: Option<&'a str>,
    brand: &'a str,
    logo: Option<&'a str>,
    code: Option<&'a str>,
    expired: bool,
    expiry_text: Option<String>,
    expires_ms: UnixMs,
    open_href: &'a str,
    store: &'a str,
    deep_link: Option<&'a str>,
    web: &'a str,
    self_link: &'a str,
    qr: Option<QrSvg>,
    /// The browser SDK's module and the signed click id it reports steps for; both or none.
    sdk: Option<(&'static str, String)>,
}

/// What the redirect handler knows about the tap, for the page.
pub struct Tap<'a> {
    pub code: &'a ShortCode,
    pub token: Option<&'a str>,
    pub recipient: Option<u64>,
    /// The click's event id: the page's click id is bound to it.
    pub event_id: &'a str,
    /// The tapped URL without query or fragment (shown in-app, drawn as the QR code).
    pub self_link: &'a str,
    pub accept_language: Option<&'a str>,
    pub method: Method,
    pub now: UnixMs,
}

pub async fn page(
    env: &Env,
    link: &Link,
    landing: &Landing,
    to: &Destination,
    view: View,
    tap: &Tap<'_>,
) -> Result<Response> {
    // Only landing pages of per-recipient links read the ledger, and only for a body.
    let code_row = match (tap.recipient, tap.method) {
        (Some(seq), Method::Get) => recipient_coupon(env, tap.code, seq).await,
        _ => None,
    };
    let click_id = Config::get(env)
        .click_keys
        .as_ref()
        .map(|k| k.sign(tap.code, tap.event_id, tap.recipient));
    render(link, landing, to, view, tap, code_row.as_deref(), click_id)
}

/// Kept out of line: the redirect handler's future stays as small as it was.
#[inline(never)]
fn render(
    link: &Link,
    landing: &Landing,
    to: &Destination,
    view: View,
    tap: &Tap<'_>,
    code_row: Option<&str>,
    click_id: Option<String>,
) -> Result<Response> {
    let lang = negotiate(tap.accept_language, landing.lang);
    let nonce = nonce();
    // The app-open URL carries the click id (`wl`), so an app opened by it reports the open
    // for this click (POST /api/v1/opens).
    let open_href = match &click_id {
        Some(c) => format!("{}?wl={c}", app_open_path(tap.code, tap.token)),
        None => app_open_path(tap.code, tap.token),
    };
    let (view_name, in_app) = match view {
        View::Phone => ("phone", None),
        View::Desktop => ("desktop", None),
        View::InApp(app) => ("in-app", Some(app_name(app))),
    };
    let page = CouponPage {
        lang: lang.tag(),
        s: lang.strings(),
        nonce: &nonce,
        view: view_name,
        in_app,
        title: &landing.title,
        amount: landing.amount.as_deref(),
        terms: landing.terms.as_deref(),
        brand: &landing.brand_color,
        logo: landing.logo.as_ref().map(Destination::as_str),
        code: code_row.and_then(coupon_code),
        expired: landing.coupon_expired(tap.now),
        expiry_text: landing.expiry_text(),
        expires_ms: landing.expires_at.unwrap_or(0),
        open_href: &open_href,
        store: to.as_str(),
        deep_link: link
            .destinations
            .deep_link
            .as_ref()
            .map(Destination::as_str),
        web: link.destinations.web.as_str(),
        self_link: tap.self_link,
        sdk: assets::sdk_js_path().zip(click_id),
        qr: match view {
            View::Desktop if tap.method == Method::Get => qr::svg(tap.self_link),
            _ => None,
        },
    };
    let response = respond::html(200, &page, tap.method)?;
    let logo_host = landing.logo.as_ref().and_then(Destination::https_host);
    set_csp(response.headers(), &nonce, logo_host);
    Ok(response)
}

/// Scripts and styles only by this response's nonce (`strict-dynamic`: the nonced script may
/// import the SDK module, whose wasm needs `wasm-unsafe-eval`); images from here, inline SVG
/// data and the link's logo host; fetches and beacons to this origin only; nothing frames it.
fn set_csp(headers: &Headers, nonce: &str, logo_host: Option<&str>) {
    // The host came through the URL parser and the allow-list: lowercase ASCII letters,
    // digits, dots and hyphens. Anything else is left out rather than placed in the header.
    let logo = logo_host
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        })
        .map(|h| format!(" https://{h}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'nonce-{nonce}'; img-src 'self' data:{logo}; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let _ = headers.set("content-security-policy", &csp);
}

/// 128 bits from the runtime's CSPRNG, hex: a fresh CSP nonce per response.
fn nonce() -> String {
    let mut b = [0u8; 16];
    if getrandom::getrandom(&mut b).is_err() {
        for x in b.iter_mut() {
            *x = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(serde::Deserialize)]
struct CouponRow {
    coupon: Option<String>,
}

/// The recipient's coupon code from the send ledger; a failed read shows the page without it.
async fn recipient_coupon(env: &Env, code: &ShortCode, seq: u64) -> Option<String> {
    let read = async {
        env.d1(DB)?
            .prepare(sql::SEND_COUPON)
            .bind(&[
                JsValue::from_str(code.as_str()),
                JsValue::from_f64(seq as f64),
            ])?
            .first::<CouponRow>(None)
            .await
    };
    match read.await {
        Ok(row) => row.and_then(|r| r.coupon),
        Err(e) => {
            worker::console_error!("coupon read failed for {code}: {e}");
            None
        }
    }
}
