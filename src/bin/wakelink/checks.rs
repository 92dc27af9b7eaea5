//! Checks and small helpers the commands share.

use std::borrow::Cow;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use wakelink::domain::code::ShortCode;
use wakelink::domain::ledger::{ExternalId, MAX_SENT_AHEAD_MS};
use wakelink::domain::time::parse_instant;
use wakelink::domain::token::Keyring;

use crate::{fail, Fail};

/// Column (or NDJSON key) names that mean contact data. Matched as substrings of the name
/// lowercased with non-alphanumerics removed (`Phone Number`, `e-mail`, `MSISDN`, ...).
pub(crate) const CONTACT_WORDS: &[&str] = &["phone", "mobile", "email", "msisdn"];

pub(crate) fn parse_code(s: &str) -> Result<ShortCode, Fail> {
    ShortCode::parse(s).map_err(|e| Fail(format!("--code: {e}")))
}

/// `https://host[:port][/path]` without a trailing slash, query or fragment.
pub(crate) fn parse_base_url(s: &str) -> Result<String, Fail> {
    let url = url::Url::parse(s.trim()).map_err(|e| Fail(format!("--base-url: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return fail("--base-url: must be an http(s) URL with a host");
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return fail("--base-url: must not have credentials, a query or a fragment");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

pub(crate) fn keyring_from_env(var: &str) -> Result<Keyring, Fail> {
    match std::env::var(var) {
        Ok(spec) => Keyring::parse(&spec).map_err(|e| Fail(format!("{var}: {e}"))),
        Err(std::env::VarError::NotPresent) => fail(format!(
            "environment variable {var} is not set (format kid:secret[,kid:secret]; make a key \
             with `wakelink keygen`)"
        )),
        Err(std::env::VarError::NotUnicode(_)) => fail(format!("{var}: not UTF-8")),
    }
}

pub(crate) fn is_contact_column(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    CONTACT_WORDS.iter().any(|w| folded.contains(w))
}

/// The operator's own id, checked by the ledger's rule: neither an e-mail address nor a phone
/// number, so contact data never enters wakelink.
pub(crate) fn check_external_id(id: &str) -> Result<(), RowError> {
    ExternalId::parse(id).map(drop).map_err(|e| {
        let hint = if e.contains("phone") {
            " (prefix numeric ids, e.g. cust-1234567)"
        } else {
            ""
        };
        RowError::Invalid(Cow::Owned(format!("external_id {e}{hint}")))
    })
}

pub(crate) fn check_label<'a>(what: &'static str, v: &'a str) -> Result<&'a str, RowError> {
    wakelink::domain::link::check_label(v)
        .map_err(|m| RowError::Invalid(Cow::Owned(format!("{what} {m}"))))
}

/// Empty, or the API's one time type (RFC 3339 with an offset, see
/// `domain::time::parse_instant`), at most a year ahead of `now`; the result is Unix ms.
pub(crate) fn parse_sent_at(s: &str, now: u64) -> Result<Option<u64>, Cow<'static, str>> {
    if s.is_empty() {
        return Ok(None);
    }
    let ms = parse_instant(s).map_err(|e| Cow::Owned(format!("sent_at {e}")))?;
    if ms > now.saturating_add(MAX_SENT_AHEAD_MS) {
        return Err(Cow::Borrowed(
            "sent_at is more than a year ahead: check the value",
        ));
    }
    Ok(Some(ms))
}

pub(crate) fn now_ms() -> Result<u64, Fail> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Fail("the system clock is before 1970".into()))?;
    Ok(now.as_millis() as u64)
}

/// Decimal digits of `n` in `buf`, without allocating.
pub(crate) fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

pub(crate) fn write_err(e: impl fmt::Display) -> Fail {
    Fail(format!("writing the output: {e}"))
}

pub(crate) enum RowError {
    Invalid(Cow<'static, str>),
    Write(Fail),
}

impl From<&'static str> for RowError {
    fn from(s: &'static str) -> Self {
        RowError::Invalid(Cow::Borrowed(s))
    }
}

/// Where a row came from, for error messages: `line 12 (row 11)`.
pub(crate) fn at(line: u64, row: u64, e: RowError) -> Fail {
    match e {
        RowError::Invalid(msg) => Fail(format!("input line {line} (row {row}): {msg}")),
        RowError::Write(f) => f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_and_email_ids_are_refused() {
        let cases: &[(&str, bool)] = &[
            ("cust-000001", true),
            ("u-1", true),
            ("123456", true),
            ("A1234567", true),
            ("1234567", true),
            ("13800138000", false),
            ("tel:10086", false),
            ("+1 (415) 555-0100", false),
            ("+33 6 12 34 56 78", false),
            ("(555) 123-4567", false),
            ("555.123.4567", false),
            ("a@b", false),
            ("", false),
            ("tab\there", false),
        ];
        for (id, ok) in cases {
            assert_eq!(check_external_id(id).is_ok(), *ok, "{id:?}");
        }
        assert!(check_external_id(&"x".repeat(129)).is_err());
    }

    #[test]
    fn contact_columns() {
        for name in [
            "phone",
            "Phone Number",
            "MOBILE",
            "e-mail",
            "email_address",
            "msisdn",
            "telephone",
        ] {
            assert!(is_contact_column(name), "{name}");
        }
        for name in ["external_id", "segment", "variant", "sent_at", "name"] {
            assert!(!is_contact_column(name), "{name}");
        }
    }

    #[test]
    fn sent_at() {
        let now = 1_766_000_000_000;
        assert_eq!(parse_sent_at("", now), Ok(None));
        assert_eq!(
            parse_sent_at("2025-12-17T19:33:20Z", now),
            Ok(Some(1_766_000_000_000))
        );
        assert_eq!(
            parse_sent_at("2025-12-17T20:33:20.123+01:00", now),
            Ok(Some(1_766_000_000_123))
        );
        assert_eq!(
            parse_sent_at("2025-12-17 14:33:20-05:00", now),
            Ok(Some(1_766_000_000_000))
        );
        // The same refusals as the API: no unit guessing, no silent UTC.
        for bad in [
            "1766000000",
            "1766000000000",
            "2025-12-17",
            "2025-12-17T19:33:20",
            "2025-13-01T00:00:00Z",
            "yesterday",
            "1969-12-31T23:59:59Z",
            "2027-12-18T00:00:00Z",
        ] {
            assert!(parse_sent_at(bad, now).is_err(), "{bad}");
        }
    }
}
