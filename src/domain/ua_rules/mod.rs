//! The user-agent rules, as data.
//!
//! [`super::visitor::classify`] lowercases the user agent once (ASCII only, so byte offsets do
//! not move) and walks these tables in order; the first rule that matches decides. Every needle
//! is written in lowercase ASCII (a unit test checks it). Nothing here allocates or uses regular
//! expressions: a rule is a substring test with an optional word-boundary condition.
//!
//! `docs/bot-rules.md` explains each family, the order, and what is deliberately not flagged.
//! To add a rule: add a row to the right table (keeping the family order of [`BOT_RULES`]),
//! add a row for a real user agent that needs it to `tests/fixtures/user_agents.tsv`, and run
//! `cargo test --test ua_corpus`.

use super::agent::{BotReason, InApp, Platform, Vendor};

/// How a needle is looked for in the lowercased user agent (or, for [`MODEL_RULES`], in the
/// lowercased device-model slot).
///
/// A "word" character is an ASCII letter or digit; anything else is a boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needle {
    /// Anywhere.
    Contains(&'static str),
    /// At the very start.
    Prefix(&'static str),
    /// Anywhere that is not preceded by a word character (`redmi` in "Redmi Note 9", not in
    /// "xredmi").
    WordStart(&'static str),
    /// Anywhere that is not followed by an ASCII letter: `bot` in "Googlebot/2.1", "robot)",
    /// "trendictionbot0.5", not in "bottle" or "botanic". Hits inside an Android device-model
    /// slot and words listed in [`NOT_BOT_WORDS`] do not count.
    WordEnd(&'static str),
    /// Bounded by non-word characters on both sides.
    Word(&'static str),
    /// Not preceded by a word character and followed by an ASCII digit: a product and its
    /// version ("Java/17.0.9", "Java/1.8.0_151"), not the same name before another word
    /// ("Java/Jbed/7.0", a feature phone's Java runtime).
    Versioned(&'static str),
    /// The whole string has this shape: `@` is an ASCII letter, `#` an ASCII digit, `%` either, `+` a digit
    /// other than `0`, `~` a `0` or `1`, a final `*` accepts any tail, any other byte stands
    /// for itself. Used for device model codes.
    Shape(&'static str),
    /// A structural test that is not a single substring.
    Heuristic(Heuristic),
}

impl Needle {
    /// The literal text of a needle, or "" for a heuristic.
    pub const fn text(self) -> &'static str {
        match self {
            Needle::Contains(s)
            | Needle::Prefix(s)
            | Needle::WordStart(s)
            | Needle::WordEnd(s)
            | Needle::Word(s)
            | Needle::Versioned(s)
            | Needle::Shape(s) => s,
            Needle::Heuristic(_) => "",
        }
    }
}

/// Structural tests used by the crawler family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heuristic {
    /// Not a browser product: none of [`BROWSER_TOKENS`] (which include `Mozilla/`) anywhere.
    /// Catches "WhatsApp/2.19.175 A", "Zabbix", "PostRank/2.0 (postrank.com)". Feature phones
    /// ("Nokia210/2.0 (04.12) Profile/MIDP-2.1 …", "HUAWEI-M636/001.00 WAP/OBIGO/Q05A") and the
    /// Chinese carrier format ("Xiaomi_M2001J2E_TD-LTE/V1 Linux/4.19 Android/10 … Browser/
    /// AppleWebKit537.36 … XiaoMi/MiuiBrowser/11.0.13") get through on their tokens. So do
    /// strings whose parenthesised comment describes the screen or machine they run on, as
    /// text-mode, handheld and desktop-application browsers write it and tools rarely do: a
    /// screen size ("Palmscape/3.0J [ja] (v. 3.5.2H1.5; 153x130; c8)"), or a platform of
    /// [`PLATFORM_RULES`] with a word of [`CPU_WORDS`] in one group ("Links (2.1pre23; Linux
    /// 3.5.0 i686; 237x63)", "GOGGalaxyClient/2.0.20.39 (GOG Galaxy) … (win10 x64)").
    NotABrowser,
    /// `compatible;` without a token from [`COMPATIBLE_BROWSERS`]: the classic
    /// "Mozilla/5.0 (compatible; SomeBot/1.0; +http://…)" form. The browsers that still send
    /// `compatible;` are Internet Explorer, Konqueror and a few feature-phone browsers.
    CompatibleNonBrowser,
    /// "Mozilla/…" and nothing else a browser sends: no platform word (not even Windows Phone
    /// or KaiOS), no other token of
    /// [`BROWSER_TOKENS`] (engine, feature-phone profile) and no [`COMPATIBLE_BROWSERS`] token. Catches
    /// "Mozilla/5.0 Keydrop", "Mozilla/5.0 (compatible)", "Mozilla/5.0 (Morningscore/1.0)".
    /// A parenthesised group naming a system of [`SYSTEM_WORDS`] is a device description, as
    /// old browsers on those systems wrote it: "Mozilla/4.08 (Charon; Inferno)" is not flagged.
    MozillaOnly,
    /// A host name as a product token: a word, a dot and a common top-level domain, then `/`,
    /// a space, `)` or the end ("Criticalcss.com/2.0.0", "PrintFriendly.com",
    /// "Miniature.io/6.0"). Browsers name products, never sites.
    HostName,
    /// A contact e-mail address (`name@host.tld`), which only automated clients put in a user
    /// agent ("Embedly +support@embed.ly", "larbin_2.6.2 (larbin@correa.org)").
    ContactAddress,
}

/// Tokens that show a user agent comes from a browser on a device (including old and
/// feature-phone browsers and in-app browsers)
/// (for [`Heuristic::NotABrowser`]).
#[rustfmt::skip]
pub const BROWSER_TOKENS: &[&str] = &[
    "applewebkit",
    "gecko",
    "chrom",
    "opera",
    "android",
    "browser",
    "midp",
    "cldc",
    "profile/",
    "wap",
    "obigo",
    "maui",
    "docomo/",
    "ucweb",
    "lynx/",
    "w3m/",
    "elinks/",
    "dillo/",
    "fban/",
    "msie",
    "netfront",
    "mozilla/",
    // Desktop systems of the past whose browsers name no engine.
    "amigaos",
    "risc os",
    "beos",
    "mosaic",
];

/// CPU architectures, as a device description names them: "(win10 x64)", "(Linux 3.5.0 i686;
/// 237x63)". Matched as whole words inside a parenthesised group (see [`Heuristic::NotABrowser`]).
#[rustfmt::skip]
pub const CPU_WORDS: &[&str] = &[
    "x64", "x86", "amd64", "i386", "i486", "i586", "i686", "arm64", "aarch64", "ppc", "win64", "wow64",
];

/// Operating systems people ran browsers on that [`PLATFORM_RULES`] has no platform for (old
/// desktops, handhelds), matched anywhere inside a parenthesised group: "(WorldGate Gazelle
/// 3.5.1 build 11; FreeBSD2.2.8-STABLE)", "(Charon; Inferno)". See [`Heuristic::MozillaOnly`].
#[rustfmt::skip]
pub const SYSTEM_WORDS: &[&str] = &[
    "bsd", "sunos", "solaris", "irix", "hp-ux", "aix", "os/2", "inferno", "haiku", "qnx",
    "palmos", "palm os", "symbian", "blackberry", "webos", "morphos",
];

/// Top-level domains that [`Heuristic::HostName`] recognises (with the dot).
pub const HOST_TLDS: &[&str] = &[".com", ".net", ".org", ".io", ".ai", ".co", ".app", ".dev"];

/// Browsers that send `compatible;` (for [`Heuristic::CompatibleNonBrowser`]).
#[rustfmt::skip]
pub const COMPATIBLE_BROWSERS: &[&str] = &[
    "msie", "trident/", "konqueror", "netfront", "polaris",
    // Browsers of past desktop systems: "(compatible; IBrowse 3.0; AmigaOS4.0)".
    "amigaos", "beos", "risc os", "syllable",
];

/// One bot rule. The comment after each row in the tables says who sends it; comments cost
/// nothing in the worker's wasm, where strings in the tables would.
#[derive(Debug, Clone, Copy)]
pub struct BotRule {
    pub needle: Needle,
    pub reason: BotReason,
}

/// One in-app browser rule.
#[derive(Debug, Clone, Copy)]
pub struct InAppRule {
    pub needle: Needle,
    pub app: InApp,
}

/// One platform rule.
#[derive(Debug, Clone, Copy)]
pub struct PlatformRule {
    pub needle: Needle,
    pub platform: Platform,
}

/// Where a vendor rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Names the device itself; applies whenever it matches.
    Device,
    /// Names a vendor's browser. Samsung Internet or Huawei Browser can be installed on other
    /// makers' phones, so this only applies when the user agent shows no device model (Chrome's
    /// reduced "Android 10; K" form).
    Browser,
}

/// One vendor rule, matched against the whole lowercased user agent.
#[derive(Debug, Clone, Copy)]
pub struct VendorRule {
    pub needle: Needle,
    pub vendor: Vendor,
    pub evidence: Evidence,
}

/// One device-model rule, matched against the lowercased model slot of an Android user agent
/// (the part after "Android 13;" and before " Build/", ";" or ")").
#[derive(Debug, Clone, Copy)]
pub struct ModelRule {
    pub needle: Needle,
    pub vendor: Vendor,
}

/// The needles of [`GENERATED_BOT_NEEDLES`], in order (each flags as a crawler). An entry
/// with an unknown kind letter is skipped (a unit test checks there is none).
pub fn generated_bot_needles() -> impl Iterator<Item = Needle> {
    GENERATED_BOT_NEEDLES
        .iter()
        .filter_map(|line| generated_needle(line))
}

/// One line of [`GENERATED_BOT_NEEDLES`] as a needle: `None` for an unknown kind letter or an
/// empty text.
pub fn generated_needle(line: &'static str) -> Option<Needle> {
    let text = line.get(1..).filter(|t| !t.is_empty())?;
    Some(match line.as_bytes().first()? {
        b'c' => Needle::Contains(text),
        b'p' => Needle::Prefix(text),
        b's' => Needle::WordStart(text),
        b'e' => Needle::WordEnd(text),
        b'w' => Needle::Word(text),
        _ => return None,
    })
}

/// The order in which bot families are tried. [`BOT_RULES`] is grouped in this order (a unit
/// test checks it), so one pass over it returns the first family that matches.
/// `Head`, `Prefetch` and `NoUserAgent` are decided from the request before any rule runs;
/// `TooSoonAfterSend` is decided later by the queue consumer.
pub const BOT_FAMILY_ORDER: &[BotReason] = &[
    BotReason::Head,
    BotReason::Prefetch,
    BotReason::NoUserAgent,
    BotReason::LinkPreview,
    BotReason::EmailScanner,
    BotReason::HttpLibrary,
    BotReason::Headless,
    BotReason::Crawler,
];

/// Words that end in "bot" but are phone makers, not robots ("CUBOT KINGKONG 7").
pub const NOT_BOT_WORDS: &[&str] = &["cubot"];

/// Strings in a purpose header (`Purpose`, `Sec-Purpose`, `X-Purpose`, `X-Moz`) that mean
/// "not a navigation by a person". Compared case-insensitively.
pub const PREFETCH_PURPOSES: &[&str] = &["prefetch", "preview"];

mod bots;
mod bots_generated;
mod devices;
mod models;

pub use bots::BOT_RULES;
pub use bots_generated::GENERATED_BOT_NEEDLES;
pub use devices::DEVICE_PREFIXES;
pub use models::MODEL_RULES;

use Needle::{Contains, Prefix, Word, WordStart};

use InApp::{
    Alipay, Dingtalk, Douyin, Facebook, Instagram, Line, Linkedin, Messenger, Qq, Snapchat,
    Telegram, Tiktok, Wechat, Weibo, X,
};

/// In-app browser rules, first match wins. Messenger comes before Facebook (it carries
/// `FBAN/`), Instagram before Facebook, DingTalk before Alipay (DingTalk sends `AliApp(`),
/// TikTok before Douyin (both run ByteDance's webview).
#[rustfmt::skip]
pub const IN_APP_RULES: &[InAppRule] = &[
    InAppRule { needle: Contains("fban/messenger"), app: Messenger }, // Messenger for iOS: "[FBAN/MessengerForiOS;…]"
    InAppRule { needle: Contains("fb_iab/messenger"), app: Messenger }, // Messenger for Android, older
    InAppRule { needle: Contains("fb_iab/orca-android"), app: Messenger }, // Messenger for Android ("Orca")
    InAppRule { needle: Contains("fban/orca-android"), app: Messenger }, // Messenger for Android, app requests
    InAppRule { needle: Contains("instagram"), app: Instagram }, // "Instagram 300.0.0.29.110 (iPhone14,5; iOS 17_0; …)"
    InAppRule { needle: Contains("fban/"), app: Facebook }, // Facebook for iOS: "[FBAN/FBIOS;FBAV/…]"
    InAppRule { needle: Contains("fb_iab/"), app: Facebook }, // Facebook for Android: "[FB_IAB/FB4A;FBAV/…]"
    InAppRule { needle: Contains("fbav/"), app: Facebook }, // Facebook app version marker
    InAppRule { needle: Contains("metaiab facebook"), app: Facebook }, // Facebook's newer in-app browser marker
    InAppRule { needle: Contains("micromessenger"), app: Wechat }, // WeChat and WeChat Work ("wxwork/… MicroMessenger/…")
    InAppRule { needle: Contains("wxwork/"), app: Wechat }, // WeChat Work (企业微信)
    InAppRule { needle: Contains(" qq/"), app: Qq }, // QQ: "… QQ/8.9.80.611 V1_IPH_SQ_…"; QQ Browser's "MQQBrowser/" has no space before QQ
    InAppRule { needle: Contains("weibo"), app: Weibo }, // Weibo: "Weibo (iPhone14,2__weibo__13.6.3__iphone__os16.5)"
    InAppRule { needle: Contains("dingtalk"), app: Dingtalk }, // DingTalk: "AliApp(DingTalk/7.0.40) com.alibaba.android.rimet/…"
    InAppRule { needle: Contains("alipayclient"), app: Alipay }, // Alipay: "AlipayClient/10.5.30.6000"
    InAppRule { needle: Contains("aliapp(ap/"), app: Alipay }, // Alipay: "AliApp(AP/10.5.30.6000)"
    InAppRule { needle: Contains("musical_ly"), app: Tiktok }, // TikTok: "musical_ly_32.5.0 JsSdk/2.0 … BytedanceWebview/…"
    InAppRule { needle: WordStart("trill_"), app: Tiktok }, // TikTok for Android in some regions: "trill_2022509040 … AppName/musical_ly"
    InAppRule { needle: Contains("tiktok"), app: Tiktok }, // TikTok
    InAppRule { needle: Contains("aweme"), app: Douyin }, // Douyin: "aweme_27.3.0 JsSdk/2.0 … AppName/aweme … BytedanceWebview/…"
    InAppRule { needle: Contains("douyin"), app: Douyin }, // Douyin
    InAppRule { needle: Contains(" line/"), app: Line }, // LINE: "… Safari Line/13.16.0", "… Line/13.16.1/IAB"
    InAppRule { needle: Contains("twitter for iphone"), app: X }, // X for iPhone
    InAppRule { needle: Contains("twitter for ipad"), app: X }, // X for iPad
    InAppRule { needle: Contains("twitterandroid"), app: X }, // X for Android
    InAppRule { needle: Contains("snapchat/"), app: Snapchat }, // Snapchat for iOS: "Snapchat/12.62.0.36 (like Safari/…)"
    InAppRule { needle: Contains("safari/537.36snapchat"), app: Snapchat }, // Snapchat for Android glues its name to the Safari token
    InAppRule { needle: Contains("linkedinapp"), app: Linkedin }, // LinkedIn: "[LinkedInApp]/9.29.8962"
    InAppRule { needle: Contains("telegram-android"), app: Telegram }, // Telegram for Android webview; Telegram for iOS uses SFSafariViewController, which looks like Safari
];

use Platform::{Android, Ios, Ipados, Linux, Macos, Other, Windows};

/// Platform rules, first match wins.
#[rustfmt::skip]
pub const PLATFORM_RULES: &[PlatformRule] = &[
    PlatformRule { needle: Contains("windows phone"), platform: Other }, // Windows Phone also claims Android and iPhone
    PlatformRule { needle: Contains("(pc; openharmony"), platform: Other }, // HarmonyOS PCs
    PlatformRule { needle: Contains("kaios"), platform: Other }, // KaiOS feature phones, some of which also say Android
    PlatformRule { needle: WordStart("ipad"), platform: Ipados }, // iPad (iPadOS 13+ Safari sends a Macintosh string instead); not Android tablets named "HiPad", "MiPad", "inoiPad"
    PlatformRule { needle: WordStart("iphone"), platform: Ios }, // iPhone; not "TechniPhone"
    PlatformRule { needle: WordStart("ipod"), platform: Ios }, // iPod touch
    PlatformRule { needle: Contains("dv(iph"), platform: Ios }, // UC Browser for iOS: "dv(iPh12,5);pr(UCBrowser/11.3.5.1203);ov(13_7);…"
    PlatformRule { needle: Contains("chromebook"), platform: Linux }, // Chromebooks running the Android build of a browser: "(Linux; Android 9; HP Chromebook 13 G1)"
    PlatformRule { needle: Contains("harmonyos"), platform: Android }, // HarmonyOS phones run Android apps and app-store links
    PlatformRule { needle: Contains("openharmony"), platform: Android }, // HarmonyOS NEXT: "(Phone; OpenHarmony 5.0)"
    PlatformRule { needle: Contains("android"), platform: Android }, // Android
    PlatformRule { needle: WordStart("adr "), platform: Android }, // UC Browser's own format: "UCWEB/2.0 (MIDP-2.0; U; Adr 9; ru; Redmi_Note_8)"
    PlatformRule { needle: Contains("cros "), platform: Linux }, // ChromeOS ("X11; CrOS x86_64") counts as desktop Linux
    PlatformRule { needle: Contains("windows"), platform: Windows }, // Windows
    PlatformRule { needle: Contains("(win"), platform: Windows }, // "(win10 x64)", "(Win98; I)"
    PlatformRule { needle: Contains("macintosh"), platform: Macos }, // macOS, and iPadOS 13+ in desktop mode
    PlatformRule { needle: Contains("mac os x"), platform: Macos }, // macOS, unusual forms
    PlatformRule { needle: Contains("(x86_64)"), platform: Macos }, // Apple's URL loading system on a Mac: "… CFNetwork/520.5.3 Darwin/11.4.2 (x86_64) (iMac6%2C1)"
    PlatformRule { needle: Contains("(i386)"), platform: Macos }, // the same on older Macs
    PlatformRule { needle: Contains("linux"), platform: Linux }, // desktop Linux (Android is matched above)
    PlatformRule { needle: Contains("x11"), platform: Linux }, // BSD and other X11 desktops
];

use Evidence::{Browser, Device};
use Vendor::{Honor, Huawei, Oppo, Samsung, Vivo, Xiaomi};

/// Vendor rules on the whole user agent; used only for Android. Model rules run first.
#[rustfmt::skip]
pub const VENDOR_RULES: &[VendorRule] = &[
    VendorRule { needle: Contains("harmonyos"), vendor: Huawei, evidence: Device }, // HarmonyOS
    VendorRule { needle: Contains("openharmony"), vendor: Huawei, evidence: Device }, // HarmonyOS NEXT
    VendorRule { needle: Contains("hmscore"), vendor: Huawei, evidence: Device }, // Huawei Mobile Services marker
    VendorRule { needle: Contains("build/honor"), vendor: Honor, evidence: Device }, // "Build/HONORHRY-LX1"
    VendorRule { needle: Contains("build/huawei"), vendor: Huawei, evidence: Device }, // "Build/HUAWEIELS-AN00"
    VendorRule { needle: Word("honor"), vendor: Honor, evidence: Device }, // "HONOR X9b" outside the model slot (not "HonorBrowser")
    VendorRule { needle: Word("huawei"), vendor: Huawei, evidence: Device }, // "HUAWEI-ELS-AN00__weibo__…" (not "HuaweiBrowser")
    VendorRule { needle: Contains("xiaomi/xiaomi"), vendor: Xiaomi, evidence: Device }, // Instagram's device tuple
    VendorRule { needle: Prefix("samsung-"), vendor: Samsung, evidence: Device }, // carrier format: "samsung-GT-I9300/1.0 Linux/2.6.35.7 Android/4.0.4 …"
    VendorRule { needle: Prefix("oppo_"), vendor: Oppo, evidence: Device }, // carrier format: "OPPO_R815T/1.0 Linux/3.4.0 Android/4.2.1 …"
    VendorRule { needle: Prefix("xiaomi_"), vendor: Xiaomi, evidence: Device }, // carrier format: "Xiaomi_M2001J2E_TD-LTE/V1 Linux/4.19.72 Android/10 …"
    VendorRule { needle: Prefix("huawei"), vendor: Huawei, evidence: Device }, // carrier format: "HuaweiT8100_TD/1.0 Android/2.2 …"
    VendorRule { needle: Contains(" miui/"), vendor: Xiaomi, evidence: Device }, // Xiaomi's ROM in an app's string: "(Linux; U; Android 5.1.1; wt88047 MIUI/LVY48I)"
    VendorRule { needle: Contains("; samsung; "), vendor: Samsung, evidence: Device }, // Instagram's device tuple
    VendorRule { needle: Contains("; oppo; "), vendor: Oppo, evidence: Device }, // Instagram's device tuple
    VendorRule { needle: Contains("; vivo; "), vendor: Vivo, evidence: Device }, // Instagram's device tuple
    VendorRule { needle: Contains("huaweibrowser"), vendor: Huawei, evidence: Browser }, // Huawei Browser
    VendorRule { needle: Contains("honorbrowser"), vendor: Honor, evidence: Browser }, // Honor Browser
    VendorRule { needle: Contains("miuibrowser"), vendor: Xiaomi, evidence: Browser }, // Mi Browser: "XiaoMi/MiuiBrowser/13.18.0"
    VendorRule { needle: Contains("heytapbrowser"), vendor: Oppo, evidence: Browser }, // OPPO/realme/OnePlus browser
    VendorRule { needle: Contains("oppobrowser"), vendor: Oppo, evidence: Browser }, // OPPO browser, older
    VendorRule { needle: Contains("vivobrowser"), vendor: Vivo, evidence: Browser }, // vivo browser
    VendorRule { needle: Contains("samsungbrowser"), vendor: Samsung, evidence: Browser }, // Samsung Internet
];

#[cfg(test)]
mod tests {
    use super::*;

    fn needle_text(needle: Needle) -> Option<&'static str> {
        match needle {
            Needle::Contains(s)
            | Needle::Prefix(s)
            | Needle::WordStart(s)
            | Needle::WordEnd(s)
            | Needle::Word(s)
            | Needle::Versioned(s)
            | Needle::Shape(s) => Some(s),
            Needle::Heuristic(_) => None,
        }
    }

    fn all_needles() -> impl Iterator<Item = Needle> {
        BOT_RULES
            .iter()
            .map(|r| r.needle)
            .chain(generated_bot_needles())
            .chain(IN_APP_RULES.iter().map(|r| r.needle))
            .chain(PLATFORM_RULES.iter().map(|r| r.needle))
            .chain(VENDOR_RULES.iter().map(|r| r.needle))
            .chain(MODEL_RULES.iter().map(|r| r.needle))
    }

    #[test]
    fn needles_are_lowercase_ascii_and_not_empty() {
        let words = BROWSER_TOKENS
            .iter()
            .chain(COMPATIBLE_BROWSERS)
            .chain(NOT_BOT_WORDS)
            .chain(CPU_WORDS)
            .chain(SYSTEM_WORDS)
            .chain(PREFETCH_PURPOSES)
            .copied();
        for text in all_needles().filter_map(needle_text).chain(words) {
            assert!(!text.is_empty());
            assert!(text.is_ascii(), "{text:?} is not ASCII");
            assert_eq!(text, text.to_ascii_lowercase(), "{text:?} is not lowercase");
        }
    }

    #[test]
    fn bot_rules_follow_the_family_order() {
        let family = |reason| BOT_FAMILY_ORDER.iter().position(|r| *r == reason);
        let mut last = 0;
        for rule in BOT_RULES {
            let pos = family(rule.reason).expect("bot rule reason is in BOT_FAMILY_ORDER");
            assert!(
                pos >= last,
                "{:?} rule {:?} is out of family order",
                rule.reason,
                rule.needle
            );
            last = pos;
        }
        for request_level in [
            BotReason::Head,
            BotReason::Prefetch,
            BotReason::NoUserAgent,
            BotReason::TooSoonAfterSend,
        ] {
            assert!(BOT_RULES.iter().all(|r| r.reason != request_level));
        }
    }

    #[test]
    fn every_generated_line_is_a_needle() {
        assert_eq!(generated_bot_needles().count(), GENERATED_BOT_NEEDLES.len());
        assert!(GENERATED_BOT_NEEDLES.len() > 50);
    }

    #[test]
    fn no_rule_is_listed_twice() {
        let mut seen = std::collections::HashSet::new();
        for rule in BOT_RULES {
            assert!(
                seen.insert(format!("{:?}", rule.needle)),
                "duplicate bot rule {:?}",
                rule.needle
            );
        }
        let mut seen = std::collections::HashSet::new();
        for rule in MODEL_RULES {
            assert!(
                seen.insert(format!("{:?}", rule.needle)),
                "duplicate model rule {:?}",
                rule.needle
            );
        }
    }

    #[test]
    fn shape_wildcards_only_at_the_end() {
        for text in all_needles().filter_map(|n| match n {
            Needle::Shape(s) => Some(s),
            _ => None,
        }) {
            if let Some(i) = text.find('*') {
                assert_eq!(i, text.len() - 1, "{text:?}: `*` only at the end");
            }
        }
    }
}
