//! Where a visitor goes: a plain function of the link, the visitor and the time. No I/O.

use serde::{Deserialize, Serialize};

use super::landing::Landing;
use super::link::{Destination, Link, Target};
use super::time::UnixMs;
use super::visitor::{InApp, Platform, Visitor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'a> {
    /// 302 to the destination.
    Redirect { to: &'a Destination, target: Target },
    /// An in-app browser that blocks store and app-scheme redirects: a page telling the
    /// person how to open the link in the system browser, with the destination visible.
    Interstitial {
        to: &'a Destination,
        target: Target,
        in_app: InApp,
    },
    /// The link's coupon landing page. `to`/`target` are where this visitor's store (or the
    /// web fallback) is, the same routing a redirect uses; `view` says which page to draw.
    Landing {
        landing: &'a Landing,
        to: &'a Destination,
        target: Target,
        view: View,
    },
    /// Unknown or disabled link (and any bad recipient token): one page for all.
    NotFound,
    /// The link expired.
    Gone,
}

/// Which landing page a visitor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// A phone or tablet: the coupon and "Open the app", falling back to the store.
    Phone,
    /// Desktop and unknown systems: the coupon, the web destination and a QR code of the link.
    Desktop,
    /// An in-app browser that blocks app and store links: how to open the system browser,
    /// with the coupon still visible.
    InApp(InApp),
}

/// What the event log records about the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Redirect,
    Interstitial,
    Landing,
    NotFound,
    Gone,
    /// The response asked the browser for its device model (client hints) and the browser
    /// is expected to repeat the request with it; the repeat is recorded as its own event.
    /// Kept as a click (it has a target) so nothing is lost if the browser does not repeat.
    HintRequested,
}

impl Outcome {
    /// The same name serde writes.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Redirect => "redirect",
            Outcome::Interstitial => "interstitial",
            Outcome::Landing => "landing",
            Outcome::NotFound => "not-found",
            Outcome::Gone => "gone",
            Outcome::HintRequested => "hint-requested",
        }
    }
}

impl Decision<'_> {
    pub fn outcome(&self) -> Outcome {
        match self {
            Decision::Redirect { .. } => Outcome::Redirect,
            Decision::Interstitial { .. } => Outcome::Interstitial,
            Decision::Landing { .. } => Outcome::Landing,
            Decision::NotFound => Outcome::NotFound,
            Decision::Gone => Outcome::Gone,
        }
    }

    pub fn target(&self) -> Option<Target> {
        match self {
            Decision::Redirect { target, .. }
            | Decision::Interstitial { target, .. }
            | Decision::Landing { target, .. } => Some(*target),
            _ => None,
        }
    }
}

/// Picks the store or page for this visitor: the vendor's store when the link has one for
/// that vendor (or, for an unknown maker, the link's `android_unknown` store), else Google
/// Play on Android, the App Store on iOS/iPadOS, the web fallback
/// everywhere else (and whenever the platform's store is missing).
pub fn route<'a>(link: &'a Link, visitor: &Visitor) -> (&'a Destination, Target) {
    let d = &link.destinations;
    let store = match visitor.platform {
        Platform::Android => match visitor.vendor {
            Some(v) => d.vendor(v).map(|dest| (dest, Target::VendorStore)),
            // The link's choice for unknown makers (`market://…` is answered by whatever
            // store app the phone has), else Google Play below.
            None => d
                .android_unknown
                .as_ref()
                .map(|dest| (dest, Target::VendorStore)),
        }
        .or_else(|| d.android.as_ref().map(|dest| (dest, Target::GooglePlay))),
        Platform::Ios | Platform::Ipados => d.ios.as_ref().map(|dest| (dest, Target::AppStore)),
        _ => None,
    };
    store.unwrap_or((&d.web, Target::Web))
}

/// The answer to a tap on a link: its landing page when it has one, else the redirect (or
/// the in-app page). A link without a `landing` section decides exactly as [`decide_redirect`].
/// For a per-recipient link whose token is authentic but past its own expiry: the link decides
/// first (an unknown or disabled link stays `NotFound`), then the late recipient gets the
/// expired page, and the click is recorded as `gone` — a late recall, not a forgery.
///
/// ```
/// use wakelink::domain::decide::{token_expired, Decision};
/// assert_eq!(token_expired(Decision::NotFound, true), Decision::NotFound);
/// ```
pub fn token_expired(decision: Decision<'_>, expired: bool) -> Decision<'_> {
    match decision {
        Decision::Redirect { .. } | Decision::Interstitial { .. } | Decision::Landing { .. }
            if expired =>
        {
            Decision::Gone
        }
        d => d,
    }
}

pub fn decide<'a>(link: Option<&'a Link>, visitor: &Visitor, now: UnixMs) -> Decision<'a> {
    let decision = decide_redirect(link, visitor, now);
    let Some(landing) = link.and_then(|l| l.landing.as_ref()) else {
        return decision;
    };
    match decision {
        Decision::Redirect { to, target } => Decision::Landing {
            landing,
            to,
            target,
            view: if visitor.platform.is_mobile() {
                View::Phone
            } else {
                View::Desktop
            },
        },
        Decision::Interstitial { to, target, in_app } => Decision::Landing {
            landing,
            to,
            target,
            view: View::InApp(in_app),
        },
        other => other,
    }
}

/// Where a visitor goes without any page in between (also the app-open path's answer when
/// the app did not take the URL): 302, or the in-app page where redirects are blocked.
pub fn decide_redirect<'a>(link: Option<&'a Link>, visitor: &Visitor, now: UnixMs) -> Decision<'a> {
    let Some(link) = link.filter(|l| !l.disabled) else {
        return Decision::NotFound;
    };
    if link.expires_at.is_some_and(|at| now >= at) {
        return Decision::Gone;
    }
    let (to, target) = route(link, visitor);
    match visitor.in_app {
        Some(in_app) if in_app.blocks_store_redirects() && target != Target::Web => {
            Decision::Interstitial { to, target, in_app }
        }
        _ => Decision::Redirect { to, target },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::code::ShortCode;
    use crate::domain::link::tests::{demo_input, demo_link};
    use crate::domain::visitor::Vendor;

    fn visitor(platform: Platform, vendor: Option<Vendor>, in_app: Option<InApp>) -> Visitor {
        Visitor {
            platform,
            vendor,
            in_app,
            bot: None,
        }
    }

    #[test]
    fn routes_each_platform() {
        let link = demo_link();
        let cases = [
            (
                "iphone",
                visitor(Platform::Ios, None, None),
                Target::AppStore,
                "https://apps.apple.com/app/id1234567890",
            ),
            (
                "ipad",
                visitor(Platform::Ipados, None, None),
                Target::AppStore,
                "https://apps.apple.com/app/id1234567890",
            ),
            (
                "pixel",
                visitor(Platform::Android, None, None),
                Target::GooglePlay,
                "https://play.google.com/store/apps/details?id=com.example.app",
            ),
            (
                "huawei",
                visitor(Platform::Android, Some(Vendor::Huawei), None),
                Target::VendorStore,
                "appmarket://details?id=com.example.app",
            ),
            (
                "honor",
                visitor(Platform::Android, Some(Vendor::Honor), None),
                Target::VendorStore,
                "honormarket://details?id=com.example.app",
            ),
            (
                "xiaomi",
                visitor(Platform::Android, Some(Vendor::Xiaomi), None),
                Target::VendorStore,
                "mimarket://details?id=com.example.app",
            ),
            (
                "oppo",
                visitor(Platform::Android, Some(Vendor::Oppo), None),
                Target::VendorStore,
                "oppomarket://details?packagename=com.example.app",
            ),
            (
                "vivo",
                visitor(Platform::Android, Some(Vendor::Vivo), None),
                Target::VendorStore,
                "vivomarket://details?id=com.example.app",
            ),
            (
                "samsung",
                visitor(Platform::Android, Some(Vendor::Samsung), None),
                Target::VendorStore,
                "samsungapps://ProductDetail/com.example.app",
            ),
            (
                "windows",
                visitor(Platform::Windows, None, None),
                Target::Web,
                "https://www.example.com/coupon",
            ),
            (
                "macos",
                visitor(Platform::Macos, None, None),
                Target::Web,
                "https://www.example.com/coupon",
            ),
            (
                "other",
                visitor(Platform::Other, None, None),
                Target::Web,
                "https://www.example.com/coupon",
            ),
        ];
        for (name, v, target, to) in cases {
            match decide(Some(&link), &v, 0) {
                Decision::Redirect { to: got, target: t } => {
                    assert_eq!((t, got.as_str()), (target, to), "{name}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn missing_vendor_store_falls_back_to_play_then_web() {
        let mut input = demo_input();
        input.destinations.xiaomi = None;
        let link = input.validate(ShortCode::parse("x").unwrap()).unwrap();
        let (_, t) = route(
            &link,
            &visitor(Platform::Android, Some(Vendor::Xiaomi), None),
        );
        assert_eq!(t, Target::GooglePlay);
        input.destinations.android = None;
        input.destinations.ios = None;
        let link = input.validate(ShortCode::parse("x").unwrap()).unwrap();
        assert_eq!(
            route(
                &link,
                &visitor(Platform::Android, Some(Vendor::Xiaomi), None)
            )
            .1,
            Target::Web
        );
        assert_eq!(
            route(&link, &visitor(Platform::Ios, None, None)).1,
            Target::Web
        );
    }

    #[test]
    fn blocking_in_app_browsers_get_the_interstitial() {
        let link = demo_link();
        let wechat = visitor(Platform::Ios, None, Some(InApp::Wechat));
        assert!(matches!(
            decide(Some(&link), &wechat, 0),
            Decision::Interstitial {
                in_app: InApp::Wechat,
                ..
            }
        ));
        // Facebook's browser opens store links itself.
        let fb = visitor(Platform::Ios, None, Some(InApp::Facebook));
        assert!(matches!(
            decide(Some(&link), &fb, 0),
            Decision::Redirect { .. }
        ));
        // On a desktop, WeChat goes to the web fallback: nothing to block.
        let desk = visitor(Platform::Windows, None, Some(InApp::Wechat));
        assert!(matches!(
            decide(Some(&link), &desk, 0),
            Decision::Redirect {
                target: Target::Web,
                ..
            }
        ));
    }

    #[test]
    fn outcome_names_match_serde() {
        for o in [
            Outcome::Redirect,
            Outcome::Interstitial,
            Outcome::Landing,
            Outcome::NotFound,
            Outcome::Gone,
            Outcome::HintRequested,
        ] {
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
        }
    }

    fn with_landing() -> Link {
        let mut input = demo_input();
        input.landing = Some(crate::domain::landing::tests::coupon_input());
        input.landing.as_mut().unwrap().logo_url = None;
        input.validate(ShortCode::parse("demo").unwrap()).unwrap()
    }

    #[test]
    fn a_landing_section_turns_every_answer_into_its_page() {
        let link = with_landing();
        let cases = [
            (
                "iphone",
                visitor(Platform::Ios, None, None),
                View::Phone,
                Target::AppStore,
            ),
            (
                "xiaomi",
                visitor(Platform::Android, Some(Vendor::Xiaomi), None),
                View::Phone,
                Target::VendorStore,
            ),
            (
                "windows",
                visitor(Platform::Windows, None, None),
                View::Desktop,
                Target::Web,
            ),
            (
                "wechat",
                visitor(Platform::Android, Some(Vendor::Huawei), Some(InApp::Wechat)),
                View::InApp(InApp::Wechat),
                Target::VendorStore,
            ),
            (
                "facebook",
                visitor(Platform::Ios, None, Some(InApp::Facebook)),
                View::Phone,
                Target::AppStore,
            ),
        ];
        for (name, v, want_view, want_target) in cases {
            let plain = decide_redirect(Some(&link), &v, 0);
            match decide(Some(&link), &v, 0) {
                Decision::Landing {
                    view, target, to, ..
                } => {
                    assert_eq!((view, target), (want_view, want_target), "{name}");
                    // The page's store is the one the redirect would have used.
                    assert_eq!(plain.target(), Some(target), "{name}");
                    assert!(
                        matches!(plain, Decision::Redirect { to: t, .. } | Decision::Interstitial { to: t, .. } if t == to)
                    );
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn without_a_landing_section_nothing_changes() {
        let link = demo_link();
        for p in Platform::ALL {
            let v = visitor(*p, None, None);
            assert_eq!(
                decide(Some(&link), &v, 0),
                decide_redirect(Some(&link), &v, 0)
            );
        }
    }

    #[test]
    fn an_expired_link_with_a_landing_page_is_still_gone() {
        let mut link = with_landing();
        link.expires_at = Some(10);
        let v = visitor(Platform::Ios, None, None);
        assert_eq!(decide(Some(&link), &v, 10), Decision::Gone);
        link.disabled = true;
        assert_eq!(decide(Some(&link), &v, 0), Decision::NotFound);
    }

    #[test]
    fn unknown_android_makers_take_the_links_choice() {
        let mut link = demo_link();
        let unknown = visitor(Platform::Android, None, None);
        assert_eq!(route(&link, &unknown).1, Target::GooglePlay);
        link.destinations.android_unknown = link.destinations.xiaomi.clone();
        let (to, target) = route(&link, &unknown);
        assert_eq!(
            (to.as_str(), target),
            ("mimarket://details?id=com.example.app", Target::VendorStore)
        );
        // A known maker without its own store on the link still goes to Google Play.
        link.destinations.samsung = None;
        let samsung = visitor(Platform::Android, Some(Vendor::Samsung), None);
        assert_eq!(route(&link, &samsung).1, Target::GooglePlay);
    }

    #[test]
    fn an_expired_token_is_gone_on_a_live_link() {
        let link = demo_link();
        let v = visitor(Platform::Ios, None, None);
        assert_eq!(
            token_expired(decide(Some(&link), &v, 0), true),
            Decision::Gone
        );
        assert!(matches!(
            token_expired(decide(Some(&link), &v, 0), false),
            Decision::Redirect { .. }
        ));
    }

    #[test]
    fn missing_disabled_and_expired() {
        let v = visitor(Platform::Ios, None, None);
        assert_eq!(decide(None, &v, 0), Decision::NotFound);
        let mut link = demo_link();
        link.disabled = true;
        assert_eq!(decide(Some(&link), &v, 0), Decision::NotFound);
        link.disabled = false;
        link.expires_at = Some(1_000);
        assert!(matches!(
            decide(Some(&link), &v, 999),
            Decision::Redirect { .. }
        ));
        assert_eq!(decide(Some(&link), &v, 1_000), Decision::Gone);
    }
}
