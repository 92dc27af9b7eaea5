//! `GET|HEAD /{code}` and `/{code}/{token}`: classify, decide, respond, then record.

use worker::{Context, Date, Env, Request, Response, Result};

use super::config::Config;
use super::{links, record, respond};
use crate::domain::code::ShortCode;
use crate::domain::decide::{decide, Decision};
use crate::domain::event::{click_event, event_id, ClickContext};
use crate::domain::token::day_from_unix_secs;
use crate::domain::visitor::{classify, Method, RequestFacts};

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

pub fn method_of(req: &Request) -> Option<Method> {
    match req.method() {
        worker::Method::Get => Some(Method::Get),
        worker::Method::Head => Some(Method::Head),
        _ => None,
    }
}

pub async fn resolve(
    req: Request,
    env: &Env,
    ctx: &Context,
    code: ShortCode,
    token: Option<String>,
) -> Result<Response> {
    let Some(method) = method_of(&req) else {
        return respond::method_not_allowed();
    };
    let ua = header(&req, "user-agent");
    let purpose = ["sec-purpose", "purpose", "x-purpose", "x-moz"]
        .iter()
        .find_map(|h| header(&req, h));
    let visitor = classify(&RequestFacts {
        method: Some(method),
        user_agent: ua.as_deref(),
        purpose: purpose.as_deref(),
    });
    let now = Date::now().as_millis();
    let cfg = Config::get(env);

    let link = match links::get(env, &code, now, cfg.link_cache_ttl_ms).await {
        Ok(link) => link,
        Err(links::StoreDown) => {
            return respond::status_page(
                503,
                "Try again shortly",
                "This link can't be opened right now.",
                method,
            )
        }
    };
    // The token is checked after the lookup, so a bad token and an unknown code take the same
    // path to the same page: nothing tells a guesser which part was wrong.
    let recipient = match &token {
        None => None,
        Some(t) => match cfg
            .keyring
            .as_ref()
            .and_then(|k| k.verify(&code, t, day_from_unix_secs(now / 1000)))
        {
            Some(r) => Some(r.seq),
            None => return respond::not_found(method),
        },
    };
    let decision = decide(link.as_deref(), &visitor, now);
    // Only the in-app page shows the tapped URL; redirects don't pay for serializing it.
    let self_link = match decision {
        Decision::Interstitial { .. } => req.url().map(|u| u.to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    let response = respond::decision(&decision, method, &self_link)?;

    let id = fresh_event_id(now);
    let country = req.cf().and_then(|cf| cf.country());
    let ip = header(&req, "cf-connecting-ip");
    let click = ClickContext {
        id: &id,
        now,
        method,
        user_agent: ua.as_deref(),
        country: country.as_deref(),
        client_ip: ip.as_deref(),
        recipient,
    };
    if let Some(event) = click_event(&click, link.as_deref(), &visitor, &decision) {
        ctx.wait_until(record::deliver(env.clone(), event));
    }
    Ok(response)
}

/// An event id made at the edge: the time, then 80 bits from the runtime's CSPRNG.
fn fresh_event_id(now: u64) -> String {
    let mut random = [0u8; 10];
    if getrandom::getrandom(&mut random).is_err() {
        // crypto.getRandomValues is always there on Workers; this only keeps ids distinct.
        for b in random.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    event_id(now, random)
}
