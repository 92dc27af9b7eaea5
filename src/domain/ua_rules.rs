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

use super::visitor::{BotReason, InApp, Platform, Vendor};

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
    /// The whole string has this shape: `@` is an ASCII letter, `#` an ASCII digit, `+` a digit
    /// other than `0`, `~` a `0` or `1`, a final `*` accepts any tail, any other byte stands
    /// for itself. Used for device model codes.
    Shape(&'static str),
    /// A structural test that is not a single substring.
    Heuristic(Heuristic),
}

/// Structural tests used by the crawler family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heuristic {
    /// Not a browser product: none of [`BROWSER_TOKENS`] (which include `Mozilla/`) anywhere.
    /// Catches "WhatsApp/2.19.175 A", "Zabbix", "PostRank/2.0 (postrank.com)". Feature phones
    /// ("Nokia210/2.0 (04.12) Profile/MIDP-2.1 …", "HUAWEI-M636/001.00 WAP/OBIGO/Q05A") and the
    /// Chinese carrier format ("Xiaomi_M2001J2E_TD-LTE/V1 Linux/4.19 Android/10 … Browser/
    /// AppleWebKit537.36 … XiaoMi/MiuiBrowser/11.0.13") get through on their tokens.
    NotABrowser,
    /// `compatible;` without a token from [`COMPATIBLE_BROWSERS`]: the classic
    /// "Mozilla/5.0 (compatible; SomeBot/1.0; +http://…)" form. The browsers that still send
    /// `compatible;` are Internet Explorer, Konqueror and a few feature-phone browsers.
    CompatibleNonBrowser,
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
];

/// Browsers that send `compatible;` (for [`Heuristic::CompatibleNonBrowser`]).
pub const COMPATIBLE_BROWSERS: &[&str] = &["msie", "trident/", "konqueror", "netfront", "polaris"];

/// One bot rule. `note` says who sends it.
#[derive(Debug, Clone, Copy)]
pub struct BotRule {
    pub needle: Needle,
    pub reason: BotReason,
    pub note: &'static str,
}

/// One in-app browser rule.
#[derive(Debug, Clone, Copy)]
pub struct InAppRule {
    pub needle: Needle,
    pub app: InApp,
    pub note: &'static str,
}

/// One platform rule.
#[derive(Debug, Clone, Copy)]
pub struct PlatformRule {
    pub needle: Needle,
    pub platform: Platform,
    pub note: &'static str,
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
    pub note: &'static str,
}

/// One device-model rule, matched against the lowercased model slot of an Android user agent
/// (the part after "Android 13;" and before " Build/", ";" or ")").
#[derive(Debug, Clone, Copy)]
pub struct ModelRule {
    pub needle: Needle,
    pub vendor: Vendor,
    pub note: &'static str,
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

use BotReason::{Crawler, EmailScanner, Headless, HttpLibrary, LinkPreview};
use Needle::{Contains, Heuristic as H, Prefix, Shape, Word, WordEnd, WordStart};

/// Bot rules, grouped by family in [`BOT_FAMILY_ORDER`].
#[rustfmt::skip]
pub const BOT_RULES: &[BotRule] = &[
    // --- Link previews: a messenger or social network fetching the page to draw a card. ---
    BotRule { needle: Contains("facebookexternalhit"), reason: LinkPreview, note: "Facebook, Messenger, and iMessage (\"… facebookexternalhit/1.1 Facebot Twitterbot/1.0\"), LINE, KakaoTalk" },
    BotRule { needle: Contains("meta-externalhit"), reason: LinkPreview, note: "Meta link preview, newer name" },
    BotRule { needle: Contains("meta-externalfetcher"), reason: LinkPreview, note: "Meta user-initiated fetch" },
    BotRule { needle: Contains("facebookcatalog"), reason: LinkPreview, note: "Meta product catalogue fetcher" },
    BotRule { needle: Contains("whatsapp"), reason: LinkPreview, note: "WhatsApp (and Signal, which borrows its name) link preview" },
    BotRule { needle: Contains("telegrambot"), reason: LinkPreview, note: "Telegram link preview: \"TelegramBot (like TwitterBot)\"" },
    BotRule { needle: Contains("slackbot"), reason: LinkPreview, note: "Slack unfurler: \"Slackbot-LinkExpanding 1.0\"" },
    BotRule { needle: Contains("slack-imgproxy"), reason: LinkPreview, note: "Slack image proxy" },
    BotRule { needle: Contains("twitterbot"), reason: LinkPreview, note: "X/Twitter card fetcher" },
    BotRule { needle: Contains("skypeuripreview"), reason: LinkPreview, note: "Skype and Teams link preview" },
    BotRule { needle: Contains("microsoftpreview"), reason: LinkPreview, note: "Microsoft Teams/Outlook link preview" },
    BotRule { needle: Contains("linkedinbot"), reason: LinkPreview, note: "LinkedIn link preview" },
    BotRule { needle: Contains("discordbot"), reason: LinkPreview, note: "Discord embed" },
    BotRule { needle: Contains("pinterestbot"), reason: LinkPreview, note: "Pinterest pin fetcher (not the Pinterest app's in-app browser)" },
    BotRule { needle: Prefix("pinterest/0."), reason: LinkPreview, note: "Pinterest/0.2 (+https://www.pinterest.com/bot.html)" },
    BotRule { needle: Contains("redditbot"), reason: LinkPreview, note: "Reddit link preview" },
    BotRule { needle: Prefix("viber"), reason: LinkPreview, note: "Viber link preview sends just \"Viber\"" },
    BotRule { needle: Contains("snapurlpreview"), reason: LinkPreview, note: "Snapchat link preview" },
    BotRule { needle: Contains("snap url preview"), reason: LinkPreview, note: "Snapchat link preview, older name" },
    BotRule { needle: Contains("google-pagerenderer"), reason: LinkPreview, note: "Google snippet renderer" },
    BotRule { needle: Contains("google web preview"), reason: LinkPreview, note: "Google web preview, older" },
    BotRule { needle: Contains("applebot"), reason: LinkPreview, note: "Apple's crawler for Siri/Spotlight suggestions and previews" },
    BotRule { needle: Contains("vkshare"), reason: LinkPreview, note: "VK share preview" },
    BotRule { needle: Contains("embedly"), reason: LinkPreview, note: "Embedly card service" },
    BotRule { needle: Contains("iframely"), reason: LinkPreview, note: "Iframely card service" },
    BotRule { needle: Contains("kakaotalk-scrap"), reason: LinkPreview, note: "KakaoTalk link preview" },
    BotRule { needle: Contains("yahoo link preview"), reason: LinkPreview, note: "Yahoo Mail link preview" },
    BotRule { needle: Contains("mastodon/"), reason: LinkPreview, note: "Mastodon link card: \"http.rb/… (Mastodon/4.2; +https://…)\"" },
    BotRule { needle: Contains("pleroma"), reason: LinkPreview, note: "Pleroma/Akkoma link card" },
    BotRule { needle: Contains("akkoma"), reason: LinkPreview, note: "Akkoma link card" },
    BotRule { needle: Contains("misskey"), reason: LinkPreview, note: "Misskey link card" },
    BotRule { needle: Contains("gotosocial"), reason: LinkPreview, note: "GoToSocial link card" },
    BotRule { needle: Contains("friendica"), reason: LinkPreview, note: "Friendica link card" },
    BotRule { needle: WordStart("lemmy/"), reason: LinkPreview, note: "Lemmy link card" },
    BotRule { needle: WordStart("bluesky"), reason: LinkPreview, note: "Bluesky card fetcher" },
    BotRule { needle: Prefix("messages"), reason: LinkPreview, note: "Apple Messages fetching a rich link: \"MessagesViewService/1.0 CFNetwork/…\"" },
    BotRule { needle: Contains("ms-office"), reason: LinkPreview, note: "Office apps probe a link before handing it to the browser; the person's browser arrives next" },
    BotRule { needle: Contains("microsoft office"), reason: LinkPreview, note: "Office \"Existence Discovery\" probe, as above" },
    BotRule { needle: Contains("linkpreview"), reason: LinkPreview, note: "generic: Orlo-LinkPreview and similar" },
    BotRule { needle: Contains("link preview"), reason: LinkPreview, note: "generic" },
    BotRule { needle: Contains("urlpreview"), reason: LinkPreview, note: "generic" },
    BotRule { needle: Contains("unfurl"), reason: LinkPreview, note: "generic: ClickUpLinkUnfurler and similar" },
    // --- E-mail security scanners: gateways that open every link before the inbox does. ---
    BotRule { needle: Contains("bingpreview"), reason: EmailScanner, note: "Microsoft: Outlook/Exchange link checks and Bing previews" },
    BotRule { needle: Contains("safelinks"), reason: EmailScanner, note: "Microsoft Defender Safe Links" },
    BotRule { needle: Contains("googleimageproxy"), reason: EmailScanner, note: "Gmail image proxy (\"… (via ggpht.com GoogleImageProxy)\")" },
    BotRule { needle: Contains("google-safety"), reason: EmailScanner, note: "Google's safe-browsing link checker" },
    BotRule { needle: Contains("yahoomailproxy"), reason: EmailScanner, note: "Yahoo Mail proxy" },
    BotRule { needle: Contains("yahoocachesystem"), reason: EmailScanner, note: "Yahoo Mail cache" },
    BotRule { needle: Contains("mimecast"), reason: EmailScanner, note: "Mimecast URL Protect" },
    BotRule { needle: Contains("proofpoint"), reason: EmailScanner, note: "Proofpoint URL Defense" },
    BotRule { needle: Contains("barracuda"), reason: EmailScanner, note: "Barracuda Link Protection / Sentinel" },
    BotRule { needle: Contains("symantec"), reason: EmailScanner, note: "Symantec (Broadcom) Email Security.cloud" },
    BotRule { needle: Contains("messagelabs"), reason: EmailScanner, note: "Symantec MessageLabs" },
    BotRule { needle: Contains("trendmicro"), reason: EmailScanner, note: "Trend Micro Email Security" },
    BotRule { needle: Contains("trend micro"), reason: EmailScanner, note: "Trend Micro Email Security" },
    BotRule { needle: Contains("sophos"), reason: EmailScanner, note: "Sophos Email" },
    BotRule { needle: Contains("ironport"), reason: EmailScanner, note: "Cisco Secure Email (IronPort)" },
    BotRule { needle: Contains("fireeye"), reason: EmailScanner, note: "FireEye / Trellix Email Security" },
    BotRule { needle: Contains("trellix"), reason: EmailScanner, note: "Trellix Email Security" },
    BotRule { needle: Contains("zscaler"), reason: EmailScanner, note: "Zscaler sandbox" },
    BotRule { needle: Contains("forcepoint"), reason: EmailScanner, note: "Forcepoint Email Security" },
    BotRule { needle: Contains("cloudmark"), reason: EmailScanner, note: "Cloudmark" },
    BotRule { needle: Contains("avanan"), reason: EmailScanner, note: "Avanan (Check Point Harmony Email)" },
    BotRule { needle: Contains("checkpoint"), reason: EmailScanner, note: "Check Point" },
    BotRule { needle: Contains("check point"), reason: EmailScanner, note: "Check Point" },
    BotRule { needle: Contains("fortiguard"), reason: EmailScanner, note: "Fortinet FortiGuard" },
    BotRule { needle: Contains("fortimail"), reason: EmailScanner, note: "Fortinet FortiMail" },
    BotRule { needle: Contains("fortinet"), reason: EmailScanner, note: "Fortinet" },
    BotRule { needle: Contains("virustotal"), reason: EmailScanner, note: "VirusTotal URL scans (\"appid: s~virustotalcloud\")" },
    BotRule { needle: Contains("urlscan"), reason: EmailScanner, note: "urlscan.io and similar URL scanners" },
    // --- HTTP libraries and command-line clients. ---
    BotRule { needle: WordStart("curl"), reason: HttpLibrary, note: "curl, libcurl, PHP-Curl-Class" },
    BotRule { needle: WordStart("wget"), reason: HttpLibrary, note: "GNU Wget" },
    BotRule { needle: Contains("python"), reason: HttpLibrary, note: "python-requests, Python-urllib, python-httpx, \"Python/3.9 aiohttp\"" },
    BotRule { needle: Contains("aiohttp"), reason: HttpLibrary, note: "aiohttp" },
    BotRule { needle: WordStart("httpx"), reason: HttpLibrary, note: "httpx" },
    BotRule { needle: WordStart("requests/"), reason: HttpLibrary, note: "\"… requests/2.25.1\" without the python- prefix" },
    BotRule { needle: Contains("urllib"), reason: HttpLibrary, note: "urllib, urllib3" },
    BotRule { needle: Contains("go-http-client"), reason: HttpLibrary, note: "Go net/http" },
    BotRule { needle: WordStart("java/"), reason: HttpLibrary, note: "Java HttpURLConnection: \"Java/1.8.0_151\"" },
    BotRule { needle: WordStart("java "), reason: HttpLibrary, note: "\"(java 1.5)\"" },
    BotRule { needle: Contains("httpclient"), reason: HttpLibrary, note: "Apache-HttpClient, Jakarta Commons-HttpClient, .NET HttpClient, \"HTTPClient 4.5\"" },
    BotRule { needle: Contains("okhttp"), reason: HttpLibrary, note: "OkHttp" },
    BotRule { needle: WordStart("jersey/"), reason: HttpLibrary, note: "Jersey client" },
    BotRule { needle: WordStart("jetty/"), reason: HttpLibrary, note: "Jetty client" },
    BotRule { needle: Prefix("ahc/"), reason: HttpLibrary, note: "AsyncHttpClient" },
    BotRule { needle: Prefix("dalvik/"), reason: HttpLibrary, note: "Android's HttpURLConnection default; a browser never sends it" },
    BotRule { needle: Contains("cfnetwork"), reason: HttpLibrary, note: "Apple's URL loading system from an app; Safari and WKWebView send a Mozilla string" },
    BotRule { needle: Contains("node-fetch"), reason: HttpLibrary, note: "node-fetch" },
    BotRule { needle: WordStart("undici"), reason: HttpLibrary, note: "undici (Node's fetch)" },
    BotRule { needle: WordStart("axios"), reason: HttpLibrary, note: "axios" },
    BotRule { needle: Prefix("got "), reason: HttpLibrary, note: "got: \"got (https://github.com/sindresorhus/got)\"" },
    BotRule { needle: Prefix("got/"), reason: HttpLibrary, note: "got" },
    BotRule { needle: Contains("superagent"), reason: HttpLibrary, note: "superagent" },
    BotRule { needle: Word("node"), reason: HttpLibrary, note: "Node's built-in fetch sends just \"node\"" },
    BotRule { needle: Prefix("deno/"), reason: HttpLibrary, note: "Deno fetch" },
    BotRule { needle: Prefix("bun/"), reason: HttpLibrary, note: "Bun fetch" },
    BotRule { needle: Contains("libwww-perl"), reason: HttpLibrary, note: "Perl LWP" },
    BotRule { needle: WordStart("lwp-"), reason: HttpLibrary, note: "Perl LWP helpers" },
    BotRule { needle: WordStart("lwp::"), reason: HttpLibrary, note: "Perl LWP::Simple" },
    BotRule { needle: Contains("mechanize"), reason: HttpLibrary, note: "WWW::Mechanize, Ruby Mechanize" },
    BotRule { needle: Contains("anyevent-http"), reason: HttpLibrary, note: "Perl AnyEvent::HTTP" },
    BotRule { needle: Contains("postmanruntime"), reason: HttpLibrary, note: "Postman" },
    BotRule { needle: Prefix("insomnia/"), reason: HttpLibrary, note: "Insomnia" },
    BotRule { needle: Contains("httpie"), reason: HttpLibrary, note: "HTTPie" },
    BotRule { needle: Prefix("ruby"), reason: HttpLibrary, note: "Ruby net/http: \"Ruby\"" },
    BotRule { needle: WordStart("ruby/"), reason: HttpLibrary, note: "\"Mechanize/2.9.1 Ruby/3.1.2\"" },
    BotRule { needle: Contains("faraday"), reason: HttpLibrary, note: "Ruby Faraday" },
    BotRule { needle: Contains("rest-client"), reason: HttpLibrary, note: "Ruby rest-client" },
    BotRule { needle: Contains("typhoeus"), reason: HttpLibrary, note: "Ruby Typhoeus" },
    BotRule { needle: WordStart("http.rb/"), reason: HttpLibrary, note: "Ruby http.rb (Mastodon's is caught as a link preview first)" },
    BotRule { needle: Prefix("dart/"), reason: HttpLibrary, note: "Dart/Flutter dart:io: \"Dart/3.2 (dart:io)\"" },
    BotRule { needle: Contains("dart:io"), reason: HttpLibrary, note: "Dart dart:io" },
    BotRule { needle: Contains("guzzlehttp"), reason: HttpLibrary, note: "PHP Guzzle" },
    BotRule { needle: WordStart("php/"), reason: HttpLibrary, note: "PHP streams: \"PHP/7.4\"" },
    BotRule { needle: Prefix("php"), reason: HttpLibrary, note: "other PHP clients" },
    BotRule { needle: Contains("pcore-http"), reason: HttpLibrary, note: "Perl Pcore" },
    BotRule { needle: Contains("http_request"), reason: HttpLibrary, note: "PEAR HTTP_Request" },
    BotRule { needle: Prefix("http_get"), reason: HttpLibrary, note: "http_get" },
    BotRule { needle: Contains("httpunit"), reason: HttpLibrary, note: "HttpUnit" },
    BotRule { needle: Contains("winhttp"), reason: HttpLibrary, note: "Windows WinHTTP" },
    BotRule { needle: Contains("windowspowershell"), reason: HttpLibrary, note: "PowerShell Invoke-WebRequest" },
    BotRule { needle: Prefix("reqwest"), reason: HttpLibrary, note: "Rust reqwest" },
    BotRule { needle: Prefix("hyper/"), reason: HttpLibrary, note: "Rust hyper" },
    BotRule { needle: Contains("restsharp"), reason: HttpLibrary, note: ".NET RestSharp" },
    BotRule { needle: Contains("lua-resty-http"), reason: HttpLibrary, note: "OpenResty" },
    BotRule { needle: Contains("indy library"), reason: HttpLibrary, note: "Delphi Indy" },
    BotRule { needle: Contains("xmlhttp/"), reason: HttpLibrary, note: "\"XMLHTTP/1.0\"" },
    // --- Headless and automated browsers. ---
    BotRule { needle: Contains("headless"), reason: Headless, note: "HeadlessChrome" },
    BotRule { needle: Contains("phantomjs"), reason: Headless, note: "PhantomJS" },
    BotRule { needle: Contains("slimerjs"), reason: Headless, note: "SlimerJS" },
    BotRule { needle: Contains("puppeteer"), reason: Headless, note: "Puppeteer marker" },
    BotRule { needle: Contains("playwright"), reason: Headless, note: "Playwright marker" },
    BotRule { needle: Contains("selenium"), reason: Headless, note: "Selenium marker" },
    BotRule { needle: Contains("webdriver"), reason: Headless, note: "WebDriver marker" },
    BotRule { needle: Contains("lighthouse"), reason: Headless, note: "Chrome-Lighthouse, PageSpeed Insights" },
    BotRule { needle: Contains("htmlunit"), reason: Headless, note: "HtmlUnit" },
    BotRule { needle: Contains("jsdom/"), reason: Headless, note: "jsdom" },
    BotRule { needle: Contains(" splash "), reason: Headless, note: "Scrapinghub Splash" },
    BotRule { needle: WordStart("ptst/"), reason: Headless, note: "WebPageTest agent" },
    BotRule { needle: Contains("gtmetrix"), reason: Headless, note: "GTmetrix" },
    // --- Crawlers and everything else that says it is automated. ---
    BotRule { needle: WordEnd("bot"), reason: Crawler, note: "Googlebot, bingbot, AhrefsBot, \"…/bot.html\" (not Cubot phones, not bottle)" },
    BotRule { needle: Contains("crawl"), reason: Crawler, note: "crawler, crawling" },
    BotRule { needle: Contains("spider"), reason: Crawler, note: "Baiduspider, 360Spider, Sogou web spider" },
    BotRule { needle: Contains("slurp"), reason: Crawler, note: "Yahoo! Slurp" },
    BotRule { needle: Contains("scrap"), reason: Crawler, note: "scraper, scraping, Scrapy" },
    BotRule { needle: Contains("fetch"), reason: Crawler, note: "Feedfetcher-Google, kagi-fetcher, \"… Fetcher/\"" },
    BotRule { needle: Contains("scan"), reason: Crawler, note: "scanner, scanning, masscan, adscanner" },
    BotRule { needle: Contains("check"), reason: Crawler, note: "link checker, health check, \"Uptime_Checker\"" },
    BotRule { needle: Contains("monitor"), reason: Crawler, note: "uptime and synthetic monitors" },
    BotRule { needle: Contains("uptime"), reason: Crawler, note: "uptime monitors" },
    BotRule { needle: Contains("synthetic"), reason: Crawler, note: "DatadogSynthetics, NewRelicSynthetics, RuxitSynthetic" },
    BotRule { needle: Contains("archive"), reason: Crawler, note: "archive.org, ia_archiver, Archive-It" },
    BotRule { needle: Contains("robots"), reason: Crawler, note: "\"Luminator-robots/2.0\"" },
    BotRule { needle: Contains("-google"), reason: Crawler, note: "Mediapartners-Google, AppEngine-Google, PlayStore-Google" },
    BotRule { needle: Contains("google favicon"), reason: Crawler, note: "Google's favicon fetcher" },
    BotRule { needle: Contains("ips-agent"), reason: Crawler, note: "ips-agent crawler" },
    BotRule { needle: Contains("pingdom"), reason: Crawler, note: "Pingdom transaction monitor" },
    BotRule { needle: Contains("appinsights"), reason: Crawler, note: "Azure Application Insights availability test" },
    BotRule { needle: Contains("thousandeyes"), reason: Crawler, note: "ThousandEyes agent" },
    BotRule { needle: Contains("ghost inspector"), reason: Crawler, note: "Ghost Inspector" },
    BotRule { needle: Contains("dareboost"), reason: Crawler, note: "DareBoost" },
    BotRule { needle: Contains("siteimprove"), reason: Crawler, note: "Siteimprove" },
    BotRule { needle: Contains("datanyze"), reason: Crawler, note: "Datanyze" },
    BotRule { needle: Contains("outbrain"), reason: Crawler, note: "Outbrain" },
    BotRule { needle: Contains("hotjar"), reason: Crawler, note: "Hotjar page fetcher" },
    BotRule { needle: Contains("heritrix"), reason: Crawler, note: "Heritrix archiving crawler" },
    BotRule { needle: Contains("nutch"), reason: Crawler, note: "Apache Nutch" },
    BotRule { needle: Contains("indexer"), reason: Crawler, note: "A6-Indexer and similar" },
    BotRule { needle: Contains("validator"), reason: Crawler, note: "W3C and schema validators" },
    BotRule { needle: Contains("preview"), reason: Crawler, note: "other previewers (known link previews are matched above)" },
    BotRule { needle: Contains("feed"), reason: Crawler, note: "feed readers and aggregators (Feedly, Feedbin, FeedBurner)" },
    BotRule { needle: Contains("rss"), reason: Crawler, note: "RSS readers" },
    BotRule { needle: Contains("podcast"), reason: Crawler, note: "podcast feed pollers" },
    BotRule { needle: Contains("research"), reason: Crawler, note: "research crawlers" },
    BotRule { needle: Contains("google-"), reason: Crawler, note: "Google-InspectionTool, Google-Site-Verification, Google-Read-Aloud" },
    BotRule { needle: Contains("googleother"), reason: Crawler, note: "GoogleOther" },
    BotRule { needle: Contains("cloudflare"), reason: Crawler, note: "Cloudflare health checks, AlwaysOnline, prefetch" },
    BotRule { needle: Contains("amazon cloudfront"), reason: Crawler, note: "CloudFront origin fetch" },
    BotRule { needle: Contains("zgrab"), reason: Crawler, note: "ZGrab scanner" },
    BotRule { needle: Contains("nmap"), reason: Crawler, note: "Nmap" },
    BotRule { needle: Contains("nikto"), reason: Crawler, note: "Nikto" },
    BotRule { needle: Contains("sqlmap"), reason: Crawler, note: "sqlmap" },
    BotRule { needle: Contains("nessus"), reason: Crawler, note: "Nessus" },
    BotRule { needle: Contains("openvas"), reason: Crawler, note: "OpenVAS" },
    BotRule { needle: Contains("acunetix"), reason: Crawler, note: "Acunetix" },
    BotRule { needle: Contains("qualys"), reason: Crawler, note: "Qualys" },
    BotRule { needle: Contains("censys"), reason: Crawler, note: "Censys" },
    BotRule { needle: Contains("netcraft"), reason: Crawler, note: "Netcraft survey" },
    BotRule { needle: Contains("httrack"), reason: Crawler, note: "HTTrack site copier" },
    BotRule { needle: Contains("webcopier"), reason: Crawler, note: "site copiers" },
    BotRule { needle: Contains("sitesucker"), reason: Crawler, note: "SiteSucker" },
    BotRule { needle: Contains("colly"), reason: Crawler, note: "Go colly scraping framework" },
    BotRule { needle: Contains("trafilatura"), reason: Crawler, note: "trafilatura" },
    BotRule { needle: Contains("newspaper/"), reason: Crawler, note: "newspaper3k" },
    BotRule { needle: Contains("metainspector"), reason: Crawler, note: "MetaInspector" },
    BotRule { needle: Contains("opengraph"), reason: Crawler, note: "OpenGraph checkers" },
    BotRule { needle: Contains("anthropic-ai"), reason: Crawler, note: "AI crawlers" },
    BotRule { needle: Contains("claude-"), reason: Crawler, note: "Claude-User, Claude-SearchBot" },
    BotRule { needle: Contains("cohere-ai"), reason: Crawler, note: "AI crawlers" },
    BotRule { needle: Contains("perplexity"), reason: Crawler, note: "Perplexity-User" },
    BotRule { needle: Contains("gptbot"), reason: Crawler, note: "OpenAI (also caught by the bot word rule)" },
    BotRule { needle: Contains("chatgpt-user"), reason: Crawler, note: "OpenAI user fetch" },
    BotRule { needle: Contains("+http"), reason: Crawler, note: "a \"+http://…\" contact address, the crawler convention" },
    BotRule { needle: Contains("http://"), reason: Crawler, note: "a URL in the user agent; browsers never carry one" },
    BotRule { needle: Contains("https://"), reason: Crawler, note: "a URL in the user agent" },
    BotRule { needle: Contains("www."), reason: Crawler, note: "a host name in the user agent" },
    BotRule { needle: Contains("mailto:"), reason: Crawler, note: "a contact address" },
    BotRule { needle: Contains("(at)"), reason: Crawler, note: "an obfuscated contact address" },
    BotRule { needle: H(Heuristic::ContactAddress), reason: Crawler, note: "a contact e-mail address" },
    BotRule { needle: H(Heuristic::CompatibleNonBrowser), reason: Crawler, note: "\"Mozilla/5.0 (compatible; Name/1.0; …)\" that is not Internet Explorer" },
    BotRule { needle: H(Heuristic::NotABrowser), reason: Crawler, note: "not a browser product: a tool or an app's own client" },
];

use InApp::{
    Alipay, Dingtalk, Douyin, Facebook, Instagram, Line, Linkedin, Messenger, Qq, Snapchat,
    Telegram, Tiktok, Wechat, Weibo, X,
};

/// In-app browser rules, first match wins. Messenger comes before Facebook (it carries
/// `FBAN/`), Instagram before Facebook, DingTalk before Alipay (DingTalk sends `AliApp(`),
/// TikTok before Douyin (both run ByteDance's webview).
#[rustfmt::skip]
pub const IN_APP_RULES: &[InAppRule] = &[
    InAppRule { needle: Contains("fban/messenger"), app: Messenger, note: "Messenger for iOS: \"[FBAN/MessengerForiOS;…]\"" },
    InAppRule { needle: Contains("fb_iab/messenger"), app: Messenger, note: "Messenger for Android, older" },
    InAppRule { needle: Contains("fb_iab/orca-android"), app: Messenger, note: "Messenger for Android (\"Orca\")" },
    InAppRule { needle: Contains("fban/orca-android"), app: Messenger, note: "Messenger for Android, app requests" },
    InAppRule { needle: Contains("instagram"), app: Instagram, note: "\"Instagram 300.0.0.29.110 (iPhone14,5; iOS 17_0; …)\"" },
    InAppRule { needle: Contains("fban/"), app: Facebook, note: "Facebook for iOS: \"[FBAN/FBIOS;FBAV/…]\"" },
    InAppRule { needle: Contains("fb_iab/"), app: Facebook, note: "Facebook for Android: \"[FB_IAB/FB4A;FBAV/…]\"" },
    InAppRule { needle: Contains("fbav/"), app: Facebook, note: "Facebook app version marker" },
    InAppRule { needle: Contains("metaiab facebook"), app: Facebook, note: "Facebook's newer in-app browser marker" },
    InAppRule { needle: Contains("micromessenger"), app: Wechat, note: "WeChat and WeChat Work (\"wxwork/… MicroMessenger/…\")" },
    InAppRule { needle: Contains("wxwork/"), app: Wechat, note: "WeChat Work (企业微信)" },
    InAppRule { needle: Contains(" qq/"), app: Qq, note: "QQ: \"… QQ/8.9.80.611 V1_IPH_SQ_…\"; QQ Browser's \"MQQBrowser/\" has no space before QQ" },
    InAppRule { needle: Contains("weibo"), app: Weibo, note: "Weibo: \"Weibo (iPhone14,2__weibo__13.6.3__iphone__os16.5)\"" },
    InAppRule { needle: Contains("dingtalk"), app: Dingtalk, note: "DingTalk: \"AliApp(DingTalk/7.0.40) com.alibaba.android.rimet/…\"" },
    InAppRule { needle: Contains("alipayclient"), app: Alipay, note: "Alipay: \"AlipayClient/10.5.30.6000\"" },
    InAppRule { needle: Contains("aliapp(ap/"), app: Alipay, note: "Alipay: \"AliApp(AP/10.5.30.6000)\"" },
    InAppRule { needle: Contains("musical_ly"), app: Tiktok, note: "TikTok: \"musical_ly_32.5.0 JsSdk/2.0 … BytedanceWebview/…\"" },
    InAppRule { needle: WordStart("trill_"), app: Tiktok, note: "TikTok for Android in some regions: \"trill_2022509040 … AppName/musical_ly\"" },
    InAppRule { needle: Contains("tiktok"), app: Tiktok, note: "TikTok" },
    InAppRule { needle: Contains("aweme"), app: Douyin, note: "Douyin: \"aweme_27.3.0 JsSdk/2.0 … AppName/aweme … BytedanceWebview/…\"" },
    InAppRule { needle: Contains("douyin"), app: Douyin, note: "Douyin" },
    InAppRule { needle: Contains(" line/"), app: Line, note: "LINE: \"… Safari Line/13.16.0\", \"… Line/13.16.1/IAB\"" },
    InAppRule { needle: Contains("twitter for iphone"), app: X, note: "X for iPhone" },
    InAppRule { needle: Contains("twitter for ipad"), app: X, note: "X for iPad" },
    InAppRule { needle: Contains("twitterandroid"), app: X, note: "X for Android" },
    InAppRule { needle: Contains("snapchat/"), app: Snapchat, note: "Snapchat for iOS: \"Snapchat/12.62.0.36 (like Safari/…)\"" },
    InAppRule { needle: Contains("safari/537.36snapchat"), app: Snapchat, note: "Snapchat for Android glues its name to the Safari token" },
    InAppRule { needle: Contains("linkedinapp"), app: Linkedin, note: "LinkedIn: \"[LinkedInApp]/9.29.8962\"" },
    InAppRule { needle: Contains("telegram-android"), app: Telegram, note: "Telegram for Android webview; Telegram for iOS uses SFSafariViewController, which looks like Safari" },
];

use Platform::{Android, Ios, Ipados, Linux, Macos, Other, Windows};

/// Platform rules, first match wins.
#[rustfmt::skip]
pub const PLATFORM_RULES: &[PlatformRule] = &[
    PlatformRule { needle: Contains("windows phone"), platform: Other, note: "Windows Phone also claims Android and iPhone" },
    PlatformRule { needle: Contains("(pc; openharmony"), platform: Other, note: "HarmonyOS PCs" },
    PlatformRule { needle: Contains("kaios"), platform: Other, note: "KaiOS feature phones, some of which also say Android" },
    PlatformRule { needle: Contains("ipad"), platform: Ipados, note: "iPad (iPadOS 13+ Safari sends a Macintosh string instead)" },
    PlatformRule { needle: Contains("iphone"), platform: Ios, note: "iPhone" },
    PlatformRule { needle: Contains("ipod"), platform: Ios, note: "iPod touch" },
    PlatformRule { needle: Contains("harmonyos"), platform: Android, note: "HarmonyOS phones run Android apps and app-store links" },
    PlatformRule { needle: Contains("openharmony"), platform: Android, note: "HarmonyOS NEXT: \"(Phone; OpenHarmony 5.0)\"" },
    PlatformRule { needle: Contains("android"), platform: Android, note: "Android" },
    PlatformRule { needle: Contains("cros "), platform: Linux, note: "ChromeOS (\"X11; CrOS x86_64\") counts as desktop Linux" },
    PlatformRule { needle: Contains("windows"), platform: Windows, note: "Windows" },
    PlatformRule { needle: Contains("macintosh"), platform: Macos, note: "macOS, and iPadOS 13+ in desktop mode" },
    PlatformRule { needle: Contains("mac os x"), platform: Macos, note: "macOS, unusual forms" },
    PlatformRule { needle: Contains("linux"), platform: Linux, note: "desktop Linux (Android is matched above)" },
    PlatformRule { needle: Contains("x11"), platform: Linux, note: "BSD and other X11 desktops" },
];

use Evidence::{Browser, Device};
use Vendor::{Honor, Huawei, Oppo, Samsung, Vivo, Xiaomi};

/// Vendor rules on the whole user agent; used only for Android. Model rules run first.
#[rustfmt::skip]
pub const VENDOR_RULES: &[VendorRule] = &[
    VendorRule { needle: Contains("harmonyos"), vendor: Huawei, evidence: Device, note: "HarmonyOS" },
    VendorRule { needle: Contains("openharmony"), vendor: Huawei, evidence: Device, note: "HarmonyOS NEXT" },
    VendorRule { needle: Contains("hmscore"), vendor: Huawei, evidence: Device, note: "Huawei Mobile Services marker" },
    VendorRule { needle: Contains("build/honor"), vendor: Honor, evidence: Device, note: "\"Build/HONORHRY-LX1\"" },
    VendorRule { needle: Contains("build/huawei"), vendor: Huawei, evidence: Device, note: "\"Build/HUAWEIELS-AN00\"" },
    VendorRule { needle: Word("honor"), vendor: Honor, evidence: Device, note: "\"HONOR X9b\" outside the model slot (not \"HonorBrowser\")" },
    VendorRule { needle: Word("huawei"), vendor: Huawei, evidence: Device, note: "\"HUAWEI-ELS-AN00__weibo__…\" (not \"HuaweiBrowser\")" },
    VendorRule { needle: Contains("xiaomi/xiaomi"), vendor: Xiaomi, evidence: Device, note: "Instagram's device tuple" },
    VendorRule { needle: Contains("; samsung; "), vendor: Samsung, evidence: Device, note: "Instagram's device tuple" },
    VendorRule { needle: Contains("; oppo; "), vendor: Oppo, evidence: Device, note: "Instagram's device tuple" },
    VendorRule { needle: Contains("; vivo; "), vendor: Vivo, evidence: Device, note: "Instagram's device tuple" },
    VendorRule { needle: Contains("huaweibrowser"), vendor: Huawei, evidence: Browser, note: "Huawei Browser" },
    VendorRule { needle: Contains("honorbrowser"), vendor: Honor, evidence: Browser, note: "Honor Browser" },
    VendorRule { needle: Contains("miuibrowser"), vendor: Xiaomi, evidence: Browser, note: "Mi Browser: \"XiaoMi/MiuiBrowser/13.18.0\"" },
    VendorRule { needle: Contains("heytapbrowser"), vendor: Oppo, evidence: Browser, note: "OPPO/realme/OnePlus browser" },
    VendorRule { needle: Contains("oppobrowser"), vendor: Oppo, evidence: Browser, note: "OPPO browser, older" },
    VendorRule { needle: Contains("vivobrowser"), vendor: Vivo, evidence: Browser, note: "vivo browser" },
    VendorRule { needle: Contains("samsungbrowser"), vendor: Samsung, evidence: Browser, note: "Samsung Internet" },
];

/// Device-model rules, first match wins: names and maker-specific prefixes first, then Honor's
/// own codes, then the generic Huawei code shapes (which Honor codes and some Samsung prefixes
/// would also fit). Sources: the makers' own model listings, cross-checked against public
/// device databases.
///
/// Shapes: `@` a letter, `#` a digit, `+` a digit other than `0`, `~` a `0` or `1` (so `2+~#`
/// reads as a year from 2021 and a month), a final `*` any tail; see [`Needle::Shape`].
#[rustfmt::skip]
pub const MODEL_RULES: &[ModelRule] = &[
    // Samsung.
    ModelRule { needle: WordStart("samsung"), vendor: Samsung, note: "\"SAMSUNG SM-A032M\"" },
    ModelRule { needle: Prefix("galaxy"), vendor: Samsung, note: "\"Galaxy A72\", \"Galaxy Nexus\"" },
    ModelRule { needle: Shape("sm-@###*"), vendor: Samsung, note: "\"SM-S918B\", \"SM-G991U1\"" },
    ModelRule { needle: Shape("gt-@###*"), vendor: Samsung, note: "older: \"GT-I9500\"" },
    ModelRule { needle: Shape("sgh-*"), vendor: Samsung, note: "older US carriers: \"SGH-I337\"" },
    ModelRule { needle: Shape("sch-*"), vendor: Samsung, note: "older CDMA: \"SCH-I545\"" },
    ModelRule { needle: Shape("shv-*"), vendor: Samsung, note: "Korea: \"SHV-E250S\"" },
    ModelRule { needle: Shape("sph-*"), vendor: Samsung, note: "Sprint: \"SPH-L720\"" },
    ModelRule { needle: Shape("sc-##@*"), vendor: Samsung, note: "NTT docomo: \"SC-51A\"" },
    ModelRule { needle: Shape("scg##*"), vendor: Samsung, note: "au: \"SCG16\"" },
    ModelRule { needle: Shape("scv##*"), vendor: Samsung, note: "au, older: \"SCV48\"" },
    ModelRule { needle: Shape("scl##*"), vendor: Samsung, note: "au, older: \"SCL24\"" },
    // Xiaomi, Redmi, POCO.
    ModelRule { needle: WordStart("xiaomi"), vendor: Xiaomi, note: "\"Xiaomi 13\"" },
    ModelRule { needle: WordStart("redmi"), vendor: Xiaomi, note: "\"Redmi Note 9 Pro\"" },
    ModelRule { needle: WordStart("poco"), vendor: Xiaomi, note: "\"POCO F3\", \"POCOPHONE F1\"" },
    ModelRule { needle: Prefix("mi "), vendor: Xiaomi, note: "\"MI 9\", \"Mi Note 10\", \"MI MAX 3\"" },
    ModelRule { needle: Prefix("mi-"), vendor: Xiaomi, note: "\"Mi-4c\"" },
    ModelRule { needle: Prefix("mix "), vendor: Xiaomi, note: "\"MIX 2S\"" },
    ModelRule { needle: Prefix("hm "), vendor: Xiaomi, note: "Hongmi, Redmi's first name: \"HM NOTE 1LTE\"" },
    ModelRule { needle: Shape("xig##"), vendor: Xiaomi, note: "au (Japan): \"XIG02\"" },
    ModelRule { needle: Shape("a###xm"), vendor: Xiaomi, note: "SoftBank (Japan): \"A101XM\"" },
    ModelRule { needle: Shape("m##~#@#@*"), vendor: Xiaomi, note: "dated code: \"M2006C3LG\", \"M1906G7G\"" },
    ModelRule { needle: Shape("m##~#@##@*"), vendor: Xiaomi, note: "dated code: \"M2012K11AC\", \"M2004J19C\"" },
    ModelRule { needle: Shape("2+~##@@##@"), vendor: Xiaomi, note: "dated code: \"23043RP34G\"" },
    ModelRule { needle: Shape("2+~##@@#@@"), vendor: Xiaomi, note: "dated code: \"24048RN6CG\"" },
    ModelRule { needle: Shape("2+~##@@@#@"), vendor: Xiaomi, note: "dated code: \"23021RAA2Y\"" },
    ModelRule { needle: Shape("2+~##@@@@@"), vendor: Xiaomi, note: "dated code: \"23021RAAEG\"" },
    ModelRule { needle: Shape("2+~##@@@#@@"), vendor: Xiaomi, note: "dated code: \"23049PCD8G\"" },
    ModelRule { needle: Shape("2+~##@@@##@"), vendor: Xiaomi, note: "dated code: \"23049RAD8C\"" },
    ModelRule { needle: Shape("2+~#@@@#@@"), vendor: Xiaomi, note: "dated code: \"2406ERN9CC\"" },
    ModelRule { needle: Shape("2+~#@@@##@"), vendor: Xiaomi, note: "dated code: \"2303CRA44A\"" },
    ModelRule { needle: Shape("2+~#@@@@@@"), vendor: Xiaomi, note: "dated code: \"2312DRAABC\"" },
    ModelRule { needle: Shape("2+~#@@##@@"), vendor: Xiaomi, note: "dated code: \"23127PN0CC\"" },
    ModelRule { needle: Shape("2+~###@@"), vendor: Xiaomi, note: "dated code: \"220733SG\" (Redmi A1), \"211033MI\"" },
    ModelRule { needle: Shape("2+~####@"), vendor: Xiaomi, note: "dated code: \"2201123C\"" },
    ModelRule { needle: Shape("2+~####@@"), vendor: Xiaomi, note: "dated code: \"2107113SG\"" },
    ModelRule { needle: Shape("2+~#####@"), vendor: Xiaomi, note: "dated code: \"22101316G\"" },
    ModelRule { needle: Shape("2+~#####@@"), vendor: Xiaomi, note: "dated code: \"22021119KR\"" },
    // OPPO, OnePlus, realme (one company, one app market).
    ModelRule { needle: WordStart("oppo"), vendor: Oppo, note: "\"OPPO R11s\"" },
    ModelRule { needle: WordStart("oneplus"), vendor: Oppo, note: "\"ONEPLUS A6013\", \"OnePlus 7 Pro\"" },
    ModelRule { needle: WordStart("realme"), vendor: Oppo, note: "\"Realme 3 Pro\"" },
    ModelRule { needle: Shape("rmx####*"), vendor: Oppo, note: "realme: \"RMX3142\"" },
    ModelRule { needle: Shape("cph####*"), vendor: Oppo, note: "OPPO and OnePlus global: \"CPH2185\", \"CPH2581\"" },
    ModelRule { needle: Shape("p@@@##"), vendor: Oppo, note: "OPPO China: \"PCLM10\", \"PEGM00\"" },
    ModelRule { needle: Shape("p@@1#0"), vendor: Oppo, note: "OPPO/OnePlus China: \"PHA120\", \"PGZ110\"" },
    ModelRule { needle: Shape("opg##"), vendor: Oppo, note: "OPPO Japan (au): \"OPG01\"" },
    ModelRule { needle: Shape("a###op"), vendor: Oppo, note: "OPPO Japan: \"A101OP\"" },
    ModelRule { needle: Shape("one @####"), vendor: Oppo, note: "OnePlus 2 / X: \"ONE A2005\", \"ONE E1003\"" },
    ModelRule { needle: Shape("a0001"), vendor: Oppo, note: "OnePlus One" },
    ModelRule { needle: Shape("gm19##*"), vendor: Oppo, note: "OnePlus 7: \"GM1913\"" },
    ModelRule { needle: Shape("hd19##*"), vendor: Oppo, note: "OnePlus 7T: \"HD1913\"" },
    ModelRule { needle: Shape("in20##*"), vendor: Oppo, note: "OnePlus 8: \"IN2023\"" },
    ModelRule { needle: Shape("kb20##*"), vendor: Oppo, note: "OnePlus 8T: \"KB2003\"" },
    ModelRule { needle: Shape("le21##*"), vendor: Oppo, note: "OnePlus 9: \"LE2123\"" },
    ModelRule { needle: Shape("ne22##*"), vendor: Oppo, note: "OnePlus 10 Pro: \"NE2213\"" },
    ModelRule { needle: Shape("ac20##*"), vendor: Oppo, note: "OnePlus Nord: \"AC2003\"" },
    ModelRule { needle: Shape("dn21##*"), vendor: Oppo, note: "OnePlus Nord 2: \"DN2103\"" },
    ModelRule { needle: Shape("dn22##*"), vendor: Oppo, note: "OnePlus Nord CE 2 Lite" },
    ModelRule { needle: Shape("eb21##*"), vendor: Oppo, note: "OnePlus Nord CE: \"EB2103\"" },
    ModelRule { needle: Shape("be20##*"), vendor: Oppo, note: "OnePlus Nord N10/N100: \"BE2029\"" },
    ModelRule { needle: Shape("de21##*"), vendor: Oppo, note: "OnePlus Nord N200: \"DE2118\"" },
    ModelRule { needle: Shape("mt21##*"), vendor: Oppo, note: "OnePlus 9RT: \"MT2110\"" },
    ModelRule { needle: Shape("iv22##*"), vendor: Oppo, note: "OnePlus Ace China: \"IV2201\"" },
    ModelRule { needle: Shape("gn22##*"), vendor: Oppo, note: "OnePlus Nord CE 3" },
    // vivo and iQOO.
    ModelRule { needle: Prefix("vivo"), vendor: Vivo, note: "\"vivo 1906\", \"vivo Y19t\" (not \"BLU VIVO\")" },
    ModelRule { needle: WordStart("iqoo"), vendor: Vivo, note: "\"iQOO 8\"" },
    ModelRule { needle: Shape("v1###"), vendor: Vivo, note: "global: \"V1901\"" },
    ModelRule { needle: Shape("v2###"), vendor: Vivo, note: "global: \"V2111\", \"V2330\"" },
    ModelRule { needle: Shape("v1###@"), vendor: Vivo, note: "China: \"V1981A\"" },
    ModelRule { needle: Shape("v2###@"), vendor: Vivo, note: "China: \"V2059A\", \"V2229A\"" },
    ModelRule { needle: Shape("v1###@@"), vendor: Vivo, note: "\"V1824BA\"" },
    ModelRule { needle: Shape("v2###@@"), vendor: Vivo, note: "\"V2031EA\"" },
    ModelRule { needle: Shape("v2###_*"), vendor: Vivo, note: "\"V2043_21\"" },
    // Honor: named, or a code Honor has shipped under its own name since the 2020 split.
    // (Honor phones sold before the split carry Huawei's AppGallery and count as Huawei.)
    ModelRule { needle: WordStart("honor"), vendor: Honor, note: "\"HONOR X9b\", \"Honor 30S\"" },
    ModelRule { needle: Shape("adt-@*"), vendor: Honor, note: "Honor (ADT-AN00); not \"ADT-2\" set-top boxes" },
    ModelRule { needle: Shape("agi-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("agt-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("ali-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("amg-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("amm-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("amp-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("anb-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("ann-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("anp-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("any-*"), vendor: Honor, note: "Honor X30 / Magic4 Lite (ANY-AN00, ANY-LX1)" },
    ModelRule { needle: Shape("bkq-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("brc-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("brp-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("brt-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("bvl-*"), vendor: Honor, note: "Honor Magic6 (BVL-AN00, BVL-N49)" },
    ModelRule { needle: Shape("clk-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("cma-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("crt-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("dio-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("dnp-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("dny-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("dvd-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("eli-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("elp-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("elz-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("fcp-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("flc-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("fne-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("fri-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("gia-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("hjc-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("hpb-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("jdy-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("jlh-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("koz-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("lge-*"), vendor: Honor, note: "Honor 70 (LGE-AN00, LGE-NX9)" },
    ModelRule { needle: Shape("lgn-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("lly-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("lsa-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("maa-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("mbh-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("mgi-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("mtn-an*"), vendor: Honor, note: "Honor (MTN-AN00); MTN- alone is also a carrier brand" },
    ModelRule { needle: Shape("mtn-nx*"), vendor: Honor, note: "Honor (MTN-NX3)" },
    ModelRule { needle: Shape("nla-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("nth-*"), vendor: Honor, note: "Honor 50 (NTH-AN00, NTH-NX9)" },
    ModelRule { needle: Shape("ntn-*"), vendor: Honor, note: "Honor 50 Lite (NTN-LX1)" },
    ModelRule { needle: Shape("pgt-*"), vendor: Honor, note: "Honor Magic5 (PGT-AN00, PGT-N19)" },
    ModelRule { needle: Shape("ptp-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("rbn-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("rea-*"), vendor: Honor, note: "Honor 90 (REA-AN00, REA-NX9)" },
    ModelRule { needle: Shape("rky-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("rmo-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("rna-*"), vendor: Honor, note: "Honor 60 (RNA-AN00)" },
    ModelRule { needle: Shape("tfy-*"), vendor: Honor, note: "Honor X8 (TFY-LX1)" },
    ModelRule { needle: Shape("ver-*"), vendor: Honor, note: "Honor Magic V2 (VER-AN10, VER-N49)" },
    ModelRule { needle: Shape("vne-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("wdy-*"), vendor: Honor, note: "Honor code" },
    ModelRule { needle: Shape("wod-*"), vendor: Honor, note: "Honor code" },
    // Huawei: named, or three letters, a dash and a Huawei region/network suffix.
    ModelRule { needle: WordStart("huawei"), vendor: Huawei, note: "\"HUAWEI MLA-AL10\"" },
    ModelRule { needle: Prefix("mate "), vendor: Huawei, note: "\"Mate 40 RS\"" },
    ModelRule { needle: Prefix("enjoy "), vendor: Huawei, note: "\"Enjoy 20 5G\"" },
    ModelRule { needle: Shape("###hw"), vendor: Huawei, note: "SoftBank (Japan): \"704HW\"" },
    ModelRule { needle: Shape("@@@-al##*"), vendor: Huawei, note: "China Mobile/Unicom: \"CLT-AL01\"" },
    ModelRule { needle: Shape("@@@-an##*"), vendor: Huawei, note: "China 5G: \"ELS-AN00\", \"NOH-AN00\"" },
    ModelRule { needle: Shape("@@@-tl##*"), vendor: Huawei, note: "China TD-LTE: \"BND-TL10\"" },
    ModelRule { needle: Shape("@@@-tn##*"), vendor: Huawei, note: "China 5G: \"BMH-TN10\"" },
    ModelRule { needle: Shape("@@@-l##*"), vendor: Huawei, note: "global LTE: \"VOG-L29\", \"ELE-L29\"" },
    ModelRule { needle: Shape("@@@-lx#*"), vendor: Huawei, note: "global LTE: \"MAR-LX1A\", \"JNY-LX1\"" },
    ModelRule { needle: Shape("@@@-nx#*"), vendor: Huawei, note: "global 5G: \"NOH-NX9\"" },
    ModelRule { needle: Shape("@@@-n##*"), vendor: Huawei, note: "global 5G: \"OCE-N49\"" },
    ModelRule { needle: Shape("@@@-w##*"), vendor: Huawei, note: "Wi-Fi tablets: \"BAH3-W09\"" },
    ModelRule { needle: Shape("@@@#-*"), vendor: Huawei, note: "tablets and older phones: \"AGS3K-W09\", \"Che2-L11\"" },
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
            | Needle::Shape(s) => Some(s),
            Needle::Heuristic(_) => None,
        }
    }

    fn all_needles() -> impl Iterator<Item = Needle> {
        BOT_RULES
            .iter()
            .map(|r| r.needle)
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
