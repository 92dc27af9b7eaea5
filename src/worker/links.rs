//! Link reads for the hot path: KV behind a short-lived isolate cache that also serves a
//! stale entry when KV fails, so a KV hiccup doesn't take redirects down. When the TTL has
//! passed and KV hands back the very text already parsed, the parsed link is kept: only a
//! changed configuration is parsed and validated again.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use worker::Env;

use super::names::{link_key, LINKS_KV};
use crate::domain::code::ShortCode;
use crate::domain::link::{Link, LinkInput};
use crate::domain::time::UnixMs;

/// Entries kept before the cache is emptied (a crude bound; isolates are short-lived).
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    fetched: UnixMs,
    raw: Option<Rc<str>>,
    link: Option<Rc<Link>>,
}

thread_local! {
    static CACHE: RefCell<HashMap<ShortCode, Entry>> = RefCell::new(HashMap::new());
}

#[derive(Debug)]
pub struct StoreDown;

thread_local! {
    static PARSE_FAILURES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[cfg(feature = "edge")]
/// Stored links this isolate found unusable since it started (shown in `/health`).
pub fn parse_failures() -> u64 {
    PARSE_FAILURES.with(|c| c.get())
}

/// Parses what KV holds. Fields from another version are dropped (and logged); a config that
/// no longer validates (a stricter rule) is logged, counted and served as absent: nobody is
/// sent to a destination this version would refuse.
pub fn parse_stored(code: &ShortCode, raw: &str) -> Option<Link> {
    let parsed = LinkInput::from_stored(raw).and_then(|(input, dropped)| {
        if !dropped.is_empty() {
            worker::console_warn!("link {code}: ignoring unknown stored fields {dropped:?}");
        }
        input.validate(code.clone())
    });
    match parsed {
        Ok(link) => Some(link),
        Err(p) => {
            PARSE_FAILURES.with(|c| c.set(c.get() + 1));
            let field = p.field.as_deref().unwrap_or("-");
            worker::console_error!(
                "link {code}: stored config is unusable ({}: {field}: {})",
                p.code,
                p.message
            );
            None
        }
    }
}

pub async fn get(
    env: &Env,
    code: &ShortCode,
    now: UnixMs,
    ttl_ms: u64,
) -> Result<Option<Rc<Link>>, StoreDown> {
    let cached = CACHE.with(|c| {
        c.borrow().get(code).map(|e| {
            let fresh = now.saturating_sub(e.fetched) < ttl_ms;
            (fresh, e.raw.clone(), e.link.clone())
        })
    });
    if let Some((true, _, link)) = cached {
        return Ok(link);
    }
    let fetched = match env.kv(LINKS_KV) {
        Ok(kv) => kv
            .get(&link_key(code.as_str()))
            .text()
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match fetched {
        Ok(raw) => {
            let (raw, link) = match (raw, &cached) {
                (Some(r), Some((_, Some(old), link))) if **old == *r => {
                    (Some(old.clone()), link.clone())
                }
                (Some(r), _) => {
                    let link = parse_stored(code, &r).map(Rc::new);
                    (Some(Rc::from(r)), link)
                }
                (None, _) => (None, None),
            };
            CACHE.with(|c| {
                let mut c = c.borrow_mut();
                if c.len() >= MAX_ENTRIES {
                    c.clear();
                }
                c.insert(
                    code.clone(),
                    Entry {
                        fetched: now,
                        raw,
                        link: link.clone(),
                    },
                );
            });
            Ok(link)
        }
        Err(detail) => {
            worker::console_error!("link read failed for {code}: {detail}");
            cached.map(|(_, _, stale)| stale).ok_or(StoreDown)
        }
    }
}

/// Drops this isolate's copy after a write through the API.
pub fn forget(code: &ShortCode) {
    CACHE.with(|c| {
        c.borrow_mut().remove(code);
    });
}
