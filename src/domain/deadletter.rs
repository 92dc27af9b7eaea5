//! The operator's view of parked dead letters (`GET /api/v1/dead-letters`) and the way back
//! (`POST /api/v1/dead-letters/replay`): what the requests may say, checked without I/O.
//! Parking and decoding live in [`super::inbox`].

use serde::Deserialize;

use super::page::PageQuery;
use super::problem::Problem;

/// Ids one replay request may name.
pub const MAX_REPLAY_IDS: usize = 1000;
/// Largest replay request body.
pub const MAX_REPLAY_BODY: usize = 32 * 1024;

/// A page of letters: those after the letter `after` (its id, 0 before the first), at most
/// `limit`; replayed ones only with `state=all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterQuery {
    pub after: u64,
    pub limit: u32,
    pub include_replayed: bool,
}

impl LetterQuery {
    /// From query pairs: `cursor` (the `next_cursor` of the page before), `limit` (1–100,
    /// default 50) and `state` (`parked`, the default, or `all`); other names are ignored.
    ///
    /// ```
    /// use wakelink::domain::deadletter::LetterQuery;
    /// let q = LetterQuery::parse([("cursor", "41"), ("state", "all")]).unwrap();
    /// assert_eq!((q.after, q.limit, q.include_replayed), (41, 50, true));
    /// assert_eq!(LetterQuery::parse([("cursor", "x")]).unwrap_err().field.as_deref(), Some("cursor"));
    /// ```
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Result<LetterQuery, Problem> {
        let page = PageQuery::parse(pairs.clone())?;
        let after = match page.after.as_str() {
            "" => 0,
            c => c
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= MAX_ID && c.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| Problem::invalid("cursor", "not a cursor from this API"))?,
        };
        let mut include_replayed = false;
        for (k, v) in pairs {
            if k == "state" {
                include_replayed = match v {
                    "parked" => false,
                    "all" => true,
                    _ => return Err(Problem::invalid("state", "must be parked or all")),
                };
            }
        }
        Ok(LetterQuery {
            after,
            limit: page.limit,
            include_replayed,
        })
    }

    /// The cursor of the page after one that returned letters `ids` (in order): `None` when
    /// the page was not full.
    pub fn next(&self, ids: &[u64]) -> Option<String> {
        (ids.len() as u64 >= u64::from(self.limit))
            .then(|| ids.last().map(u64::to_string))
            .flatten()
    }
}

/// The Queue takes at most 100 messages and 256 KB in one `sendBatch`: replayed letters (each
/// at most 64 KiB) go in groups under both, with room for the per-message overhead.
pub const MAX_SEND_BATCH_BYTES: usize = 240 * 1024;
pub const MAX_SEND_BATCH_COUNT: usize = 100;

/// Consecutive groups of messages of these byte sizes, each within the Queue's batch limits
/// (a message alone is always a group).
///
/// ```
/// use wakelink::domain::deadletter::send_groups;
/// assert_eq!(send_groups(&[100_000, 100_000, 100_000, 10]), vec![0..2, 2..4]);
/// ```
pub fn send_groups(sizes: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let (mut from, mut bytes) = (0, 0);
    for (i, &n) in sizes.iter().enumerate() {
        if i > from && (bytes + n > MAX_SEND_BATCH_BYTES || i - from >= MAX_SEND_BATCH_COUNT) {
            groups.push(from..i);
            (from, bytes) = (i, 0);
        }
        bytes += n;
    }
    if from < sizes.len() {
        groups.push(from..sizes.len());
    }
    groups
}

/// Letter ids are SQLite row ids; a JSON number holds them exactly below 2^53.
const MAX_ID: u64 = (1 << 53) - 1;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayInput {
    #[serde(default)]
    ids: Option<Vec<u64>>,
    #[serde(default)]
    all: Option<bool>,
}

/// What an operator asked to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// These letters (ids from the list), deduplicated, in order.
    Ids(Vec<u64>),
    /// Every parked letter not replayed yet.
    All,
}

impl Replay {
    /// Parses `{"ids": [..]}` or `{"all": true}`; exactly one of the two.
    ///
    /// ```
    /// use wakelink::domain::deadletter::Replay;
    /// assert_eq!(Replay::parse(br#"{"ids":[3,1,3]}"#).unwrap(), Replay::Ids(vec![1, 3]));
    /// assert_eq!(Replay::parse(br#"{"all":true}"#).unwrap(), Replay::All);
    /// assert_eq!(Replay::parse(br#"{}"#).unwrap_err().code, "invalid-input");
    /// ```
    pub fn parse(body: &[u8]) -> Result<Replay, Problem> {
        let input: ReplayInput =
            serde_json::from_slice(body).map_err(|e| Problem::invalid_json(&e))?;
        match (input.ids, input.all) {
            (Some(_), Some(_)) => Err(Problem::invalid("all", "give ids or all, not both")),
            (None, Some(true)) => Ok(Replay::All),
            (None, Some(false)) | (None, None) => Err(Problem::invalid(
                "ids",
                "name the letters to replay, or set all to true",
            )),
            (Some(mut ids), None) => {
                if ids.is_empty() {
                    return Err(Problem::invalid("ids", "must hold at least one id"));
                }
                if ids.len() > MAX_REPLAY_IDS {
                    return Err(Problem::invalid(
                        "ids",
                        format!("at most {MAX_REPLAY_IDS} ids per request"),
                    ));
                }
                if let Some(i) = ids.iter().position(|&id| id == 0 || id > MAX_ID) {
                    return Err(Problem::invalid(format!("ids[{i}]"), "not a letter id"));
                }
                ids.sort_unstable();
                ids.dedup();
                Ok(Replay::Ids(ids))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_take_defaults_and_refuse_what_no_page_handed_out() {
        let q = LetterQuery::parse([]).expect("defaults");
        assert_eq!((q.after, q.limit, q.include_replayed), (0, 50, false));
        let q = LetterQuery::parse([("limit", "100"), ("state", "parked"), ("other", "x")])
            .expect("valid");
        assert_eq!((q.limit, q.include_replayed), (100, false));
        for (k, v) in [
            ("cursor", "-1"),
            ("cursor", "+4"),
            ("cursor", "1e3"),
            ("cursor", "9007199254740992"),
            ("cursor", "99999999999999999999999"),
            ("limit", "0"),
            ("limit", "101"),
            ("state", "replayed"),
        ] {
            let e = LetterQuery::parse([(k, v)]).expect_err(v);
            assert_eq!((e.status, e.field.as_deref()), (400, Some(k)), "{k}={v}");
        }
    }

    #[test]
    fn the_next_cursor_follows_a_full_page_only() {
        let q = LetterQuery::parse([("limit", "2")]).expect("valid");
        assert_eq!(q.next(&[4, 9]), Some(String::from("9")));
        assert_eq!(q.next(&[4]), None);
        assert_eq!(q.next(&[]), None);
    }

    #[test]
    fn send_groups_stay_within_the_queue_batch_limits_and_keep_order() {
        assert!(send_groups(&[]).is_empty());
        assert_eq!(send_groups(&[300_000]), vec![0..1]);
        let small = vec![500; 250];
        assert_eq!(send_groups(&small), vec![0..100, 100..200, 200..250]);
        let big = vec![64 * 1024; 10];
        let groups = send_groups(&big);
        assert_eq!(groups.iter().map(|g| g.len()).sum::<usize>(), 10);
        for g in &groups {
            assert!(g.len() * 64 * 1024 <= MAX_SEND_BATCH_BYTES, "{g:?}");
        }
        assert_eq!(groups.first().map(|g| g.start), Some(0));
        assert!(groups.windows(2).all(|w| w[0].end == w[1].start));
    }

    #[test]
    fn replay_requests_name_ids_or_all_and_nothing_else() {
        assert_eq!(
            Replay::parse(br#"{"ids":[5,2,5,9]}"#).expect("ids"),
            Replay::Ids(vec![2, 5, 9])
        );
        let bad: [(&[u8], &str); 8] = [
            (br#"{"ids":[1],"all":true}"#, "all"),
            (br#"{"all":false}"#, "ids"),
            (br#"{"ids":[]}"#, "ids"),
            (br#"{"ids":[0]}"#, "ids[0]"),
            (br#"{"ids":[1,9007199254740992]}"#, "ids[1]"),
            (br#"{"ids":[-1]}"#, ""),
            (br#"{"ids":["1"]}"#, ""),
            (br#"{"not-a-field":1}"#, ""),
        ];
        for (body, field) in bad {
            let e = Replay::parse(body).expect_err(&String::from_utf8_lossy(body));
            assert_eq!(e.status, 400);
            assert_eq!(e.field.as_deref().unwrap_or(""), field);
        }
        let many = format!(
            r#"{{"ids":[{}]}}"#,
            (1..=1001)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(
            Replay::parse(many.as_bytes()).expect_err("too many").field,
            Some(String::from("ids"))
        );
    }
}
