//! Operator API keys: a wrapper that never prints, compared in constant time.

use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// Bearer keys accepted by `/api/v1`. Parsed from a comma-separated secret.
#[derive(Clone, Default)]
pub struct ApiKeys(Vec<[u8; 32]>);

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeys([{} redacted])", self.0.len())
    }
}

/// Shortest key accepted: short keys are guessable.
pub const MIN_KEY_LEN: usize = 16;

impl ApiKeys {
    /// Keys shorter than 16 bytes are ignored; the count of usable keys can be checked.
    pub fn parse(spec: &str) -> ApiKeys {
        ApiKeys(
            spec.split(',')
                .map(str::trim)
                .filter(|k| k.len() >= MIN_KEY_LEN)
                .map(|k| Sha256::digest(k.as_bytes()).into())
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks an `Authorization` header value. Digests are compared, so neither the length
    /// nor the content of a key leaks through timing.
    ///
    /// ```
    /// use wakelink::domain::auth::ApiKeys;
    /// let keys = ApiKeys::parse("k-0123456789abcdef, k-fedcba9876543210");
    /// assert!(keys.authorize(Some("Bearer k-fedcba9876543210")));
    /// assert!(!keys.authorize(Some("Bearer k-0123456789abcdeX")));
    /// assert!(!keys.authorize(None));
    /// ```
    pub fn authorize(&self, header: Option<&str>) -> bool {
        let Some(token) = header.and_then(|h| {
            let (scheme, rest) = h.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        }) else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut ok = subtle::Choice::from(0u8);
        for key in &self.0 {
            ok |= key.ct_eq(&digest);
        }
        bool::from(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_not_keys() {
        assert!(ApiKeys::parse("short,").is_empty());
        assert!(!ApiKeys::parse("short").authorize(Some("Bearer short")));
        assert!(!ApiKeys::parse("").authorize(Some("Bearer ")));
        let k = ApiKeys::parse("0123456789abcdef");
        assert!(k.authorize(Some("bearer 0123456789abcdef")));
        assert!(!k.authorize(Some("Basic 0123456789abcdef")));
        assert!(!format!("{k:?}").contains("0123"));
    }
}
