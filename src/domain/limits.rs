//! Limits on the public paths that write (link clicks; SDK beacons), decided without I/O.
//!
//! Policy for clicks, per key: a recipient's own link (`code/token`), or a campaign link and
//! the client's address. Over the limit:
//! - a person (a GET not flagged as a bot) is served exactly as anyone else — redirected or
//!   shown the page — and the click is recorded, flagged `rate-limited`, so it is kept but
//!   never counted as a first click. Phones behind one carrier NAT share an address: blocking
//!   them would lose real people, flagging keeps every row for the operator to judge;
//! - an automated client (HEAD, prefetch, link previews, scanners, HTTP libraries, crawlers)
//!   gets a 429 with `Retry-After` and nothing is written: that is the flood this stops.
//!
//! Beacons (`POST /e`) over their limit get a 429 with `Retry-After`; the SDK retries.

use super::code::ShortCode;
use super::event::cap;
use super::problem::Problem;
use super::visitor::{BotReason, Method, Visitor};

/// The window of the rate-limit bindings (wrangler.toml `[[ratelimits]]` `simple.period`),
/// sent back as `Retry-After`.
pub const PERIOD_SECS: u32 = 60;

/// Request headers, names and values together, any path. Cloudflare lets up to 128 KB in;
/// wakelink's own requests (a phone's tap, an SDK beacon, the CLI, a dashboard page) carry a
/// few KB, so more is refused before anything parses it.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Headers a request may carry.
pub const MAX_HEADERS: usize = 100;

/// Whether a request's headers (each as name and value lengths) fit: a 431 otherwise.
pub fn check_headers(sizes: impl IntoIterator<Item = (usize, usize)>) -> Result<(), Problem> {
    let (mut count, mut bytes) = (0usize, 0usize);
    for (name, value) in sizes {
        count += 1;
        bytes = bytes.saturating_add(name).saturating_add(value);
        if count > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
            return Err(Problem::new(
                431,
                "headers-too-large",
                format!("request headers over {MAX_HEADERS} or {MAX_HEADER_BYTES} bytes"),
            ));
        }
    }
    Ok(())
}

/// The limiter key for a click: the recipient's link, or the campaign link from one address.
pub fn click_key(code: &ShortCode, token: Option<&str>, client_ip: Option<&str>) -> String {
    match token {
        Some(t) => format!("r:{}/{}", code.as_str(), cap(t, 64)),
        None => format!("c:{}@{}", code.as_str(), cap(client_ip.unwrap_or("-"), 64)),
    }
}

/// The limiter key for an SDK beacon: the client's address.
pub fn beacon_key(client_ip: Option<&str>) -> String {
    format!("e:{}", cap(client_ip.unwrap_or("-"), 64))
}

/// What a click over its limit gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverLimit {
    /// Served as usual; the event is flagged `rate-limited`.
    ServeAndFlag,
    /// 429 with `Retry-After`; no event.
    Refuse,
}

pub fn over_limit(method: Method, visitor: &Visitor) -> OverLimit {
    if method == Method::Get && visitor.bot.is_none() {
        OverLimit::ServeAndFlag
    } else {
        OverLimit::Refuse
    }
}

/// Flags a click recorded over the limit; a reason found earlier is kept.
pub fn flag(event: &mut super::event::ClickEvent) {
    if !event.bot {
        event.bot = true;
        event.bot_reason = Some(BotReason::RateLimited);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::tests::phone_event;
    use crate::domain::visitor::Platform;

    #[test]
    fn headers_fit_up_to_the_caps() {
        assert!(check_headers([]).is_ok());
        assert!(check_headers([(10, MAX_HEADER_BYTES - 10)]).is_ok());
        let over = check_headers([(10, MAX_HEADER_BYTES - 9)]).unwrap_err();
        assert_eq!((over.status, over.code), (431, "headers-too-large"));
        assert!(check_headers(std::iter::repeat_n((4, 4), MAX_HEADERS)).is_ok());
        assert!(check_headers(std::iter::repeat_n((4, 4), MAX_HEADERS + 1)).is_err());
        assert!(
            check_headers([(usize::MAX, usize::MAX)]).is_err(),
            "no overflow"
        );
    }

    fn person() -> Visitor {
        Visitor {
            platform: Platform::Ios,
            vendor: None,
            in_app: None,
            bot: None,
        }
    }

    #[test]
    fn people_are_served_and_flagged_machines_refused() {
        let bot = Visitor {
            bot: Some(BotReason::HttpLibrary),
            ..person()
        };
        assert_eq!(over_limit(Method::Get, &person()), OverLimit::ServeAndFlag);
        assert_eq!(over_limit(Method::Head, &person()), OverLimit::Refuse);
        assert_eq!(over_limit(Method::Get, &bot), OverLimit::Refuse);
    }

    #[test]
    fn keys_separate_recipients_and_networks() {
        let code = ShortCode::parse("demo").unwrap();
        assert_eq!(
            click_key(&code, Some("abc"), Some("203.0.113.7")),
            "r:demo/abc"
        );
        assert_eq!(
            click_key(&code, None, Some("203.0.113.7")),
            "c:demo@203.0.113.7"
        );
        assert_eq!(click_key(&code, None, None), "c:demo@-");
        assert_eq!(beacon_key(Some("::1")), "e:::1");
        let long = "x".repeat(500);
        assert!(click_key(&code, Some(&long), None).len() < 80);
    }

    #[test]
    fn flagging_keeps_an_earlier_reason() {
        let mut e = phone_event("01ARZ3NDEKTSV4RRFFQ69G5FAV", 1, Some(1));
        flag(&mut e);
        assert_eq!((e.bot, e.bot_reason), (true, Some(BotReason::RateLimited)));
        e.bot_reason = Some(BotReason::Crawler);
        flag(&mut e);
        assert_eq!(e.bot_reason, Some(BotReason::Crawler));
    }
}
