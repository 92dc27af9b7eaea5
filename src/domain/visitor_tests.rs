//! Unit tables for the classifier.

use super::*;
use crate::domain::ua_match::shape_matches;
use serde::Serialize;

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

/// The one-pass prefilter (`super::ua_scan`) only skips searches that cannot succeed: with and without it,
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

#[test]
fn device_table_lookup() {
    // Every line of the generated table answers for itself and for longer slots.
    let lines: Vec<&str> = DEVICE_PREFIXES.lines().collect();
    assert!(lines.len() > 100, "{}", lines.len());
    assert!(DEVICE_PREFIXES.ends_with('\n'));
    let prefixes: Vec<&str> = lines.iter().map(|l| &l[..l.len() - 1]).collect();
    for prefix in &prefixes {
        let slot = prefix.strip_suffix('$').unwrap_or(prefix);
        assert!(device_table(slot).is_some(), "{prefix:?}");
        if !prefix.ends_with('$') {
            assert_eq!(
                device_table(&format!("{slot}zz9")),
                device_table(slot),
                "{prefix:?}"
            );
        }
    }
    // Sorted and prefix-free, as the binary search needs.
    for pair in prefixes.windows(2) {
        assert!(pair[0] < pair[1], "{pair:?}");
        assert!(!pair[1].starts_with(pair[0]), "{pair:?}");
    }
    // Below the first line, above the last, and between lines: no answer.
    assert_eq!(device_table(""), None);
    assert_eq!(device_table("\u{1}"), None);
    assert_eq!(device_table("zzzz-unknown"), None);
    assert_eq!(device_table("sm-"), None);
}

#[test]
fn android_versions() {
    for (s, want) in [
        ("mozilla/5.0 (linux; android 10; k)", Some(10)),
        ("mozilla/5.0 (linux; u; android 4.4.2; zh-cn; x)", Some(4)),
        ("ucweb/2.0 (midp-2.0; u; adr 9; ru; redmi_note_8)", Some(9)),
        (
            "mozilla/5.0 (iphone; cpu iphone os 17_0 like mac os x)",
            None,
        ),
        ("mozilla/5.0 (linux; android; x)", None),
    ] {
        assert_eq!(android_major(s), want, "{s}");
    }
}

#[test]
fn honor_before_and_after_the_split() {
    let cases = [
        // Sold as Honor before November 2020: AppGallery.
        ("Mozilla/5.0 (Linux; Android 10; Honor 30S) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/89.0.4389.105 Mobile Safari/537.36", Some(Vendor::Huawei)),
        ("Mozilla/5.0 (Linux; Android 9; Honor 8X) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.120 Mobile Safari/537.36", Some(Vendor::Huawei)),
        // Honor's own since.
        ("Mozilla/5.0 (Linux; Android 13; HONOR X9b 5G) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36", Some(Vendor::Honor)),
        ("Mozilla/5.0 (Linux; Android 14; BVL-AN00 Build/HONORBVL-AN00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/99.0.4844.88 Mobile Safari/537.36", Some(Vendor::Honor)),
        // HarmonyOS reports Android 12 and stays Huawei.
        ("Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.13.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.6.300 Mobile Safari/537.36", Some(Vendor::Huawei)),
    ];
    for (s, want) in cases {
        assert_eq!(ua(s).vendor, want, "{s}");
    }
}

#[test]
fn model_slots_in_odd_formats() {
    let cases = [
        // Parentheses lost.
        ("Dalvik/2.1.0 Linux; U; Android 8.1.0; SM-J260M Build/M1AJB", Some(Vendor::Samsung)),
        ("Mozilla/5.0 Linux; Android 5.1.1; SM-G531BT AppleWebKit/537.36 KHTML, like Gecko Chrome/72.0.3626.105 Mobile Safari/537.36", Some(Vendor::Samsung)),
        // An architecture flag before the model.
        ("Mozilla/5.0 (Linux; Android 10; arm_64; CPH2067) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.116 YaBrowser/20.7.0.101.00 SA/3 Mobile Safari/537.36", Some(Vendor::Oppo)),
        // UC Browser's own format.
        ("UCWEB/2.0 (MIDP-2.0; U; Adr 9; ru; Redmi_Note_8) U2/1.0.0 UCBrowser/11.1.2.1113 U2/1.0.0 Mobile", Some(Vendor::Xiaomi)),
        // A locale cut short, then the model.
        ("Mozilla/5.0 (Linux; U; Android 4.0.4; en-; GT-S7562 Build/IMM76I) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30", Some(Vendor::Samsung)),
        // Chinese carrier format names the maker first.
        ("OPPO_R815T/1.0 Linux/3.4.0 Android/4.2.1  Release/12.24.2012 Browser/AppleWebKit534.30 Mobile Safari/534.30 MBBMS/2.2 System/Android", Some(Vendor::Oppo)),
        // Xiaomi's dated codes with any letters.
        ("Mozilla/5.0 (Linux; Android 13; 2308CPXD0C) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.5993.105 Mobile Safari/537.36", Some(Vendor::Xiaomi)),
        // A code name some ROMs write (from the generated table).
        ("Mozilla/5.0 (Linux; Android 10; lavender) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0.3729.157 Mobile Safari/537.36", Some(Vendor::Xiaomi)),
        // Makers without their own store stay without a vendor.
        ("Mozilla/5.0 (Linux; Android 13; moto g(30)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", None),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36", None),
    ];
    for (s, want) in cases {
        let v = ua(s);
        assert_eq!((v.platform, v.vendor), (Platform::Android, want), "{s}");
    }
}

#[test]
fn platforms_in_odd_formats() {
    let cases = [
        ("dv(iPh12,5);pr(UCBrowser/11.3.5.1203);ov(13_7);ss(375x812);bt(GJ);pm(0);bv(0);nm(0);im(0);nt(2);", Platform::Ios),
        ("Mozilla/5.0 (Linux; Android 11; HiPad Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/93.0.4577.82 Safari/537.36", Platform::Android),
        ("Mozilla/5.0 (Linux; Android 9; HP Chromebook 13 G1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/80.0.3987.162 Safari/537.36", Platform::Linux),
        ("GOGGalaxyClient/2.0.20.39 (GOG Galaxy) 83b6745cff679691b69876bc7ee33e05e5d90bda (win10 x64)", Platform::Windows),
        ("Safari/7537.78.2 CFNetwork/520.5.3 Darwin/11.4.2 (x86_64) (iMac6%2C1)", Platform::Macos),
        // KaiOS phones say Android in some builds; they have no app store redirect.
        ("Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B-001-01-15-130718-i;Android; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5", Platform::Other),
        // Old Androids are Android.
        ("Mozilla/5.0 (Linux; U; Android 2.3.6; en-us; GT-S5360 Build/GINGERBREAD) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1", Platform::Android),
    ];
    for (s, want) in cases {
        let v = ua(s);
        assert_eq!(v.platform, want, "{s}");
        // Apple's URL loading system is not a browser. GOG Galaxy's client describes the
        // machine it runs on ("win10 x64"), as Matomo's device data, which lists it as a
        // desktop browser, does: not flagged.
        let not_a_browser = s.contains("CFNetwork/");
        assert_eq!(v.bot.is_some(), not_a_browser, "{s}");
    }
}

#[test]
fn bare_mozilla_strings_are_crawlers() {
    for s in [
        "Mozilla/5.0 Keydrop",
        "Mozilla/5.0 (compatible)",
        "Mozilla/5.0 (Morningscore/1.0)",
        "Mozilla/5.0 infrawatch/0.1",
    ] {
        assert_eq!(bot(s), Some(BotReason::Crawler), "{s}");
    }
    // Browsers of past desktops keep their platform and are people.
    for s in [
        "Mozilla/4.04 [en] (X11; I; IRIX 5.3 IP22)",
        "Mozilla/2.02Gold (Win95; I)",
        "Mozilla/5.0 (compatible; IBrowse 3.0; AmigaOS4.0)",
    ] {
        assert_eq!(bot(s), None, "{s}");
    }
}

#[test]
fn generated_bot_rules_catch_appended_product_tokens() {
    for s in [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 CookieHubVerify/3.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/95.0.4638.69 Safari/537.36 Silktide",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36 SecurityHeaders",
    ] {
        assert!(bot(s).is_some(), "{s}");
    }
}
