//! Fuzz targets: every parser that sees untrusted input, and the pure redirect handler, as
//! functions of raw bytes. `fuzz/` runs them under AFL++ (`scripts/fuzz.sh`); the native test
//! `tests/fuzz_regressions.rs` replays their seed corpora and every input a fuzzer ever
//! flagged. A target fails by panicking: a panic is a bug (no input may panic a request path)
//! and so is a broken invariant, checked with `assert!`.

use crate::domain::auth::ApiKeys;
use crate::domain::code::ShortCode;
use crate::domain::decide::{decide, Decision};
use crate::domain::event::{click_event, ClickContext};
use crate::domain::eventlog::EventQuery;
use crate::domain::funnel::Queued;
use crate::domain::inbox::{self, Decoded};
use crate::domain::ledger::{assign, SendBatchInput};
use crate::domain::limits;
use crate::domain::link::LinkInput;
use crate::domain::route::{self, Route};
use crate::domain::time::parse_rfc3339;
use crate::domain::token::{Generation, Keyring, LinkRef};
use crate::domain::visitor::{classify, Method, RequestFacts};
use crate::domain::{ip, link::Link};

/// The targets by name, as `scripts/fuzz.sh` and the regression test call them.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("route", route),
    ("token", token),
    ("link_json", link_json),
    ("send_list", send_list),
    ("user_agent", user_agent),
    ("query", query),
    ("queue_message", queue_message),
    ("api_key", api_key),
    ("redirect", redirect),
];

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

fn keyring() -> Keyring {
    // Test-only key, the same one the end-to-end suite uses.
    match Keyring::parse(&format!("1:{},2:{}", "42".repeat(32), "43".repeat(32))) {
        Ok(k) => k,
        Err(e) => panic!("test keyring: {e}"),
    }
}

fn demo_link() -> Link {
    let raw = include_str!("../seed/demo-link.json");
    let code = ShortCode::parse("demo").expect("demo code");
    let input = LinkInput::from_json(raw.as_bytes()).expect("seed link parses");
    input.validate(code).expect("seed link validates")
}

/// Request paths.
pub fn route(data: &[u8]) {
    let path = text(data);
    match route::parse(&path) {
        Route::Link(c) | Route::ApiLink(c) | Route::ApiRecipients(c) => {
            assert_eq!(ShortCode::parse(c.as_str()).as_ref(), Ok(&c));
        }
        Route::RecipientLink(c, t) => {
            assert!(!t.is_empty() && t.len() <= route::MAX_TOKEN_LEN);
            assert!(path.contains(c.as_str()));
        }
        _ => {}
    }
}

/// Recipient tokens: verification never panics, and whatever verifies mints back the same.
pub fn token(data: &[u8]) {
    let k = keyring();
    let code = ShortCode::parse("demo").expect("demo code");
    let t = text(data);
    for generation in [None, Some(Generation::new(0x0123_4567_89ab_cdef))] {
        let link = LinkRef {
            code: &code,
            generation,
        };
        for now in [0u64, 1_763_884_800, u64::MAX] {
            if let Some(r) = k.verify(link, &t, now) {
                assert!(r.seq <= crate::domain::ledger::MAX_SEQ);
                assert_eq!(r.expired, r.expires_at.is_some_and(|e| now >= e));
            }
        }
    }
    let other = ShortCode::parse("other").expect("code");
    let link = LinkRef {
        code: &other,
        generation: None,
    };
    let _ = k.verify(link, &t, 1_763_884_800);
    let _ = Keyring::parse(&t);
}

/// Link configuration as PUT, and as stored: whatever validates sends people only to
/// destinations that passed the allow-list.
pub fn link_json(data: &[u8]) {
    let code = ShortCode::parse("fz").expect("code");
    let check = |input: LinkInput| {
        if let Ok(link) = input.validate(code.clone()) {
            for ua in [
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
                "curl/8",
                "",
            ] {
                let v = classify(&RequestFacts {
                    method: Some(Method::Get),
                    user_agent: Some(ua),
                    purpose: None,
                });
                if let Decision::Redirect { to, .. } | Decision::Interstitial { to, .. } =
                    decide(Some(&link), &v, 0)
                {
                    let to = to.as_str();
                    let scheme = to.split(':').next().unwrap_or("").to_ascii_lowercase();
                    assert!(
                        !matches!(scheme.as_str(), "javascript" | "data" | "vbscript" | "file"),
                        "{to}"
                    );
                }
            }
        }
    };
    if let Ok(input) = LinkInput::from_json(data) {
        check(input);
    }
    if let Ok((input, _)) = LinkInput::from_stored(&text(data)) {
        check(input);
    }
}

/// Send lists posted to the ledger API.
pub fn send_list(data: &[u8]) {
    if let Ok(batch) = SendBatchInput::parse(data, 1_763_884_800_000) {
        // A repeated external id with the same seq is one recipient (see `assign`).
        let ids: std::collections::HashSet<String> = batch
            .rows
            .iter()
            .map(|r| r.external_id.as_str().to_owned())
            .collect();
        if let Ok(assigned) = assign(batch.rows, &[], 1) {
            assert_eq!(assigned.len(), ids.len());
            let seqs: std::collections::HashSet<u64> = assigned.iter().map(|a| a.seq).collect();
            assert_eq!(seqs.len(), assigned.len(), "one seq per recipient");
            assert!(assigned
                .iter()
                .all(|a| a.seq >= 1 && a.seq <= crate::domain::ledger::MAX_SEQ));
        }
    }
}

/// User agents and the purpose header.
pub fn user_agent(data: &[u8]) {
    let t = text(data);
    let (ua, purpose) = t
        .split_once('\n')
        .map_or((&*t, None), |(a, p)| (a, Some(p)));
    for method in [Some(Method::Get), Some(Method::Head), None] {
        let _ = classify(&RequestFacts {
            method,
            user_agent: Some(ua),
            purpose,
        });
    }
}

/// Query strings: the click-log cursor and filters; dates and client addresses.
pub fn query(data: &[u8]) {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    let it = || pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    if let Ok(q) = EventQuery::parse(it()) {
        assert!(q.limit >= 1 && q.limit <= crate::domain::eventlog::MAX_LIMIT);
    }
    let _ = parse_rfc3339(&text(data));
    let _ = ip::truncate(&text(data));
}

/// Queue message bodies: decoding never panics, and a decoded event survives a round trip.
pub fn queue_message(data: &[u8]) {
    if let Decoded::Event(q) = inbox::decode(&text(data)) {
        if let Queued::Click(e) = *q {
            let again = serde_json::to_string(&e).expect("events serialize");
            assert_eq!(
                inbox::decode(&again),
                Decoded::Event(Box::new(Queued::Click(e)))
            );
        }
    }
}

/// `Authorization` headers against a key list.
pub fn api_key(data: &[u8]) {
    let keys = ApiKeys::parse("wl_test_0123456789abcdef0123,another-key-of-16-bytes");
    let t = text(data);
    let _ = keys.authorize(Some(&t));
    let _ = ApiKeys::parse(&t);
}

/// The pure redirect handler: path, user agent, purpose and client address in, event out;
/// the event it describes decodes back to itself in the consumer, never holds the raw address.
pub fn redirect(data: &[u8]) {
    let t = text(data);
    let mut parts = t.splitn(4, '\n');
    let (path, ua, purpose, ip_raw) = (
        parts.next().unwrap_or(""),
        parts.next(),
        parts.next(),
        parts.next(),
    );
    let (code, tok) = match route::parse(path) {
        Route::Link(c) => (c, None),
        Route::RecipientLink(c, t) => (c, Some(t)),
        _ => return,
    };
    let link = (code.as_str() == "demo").then(demo_link);
    let recipient = tok
        .as_deref()
        .and_then(|t| {
            let link = LinkRef {
                code: &code,
                generation: None,
            };
            keyring().verify(link, t, 1_763_884_800)
        })
        .map(|r| r.seq);
    let visitor = classify(&RequestFacts {
        method: Some(Method::Get),
        user_agent: ua,
        purpose,
    });
    let now = 1_763_884_800_000;
    let d = decide(link.as_ref(), &visitor, now);
    let id = crate::domain::event::event_id(now, [7; 10]);
    let ctx = ClickContext {
        id: &id,
        now,
        method: Method::Get,
        user_agent: ua,
        country: None,
        client_ip: ip_raw,
        recipient,
    };
    let _ = limits::click_key(&code, tok.as_deref(), ip_raw);
    if let Some(e) = click_event(&ctx, link.as_ref(), &visitor, &d) {
        let body = serde_json::to_string(&e).expect("events serialize");
        if let Some(raw) = ip_raw {
            assert_ne!(
                e.ip_prefix.as_deref(),
                Some(raw.trim()),
                "raw address in the event"
            );
        }
        assert_eq!(
            inbox::decode(&body),
            Decoded::Event(Box::new(Queued::Click(e)))
        );
    }
}
