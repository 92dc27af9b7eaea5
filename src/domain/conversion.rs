//! Server-to-server conversions (`POST /api/v1/conversions`) and app-open reports
//! (`POST /api/v1/opens`): parsing each row on its own, so one bad row never fails its batch,
//! and the attribution rule.
//!
//! A row names who converted in one of three ways: the signed `click_id` the app got through
//! the deep link; a recipient `token` with its `link`; or the operator's own `external_id`
//! with a `link` or a `campaign`, looked up in the send ledger. A conversion is *attributed*
//! when it comes within the link's window (default 3 days) after the latest send or click
//! before it; otherwise it is kept and marked unattributed.

use serde::Deserialize;
use serde_json::Value;

use super::clickid::{ClickKeys, VerifiedClick};
use super::code::ShortCode;
use super::funnel::{is_row_id, Kind, StepEvent};
use super::ledger::ExternalId;
use super::link::check_label;
use super::problem::Problem;
use super::step::{Source, Step};
use super::time::{parse_instant, UnixMs};
use super::token::{Generation, Keyring, LinkRef};
use super::visitor::Platform;

pub const MAX_ROWS: usize = 1000;
/// Longest caller id (`id`).
pub const MAX_ID_LEN: usize = 64;
/// Values are integers in minor units below 2^53, so JSON numbers carry them exactly.
pub const MAX_VALUE_MINOR: i64 = (1 << 53) - 1;
/// Conversions dated more than this ahead of the server clock are refused.
const MAX_FUTURE_MS: u64 = 5 * 60 * 1000;
/// Unix ms of 2020-01-01: earlier timestamps are a unit mistake, not a conversion.
const EARLIEST_MS: u64 = 1_577_836_800_000;

/// Who converted, as the row names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Click(VerifiedClick),
    Recipient { link: ShortCode, seq: u64 },
    External { id: ExternalId, scope: Scope },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Link(ShortCode),
    Campaign(String),
}

/// A checked conversion row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    pub index: usize,
    /// The caller's id; the row id is `c:{id}`.
    pub id: String,
    pub step: Step,
    pub ts: UnixMs,
    pub value: Option<(i64, String)>,
    pub who: Who,
}

/// Fields a row may have; anything else is refused, as `deny_unknown_fields` would.
const ROW_FIELDS: &[&str] = &[
    "id",
    "step",
    "ts",
    "value",
    "currency",
    "click_id",
    "token",
    "link",
    "external_id",
    "campaign",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchInput {
    conversions: Vec<Value>,
}

/// A row's error, reported in the response next to the rows that went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub index: usize,
    pub id: Option<String>,
    pub problem: Problem,
}

/// What checking a recipient token takes: the keys, and the generation of each link the batch
/// names with a token (tokens are bound to it; a link not listed has none, so only its
/// first-format tokens verify). The glue reads the links named by [`token_links`].
pub struct TokenCheck<'a> {
    pub keys: &'a Keyring,
    pub generations: &'a [(ShortCode, Option<Generation>)],
}

/// The distinct links that rows with a `token` name (at most 32), for the glue to read before
/// [`parse_batch`] checks the tokens.
pub fn token_links(body: &[u8]) -> Vec<ShortCode> {
    let mut out: Vec<ShortCode> = Vec::new();
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return out;
    };
    let rows = v.get("conversions").and_then(Value::as_array);
    for row in rows.into_iter().flatten() {
        if row.get("token").is_none() {
            continue;
        }
        let code = row.get("link").and_then(Value::as_str);
        if let Some(code) = code.and_then(|c| ShortCode::parse(c).ok()) {
            if !out.contains(&code) && out.len() < 32 {
                out.push(code);
            }
        }
    }
    out
}

/// Parses the batch envelope (a whole-request error), then each row (errors per row).
pub fn parse_batch(
    body: &[u8],
    clicks: Option<&ClickKeys>,
    tokens: Option<&TokenCheck<'_>>,
    now: UnixMs,
) -> Result<Vec<Result<Conversion, RowError>>, Problem> {
    let input: BatchInput = serde_json::from_slice(body).map_err(|e| Problem::invalid_json(&e))?;
    if input.conversions.is_empty() || input.conversions.len() > MAX_ROWS {
        return Err(Problem::invalid(
            "conversions",
            "send between 1 and 1000 conversions",
        ));
    }
    Ok(input
        .conversions
        .into_iter()
        .enumerate()
        .map(|(i, v)| parse_row(i, v, clicks, tokens, now))
        .collect())
}

fn parse_row(
    index: usize,
    v: Value,
    clicks: Option<&ClickKeys>,
    tokens: Option<&TokenCheck<'_>>,
    now: UnixMs,
) -> Result<Conversion, RowError> {
    let caller_id = v.get("id").and_then(Value::as_str).map(str::to_owned);
    let fail = |field: &str, msg: &str| RowError {
        index,
        id: caller_id.clone(),
        problem: Problem::invalid(format!("conversions[{index}].{field}"), msg),
    };
    // Rows are read field by field from the parsed JSON (no second deserializer in the
    // worker), with the same answers serde would give: unknown fields and wrong types refused.
    let Value::Object(row) = v else {
        return Err(fail("id", "each conversion is a JSON object"));
    };
    if let Some(k) = row.keys().find(|k| !ROW_FIELDS.contains(&k.as_str())) {
        return Err(fail(k, "unknown field"));
    }
    let text = |name: &str| -> Result<Option<String>, RowError> {
        match row.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(fail(name, "must be a string")),
        }
    };
    let row_id = text("id")?.ok_or_else(|| fail("id", "required"))?;
    let step_name = text("step")?.ok_or_else(|| fail("step", "required"))?;
    let (currency, click_id, token, link_name, external_id, campaign) = (
        text("currency")?,
        text("click_id")?,
        text("token")?,
        text("link")?,
        text("external_id")?,
        text("campaign")?,
    );
    let ts_in = row.get("ts").filter(|v| !v.is_null());
    let value_in = row.get("value").filter(|v| !v.is_null());
    let id_ok = (1..=MAX_ID_LEN).contains(&row_id.len()) && is_row_id(&row_id);
    if !id_ok {
        return Err(fail("id", "1-64 of A-Z, a-z, 0-9, '.', '_', ':' and '-'"));
    }
    let step = Step::parse(&step_name, Source::Server).map_err(|e| fail("step", &e.to_string()))?;
    let ts = match ts_in {
        None => now,
        // The API's one time type: RFC 3339 with an offset (`time::parse_instant`).
        Some(Value::String(s)) => parse_instant(s).map_err(|m| fail("ts", m))?,
        Some(_) => return Err(fail("ts", "an RFC 3339 date-time with an offset")),
    };
    if ts < EARLIEST_MS {
        return Err(fail(
            "ts",
            "before 2020: Unix seconds given for milliseconds?",
        ));
    }
    if ts > now + MAX_FUTURE_MS {
        return Err(fail("ts", "in the future"));
    }
    let value = match (value_in, &currency) {
        (None, None) => None,
        (Some(Value::Number(n)), Some(c)) => {
            let minor = n.as_i64().filter(|m| (0..=MAX_VALUE_MINOR).contains(m));
            let minor = minor.ok_or_else(|| {
                fail(
                    "value",
                    "a whole number of minor units (1999 for 19.99), 0 or more",
                )
            })?;
            let currency_ok = c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase());
            if !currency_ok {
                return Err(fail("currency", "an ISO 4217 code such as CNY or USD"));
            }
            Some((minor, c.clone()))
        }
        (Some(Value::Number(_)), None) => return Err(fail("currency", "required with a value")),
        (Some(_), _) => {
            return Err(fail(
                "value",
                "a whole number of minor units (1999 for 19.99), 0 or more",
            ))
        }
        (None, Some(_)) => return Err(fail("value", "a currency needs a value")),
    };
    let link = |field: &str| -> Result<Option<ShortCode>, RowError> {
        link_name
            .as_deref()
            .map(|l| ShortCode::parse(l).map_err(|e| fail(field, &e.to_string())))
            .transpose()
    };
    let who = match (&click_id, &token, &external_id) {
        (Some(c), None, None) => {
            if link_name.is_some() || campaign.is_some() {
                return Err(fail("click_id", "a click id already names its link"));
            }
            let keys = clicks.ok_or_else(|| fail("click_id", "click ids need signing keys"))?;
            Who::Click(
                keys.verify(c)
                    .ok_or_else(|| fail("click_id", "not a click id this deployment issued"))?,
            )
        }
        (None, Some(t), None) => {
            let link = link("link")?.ok_or_else(|| fail("link", "required with a token"))?;
            let check = tokens.ok_or_else(|| fail("token", "tokens need signing keys"))?;
            let generation = check
                .generations
                .iter()
                .find(|(c, _)| *c == link)
                .and_then(|(_, g)| *g);
            // Attribution doesn't depend on the link still being live: an expired token still
            // names its recipient (verify returns it, marked expired).
            let at = LinkRef {
                code: &link,
                generation,
            };
            let seq = check
                .keys
                .verify(at, t, ts / 1000)
                .ok_or_else(|| fail("token", "not a token of this link"))?
                .seq;
            Who::Recipient { link, seq }
        }
        (None, None, Some(x)) => {
            let id = ExternalId::parse(x).map_err(|m| fail("external_id", m))?;
            let scope = match (link("link")?, &campaign) {
                (Some(l), None) => Scope::Link(l),
                (None, Some(c)) => match check_label(c) {
                    Ok("") => return Err(fail("campaign", "must not be empty")),
                    Ok(c) => Scope::Campaign(c.to_owned()),
                    Err(m) => return Err(fail("campaign", m)),
                },
                _ => return Err(fail("external_id", "give exactly one of link or campaign")),
            };
            Who::External { id, scope }
        }
        _ => {
            return Err(fail(
                "click_id",
                "give exactly one of click_id, token (with link) or external_id",
            ))
        }
    };
    Ok(Conversion {
        index,
        id: row_id,
        step,
        ts,
        value,
        who,
    })
}

/// A send-ledger row a conversion may belong to, with its first click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub link: String,
    pub campaign: String,
    pub variant: Option<String>,
    pub recipient: Option<u64>,
    pub external_id: Option<String>,
    pub sent_at: Option<UnixMs>,
    pub clicked_at: Option<UnixMs>,
    /// The link's attribution window.
    pub window_ms: u64,
}

impl Touch {
    /// The latest send or click at or before `ts`.
    fn last_before(&self, ts: UnixMs) -> Option<UnixMs> {
        [self.sent_at, self.clicked_at]
            .into_iter()
            .flatten()
            .filter(|t| *t <= ts)
            .max()
    }
}

/// Picks the touch a conversion belongs to — the one with the latest send or click before it
/// — and says whether it falls inside that link's window.
///
/// ```
/// use wakelink::domain::conversion::{attribute, Touch};
/// let t = Touch { link: "sms".into(), campaign: "c".into(), variant: None, recipient: Some(1),
///     external_id: None, sent_at: Some(1_000), clicked_at: None, window_ms: 500 };
/// assert_eq!(attribute(&[t.clone()], 1_400).map(|(_, a)| a), Some(true));
/// assert_eq!(attribute(&[t.clone()], 1_501).map(|(_, a)| a), Some(false));
/// assert_eq!(attribute(&[t], 900).map(|(_, a)| a), Some(false));
/// ```
pub fn attribute(touches: &[Touch], ts: UnixMs) -> Option<(&Touch, bool)> {
    let best = touches
        .iter()
        .max_by_key(|t| (t.last_before(ts), t.link.as_str()))?;
    let inside = best
        .last_before(ts)
        .is_some_and(|at| ts - at <= best.window_ms);
    Some((best, inside))
}

/// The conversion event: attributed to `touch` when inside its window; with no touch at all
/// (an external id no ledger row names) it is still kept, unattributed, under the scope named.
pub fn conversion_event(c: &Conversion, touch: Option<(&Touch, bool)>) -> StepEvent {
    let (link, campaign) = match (&touch, &c.who) {
        (Some((t, _)), _) => (t.link.clone(), t.campaign.clone()),
        (
            None,
            Who::External {
                scope: Scope::Link(l),
                ..
            },
        ) => (l.as_str().to_owned(), String::new()),
        (
            None,
            Who::External {
                scope: Scope::Campaign(k),
                ..
            },
        ) => (String::new(), k.clone()),
        (None, Who::Recipient { link, .. }) => (link.as_str().to_owned(), String::new()),
        (None, Who::Click(v)) => (v.code.as_str().to_owned(), String::new()),
    };
    let (recipient, external_id) = match (&touch, &c.who) {
        (Some((t, _)), _) => (t.recipient, t.external_id.clone()),
        (None, Who::External { id, .. }) => (None, Some(id.as_str().to_owned())),
        (None, Who::Recipient { seq, .. }) => (Some(*seq), None),
        (None, Who::Click(v)) => (v.recipient, None),
    };
    StepEvent {
        kind: Kind::Conversion,
        id: format!("c:{}", c.id),
        ts: c.ts,
        link,
        campaign,
        variant: touch.and_then(|(t, _)| t.variant.clone()),
        recipient,
        step: c.step.as_str().to_owned(),
        click_id: match &c.who {
            Who::Click(v) => Some(v.event_id.clone()),
            _ => None,
        },
        external_id,
        value_minor: c.value.as_ref().map(|v| v.0),
        currency: c.value.as_ref().map(|v| v.1.clone()),
        attributed: Some(touch.is_some_and(|(_, inside)| inside)),
        platform: Platform::Other,
        vendor: None,
        in_app: None,
        bot: false,
        bot_reason: None,
        country: None,
        ip_prefix: None,
        user_agent: None,
        props: None,
    }
}

/// What the URL an app was opened with names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenedFrom<'a> {
    /// A click id: the `wl` query parameter (what the landing page's "Open the app" adds) or a
    /// last path segment shaped like one.
    Click(&'a str),
    /// The app-open path of a per-recipient link, `/open/{code}/{token}`, without a click id.
    Recipient { code: &'a str, token: &'a str },
}

/// Reads `POST /api/v1/opens`'s URL.
///
/// ```
/// use wakelink::domain::conversion::{opened_from, OpenedFrom};
/// assert_eq!(opened_from("https://go.example.com/open/sms/3kTMd9?wl=01K.sms.7.1abc"), Some(OpenedFrom::Click("01K.sms.7.1abc")));
/// assert_eq!(opened_from("https://go.example.com/open/sms/3kTMd9"), Some(OpenedFrom::Recipient { code: "sms", token: "3kTMd9" }));
/// assert_eq!(opened_from("https://go.example.com/sms"), None);
/// ```
pub fn opened_from(url: &str) -> Option<OpenedFrom<'_>> {
    let (before_fragment, _) = url.split_once('#').unwrap_or((url, ""));
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    if let Some(c) = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("wl="))
        .filter(|v| !v.is_empty())
    {
        return Some(OpenedFrom::Click(c));
    }
    let path = match path.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => path,
    };
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["open", code, token] => Some(OpenedFrom::Recipient { code, token }),
        [.., last] if last.contains('.') => Some(OpenedFrom::Click(last)),
        _ => None,
    }
}

/// Row id of an app open known only by its recipient: once per recipient and link.
pub fn recipient_open_id(code: &ShortCode, seq: u64) -> String {
    format!("s:{code}.{seq}:app_opened")
}

/// The `app_opened` step for a verified click: the same row id as the SDK's guess from the
/// page, so the app's report and the page's count once together.
pub fn open_event_id(click: &VerifiedClick) -> String {
    super::funnel::step_row_id(&click.event_id, &Step::app_opened())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::event_id;
    use serde_json::json;

    const NOW: UnixMs = 1_763_884_800_000;

    fn ring() -> Keyring {
        Keyring::parse(&format!("1:{}", "42".repeat(32))).unwrap()
    }

    fn parse(rows: Value) -> Vec<Result<Conversion, RowError>> {
        let ring = ring();
        let keys = ClickKeys::derive(&ring);
        parse_batch(
            json!({ "conversions": rows }).to_string().as_bytes(),
            Some(&keys),
            Some(&TokenCheck {
                keys: &ring,
                generations: &[],
            }),
            NOW,
        )
        .unwrap()
    }

    fn field(r: &Result<Conversion, RowError>) -> String {
        r.as_ref().unwrap_err().problem.field.clone().unwrap()
    }

    #[test]
    fn rows_fail_alone() {
        let ring = ring();
        let token = ring
            .mint(
                LinkRef {
                    code: &ShortCode::parse("sms").unwrap(),
                    generation: None,
                },
                3,
                None,
                crate::domain::token::Kind::Link,
            )
            .unwrap();
        let click = ClickKeys::derive(&ring).sign(
            &ShortCode::parse("sms").unwrap(),
            &event_id(NOW - 10, [1; 10]),
            Some(3),
        );
        let out = parse(json!([
            {"id": "a1", "step": "login", "external_id": "cust-1", "campaign": "spring"},
            {"id": "a2", "step": "loan", "value": 1999, "currency": "CNY", "token": token.as_str(), "link": "sms"},
            {"id": "a3", "step": "register", "click_id": click, "ts": "2025-11-23T08:00:00Z"},
            {"id": "b1", "step": "loan", "value": 19.99, "currency": "CNY", "external_id": "x", "link": "sms"},
            {"id": "b2", "step": "loan", "value": 1999, "external_id": "x", "link": "sms"},
            {"id": "b3", "step": "landing_view", "external_id": "x", "link": "sms"},
            {"id": "b4", "step": "login", "external_id": "x"},
            {"id": "b5", "step": "login", "token": token.as_str(), "link": "other"},
            {"id": "b6", "step": "login", "click_id": click.replace(".sms.", ".other.")},
            {"id": "b7", "step": "login", "external_id": "x", "link": "sms", "ts": 1763884800},
            {"id": "b 8", "step": "login", "external_id": "x", "link": "sms"},
            {"id": "b9", "step": "login", "external_id": "x", "link": "sms", "extra": true},
            {"id": "b10", "step": "login", "external_id": "+86 138 0013 8000", "link": "sms"},
            {"id": "b11", "step": "loan", "value": 5, "currency": "cny", "external_id": "x", "link": "sms"},
        ]));
        assert!(out[..3].iter().all(Result::is_ok), "{:?}", &out[..3]);
        assert_eq!(out[1].as_ref().unwrap().value, Some((1999, "CNY".into())));
        assert!(
            matches!(&out[1].as_ref().unwrap().who, Who::Recipient { seq: 3, link } if link.as_str() == "sms")
        );
        let fields: Vec<String> = out[3..].iter().map(field).collect();
        assert_eq!(
            fields,
            [
                "conversions[3].value",
                "conversions[4].currency",
                "conversions[5].step",
                "conversions[6].external_id",
                "conversions[7].token",
                "conversions[8].click_id",
                "conversions[9].ts",
                "conversions[10].id",
                "conversions[11].extra",
                "conversions[12].external_id",
                "conversions[13].currency",
            ]
        );
        assert_eq!(out[4].as_ref().unwrap_err().id.as_deref(), Some("b2"));
    }

    #[test]
    fn batch_limits() {
        let ring = ring();
        let too_many = json!({ "conversions": vec![json!({}); MAX_ROWS + 1] }).to_string();
        let check = TokenCheck {
            keys: &ring,
            generations: &[],
        };
        assert!(parse_batch(too_many.as_bytes(), None, Some(&check), NOW).is_err());
        assert!(parse_batch(br#"{"conversions":[]}"#, None, None, NOW).is_err());
        assert!(parse_batch(b"[]", None, None, NOW).is_err());
    }

    fn touch(link: &str, sent: Option<u64>, clicked: Option<u64>) -> Touch {
        Touch {
            link: link.into(),
            campaign: "spring".into(),
            variant: None,
            recipient: Some(1),
            external_id: Some("cust-1".into()),
            sent_at: sent,
            clicked_at: clicked,
            window_ms: 3 * 86_400_000,
        }
    }

    #[test]
    fn window_counts_from_the_latest_touch_before() {
        let day = 86_400_000;
        let t = touch("sms", Some(10 * day), Some(12 * day));
        assert_eq!(attribute(&[t.clone()], 14 * day).unwrap().1, true);
        assert_eq!(attribute(&[t.clone()], 15 * day).unwrap().1, true);
        assert_eq!(attribute(&[t.clone()], 15 * day + 1).unwrap().1, false);
        assert_eq!(attribute(&[t.clone()], 11 * day).unwrap().1, true);
        assert_eq!(attribute(&[t.clone()], 9 * day).unwrap().1, false);
        // Two waves of one campaign: the later send takes the conversion.
        let wave2 = touch("sms2", Some(20 * day), None);
        let both = [t, wave2];
        let (best, inside) = attribute(&both, 21 * day).unwrap();
        assert_eq!((best.link.as_str(), inside), ("sms2", true));
        assert!(attribute(&[], 1).is_none());
    }

    #[test]
    fn events_keep_everything() {
        let c = parse(json!([{"id": "z", "step": "login", "external_id": "cust-9", "link": "sms", "value": 0, "currency": "USD"}]))
            .remove(0)
            .unwrap();
        let none = conversion_event(&c, None);
        assert_eq!(
            (none.id.as_str(), none.link.as_str(), none.attributed),
            ("c:z", "sms", Some(false))
        );
        assert_eq!(none.external_id.as_deref(), Some("cust-9"));
        assert_eq!(
            (none.value_minor, none.currency.as_deref()),
            (Some(0), Some("USD"))
        );
        let t = touch("sms", Some(NOW - 1000), None);
        let e = conversion_event(&c, attribute(std::slice::from_ref(&t), NOW));
        assert_eq!((e.attributed, e.recipient), (Some(true), Some(1)));
        assert!(serde_json::to_string(&e)
            .unwrap()
            .starts_with(r#"{"kind":"conversion""#));
    }

    #[test]
    fn open_urls() {
        let id = "01KAQ4Z0000000000000000000.demo.4.1AAAAAAAAAAAAAAAA";
        let click = Some(OpenedFrom::Click(id));
        assert_eq!(
            opened_from(&format!("https://go.example.com/o/{id}")),
            click
        );
        assert_eq!(
            opened_from(&format!("https://go.example.com/open/demo?x=1&wl={id}#f")),
            click
        );
        assert_eq!(
            opened_from("https://go.example.com/open/demo/tok/"),
            Some(OpenedFrom::Recipient {
                code: "demo",
                token: "tok"
            })
        );
        assert_eq!(opened_from("https://go.example.com/demo/abc"), None);
        assert_eq!(opened_from("https://go.example.com/open/demo"), None);
        assert!(is_row_id(&recipient_open_id(
            &ShortCode::parse("demo").unwrap(),
            9
        )));
    }
}
