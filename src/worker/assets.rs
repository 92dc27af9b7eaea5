//! Static assets the worker links to: the browser SDK under `/sdk/`.
//!
//! `scripts/build-sdk.sh` writes content-hashed files into `build/assets/sdk/`, served by
//! Workers Static Assets (`[assets]` in wrangler.toml) with
//! `Cache-Control: public, max-age=31536000, immutable` from `build/assets/_headers`; the
//! worker is never invoked for them. The build passes the hashed module path to this crate
//! (`WAKELINK_SDK_JS`, see scripts/build-worker.sh), so a page can import it:
//!
//! ```html
//! <script type="module" nonce="{nonce}">
//!   import { init, track, openApp } from '{sdk_js_path}';
//!   await init({ clickId: '{click id, see domain::clickid}', endpoint: '/e' });
//!   track('landing_view');
//!   button.onclick = () => openApp({ deepLink, universalLink, store, timeoutMs: 1600 });
//! </script>
//! ```
//!
//! The page's CSP must let the module and its wasm load and the beacon go out:
//! `script-src 'nonce-…' 'self' 'wasm-unsafe-eval'; connect-src 'self'`.

/// Path of the SDK's JavaScript module (`/sdk/wakelink.<hash>.js`), or `None` in a worker
/// built without the SDK (pages then work without JavaScript).
pub fn sdk_js_path() -> Option<&'static str> {
    option_env!("WAKELINK_SDK_JS").filter(|p| p.starts_with("/sdk/"))
}
