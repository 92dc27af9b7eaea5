//! What wakelink knows about a visitor: the request facts the glue reads, and the platform,
//! vendor, in-app browser and bot reason that [`super::visitor::classify`] derives from them.
//!
//! Only types live here; the rule tables in [`super::ua_rules`] and the matcher in
//! [`super::visitor`] depend on them, never the other way round.

use serde::{Deserialize, Serialize};
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
    /// Cloudflare verified the client as a bot (`cf.verifiedBotCategory`,
    /// `cf.botManagement.verifiedBot`).
    VerifiedBot,
    /// Cloudflare's bot score says automated (`cf.botManagement.score` = 1).
    AutomatedScore,
    /// A data-centre network and a request without the headers every current browser sends:
    /// the shape of an e-mail security scanner (see [`super::signals`]).
    ScannerNetwork,
    /// Clicked before the ledger says the message was sent (see `domain::judge`).
    BeforeSend,
    /// A hit on a honeypot link: a link hidden in an e-mail that no person sees.
    Honeypot,
    /// Clicked within seconds of a honeypot hit for the same recipient: the same scanner.
    ScannerBurst,
    /// More clicks on one link from one network (or on one recipient's link) than a person
    /// makes: still served and recorded, never counted as a first click.
    RateLimited,
    /// One network opened the links of several recipients of one link within seconds: a
    /// scanner fanning out over a mailbox batch (see `domain::judge::network_burst`).
    NetworkBurst,
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
        BotReason::VerifiedBot,
        BotReason::AutomatedScore,
        BotReason::ScannerNetwork,
        BotReason::BeforeSend,
        BotReason::Honeypot,
        BotReason::ScannerBurst,
        BotReason::RateLimited,
        BotReason::NetworkBurst,
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
            BotReason::RateLimited => "rate-limited",
            BotReason::VerifiedBot => "verified-bot",
            BotReason::AutomatedScore => "automated-score",
            BotReason::ScannerNetwork => "scanner-network",
            BotReason::BeforeSend => "before-send",
            BotReason::Honeypot => "honeypot",
            BotReason::ScannerBurst => "scanner-burst",
            BotReason::NetworkBurst => "network-burst",
        }
    }
}

impl Visitor {
    /// Whether any bot reason was found.
    pub const fn is_bot(&self) -> bool {
        self.bot.is_some()
    }
}
