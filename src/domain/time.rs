//! Instants as Unix milliseconds, and the one text form wakelink reads and writes (RFC 3339, UTC).

/// Milliseconds since the Unix epoch.
pub type UnixMs = u64;

/// Days from 1970-01-01 to the civil date (proleptic Gregorian). Howard Hinnant's algorithm.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or with an offset (`+08:00`) and optional
/// fractional seconds, into Unix milliseconds. Dates before 1970 are refused.
///
/// ```
/// use wakelink::domain::time::parse_rfc3339;
/// assert_eq!(parse_rfc3339("1970-01-02T00:00:00Z"), Some(86_400_000));
/// assert_eq!(parse_rfc3339("2026-11-23T08:00:00+08:00"), parse_rfc3339("2026-11-23"));
/// assert_eq!(parse_rfc3339("2026-13-01"), None);
/// ```
pub fn parse_rfc3339(s: &str) -> Option<UnixMs> {
    let s = s.trim();
    if !s.is_ascii() || s.len() < 10 {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let mut parts = date.split('-');
    let (y, m, d) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if parts.next().is_some() || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs: i64 = 0;
    let mut millis: i64 = 0;
    if !rest.is_empty() {
        let rest = rest.strip_prefix(['T', 't', ' '])?;
        if rest.len() < 8 {
            return None;
        }
        let (hms, mut tail) = rest.split_at(8);
        let mut t = hms.split(':');
        let (h, mi, se) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
        if t.next().is_some() || h > 23 || mi > 59 || se > 60 {
            return None;
        }
        secs = (h * 3600 + mi * 60 + se.min(59)) as i64;
        if let Some(frac) = tail.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            let digits = &frac[..n.min(3)];
            millis = num(digits)? as i64 * 10_i64.pow(3 - digits.len() as u32);
            tail = &frac[n..];
        }
        match tail {
            "Z" | "z" => {}
            _ => {
                let sign = match tail.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let off = &tail[1..];
                if off.len() != 5 || off.as_bytes()[2] != b':' {
                    return None;
                }
                let (oh, om) = (num(&off[..2])?, num(&off[3..])?);
                if oh > 23 || om > 59 {
                    return None;
                }
                secs -= sign * (oh * 3600 + om * 60) as i64;
            }
        }
    }
    let total = (days_from_civil(y as i64, m, d) * 86_400 + secs) * 1000 + millis;
    u64::try_from(total).ok()
}

/// Earliest instant the API and the CLI accept: 2020-01-01T00:00:00Z.
pub const MIN_INSTANT_MS: UnixMs = 1_577_836_800_000;
/// Instants from here on are refused: 2156-01-01T00:00:00Z (the token expiry field ends in
/// February 2156). Anything later is a unit mistake (milliseconds given as seconds) or a typo.
pub const MAX_INSTANT_MS: UnixMs = 5_869_584_000_000;

/// The one time type of wakelink's API and CLI: an RFC 3339 date-time with an explicit offset
/// (`Z` or `±hh:mm`), fractional seconds allowed, between 2020 and 2155. A date alone or a
/// time without an offset is refused (it would silently mean UTC), and so is a bare number
/// (seconds or milliseconds?). The error is a short reason for the field at fault.
///
/// ```
/// use wakelink::domain::time::parse_instant;
/// assert_eq!(parse_instant("2026-12-31T23:59:59+08:00"), Ok(1_798_732_799_000));
/// assert!(parse_instant("2026-12-31").is_err());
/// assert!(parse_instant("2026-12-31T23:59:59").is_err());
/// assert!(parse_instant("1798732799").is_err());
/// ```
pub fn parse_instant(s: &str) -> Result<UnixMs, &'static str> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(NUMBER_REFUSED);
    }
    if s.len() == 10 && parse_rfc3339(s).is_some() {
        return Err(
            "a date alone is ambiguous: give a time and an offset, e.g. 2026-12-31T23:59:59+08:00",
        );
    }
    let ms = parse_rfc3339(s).ok_or(
        "not an RFC 3339 date-time with an offset, e.g. 2026-12-31T23:59:59+08:00 or 2026-12-31T15:59:59Z",
    )?;
    if !(MIN_INSTANT_MS..MAX_INSTANT_MS).contains(&ms) {
        return Err("is before 2020 or after 2155: check the value");
    }
    Ok(ms)
}

const NUMBER_REFUSED: &str =
    "a bare number is ambiguous (seconds or milliseconds?): give an RFC 3339 date-time with an offset, e.g. 2026-12-31T23:59:59+08:00";

/// [`parse_instant`] for a JSON field: `null` or absent is `None`; a number is refused.
pub fn instant_from_json(v: Option<&serde_json::Value>) -> Result<Option<UnixMs>, &'static str> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => parse_instant(s).map(Some),
        Some(serde_json::Value::Number(_)) => Err(NUMBER_REFUSED),
        Some(_) => Err("not a date-time string"),
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
///
/// ```
/// use wakelink::domain::time::format_rfc3339;
/// assert_eq!(format_rfc3339(86_400_123), "1970-01-02T00:00:00.123Z");
/// ```
pub fn format_rfc3339(ms: UnixMs) -> String {
    let secs = (ms / 1000) as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms % 1000
    )
}

/// The UTC offset written at the end of an RFC 3339 date-time, in minutes (`Z` and a bare
/// date are 0). Only meaningful on text [`parse_rfc3339`] accepted.
///
/// ```
/// use wakelink::domain::time::offset_minutes;
/// assert_eq!(offset_minutes("2026-12-31T23:59:59+08:00"), 480);
/// assert_eq!(offset_minutes("2026-12-31T23:59:59-03:30"), -210);
/// assert_eq!(offset_minutes("2026-12-31"), 0);
/// ```
pub fn offset_minutes(s: &str) -> i32 {
    let s = s.trim();
    if s.len() < 16 {
        return 0;
    }
    let (head, off) = s.split_at(s.len() - 6);
    let b = off.as_bytes();
    let sign = match b[0] {
        b'+' => 1,
        b'-' if head.len() > 10 => -1,
        _ => return 0,
    };
    match (num(&off[1..3]), num(&off[4..6])) {
        (Some(h), Some(m)) if b[3] == b':' => sign * (h * 60 + m) as i32,
        _ => 0,
    }
}

/// Formats an instant as wall-clock time at a UTC offset: `YYYY-MM-DD HH:MM UTC+08:00`.
///
/// ```
/// use wakelink::domain::time::{format_at_offset, parse_rfc3339};
/// let ms = parse_rfc3339("2026-12-31T23:59:00+08:00").unwrap();
/// assert_eq!(format_at_offset(ms, 480), "2026-12-31 23:59 UTC+08:00");
/// assert_eq!(format_at_offset(ms, 0), "2026-12-31 15:59 UTC");
/// ```
pub fn format_at_offset(ms: UnixMs, offset_min: i32) -> String {
    let secs = (ms / 1000) as i64 + offset_min as i64 * 60;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let zone = match offset_min {
        0 => String::from("UTC"),
        o => format!(
            "UTC{}{:02}:{:02}",
            if o < 0 { '-' } else { '+' },
            o.abs() / 60,
            o.abs() % 60
        ),
    };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} {zone}",
        rem / 3600,
        rem / 60 % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_across_years() {
        for ms in [0u64, 951_782_400_000, 1_763_884_800_123, 4_102_444_799_999] {
            assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Some(ms), "{ms}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2026",
            "2026-02-30",
            "2026-1-01",
            "2026-01-01T25:00:00Z",
            "2026-01-01T10:00:00",
            "2026-01-01T10:00:00+0800",
            "1969-12-31T00:00:00Z",
            "２０２６-01-01",
            "2026-01-01T10:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn one_strict_instant_type() {
        let ok = [
            ("2026-12-31T23:59:59+08:00", 1_798_732_799_000),
            ("2026-12-31T15:59:59Z", 1_798_732_799_000),
            ("2026-12-31 15:59:59.250z", 1_798_732_799_250),
            ("2020-01-01T00:00:00Z", MIN_INSTANT_MS),
        ];
        for (s, want) in ok {
            assert_eq!(parse_instant(s), Ok(want), "{s}");
        }
        for bad in [
            "2026-12-31",            // a date alone
            "2026-12-31T23:59:59",   // no offset
            "1766000000",            // seconds
            "1766000000000",         // milliseconds
            "1766000000.5",          // fractional seconds
            "2019-12-31T23:59:59Z",  // before 2020
            "2156-01-01T00:00:00Z",  // too far ahead
            "57000-01-01T00:00:00Z", // ms read as seconds, as a year
            "2026-12-31T23:59:59+0800",
            "",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad:?}");
        }
        use serde_json::json;
        assert_eq!(instant_from_json(None), Ok(None));
        assert_eq!(instant_from_json(Some(&json!(null))), Ok(None));
        assert!(instant_from_json(Some(&json!(1766000000))).is_err());
        assert!(instant_from_json(Some(&json!(true))).is_err());
        assert_eq!(
            instant_from_json(Some(&json!("2026-12-31T15:59:59Z"))),
            Ok(Some(1_798_732_799_000))
        );
    }

    #[test]
    fn offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T08:00:00.5+08:00"), Some(500));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.123456Z"), Some(123));
    }
}
