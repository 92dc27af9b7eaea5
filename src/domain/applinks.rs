//! `/.well-known/apple-app-site-association` and `/.well-known/assetlinks.json`, built from
//! configuration so universal links and Android app links open the app on wakelink's domain.
//!
//! Only the app-open path ([`APP_OPEN_PREFIX`]) is claimed. Tracked links (`/{code}`,
//! `/{code}/{token}`) must stay on the web: a claimed path opens an installed app straight
//! from the message, and the edge never sees the click. The landing page's "Open the app"
//! button leads to the app-open path; when the app is not installed the same URL loads on the
//! web and forwards to the store.

use crate::domain::code::ShortCode;

/// The path prefix the apps claim. Android apps claim it in their intent filter
/// (`android:pathPrefix="/open/"`); Apple apps through the association file below.
pub const APP_OPEN_PREFIX: &str = "/open/";

/// The app-open path for a link (and recipient token).
///
/// ```
/// use wakelink::domain::{applinks::app_open_path, code::ShortCode};
/// let code = ShortCode::parse("demo").unwrap();
/// assert_eq!(app_open_path(&code, None), "/open/demo");
/// assert_eq!(app_open_path(&code, Some("3kTMd9aQx1")), "/open/demo/3kTMd9aQx1");
/// ```
pub fn app_open_path(code: &ShortCode, token: Option<&str>) -> String {
    match token {
        Some(t) => format!("{APP_OPEN_PREFIX}{code}/{t}"),
        None => format!("{APP_OPEN_PREFIX}{code}"),
    }
}

use serde_json::{json, Value};

/// `ios_app_ids`: `TEAMID.bundle.id` entries, comma-separated.
///
/// ```
/// let v = wakelink::domain::applinks::apple_app_site_association("ABCDE12345.com.example.app");
/// assert_eq!(v["applinks"]["details"][0]["appIDs"][0], "ABCDE12345.com.example.app");
/// ```
pub fn apple_app_site_association(ios_app_ids: &str) -> Value {
    let ids: Vec<&str> = split(ios_app_ids).filter(|id| id.contains('.')).collect();
    let details: Vec<Value> = if ids.is_empty() {
        Vec::new()
    } else {
        vec![
            json!({ "appIDs": ids, "components": [{ "/": format!("{APP_OPEN_PREFIX}*"), "comment": "the app-open path only; tracked links stay on the web" }] }),
        ]
    };
    json!({ "applinks": { "details": details } })
}

/// `android_apps`: `package=FP1;FP2` entries (SHA-256 cert fingerprints), comma-separated.
///
/// ```
/// let v = wakelink::domain::applinks::asset_links("com.example.app=AA:BB");
/// assert_eq!(v[0]["target"]["package_name"], "com.example.app");
/// ```
pub fn asset_links(android_apps: &str) -> Value {
    let statements: Vec<Value> = split(android_apps)
        .filter_map(|entry| {
            let (package, fps) = entry.split_once('=')?;
            let fps: Vec<&str> = fps.split(';').map(str::trim).filter(|f| !f.is_empty()).collect();
            Some(json!({
                "relation": ["delegate_permission/common.handle_all_urls"],
                "target": { "namespace": "android_app", "package_name": package.trim(), "sha256_cert_fingerprints": fps }
            }))
        })
        .collect();
    Value::Array(statements)
}

fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|e| !e.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_valid_empty_documents() {
        assert_eq!(
            apple_app_site_association("")["applinks"]["details"],
            json!([])
        );
        assert_eq!(asset_links(""), json!([]));
        assert_eq!(asset_links("garbage"), json!([]));
    }

    /// Every pattern the association file claims, matched the way iOS matches `components`.
    fn claimed(path: &str) -> bool {
        let doc = apple_app_site_association("ABCDE12345.com.example.app");
        doc["applinks"]["details"][0]["components"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| {
                let pat = c["/"].as_str().unwrap();
                match pat.strip_suffix('*') {
                    Some(prefix) => path.starts_with(prefix),
                    None => path == pat,
                }
            })
    }

    #[test]
    fn only_the_app_open_path_is_claimed() {
        let code = ShortCode::parse("demo").unwrap();
        assert!(claimed(&app_open_path(&code, None)));
        assert!(claimed(&app_open_path(&code, Some("3kTMd9aQx1"))));
        for tracked in ["/demo", "/demo/3kTMd9aQx1", "/", "/api/v1/events", "/openx"] {
            assert!(!claimed(tracked), "{tracked} must stay on the web");
        }
        // The prefix is a path the router serves, never a link code.
        assert!(ShortCode::parse(APP_OPEN_PREFIX.trim_matches('/')).is_err());
    }
}
