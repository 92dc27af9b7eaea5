//! Per-campaign rollups: the counts a funnel, a comparison, the timing tables and the
//! retention cohorts are read from, kept as events arrive so that no read scans the log.
//!
//! The model is rows, so that it maps onto SQLite (a campaign's Durable Object, or D1):
//! - `seen`: one row per event id. Applying an event starts with
//!   `INSERT INTO seen(id) VALUES (?) ON CONFLICT DO NOTHING`; when no row was inserted the
//!   event was applied before and nothing else happens (redelivery changes nothing).
//! - one [`RecipientState`] per recipient (link, sequence number): its send; its clicks (kept
//!   one by one, because whether a click was a person's is judged again when the send time
//!   or a honeypot hit arrives, `domain::judge`); per other step the first human time, raw
//!   human and bot counts, late (unattributed) count and value sum; and the login times
//!   retention needs. Every field merges with min, sum or set union, so the state after a
//!   set of events does not depend on their order.
//! - counters keyed by [`Key`]: each is the sum over recipients of what
//!   [`Rollup::contributions`] makes of that recipient's state. Applying an event computes the recipient's
//!   contributions before and after, and the difference is the increment
//!   (`INSERT ... ON CONFLICT DO UPDATE SET uniq = uniq + excluded.uniq, ...`). A click
//!   that turns out earlier than the one seen first moves the recipient from one hour
//!   bucket to another, a send that arrives after its clicks moves them from the link's
//!   provisional group to the recipient's segment: the difference says so, with negative
//!   increments where needed.
//!
//! Events without a recipient (a campaign link sent to everyone, a conversion no ledger
//! row names) add raw counts to the group the glue names, and no unique counts.
//!
//! Money is integers: values and costs in minor units of the campaign's one currency; a
//! value in another currency is refused ([`Rollup::apply`] returns `currency-mismatch`).
//! The schema the glue keeps these in is in `docs/campaigns.md`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::campaign::{Campaign, Channel, Currency};
use super::judge::Rules;
use super::problem::Problem;
pub use super::recipient::{judged_clicks, Click, RecipientState, StepState, HINT_REPEAT_MS};
use super::time::UnixMs;

/// The funnel's first two steps, as rollups name them.
pub const SENT: &str = "sent";
pub const CLICKED: &str = "clicked";
/// The step whose first attributed occurrence is the recall, and whose later occurrences
/// make the retention cohorts.
pub const LOGIN: &str = "login";
/// Login times kept per recipient (the earliest): a person logging in daily for more than
/// a year past the recall adds nothing the cohorts (days 1-30) read.
pub const MAX_LOGINS: usize = 400;
pub(crate) const DAY_MS: u64 = 86_400_000;
/// Retention cohorts: days after the recall, inclusive ranges.
pub const RETENTION_DAYS: [(u64, u64); 3] = [(1, 7), (8, 14), (15, 30)];
/// Upper edges (exclusive) of the send-to-click delay buckets, in minutes; the last bucket
/// holds everything later. A click before its send time (a clock off) is in the first.
pub const DELAY_EDGES_MIN: [u64; 8] = [10, 60, 180, 360, 720, 1440, 4320, 10080];
/// Labels of the delay buckets, in order.
pub const DELAY_LABELS: [&str; 9] = [
    "<10m", "10m-1h", "1-3h", "3-6h", "6-12h", "12-24h", "1-3d", "3-7d", ">7d",
];
/// The hour bucket of a send whose time the ledger doesn't know.
pub const UNKNOWN_HOUR: u8 = 24;

/// The dimensions a funnel is cut by. Empty strings stand for "none given".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Group {
    pub variant: String,
    pub segment: String,
    pub channel: Channel,
}

/// A recipient of the campaign: a link and the sequence number in its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Recipient {
    pub link: String,
    pub seq: u64,
}

/// A send-ledger row as the rollup sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Send {
    pub recipient: Recipient,
    pub group: Group,
    pub sent_at: Option<UnixMs>,
    /// This send's cost in the campaign's currency (the row's own, else the campaign's cost
    /// for the channel); `None` when unknown.
    pub cost_minor: Option<u64>,
}

/// A click, page step or conversion as the rollup sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The event's row id (click ULID, `s:…` page step, `c:…` conversion): the dedupe key.
    pub id: String,
    pub recipient: Option<Recipient>,
    /// The link's group (its variant and channel; no segment): where the event counts until
    /// the recipient's send is known, and for good when there is no recipient.
    pub group: Group,
    /// `clicked` for a click, else the step name.
    pub step: String,
    pub at: UnixMs,
    pub bot: bool,
    /// False for a conversion outside its attribution window: counted as late, not in the
    /// funnel.
    pub attributed: bool,
    pub value: Option<(i64, Currency)>,
    /// Clicks: the visitor was sent somewhere (not a gone or unknown link).
    pub reached: bool,
    /// Clicks: the response asked for client hints; the browser repeats the request, and
    /// the repeat is its own click.
    pub hint: bool,
    /// Clicks: a hit on the recipient's honeypot link (flagged at the edge).
    pub honeypot: bool,
}

/// Which histogram a timing counter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    /// Local hour of the send (0-23, [`UNKNOWN_HOUR`] when unknown).
    SendHour,
    /// Local hour of the recipient's first human click.
    ClickHour,
    /// Send-to-first-click delay bucket ([`DELAY_LABELS`]).
    Delay,
}

impl Axis {
    pub fn as_str(self) -> &'static str {
        match self {
            Axis::SendHour => "send_hour",
            Axis::ClickHour => "click_hour",
            Axis::Delay => "delay",
        }
    }
}

/// A counter row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Key {
    /// Per group and step (`sent` carries the cost).
    Funnel { group: Group, step: String },
    /// Unique recipients per group, step and bucket of one axis.
    Timing {
        group: Group,
        axis: Axis,
        bucket: u8,
        step: String,
    },
    /// Recalled recipients (bucket 0) and those who logged in again in each cohort window
    /// (buckets 1-3, [`RETENTION_DAYS`]).
    Retention { group: Group, bucket: u8 },
}

/// The values of a counter row; also an increment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Unique recipients.
    pub uniq: i64,
    /// Human events.
    pub raw: i64,
    pub bot: i64,
    pub late: i64,
    pub value_minor: i64,
    pub cost_minor: i64,
    /// Sends whose cost is unknown.
    pub unpriced: i64,
}

impl Counts {
    fn add(&mut self, o: &Counts, sign: i64) {
        self.uniq = self.uniq.saturating_add(sign * o.uniq);
        self.raw = self.raw.saturating_add(sign * o.raw);
        self.bot = self.bot.saturating_add(sign * o.bot);
        self.late = self.late.saturating_add(sign * o.late);
        self.value_minor = self
            .value_minor
            .saturating_add(sign.saturating_mul(o.value_minor));
        self.cost_minor = self
            .cost_minor
            .saturating_add(sign.saturating_mul(o.cost_minor));
        self.unpriced = self.unpriced.saturating_add(sign * o.unpriced);
    }

    pub fn is_zero(&self) -> bool {
        *self == Counts::default()
    }

    /// Adds an increment (what the glue's `UPDATE ... SET uniq = uniq + ?` does).
    pub fn apply(&mut self, delta: &Counts) {
        self.add(delta, 1);
    }
}

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The bucket of a send-to-click delay.
pub fn delay_bucket(sent_at: UnixMs, clicked_at: UnixMs) -> u8 {
    let minutes = clicked_at.saturating_sub(sent_at) / 60_000;
    DELAY_EDGES_MIN
        .iter()
        .take_while(|e| minutes >= **e)
        .count() as u8
}

/// The retention buckets (1-3) a login `days` whole days after the recall falls in.
fn retention_bucket(recall: UnixMs, login: UnixMs) -> Option<u8> {
    let days = login.checked_sub(recall)? / DAY_MS;
    RETENTION_DAYS
        .iter()
        .position(|(lo, hi)| (*lo..=*hi).contains(&days))
        .map(|b| b as u8 + 1)
}

/// What the rollup of one campaign needs besides the rows: the campaign and the re-judging
/// rules of the deployment.
#[derive(Debug, Clone, Copy)]
pub struct Rollup<'a> {
    pub campaign: &'a Campaign,
    pub rules: Rules,
}

/// A counter key borrowing from a recipient's state: contributions are computed twice per
/// event, and only the keys whose counts change are copied out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum KeyRef<'a> {
    Funnel(&'a Group, &'a str),
    Timing(&'a Group, Axis, u8, &'a str),
    Retention(&'a Group, u8),
}

impl KeyRef<'_> {
    fn owned(self) -> Key {
        match self {
            KeyRef::Funnel(g, step) => Key::Funnel {
                group: g.clone(),
                step: step.to_owned(),
            },
            KeyRef::Timing(g, axis, bucket, step) => Key::Timing {
                group: g.clone(),
                axis,
                bucket,
                step: step.to_owned(),
            },
            KeyRef::Retention(g, bucket) => Key::Retention {
                group: g.clone(),
                bucket,
            },
        }
    }
}

impl Rollup<'_> {
    /// What one recipient's state adds to the counters.
    pub fn contributions(&self, s: &RecipientState) -> BTreeMap<Key, Counts> {
        self.contributing(s)
            .into_iter()
            .map(|(k, c)| (k.owned(), c))
            .collect()
    }

    /// [`Rollup::contributions`], keys borrowed and sorted (every key occurs once).
    fn contributing<'s>(&self, s: &'s RecipientState) -> Vec<(KeyRef<'s>, Counts)> {
        let mut out: Vec<(KeyRef<'s>, Counts)> = Vec::new();
        let Some(group) = s.group() else {
            return out;
        };
        let zone = &self.campaign.time_zone;
        let one = Counts {
            uniq: 1,
            ..Counts::default()
        };
        let sent_at = s.send.as_ref().and_then(|x| x.sent_at);
        let send_hour = sent_at.map_or(UNKNOWN_HOUR, |t| zone.local_hour(t));
        let clicked = judged_clicks(&self.rules, sent_at, &s.clicks, &s.crowd_flagged);
        let clicked_at = clicked.first_at;
        let click_hour = clicked_at.map(|at| zone.local_hour(at));
        if let Some(send) = &s.send {
            let cost = Counts {
                uniq: 1,
                raw: 1,
                cost_minor: send.cost_minor.map_or(0, i),
                unpriced: i64::from(send.cost_minor.is_none()),
                ..Counts::default()
            };
            out.push((KeyRef::Funnel(group, SENT), cost));
            out.push((KeyRef::Timing(group, Axis::SendHour, send_hour, SENT), one));
        }
        let steps = (!s.clicks.is_empty())
            .then_some((CLICKED, &clicked))
            .into_iter()
            .chain(s.steps.iter().map(|(k, v)| (k.as_str(), v)));
        for (step, st) in steps {
            let uniq = i64::from(st.first_at.is_some());
            let c = Counts {
                uniq,
                raw: i(st.raw),
                bot: i(st.bot),
                late: i(st.late),
                value_minor: st.value_minor,
                ..Counts::default()
            };
            out.push((KeyRef::Funnel(group, step), c));
            if uniq == 0 || s.send.is_none() {
                continue;
            }
            out.push((KeyRef::Timing(group, Axis::SendHour, send_hour, step), one));
            if let (Some(at), Some(hour)) = (clicked_at, click_hour) {
                out.push((KeyRef::Timing(group, Axis::ClickHour, hour, step), one));
                if let Some(sent) = sent_at {
                    let bucket = delay_bucket(sent, at);
                    out.push((KeyRef::Timing(group, Axis::Delay, bucket, step), one));
                }
            }
        }
        if let Some(recall) = s.recall_at() {
            let mut buckets = [true, false, false, false];
            for b in s.logins.iter().filter_map(|t| retention_bucket(recall, *t)) {
                buckets[usize::from(b)] = true;
            }
            for (b, _) in buckets.iter().enumerate().filter(|(_, hit)| **hit) {
                out.push((KeyRef::Retention(group, b as u8), one));
            }
        }
        out.retain(|(_, c)| !c.is_zero());
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The steps the recipient has reached (a person's attributed occurrence), `clicked` as
    /// judged now: the rows the follow-up list's `reached` table holds for it. Re-judging can
    /// take `clicked` away again.
    pub fn reached(&self, s: &RecipientState) -> Vec<String> {
        let sent_at = s.send.as_ref().and_then(|x| x.sent_at);
        let clicked = judged_clicks(&self.rules, sent_at, &s.clicks, &s.crowd_flagged)
            .first_at
            .is_some();
        clicked
            .then(|| CLICKED.to_owned())
            .into_iter()
            .chain(
                s.steps
                    .iter()
                    .filter(|(_, st)| st.first_at.is_some())
                    .map(|(k, _)| k.clone()),
            )
            .collect()
    }

    /// Applies one fact to the state of its recipient (`None` when the store has none yet,
    /// or the event has no recipient). For a [`Fact::Event`], call this only when the
    /// event's id was newly inserted into `seen`; a [`Fact::Send`] is idempotent by itself.
    /// A value in another currency than the campaign's is refused, and nothing changes.
    pub fn apply(&self, state: Option<RecipientState>, fact: &Fact) -> Result<Applied, Problem> {
        if let Fact::Event(Event {
            value: Some((_, cur)),
            ..
        }) = fact
        {
            check_currency(self.campaign, cur)?;
        }
        if let Fact::Event(
            e @ Event {
                recipient: None, ..
            },
        ) = fact
        {
            return Ok(Applied {
                state: None,
                deltas: unattached(e),
            });
        }
        let before = state.unwrap_or_default();
        let mut after = before.clone();
        match fact {
            Fact::Send(s) => after.merge_send(s),
            Fact::Event(e) => after.merge_event(e),
            Fact::Flag(f) => after.merge_flag(&f.click),
        }
        let deltas = diff_sorted(&self.contributing(&before), &self.contributing(&after));
        Ok(Applied {
            state: Some(after),
            deltas,
        })
    }
}

/// An event without a recipient: raw counts for the link's group, nothing unique. A
/// hint-asking click is not counted (its repeat is, and nothing ties the two together).
fn unattached(e: &Event) -> Vec<(Key, Counts)> {
    let c = if e.bot {
        Counts {
            bot: 1,
            ..Counts::default()
        }
    } else if e.step == CLICKED {
        Counts {
            raw: i64::from(e.reached && !e.hint),
            ..Counts::default()
        }
    } else if !e.attributed {
        Counts {
            late: 1,
            ..Counts::default()
        }
    } else {
        Counts {
            raw: 1,
            value_minor: e.value.map_or(0, |v| v.0),
            ..Counts::default()
        }
    };
    let key = Key::Funnel {
        group: e.group.clone(),
        step: e.step.clone(),
    };
    (!c.is_zero()).then_some((key, c)).into_iter().collect()
}

/// `after - before` over two key-sorted contribution lists, changed keys copied out.
fn diff_sorted(
    before: &[(KeyRef<'_>, Counts)],
    after: &[(KeyRef<'_>, Counts)],
) -> Vec<(Key, Counts)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < before.len() || j < after.len() {
        let order = match (before.get(i), after.get(j)) {
            (Some(b), Some(a)) => b.0.cmp(&a.0),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (key, mut d) = match order {
            std::cmp::Ordering::Less => {
                i += 1;
                (before[i - 1].0, Counts::default())
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (after[j - 1].0, after[j - 1].1)
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                (after[j - 1].0, after[j - 1].1)
            }
        };
        if order != std::cmp::Ordering::Greater {
            d.add(&before[i - 1].1, -1);
        }
        if !d.is_zero() {
            out.push((key.owned(), d));
        }
    }
    out
}

/// A fact for the rollup (serialized as the consumer hands it to the campaign's store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fact {
    Send(Send),
    /// Apply only when its id was not `seen` before.
    Event(Event),
    /// The click log judged one of the recipient's clicks part of a network burst
    /// (idempotent, in any order with the click).
    Flag(Flag),
}

/// See [`Fact::Flag`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub recipient: Recipient,
    /// The click's event id.
    pub click: String,
}

impl Fact {
    /// The recipient whose state the fact changes (none for an event without one).
    pub fn recipient(&self) -> Option<&Recipient> {
        match self {
            Fact::Send(s) => Some(&s.recipient),
            Fact::Event(e) => e.recipient.as_ref(),
            Fact::Flag(f) => Some(&f.recipient),
        }
    }
}

/// What applying a fact changes: the recipient's new state (to write back), and the counter
/// increments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub state: Option<RecipientState>,
    pub deltas: Vec<(Key, Counts)>,
}

/// The conversion value check: a value must be in the campaign's currency.
pub fn check_currency(campaign: &Campaign, currency: &Currency) -> Result<(), Problem> {
    if *currency == campaign.currency {
        return Ok(());
    }
    Err(Problem {
        field: Some("currency".into()),
        ..Problem::new(
            422,
            "currency-mismatch",
            format!(
                "campaign {} counts money in {}; this value is in {} (convert it before sending)",
                campaign.id,
                campaign.currency.as_str(),
                currency.as_str()
            ),
        )
    })
}

/// The whole store in memory: the reference the SQL glue mirrors row for row, what the
/// tests and `benches/rollup.rs` drive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Store {
    pub seen: BTreeSet<String>,
    pub recipients: BTreeMap<Recipient, RecipientState>,
    pub counters: BTreeMap<Key, Counts>,
}

impl Store {
    /// Applies a fact: dedupe, state, increments. `Ok(false)` for an event seen before.
    pub fn ingest(&mut self, r: &Rollup<'_>, fact: &Fact) -> Result<bool, Problem> {
        if let Fact::Event(e) = fact {
            if self.seen.contains(&e.id) {
                return Ok(false);
            }
        }
        let who = fact.recipient();
        let state = who.and_then(|w| self.recipients.get(w)).cloned();
        let applied = r.apply(state, fact)?;
        if let Fact::Event(e) = fact {
            self.seen.insert(e.id.clone());
        }
        if let (Some(w), Some(s)) = (who, applied.state) {
            self.recipients.insert(w.clone(), s);
        }
        for (k, d) in applied.deltas {
            let c = self.counters.entry(k.clone()).or_default();
            c.apply(&d);
            if c.is_zero() {
                self.counters.remove(&k);
            }
        }
        Ok(true)
    }

    /// The counters as a reader gets them (rows of the counter tables).
    pub fn rows(&self) -> Vec<(Key, Counts)> {
        self.counters.iter().map(|(k, c)| (k.clone(), *c)).collect()
    }
}

#[cfg(test)]
#[path = "rollup_tests.rs"]
pub(crate) mod tests;
