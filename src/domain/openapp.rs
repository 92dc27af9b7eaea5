//! "Open the app": which link to try first on this device, and how long to wait before the
//! store. Used by the browser SDK's `openApp`; pure, so it is tested natively.

use super::visitor::{Platform, Visitor};

/// Default wait before the store, when the page is still visible (the app didn't open).
pub const DEFAULT_TIMEOUT_MS: u32 = 1600;
pub const MIN_TIMEOUT_MS: u32 = 300;
pub const MAX_TIMEOUT_MS: u32 = 10_000;

/// How the app is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    UniversalLink,
    DeepLink,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::UniversalLink => "universal_link",
            Via::DeepLink => "deep_link",
        }
    }
}

/// What the SDK does for one tap on "Open the app".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<'a> {
    /// The app link to navigate to first, if this device can open one.
    pub first: Option<(Via, &'a str)>,
    /// Where to go when the app didn't open (store or web), if given.
    pub fallback: Option<&'a str>,
    pub timeout_ms: u32,
}

/// A URL the SDK may navigate to: an absolute URL whose scheme is not one that runs code or
/// reads local data. Destinations come from the edge, already allow-listed; this is the
/// browser's own guard against a page passing something else.
///
/// ```
/// use wakelink::domain::openapp::navigable;
/// assert!(navigable("yourapp://coupon/42"));
/// assert!(navigable("https://apps.apple.com/app/id1"));
/// assert!(!navigable("javascript:alert(1)"));
/// assert!(!navigable(" JavaScript:alert(1)"));
/// assert!(!navigable("/relative"));
/// ```
pub fn navigable(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    let well_formed = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    let lower = scheme.to_ascii_lowercase();
    let refused = ["javascript", "data", "vbscript", "file", "blob", "about"];
    well_formed
        && !refused.contains(&lower.as_str())
        && !rest.is_empty()
        && !url.bytes().any(|b| b.is_ascii_control())
}

/// The plan for `visitor`: iPhones and iPads try the universal link first (a custom scheme
/// shows an error sheet when the app is missing), Android tries the deep link first (an app
/// link without a verified app opens the browser), other devices go straight to the fallback.
/// In-app browsers that block app schemes try only a universal link.
///
/// ```
/// use wakelink::domain::openapp::{plan, Via};
/// use wakelink::domain::visitor::{Platform, Visitor};
/// let iphone = Visitor { platform: Platform::Ios, vendor: None, in_app: None, bot: None };
/// let p = plan(&iphone, Some("app://x"), Some("https://app.example.com/x"), Some("https://apps.apple.com/app/id1"), None);
/// assert_eq!(p.first, Some((Via::UniversalLink, "https://app.example.com/x")));
/// ```
pub fn plan<'a>(
    visitor: &Visitor,
    deep_link: Option<&'a str>,
    universal_link: Option<&'a str>,
    fallback: Option<&'a str>,
    timeout_ms: Option<u32>,
) -> Plan<'a> {
    let deep = deep_link
        .filter(|u| navigable(u))
        .map(|u| (Via::DeepLink, u));
    let universal = universal_link
        .filter(|u| navigable(u))
        .map(|u| (Via::UniversalLink, u));
    let blocks_schemes = visitor.in_app.is_some_and(|a| a.blocks_store_redirects());
    let first = match visitor.platform {
        _ if blocks_schemes => universal,
        Platform::Ios | Platform::Ipados => universal.or(deep),
        Platform::Android => deep.or(universal),
        _ => None,
    };
    Plan {
        first,
        fallback: fallback.filter(|u| navigable(u)),
        timeout_ms: timeout_ms
            .unwrap_or(DEFAULT_TIMEOUT_MS)
            .clamp(MIN_TIMEOUT_MS, MAX_TIMEOUT_MS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::visitor::InApp;

    fn v(platform: Platform, in_app: Option<InApp>) -> Visitor {
        Visitor {
            platform,
            vendor: None,
            in_app,
            bot: None,
        }
    }

    #[test]
    fn table() {
        let (d, u, s) = (
            Some("app://c/1"),
            Some("https://app.example.com/o/1"),
            Some("https://store.example.com/x"),
        );
        let cases = [
            (v(Platform::Ios, None), Some(Via::UniversalLink)),
            (v(Platform::Ipados, None), Some(Via::UniversalLink)),
            (v(Platform::Android, None), Some(Via::DeepLink)),
            (v(Platform::Windows, None), None),
            (v(Platform::Macos, None), None),
            (
                v(Platform::Android, Some(InApp::Wechat)),
                Some(Via::UniversalLink),
            ),
        ];
        for (visitor, want) in cases {
            let p = plan(&visitor, d, u, s, None);
            assert_eq!(p.first.map(|f| f.0), want, "{visitor:?}");
            assert_eq!(p.fallback, s);
            assert_eq!(p.timeout_ms, DEFAULT_TIMEOUT_MS);
        }
        let ios = v(Platform::Ios, None);
        assert_eq!(
            plan(&ios, d, None, s, Some(1)).first,
            Some((Via::DeepLink, "app://c/1"))
        );
        assert_eq!(plan(&ios, d, None, s, Some(1)).timeout_ms, MIN_TIMEOUT_MS);
        assert_eq!(
            plan(&ios, d, None, s, Some(99_999)).timeout_ms,
            MAX_TIMEOUT_MS
        );
        let hostile = plan(
            &ios,
            Some("javascript:alert(1)"),
            Some("data:text/html,x"),
            Some("vbscript:x"),
            None,
        );
        assert_eq!((hostile.first, hostile.fallback), (None, None));
    }
}
