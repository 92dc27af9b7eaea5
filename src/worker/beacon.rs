//! `POST /e`: a landing page's funnel step, bound to its click by the signed click id, sent
//! on the clicks' path (Queue, or the spool) after the response.

use std::cell::RefCell;

use worker::{Context, Date, Env, Method, Request, Response, Result};

use super::config::Config;
use super::limiter::{self, Verdict::Limited};
use super::names::BEACON_LIMIT;
use super::{links, record, respond};
use crate::domain::funnel::{
    beacon_event, origin_allowed, parse_beacon, step_row_id, RequestContext, MAX_BEACON_BODY,
};
use crate::domain::limits::beacon_key;
use crate::domain::problem::Problem;
use crate::domain::visitor::{classify, RequestFacts};

/// Reports of one (click, step) this isolate passes on; the rest get 429. One row is kept per
/// click and step anyway: the cap only spares the Queue a page stuck in a loop, which repeats
/// the same few keys, so the most recent [`TRACKED`] keys are enough (a ring, no hash map).
const PER_CLICK_STEP: u8 = 3;
const TRACKED: usize = 512;

thread_local! {
    static SEEN: RefCell<(Vec<(String, u8)>, usize)> = const { RefCell::new((Vec::new(), 0)) };
}

fn over_limit(row_id: &str) -> bool {
    SEEN.with(|s| {
        let (ring, next) = &mut *s.borrow_mut();
        if let Some((_, n)) = ring.iter_mut().find(|(k, _)| k == row_id) {
            *n = n.saturating_add(1);
            return *n > PER_CLICK_STEP;
        }
        if ring.len() < TRACKED {
            ring.push((row_id.to_owned(), 1));
        } else {
            ring[*next] = (row_id.to_owned(), 1);
            *next = (*next + 1) % TRACKED;
        }
        false
    })
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

fn own_origin(req: &Request) -> String {
    req.url()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

fn with_cors(r: Response, origin: Option<&str>) -> Response {
    if let Some(o) = origin {
        let h = r.headers();
        let _ = h.set("access-control-allow-origin", o);
        let _ = h.set("vary", "origin");
    }
    r
}

pub async fn handle(mut req: Request, env: &Env, ctx: &Context) -> Result<Response> {
    let cfg = Config::get(env);
    let origin = header(&req, "origin");
    match req.method() {
        // Pages send text/plain and need no preflight; a preflight is answered for the
        // deployment's own and configured origins only.
        Method::Options => {
            let ok = origin
                .as_deref()
                .is_some_and(|o| origin_allowed(Some(o), &own_origin(&req), &cfg.sdk_origins, ""));
            let r = Response::empty()?.with_status(if ok { 204 } else { 403 });
            if ok {
                let h = r.headers();
                let _ = h.set("access-control-allow-methods", "POST");
                let _ = h.set("access-control-allow-headers", "content-type");
                let _ = h.set("access-control-max-age", "86400");
            }
            Ok(with_cors(r, origin.as_deref().filter(|_| ok)))
        }
        Method::Post => {
            // Per client address, before any work: a flood costs one limiter call each.
            let ip = header(&req, "cf-connecting-ip");
            if limiter::check(env, BEACON_LIMIT, beacon_key(ip.as_deref())).await == Limited {
                return limiter::too_many();
            }
            post(&mut req, env, ctx, origin.as_deref()).await
        }
        _ => {
            let r = respond::problem(&Problem::method_not_allowed())?;
            let _ = r.headers().set("allow", "POST, OPTIONS");
            Ok(r)
        }
    }
}

async fn post(
    req: &mut Request,
    env: &Env,
    ctx: &Context,
    origin: Option<&str>,
) -> Result<Response> {
    match accept(req, env, ctx, origin).await {
        Ok(()) => Ok(with_cors(
            respond::json(202, String::from(r#"{"accepted":true}"#))?,
            origin,
        )),
        Err(p) => respond::problem(&p),
    }
}

async fn accept(
    req: &mut Request,
    env: &Env,
    ctx: &Context,
    origin: Option<&str>,
) -> std::result::Result<(), Problem> {
    let cfg = Config::get(env);
    let body = read_body(req).await?;
    let keys = cfg
        .click_keys
        .as_ref()
        .ok_or_else(|| Problem::unavailable("page events need WAKELINK_SIGNING_KEYS"))?;
    let now = Date::now().as_millis();
    let beacon = parse_beacon(&body, keys, now)?;
    let link = links::get(env, &beacon.click.code, now, cfg.link_cache_ttl_ms)
        .await
        .map_err(|_| Problem::unavailable("try again shortly"))?
        .ok_or_else(|| Problem::not_found("link-not-found", "the link of this click is gone"))?;
    if !origin_allowed(
        origin,
        &own_origin(req),
        &cfg.sdk_origins,
        link.destinations.web.as_str(),
    ) {
        return Err(Problem::new(
            403,
            "origin-not-allowed",
            "this origin may not report events for this link",
        ));
    }
    if over_limit(&step_row_id(&beacon.click.event_id, &beacon.step)) {
        return Err(Problem::new(
            429,
            "rate-limited",
            "this step was already reported for this click",
        ));
    }
    let ua = header(req, "user-agent");
    let visitor = classify(&RequestFacts {
        method: None,
        user_agent: ua.as_deref(),
        purpose: None,
    });
    let country = req.cf().and_then(|cf| cf.country());
    let ip = header(req, "cf-connecting-ip");
    let rc = RequestContext {
        now,
        user_agent: ua.as_deref(),
        country: country.as_deref(),
        client_ip: ip.as_deref(),
    };
    let event = beacon_event(beacon, &link, &visitor, &rc);
    let json = serde_json::to_string(&event).map_err(|_| Problem::internal())?;
    ctx.wait_until(record::deliver_json(env.clone(), event.id, json));
    Ok(())
}

/// The body, JSON sent as `application/json` or as `text/plain` (what `sendBeacon` sends for
/// a string), at most [`MAX_BEACON_BODY`] bytes.
async fn read_body(req: &mut Request) -> std::result::Result<Vec<u8>, Problem> {
    let ct = header(req, "content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !(ct.starts_with("application/json") || ct.starts_with("text/plain")) {
        return Err(Problem::unsupported_media_type());
    }
    let too_large = || Problem::too_large(format!("body is larger than {MAX_BEACON_BODY} bytes"));
    let declared = header(req, "content-length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BEACON_BODY) {
        return Err(too_large());
    }
    let bytes = req
        .bytes()
        .await
        .map_err(|_| Problem::bad_request("invalid-body", "body could not be read"))?;
    if bytes.len() > MAX_BEACON_BODY {
        return Err(too_large());
    }
    Ok(bytes)
}
