//! Operator API keys.
//!
//! Two kinds of bearer key open `/api/v1`:
//! - the deployment's own keys, from the `API_KEYS` secret ([`ApiKeys`]): they bootstrap a
//!   deployment and act as `admin` keys;
//! - issued keys ([`IssuedKey`]), created through `POST /api/v1/keys`, each with its
//!   [`Scopes`]. An issued key reads `wlk_{id}_{secret}`: the id (12 hex digits) is public and
//!   names the key in listings; only the SHA-256 of the whole key is stored, so the secret is
//!   shown once, when it is created.
//!
//! Which scope a request needs is [`need`]'s answer for its route and method.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

use super::link::check_label;
use super::problem::Problem;
use super::route::Route;

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
        self.authorize_token(token)
    }

    /// Whether `token` is one of the keys (compared as SHA-256 digests, in constant time).
    pub fn authorize_token(&self, token: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut ok = subtle::Choice::from(0u8);
        for key in &self.0 {
            ok |= key.ct_eq(&digest);
        }
        bool::from(ok)
    }
}

/// The bearer token of an `Authorization` header, if it names one.
///
/// ```
/// use wakelink::domain::auth::bearer;
/// assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
/// assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
/// assert_eq!(bearer(Some("Basic abc")), None);
/// assert_eq!(bearer(None), None);
/// ```
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let (scheme, rest) = header?.trim().split_once(' ')?;
    let token = rest.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What an issued key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every `GET` of the operator API.
    Read,
    /// Every write of the operator API: links, send lists, campaigns, conversions, opens.
    Write,
    /// Only `POST /api/v1/conversions` and `POST /api/v1/opens`: the key an app's backend
    /// holds.
    Conversions,
    /// Everything, and keys themselves.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Write, Scope::Conversions, Scope::Admin];

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Conversions => "conversions",
            Scope::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of scopes, as a key carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// What the `API_KEYS` secret's keys hold.
    pub const ADMIN: Scopes = Scopes(1 << Scope::Admin as u8);

    pub fn contains(self, s: Scope) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Scope names, comma-separated, as stored (`read,write`); unknown names are skipped so
    /// a row written by a newer version grants no more than this version knows.
    pub fn from_stored(s: &str) -> Scopes {
        Scopes(
            s.split(',')
                .filter_map(|n| Scope::parse(n.trim()))
                .fold(0, |acc, s| acc | s.bit()),
        )
    }

    /// In the fixed order of [`Scope::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    pub fn to_stored(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(",")
    }

    /// Whether a key holding these scopes may make a request that needs `need`. `admin`
    /// may do everything; `write` also reports conversions and opens; otherwise a scope
    /// grants exactly what it names (`write` does not imply `read`).
    ///
    /// ```
    /// use wakelink::domain::auth::{Need, Scopes};
    /// let app = Scopes::from_stored("conversions");
    /// assert!(app.allow(Need::Conversions));
    /// assert!(!app.allow(Need::Read));
    /// assert!(Scopes::from_stored("write").allow(Need::Conversions));
    /// assert!(!Scopes::from_stored("read,write").allow(Need::Admin));
    /// assert!(Scopes::ADMIN.allow(Need::Admin));
    /// ```
    pub fn allow(self, need: Need) -> bool {
        self.contains(Scope::Admin)
            || match need {
                Need::Read => self.contains(Scope::Read),
                Need::Write => self.contains(Scope::Write),
                Need::Conversions => {
                    self.contains(Scope::Conversions) || self.contains(Scope::Write)
                }
                Need::Admin => false,
            }
    }
}

/// What a request needs of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Read,
    Write,
    /// `conversions` or `write`.
    Conversions,
    Admin,
}

impl Need {
    /// The scope to name in a refusal.
    pub fn scope_names(self) -> &'static str {
        match self {
            Need::Read => "read",
            Need::Write => "write",
            Need::Conversions => "conversions write",
            Need::Admin => "admin",
        }
    }
}

/// The scope a request needs: `None` for routes that answer without a key (not operator
/// routes, or no such API route). `read` is true for `GET` and `HEAD`.
///
/// ```
/// use wakelink::domain::auth::{need, Need};
/// use wakelink::domain::route::parse;
/// assert_eq!(need(&parse("/api/v1/events"), true), Some(Need::Read));
/// assert_eq!(need(&parse("/api/v1/links/demo"), false), Some(Need::Write));
/// assert_eq!(need(&parse("/api/v1/opens"), false), Some(Need::Conversions));
/// assert_eq!(need(&parse("/api/v1/keys"), true), Some(Need::Admin));
/// assert_eq!(need(&parse("/demo"), true), None);
/// ```
pub fn need(route: &Route, read: bool) -> Option<Need> {
    let rw = if read { Need::Read } else { Need::Write };
    match route {
        Route::ApiLink(_)
        | Route::ApiLinks
        | Route::ApiRecipients(_)
        | Route::ApiReservations(_)
        | Route::ApiEvents
        | Route::ApiCampaigns
        | Route::ApiCampaign(_)
        | Route::ApiDeadLetters => Some(rw),
        Route::ApiDeadLettersReplay => Some(Need::Write),
        Route::ApiCampaignReport(..) | Route::ApiExport => Some(Need::Read),
        Route::ApiConversions | Route::ApiOpens => Some(Need::Conversions),
        Route::ApiKeys | Route::ApiKey(_) => Some(Need::Admin),
        _ => None,
    }
}

/// What issued keys start with.
pub const KEY_PREFIX: &str = "wlk_";
/// Hex digits of a key id.
pub const KEY_ID_LEN: usize = 12;
/// Bytes of secret in an issued key (written as 48 hex digits): 192 bits.
pub const KEY_SECRET_BYTES: usize = 24;

/// The public id of an issued key: 12 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyId(String);

impl KeyId {
    /// ```
    /// use wakelink::domain::auth::KeyId;
    /// assert!(KeyId::parse("0123456789ab").is_some());
    /// assert!(KeyId::parse("0123456789AB").is_none());
    /// assert!(KeyId::parse("0123").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<KeyId> {
        (s.len() == KEY_ID_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| KeyId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// What is stored of a key: the SHA-256 of the whole key, hex.
fn digest_hex(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A key just created: the key itself (shown once) and what is stored of it.
pub struct IssuedKey {
    pub id: KeyId,
    /// The whole key, `wlk_{id}_{secret}`. Never stored, never logged.
    pub key: String,
    /// SHA-256 of `key`, hex: the stored form.
    pub digest: String,
}

impl fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IssuedKey({}, [redacted])", self.id.as_str())
    }
}

impl IssuedKey {
    /// A key from fresh random bytes (the runtime's CSPRNG): 6 for the id, 24 for the secret.
    ///
    /// ```
    /// use wakelink::domain::auth::{IssuedKey, PresentedKey};
    /// let k = IssuedKey::new([1, 2, 3, 4, 5, 6], [7; 24]);
    /// assert_eq!(k.id.as_str(), "010203040506");
    /// assert!(k.key.starts_with("wlk_010203040506_0707"));
    /// let p = PresentedKey::parse(&k.key).unwrap();
    /// assert!(p.matches(&k.digest));
    /// assert!(!format!("{k:?}").contains("0707"));
    /// ```
    pub fn new(id: [u8; 6], secret: [u8; KEY_SECRET_BYTES]) -> IssuedKey {
        let id = KeyId(hex(&id));
        let key = format!("{KEY_PREFIX}{}_{}", id.as_str(), hex(&secret));
        IssuedKey {
            digest: digest_hex(&key),
            id,
            key,
        }
    }
}

/// A bearer token shaped like an issued key: its id (to look the key up) and its digest (to
/// compare with the stored one).
#[derive(Clone)]
pub struct PresentedKey {
    pub id: KeyId,
    digest: String,
}

impl fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PresentedKey({}, [redacted])", self.id.as_str())
    }
}

impl PresentedKey {
    /// `wlk_` + 12 hex digits + `_` + 48 hex digits; anything else is not an issued key.
    pub fn parse(token: &str) -> Option<PresentedKey> {
        let rest = token.strip_prefix(KEY_PREFIX)?;
        let (id, secret) = rest.split_once('_')?;
        let id = KeyId::parse(id)?;
        let secret_ok = secret.len() == KEY_SECRET_BYTES * 2
            && secret
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        secret_ok.then(|| PresentedKey {
            id,
            digest: digest_hex(token),
        })
    }

    /// Compares with a stored digest in constant time.
    pub fn matches(&self, stored: &str) -> bool {
        self.digest.len() == stored.len()
            && bool::from(self.digest.as_bytes().ct_eq(stored.as_bytes()))
    }
}

/// Who made a request, once its key is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A key from the `API_KEYS` secret.
    Deployment,
    /// An issued key.
    Key { id: KeyId, scopes: Scopes },
}

impl Caller {
    pub fn scopes(&self) -> Scopes {
        match self {
            Caller::Deployment => Scopes::ADMIN,
            Caller::Key { scopes, .. } => *scopes,
        }
    }

    /// `Ok` when the caller may, else the 403 to answer.
    pub fn check(&self, need: Need) -> Result<(), Problem> {
        if self.scopes().allow(need) {
            Ok(())
        } else {
            Err(Problem::new(
                403,
                "forbidden-scope",
                format!(
                    "this key lacks the scope this request needs ({})",
                    need.scope_names()
                ),
            ))
        }
    }
}

/// Most issued keys not revoked at once.
pub const MAX_ACTIVE_KEYS: usize = 100;

/// The body of `POST /api/v1/keys`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKeyInput {
    pub name: String,
    pub scopes: Vec<String>,
}

/// A checked request for a new key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    pub name: String,
    pub scopes: Scopes,
}

impl NewKeyInput {
    /// ```
    /// use wakelink::domain::auth::{NewKeyInput, Scope};
    /// let k = NewKeyInput::parse(br#"{"name":"app backend","scopes":["conversions"]}"#).unwrap();
    /// assert!(k.scopes.contains(Scope::Conversions));
    /// assert!(NewKeyInput::parse(br#"{"name":"x","scopes":["root"]}"#).is_err());
    /// assert!(NewKeyInput::parse(br#"{"name":"x","scopes":[]}"#).is_err());
    /// ```
    pub fn parse(body: &[u8]) -> Result<NewKey, Problem> {
        let input: NewKeyInput =
            serde_json::from_slice(body).map_err(|e| Problem::invalid_json(&e))?;
        let name = match check_label(&input.name) {
            Ok("") => Err("must not be empty"),
            Ok(v) => Ok(v.to_owned()),
            Err(m) => Err(m),
        }
        .map_err(|m| Problem::invalid("name", m))?;
        let mut scopes = Scopes::default();
        for (i, s) in input.scopes.iter().enumerate() {
            let scope = Scope::parse(s).ok_or_else(|| {
                Problem::invalid(
                    format!("scopes[{i}]"),
                    "one of read, write, conversions, admin",
                )
            })?;
            scopes.0 |= scope.bit();
        }
        if scopes.is_empty() {
            return Err(Problem::invalid("scopes", "name at least one scope"));
        }
        Ok(NewKey { name, scopes })
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

    #[test]
    fn issued_keys_are_recognised_only_whole() {
        let k = IssuedKey::new([0xab; 6], [0x5c; KEY_SECRET_BYTES]);
        assert_eq!(k.key.len(), 4 + 12 + 1 + 48);
        assert!(PresentedKey::parse(&k.key).is_some_and(|p| p.matches(&k.digest)));
        // One digit off, cut short, upper case, another prefix: not this key.
        let mut off = k.key.clone();
        off.pop();
        off.push('d');
        assert!(PresentedKey::parse(&off).is_some_and(|p| !p.matches(&k.digest)));
        assert!(PresentedKey::parse(&k.key[..k.key.len() - 1]).is_none());
        assert!(PresentedKey::parse(&k.key.to_uppercase()).is_none());
        assert!(PresentedKey::parse(&k.key.replacen("wlk_", "wlx_", 1)).is_none());
        assert!(PresentedKey::parse("wl_test_0123456789abcdef0123").is_none());
        // The stored digest is SHA-256 of the key text.
        assert_eq!(k.digest, hex(&Sha256::digest(k.key.as_bytes())));
    }

    #[test]
    fn scope_table() {
        use Need::*;
        let s = Scopes::from_stored;
        let cases: &[(&str, [bool; 4])] = &[
            // scopes:          read   write  conv   admin
            ("read", [true, false, false, false]),
            ("write", [false, true, true, false]),
            ("conversions", [false, false, true, false]),
            ("read,write", [true, true, true, false]),
            ("admin", [true, true, true, true]),
            ("", [false, false, false, false]),
            ("root,read", [true, false, false, false]),
        ];
        for (scopes, want) in cases {
            let got = [Read, Write, Conversions, Admin].map(|n| s(scopes).allow(n));
            assert_eq!(&got, want, "{scopes}");
        }
        assert_eq!(s("admin, read ,write").to_stored(), "read,write,admin");
        let c = Caller::Key {
            id: KeyId::parse("0123456789ab").unwrap(),
            scopes: s("read"),
        };
        assert_eq!(c.check(Write).unwrap_err().code, "forbidden-scope");
        assert_eq!(c.check(Write).unwrap_err().status, 403);
        assert!(Caller::Deployment.check(Admin).is_ok());
    }

    #[test]
    fn every_operator_route_needs_a_scope() {
        use crate::domain::route::parse;
        for path in [
            "/api/v1/links/demo",
            "/api/v1/links/demo/recipients",
            "/api/v1/links/demo/reservations",
            "/api/v1/events",
            "/api/v1/conversions",
            "/api/v1/opens",
            "/api/v1/keys",
            "/api/v1/keys/0123456789ab",
            "/api/v1/campaigns",
            "/api/v1/campaigns/spring",
        ] {
            let r = parse(path);
            assert!(r.is_operator(), "{path}");
            for read in [true, false] {
                assert!(need(&r, read).is_some(), "{path} {read}");
            }
        }
        assert_eq!(need(&parse("/api/v1/nothing"), true), None);
    }

    #[test]
    fn new_key_bodies() {
        let bad = |b: &str| NewKeyInput::parse(b.as_bytes()).unwrap_err();
        assert_eq!(
            bad(r#"{"name":"x","scopes":["read"],"x":1}"#).code,
            "invalid-json"
        );
        assert_eq!(
            bad(r#"{"name":" ","scopes":["read"]}"#).field.as_deref(),
            Some("name")
        );
        assert_eq!(
            bad(r#"{"name":"x","scopes":["read","Write"]}"#)
                .field
                .as_deref(),
            Some("scopes[1]")
        );
        let k =
            NewKeyInput::parse(br#"{"name":" ci ","scopes":["write","read","write"]}"#).unwrap();
        assert_eq!(k.name, "ci");
        assert_eq!(k.scopes.to_stored(), "read,write");
    }
}
