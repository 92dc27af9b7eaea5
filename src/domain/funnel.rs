//! Funnel events after the click: steps a landing page reports (`POST /e`) and conversions
//! the app's backend reports (`POST /api/v1/conversions`). Both travel the clicks' path —
//! Queue, spool, consumer — as a [`StepEvent`], and land in the same `events` table with a
//! `kind`.
//!
//! Row ids make every write idempotent without a lookup:
//! - a page's step: `s:{click event id}:{step}` — one row per click and step, however often
//!   the page (or the app, for `app_opened`) reports it;
//! - a conversion: `c:{caller's id}` — the backend's own id, so its retries are harmless.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::clickid::{ClickKeys, VerifiedClick};
use super::decide::Outcome;
use super::event::{cap, is_event_id, ClickEvent};
use super::ip;
use super::link::Link;
use super::link::Target;
use super::problem::Problem;
use super::step::{Source, Step};
use super::time::UnixMs;
use super::visitor::{BotReason, InApp, Method, Platform, Vendor, Visitor, MAX_UA_LEN};

/// Largest `POST /e` body.
pub const MAX_BEACON_BODY: usize = 4 * 1024;
/// Page events are accepted for this long after the click they are bound to.
pub const MAX_CLICK_AGE_MS: u64 = 30 * 24 * 3600 * 1000;
/// Props: at most this many keys, key and string value lengths.
pub const MAX_PROPS: usize = 16;
pub const MAX_PROP_KEY: usize = 32;
pub const MAX_PROP_VALUE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A click on a link (queued as a `ClickEvent`, which has no `kind` field).
    Click,
    /// A step reported by a page (or the app's open report).
    Step,
    /// A conversion reported by the app's backend.
    Conversion,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "click" => Some(Kind::Click),
            "step" => Some(Kind::Step),
            "conversion" => Some(Kind::Conversion),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Click => "click",
            Kind::Step => "step",
            Kind::Conversion => "conversion",
        }
    }
}

/// A step or conversion on its way to the click log. `kind` is serialized first: the
/// consumer tells it from a click (which has no `kind`) by that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepEvent {
    pub kind: Kind,
    pub id: String,
    pub ts: UnixMs,
    /// The link; empty for a conversion whose recipient no ledger row names.
    pub link: String,
    pub campaign: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<u64>,
    pub step: String,
    /// The click event this step is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub click_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed: Option<bool>,
    pub platform: Platform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Vendor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_app: Option<InApp>,
    pub bot: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_reason: Option<BotReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The page's props as JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub props: Option<String>,
}

/// Row id of a page step: one per click and step.
pub fn step_row_id(click_event_id: &str, step: &Step) -> String {
    format!("s:{click_event_id}:{step}")
}

/// True for ids this crate keys rows on: click ids (ULID), step and conversion row ids.
pub fn is_row_id(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":._-".contains(&b))
}

/// A Queue message: a click (no `kind` field, as every click ever queued) or a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    Click(ClickEvent),
    Step(StepEvent),
}

/// Every field any queued event has: one deserializer for clicks and steps alike (a second
/// derived one costs the worker's wasm as much again).
#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    kind: Option<Kind>,
    id: String,
    ts: UnixMs,
    link: String,
    campaign: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    recipient: Option<u64>,
    #[serde(default)]
    method: Option<Method>,
    #[serde(default)]
    outcome: Option<Outcome>,
    #[serde(default)]
    target: Option<Target>,
    platform: Platform,
    #[serde(default)]
    vendor: Option<Vendor>,
    #[serde(default)]
    in_app: Option<InApp>,
    bot: bool,
    #[serde(default)]
    bot_reason: Option<BotReason>,
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    ip_prefix: Option<String>,
    #[serde(default)]
    user_agent: Option<String>,
    #[serde(default)]
    step: Option<String>,
    #[serde(default)]
    click_id: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    value_minor: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    attributed: Option<bool>,
    #[serde(default)]
    props: Option<String>,
}

/// Why a body isn't even the shape of a queued event (the same deserializer as
/// [`parse_queued`]); `None` when it is that shape. For the consumer's dead letters.
pub fn wire_error(body: &str) -> Option<serde_json::Error> {
    serde_json::from_str::<Wire>(body).err()
}

/// Parses a Queue message body; `None` for a body no version of wakelink sends (and for ids
/// that could not key a row).
pub fn parse_queued(body: &str) -> Option<Queued> {
    let w: Wire = serde_json::from_str(body).ok()?;
    if w.kind.is_none_or(|k| k == Kind::Click) {
        if !is_event_id(&w.id) {
            return None;
        }
        return Some(Queued::Click(ClickEvent {
            id: w.id,
            ts: w.ts,
            link: w.link,
            campaign: w.campaign,
            variant: w.variant,
            recipient: w.recipient,
            method: w.method?,
            outcome: w.outcome?,
            target: w.target,
            platform: w.platform,
            vendor: w.vendor,
            in_app: w.in_app,
            bot: w.bot,
            bot_reason: w.bot_reason,
            country: w.country,
            ip_prefix: w.ip_prefix,
            user_agent: w.user_agent,
        }));
    }
    if !is_row_id(&w.id) {
        return None;
    }
    Some(Queued::Step(StepEvent {
        kind: w.kind?,
        id: w.id,
        ts: w.ts,
        link: w.link,
        campaign: w.campaign,
        variant: w.variant,
        recipient: w.recipient,
        step: w.step?,
        click_id: w.click_id,
        external_id: w.external_id,
        value_minor: w.value_minor,
        currency: w.currency,
        attributed: w.attributed,
        platform: w.platform,
        vendor: w.vendor,
        in_app: w.in_app,
        bot: w.bot,
        bot_reason: w.bot_reason,
        country: w.country,
        ip_prefix: w.ip_prefix,
        user_agent: w.user_agent,
        props: w.props,
    }))
}

/// A checked `POST /e` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beacon {
    pub click: VerifiedClick,
    pub step: Step,
    pub props: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BeaconInput {
    click_id: String,
    step: String,
    #[serde(default)]
    props: Option<Map<String, Value>>,
}

/// Checks a flat props object: short keys, string, number or boolean values.
pub fn check_props(props: &Map<String, Value>) -> Result<String, Problem> {
    if props.len() > MAX_PROPS {
        return Err(Problem::invalid("props", "at most 16 props"));
    }
    for (k, v) in props {
        let key_ok = (1..=MAX_PROP_KEY).contains(&k.len())
            && k.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !key_ok {
            return Err(Problem::invalid(
                "props",
                "prop names are 1-32 of a-z, 0-9 and '_'",
            ));
        }
        let value_ok = match v {
            Value::String(s) => s.chars().count() <= MAX_PROP_VALUE,
            Value::Number(_) | Value::Bool(_) => true,
            _ => false,
        };
        if !value_ok {
            return Err(Problem::invalid(
                format!("props.{k}"),
                "a prop is a string of up to 200 characters, a number or a boolean",
            ));
        }
    }
    serde_json::to_string(props).map_err(|_| Problem::internal())
}

/// Parses and checks a page event: JSON shape, the step vocabulary, props, and the signed
/// click id (forged, altered or another deployment's: 403 `invalid-click-id`; older than
/// [`MAX_CLICK_AGE_MS`]: 403 `click-expired`).
pub fn parse_beacon(body: &[u8], keys: &ClickKeys, now: UnixMs) -> Result<Beacon, Problem> {
    let input: BeaconInput = serde_json::from_slice(body).map_err(|e| Problem::invalid_json(&e))?;
    let step = Step::parse(&input.step, Source::Browser)
        .map_err(|e| Problem::invalid("step", e.to_string()))?;
    let props = input.props.as_ref().map(check_props).transpose()?;
    let click = keys.verify(&input.click_id).ok_or_else(|| {
        Problem::new(
            403,
            "invalid-click-id",
            "click id is not one this link issued",
        )
    })?;
    if now.saturating_sub(click.at) > MAX_CLICK_AGE_MS || click.at > now + 60_000 {
        return Err(Problem::new(
            403,
            "click-expired",
            "this click is too old to report steps for",
        ));
    }
    Ok(Beacon { click, step, props })
}

/// What the glue read off the request, besides the body.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    pub now: UnixMs,
    pub user_agent: Option<&'a str>,
    pub country: Option<&'a str>,
    pub client_ip: Option<&'a str>,
}

fn country(c: Option<&str>) -> Option<String> {
    c.filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
}

/// The event for a checked page step on `link` (the link the click id names).
pub fn beacon_event(
    beacon: Beacon,
    link: &Link,
    visitor: &Visitor,
    ctx: &RequestContext<'_>,
) -> StepEvent {
    StepEvent {
        kind: Kind::Step,
        id: step_row_id(&beacon.click.event_id, &beacon.step),
        ts: ctx.now,
        link: link.code.as_str().to_owned(),
        campaign: link.campaign.clone(),
        variant: link.variant.clone(),
        recipient: beacon.click.recipient,
        step: beacon.step.as_str().to_owned(),
        click_id: Some(beacon.click.event_id),
        external_id: None,
        value_minor: None,
        currency: None,
        attributed: None,
        platform: visitor.platform,
        vendor: visitor.vendor,
        in_app: visitor.in_app,
        bot: visitor.bot.is_some(),
        bot_reason: visitor.bot,
        country: country(ctx.country),
        ip_prefix: ctx.client_ip.and_then(ip::truncate),
        user_agent: ctx
            .user_agent
            .map(|ua| cap(ua, MAX_UA_LEN).to_owned())
            .filter(|ua| !ua.is_empty()),
        props: beacon.props,
    }
}

/// Origins allowed to post page events for a link: the deployment's own, the configured
/// `SDK_ORIGINS`, and the origin of the link's web destination (its own landing page).
/// A request without `Origin` (same-origin navigations of old browsers, server tools) passes:
/// the signed click id is what binds it.
pub fn origin_allowed(
    origin: Option<&str>,
    own: &str,
    configured: &[String],
    link_web: &str,
) -> bool {
    let Some(origin) = origin else { return true };
    let origin = origin.trim_end_matches('/');
    origin.eq_ignore_ascii_case(own)
        || configured.iter().any(|c| c.eq_ignore_ascii_case(origin))
        || origin_of(link_web).is_some_and(|w| w.eq_ignore_ascii_case(origin))
}

/// `scheme://host[:port]` of an absolute http(s) URL.
pub fn origin_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (host_len > 0).then(|| &url[..url.len() - rest.len() + host_len])
}

/// Parses `SDK_ORIGINS` (comma-separated).
pub fn parse_origins(spec: &str) -> Vec<String> {
    spec.split(',')
        .map(|s| s.trim().trim_end_matches('/'))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::code::ShortCode;
    use crate::domain::event::event_id;
    use crate::domain::link::tests::demo_link;
    use crate::domain::token::Keyring;

    fn keys() -> ClickKeys {
        ClickKeys::derive(&Keyring::parse(&format!("1:{}", "42".repeat(32))).unwrap())
    }

    const NOW: UnixMs = 1_763_884_800_000;

    fn click_id(at: UnixMs) -> String {
        keys().sign(
            &ShortCode::parse("demo").unwrap(),
            &event_id(at, [3; 10]),
            Some(4),
        )
    }

    fn body(v: Value) -> Vec<u8> {
        v.to_string().into_bytes()
    }

    #[test]
    fn beacons_are_checked() {
        let id = click_id(NOW - 1000);
        let ok = parse_beacon(
            &body(serde_json::json!({"click_id": id, "step": "landing_view", "props": {"ab": "x", "n": 2}})),
            &keys(),
            NOW,
        )
        .unwrap();
        assert_eq!(ok.step.as_str(), "landing_view");
        assert_eq!(ok.click.recipient, Some(4));
        assert_eq!(ok.props.as_deref(), Some(r#"{"ab":"x","n":2}"#));

        let status = |v: Value| parse_beacon(&body(v), &keys(), NOW).unwrap_err();
        let e = status(serde_json::json!({"click_id": id, "step": "login"}));
        assert_eq!((e.status, e.field.as_deref()), (400, Some("step")));
        let e = status(serde_json::json!({"click_id": id, "step": "landing_view", "extra": 1}));
        assert_eq!(e.code, "invalid-json");
        let e = status(
            serde_json::json!({"click_id": id, "step": "landing_view", "props": {"a": {"b": 1}}}),
        );
        assert_eq!(e.field.as_deref(), Some("props.a"));
        let e =
            status(serde_json::json!({"click_id": id, "step": "landing_view", "props": {"A": 1}}));
        assert_eq!(e.field.as_deref(), Some("props"));
        let forged = id.replace(".demo.", ".other.");
        let e = status(serde_json::json!({"click_id": forged, "step": "landing_view"}));
        assert_eq!((e.status, e.code), (403, "invalid-click-id"));
        let old = click_id(NOW - MAX_CLICK_AGE_MS - 1);
        let e = status(serde_json::json!({"click_id": old, "step": "landing_view"}));
        assert_eq!(e.code, "click-expired");
        assert_eq!(
            parse_beacon(b"not json", &keys(), NOW).unwrap_err().code,
            "invalid-json"
        );
    }

    #[test]
    fn one_row_per_click_and_step() {
        let b = parse_beacon(
            &body(serde_json::json!({"click_id": click_id(NOW), "step": "open_app_attempt"})),
            &keys(),
            NOW,
        )
        .unwrap();
        let v = Visitor {
            platform: Platform::Android,
            vendor: Some(Vendor::Xiaomi),
            in_app: None,
            bot: None,
        };
        let ctx = RequestContext {
            now: NOW + 5,
            user_agent: Some("ua"),
            country: Some("cn"),
            client_ip: Some("198.51.100.9"),
        };
        let e = beacon_event(b.clone(), &demo_link(), &v, &ctx);
        let again = beacon_event(
            b,
            &demo_link(),
            &v,
            &RequestContext {
                now: NOW + 99,
                ..ctx
            },
        );
        assert_eq!(e.id, again.id);
        assert!(is_row_id(&e.id), "{}", e.id);
        assert_eq!(e.click_id.as_deref(), Some(event_id(NOW, [3; 10]).as_str()));
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.starts_with(r#"{"kind":"step","#), "{json}");
        assert!(!json.contains("198.51.100.9"));
        assert_eq!(serde_json::from_str::<StepEvent>(&json).unwrap(), e);
        assert_eq!(parse_queued(&json), Some(Queued::Step(e)));
        let click = crate::domain::event::tests::phone_event(&event_id(NOW, [1; 10]), NOW, None);
        let click_json = serde_json::to_string(&click).unwrap();
        assert_eq!(parse_queued(&click_json), Some(Queued::Click(click)));
        assert_eq!(parse_queued(r#"{"kind":"step"}"#), None);
        assert_eq!(parse_queued(r#"{"kind":"nope","id":"x"}"#), None);
        assert_eq!(parse_queued("[]"), None);
    }

    #[test]
    fn origins() {
        let conf = parse_origins(" https://promo.example.com/ ,https://b.example.org");
        let web = "https://www.example.com/coupon?x=1";
        let own = "https://go.example.com";
        for (origin, ok) in [
            (None, true),
            (Some("https://go.example.com"), true),
            (Some("https://promo.example.com"), true),
            (Some("https://www.example.com"), true),
            (Some("https://www.example.com.evil.net"), false),
            (Some("http://www.example.com"), false),
            (Some("null"), false),
            (Some("https://evil.example"), false),
        ] {
            assert_eq!(origin_allowed(origin, own, &conf, web), ok, "{origin:?}");
        }
        assert_eq!(origin_of("https://a.b:8443/x"), Some("https://a.b:8443"));
        assert_eq!(origin_of("yourapp://x"), None);
    }
}
