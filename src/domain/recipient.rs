//! What a campaign's rollup keeps about one recipient (see `domain::rollup`): the send, the
//! clicks one by one, per other step the counts that merge order-free, and login times. Each
//! merge is a min, a sum or a set union, so the state after a set of events is the same
//! whatever their order; the counters are then a function of these states.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::judge::{judge, Facts, Recorded, Rules};
use super::rollup::{Event, Group, Send, CLICKED, DAY_MS, LOGIN, MAX_LOGINS, RETENTION_DAYS};
use super::time::UnixMs;

/// One click of a recipient, as kept for re-judging (`domain::judge`). Stored as
/// `[ts, bits]` (see [`Click::bits`]); the first stores kept
/// `{"ts":…,"bot":…,"honeypot":…,"reached":…,"hint":…}`, which still reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Click {
    pub ts: UnixMs,
    /// Flagged at the edge (user agent, HEAD, prefetch, data centre, honeypot...).
    pub bot: bool,
    pub honeypot: bool,
    pub reached: bool,
    pub hint: bool,
}

impl Click {
    const BOT: u8 = 1;
    const HONEYPOT: u8 = 2;
    const REACHED: u8 = 4;
    const HINT: u8 = 8;

    /// The four flags as one number: bot 1, honeypot 2, reached 4, hint 8.
    pub fn bits(&self) -> u8 {
        let bit = |on: bool, b: u8| if on { b } else { 0 };
        bit(self.bot, Self::BOT)
            | bit(self.honeypot, Self::HONEYPOT)
            | bit(self.reached, Self::REACHED)
            | bit(self.hint, Self::HINT)
    }

    pub fn from_bits(ts: UnixMs, bits: u8) -> Click {
        Click {
            ts,
            bot: bits & Self::BOT != 0,
            honeypot: bits & Self::HONEYPOT != 0,
            reached: bits & Self::REACHED != 0,
            hint: bits & Self::HINT != 0,
        }
    }
}

impl Serialize for Click {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.ts, self.bits()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Click {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Click, D::Error> {
        d.deserialize_any(ClickVisitor)
    }
}

/// Reads a click in either form: `[ts, bits]`, or the first stores' object.
struct ClickVisitor;

impl<'de> serde::de::Visitor<'de> for ClickVisitor {
    type Value = Click;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a click as [ts, bits] or an object")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Click, A::Error> {
        use serde::de::Error;
        let ts = seq
            .next_element()?
            .ok_or_else(|| A::Error::invalid_length(0, &self))?;
        let bits = seq
            .next_element()?
            .ok_or_else(|| A::Error::invalid_length(1, &self))?;
        Ok(Click::from_bits(ts, bits))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Click, A::Error> {
        #[derive(Deserialize)]
        struct Fields {
            ts: UnixMs,
            bot: bool,
            honeypot: bool,
            reached: bool,
            hint: bool,
        }
        let f = Fields::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(Click {
            ts: f.ts,
            bot: f.bot,
            honeypot: f.honeypot,
            reached: f.reached,
            hint: f.hint,
        })
    }
}

/// One recipient's step: the counts that merge order-free. Zero counts are left out of the
/// stored JSON (and read as zero).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepState {
    /// Earliest attributed human occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_at: Option<UnixMs>,
    /// Attributed human occurrences.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub raw: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bot: u64,
    /// Human occurrences outside the attribution window.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub late: u64,
    /// Sum of attributed human values.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub value_minor: i64,
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

/// Everything the rollup keeps about one recipient. Empty fields are left out of the stored
/// JSON (and read as empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<Send>,
    /// The group of events seen before the send (the least, should links disagree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisional: Option<Group>,
    /// Steps other than `clicked`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub steps: BTreeMap<String, StepState>,
    /// Clicks by event id: whether each is a person's is judged again from all of them and
    /// the send time (`domain::judge`), so a late ledger row or honeypot hit re-flags them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub clicks: BTreeMap<String, Click>,
    /// Human login times, attributed or not (retention counts later logins either way).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub logins: BTreeSet<UnixMs>,
    /// Clicks the click log's re-judging flagged as part of a network burst (one network
    /// opening several recipients' links within seconds): only the log sees the crowd, so its
    /// verdict comes here as a fact ([`super::rollup::Fact::Flag`]), by click id. Kept even
    /// before the click itself arrives, so the order of the two never matters.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub crowd_flagged: BTreeSet<String>,
}

impl RecipientState {
    /// The group the recipient counts in: its send's, else the provisional one.
    pub fn group(&self) -> Option<&Group> {
        self.send
            .as_ref()
            .map(|s| &s.group)
            .or(self.provisional.as_ref())
    }

    /// The recall: the first attributed human login.
    pub fn recall_at(&self) -> Option<UnixMs> {
        self.steps.get(LOGIN).and_then(|s| s.first_at)
    }

    pub(crate) fn merge_send(&mut self, send: &Send) {
        // The least send wins whatever the order (a row sent twice keeps its first time).
        let rank = |s: &Send| (s.sent_at.unwrap_or(u64::MAX), s.clone());
        if self.send.as_ref().is_none_or(|old| rank(send) < rank(old)) {
            self.send = Some(send.clone());
        }
    }

    /// A network-burst verdict on one of the recipient's clicks (idempotent).
    pub(crate) fn merge_flag(&mut self, click: &str) {
        self.crowd_flagged.insert(click.to_owned());
    }

    pub(crate) fn merge_event(&mut self, e: &Event) {
        if self.provisional.as_ref().is_none_or(|g| e.group < *g) {
            self.provisional = Some(e.group.clone());
        }
        if e.step == CLICKED {
            self.clicks.insert(
                e.id.clone(),
                Click {
                    ts: e.at,
                    bot: e.bot,
                    honeypot: e.honeypot,
                    reached: e.reached,
                    hint: e.hint,
                },
            );
            return;
        }
        let st = self.steps.entry(e.step.clone()).or_default();
        if e.bot {
            st.bot += 1;
            return;
        }
        if !e.attributed {
            st.late += 1;
        } else {
            st.raw += 1;
            st.first_at = Some(st.first_at.map_or(e.at, |t| t.min(e.at)));
            if let Some((v, _)) = e.value {
                st.value_minor = st.value_minor.saturating_add(v);
            }
        }
        if e.step == LOGIN {
            self.logins.insert(e.at);
        }
        self.prune_logins();
    }

    /// Keeps the login times retention can still use: none later than 30 days after the
    /// recall (the recall only ever moves earlier), at most [`MAX_LOGINS`].
    fn prune_logins(&mut self) {
        if let Some(recall) = self.recall_at() {
            let last = recall + (RETENTION_DAYS[2].1 + 1) * DAY_MS;
            self.logins.retain(|t| *t < last);
        }
        while self.logins.len() > MAX_LOGINS {
            self.logins.pop_last();
        }
    }
}

/// A hint-asking click followed by a person's click of the same recipient within this long
/// is the same tap asked again: it counts once (the repeat).
pub const HINT_REPEAT_MS: u64 = 30_000;

/// A recipient's `clicked` step from its clicks: each judged again (`domain::judge`) with
/// the send time; a person's clicks that reached a destination count, bots apart, the
/// earliest is the first click (as the click log's `first_clicks` rule).
pub fn judged_clicks(
    rules: &Rules,
    sent_at: Option<UnixMs>,
    clicks: &BTreeMap<String, Click>,
    crowd_flagged: &BTreeSet<String>,
) -> StepState {
    if clicks.is_empty() {
        return StepState::default();
    }
    let recorded: Vec<Recorded> = clicks
        .iter()
        .map(|(id, c)| Recorded {
            id: id.clone(),
            ts: c.ts,
            flagged: c.bot,
            honeypot: c.honeypot,
            network: None,
        })
        .collect();
    // Per recipient there is no crowd: network bursts are judged on the click log, and its
    // verdicts arrive here as `crowd_flagged`.
    let facts = Facts {
        sent_at,
        crowd: &[],
    };
    let flagged: BTreeSet<String> = judge(rules, &facts, &recorded)
        .into_iter()
        .map(|f| f.id)
        .collect();
    let person =
        |id: &str, c: &Click| !c.bot && !flagged.contains(id) && !crowd_flagged.contains(id);
    let mut st = StepState::default();
    for (id, c) in clicks {
        if !person(id, c) {
            st.bot += 1;
            continue;
        }
        if !c.reached {
            continue;
        }
        st.first_at = Some(st.first_at.map_or(c.ts, |t| t.min(c.ts)));
        let repeated = c.hint
            && clicks.iter().any(|(oid, o)| {
                oid != id
                    && !o.hint
                    && o.reached
                    && person(oid, o)
                    && o.ts >= c.ts
                    && o.ts - c.ts <= HINT_REPEAT_MS
            });
        st.raw += u64::from(!repeated);
    }
    st
}
