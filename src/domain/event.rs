//! The click event: the first conversion point of the recall funnel, described once at the
//! edge and carried through the Queue into the D1 click log.

use serde::{Deserialize, Serialize};

use super::decide::{Decision, Outcome};
use super::ip;
use super::link::{Link, Target};
use super::time::UnixMs;
use super::visitor::{BotReason, InApp, Method, Platform, Vendor, Visitor, MAX_UA_LEN};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickEvent {
    /// Made at the edge; every write keyed on it is idempotent.
    pub id: String,
    pub ts: UnixMs,
    pub link: String,
    pub campaign: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The recipient's sequence number, for per-recipient links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<u64>,
    pub method: Method,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    pub platform: Platform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Vendor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_app: Option<InApp>,
    pub bot: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_reason: Option<BotReason>,
    /// ISO country code from the edge's request metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The client's network, truncated to /24 or /48. Never the address itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
}

/// What the glue read off the request for the event, besides what classification used.
#[derive(Debug, Clone, Copy)]
pub struct ClickContext<'a> {
    pub id: &'a str,
    pub now: UnixMs,
    pub method: Method,
    pub user_agent: Option<&'a str>,
    pub country: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub recipient: Option<u64>,
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn cap(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Describes the click, or `None` when there is nothing to record: an unknown code or a bad
/// token is not a click on any link. Bots, previews and HEADs are recorded, flagged.
pub fn click_event(
    ctx: &ClickContext<'_>,
    link: Option<&Link>,
    visitor: &Visitor,
    decision: &Decision<'_>,
) -> Option<ClickEvent> {
    let link = link?;
    if decision.outcome() == Outcome::NotFound {
        return None;
    }
    let country = ctx
        .country
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase);
    Some(ClickEvent {
        id: ctx.id.to_owned(),
        ts: ctx.now,
        link: link.code.as_str().to_owned(),
        campaign: link.campaign.clone(),
        variant: link.variant.clone(),
        recipient: ctx.recipient,
        method: ctx.method,
        outcome: decision.outcome(),
        target: decision.target(),
        platform: visitor.platform,
        vendor: visitor.vendor,
        in_app: visitor.in_app,
        bot: visitor.bot.is_some(),
        bot_reason: visitor.bot,
        country,
        ip_prefix: ctx.client_ip.and_then(ip::truncate),
        user_agent: ctx
            .user_agent
            .map(|ua| cap(ua, MAX_UA_LEN).to_owned())
            .filter(|ua| !ua.is_empty()),
    })
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A 26-character, time-ordered event id (ULID layout): 48 bits of milliseconds then 80
/// random bits, Crockford base32.
///
/// ```
/// let id = wakelink::domain::event::event_id(1_763_884_800_000, [7; 10]);
/// assert_eq!(id.len(), 26);
/// assert!(id < wakelink::domain::event::event_id(1_763_884_800_001, [0; 10]));
/// ```
pub fn event_id(now: UnixMs, random: [u8; 10]) -> String {
    let mut n: u128 = (now as u128 & 0xFFFF_FFFF_FFFF) << 80;
    for (i, b) in random.iter().enumerate() {
        n |= (*b as u128) << (72 - 8 * i);
    }
    (0..26)
        .rev()
        .map(|i| CROCKFORD[((n >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// True when `id` has the shape `event_id` makes (checked before it keys any write).
pub fn is_event_id(id: &str) -> bool {
    id.len() == 26 && id.bytes().all(|b| CROCKFORD.contains(&b))
}

/// The millisecond time an [`event_id`] was made at, or `None` if `id` is not one.
///
/// ```
/// use wakelink::domain::event::{event_id, event_time};
/// assert_eq!(event_time(&event_id(1_763_884_800_123, [9; 10])), Some(1_763_884_800_123));
/// ```
pub fn event_time(id: &str) -> Option<UnixMs> {
    if !is_event_id(id) {
        return None;
    }
    let mut ms: u64 = 0;
    for b in id.bytes().take(10) {
        let d = CROCKFORD.iter().position(|c| *c == b)? as u64;
        ms = (ms << 5) | d;
    }
    // 10 digits hold 50 bits; the top two are always zero in ids `event_id` makes.
    (ms < 1 << 48).then_some(ms)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::decide::decide;
    use crate::domain::link::tests::demo_link;

    pub fn phone_event(id: &str, ts: UnixMs, recipient: Option<u64>) -> ClickEvent {
        let link = demo_link();
        let v = Visitor {
            platform: Platform::Ios,
            vendor: None,
            in_app: None,
            bot: None,
        };
        let d = decide(Some(&link), &v, ts);
        let ctx = ClickContext {
            id,
            now: ts,
            method: Method::Get,
            user_agent: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"),
            country: Some("cn"),
            client_ip: Some("203.0.113.77"),
            recipient,
        };
        click_event(&ctx, Some(&link), &v, &d).unwrap()
    }

    #[test]
    fn shape_of_a_click() {
        let e = phone_event("01ARZ3NDEKTSV4RRFFQ69G5FAV", 1_000, Some(9));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["link"], "demo");
        assert_eq!(json["campaign"], "spring-recall");
        assert_eq!(json["variant"], "A");
        assert_eq!(json["recipient"], 9);
        assert_eq!(json["platform"], "ios");
        assert_eq!(json["outcome"], "redirect");
        assert_eq!(json["target"], "app-store");
        assert_eq!(json["country"], "CN");
        assert_eq!(json["ip_prefix"], "203.0.113.0/24");
        assert_eq!(json["bot"], false);
        assert!(
            !json.to_string().contains("203.0.113.77"),
            "raw IP must never appear"
        );
        let back: ClickEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn nothing_to_record_for_unknown_links() {
        let v = Visitor {
            platform: Platform::Ios,
            vendor: None,
            in_app: None,
            bot: None,
        };
        let ctx = ClickContext {
            id: "x",
            now: 0,
            method: Method::Get,
            user_agent: None,
            country: None,
            client_ip: None,
            recipient: None,
        };
        assert_eq!(click_event(&ctx, None, &v, &Decision::NotFound), None);
    }

    #[test]
    fn ids_are_well_formed() {
        let id = event_id(u64::MAX, [255; 10]);
        assert!(is_event_id(&id), "{id}");
        assert!(!is_event_id("01ARZ3NDEKTSV4RRFFQ69G5FAu"));
        assert_eq!(cap("aé", 2), "a");
    }
}
