//! Who is clicking: platform, Android vendor, in-app browser, and whether it is a bot.
//!
//! `classify` is a pure function of the request facts. The rules it applies live as data in
//! [`super::ua_rules`]; this module only walks them.

use super::ua_rules::{
    generated_bot_needles, Evidence, Heuristic, Needle, BOT_RULES, BROWSER_TOKENS,
    COMPATIBLE_BROWSERS, DEVICE_PREFIXES, GENERATED_BOT_FILTER, HOST_TLDS, IN_APP_RULES,
    MODEL_RULES, NOT_BOT_WORDS, PLATFORM_RULES, PREFETCH_PURPOSES, VENDOR_RULES,
};

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
        let found = slot_vendor(slot.trim(), None);
        let major = hints.platform_version.and_then(hints::major_of);
        visitor.vendor = honor_split(found, slot.starts_with("honor"), major);
    }
    visitor
}

/// [`classify`], with the [`PairSet`] prefilter (`prefilter`) or without it (the plain path,
/// kept so a test can check that the prefilter never changes a result).
fn classify_with(facts: &RequestFacts, prefilter: bool) -> Visitor {
    let ua = facts.user_agent.map(cap).unwrap_or("");
    // The one allocation: ASCII lowercasing keeps every byte offset where it was.
    let lower = ua.to_ascii_lowercase();
    let lower = lower.as_str();
    let pair_set = prefilter.then(|| PairSet::of(lower.as_bytes()));
    let pairs = pair_set.as_ref();
    let model = model_slot(lower);

    let platform = platform(lower, pairs);
    let vendor = if platform == Platform::Android {
        vendor(lower, model, pairs)
    } else {
        None
    };
    Visitor {
        platform,
        vendor,
        in_app: in_app(lower, pairs),
        bot: bot(facts, lower, model, pairs),
    }
}

/// Which adjacent byte pairs ("bigrams") occur in the lowercased user agent, as a 1024-bit set
/// indexed by a hash of the pair.
///
/// Most rules do not match most user agents, and a full substring search per rule is what made
/// `classify` slow: a few hundred searches, each with its own set-up. The set is built once per
/// user agent (one pass over its bytes); before searching for a literal needle, the needle's own
/// pairs are looked up in it, and if any is missing the needle cannot occur, so the search is
/// skipped. A pair that is present (or a hash collision) only means "search as before", so the
/// set can never change a result, only skip work. Needles shorter than two bytes, [`Needle::Prefix`]
/// and [`Needle::Shape`] tests are not filtered. Because a substring of the user agent has a
/// subset of its pairs, the same set also filters searches in the device-model slot.
struct PairSet([u64; 16]);

impl PairSet {
    fn of(bytes: &[u8]) -> Self {
        let mut set = PairSet([0; 16]);
        for pair in bytes.windows(2) {
            let bit = Self::bit(pair[0], pair[1]);
            set.0[bit / 64] |= 1 << (bit % 64);
        }
        set
    }

    /// The bit for a pair: a multiplicative hash of the two bytes, top 10 bits.
    fn bit(a: u8, b: u8) -> usize {
        ((u32::from(a) << 8 | u32::from(b)).wrapping_mul(0x9E37_79B1) >> 22) as usize
    }

    /// Whether a pair with this bit (from [`Self::bit`], or precomputed by a generator) occurs.
    fn has_bit(&self, bit: u16) -> bool {
        let bit = usize::from(bit) & 1023;
        self.0[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// False only if `needle` cannot occur in a string whose pairs are all in this set.
    fn may_contain(&self, needle: &str) -> bool {
        needle.as_bytes().windows(2).all(|pair| {
            let bit = Self::bit(pair[0], pair[1]);
            self.0[bit / 64] & (1 << (bit % 64)) != 0
        })
    }
}

/// `hay.contains(needle)`, skipping the search when `pairs` (the pairs of a string containing
/// `hay`, if given) shows the needle cannot occur.
fn contains(hay: &str, needle: &str, pairs: Option<&PairSet>) -> bool {
    pairs.is_none_or(|set| set.may_contain(needle)) && hay.contains(needle)
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

fn platform(lower: &str, pairs: Option<&PairSet>) -> Platform {
    PLATFORM_RULES
        .iter()
        .find(|rule| matches_in(rule.needle, lower, None, pairs))
        .map_or(Platform::Other, |rule| rule.platform)
}

fn in_app(lower: &str, pairs: Option<&PairSet>) -> Option<InApp> {
    IN_APP_RULES
        .iter()
        .find(|rule| matches_in(rule.needle, lower, None, pairs))
        .map(|rule| rule.app)
}

fn vendor(lower: &str, model: Option<Span>, pairs: Option<&PairSet>) -> Option<Vendor> {
    let found = device_vendor(lower, model, pairs);
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

fn device_vendor(lower: &str, model: Option<Span>, pairs: Option<&PairSet>) -> Option<Vendor> {
    if let Some(span) = model {
        if let Some(found) = slot_vendor(&lower[span.start..span.end], pairs) {
            return Some(found);
        }
    }
    VENDOR_RULES
        .iter()
        .filter(|rule| rule.evidence == Evidence::Device || model.is_none())
        .find(|rule| matches_in(rule.needle, lower, None, pairs))
        .map(|rule| rule.vendor)
}

/// The vendor a lowercased model names: the generated device table first, then the hand
/// rules for codes it has no answer for.
fn slot_vendor(slot: &str, pairs: Option<&PairSet>) -> Option<Vendor> {
    match device_table(slot) {
        Some(known) => known,
        None => MODEL_RULES
            .iter()
            .find(|rule| matches_in(rule.needle, slot, None, pairs))
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
    pairs: Option<&PairSet>,
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
    BOT_RULES
        .iter()
        .find(|rule| matches_in(rule.needle, lower, model, pairs))
        .map(|rule| rule.reason)
        .or_else(|| {
            generated_bot_needles()
                .zip(GENERATED_BOT_FILTER)
                .filter(|(_, bits)| pairs.is_none_or(|set| bits.iter().all(|b| set.has_bit(*b))))
                .any(|(needle, _)| matches_in(needle, lower, model, pairs))
                .then_some(BotReason::Crawler)
        })
}

/// A byte range in the user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn overlaps(self, start: usize, end: usize) -> bool {
        start < self.end && self.start < end
    }
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

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// [`matches_in`] without a prefilter: the plain path.
#[cfg(test)]
fn matches(needle: Needle, hay: &str, skip: Option<Span>) -> bool {
    matches_in(needle, hay, skip, None)
}

/// Whether `needle` matches `hay`. Hits that overlap `skip` (the device-model slot, for bot
/// rules) do not count. If `pairs` (the [`PairSet`] of a string containing `hay`) is given,
/// the search for a literal needle is skipped when the set shows it cannot occur.
fn matches_in(needle: Needle, hay: &str, skip: Option<Span>, pairs: Option<&PairSet>) -> bool {
    let bytes = hay.as_bytes();
    let found = |pat: &str, accept: &dyn Fn(usize, usize) -> bool| {
        if pairs.is_some_and(|set| !set.may_contain(pat)) {
            return false;
        }
        hay.match_indices(pat).any(|(start, _)| {
            let end = start + pat.len();
            !skip.is_some_and(|span| span.overlaps(start, end)) && accept(start, end)
        })
    };
    match needle {
        Needle::Contains(pat) => found(pat, &|_, _| true),
        Needle::Prefix(pat) => hay.starts_with(pat),
        Needle::WordStart(pat) => found(pat, &|start, _| {
            start == 0 || !is_word_byte(bytes[start - 1])
        }),
        Needle::Word(pat) => found(pat, &|start, end| {
            (start == 0 || !is_word_byte(bytes[start - 1]))
                && (end == bytes.len() || !is_word_byte(bytes[end]))
        }),
        Needle::WordEnd(pat) => found(pat, &|start, end| {
            if end < bytes.len() && bytes[end].is_ascii_alphabetic() {
                return false;
            }
            let mut word_start = start;
            while word_start > 0 && bytes[word_start - 1].is_ascii_alphabetic() {
                word_start -= 1;
            }
            !NOT_BOT_WORDS.contains(&&hay[word_start..end])
        }),
        Needle::Shape(pat) => shape_matches(pat.as_bytes(), bytes),
        Needle::Heuristic(h) => heuristic(h, hay, pairs),
    }
}

/// Whether the whole of `hay` fits `pat`: `@` a letter, `#` a digit, `%` either, `+` a digit but
/// `0`, `~` a
/// `0` or `1`, a final `*` any tail, anything else itself.
fn shape_matches(pat: &[u8], hay: &[u8]) -> bool {
    match (pat.split_first(), hay.split_first()) {
        (Some((b'*', _)), _) => true,
        (None, None) => true,
        (Some((&p, pat_rest)), Some((&h, hay_rest))) => {
            let ok = match p {
                b'@' => h.is_ascii_alphabetic(),
                b'#' => h.is_ascii_digit(),
                b'%' => h.is_ascii_alphanumeric(),
                b'+' => matches!(h, b'1'..=b'9'),
                b'~' => h == b'0' || h == b'1',
                _ => p == h,
            };
            ok && shape_matches(pat_rest, hay_rest)
        }
        _ => false,
    }
}

fn heuristic(h: Heuristic, lower: &str, pairs: Option<&PairSet>) -> bool {
    match h {
        Heuristic::NotABrowser => !BROWSER_TOKENS
            .iter()
            .any(|token| contains(lower, token, pairs)),
        Heuristic::CompatibleNonBrowser => {
            contains(lower, "compatible;", pairs)
                && !COMPATIBLE_BROWSERS
                    .iter()
                    .any(|token| contains(lower, token, pairs))
        }
        Heuristic::ContactAddress => has_contact_address(lower),
        Heuristic::HostName => has_host_name(lower, pairs),
        Heuristic::MozillaOnly => {
            lower.starts_with("mozilla/")
                && !BROWSER_TOKENS
                    .iter()
                    .chain(COMPATIBLE_BROWSERS)
                    .filter(|token| **token != "mozilla/")
                    .any(|token| contains(lower, token, pairs))
                && !PLATFORM_RULES
                    .iter()
                    .any(|rule| matches_in(rule.needle, lower, None, pairs))
        }
    }
}

/// A word of two or more letters or digits, then one of [`HOST_TLDS`], then `/`, a space,
/// `)`, `;` or the end.
fn has_host_name(lower: &str, pairs: Option<&PairSet>) -> bool {
    let bytes = lower.as_bytes();
    HOST_TLDS.iter().any(|tld| {
        contains(lower, tld, pairs)
            && lower.match_indices(tld).any(|(at, _)| {
                let end = at + tld.len();
                let name = bytes[..at]
                    .iter()
                    .rev()
                    .take_while(|b| is_word_byte(**b) || **b == b'-')
                    .count();
                name >= 2
                    && bytes
                        .get(end)
                        .is_none_or(|b| matches!(b, b'/' | b' ' | b')' | b';'))
            })
    })
}

/// `local@host.tld`: a word character before the `@`, then a host with a dot and a
/// letters-only top-level label of two or more.
fn has_contact_address(lower: &str) -> bool {
    let bytes = lower.as_bytes();
    lower.match_indices('@').any(|(at, _)| {
        if at == 0 || !is_word_byte(bytes[at - 1]) {
            return false;
        }
        let host_len = bytes[at + 1..]
            .iter()
            .take_while(|b| is_word_byte(**b) || matches!(b, b'.' | b'-'))
            .count();
        let host = &lower[at + 1..at + 1 + host_len];
        match host.trim_end_matches('.').rsplit_once('.') {
            Some((name, tld)) => {
                !name.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
            }
            None => false,
        }
    })
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
