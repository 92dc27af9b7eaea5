//! Turns decisions and problems into responses. The only place HTML is rendered.

use askama::Template;
use worker::{Headers, Request, Response, Result};

use crate::domain::problem::Problem;
use crate::domain::visitor::Method;
#[cfg(feature = "edge")]
use crate::domain::{decide::Decision, hints, visitor::InApp};

#[cfg(feature = "edge")]
#[derive(Template)]
#[template(path = "interstitial.html")]
struct InterstitialPage<'a> {
    in_app: &'a str,
    app_name: &'a str,
    destination: &'a str,
    self_link: &'a str,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage<'a> {
    title: &'a str,
    message: &'a str,
}

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn base_headers(content_type: Option<&str>) -> Headers {
    let h = Headers::new();
    // Setting fixed ASCII header values cannot fail; errors are ignored rather than unwrapped.
    let _ = h.set("cache-control", "private, no-store");
    let _ = h.set("referrer-policy", "no-referrer");
    let _ = h.set("x-content-type-options", "nosniff");
    if let Some(ct) = content_type {
        let _ = h.set("content-type", ct);
    }
    h
}

/// A response with a body, or the same headers and no body for HEAD.
fn with_body(status: u16, body: String, content_type: &str, method: Method) -> Result<Response> {
    let headers = base_headers(Some(content_type));
    if content_type.starts_with("text/html") {
        let _ = headers.set("content-security-policy", CSP);
    }
    let r = if method == Method::Head {
        Response::empty()?
    } else {
        Response::from_bytes(body.into_bytes())?
    };
    Ok(r.with_status(status).with_headers(headers))
}

pub fn html(status: u16, page: &impl Template, method: Method) -> Result<Response> {
    match page.render() {
        Ok(body) => with_body(status, body, "text/html; charset=utf-8", method),
        Err(e) => {
            worker::console_error!("template failed: {e}");
            with_body(
                500,
                String::from("internal error"),
                "text/plain; charset=utf-8",
                method,
            )
        }
    }
}

pub fn status_page(status: u16, title: &str, message: &str, method: Method) -> Result<Response> {
    html(status, &StatusPage { title, message }, method)
}

/// GET and HEAD: the methods the public paths answer.
pub fn method_of(req: &Request) -> Option<Method> {
    match req.method() {
        worker::Method::Get => Some(Method::Get),
        worker::Method::Head => Some(Method::Head),
        _ => None,
    }
}

pub fn not_found(method: Method) -> Result<Response> {
    status_page(
        404,
        "Link not found",
        "This link doesn't exist or is no longer active.",
        method,
    )
}

#[cfg(feature = "edge")]
/// 429 for a machine over the click limit, with `Retry-After`.
pub fn too_many_page(method: Method) -> Result<Response> {
    let r = status_page(
        429,
        "Too many requests",
        "Too many requests for this link. Try again in a minute.",
        method,
    )?;
    let _ = r.headers().set(
        "retry-after",
        &crate::domain::limits::PERIOD_SECS.to_string(),
    );
    Ok(r)
}

pub fn method_not_allowed() -> Result<Response> {
    let r = status_page(
        405,
        "Method not allowed",
        "Only GET and HEAD are served here.",
        Method::Get,
    )?;
    let _ = r.headers().set("allow", "GET, HEAD");
    Ok(r)
}

#[cfg(feature = "edge")]
pub(super) fn app_name(in_app: InApp) -> &'static str {
    match in_app {
        InApp::Wechat => "微信 WeChat",
        InApp::Qq => "QQ",
        InApp::Weibo => "微博 Weibo",
        InApp::Alipay => "支付宝 Alipay",
        InApp::Dingtalk => "钉钉 DingTalk",
        InApp::Douyin => "抖音 Douyin",
        InApp::Tiktok => "TikTok",
        InApp::Facebook => "Facebook",
        InApp::Instagram => "Instagram",
        InApp::Messenger => "Messenger",
        InApp::Line => "LINE",
        InApp::X => "X",
        InApp::Snapchat => "Snapchat",
        InApp::Linkedin => "LinkedIn",
        InApp::Telegram => "Telegram",
    }
}

#[cfg(feature = "edge")]
/// Maps a decision to its response. `self_link` is the URL the person tapped (for copying).
pub fn decision(d: &Decision<'_>, method: Method, self_link: &str) -> Result<Response> {
    match d {
        // A landing page is drawn by `landing::page`, which needs the link and the tap; asked
        // here, the answer is the redirect the page would offer.
        Decision::Redirect { to, .. } | Decision::Landing { to, .. } => {
            let headers = base_headers(None);
            // `to` is a Destination: it passed the scheme and host allow-list.
            let _ = headers.set("location", to.as_str());
            Ok(Response::empty()?.with_status(302).with_headers(headers))
        }
        Decision::Interstitial { to, in_app, .. } => html(
            200,
            &InterstitialPage {
                in_app: in_app.as_str(),
                app_name: app_name(*in_app),
                destination: to.as_str(),
                self_link,
            },
            method,
        ),
        Decision::NotFound => not_found(method),
        Decision::Gone => status_page(410, "Link expired", "This offer has ended.", method),
    }
}

#[cfg(feature = "edge")]
/// Asks a Chromium browser to repeat the request with its device model
/// ([`crate::domain::hints`]).
pub fn ask_for_model_hint(r: &Response) {
    let h = r.headers();
    let _ = h.set("accept-ch", hints::ACCEPT_CH);
    let _ = h.set("critical-ch", hints::CRITICAL_CH);
    let _ = h.set("vary", hints::VARY);
}

pub fn json(status: u16, body: String) -> Result<Response> {
    with_body(status, body, "application/json; charset=utf-8", Method::Get)
}

pub fn problem(p: &Problem) -> Result<Response> {
    json(p.status, p.to_json())
}
