//! Re-judging a recipient's clicks: which of them a person made, decided again whenever
//! something new is known about that recipient — the ledger row with its send time arrives
//! (often after the clicks, when a list is minted, sent, and uploaded later), or a new signal
//! does (a hit on the recipient's honeypot link).
//!
//! # Interface
//!
//! [`judge`] is pure: it takes the [`Rules`], what is known about one recipient of one link
//! ([`Facts`]) and every click the log holds for that recipient ([`Recorded`], in any order),
//! and returns the flags to add ([`Flag`]: an event id and a [`BotReason`]). The glue
//! (`src/worker/rejudge.rs`) reads those inputs, writes the flags, and then recomputes the
//! recipient's first click from the log (earliest unflagged click that reached a destination),
//! in one transaction.
//!
//! Every signal must keep these properties, which make re-judging safe to run at any time, as
//! often as the Queue redelivers, in any order, from the API and the consumer at once:
//! - **monotone**: flags are only ever added, to clicks not flagged yet; a flag is never lifted;
//! - **idempotent**: judging the result again adds nothing;
//! - **order-free**: the result depends on the clicks' times and flags, not on their order.
//!
//! To add a signal (bursts across links or networks, say): write a function of the same shape
//! as [`before_send`] or [`honeypot_burst`], add it to [`SIGNALS`] (earlier entries win the
//! reason when two apply), and extend [`Facts`] / [`Recorded`] with what it needs.

use super::time::UnixMs;
use super::visitor::BotReason;

/// Tunable windows, from the worker's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// A click sooner than this after the send is a scanner or preview (`MIN_CLICK_DELAY_SECS`).
    pub min_gap_ms: u64,
    /// Clicks this close to a honeypot hit, either side, belong to the same scanner
    /// (`SCANNER_BURST_SECS`).
    pub burst_ms: u64,
}

/// What is known about the recipient besides the clicks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// The ledger's send time, once the ledger row exists.
    pub sent_at: Option<UnixMs>,
}

/// One click of the recipient as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub id: String,
    pub ts: UnixMs,
    /// Already flagged, by the edge or by an earlier judgement (whatever the reason).
    pub flagged: bool,
    /// A hit on the recipient's honeypot link (flagged `honeypot` at the edge).
    pub honeypot: bool,
}

/// A flag to add to one click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub id: String,
    pub reason: BotReason,
}

/// A signal: the reason it would give `click`, if any. `clicks` is the recipient's whole log.
pub type Signal = fn(&Rules, &Facts, &[Recorded], &Recorded) -> Option<BotReason>;

/// The signals, in priority order.
pub const SIGNALS: &[Signal] = &[before_send, too_soon_after_send, honeypot_burst];

/// The flags to add to a recipient's clicks. See the module documentation for the contract.
///
/// ```
/// use wakelink::domain::judge::{judge, Facts, Recorded, Rules};
/// use wakelink::domain::visitor::BotReason;
/// let rules = Rules { min_gap_ms: 5_000, burst_ms: 60_000 };
/// let clicks = [Recorded { id: "a".into(), ts: 10_000, flagged: false, honeypot: false }];
/// // The ledger arrives later: the send was at 8 s, so the click 2 s after it was a scanner.
/// let flags = judge(&rules, &Facts { sent_at: Some(8_000) }, &clicks);
/// assert_eq!(flags[0].reason, BotReason::TooSoonAfterSend);
/// ```
pub fn judge(rules: &Rules, facts: &Facts, clicks: &[Recorded]) -> Vec<Flag> {
    clicks
        .iter()
        .filter(|c| !c.flagged)
        .filter_map(|c| {
            SIGNALS
                .iter()
                .find_map(|signal| signal(rules, facts, clicks, c))
                .map(|reason| Flag {
                    id: c.id.clone(),
                    reason,
                })
        })
        .collect()
}

/// A click earlier than the send can't come from a person who read the message.
pub fn before_send(
    _: &Rules,
    facts: &Facts,
    _: &[Recorded],
    click: &Recorded,
) -> Option<BotReason> {
    facts
        .sent_at
        .filter(|sent| click.ts < *sent)
        .map(|_| BotReason::BeforeSend)
}

/// A click within `min_gap_ms` of the send: gateways and scanners fetch links as they pass.
pub fn too_soon_after_send(
    rules: &Rules,
    facts: &Facts,
    _: &[Recorded],
    click: &Recorded,
) -> Option<BotReason> {
    facts
        .sent_at
        .filter(|sent| click.ts >= *sent && click.ts - sent < rules.min_gap_ms)
        .map(|_| BotReason::TooSoonAfterSend)
}

/// A click within `burst_ms` of a hit on the recipient's honeypot link: no person sees that
/// link, so whatever opened it is a scanner, and the clicks around it are the same scanner's.
pub fn honeypot_burst(
    rules: &Rules,
    _: &Facts,
    clicks: &[Recorded],
    click: &Recorded,
) -> Option<BotReason> {
    clicks
        .iter()
        .filter(|c| c.honeypot)
        .any(|hit| hit.ts.abs_diff(click.ts) <= rules.burst_ms)
        .then_some(BotReason::ScannerBurst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RULES: Rules = Rules {
        min_gap_ms: 5_000,
        burst_ms: 60_000,
    };

    fn click(id: &str, ts: UnixMs, reason: Option<BotReason>) -> Recorded {
        Recorded {
            id: id.into(),
            ts,
            flagged: reason.is_some(),
            honeypot: reason == Some(BotReason::Honeypot),
        }
    }

    fn reasons(flags: &[Flag]) -> Vec<(&str, BotReason)> {
        flags.iter().map(|f| (f.id.as_str(), f.reason)).collect()
    }

    #[test]
    fn the_ledger_arriving_late_flags_what_came_too_soon_or_before() {
        let clicks = [
            click("early", 90_000, None),
            click("scan", 101_000, None),
            click("person", 400_000, None),
            click("head", 100_500, Some(BotReason::Head)),
        ];
        // Before the ledger row: nothing to say.
        assert!(judge(&RULES, &Facts::default(), &clicks).is_empty());
        let flags = judge(
            &RULES,
            &Facts {
                sent_at: Some(100_000),
            },
            &clicks,
        );
        assert_eq!(
            reasons(&flags),
            vec![
                ("early", BotReason::BeforeSend),
                ("scan", BotReason::TooSoonAfterSend)
            ]
        );
    }

    #[test]
    fn a_honeypot_hit_flags_the_burst_around_it_and_nothing_else() {
        let clicks = [
            click("before", 1_000_000 - 60_000, None),
            click("pot", 1_000_000, Some(BotReason::Honeypot)),
            click("after", 1_000_000 + 30_000, None),
            click("later", 1_000_000 + 60_001, None),
            click("much-earlier", 10_000, None),
        ];
        let flags = judge(&RULES, &Facts::default(), &clicks);
        assert_eq!(
            reasons(&flags),
            vec![
                ("before", BotReason::ScannerBurst),
                ("after", BotReason::ScannerBurst)
            ]
        );
    }

    fn clicks() -> impl Strategy<Value = Vec<Recorded>> {
        proptest::collection::vec(
            (
                0u64..400_000,
                prop_oneof![
                    4 => Just(None),
                    1 => Just(Some(BotReason::Honeypot)),
                    1 => Just(Some(BotReason::Head)),
                ],
            ),
            0..12,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (ts, r))| click(&format!("e{i}"), ts, r))
                .collect()
        })
    }

    fn apply(clicks: &mut [Recorded], flags: &[Flag]) {
        for f in flags {
            if let Some(c) = clicks.iter_mut().find(|c| c.id == f.id) {
                assert!(!c.flagged, "a flag is only added to unflagged clicks");
                c.flagged = true;
            }
        }
    }

    proptest! {
        /// Judging is idempotent and doesn't depend on the order the clicks are read in.
        #[test]
        fn idempotent_and_order_free(mut log in clicks(), sent in proptest::option::of(0u64..400_000), seed in any::<u64>()) {
            let facts = Facts { sent_at: sent };
            let flags = judge(&RULES, &facts, &log);
            let mut shuffled = log.clone();
            let n = shuffled.len().max(1);
            shuffled.rotate_left((seed as usize) % n);
            shuffled.reverse();
            let mut a: Vec<(String, BotReason)> = flags.iter().map(|f| (f.id.clone(), f.reason)).collect();
            let mut b: Vec<(String, BotReason)> = judge(&RULES, &facts, &shuffled).into_iter().map(|f| (f.id, f.reason)).collect();
            a.sort_by(|x, y| x.0.cmp(&y.0));
            b.sort_by(|x, y| x.0.cmp(&y.0));
            prop_assert_eq!(a, b);
            apply(&mut log, &flags);
            prop_assert!(judge(&RULES, &facts, &log).is_empty());
        }

        /// Learning the send time late flags the same clicks as knowing it from the start
        /// (the reason may differ when two signals apply: the first to be known names it).
        #[test]
        fn late_facts_end_where_early_facts_do(log in clicks(), sent in 0u64..400_000) {
            let facts = Facts { sent_at: Some(sent) };
            let mut early = log.clone();
            let f = judge(&RULES, &facts, &early);
            apply(&mut early, &f);
            let mut late = log;
            let f = judge(&RULES, &Facts::default(), &late);
            apply(&mut late, &f);
            let f = judge(&RULES, &facts, &late);
            apply(&mut late, &f);
            let flagged = |v: &[Recorded]| v.iter().map(|c| (c.id.clone(), c.flagged)).collect::<Vec<_>>();
            prop_assert_eq!(flagged(&early), flagged(&late));
        }
    }
}
