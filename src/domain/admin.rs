//! The operator dashboard's session rules (`/admin`): an API key kept in a cookie the page's
//! scripts can't read and other sites can't send, forms that only this origin can post, and
//! nothing secret in a URL.

use sha2::{Digest, Sha256};

/// `__Host-`: the browser keeps it only if Secure, Path=/ and without Domain.
pub const COOKIE: &str = "__Host-wakelink-admin";
/// Eight hours: a working day, then sign in again.
pub const SESSION_SECS: u32 = 8 * 3600;
/// Longest API key accepted from the sign-in form.
pub const MAX_KEY_LEN: usize = 256;

/// The `Set-Cookie` value that signs in with `key`.
pub fn session_cookie(key: &str) -> String {
    format!("{COOKIE}={key}; Max-Age={SESSION_SECS}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// The `Set-Cookie` value that signs out.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// The session's API key from a `Cookie` header, if it has the shape of one.
pub fn session_key(cookie_header: Option<&str>) -> Option<&str> {
    cookie_header?
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v)
        .filter(|v| key_shaped(v))
}

/// What an API key can look like (the cookie and the form are checked alike): printable
/// ASCII without spaces, separators or quotes, at most [`MAX_KEY_LEN`].
pub fn key_shaped(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_KEY_LEN
        && v.bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'))
}

/// The form token of a session: derived from its key, so a page of another site (which can
/// read neither the cookie nor this page) cannot forge a post.
pub fn csrf_token(key: &str) -> String {
    let d = Sha256::new()
        .chain_update(b"wakelink/admin-csrf/v1\0")
        .chain_update(key.as_bytes())
        .finalize();
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Whether a form post comes from this origin: the browser's `Sec-Fetch-Site`, else an
/// `Origin` naming this host. A post with neither is refused.
pub fn same_origin(sec_fetch_site: Option<&str>, origin: Option<&str>, host: &str) -> bool {
    if let Some(site) = sec_fetch_site {
        return site == "same-origin";
    }
    origin.is_some_and(|o| {
        o.strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"))
            .is_some_and(|h| h.eq_ignore_ascii_case(host))
    })
}

/// An `application/x-www-form-urlencoded` field.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Constant-time comparison of two form tokens.
pub fn tokens_match(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_host_only_secure_http_only_strict() {
        let c = session_cookie("wl_abc");
        assert!(c.starts_with("__Host-wakelink-admin=wl_abc;"));
        for attr in [
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=Strict",
            "Max-Age=28800",
        ] {
            assert!(c.contains(attr), "{attr}");
        }
        assert!(!c.contains("Domain"));
        assert!(clear_cookie().contains("Max-Age=0"));
    }

    #[test]
    fn the_session_key_is_read_from_its_own_cookie_only() {
        let h = "a=1; __Host-wakelink-admin=wl_key_123; b=2";
        assert_eq!(session_key(Some(h)), Some("wl_key_123"));
        assert_eq!(session_key(Some("wakelink-admin=x")), None);
        assert_eq!(session_key(Some("__Host-wakelink-admin=")), None);
        assert_eq!(session_key(Some("__Host-wakelink-admin=a\"b")), None);
        assert_eq!(session_key(None), None);
        assert!(!key_shaped(&"k".repeat(MAX_KEY_LEN + 1)));
        assert!(!key_shaped("has space"));
    }

    #[test]
    fn form_tokens_are_per_key_and_compared_whole() {
        let (a, b) = (csrf_token("key-a"), csrf_token("key-b"));
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(a, csrf_token("key-a"));
        assert!(tokens_match(&a, &csrf_token("key-a")));
        assert!(!tokens_match(&a, &b));
        assert!(!tokens_match(&a, &a[..31]));
    }

    #[test]
    fn only_this_origin_may_post() {
        assert!(same_origin(Some("same-origin"), None, "go.example.com"));
        assert!(!same_origin(
            Some("cross-site"),
            Some("https://go.example.com"),
            "go.example.com"
        ));
        assert!(!same_origin(Some("same-site"), None, "go.example.com"));
        assert!(same_origin(
            None,
            Some("https://go.example.com"),
            "go.example.com"
        ));
        assert!(!same_origin(
            None,
            Some("https://evil.example"),
            "go.example.com"
        ));
        assert!(!same_origin(None, Some("null"), "go.example.com"));
        assert!(!same_origin(None, None, "go.example.com"));
    }

    #[test]
    fn form_fields() {
        let body = b"key=wl%5Fabc%2B1&csrf=00ff&x=";
        assert_eq!(form_field(body, "key").as_deref(), Some("wl_abc+1"));
        assert_eq!(form_field(body, "csrf").as_deref(), Some("00ff"));
        assert_eq!(form_field(body, "x").as_deref(), Some(""));
        assert_eq!(form_field(body, "nope"), None);
    }
}
