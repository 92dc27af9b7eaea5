//! Who is clicking: platform, Android vendor, in-app browser, and whether it is a bot.
//!
//! `classify` is a pure function of the request facts. The rules it applies live as data in
//! [`super::ua_rules`]; this module only walks them.

use super::ua_match::{first, found_in, heuristic, matches, Span};
use super::ua_rules::{
    generated_needle, Evidence, Needle, BOT_RULES, DEVICE_PREFIXES, GENERATED_BOT_NEEDLES,
    IN_APP_RULES, MODEL_RULES, PLATFORM_RULES, PREFETCH_PURPOSES, VENDOR_RULES,
};
use super::ua_scan::{Candidates, Index, Table};

use super::hints::{self, Hints};

pub use super::agent::{
    BotReason, InApp, Method, Platform, RequestFacts, Vendor, Visitor, MAX_UA_LEN,
};

/// Classifies a request: platform, Android vendor, in-app browser, and bot reason.
///
/// The user agent is cut to [`MAX_UA_LEN`] bytes (on a character boundary) and lowercased once;
/// the rules in [`super::ua_rules`] are then walked in order. Bot reasons are checked in the
/// order of [`super::ua_rules::BOT_FAMILY_ORDER`] and the first one found is returned.
///
/// Platform notes: an iPhone or iPod is [`Platform::Ios`] and an iPad [`Platform::Ipados`], but
/// Safari on iPadOS 13+ sends a Macintosh user agent by default and is classified
/// [`Platform::Macos`]. HarmonyOS phones ("HarmonyOS", "OpenHarmony") count as
/// [`Platform::Android`] with vendor [`Vendor::Huawei`]. The vendor is only looked for on Android.
///
/// ```
/// use wakelink::domain::visitor::{classify, BotReason, InApp, Method, Platform, RequestFacts};
///
/// let wechat = classify(&RequestFacts {
///     method: Some(Method::Get),
///     user_agent: Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.42(0x18002a2c) NetType/WIFI Language/zh_CN"),
///     purpose: None,
/// });
/// assert_eq!(wechat.platform, Platform::Ios);
/// assert_eq!(wechat.in_app, Some(InApp::Wechat));
/// assert!(wechat.in_app.is_some_and(InApp::blocks_store_redirects));
/// assert_eq!(wechat.bot, None);
///
/// let head = classify(&RequestFacts { method: Some(Method::Head), ..Default::default() });
/// assert_eq!(head.bot, Some(BotReason::Head));
/// ```
pub fn classify(facts: &RequestFacts) -> Visitor {
    classify_with(facts, true)
}

/// [`classify`], then what the browser's client hints add (see [`super::hints`]): the
/// platform from `Sec-CH-UA-Platform` when the user agent names none, and on Android the
/// vendor from `Sec-CH-UA-Model` when the user agent names no model (Chrome's reduced
/// "Android 10; K"). A model from a hint goes through the same device table and rules as one
/// from the user agent; with `Sec-CH-UA-Platform-Version` it also tells a pre-2020 Honor
/// phone (Android <= 10: Huawei's store) from a later one.
///
/// ```
/// use wakelink::domain::hints::Hints;
/// use wakelink::domain::visitor::{classify_hinted, Method, RequestFacts, Vendor};
///
/// let facts = RequestFacts {
///     method: Some(Method::Get),
///     user_agent: Some("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"),
///     purpose: None,
/// };
/// let hints = Hints { model: Some("\"2211133C\""), platform: Some("\"Android\""), platform_version: Some("\"14.0.0\"") };
/// assert_eq!(classify_hinted(&facts, &hints).vendor, Some(Vendor::Xiaomi));
/// ```
pub fn classify_hinted(facts: &RequestFacts, hints: &Hints) -> Visitor {
    let mut visitor = classify(facts);
    if visitor.platform == Platform::Other {
        if let Some(platform) = hints.platform.and_then(hints::platform_of) {
            visitor.platform = platform;
        }
    }
    if visitor.platform != Platform::Android || visitor.vendor.is_some() {
        return visitor;
    }
    let ua = facts.user_agent.map(cap).unwrap_or("");
    if model_slot(&ua.to_ascii_lowercase()).is_some() {
        return visitor;
    }
    if let Some(model) = hints.model.and_then(hints::sf_string) {
        let slot = model.to_ascii_lowercase();
        let found = slot_vendor(slot.trim(), &Candidates::all());
        let major = hints.platform_version.and_then(hints::major_of);
        visitor.vendor = honor_split(found, slot.starts_with("honor"), major);
    }
    visitor
}

/// [`classify`], with the one-pass prefilter of [`super::ua_scan`] (`prefilter`) or without
/// it (the plain path, kept so a test can check that the prefilter never changes a result).
///
/// The browser SDK takes the plain path: it classifies once per page view and is built for
/// size, and the prefilter's index would add about 2 KB (gzipped) to its wasm.
fn classify_with(facts: &RequestFacts, prefilter: bool) -> Visitor {
    let ua = facts.user_agent.map(cap).unwrap_or("");
    if !prefilter || cfg!(feature = "sdk") {
        // ASCII lowercasing keeps every byte offset where it was.
        return classify_lower(facts, &ua.to_ascii_lowercase(), &Candidates::all());
    }
    // Lowercased into a buffer on the stack, with the prefilter's scan in the same pass.
    let mut buf = [0; MAX_UA_LEN];
    let (bytes, found) = Index::get().scan(ua.as_bytes(), &mut buf);
    match std::str::from_utf8(bytes) {
        Ok(lower) => classify_lower(facts, lower, &found),
        // Not reached: ASCII lowercasing keeps UTF-8 valid.
        Err(_) => classify_lower(facts, &ua.to_ascii_lowercase(), &Candidates::all()),
    }
}

/// [`classify`] on the lowercased user agent, visiting only the entries of `scan`.
fn classify_lower(facts: &RequestFacts, lower: &str, scan: &Candidates) -> Visitor {
    let model = model_slot(lower);
    let platform = platform(lower, scan);
    let vendor = if platform == Platform::Android {
        vendor(lower, model, scan)
    } else {
        None
    };
    Visitor {
        platform,
        vendor,
        in_app: in_app(lower, scan),
        bot: bot(facts, lower, model, scan),
    }
}

/// Cuts a user agent to at most [`MAX_UA_LEN`] bytes without splitting a character.
fn cap(ua: &str) -> &str {
    if ua.len() <= MAX_UA_LEN {
        return ua;
    }
    let mut end = MAX_UA_LEN;
    while !ua.is_char_boundary(end) {
        end -= 1;
    }
    &ua[..end]
}

fn platform(lower: &str, scan: &Candidates) -> Platform {
    first(PLATFORM_RULES, scan, Table::Platform, |rule| {
        found_in(rule.needle, lower, None, scan)
    })
    .map_or(Platform::Other, |rule| rule.platform)
}

fn in_app(lower: &str, scan: &Candidates) -> Option<InApp> {
    first(IN_APP_RULES, scan, Table::InApp, |rule| {
        found_in(rule.needle, lower, None, scan)
    })
    .map(|rule| rule.app)
}

fn vendor(lower: &str, model: Option<Span>, scan: &Candidates) -> Option<Vendor> {
    let found = device_vendor(lower, model, scan);
    let Some(span) = model else {
        return found;
    };
    // Honor left Huawei in November 2020. Phones sold as Honor before that carry Huawei's
    // AppGallery and never got an Android newer than 10; Honor's own phones since then run
    // Android 11 or later (HarmonyOS phones, which report Android 12, are Huawei's).
    let named_honor = lower[span.start..span.end].starts_with("honor");
    honor_split(found, named_honor, android_major(lower))
}

/// Honor left Huawei in November 2020: an Honor phone on Android <= 10 is from before and
/// carries Huawei's AppGallery; a phone named Honor on Android 11 or later is Honor's own.
fn honor_split(found: Option<Vendor>, named_honor: bool, major: Option<u32>) -> Option<Vendor> {
    match (found, major) {
        (Some(Vendor::Honor), Some(major)) if major <= 10 => Some(Vendor::Huawei),
        (Some(Vendor::Huawei), Some(major)) if named_honor && major >= 11 => Some(Vendor::Honor),
        _ => found,
    }
}

/// The major version in "Android 10", "Android 4.4.2", "Adr 9" (the first such token).
fn android_major(lower: &str) -> Option<u32> {
    ["android ", "adr "].iter().find_map(|mark| {
        let at = lower.find(mark)? + mark.len();
        let digits: &str = &lower[at..];
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        digits[..end].parse().ok()
    })
}

fn device_vendor(lower: &str, model: Option<Span>, scan: &Candidates) -> Option<Vendor> {
    if let Some(span) = model {
        if let Some(found) = slot_vendor(&lower[span.start..span.end], scan) {
            return Some(found);
        }
    }
    first(VENDOR_RULES, scan, Table::Vendor, |rule| {
        (rule.evidence == Evidence::Device || model.is_none())
            && found_in(rule.needle, lower, None, scan)
    })
    .map(|rule| rule.vendor)
}

/// The vendor a lowercased model names: the generated device table first, then the hand
/// rules for codes it has no answer for. `scan`, if given, is of a string containing `slot`.
fn slot_vendor(slot: &str, scan: &Candidates) -> Option<Vendor> {
    match device_table(slot) {
        Some(known) => known,
        None => first(MODEL_RULES, scan, Table::Model, |rule| {
            matches(rule.needle, slot, None)
        })
        .map(|rule| rule.vendor),
    }
}

/// The generated device table's answer for a model slot: `Some(vendor)` when a rule of
/// [`DEVICE_PREFIXES`] covers the slot (`Some(None)`: a maker without its own store), `None`
/// when no rule does. The lines are sorted and prefix-free, so the only candidate is the
/// greatest prefix that is not above `slot$`; a binary search over byte positions finds it,
/// stepping back to the start of the line each probe falls in.
fn device_table(slot: &str) -> Option<Option<Vendor>> {
    let text = DEVICE_PREFIXES.as_bytes();
    // "slot$" compared with a line's prefix, without building "slot$".
    let key = slot.as_bytes().iter().chain(b"$");
    // The line starting at `start`: its prefix, its vendor code, and where the next begins.
    let line = |start: usize| {
        let len = text[start..].iter().position(|&b| b == b'\n')?;
        let (prefix, code) = text[start..start + len]
            .split_last()
            .map(|(c, p)| (p, *c))?;
        Some((code, prefix, start + len + 1))
    };
    let (mut lo, mut hi, mut best) = (0, text.len(), None);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // `lo` is always a line start, so the line holding `mid` starts at or after it.
        let start = text[lo..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(lo, |i| lo + i + 1);
        let (code, prefix, next) = line(start)?;
        if prefix.iter().cmp(key.clone()) == std::cmp::Ordering::Greater {
            hi = start;
        } else {
            best = Some((code, prefix));
            lo = next;
        }
    }
    let (code, prefix) = best?;
    let covers = prefix.len() <= slot.len() + 1 && prefix.iter().zip(key).all(|(a, b)| a == b);
    covers.then_some(match code {
        b'w' => Some(Vendor::Huawei),
        b'h' => Some(Vendor::Honor),
        b'x' => Some(Vendor::Xiaomi),
        b'o' => Some(Vendor::Oppo),
        b'v' => Some(Vendor::Vivo),
        b's' => Some(Vendor::Samsung),
        _ => None,
    })
}

fn bot(
    facts: &RequestFacts,
    lower: &str,
    model: Option<Span>,
    scan: &Candidates,
) -> Option<BotReason> {
    if facts.method == Some(Method::Head) {
        return Some(BotReason::Head);
    }
    if let Some(purpose) = facts.purpose {
        if PREFETCH_PURPOSES
            .iter()
            .any(|needle| contains_ignore_ascii_case(purpose, needle))
        {
            return Some(BotReason::Prefetch);
        }
    }
    if lower.trim().is_empty() {
        return Some(BotReason::NoUserAgent);
    }
    bot_rule_in(lower, model, scan).map(|(reason, _)| reason)
}

/// The user-agent rule that flags `lower` as a bot, and its reason: the first of
/// [`BOT_RULES`], then of the generated needles (every one a crawler).
fn bot_rule_in(lower: &str, model: Option<Span>, scan: &Candidates) -> Option<(BotReason, Needle)> {
    let found = first(BOT_RULES, scan, Table::Bot, |rule| match rule.needle {
        Needle::Heuristic(h) => heuristic(h, lower, scan),
        needle => found_in(needle, lower, model, scan),
    });
    if let Some(rule) = found {
        return Some((rule.reason, rule.needle));
    }
    scan.of(Table::Generated)
        .filter_map(|i| {
            GENERATED_BOT_NEEDLES
                .get(i)
                .and_then(|l| generated_needle(l))
        })
        .find(|needle| found_in(*needle, lower, model, scan))
        .map(|needle| (BotReason::Crawler, needle))
}

/// Which user-agent rule flags `user_agent` as a bot (`None`: no rule does), for reports
/// that explain a classification (the corpus test prints it next to each miss). Request
/// facts other than the user agent are not looked at.
pub fn bot_rule(user_agent: &str) -> Option<(BotReason, Needle)> {
    let lower = cap(user_agent).to_ascii_lowercase();
    bot_rule_in(&lower, model_slot(&lower), &Candidates::all())
}

/// Finds the device-model slot of an Android user agent: in the first parenthesised comment,
/// the first segment after "Android …" that is not a locale or a flag, cut before " Build/".
/// Chrome's reduced placeholder "K" counts as no model. When the comment names no Android
/// (strings that lost their parentheses: "Dalvik/2.1.0 Linux; U; Android 9; SM-J260M
/// Build/M1AJB"), the whole string is split the same way and the slot is also cut before
/// " AppleWebKit/".
fn model_slot(lower: &str) -> Option<Span> {
    if let Some(open) = lower.find('(') {
        let open = open + 1;
        let close = lower[open..].find(')').map_or(lower.len(), |i| open + i);
        if let Some(found) = slot_in(lower, open, close) {
            return found;
        }
    }
    slot_in(lower, 0, lower.len()).flatten()
}

/// The model slot among the `;`-separated segments of `lower[from..to]`: `None` if no segment
/// starts with "android", `Some(None)` if one does but no model follows it.
fn slot_in(lower: &str, from: usize, to: usize) -> Option<Option<Span>> {
    let mut seen_android = false;
    let mut offset = from;
    for segment in lower[from..to].split(';') {
        let start = offset + (segment.len() - segment.trim_start().len());
        offset += segment.len() + 1;
        let trimmed = segment.trim();
        if !seen_android {
            // "Adr 9" is UC Browser's own spelling.
            seen_android = trimmed.starts_with("android") || trimmed.starts_with("adr ");
            continue;
        }
        if trimmed.is_empty() || is_flag_segment(trimmed) || is_locale(trimmed) {
            continue;
        }
        let cut = [" build/", " applewebkit/"]
            .iter()
            .filter_map(|mark| trimmed.find(mark))
            .min()
            .unwrap_or(trimmed.len());
        let model = trimmed[..cut].trim_end();
        if model == "k" || model.is_empty() {
            return Some(None);
        }
        return Some(Some(Span {
            start,
            end: start + model.len(),
        }));
    }
    seen_android.then_some(None)
}

fn is_flag_segment(segment: &str) -> bool {
    matches!(
        segment,
        "u" | "wv"
            | "mobile"
            | "tablet"
            | "harmonyos"
            | "arm"
            | "arm_64"
            | "arm64"
            | "aarch64"
            | "x86"
            | "x86_64"
    ) || segment.starts_with("rv:")
}

/// "zh-cn", "en_us", "zh-hans-cn": letters in two or three dash- or underscore-separated parts;
/// also "en" and "en-".
fn is_locale(segment: &str) -> bool {
    // A language alone or cut short: "en", "en-".
    if segment.len() == 2 || segment.len() == 3 && segment.ends_with('-') {
        return segment.bytes().take(2).all(|b| b.is_ascii_lowercase());
    }
    let mut parts = 0;
    for part in segment.split(['-', '_']) {
        parts += 1;
        if !(2..=4).contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_lowercase()) {
            return false;
        }
    }
    (2..=3).contains(&parts) && segment.len() <= 10
}

/// Case-insensitive (ASCII) substring test without allocating.
fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
#[path = "visitor_tests.rs"]
mod tests;
