//! User-agent client hints: asking a Chromium browser whose reduced user agent names no device
//! model ("Linux; Android 10; K") for `Sec-CH-UA-Model`, and classifying on its answer.
//!
//! The standard way is `Accept-CH` (which hints this origin wants) plus `Critical-CH` (which of
//! them the response depends on). A Chromium browser that receives both without having sent
//! the critical hint restarts the navigation once, with the hint; it never restarts twice for
//! the same request. wakelink only asks when the hint was not sent at all: a request that
//! carries `Sec-CH-UA-Model` (even empty, as after a restart on a device that won't tell) is
//! never asked again, so there is no loop. The cost is one extra round trip to the edge for
//! those visitors only (see docs/client-hints.md for the figures).

use super::link::Link;
use super::visitor::{Method, Platform, Visitor};

/// The hints a redirect asks for. The model decides the store; the platform version tells a
/// pre-2020 Honor phone (Android <= 10, Huawei's AppGallery) from a later one.
pub const ACCEPT_CH: &str = "Sec-CH-UA-Model, Sec-CH-UA-Platform-Version";
/// The hint the response depends on: without it the browser restarts the request.
pub const CRITICAL_CH: &str = "Sec-CH-UA-Model";
/// The response varies on it (for any cache in between).
pub const VARY: &str = "Sec-CH-UA-Model";

/// What the browser sent as client hints, already read out of the headers by the glue. `None`
/// means the header was absent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    /// `Sec-CH-UA-Model`, a structured-field string: `"SM-S918B"` (quotes included), or `""`.
    pub model: Option<&'a str>,
    /// `Sec-CH-UA-Platform`: `"Android"`, `"Windows"`, `"macOS"`, ...
    pub platform: Option<&'a str>,
    /// `Sec-CH-UA-Platform-Version`: `"14.0.0"`.
    pub platform_version: Option<&'a str>,
}

/// The text of a structured-field string (`"SM-S918B"` -> `SM-S918B`), or `None` when it is
/// not one or is empty. Escapes (`\"`, `\\`) are not expected in these hints; a value with a
/// backslash is refused rather than half-read.
///
/// ```
/// use wakelink::domain::hints::sf_string;
/// assert_eq!(sf_string("\"SM-S918B\""), Some("SM-S918B"));
/// assert_eq!(sf_string(" \"Pixel 8\" "), Some("Pixel 8"));
/// assert_eq!(sf_string("\"\""), None);
/// assert_eq!(sf_string("SM-S918B"), None);
/// ```
pub fn sf_string(raw: &str) -> Option<&str> {
    let inner = raw.trim().strip_prefix('"')?.strip_suffix('"')?;
    let ok = !inner.is_empty()
        && inner.len() <= 64
        && inner
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    ok.then_some(inner)
}

/// The platform a `Sec-CH-UA-Platform` value names.
pub fn platform_of(raw: &str) -> Option<Platform> {
    Some(match sf_string(raw)? {
        "Android" => Platform::Android,
        "iOS" => Platform::Ios,
        "Windows" => Platform::Windows,
        "macOS" => Platform::Macos,
        "Linux" | "Chrome OS" | "Chromium OS" => Platform::Linux,
        _ => return None,
    })
}

/// The major version in a `Sec-CH-UA-Platform-Version` value (`"14.0.0"` -> 14).
pub fn major_of(raw: &str) -> Option<u32> {
    let v = sf_string(raw)?;
    v.split('.').next()?.parse().ok()
}

/// Whether to answer this request with `Accept-CH` + `Critical-CH` so that the browser
/// restarts it with the device model: a GET from an Android Chromium browser (not a web view,
/// whose app may not restart) whose user agent names no model and who sent no model hint,
/// not flagged, with no vendor found otherwise, on a link whose answer would change with the
/// vendor (it has a vendor store, or a separate fallback for unknown makers).
pub fn should_ask(
    method: Method,
    lower_ua: &str,
    hints: &Hints,
    visitor: &Visitor,
    link: Option<&Link>,
) -> bool {
    method == Method::Get
        && hints.model.is_none()
        && visitor.platform == Platform::Android
        && visitor.vendor.is_none()
        && visitor.bot.is_none()
        && visitor.in_app.is_none()
        && is_reduced_chromium(lower_ua)
        && link.is_some_and(|l| l.destinations.varies_by_vendor())
}

/// Chromium's reduced Android user agent: the model replaced by "K", and no web-view flag.
fn is_reduced_chromium(lower_ua: &str) -> bool {
    lower_ua.contains("; k)") && lower_ua.contains("chrome/") && !lower_ua.contains("; wv)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::link::tests::demo_link;
    use crate::domain::visitor::Vendor;

    const REDUCED: &str = "mozilla/5.0 (linux; android 10; k) applewebkit/537.36 (khtml, like gecko) chrome/131.0.0.0 mobile safari/537.36";

    fn android(vendor: Option<Vendor>) -> Visitor {
        Visitor {
            platform: Platform::Android,
            vendor,
            in_app: None,
            bot: None,
        }
    }

    #[test]
    fn asks_only_reduced_chromium_without_the_hint() {
        let link = demo_link();
        let none = Hints::default();
        assert!(should_ask(
            Method::Get,
            REDUCED,
            &none,
            &android(None),
            Some(&link)
        ));
        // Already sent (even empty): never asked again, so no loop.
        for sent in ["\"\"", "\"SM-S918B\""] {
            let hints = Hints {
                model: Some(sent),
                ..Hints::default()
            };
            assert!(!should_ask(
                Method::Get,
                REDUCED,
                &hints,
                &android(None),
                Some(&link)
            ));
        }
        // HEAD, a known vendor, a bot, a web view, a full user agent, Firefox, no link.
        assert!(!should_ask(
            Method::Head,
            REDUCED,
            &none,
            &android(None),
            Some(&link)
        ));
        let samsung = android(Some(Vendor::Samsung));
        assert!(!should_ask(
            Method::Get,
            REDUCED,
            &none,
            &samsung,
            Some(&link)
        ));
        let mut bot = android(None);
        bot.bot = Some(crate::domain::visitor::BotReason::Crawler);
        assert!(!should_ask(Method::Get, REDUCED, &none, &bot, Some(&link)));
        let webview = "mozilla/5.0 (linux; android 10; k; wv) applewebkit/537.36 (khtml, like gecko) version/4.0 chrome/131.0.0.0 mobile safari/537.36";
        assert!(!should_ask(
            Method::Get,
            webview,
            &none,
            &android(None),
            Some(&link)
        ));
        let firefox = "mozilla/5.0 (android 14; mobile; rv:126.0) gecko/126.0 firefox/126.0";
        assert!(!should_ask(
            Method::Get,
            firefox,
            &none,
            &android(None),
            Some(&link)
        ));
        assert!(!should_ask(
            Method::Get,
            REDUCED,
            &none,
            &android(None),
            None
        ));
    }

    #[test]
    fn a_link_without_vendor_stores_is_not_worth_a_round_trip() {
        let mut link = demo_link();
        link.destinations.huawei = None;
        link.destinations.honor = None;
        link.destinations.xiaomi = None;
        link.destinations.oppo = None;
        link.destinations.vivo = None;
        link.destinations.samsung = None;
        assert!(!should_ask(
            Method::Get,
            REDUCED,
            &Hints::default(),
            &android(None),
            Some(&link)
        ));
    }

    #[test]
    fn hint_values() {
        assert_eq!(platform_of("\"Android\""), Some(Platform::Android));
        assert_eq!(platform_of("\"Windows\""), Some(Platform::Windows));
        assert_eq!(platform_of("\"Fuchsia\""), None);
        assert_eq!(platform_of("Android"), None);
        assert_eq!(major_of("\"14.0.0\""), Some(14));
        assert_eq!(major_of("\"\""), None);
        assert_eq!(sf_string("\"a\\\"b\""), None);
        assert_eq!(sf_string(&format!("\"{}\"", "x".repeat(65))), None);
    }
}
