//! `/.well-known/apple-app-site-association` and `/.well-known/assetlinks.json`, built from
//! configuration so universal links and Android app links open the app on wakelink's domain.

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
            json!({ "appIDs": ids, "components": [{ "/": "/*", "comment": "every wakelink path" }] }),
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
}
