//! Link configuration: what an operator stores for a code, parsed into checked types.
//!
//! The stored form is the operator's JSON (`LinkInput`); every read goes through
//! [`LinkInput::validate`], so code after it only ever holds a [`Link`] whose destinations
//! passed the allow-list.

use serde::{Deserialize, Serialize};
use url::Url;

use super::code::ShortCode;
use super::landing::{Landing, LandingInput};
use super::problem::Problem;
use super::time::{parse_instant, parse_rfc3339, UnixMs};
use super::token::Generation;
use super::visitor::Vendor;

/// Longest label (campaign, variant) accepted.
pub const MAX_LABEL_LEN: usize = 64;
/// Longest destination URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Schemes that can never be a destination, whatever an allow-list says.
const FORBIDDEN_SCHEMES: &[&str] = &["javascript", "data", "vbscript", "file", "blob", "about"];

/// Allowed when a link gives no allow-list of its own: the stores' web hosts and schemes.
const DEFAULT_HOSTS: &[&str] = &[
    "apps.apple.com",
    "itunes.apple.com",
    "play.google.com",
    "appgallery.huawei.com",
    "appgallery.cloud.huawei.com",
    "app.mi.com",
    "m.app.mi.com",
    "app.hihonor.com",
    "galaxystore.samsung.com",
    "apps.samsung.com",
    "h5.appstore.vivo.com.cn",
    "app.cdo.oppomobile.com",
];
const DEFAULT_SCHEMES: &[&str] = &[
    "https",
    "itms-apps",
    "market",
    "appmarket",
    "hiapp",
    "mimarket",
    "honormarket",
    "oppomarket",
    "vivomarket",
    "samsungapps",
];

/// The JSON an operator PUTs at `/api/v1/links/{code}`. Unknown fields are refused on a PUT
/// ([`LinkInput::from_json`]) and skipped when reading what is stored
/// ([`LinkInput::from_stored`]), which a newer or older version may have written.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LinkInput {
    pub campaign: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub destinations: DestinationsInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<AllowInput>,
    /// RFC 3339 instant after which the link answers 410.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub disabled: bool,
    /// Hours after a send or click within which a conversion is attributed (default 72).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution_window_hours: Option<u32>,
    /// A coupon landing page shown instead of the bare redirect (see `domain::landing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landing: Option<LandingInput>,
    /// Set by the server when the code is created (16 hex digits), kept when the link is
    /// replaced: every per-recipient token is bound to it, so a code deleted and created again
    /// starts with a clean slate. Links stored before generations existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DestinationsInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ios: Option<String>,
    /// Google Play.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub huawei: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xiaomi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oppo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vivo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samsung: Option<String>,
    /// Where Android phones go whose maker wasn't recognised (instead of `android`): e.g.
    /// `market://details?id=…`, which every Android store app answers (on Chinese ROMs
    /// without Google Play, the maker's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android_unknown: Option<String>,
    /// The app's URI scheme link (`exampleapp://coupon/42`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep_link: Option<String>,
    /// The app's universal link / app link (`https://app.example.com/coupon/42`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universal_link: Option<String>,
    /// Where everyone else goes; required.
    #[serde(default)]
    pub web: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AllowInput {
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub schemes: Vec<String>,
}

/// A URL that passed the scheme and host allow-list. The only way to make one is
/// [`AllowList::check`], so anything holding a `Destination` may go into a `Location` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination(Url);

impl Destination {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// True for `http(s)` destinations, false for app schemes (`market://`, `exampleapp://`).
    pub fn is_web(&self) -> bool {
        matches!(self.0.scheme(), "https" | "http")
    }

    /// The host of an `https` destination (lowercase ASCII: the URL parser punycodes it).
    pub fn https_host(&self) -> Option<&str> {
        (self.0.scheme() == "https")
            .then(|| self.0.host_str())
            .flatten()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    hosts: Vec<String>,
    schemes: Vec<String>,
}

impl AllowList {
    pub fn defaults() -> AllowList {
        AllowList {
            hosts: DEFAULT_HOSTS.iter().map(|s| s.to_string()).collect(),
            schemes: DEFAULT_SCHEMES.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[cfg(test)]
    pub(crate) fn with_hosts(mut self, hosts: &[&str]) -> AllowList {
        self.hosts.extend(hosts.iter().map(|h| h.to_string()));
        self
    }

    fn from_input(input: &AllowInput) -> Result<AllowList, Problem> {
        let mut hosts = Vec::with_capacity(input.hosts.len());
        for (i, h) in input.hosts.iter().enumerate() {
            let h = h.trim().to_ascii_lowercase();
            let label_ok = |l: &str| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            let body = h.strip_prefix("*.").unwrap_or(&h);
            if h.len() > 253 || !body.split('.').all(label_ok) {
                return Err(Problem::invalid(
                    format!("allow.hosts[{i}]"),
                    "not a host name",
                ));
            }
            hosts.push(h);
        }
        let mut schemes = Vec::with_capacity(input.schemes.len());
        for (i, s) in input.schemes.iter().enumerate() {
            let s = s.trim().to_ascii_lowercase();
            let ok = s.len() <= 32
                && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
            if !ok || FORBIDDEN_SCHEMES.contains(&s.as_str()) {
                return Err(Problem::invalid(
                    format!("allow.schemes[{i}]"),
                    "scheme not allowed",
                ));
            }
            schemes.push(s);
        }
        Ok(AllowList { hosts, schemes })
    }

    fn host_allowed(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| match h.strip_prefix("*.") {
            Some(suffix) => {
                host.len() > suffix.len() + 1
                    && host.ends_with(suffix)
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
            }
            None => h == host,
        })
    }

    /// Parses `raw` and checks it: the scheme must be listed (and never `javascript:` and
    /// kin); a web URL's host must be listed and it may carry no credentials. App-scheme URLs
    /// (`market://details?id=..`) are checked on their scheme alone.
    pub fn check(&self, raw: &str) -> Result<Destination, &'static str> {
        if raw.len() > MAX_URL_LEN {
            return Err("URL is too long");
        }
        if raw.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err("URL holds spaces or control characters");
        }
        // The IDNA adapter this build links has no Unicode tables (see Cargo.toml): a host in
        // Unicode, or percent-escaped into it, can't be parsed, and is refused here before the
        // parser hands it to the adapter (whose debug build asserts on it; found by fuzzing).
        let host = authority(raw);
        if !host.is_ascii() || host.contains('%') {
            return Err("host must be plain ASCII: write an international name in punycode (xn--)");
        }
        let url = Url::parse(raw).map_err(|_| "not an absolute URL")?;
        let scheme = url.scheme();
        if FORBIDDEN_SCHEMES.contains(&scheme) || !self.schemes.iter().any(|s| s == scheme) {
            return Err("scheme not in the allow-list");
        }
        if matches!(scheme, "http" | "https") {
            if !url.username().is_empty() || url.password().is_some() {
                return Err("URL may not carry credentials");
            }
            let host = url.host_str().ok_or("URL has no host")?;
            if !self.host_allowed(host) {
                return Err("host not in the allow-list");
            }
        }
        Ok(Destination(url))
    }
}

/// The part of `raw` the URL parser reads as the host (with any credentials and port): after
/// the scheme and however many slashes (`https:/x` and `https:\\x` name host `x` too), up to
/// the path, query or fragment.
fn authority(raw: &str) -> &str {
    let rest = raw.split_once(':').map_or(raw, |(_, r)| r);
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// Where a visitor can be sent, by kind. Used as the event's `target` too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    AppStore,
    GooglePlay,
    VendorStore,
    Web,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::AppStore => "app-store",
            Target::GooglePlay => "google-play",
            Target::VendorStore => "vendor-store",
            Target::Web => "web",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destinations {
    pub ios: Option<Destination>,
    pub android: Option<Destination>,
    pub huawei: Option<Destination>,
    pub honor: Option<Destination>,
    pub xiaomi: Option<Destination>,
    pub oppo: Option<Destination>,
    pub vivo: Option<Destination>,
    pub samsung: Option<Destination>,
    /// Android, maker not recognised; `android` when absent.
    pub android_unknown: Option<Destination>,
    pub deep_link: Option<Destination>,
    pub universal_link: Option<Destination>,
    pub web: Destination,
}

impl Destinations {
    /// Whether the Android answer depends on the maker: a vendor store is set, or a separate
    /// destination for unknown makers.
    pub fn varies_by_vendor(&self) -> bool {
        Vendor::ALL.iter().any(|v| self.vendor(*v).is_some()) || self.android_unknown.is_some()
    }

    pub fn vendor(&self, vendor: Vendor) -> Option<&Destination> {
        match vendor {
            Vendor::Huawei => self.huawei.as_ref(),
            Vendor::Honor => self.honor.as_ref().or(self.huawei.as_ref()),
            Vendor::Xiaomi => self.xiaomi.as_ref(),
            Vendor::Oppo => self.oppo.as_ref(),
            Vendor::Vivo => self.vivo.as_ref(),
            Vendor::Samsung => self.samsung.as_ref(),
        }
    }
}

/// A validated link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub code: ShortCode,
    pub campaign: String,
    pub variant: Option<String>,
    pub destinations: Destinations,
    pub expires_at: Option<UnixMs>,
    pub disabled: bool,
    /// Conversions later than this after the send or click are kept, unattributed. `None`:
    /// the link sets none, so its campaign record's window applies, else the default (72 h).
    pub attribution_window_ms: Option<u64>,
    pub landing: Option<Landing>,
    /// See [`LinkInput::generation`].
    pub generation: Option<Generation>,
}

/// Attribution window when a link sets none: 3 days, the recall articles' follow-up horizon.
pub const DEFAULT_ATTRIBUTION_WINDOW_HOURS: u32 = 72;
/// Longest attribution window a link may set (90 days).
pub const MAX_ATTRIBUTION_WINDOW_HOURS: u32 = 90 * 24;

/// The one rule for operator labels (campaign, variant, segment): trimmed, at most 64
/// characters, no control characters. An empty label is `Ok("")`; callers decide whether
/// that means "absent" or is an error.
///
/// ```
/// use wakelink::domain::link::check_label;
/// assert_eq!(check_label("  copy-B "), Ok("copy-B"));
/// assert!(check_label("a\nb").is_err());
/// ```
pub fn check_label(value: &str) -> Result<&str, &'static str> {
    let v = value.trim();
    if v.chars().count() > MAX_LABEL_LEN {
        return Err("is longer than 64 characters");
    }
    if v.chars().any(char::is_control) {
        return Err("holds control characters");
    }
    Ok(v)
}

fn label(field: &str, value: &str) -> Result<String, Problem> {
    match check_label(value) {
        Ok("") => Err(Problem::invalid(field, "must not be empty")),
        Ok(v) => Ok(v.to_owned()),
        Err(m) => Err(Problem::invalid(field, m)),
    }
}

impl LinkInput {
    /// Checks every field; the error names the first field that is wrong.
    pub fn validate(&self, code: ShortCode) -> Result<Link, Problem> {
        let campaign = label("campaign", &self.campaign)?;
        let variant = self
            .variant
            .as_deref()
            .map(|v| label("variant", v))
            .transpose()?;
        let allow = match &self.allow {
            Some(a) => AllowList::from_input(a)?,
            None => AllowList::defaults(),
        };
        let d = &self.destinations;
        let check = |name: &str, raw: &Option<String>| -> Result<Option<Destination>, Problem> {
            raw.as_deref()
                .map(|r| {
                    allow
                        .check(r)
                        .map_err(|m| Problem::invalid(format!("destinations.{name}"), m))
                })
                .transpose()
        };
        if d.web.trim().is_empty() {
            return Err(Problem::invalid(
                "destinations.web",
                "a web fallback is required",
            ));
        }
        let web = allow
            .check(&d.web)
            .map_err(|m| Problem::invalid("destinations.web", m))?;
        if !web.is_web() {
            return Err(Problem::invalid(
                "destinations.web",
                "must be an http(s) URL",
            ));
        }
        let universal_link = check("universal_link", &d.universal_link)?;
        if universal_link.as_ref().is_some_and(|u| !u.is_web()) {
            return Err(Problem::invalid(
                "destinations.universal_link",
                "must be an https URL",
            ));
        }
        let expires_at = match &self.expires_at {
            Some(s) => Some(
                parse_rfc3339(s)
                    .ok_or_else(|| Problem::invalid("expires_at", "not an RFC 3339 date-time"))?,
            ),
            None => None,
        };
        let window_hours = self
            .attribution_window_hours
            .unwrap_or(DEFAULT_ATTRIBUTION_WINDOW_HOURS);
        if !(1..=MAX_ATTRIBUTION_WINDOW_HOURS).contains(&window_hours) {
            return Err(Problem::invalid(
                "attribution_window_hours",
                "must be between 1 and 2160 (90 days)",
            ));
        }
        let landing = self
            .landing
            .as_ref()
            .map(|l| l.validate(&allow))
            .transpose()?;
        Ok(Link {
            code,
            campaign,
            variant,
            destinations: Destinations {
                ios: check("ios", &d.ios)?,
                android: check("android", &d.android)?,
                huawei: check("huawei", &d.huawei)?,
                honor: check("honor", &d.honor)?,
                xiaomi: check("xiaomi", &d.xiaomi)?,
                oppo: check("oppo", &d.oppo)?,
                vivo: check("vivo", &d.vivo)?,
                samsung: check("samsung", &d.samsung)?,
                android_unknown: check("android_unknown", &d.android_unknown)?,
                deep_link: check("deep_link", &d.deep_link)?,
                universal_link,
                web,
            },
            expires_at,
            disabled: self.disabled,
            attribution_window_ms: self
                .attribution_window_hours
                .map(|_| u64::from(window_hours) * 3_600_000),
            landing,
            generation: self.generation()?,
        })
    }

    /// The stored generation, checked.
    pub fn generation(&self) -> Result<Option<Generation>, Problem> {
        self.generation
            .as_deref()
            .map(|g| {
                Generation::parse(g)
                    .ok_or_else(|| Problem::invalid("generation", "not 16 hex digits"))
            })
            .transpose()
    }

    /// What a write (PUT) must meet beyond [`LinkInput::validate`], which also runs on every
    /// read of a stored link: the generation is the server's to set, and an expiry is an
    /// RFC 3339 date-time with an offset, to the second, still ahead of `now`.
    pub fn check_write(&self, now: UnixMs) -> Result<(), Problem> {
        if self.generation.is_some() {
            return Err(Problem::invalid("generation", "is set by the server"));
        }
        if let Some(s) = &self.expires_at {
            let at = parse_instant(s).map_err(|m| Problem::invalid("expires_at", m))?;
            if at <= now {
                return Err(Problem::invalid("expires_at", "is already past"));
            }
        }
        Ok(())
    }

    /// Parses the JSON body of a PUT; a syntax or type error, or a field this version
    /// doesn't know, names the problem.
    pub fn from_json(body: &[u8]) -> Result<LinkInput, Problem> {
        let input = serde_json::from_slice(body).map_err(|e| Problem::invalid_json(&e))?;
        match unknown_fields(body).first() {
            None => Ok(input),
            Some(f) => Err(Problem::new(
                400,
                "invalid-json",
                format!("unknown field `{f}`"),
            )),
        }
    }

    /// Parses a link as stored in KV. Unlike a PUT, fields this version doesn't know (written
    /// by a newer version during a deploy or before a rollback) are skipped, and named in the
    /// second value so the caller can log them.
    pub fn from_stored(raw: &str) -> Result<(LinkInput, Vec<String>), Problem> {
        let input =
            serde_json::from_slice(raw.as_bytes()).map_err(|e| Problem::invalid_json(&e))?;
        Ok((input, unknown_fields(raw.as_bytes())))
    }
}

/// The field names of a struct, as its derived `Deserialize` hands them to the deserializer:
/// the list can never drift from the type. (A deserializer that only listens.)
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    #[derive(Debug)]
    struct Fields(&'static [&'static str]);
    impl std::fmt::Display for Fields {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("field list")
        }
    }
    impl std::error::Error for Fields {}
    impl de::Error for Fields {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Fields(&[])
        }
    }
    struct Listen;
    impl<'de> de::Deserializer<'de> for Listen {
        type Error = Fields;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Fields> {
            Err(Fields(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Fields> {
            Err(Fields(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    match T::deserialize(Listen) {
        Err(Fields(f)) => f,
        Ok(_) => &[],
    }
}

/// Keys of a link's JSON that no field takes: top level, `destinations.*`, `allow.*`.
/// Reads the keys only (values are skipped unparsed); anything not an object has none.
pub fn unknown_fields(body: &[u8]) -> Vec<String> {
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
    struct Scan<'a> {
        known: &'static [&'static str],
        prefix: &'static str,
        out: &'a mut Vec<String>,
    }
    impl<'de> DeserializeSeed<'de> for Scan<'_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Scan<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                let nested = match (self.prefix, &*key) {
                    ("", "destinations") => {
                        Some((fields_of::<DestinationsInput>(), "destinations."))
                    }
                    ("", "allow") => Some((fields_of::<AllowInput>(), "allow.")),
                    _ => None,
                };
                match nested {
                    Some((known, prefix)) => map.next_value_seed(Scan {
                        known,
                        prefix,
                        out: self.out,
                    })?,
                    None => {
                        if !self.known.contains(&&*key) {
                            self.out.push(format!("{}{key}", self.prefix));
                        }
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
    }
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let scan = Scan {
        known: fields_of::<LinkInput>(),
        prefix: "",
        out: &mut out,
    };
    let _ = scan.deserialize(&mut de);
    out
}

#[cfg(test)]
#[path = "link_tests.rs"]
pub(crate) mod tests;
