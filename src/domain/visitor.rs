//! Who is clicking: platform, Android vendor, in-app browser, and whether it is a bot.
//!
//! `classify` is a pure function of the request facts. The rules it applies live as data in
//! [`super::ua_rules`]; this module only walks them.

use serde::{Deserialize, Serialize};

use super::ua_rules::{
    Evidence, Heuristic, Needle, BOT_RULES, BROWSER_TOKENS, COMPATIBLE_BROWSERS, IN_APP_RULES,
    MODEL_RULES, NOT_BOT_WORDS, PLATFORM_RULES, PREFETCH_PURPOSES, VENDOR_RULES,
};

/// Longest user agent looked at; longer ones are cut (and that alone is no reason to flag).
pub const MAX_UA_LEN: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Get,
    Head,
}

/// What the edge knows about a request, already read out of the headers by the glue.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestFacts<'a> {
    pub method: Option<Method>,
    pub user_agent: Option<&'a str>,
    /// `Purpose`, `Sec-Purpose`, `X-Purpose` or `X-Moz` header, whichever is present.
    pub purpose: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Ios,
    Ipados,
    Android,
    Windows,
    Macos,
    Linux,
    Other,
}

/// Android device makers with their own app stores (or none, for `Samsung` it is Galaxy Store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Huawei,
    Honor,
    Xiaomi,
    Oppo,
    Vivo,
    Samsung,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InApp {
    Wechat,
    Qq,
    Weibo,
    Alipay,
    Dingtalk,
    Douyin,
    Tiktok,
    Facebook,
    Instagram,
    Messenger,
    Line,
    X,
    Snapchat,
    Linkedin,
    Telegram,
}

/// Why a visitor was flagged as not a person tapping the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BotReason {
    Head,
    Prefetch,
    NoUserAgent,
    LinkPreview,
    EmailScanner,
    HttpLibrary,
    Headless,
    Crawler,
    /// Clicked implausibly soon after the message was sent (decided by the consumer, which
    /// knows the ledger's send time).
    TooSoonAfterSend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    pub platform: Platform,
    pub vendor: Option<Vendor>,
    pub in_app: Option<InApp>,
    pub bot: Option<BotReason>,
}

impl Method {
    pub const ALL: &'static [Method] = &[Method::Get, Method::Head];

    /// The same lowercase name serde uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Head => "head",
        }
    }
}

impl Platform {
    /// Phones and tablets: the systems with an app store to send people to.
    pub const fn is_mobile(self) -> bool {
        matches!(self, Platform::Ios | Platform::Ipados | Platform::Android)
    }

    pub const ALL: &'static [Platform] = &[
        Platform::Ios,
        Platform::Ipados,
        Platform::Android,
        Platform::Windows,
        Platform::Macos,
        Platform::Linux,
        Platform::Other,
    ];

    /// The same lowercase name serde uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Ios => "ios",
            Platform::Ipados => "ipados",
            Platform::Android => "android",
            Platform::Windows => "windows",
            Platform::Macos => "macos",
            Platform::Linux => "linux",
            Platform::Other => "other",
        }
    }
}

impl Vendor {
    pub const ALL: &'static [Vendor] = &[
        Vendor::Huawei,
        Vendor::Honor,
        Vendor::Xiaomi,
        Vendor::Oppo,
        Vendor::Vivo,
        Vendor::Samsung,
    ];

    /// The same lowercase name serde uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Vendor::Huawei => "huawei",
            Vendor::Honor => "honor",
            Vendor::Xiaomi => "xiaomi",
            Vendor::Oppo => "oppo",
            Vendor::Vivo => "vivo",
            Vendor::Samsung => "samsung",
        }
    }
}

impl InApp {
    pub const ALL: &'static [InApp] = &[
        InApp::Wechat,
        InApp::Qq,
        InApp::Weibo,
        InApp::Alipay,
        InApp::Dingtalk,
        InApp::Douyin,
        InApp::Tiktok,
        InApp::Facebook,
        InApp::Instagram,
        InApp::Messenger,
        InApp::Line,
        InApp::X,
        InApp::Snapchat,
        InApp::Linkedin,
        InApp::Telegram,
    ];

    /// The same lowercase name serde uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            InApp::Wechat => "wechat",
            InApp::Qq => "qq",
            InApp::Weibo => "weibo",
            InApp::Alipay => "alipay",
            InApp::Dingtalk => "dingtalk",
            InApp::Douyin => "douyin",
            InApp::Tiktok => "tiktok",
            InApp::Facebook => "facebook",
            InApp::Instagram => "instagram",
            InApp::Messenger => "messenger",
            InApp::Line => "line",
            InApp::X => "x",
            InApp::Snapchat => "snapchat",
            InApp::Linkedin => "linkedin",
            InApp::Telegram => "telegram",
        }
    }

    /// Whether this app's browser refuses to leave for the App Store, Google Play or a custom
    /// URL scheme, so the visitor has to be told to "open in browser" instead.
    ///
    /// The Chinese super-apps (WeChat, QQ, Weibo, Alipay, DingTalk, Douyin) block store and
    /// scheme redirects unless the target is on their allow-list. The others (Facebook,
    /// Instagram, Messenger, LINE, X, Snapchat, LinkedIn, Telegram, TikTok) hand `https` store
    /// links (`apps.apple.com`, `play.google.com`) to the operating system, which opens the
    /// store, so an ordinary redirect works there.
    pub const fn blocks_store_redirects(self) -> bool {
        matches!(
            self,
            InApp::Wechat
                | InApp::Qq
                | InApp::Weibo
                | InApp::Alipay
                | InApp::Dingtalk
                | InApp::Douyin
        )
    }
}

impl BotReason {
    pub const ALL: &'static [BotReason] = &[
        BotReason::Head,
        BotReason::Prefetch,
        BotReason::NoUserAgent,
        BotReason::LinkPreview,
        BotReason::EmailScanner,
        BotReason::HttpLibrary,
        BotReason::Headless,
        BotReason::Crawler,
        BotReason::TooSoonAfterSend,
    ];

    /// The same kebab-case name serde uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            BotReason::Head => "head",
            BotReason::Prefetch => "prefetch",
            BotReason::NoUserAgent => "no-user-agent",
            BotReason::LinkPreview => "link-preview",
            BotReason::EmailScanner => "email-scanner",
            BotReason::HttpLibrary => "http-library",
            BotReason::Headless => "headless",
            BotReason::Crawler => "crawler",
            BotReason::TooSoonAfterSend => "too-soon-after-send",
        }
    }
}

impl Visitor {
    /// Whether any bot reason was found.
    pub const fn is_bot(&self) -> bool {
        self.bot.is_some()
    }
}

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
    if let Some(span) = model {
        let slot = &lower[span.start..span.end];
        if let Some(rule) = MODEL_RULES
            .iter()
            .find(|rule| matches_in(rule.needle, slot, None, pairs))
        {
            return Some(rule.vendor);
        }
    }
    VENDOR_RULES
        .iter()
        .filter(|rule| rule.evidence == Evidence::Device || model.is_none())
        .find(|rule| matches_in(rule.needle, lower, None, pairs))
        .map(|rule| rule.vendor)
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
/// Chrome's reduced placeholder "K" counts as no model.
fn model_slot(lower: &str) -> Option<Span> {
    let open = lower.find('(')? + 1;
    let close = lower[open..].find(')').map_or(lower.len(), |i| open + i);
    let comment = &lower[open..close];
    let mut seen_android = false;
    let mut offset = open;
    for segment in comment.split(';') {
        let start = offset + (segment.len() - segment.trim_start().len());
        offset += segment.len() + 1;
        let trimmed = segment.trim();
        if !seen_android {
            seen_android = trimmed.starts_with("android");
            continue;
        }
        if trimmed.is_empty() || is_flag_segment(trimmed) || is_locale(trimmed) {
            continue;
        }
        let model = trimmed
            .find(" build/")
            .map_or(trimmed, |i| &trimmed[..i])
            .trim_end();
        if model == "k" || model.is_empty() {
            return None;
        }
        return Some(Span {
            start,
            end: start + model.len(),
        });
    }
    None
}

fn is_flag_segment(segment: &str) -> bool {
    matches!(segment, "u" | "wv" | "mobile" | "tablet" | "harmonyos") || segment.starts_with("rv:")
}

/// "zh-cn", "en_us", "zh-hans-cn": letters in two or three dash- or underscore-separated parts.
fn is_locale(segment: &str) -> bool {
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

/// Whether the whole of `hay` fits `pat`: `@` a letter, `#` a digit, `+` a digit but `0`, `~` a
/// `0` or `1`, a final `*` any tail, anything else itself.
fn shape_matches(pat: &[u8], hay: &[u8]) -> bool {
    match (pat.split_first(), hay.split_first()) {
        (Some((b'*', _)), _) => true,
        (None, None) => true,
        (Some((&p, pat_rest)), Some((&h, hay_rest))) => {
            let ok = match p {
                b'@' => h.is_ascii_alphabetic(),
                b'#' => h.is_ascii_digit(),
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
    }
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
mod tests {
    use super::*;

    fn ua(user_agent: &str) -> Visitor {
        classify(&RequestFacts {
            method: Some(Method::Get),
            user_agent: Some(user_agent),
            purpose: None,
        })
    }

    fn bot(user_agent: &str) -> Option<BotReason> {
        ua(user_agent).bot
    }

    const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1";

    #[test]
    fn names_match_serde() {
        fn check<T: Serialize + Copy>(all: &[T], name: fn(T) -> &'static str) {
            for v in all {
                let json = serde_json::to_string(v).unwrap();
                assert_eq!(json, format!("\"{}\"", name(*v)));
            }
        }
        check(Method::ALL, Method::as_str);
        check(Platform::ALL, Platform::as_str);
        check(Vendor::ALL, Vendor::as_str);
        check(InApp::ALL, InApp::as_str);
        check(BotReason::ALL, BotReason::as_str);
    }

    #[test]
    fn store_redirects_are_blocked_only_by_the_chinese_super_apps() {
        let blocking: Vec<_> = InApp::ALL
            .iter()
            .copied()
            .filter(|app| app.blocks_store_redirects())
            .collect();
        assert_eq!(
            blocking,
            [
                InApp::Wechat,
                InApp::Qq,
                InApp::Weibo,
                InApp::Alipay,
                InApp::Dingtalk,
                InApp::Douyin
            ]
        );
    }

    #[test]
    fn request_level_reasons_come_first_in_order() {
        let head = RequestFacts {
            method: Some(Method::Head),
            user_agent: Some(IPHONE_SAFARI),
            purpose: Some("prefetch"),
        };
        assert_eq!(classify(&head).bot, Some(BotReason::Head));
        let prefetch = RequestFacts {
            method: Some(Method::Get),
            user_agent: None,
            purpose: Some("prefetch"),
        };
        assert_eq!(classify(&prefetch).bot, Some(BotReason::Prefetch));
        for purpose in [
            "prefetch",
            "Prefetch",
            "prefetch;prerender",
            "preview",
            "X-Preview",
        ] {
            let facts = RequestFacts {
                method: Some(Method::Get),
                user_agent: Some(IPHONE_SAFARI),
                purpose: Some(purpose),
            };
            assert_eq!(classify(&facts).bot, Some(BotReason::Prefetch), "{purpose}");
        }
        let facts = RequestFacts {
            method: Some(Method::Get),
            user_agent: Some(IPHONE_SAFARI),
            purpose: Some("navigate"),
        };
        assert_eq!(classify(&facts).bot, None);
    }

    #[test]
    fn missing_or_blank_user_agent() {
        let none = classify(&RequestFacts::default());
        assert_eq!(none.bot, Some(BotReason::NoUserAgent));
        assert_eq!(none.platform, Platform::Other);
        for blank in ["", " ", "\t \t"] {
            assert_eq!(bot(blank), Some(BotReason::NoUserAgent), "{blank:?}");
        }
    }

    #[test]
    fn caps_on_a_char_boundary() {
        let long = format!("{}{}", "a".repeat(MAX_UA_LEN - 1), "é tail");
        let capped = cap(&long);
        assert_eq!(capped.len(), MAX_UA_LEN - 1);
        assert!(long.starts_with(capped));
        assert_eq!(cap("short"), "short");
        // A bot marker past the cap is not seen; a long browser string is not itself a reason.
        let padded = format!("{IPHONE_SAFARI} {}", "x".repeat(MAX_UA_LEN));
        assert_eq!(bot(&padded), None);
        let hidden = format!("{IPHONE_SAFARI} {} Googlebot/2.1", "x".repeat(MAX_UA_LEN));
        assert_eq!(bot(&hidden), None);
    }

    #[test]
    fn link_previews() {
        for s in [
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "WhatsApp/2.23.20.0 A",
            "TelegramBot (like TwitterBot)",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Slack-ImgProxy (+https://api.slack.com/robots)",
            "Twitterbot/1.0",
            "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
            "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)",
            "Viber",
            "Mozilla/5.0 (compatible; SnapURLPreview/1.0; +https://www.snapchat.com)",
            "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)",
            "http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.social/)",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        ] {
            assert_eq!(bot(s), Some(BotReason::LinkPreview), "{s}");
        }
    }

    #[test]
    fn email_scanners() {
        for s in [
            "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/534+ (KHTML, like Gecko) BingPreview/1.0b",
            "Google-Safety",
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
            "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
            "AppEngine-Google; (+http://code.google.com/appengine; appid: s~virustotalcloud)",
        ] {
            assert_eq!(bot(s), Some(BotReason::EmailScanner), "{s}");
        }
    }

    #[test]
    fn http_libraries() {
        for s in [
            "curl/8.4.0",
            "Wget/1.21.4",
            "python-requests/2.31.0",
            "Python-urllib/3.11",
            "Python/3.11 aiohttp/3.9.1",
            "python-httpx/0.27.0",
            "Go-http-client/2.0",
            "Java/17.0.9",
            "Apache-HttpClient/4.5.14 (Java/17.0.9)",
            "okhttp/4.12.0",
            "node-fetch",
            "undici",
            "node",
            "axios/1.6.7",
            "libwww-perl/6.72",
            "PostmanRuntime/7.37.3",
            "Ruby",
            "Faraday v2.9.0",
            "HTTPie/3.2.2",
            "Dart/3.3 (dart:io)",
            "Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)",
        ] {
            assert_eq!(bot(s), Some(BotReason::HttpLibrary), "{s}");
        }
    }

    #[test]
    fn headless_browsers() {
        for s in [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36",
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1",
            "Mozilla/5.0 (Linux; Android 7.0; Moto G (4)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/98.0.4695.0 Mobile Safari/537.36 Chrome-Lighthouse",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Playwright/1.40.0",
        ] {
            assert_eq!(bot(s), Some(BotReason::Headless), "{s}");
        }
        // Electron apps are desktop software a person uses, not headless browsers.
        let electron = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.291 Electron/28.2.3 Safari/537.36";
        assert_eq!(bot(electron), None);
    }

    #[test]
    fn crawlers() {
        for s in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
            "Mozilla/5.0 (Linux; Android 7.0;) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
            "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
            "Zabbix",
            "larbin_2.6.2 (larbin@correa.org)",
            "Mozilla/5.0 (compatible; SimpleScraper)",
            "PostRank/2.0 (postrank.com)",
        ] {
            assert_eq!(bot(s), Some(BotReason::Crawler), "{s}");
        }
    }

    #[test]
    fn real_phones_and_in_app_browsers_are_not_bots() {
        for s in [
            IPHONE_SAFARI,
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/459.0.0.47.109;FBBV/591417223;FBDV/iPhone14,7;FBMD/iPhone;FBSN/iOS;FBSV/17.4.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/593233468]",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 300.0.0.29.110 (iPhone14,5; iOS 17_0; en_US; en; scale=3.00; 1170x2532; 511591442)",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_33.4.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US RevealType/Dialog isDarkMode/0 WKWebView/1 BytedanceWebview/d8a21c6 FalconTag/",
            "Mozilla/5.0 (Linux; Android 11; CUBOT_P50) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/103.0.5060.71 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.45 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 7.0; M bot 60 Build/NRD90M) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/58.0.3029.83 Mobile Safari/537.36",
            "Mozilla/5.0 (Linux; Android 13; Spider 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            "Xiaomi_M2001J2E_TD-LTE/V1 Linux/4.19.72 Android/10 Release/15.11.2019 Browser/AppleWebKit537.36 Mobile Safari/537.36 System/Android 10 XiaoMi/MiuiBrowser/11.0.13",
            "Nokia210/2.0 (04.12) Profile/MIDP-2.1 Configuration/CLDC-1.1 UCWEB/2.0 (Java; U; MIDP-2.0; en-US; Nokia210) U2/1.0.0 UCBrowser/9.3.0.326 U2/1.0.0 Mobile UNTRUSTED/1.0",
            "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)",
        ] {
            assert_eq!(bot(s), None, "{s}");
        }
    }

    #[test]
    fn bot_word_needs_a_word_end() {
        let end = Needle::WordEnd("bot");
        for hit in [
            "googlebot/2.1",
            "robot)",
            "trendictionbot0.5",
            "bot",
            "x bot;",
        ] {
            assert!(matches(end, hit, None), "{hit}");
        }
        for miss in [
            "bottle",
            "botanic garden",
            "cubot_p50",
            "cubot x30",
            "(cubot)",
        ] {
            assert!(!matches(end, miss, None), "{miss}");
        }
        // Hits inside the skipped span (the device-model slot) do not count.
        assert!(!matches(end, "m bot 60", Some(Span { start: 0, end: 8 })));
    }

    #[test]
    fn word_needles() {
        assert!(matches(Needle::WordStart("redmi"), "a redmi note", None));
        assert!(!matches(Needle::WordStart("redmi"), "xredmi", None));
        assert!(matches(
            Needle::Word("huawei"),
            "(huawei-els-an00__weibo",
            None
        ));
        assert!(!matches(Needle::Word("huawei"), "huaweibrowser/14.0", None));
        assert!(matches(Needle::Prefix("viber"), "viber", None));
        assert!(!matches(Needle::Prefix("viber"), "mozilla viber", None));
    }

    #[test]
    fn shapes() {
        let yes = [
            ("@@@-an##*", "els-an00"),
            ("@@@-lx#*", "mar-lx1a"),
            ("2+~####@@", "2107113sg"),
            ("m##~#@##@*", "m2012k11ac"),
            ("v2###@", "v2059a"),
            ("cph####*", "cph2581"),
        ];
        for (pat, s) in yes {
            assert!(shape_matches(pat.as_bytes(), s.as_bytes()), "{pat} {s}");
        }
        let no = [
            ("@@@-an##*", "els-an0"),
            ("2+~#####@", "20190416q"),
            ("v2###@", "v2059"),
            ("cph####*", "xcph2581"),
        ];
        for (pat, s) in no {
            assert!(!shape_matches(pat.as_bytes(), s.as_bytes()), "{pat} {s}");
        }
    }

    #[test]
    fn model_slot_skips_locales_and_flags() {
        let slot = |s: &str| {
            let lower = s.to_ascii_lowercase();
            model_slot(&lower).map(|span| lower[span.start..span.end].to_owned())
        };
        assert_eq!(
            slot("Mozilla/5.0 (Linux; Android 13; SM-S911B Build/TP1A; wv) x").as_deref(),
            Some("sm-s911b")
        );
        assert_eq!(
            slot("Mozilla/5.0 (Linux; U; Android 11; zh-CN; M2012K11AC Build/RKQ1) x").as_deref(),
            Some("m2012k11ac")
        );
        assert_eq!(
            slot("Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.13) x").as_deref(),
            Some("noh-an00")
        );
        assert_eq!(slot("Mozilla/5.0 (Linux; Android 10; K) x"), None);
        assert_eq!(
            slot("Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0"),
            None
        );
        assert_eq!(slot(IPHONE_SAFARI), None);
    }

    #[test]
    fn platforms() {
        assert_eq!(ua(IPHONE_SAFARI).platform, Platform::Ios);
        assert_eq!(
            ua("Mozilla/5.0 (iPad; CPU OS 16_7_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1").platform,
            Platform::Ipados
        );
        // iPadOS 13+ Safari asks for the desktop site.
        assert_eq!(
            ua("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15").platform,
            Platform::Macos
        );
        assert_eq!(
            ua("Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.14977").platform,
            Platform::Other
        );
        let harmony = ua("Mozilla/5.0 (Phone; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile HuaweiBrowser/5.0.5.300");
        assert_eq!(
            (harmony.platform, harmony.vendor),
            (Platform::Android, Some(Vendor::Huawei))
        );
        assert_eq!(ua("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36").platform, Platform::Linux);
    }

    #[test]
    fn vendors() {
        let cases = [
            ("Mozilla/5.0 (Linux; Android 10; ELS-AN00 Build/HUAWEIELS-AN00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/88.0.4324.93 Mobile Safari/537.36", Some(Vendor::Huawei)),
            ("Mozilla/5.0 (Linux; Android 12; NTH-NX9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Mobile Safari/537.36", Some(Vendor::Honor)),
            ("Mozilla/5.0 (Linux; Android 13; 23049RAD8C Build/TKQ1.221114.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0.5414.86 Mobile Safari/537.36", Some(Vendor::Xiaomi)),
            ("Mozilla/5.0 (Linux; Android 11; PCLM10 Build/RKQ1.201217.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/90.0.4430.210 Mobile Safari/537.36", Some(Vendor::Oppo)),
            ("Mozilla/5.0 (Linux; Android 13; RMX3686) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Mobile Safari/537.36", Some(Vendor::Oppo)),
            ("Mozilla/5.0 (Linux; Android 12; V2059A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/87.0.4280.141 Mobile Safari/537.36", Some(Vendor::Vivo)),
            ("Mozilla/5.0 (Linux; Android 11; SM-A515F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0.4664.104 Mobile Safari/537.36", Some(Vendor::Samsung)),
            // A vendor's browser names the vendor only when no model is visible.
            ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", Some(Vendor::Samsung)),
            ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", None),
            ("Mozilla/5.0 (Linux; Android 9; Redmi Note 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.106 HuaweiBrowser/11.1.0.300 Mobile Safari/537.36", Some(Vendor::Xiaomi)),
            ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36", None),
            // Not Android: no vendor even when a vendor's browser is named.
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0 Chrome/136.0.0.0 Safari/537.36", None),
        ];
        for (s, want) in cases {
            assert_eq!(ua(s).vendor, want, "{s}");
        }
    }

    #[test]
    fn in_app_browsers() {
        let cases = [
            ("Mozilla/5.0 (Linux; Android 12; M2102K1C Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/89.0.4389.72 MQQBrowser/6.2 TBS/046291 Mobile Safari/537.36 V1_AND_SQ_8.9.28_3700_YYB_D A_8092800 QQ/8.9.28.10155 NetType/WIFI", Some(InApp::Qq)),
            ("Mozilla/5.0 (Linux; U; Android 12; zh-cn; PFFM10 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/89.0.4389.72 MQQBrowser/13.6 Mobile Safari/537.36 COVC/046511", None),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh ColorScheme/Light", Some(InApp::Wechat)),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.0.40) com.laiwang.DingTalk/29886834 Channel/201200 language/zh-Hans-CN UT4Aplus/0.0.6 WK", Some(InApp::Dingtalk)),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 aweme_28.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/zh Region/CN BytedanceWebview/d8a21c6", Some(InApp::Douyin)),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 16_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/MessengerForiOS;FBAV/436.0.0.35.112;FBBV/534476385]", Some(InApp::Messenger)),
            ("Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.210 Mobile Safari/537.36 [FB_IAB/Orca-Android;FBAV/442.0.0.13.106;]", Some(InApp::Messenger)),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.1.0", Some(InApp::Line)),
            ("Mozilla/5.0 (compatible; SnapURLPreview/1.0; +https://www.snapchat.com)", None),
        ];
        for (s, want) in cases {
            assert_eq!(ua(s).in_app, want, "{s}");
        }
    }

    /// The [`PairSet`] prefilter only skips searches that cannot succeed: with and without it,
    /// every user agent in the fixture file (and in `WAKELINK_UA_CORPUS`, if set) gets the same
    /// result, and so do their uppercased and truncated forms.
    #[test]
    fn prefilter_never_changes_a_result() {
        let mut files = vec![concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/user_agents.tsv"
        )
        .to_owned()];
        files.extend(std::env::var("WAKELINK_UA_CORPUS").ok());
        let mut checked = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                let ua = line.rsplit('\t').next().unwrap_or("");
                let upper = ua.to_ascii_uppercase();
                let cut = &ua[..ua.floor_char_boundary(ua.len() / 2)];
                for s in [ua, upper.as_str(), cut] {
                    for method in [Method::Get, Method::Head] {
                        let facts = RequestFacts {
                            method: Some(method),
                            user_agent: Some(s),
                            purpose: None,
                        };
                        assert_eq!(
                            classify_with(&facts, true),
                            classify_with(&facts, false),
                            "{s}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_and_caps(s in "\\PC{0,700}") {
                let facts = RequestFacts {
                    method: Some(Method::Get),
                    user_agent: Some(&s),
                    purpose: Some(&s),
                };
                prop_assert_eq!(classify_with(&facts, true), classify_with(&facts, false));
                let capped = cap(&s);
                prop_assert!(capped.len() <= MAX_UA_LEN);
                prop_assert!(s.starts_with(capped));
            }

            #[test]
            fn browser_strings_with_noise_stay_human(version in 80u32..200, build in "[0-9]{1,4}") {
                let s = format!("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{version}.0.{build}.0 Mobile Safari/537.36");
                let facts = RequestFacts {
                    method: Some(Method::Get),
                    user_agent: Some(&s),
                    purpose: None,
                };
                prop_assert_eq!(classify(&facts).bot, None);
            }
        }
    }
}
