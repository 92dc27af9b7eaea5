//! `GET|HEAD /{code}` and `/{code}/{token}`: classify, decide, respond, then record. And the
//! app-open path `/open/{code}[/{token}]`, answered the same way without a page or a record.

use worker::{Context, Date, Env, Request, Response, Result};

use super::config::Config;
use super::limiter::{self, Verdict::Limited};
use super::names::CLICK_LIMIT;
use super::{edge, landing, links, record, respond};
use crate::domain::code::ShortCode;
use crate::domain::decide::{decide, decide_redirect, token_expired, Decision, Outcome};
use crate::domain::event::{click_event, event_id, ClickContext};
use crate::domain::hints::{self, Hints};
use crate::domain::limits::{self, click_key, OverLimit};
use crate::domain::link::Link;
use crate::domain::signals::{self, EdgeFacts};
use crate::domain::token::{Kind, LinkRef, Recipient};
use crate::domain::visitor::{classify_hinted, BotReason, Method, RequestFacts, Visitor};

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// What every tap on a link path needs before deciding.
struct Tapped {
    method: Method,
    ua: Option<String>,
    visitor: Visitor,
    now: u64,
    link: Option<std::rc::Rc<Link>>,
    recipient: Option<u64>,
    /// The lowercased user agent and whether `Sec-CH-UA-Model` was sent, for the client-hint
    /// question (domain::hints).
    lower_ua: String,
    model_hint_sent: bool,
    /// The token is authentic but past its expiry: a late recipient, shown the expired page.
    expired: bool,
}

/// Classifies the visitor, reads the link and checks the token; `Err` is the response to
/// send as is (405, 503, or the 404 for a bad token).
async fn tapped(
    req: &Request,
    env: &Env,
    code: &ShortCode,
    token: Option<&str>,
) -> Result<std::result::Result<Tapped, Response>> {
    let Some(method) = respond::method_of(req) else {
        return respond::method_not_allowed().map(Err);
    };
    let ua = header(req, "user-agent");
    let purpose = ["sec-purpose", "purpose", "x-purpose", "x-moz"]
        .iter()
        .find_map(|h| header(req, h));
    let (ch_model, ch_platform, ch_version) = (
        header(req, "sec-ch-ua-model"),
        header(req, "sec-ch-ua-platform"),
        header(req, "sec-ch-ua-platform-version"),
    );
    let hints = Hints {
        model: ch_model.as_deref(),
        platform: ch_platform.as_deref(),
        platform_version: ch_version.as_deref(),
    };
    let facts = RequestFacts {
        method: Some(method),
        user_agent: ua.as_deref(),
        purpose: purpose.as_deref(),
    };
    let mut visitor = classify_hinted(&facts, &hints);
    let lower_ua = ua.as_deref().unwrap_or("").to_ascii_lowercase();
    if visitor.bot.is_none() {
        let cf = edge::read(req);
        let (language, fetch_mode) = (
            header(req, "accept-language"),
            header(req, "sec-fetch-mode"),
        );
        let edge = EdgeFacts {
            asn: cf.asn,
            verified_bot_category: cf.verified_bot_category.as_deref(),
            verified_bot: cf.verified_bot,
            bot_score: cf.bot_score,
            accept_language: language.as_deref(),
            sec_fetch_mode: fetch_mode.as_deref(),
        };
        visitor.bot = signals::judge(&edge, &lower_ua);
    }
    let now = Date::now().as_millis();
    let cfg = Config::get(env);

    let link = match links::get(env, code, now, cfg.link_cache_ttl_ms).await {
        Ok(link) => link,
        Err(links::StoreDown) => {
            return respond::status_page(
                503,
                "Try again shortly",
                "This link can't be opened right now.",
                method,
            )
            .map(Err)
        }
    };
    // The token is checked after the lookup (it is bound to the link's generation), so a bad
    // token and an unknown code take the same path to the same page: nothing tells a guesser
    // which part was wrong.
    let mut expired = false;
    let recipient = match token {
        None => None,
        Some(t) => match check_token(&cfg, code, link.as_deref(), t, now) {
            Some(r) => {
                expired = r.expired;
                if r.kind == Kind::Honeypot {
                    // No person sees this link: whatever opened it is a scanner.
                    visitor.bot = Some(BotReason::Honeypot);
                }
                Some(r.seq)
            }
            None => return respond::not_found(method).map(Err),
        },
    };
    Ok(Ok(Tapped {
        method,
        ua,
        visitor,
        now,
        link,
        recipient,
        lower_ua,
        model_hint_sent: ch_model.is_some(),
        expired,
    }))
}

/// The recipient an authentic token names (expired or not), for the link it was read with.
fn check_token(
    cfg: &Config,
    code: &ShortCode,
    link: Option<&Link>,
    token: &str,
    now: u64,
) -> Option<Recipient> {
    let link = LinkRef {
        code,
        generation: link?.generation,
    };
    cfg.keyring.as_ref()?.verify(link, token, now / 1000)
}

/// The tapped URL without query or fragment.
fn self_link(req: &Request) -> String {
    req.url()
        .map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        })
        .unwrap_or_default()
}

pub async fn resolve(
    req: Request,
    env: &Env,
    ctx: &Context,
    code: ShortCode,
    token: Option<String>,
) -> Result<Response> {
    let t = match tapped(&req, env, &code, token.as_deref()).await? {
        Ok(t) => t,
        Err(response) => return Ok(response),
    };
    let (method, now) = (t.method, t.now);
    let decision = token_expired(decide(t.link.as_deref(), &t.visitor, now), t.expired);
    // Only a click that will be recorded counts against the limit (the binding answers from
    // the edge location's memory). Over it, a machine is refused; a person is served and the
    // click flagged.
    let ip = header(&req, "cf-connecting-ip");
    let records = t.link.is_some() && decision.outcome() != Outcome::NotFound;
    let limited = records
        && limiter::check(
            env,
            CLICK_LIMIT,
            click_key(&code, token.as_deref(), ip.as_deref()),
        )
        .await
            == Limited;
    if limited && limits::over_limit(method, &t.visitor) == OverLimit::Refuse {
        return respond::too_many_page(method);
    }
    // Made before responding: a landing page carries a click id bound to it.
    let id = fresh_event_id(now);
    let response = match (&decision, t.link.as_deref()) {
        (
            Decision::Landing {
                landing, to, view, ..
            },
            Some(link),
        ) => {
            let self_link = self_link(&req);
            let accept_language = header(&req, "accept-language");
            let tap = landing::Tap {
                code: &code,
                token: token.as_deref(),
                recipient: t.recipient,
                event_id: &id,
                self_link: &self_link,
                accept_language: accept_language.as_deref(),
                method,
                now,
            };
            // Boxed: the page's future (a D1 read for per-recipient coupons) stays out of the
            // redirect's own state machine.
            let page: std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response>>>> =
                Box::pin(landing::page(env, link, landing, to, *view, &tap));
            page.await?
        }
        _ => {
            // Only the in-app page shows the tapped URL; redirects don't pay for serializing it.
            let self_link = match decision {
                Decision::Interstitial { .. } => {
                    req.url().map(|u| u.to_string()).unwrap_or_default()
                }
                _ => String::new(),
            };
            respond::decision(&decision, method, &self_link)?
        }
    };
    // A reduced Chrome user agent names no model: ask for it (the page or the redirect both
    // depend on the maker's store), once.
    let hints = Hints {
        model: t.model_hint_sent.then_some(""),
        ..Hints::default()
    };
    let ask_for_model = decision.target().is_some()
        && hints::should_ask(method, &t.lower_ua, &hints, &t.visitor, t.link.as_deref());
    if ask_for_model {
        respond::ask_for_model_hint(&response);
    }

    let country = req.cf().and_then(|cf| cf.country());
    let click = ClickContext {
        id: &id,
        now,
        method,
        user_agent: t.ua.as_deref(),
        country: country.as_deref(),
        client_ip: ip.as_deref(),
        recipient: t.recipient,
    };
    if let Some(mut event) = click_event(&click, t.link.as_deref(), &t.visitor, &decision) {
        if ask_for_model {
            event.outcome = Outcome::HintRequested;
        }
        if limited {
            limits::flag(&mut event);
        }
        ctx.wait_until(record::deliver(env.clone(), event));
    }
    Ok(response)
}

/// `/open/{code}[/{token}]` on the web: the app did not take the URL (not installed, or the
/// tap came from a page on the same domain), so it goes where a redirect would send this
/// visitor. The click was recorded when the link itself was tapped; this records nothing.
pub async fn app_open(
    req: Request,
    env: &Env,
    code: ShortCode,
    token: Option<String>,
) -> Result<Response> {
    let t = match tapped(&req, env, &code, token.as_deref()).await? {
        Ok(t) => t,
        Err(response) => return Ok(response),
    };
    let decision = token_expired(
        decide_redirect(t.link.as_deref(), &t.visitor, t.now),
        t.expired,
    );
    let self_link = match decision {
        Decision::Interstitial { .. } => self_link(&req),
        _ => String::new(),
    };
    respond::decision(&decision, t.method, &self_link)
}

/// An event id made at the edge: the time, then 80 bits from the runtime's CSPRNG.
fn fresh_event_id(now: u64) -> String {
    let mut random = [0u8; 10];
    super::entropy::random_fill(&mut random);
    event_id(now, random)
}
