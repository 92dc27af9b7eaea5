//! Unit tables for the matcher and the crawler heuristics' exceptions.

use super::*;
use crate::domain::visitor::{classify, BotReason, Method, RequestFacts};

fn bot(user_agent: &str) -> Option<BotReason> {
    classify(&RequestFacts {
        method: Some(Method::Get),
        user_agent: Some(user_agent),
        purpose: None,
    })
    .bot
}

#[test]
fn versioned_needs_a_digit_after_the_name() {
    let java = Needle::Versioned("java/");
    for hit in [
        "java/17.0.9",
        "apache-httpclient/4.5.2 (java/1.8.0_161)",
        "java/1.8.0_151",
    ] {
        assert!(matches(java, hit, None), "{hit}");
    }
    for miss in [
        "mobile safari/525.20.1 java/jbed/7.0 profile/midp-2.1",
        "java/",
        "xjava/17",
        "java 1.5",
    ] {
        assert!(!matches(java, miss, None), "{miss}");
    }
}

#[test]
fn groups_and_screen_sizes() {
    let all: Vec<_> = groups("a (b; c) d (e (f) g").collect();
    assert_eq!(all, ["(b; c)", "(e (f)"]);
    assert_eq!(groups("no group").count(), 0);
    assert_eq!(
        groups("open (to the end").collect::<Vec<_>>(),
        ["(to the end"]
    );
    for yes in [
        "(v. 3.5.2h1.5; 153x130; c8)",
        "(2.1pre23; linux; 237x63)",
        "(1920x1080)",
    ] {
        assert!(has_screen_size(yes), "{yes}");
    }
    for no in [
        "(x86_64)",
        "(1x1)",
        "(12345x100)",
        "(win10 x64)",
        "(0x18002a2c)",
        "(x)",
    ] {
        assert!(!has_screen_size(no), "{no}");
    }
    let scan = Candidates::all();
    assert!(names_platform("(win10 x64)", &scan) && names_cpu("(win10 x64)"));
    assert!(names_platform("(linux 3.5.0 i686)", &scan) && names_cpu("(linux 3.5.0 i686)"));
    assert!(
        names_cpu("(x11; linux x86_64)"),
        "x86 is a word before the underscore"
    );
    assert!(!names_cpu("(linux; toolx64)"));
    assert!(!names_platform("(gog galaxy)", &scan));
}

/// Old, handheld, text-mode and desktop-application browsers that describe the device they
/// run on are not crawlers, though they carry no engine token ([`Heuristic::NotABrowser`]) or
/// nothing but "Mozilla/" ([`Heuristic::MozillaOnly`]).
#[test]
fn browsers_that_describe_their_device_are_not_flagged() {
    for s in [
        "GOGGalaxyClient/2.0.20.39 (GOG Galaxy) 83b6745cff679691b69876bc7ee33e05e5d90bda (win10 x64)",
        "GOGGalaxyClient/2.0.20.39 (GOG Galaxy) 83b6745cff679691b69876bc7ee33e05e5d90bda (win7 x64)",
        "Links (2.1pre23; Linux 3.5.0 i686; 237x63)",
        "Palmscape/3.0J [ja] (v. 3.5.2H1.5; 153x130; c8)",
        "Xiino/1.0.9E [en] (v. 4.1; 153x130; g4)",
        "Mozilla/4.08 (Charon; Inferno)",
        "Mozilla/3.0 (WorldGate Gazelle 3.5.1 build 11; FreeBSD2.2.8-STABLE)",
        // A feature phone's Java runtime after an old Android browser's tokens.
        "Mozilla/5.0 (Linux; U; Android 1.6; fr-fr; LG-GT540 ; Build/Donut) AppleWebKit/528.5+ (KHTML, like Gecko) Version/3.1.2 Mobile Safari/525.20.1 Java/Jbed/7.0 Profile/MIDP-2.1 Configuration/CLDC-1.1 MMS/LG-Android-MMS-V1.0/1.2",
    ] {
        assert_eq!(bot(s), None, "{s}");
    }
}

/// Phones that must never be flagged, whatever the exceptions above change: in-app browsers
/// (whose strings carry screen sizes and device tuples), old Androids, KaiOS, HarmonyOS, and
/// UC Browser's and the Chinese carriers' own formats.
#[test]
fn phones_stay_people() {
    for s in [
        "Mozilla/5.0 (Linux; Android 15; CPH2557 Build/AP3A.240617.008; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/142.0.7444.142 Mobile Safari/537.36 Instagram 406.0.0.58.159 Android (35/15; 480dpi; 1080x2400; OPPO; CPH2557; OP573DL1; mt6833; en_MY; 822918295; IABMV/1)",
        "Mozilla/5.0 (Linux; Android 13; 2211133C Build/TKQ1.221114.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/440.0.0.33.116;]",
        "Mozilla/5.0 (Linux; Android 12; V2111 Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5183 MMWEBSDK/20230504 MMWEBID/1234 MicroMessenger/8.0.37.2380(0x2800253D) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
        "Mozilla/5.0 (Linux; U; Android 2.3.6; en-us; GT-S5360 Build/GINGERBREAD) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1",
        "Mozilla/5.0 (Linux; Android 4.4.2; SM-G7102 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/30.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B-001-01-15-130718-i;Android; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5",
        "Mozilla/5.0 (Mobile; Nokia_8110_4G; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5.1",
        "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.13.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/15.0.4.312 Mobile Safari/537.36",
        "Mozilla/5.0 (Phone; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile",
        "UCWEB/2.0 (MIDP-2.0; U; Adr 9; ru; Redmi_Note_8) U2/1.0.0 UCBrowser/13.0.0.1288 U2/1.0.0 Mobile",
        "HUAWEI Y511-T00_TD/V1 Linux/3.4.5 Android/4.2.2 Release/05.02.2013 Browser/AppleWebKit534.30 Mobile Safari/534.30;",
    ] {
        assert_eq!(bot(s), None, "{s}");
    }
}

/// What the exceptions must leave flagged: tools that name a platform without a machine
/// (no CPU word, no screen size), bare "Mozilla/" strings, and Java's own HTTP client.
#[test]
fn tools_stay_flagged() {
    for s in [
        "ModularConnector/1.0 (Linux)",
        "Apache/2.2.2 (Fedora) (internal dummy connection)",
        "Linux Gnu (cow)",
        "Valve/Steam HTTP Client 1.0 (SteamChatURLLookup)",
        "Zabbix",
        "Mozilla/5.0 (compatible)",
        "Mozilla/5.0 Keydrop",
        "Mozilla/5.0 (Morningscore/1.0)",
        "Mozilla/5.0 (Laravel Reaver .env Presence)",
    ] {
        assert_eq!(bot(s), Some(BotReason::Crawler), "{s}");
    }
    for s in ["Java/17.0.9", "Java/1.8.0_151", "Jakarta (Java/1.8.0_65)"] {
        assert_eq!(bot(s), Some(BotReason::HttpLibrary), "{s}");
    }
}
