//! Bot and scanner signals beyond the user agent: what the edge knows about the network a
//! request came from, and which headers it carried.
//!
//! E-mail security gateways (Microsoft Safe Links / EOP, Proofpoint, Mimecast, Barracuda,
//! IronPort) open links with ordinary browser strings, so the user agent alone misses them.
//! Each signal here is weighed by how often it also fits a person:
//!
//! | signal | fits a person? | may flag |
//! |---|---|---|
//! | `cf.verifiedBotCategory` / `cf.botManagement.verifiedBot` | no: Cloudflare verified the bot | alone |
//! | `cf.botManagement.score` = 1 | rarely: Cloudflare's "automated" | alone |
//! | network in the data-centre list ([`super::networks`]) | yes: VPNs, corporate proxies, cloud desktops | with another |
//! | no `Accept-Language` (or `*`), or a current Chromium whose `Sec-Fetch-Mode` isn't `navigate` | yes: privacy tools, old browsers | with another |
//!
//! The user-agent corpus has no network or header data, so the weak signals could not be
//! scored on it; they never flag alone, only together (data-centre network *and* missing
//! browser headers), which a person's browser does not produce even behind a VPN.

use super::visitor::BotReason;

/// What the glue read off the request's `cf` object and headers. Every field is optional:
/// locally and on most plans `cf.botManagement` and `cf.verifiedBotCategory` are absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct EdgeFacts<'a> {
    /// `cf.asn`.
    pub asn: Option<u32>,
    /// `cf.verifiedBotCategory` (Bot Management plans): "Search Engine Crawler", ...
    pub verified_bot_category: Option<&'a str>,
    /// `cf.botManagement.verifiedBot`.
    pub verified_bot: Option<bool>,
    /// `cf.botManagement.score`: 1 (automated) to 99 (human).
    pub bot_score: Option<u32>,
    /// `Accept-Language`: every current browser sends a language list on a navigation; HTTP
    /// libraries send none, or `*` (Node's fetch).
    pub accept_language: Option<&'a str>,
    /// `Sec-Fetch-Mode`: `navigate` for a link a person opens (Chromium 76+, Firefox 90+,
    /// Safari 16.4+); `cors` or `no-cors` for a script's fetch.
    pub sec_fetch_mode: Option<&'a str>,
}

/// One signal, for the tests and the docs. The flag reason is what [`judge`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    VerifiedBot,
    AutomatedScore,
    DatacenterNetwork,
    MissingBrowserHeaders,
}

/// The signals present in a request. `user_agent` is the lowercased user agent.
pub fn signals(facts: &EdgeFacts, user_agent: &str) -> Vec<Signal> {
    let mut out = Vec::new();
    if facts.verified_bot == Some(true)
        || facts
            .verified_bot_category
            .is_some_and(|c| !c.trim().is_empty())
    {
        out.push(Signal::VerifiedBot);
    }
    if facts.bot_score == Some(1) {
        out.push(Signal::AutomatedScore);
    }
    if facts.asn.is_some_and(super::networks::is_datacenter) {
        out.push(Signal::DatacenterNetwork);
    }
    let no_language = facts
        .accept_language
        .is_none_or(|v| matches!(v.trim(), "" | "*"));
    let not_navigating =
        facts.sec_fetch_mode.map(str::trim) != Some("navigate") && sends_fetch_metadata(user_agent);
    if no_language || not_navigating {
        out.push(Signal::MissingBrowserHeaders);
    }
    out
}

/// The flag the signals add, if any: a strong signal alone, or two weak ones together.
pub fn judge(facts: &EdgeFacts, user_agent: &str) -> Option<BotReason> {
    let found = signals(facts, user_agent);
    if found.contains(&Signal::VerifiedBot) {
        return Some(BotReason::VerifiedBot);
    }
    if found.contains(&Signal::AutomatedScore) {
        return Some(BotReason::AutomatedScore);
    }
    let weak = found
        .iter()
        .filter(|s| matches!(s, Signal::DatacenterNetwork | Signal::MissingBrowserHeaders))
        .count();
    (weak >= 2).then_some(BotReason::ScannerNetwork)
}

/// A Chromium of version 80 or later (Chrome, Edge, Samsung Internet, Opera, web views): it
/// sends `Sec-Fetch-Mode` on every request.
fn sends_fetch_metadata(lower_ua: &str) -> bool {
    lower_ua.match_indices("chrome/").any(|(at, m)| {
        let rest = &lower_ua[at + m.len()..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..end].parse::<u32>().is_ok_and(|major| major >= 80)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "mozilla/5.0 (windows nt 10.0; win64; x64) applewebkit/537.36 (khtml, like gecko) chrome/131.0.0.0 safari/537.36";
    const OLD_ANDROID: &str = "mozilla/5.0 (linux; u; android 4.4.2; zh-cn; x) applewebkit/534.30 (khtml, like gecko) version/4.0 mobile safari/534.30";
    const AMAZON: u32 = 16509;
    const CHINA_TELECOM: u32 = 4134;

    fn browser(asn: u32) -> EdgeFacts<'static> {
        EdgeFacts {
            asn: Some(asn),
            accept_language: Some("zh-CN,zh;q=0.9"),
            sec_fetch_mode: Some("navigate"),
            ..EdgeFacts::default()
        }
    }

    #[test]
    fn a_person_on_a_phone_network_or_a_vpn_is_not_flagged() {
        assert_eq!(judge(&browser(CHINA_TELECOM), CHROME), None);
        // A VPN or a cloud desktop: one weak signal only.
        assert_eq!(judge(&browser(AMAZON), CHROME), None);
        // An old Android browser sends no fetch metadata: still a person.
        let old = EdgeFacts {
            sec_fetch_mode: None,
            ..browser(CHINA_TELECOM)
        };
        assert_eq!(judge(&old, OLD_ANDROID), None);
        assert_eq!(signals(&old, OLD_ANDROID), []);
        // Nothing known at all (local runtime, most plans): nothing flagged.
        let bare = EdgeFacts {
            accept_language: Some("en"),
            ..EdgeFacts::default()
        };
        assert_eq!(judge(&bare, OLD_ANDROID), None);
    }

    #[test]
    fn a_scanner_in_a_data_centre_with_a_bare_request_is_flagged() {
        let scanner = EdgeFacts {
            asn: Some(AMAZON),
            ..EdgeFacts::default()
        };
        assert_eq!(
            signals(&scanner, CHROME),
            [Signal::DatacenterNetwork, Signal::MissingBrowserHeaders]
        );
        assert_eq!(judge(&scanner, CHROME), Some(BotReason::ScannerNetwork));
        // Missing headers on a consumer network: one weak signal, not flagged.
        let bare_home = EdgeFacts {
            asn: Some(CHINA_TELECOM),
            ..EdgeFacts::default()
        };
        assert_eq!(judge(&bare_home, CHROME), None);
        // Node's fetch: a language of "*" and a cors fetch, from a cloud.
        let node = EdgeFacts {
            asn: Some(AMAZON),
            accept_language: Some("*"),
            sec_fetch_mode: Some("cors"),
            ..EdgeFacts::default()
        };
        assert_eq!(judge(&node, CHROME), Some(BotReason::ScannerNetwork));
    }

    #[test]
    fn cloudflare_verdicts_flag_alone() {
        let verified = EdgeFacts {
            verified_bot_category: Some("Search Engine Crawler"),
            ..browser(CHINA_TELECOM)
        };
        assert_eq!(judge(&verified, CHROME), Some(BotReason::VerifiedBot));
        let blank = EdgeFacts {
            verified_bot_category: Some(" "),
            ..browser(CHINA_TELECOM)
        };
        assert_eq!(judge(&blank, CHROME), None);
        let scored = EdgeFacts {
            bot_score: Some(1),
            ..browser(CHINA_TELECOM)
        };
        assert_eq!(judge(&scored, CHROME), Some(BotReason::AutomatedScore));
        let likely_human = EdgeFacts {
            bot_score: Some(2),
            ..browser(AMAZON)
        };
        assert_eq!(judge(&likely_human, CHROME), None);
    }

    #[test]
    fn fetch_metadata_versions() {
        assert!(sends_fetch_metadata(CHROME));
        assert!(!sends_fetch_metadata(OLD_ANDROID));
        assert!(!sends_fetch_metadata(
            "mozilla/5.0 (linux; android 7.0) chrome/58.0.3029.83 mobile safari/537.36"
        ));
    }
}
