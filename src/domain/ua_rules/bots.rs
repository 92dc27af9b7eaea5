//! The bot rules: hand-written families first, then the rows generated from maintained lists.

use super::super::agent::BotReason;
use super::{BotRule, Heuristic, Needle};

use BotReason::{Crawler, EmailScanner, Headless, HttpLibrary, LinkPreview};
use Needle::{Contains, Heuristic as H, Prefix, Versioned, Word, WordEnd, WordStart};

/// Bot rules, grouped by family in [`BOT_FAMILY_ORDER`].
#[rustfmt::skip]
pub const BOT_RULES: &[BotRule] = &[
    // --- Link previews: a messenger or social network fetching the page to draw a card. ---
    BotRule { needle: Contains("facebookexternalhit"), reason: LinkPreview }, // Facebook, Messenger, and iMessage ("… facebookexternalhit/1.1 Facebot Twitterbot/1.0"), LINE, KakaoTalk
    BotRule { needle: Contains("meta-externalhit"), reason: LinkPreview }, // Meta link preview, newer name
    BotRule { needle: Contains("meta-externalfetcher"), reason: LinkPreview }, // Meta user-initiated fetch
    BotRule { needle: Contains("facebookcatalog"), reason: LinkPreview }, // Meta product catalogue fetcher
    BotRule { needle: Contains("whatsapp"), reason: LinkPreview }, // WhatsApp (and Signal, which borrows its name) link preview
    BotRule { needle: Contains("telegrambot"), reason: LinkPreview }, // Telegram link preview: "TelegramBot (like TwitterBot)"
    BotRule { needle: Contains("slackbot"), reason: LinkPreview }, // Slack unfurler: "Slackbot-LinkExpanding 1.0"
    BotRule { needle: Contains("slack-imgproxy"), reason: LinkPreview }, // Slack image proxy
    BotRule { needle: Contains("twitterbot"), reason: LinkPreview }, // X/Twitter card fetcher
    BotRule { needle: Contains("skypeuripreview"), reason: LinkPreview }, // Skype and Teams link preview
    BotRule { needle: Contains("microsoftpreview"), reason: LinkPreview }, // Microsoft Teams/Outlook link preview
    BotRule { needle: Contains("linkedinbot"), reason: LinkPreview }, // LinkedIn link preview
    BotRule { needle: Contains("discordbot"), reason: LinkPreview }, // Discord embed
    BotRule { needle: Contains("pinterestbot"), reason: LinkPreview }, // Pinterest pin fetcher (not the Pinterest app's in-app browser)
    BotRule { needle: Prefix("pinterest/0."), reason: LinkPreview }, // Pinterest/0.2 (+https://www.pinterest.com/bot.html)
    BotRule { needle: Contains("redditbot"), reason: LinkPreview }, // Reddit link preview
    BotRule { needle: Prefix("viber"), reason: LinkPreview }, // Viber link preview sends just "Viber"
    BotRule { needle: Contains("snapurlpreview"), reason: LinkPreview }, // Snapchat link preview
    BotRule { needle: Contains("snap url preview"), reason: LinkPreview }, // Snapchat link preview, older name
    BotRule { needle: Contains("google-pagerenderer"), reason: LinkPreview }, // Google snippet renderer
    BotRule { needle: Contains("google web preview"), reason: LinkPreview }, // Google web preview, older
    BotRule { needle: Contains("applebot"), reason: LinkPreview }, // Apple's crawler for Siri/Spotlight suggestions and previews
    BotRule { needle: Contains("vkshare"), reason: LinkPreview }, // VK share preview
    BotRule { needle: Contains("embedly"), reason: LinkPreview }, // Embedly card service
    BotRule { needle: Contains("iframely"), reason: LinkPreview }, // Iframely card service
    BotRule { needle: Contains("kakaotalk-scrap"), reason: LinkPreview }, // KakaoTalk link preview
    BotRule { needle: Contains("yahoo link preview"), reason: LinkPreview }, // Yahoo Mail link preview
    BotRule { needle: Contains("mastodon/"), reason: LinkPreview }, // Mastodon link card: "http.rb/… (Mastodon/4.2; +https://…)"
    BotRule { needle: Contains("pleroma"), reason: LinkPreview }, // Pleroma/Akkoma link card
    BotRule { needle: Contains("akkoma"), reason: LinkPreview }, // Akkoma link card
    BotRule { needle: Contains("misskey"), reason: LinkPreview }, // Misskey link card
    BotRule { needle: Contains("gotosocial"), reason: LinkPreview }, // GoToSocial link card
    BotRule { needle: Contains("friendica"), reason: LinkPreview }, // Friendica link card
    BotRule { needle: WordStart("lemmy/"), reason: LinkPreview }, // Lemmy link card
    BotRule { needle: WordStart("bluesky"), reason: LinkPreview }, // Bluesky card fetcher
    BotRule { needle: Prefix("messages"), reason: LinkPreview }, // Apple Messages fetching a rich link: "MessagesViewService/1.0 CFNetwork/…"
    BotRule { needle: Contains("ms-office"), reason: LinkPreview }, // Office apps probe a link before handing it to the browser; the person's browser arrives next
    BotRule { needle: Contains("microsoft office"), reason: LinkPreview }, // Office "Existence Discovery" probe, as above
    BotRule { needle: Contains("linkpreview"), reason: LinkPreview }, // generic: Orlo-LinkPreview and similar
    BotRule { needle: Contains("link preview"), reason: LinkPreview }, // generic
    BotRule { needle: Contains("urlpreview"), reason: LinkPreview }, // generic
    BotRule { needle: Contains("unfurl"), reason: LinkPreview }, // generic: ClickUpLinkUnfurler and similar
    // --- E-mail security scanners: gateways that open every link before the inbox does. ---
    BotRule { needle: Contains("bingpreview"), reason: EmailScanner }, // Microsoft: Outlook/Exchange link checks and Bing previews
    BotRule { needle: Contains("safelinks"), reason: EmailScanner }, // Microsoft Defender Safe Links
    BotRule { needle: Contains("googleimageproxy"), reason: EmailScanner }, // Gmail image proxy ("… (via ggpht.com GoogleImageProxy)")
    BotRule { needle: Contains("google-safety"), reason: EmailScanner }, // Google's safe-browsing link checker
    BotRule { needle: Contains("yahoomailproxy"), reason: EmailScanner }, // Yahoo Mail proxy
    BotRule { needle: Contains("yahoocachesystem"), reason: EmailScanner }, // Yahoo Mail cache
    BotRule { needle: Contains("mimecast"), reason: EmailScanner }, // Mimecast URL Protect
    BotRule { needle: Contains("proofpoint"), reason: EmailScanner }, // Proofpoint URL Defense
    BotRule { needle: Contains("barracuda"), reason: EmailScanner }, // Barracuda Link Protection / Sentinel
    BotRule { needle: Contains("symantec"), reason: EmailScanner }, // Symantec (Broadcom) Email Security.cloud
    BotRule { needle: Contains("messagelabs"), reason: EmailScanner }, // Symantec MessageLabs
    BotRule { needle: Contains("trendmicro"), reason: EmailScanner }, // Trend Micro Email Security
    BotRule { needle: Contains("trend micro"), reason: EmailScanner }, // Trend Micro Email Security
    BotRule { needle: Contains("sophos"), reason: EmailScanner }, // Sophos Email
    BotRule { needle: Contains("ironport"), reason: EmailScanner }, // Cisco Secure Email (IronPort)
    BotRule { needle: Contains("fireeye"), reason: EmailScanner }, // FireEye / Trellix Email Security
    BotRule { needle: Contains("trellix"), reason: EmailScanner }, // Trellix Email Security
    BotRule { needle: Contains("zscaler"), reason: EmailScanner }, // Zscaler sandbox
    BotRule { needle: Contains("forcepoint"), reason: EmailScanner }, // Forcepoint Email Security
    BotRule { needle: Contains("cloudmark"), reason: EmailScanner }, // Cloudmark
    BotRule { needle: Contains("avanan"), reason: EmailScanner }, // Avanan (Check Point Harmony Email)
    BotRule { needle: Contains("checkpoint"), reason: EmailScanner }, // Check Point
    BotRule { needle: Contains("check point"), reason: EmailScanner }, // Check Point
    BotRule { needle: Contains("fortiguard"), reason: EmailScanner }, // Fortinet FortiGuard
    BotRule { needle: Contains("fortimail"), reason: EmailScanner }, // Fortinet FortiMail
    BotRule { needle: Contains("fortinet"), reason: EmailScanner }, // Fortinet
    BotRule { needle: Contains("virustotal"), reason: EmailScanner }, // VirusTotal URL scans ("appid: s~virustotalcloud")
    BotRule { needle: Contains("urlscan"), reason: EmailScanner }, // urlscan.io and similar URL scanners
    // --- HTTP libraries and command-line clients. ---
    BotRule { needle: WordStart("curl"), reason: HttpLibrary }, // curl, libcurl, PHP-Curl-Class
    BotRule { needle: WordStart("wget"), reason: HttpLibrary }, // GNU Wget
    BotRule { needle: Contains("python"), reason: HttpLibrary }, // python-requests, Python-urllib, python-httpx, "Python/3.9 aiohttp"
    BotRule { needle: Contains("aiohttp"), reason: HttpLibrary }, // aiohttp
    BotRule { needle: WordStart("httpx"), reason: HttpLibrary }, // httpx
    BotRule { needle: WordStart("requests/"), reason: HttpLibrary }, // "… requests/2.25.1" without the python- prefix
    BotRule { needle: Contains("urllib"), reason: HttpLibrary }, // urllib, urllib3
    BotRule { needle: Contains("go-http-client"), reason: HttpLibrary }, // Go net/http
    BotRule { needle: Versioned("java/"), reason: HttpLibrary }, // Java HttpURLConnection: "Java/1.8.0_151" (not a feature phone's "Java/Jbed/7.0")
    BotRule { needle: WordStart("java "), reason: HttpLibrary }, // "(java 1.5)"
    BotRule { needle: Contains("httpclient"), reason: HttpLibrary }, // Apache-HttpClient, Jakarta Commons-HttpClient, .NET HttpClient, "HTTPClient 4.5"
    BotRule { needle: Contains("okhttp"), reason: HttpLibrary }, // OkHttp
    BotRule { needle: WordStart("jersey/"), reason: HttpLibrary }, // Jersey client
    BotRule { needle: WordStart("jetty/"), reason: HttpLibrary }, // Jetty client
    BotRule { needle: Prefix("ahc/"), reason: HttpLibrary }, // AsyncHttpClient
    BotRule { needle: Prefix("dalvik/"), reason: HttpLibrary }, // Android's HttpURLConnection default; a browser never sends it
    BotRule { needle: Contains("cfnetwork"), reason: HttpLibrary }, // Apple's URL loading system from an app; Safari and WKWebView send a Mozilla string
    BotRule { needle: Contains("node-fetch"), reason: HttpLibrary }, // node-fetch
    BotRule { needle: WordStart("undici"), reason: HttpLibrary }, // undici (Node's fetch)
    BotRule { needle: WordStart("axios"), reason: HttpLibrary }, // axios
    BotRule { needle: Prefix("got "), reason: HttpLibrary }, // got: "got (https://github.com/sindresorhus/got)"
    BotRule { needle: Prefix("got/"), reason: HttpLibrary }, // got
    BotRule { needle: Contains("superagent"), reason: HttpLibrary }, // superagent
    BotRule { needle: Word("node"), reason: HttpLibrary }, // Node's built-in fetch sends just "node"
    BotRule { needle: Prefix("deno/"), reason: HttpLibrary }, // Deno fetch
    BotRule { needle: Prefix("bun/"), reason: HttpLibrary }, // Bun fetch
    BotRule { needle: Contains("libwww-perl"), reason: HttpLibrary }, // Perl LWP
    BotRule { needle: WordStart("lwp-"), reason: HttpLibrary }, // Perl LWP helpers
    BotRule { needle: WordStart("lwp::"), reason: HttpLibrary }, // Perl LWP::Simple
    BotRule { needle: Contains("mechanize"), reason: HttpLibrary }, // WWW::Mechanize, Ruby Mechanize
    BotRule { needle: Contains("anyevent-http"), reason: HttpLibrary }, // Perl AnyEvent::HTTP
    BotRule { needle: Contains("postmanruntime"), reason: HttpLibrary }, // Postman
    BotRule { needle: Prefix("insomnia/"), reason: HttpLibrary }, // Insomnia
    BotRule { needle: Contains("httpie"), reason: HttpLibrary }, // HTTPie
    BotRule { needle: Prefix("ruby"), reason: HttpLibrary }, // Ruby net/http: "Ruby"
    BotRule { needle: WordStart("ruby/"), reason: HttpLibrary }, // "Mechanize/2.9.1 Ruby/3.1.2"
    BotRule { needle: Contains("faraday"), reason: HttpLibrary }, // Ruby Faraday
    BotRule { needle: Contains("rest-client"), reason: HttpLibrary }, // Ruby rest-client
    BotRule { needle: Contains("typhoeus"), reason: HttpLibrary }, // Ruby Typhoeus
    BotRule { needle: WordStart("http.rb/"), reason: HttpLibrary }, // Ruby http.rb (Mastodon's is caught as a link preview first)
    BotRule { needle: Prefix("dart/"), reason: HttpLibrary }, // Dart/Flutter dart:io: "Dart/3.2 (dart:io)"
    BotRule { needle: Contains("dart:io"), reason: HttpLibrary }, // Dart dart:io
    BotRule { needle: Contains("guzzlehttp"), reason: HttpLibrary }, // PHP Guzzle
    BotRule { needle: WordStart("php/"), reason: HttpLibrary }, // PHP streams: "PHP/7.4"
    BotRule { needle: Prefix("php"), reason: HttpLibrary }, // other PHP clients
    BotRule { needle: Contains("pcore-http"), reason: HttpLibrary }, // Perl Pcore
    BotRule { needle: Contains("http_request"), reason: HttpLibrary }, // PEAR HTTP_Request
    BotRule { needle: Prefix("http_get"), reason: HttpLibrary }, // http_get
    BotRule { needle: Contains("httpunit"), reason: HttpLibrary }, // HttpUnit
    BotRule { needle: Contains("winhttp"), reason: HttpLibrary }, // Windows WinHTTP
    BotRule { needle: Contains("windowspowershell"), reason: HttpLibrary }, // PowerShell Invoke-WebRequest
    BotRule { needle: Prefix("reqwest"), reason: HttpLibrary }, // Rust reqwest
    BotRule { needle: Prefix("hyper/"), reason: HttpLibrary }, // Rust hyper
    BotRule { needle: Contains("restsharp"), reason: HttpLibrary }, // .NET RestSharp
    BotRule { needle: Contains("lua-resty-http"), reason: HttpLibrary }, // OpenResty
    BotRule { needle: Contains("indy library"), reason: HttpLibrary }, // Delphi Indy
    BotRule { needle: Contains("xmlhttp/"), reason: HttpLibrary }, // "XMLHTTP/1.0"
    // --- Headless and automated browsers. ---
    BotRule { needle: Contains("headless"), reason: Headless }, // HeadlessChrome
    BotRule { needle: Contains("phantomjs"), reason: Headless }, // PhantomJS
    BotRule { needle: Contains("slimerjs"), reason: Headless }, // SlimerJS
    BotRule { needle: Contains("puppeteer"), reason: Headless }, // Puppeteer marker
    BotRule { needle: Contains("playwright"), reason: Headless }, // Playwright marker
    BotRule { needle: Contains("selenium"), reason: Headless }, // Selenium marker
    BotRule { needle: Contains("webdriver"), reason: Headless }, // WebDriver marker
    BotRule { needle: Contains("lighthouse"), reason: Headless }, // Chrome-Lighthouse, PageSpeed Insights
    BotRule { needle: Contains("htmlunit"), reason: Headless }, // HtmlUnit
    BotRule { needle: Contains("jsdom/"), reason: Headless }, // jsdom
    BotRule { needle: Contains(" splash "), reason: Headless }, // Scrapinghub Splash
    BotRule { needle: WordStart("ptst/"), reason: Headless }, // WebPageTest agent
    BotRule { needle: Contains("gtmetrix"), reason: Headless }, // GTmetrix
    // --- Crawlers and everything else that says it is automated. ---
    BotRule { needle: WordEnd("bot"), reason: Crawler }, // Googlebot, bingbot, AhrefsBot, "…/bot.html" (not Cubot phones, not bottle)
    BotRule { needle: Contains("crawl"), reason: Crawler }, // crawler, crawling
    BotRule { needle: Contains("spider"), reason: Crawler }, // Baiduspider, 360Spider, Sogou web spider
    BotRule { needle: Contains("slurp"), reason: Crawler }, // Yahoo! Slurp
    BotRule { needle: Contains("scrap"), reason: Crawler }, // scraper, scraping, Scrapy
    BotRule { needle: Contains("fetch"), reason: Crawler }, // Feedfetcher-Google, kagi-fetcher, "… Fetcher/"
    BotRule { needle: Contains("scan"), reason: Crawler }, // scanner, scanning, masscan, adscanner
    BotRule { needle: Contains("check"), reason: Crawler }, // link checker, health check, "Uptime_Checker"
    BotRule { needle: Contains("monitor"), reason: Crawler }, // uptime and synthetic monitors
    BotRule { needle: Contains("uptime"), reason: Crawler }, // uptime monitors
    BotRule { needle: Contains("synthetic"), reason: Crawler }, // DatadogSynthetics, NewRelicSynthetics, RuxitSynthetic
    BotRule { needle: Contains("archive"), reason: Crawler }, // archive.org, ia_archiver, Archive-It
    BotRule { needle: Contains("robots"), reason: Crawler }, // "Luminator-robots/2.0"
    BotRule { needle: Contains("-google"), reason: Crawler }, // Mediapartners-Google, AppEngine-Google, PlayStore-Google
    BotRule { needle: Contains("google search console"), reason: Crawler }, // Search Console's live test: "(KHTML, like Gecko; Google Search Console)"
    BotRule { needle: Contains("google favicon"), reason: Crawler }, // Google's favicon fetcher
    BotRule { needle: Contains("ips-agent"), reason: Crawler }, // ips-agent crawler
    BotRule { needle: Contains("pingdom"), reason: Crawler }, // Pingdom transaction monitor
    BotRule { needle: Contains("appinsights"), reason: Crawler }, // Azure Application Insights availability test
    BotRule { needle: Contains("thousandeyes"), reason: Crawler }, // ThousandEyes agent
    BotRule { needle: Contains("ghost inspector"), reason: Crawler }, // Ghost Inspector
    BotRule { needle: Contains("dareboost"), reason: Crawler }, // DareBoost
    BotRule { needle: Contains("siteimprove"), reason: Crawler }, // Siteimprove
    BotRule { needle: Contains("datanyze"), reason: Crawler }, // Datanyze
    BotRule { needle: Contains("outbrain"), reason: Crawler }, // Outbrain
    BotRule { needle: Contains("hotjar"), reason: Crawler }, // Hotjar page fetcher
    BotRule { needle: Contains("heritrix"), reason: Crawler }, // Heritrix archiving crawler
    BotRule { needle: Contains("nutch"), reason: Crawler }, // Apache Nutch
    BotRule { needle: Contains("indexer"), reason: Crawler }, // A6-Indexer and similar
    BotRule { needle: Contains("validator"), reason: Crawler }, // W3C and schema validators
    BotRule { needle: Contains("preview"), reason: Crawler }, // other previewers (known link previews are matched above)
    BotRule { needle: Contains("feed"), reason: Crawler }, // feed readers and aggregators (Feedly, Feedbin, FeedBurner)
    BotRule { needle: Contains("rss"), reason: Crawler }, // RSS readers
    BotRule { needle: Contains("podcast"), reason: Crawler }, // podcast feed pollers
    BotRule { needle: Contains("research"), reason: Crawler }, // research crawlers
    BotRule { needle: Contains("google-"), reason: Crawler }, // Google-InspectionTool, Google-Site-Verification, Google-Read-Aloud
    BotRule { needle: Contains("googleother"), reason: Crawler }, // GoogleOther
    BotRule { needle: Contains("cloudflare"), reason: Crawler }, // Cloudflare health checks, AlwaysOnline, prefetch
    BotRule { needle: Contains("amazon cloudfront"), reason: Crawler }, // CloudFront origin fetch
    BotRule { needle: Contains("zgrab"), reason: Crawler }, // ZGrab scanner
    BotRule { needle: Contains("nmap"), reason: Crawler }, // Nmap
    BotRule { needle: Contains("nikto"), reason: Crawler }, // Nikto
    BotRule { needle: Contains("sqlmap"), reason: Crawler }, // sqlmap
    BotRule { needle: Contains("nessus"), reason: Crawler }, // Nessus
    BotRule { needle: Contains("openvas"), reason: Crawler }, // OpenVAS
    BotRule { needle: Contains("acunetix"), reason: Crawler }, // Acunetix
    BotRule { needle: Contains("qualys"), reason: Crawler }, // Qualys
    BotRule { needle: Contains("censys"), reason: Crawler }, // Censys
    BotRule { needle: Contains("netcraft"), reason: Crawler }, // Netcraft survey
    BotRule { needle: Contains("httrack"), reason: Crawler }, // HTTrack site copier
    BotRule { needle: Contains("webcopier"), reason: Crawler }, // site copiers
    BotRule { needle: Contains("sitesucker"), reason: Crawler }, // SiteSucker
    BotRule { needle: Contains("colly"), reason: Crawler }, // Go colly scraping framework
    BotRule { needle: Contains("trafilatura"), reason: Crawler }, // trafilatura
    BotRule { needle: Contains("newspaper/"), reason: Crawler }, // newspaper3k
    BotRule { needle: Contains("metainspector"), reason: Crawler }, // MetaInspector
    BotRule { needle: Contains("opengraph"), reason: Crawler }, // OpenGraph checkers
    BotRule { needle: Contains("anthropic-ai"), reason: Crawler }, // AI crawlers
    BotRule { needle: Contains("claude-"), reason: Crawler }, // Claude-User, Claude-SearchBot
    BotRule { needle: Contains("cohere-ai"), reason: Crawler }, // AI crawlers
    BotRule { needle: Contains("perplexity"), reason: Crawler }, // Perplexity-User
    BotRule { needle: Contains("gptbot"), reason: Crawler }, // OpenAI (also caught by the bot word rule)
    BotRule { needle: Contains("chatgpt-user"), reason: Crawler }, // OpenAI user fetch
    BotRule { needle: Contains("+http"), reason: Crawler }, // a "+http://…" contact address, the crawler convention
    BotRule { needle: Contains("http://"), reason: Crawler }, // a URL in the user agent; browsers never carry one
    BotRule { needle: Contains("https://"), reason: Crawler }, // a URL in the user agent
    BotRule { needle: Contains("www."), reason: Crawler }, // a host name in the user agent
    BotRule { needle: Contains("mailto:"), reason: Crawler }, // a contact address
    BotRule { needle: Contains("(at)"), reason: Crawler }, // an obfuscated contact address
    BotRule { needle: H(Heuristic::ContactAddress), reason: Crawler }, // a contact e-mail address
    BotRule { needle: H(Heuristic::CompatibleNonBrowser), reason: Crawler }, // "Mozilla/5.0 (compatible; Name/1.0; …)" that is not Internet Explorer
    BotRule { needle: H(Heuristic::HostName), reason: Crawler }, // "Criticalcss.com/2.0.0": a site as a product name
    BotRule { needle: H(Heuristic::MozillaOnly), reason: Crawler }, // "Mozilla/5.0" with no engine, platform or profile after it
    BotRule { needle: H(Heuristic::NotABrowser), reason: Crawler }, // not a browser product: a tool or an app's own client
];
