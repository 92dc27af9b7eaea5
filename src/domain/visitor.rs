//! Who is clicking: platform, Android vendor, in-app browser, and whether it is a bot.
//!
//! `classify` is a pure function of the request facts. The rules it applies live as data in
//! [`super::ua_rules`]; this module only walks them.

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    pub platform: Platform,
    pub vendor: Option<Vendor>,
    pub in_app: Option<InApp>,
    pub bot: Option<BotReason>,
}
