//! Reading the click log: the query an operator sends and the cursor that pages through it.

use serde_json::{Map, Value};

use super::campaign::parse_campaign_id;
use super::code::ShortCode;
use super::funnel::{is_row_id, Kind};
use super::problem::Problem;
use super::step::{Source, Step};
use super::time::parse_instant;

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    pub link: Option<ShortCode>,
    /// `click`, `step` or `conversion`.
    pub kind: Option<Kind>,
    pub step: Option<String>,
    pub recipient: Option<u64>,
    /// The campaign label events carry.
    pub campaign: Option<String>,
    /// Events before this instant (exclusive), Unix ms.
    pub until: Option<u64>,
    /// Only bot-flagged events (`true`) or only people's (`false`).
    pub bot: Option<bool>,
    /// Events strictly after this (ts, id) position, in (ts, id) order.
    pub after: (u64, String),
    pub limit: u32,
}

/// Position of an event in the log, opaque to clients: `{ts}.{id}`.
pub fn cursor(ts: u64, id: &str) -> String {
    format!("{ts}.{id}")
}

fn parse_cursor(s: &str) -> Option<(u64, String)> {
    let (ts, id) = s.split_once('.')?;
    let ts = ts.parse().ok()?;
    is_row_id(id).then(|| (ts, id.to_owned()))
}

impl EventQuery {
    /// From query pairs: `link`, `campaign`, `kind`, `step`, `recipient`, `bot`, `since`
    /// (inclusive) and `until` (exclusive; both RFC 3339 with an offset, the API's one time
    /// type, see `time::parse_instant`), `cursor`, `limit`.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<EventQuery, Problem> {
        let mut q = EventQuery {
            link: None,
            kind: None,
            step: None,
            recipient: None,
            campaign: None,
            until: None,
            bot: None,
            after: (0, String::new()),
            limit: DEFAULT_LIMIT,
        };
        let (mut since, mut cur) = (None, None);
        for (k, v) in pairs {
            match k {
                "link" => {
                    q.link = Some(
                        ShortCode::parse(v).map_err(|e| Problem::invalid("link", e.to_string()))?,
                    )
                }
                "since" => {
                    since = Some(parse_instant(v).map_err(|m| Problem::invalid("since", m))?)
                }
                "until" => {
                    q.until = Some(parse_instant(v).map_err(|m| Problem::invalid("until", m))?)
                }
                "campaign" => q.campaign = Some(parse_campaign_id(v)?),
                "bot" => {
                    q.bot = Some(match v {
                        "true" => true,
                        "false" => false,
                        _ => return Err(Problem::invalid("bot", "true or false")),
                    })
                }
                "cursor" => {
                    cur =
                        Some(parse_cursor(v).ok_or_else(|| {
                            Problem::invalid("cursor", "not a cursor from this API")
                        })?)
                }
                "kind" => {
                    q.kind = Some(Kind::parse(v).ok_or_else(|| {
                        Problem::invalid("kind", "one of click, step, conversion")
                    })?)
                }
                "step" => {
                    let step = Step::parse(v, Source::Browser)
                        .or_else(|_| Step::parse(v, Source::Server))
                        .map_err(|e| Problem::invalid("step", e.to_string()))?;
                    q.step = Some(step.as_str().to_owned());
                }
                "recipient" => {
                    q.recipient = Some(v.parse::<u64>().map_err(|_| {
                        Problem::invalid("recipient", "a recipient sequence number")
                    })?)
                }
                "limit" => {
                    q.limit = v
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| Problem::invalid("limit", "must be between 1 and 1000"))?
                }
                _ => {}
            }
        }
        q.after = match (cur, since) {
            (Some(c), _) => c,
            // "" sorts before every id: events at exactly `since` are included.
            (None, Some(ms)) => (ms, String::new()),
            (None, None) => (0, String::new()),
        };
        Ok(q)
    }
}

/// A D1 row as the API shows it: `bot` as a boolean, absent fields dropped.
pub fn row_to_json(row: Map<String, Value>) -> Value {
    let out: Map<String, Value> = row
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match (k.as_str(), &v) {
            ("bot" | "attributed", Value::Number(n)) => (k, Value::Bool(n.as_f64() == Some(1.0))),
            (_, Value::Number(n)) => {
                // D1 hands integers over as floats; show them as integers.
                let v = n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map_or(v.clone(), |f| Value::from(f as u64));
                (k, v)
            }
            _ => (k, v),
        })
        .collect();
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_queries() {
        let q = EventQuery::parse([
            ("link", "demo"),
            ("since", "2026-11-23T08:00:01+08:00"),
            ("limit", "5"),
        ])
        .unwrap();
        assert_eq!(q.link.unwrap().as_str(), "demo");
        assert_eq!(q.after, (1_795_392_001_000, String::new()));
        assert_eq!(q.limit, 5);
        let q =
            EventQuery::parse([("kind", "step"), ("step", "login"), ("recipient", "7")]).unwrap();
        assert_eq!(
            (q.kind, q.step.as_deref(), q.recipient),
            (Some(Kind::Step), Some("login"), Some(7))
        );
        let id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        let q = EventQuery::parse([
            ("cursor", cursor(7, id).as_str()),
            ("since", "2026-01-01T00:00:00Z"),
        ])
        .unwrap();
        assert_eq!(q.after, (7, id.to_owned()));
        let q = EventQuery::parse([
            ("campaign", "spring 2026"),
            ("until", "2026-11-23T08:00:01+08:00"),
            ("bot", "false"),
        ])
        .unwrap();
        assert_eq!(
            (q.campaign.as_deref(), q.until, q.bot),
            (Some("spring 2026"), Some(1_795_392_001_000), Some(false))
        );
        for (k, v) in [
            ("limit", "0"),
            ("limit", "1001"),
            ("since", "x"),
            ("cursor", "1.x y"),
            ("kind", "clicks"),
            ("step", "nope"),
            ("recipient", "-1"),
            // Milliseconds and date-only values are refused like everywhere else in the API.
            ("since", "1763884800000"),
            ("since", "2026-11-23"),
            ("link", "a/b"),
            ("until", "2026-11-23"),
            ("bot", "1"),
            ("campaign", ""),
            ("campaign", " spaced"),
        ] {
            assert_eq!(
                EventQuery::parse([(k, v)]).unwrap_err().field.as_deref(),
                Some(k)
            );
        }
    }

    #[test]
    fn rows_read_naturally() {
        let row =
            serde_json::json!({"bot": 1.0, "ts": 1763884800000.0, "variant": null, "link": "demo"});
        let Value::Object(m) = row else {
            unreachable!()
        };
        assert_eq!(
            row_to_json(m),
            serde_json::json!({"bot": true, "ts": 1763884800000u64, "link": "demo"})
        );
    }
}
