//! Re-judging a recipient's clicks: which of them a person made, decided again whenever
//! something new is known about that recipient — the ledger row with its send time arrives
//! (often after the clicks, when a list is minted, sent, and uploaded later), or a new signal
//! does (a hit on the recipient's honeypot link).
//!
//! # Interface
//!
//! [`judge`] is pure: it takes the [`Rules`], what is known about one recipient of one link
//! ([`Facts`]: the send time, and the clicks of other recipients of the link from the same
//! networks around the same times) and every click the log holds for that recipient
//! ([`Recorded`], in any order),
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
//! Signals count clicks whatever their flags (a burst stays a burst once flagged), so a flag
//! never makes another appear or disappear: that is what keeps judging idempotent.
//!
//! To add a signal (one recipient clicking several links of one message, say): write a
//! function of the same shape as [`before_send`] or [`network_burst`], add it to [`SIGNALS`]
//! (earlier entries win the reason when two apply), and extend [`Facts`] / [`Recorded`] with
//! what it needs.

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
    /// How close clicks from one network must be to count as one burst (`NETWORK_BURST_SECS`).
    pub net_burst_ms: u64,
    /// How many recipients' links one network must open within `net_burst_ms` of a click for
    /// that click to be a scanner's (`NETWORK_BURST_RECIPIENTS`; 0 turns the signal off).
    pub net_burst_recipients: usize,
}

impl Rules {
    /// The production defaults: 5 s, 60 s, and 5 recipients within 10 s.
    pub const DEFAULT: Rules = Rules {
        min_gap_ms: 5_000,
        burst_ms: 60_000,
        net_burst_ms: 10_000,
        net_burst_recipients: 5,
    };
}

/// What is known about the recipient besides the clicks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts<'a> {
    /// The ledger's send time, once the ledger row exists.
    pub sent_at: Option<UnixMs>,
    /// Clicks of *other* recipients of the same link from the networks this recipient's
    /// clicks came from, at least those within `net_burst_ms` of them (more do no harm).
    pub crowd: &'a [Neighbour],
}

/// A click of another recipient of the same link (see [`Facts::crowd`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub recipient: u64,
    pub ts: UnixMs,
    /// The network it came from (the /24 or /48 the log keeps).
    pub network: String,
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
    /// The network it came from (the /24 or /48 the log keeps), if known.
    pub network: Option<String>,
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
pub const SIGNALS: &[Signal] = &[
    before_send,
    too_soon_after_send,
    honeypot_burst,
    network_burst,
];

/// The flags to add to a recipient's clicks. See the module documentation for the contract.
///
/// ```
/// use wakelink::domain::judge::{judge, Facts, Recorded, Rules};
/// use wakelink::domain::visitor::BotReason;
/// let rules = Rules::DEFAULT;
/// let clicks = [Recorded { id: "a".into(), ts: 10_000, flagged: false, honeypot: false, network: None }];
/// // The ledger arrives later: the send was at 8 s, so the click 2 s after it was a scanner.
/// let flags = judge(&rules, &Facts { sent_at: Some(8_000), crowd: &[] }, &clicks);
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

/// A click from a network that opened the links of at least `net_burst_recipients`
/// recipients (this one included) of the same link within `net_burst_ms` of it, either side:
/// one client fanning out over many people's links in seconds is a mail gateway or scanner,
/// not people. A person behind a shared address (a carrier's NAT, an office) clicks on their
/// own time; several strangers on one link in the same seconds from one network are the
/// exception the thresholds are set against.
pub fn network_burst(
    rules: &Rules,
    facts: &Facts,
    _: &[Recorded],
    click: &Recorded,
) -> Option<BotReason> {
    let network = click.network.as_deref()?;
    if rules.net_burst_recipients == 0 {
        return None;
    }
    let mut others: Vec<u64> = facts
        .crowd
        .iter()
        .filter(|o| o.network == network && o.ts.abs_diff(click.ts) <= rules.net_burst_ms)
        .map(|o| o.recipient)
        .collect();
    others.sort_unstable();
    others.dedup();
    (others.len() + 1 >= rules.net_burst_recipients).then_some(BotReason::NetworkBurst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RULES: Rules = Rules::DEFAULT;

    fn click(id: &str, ts: UnixMs, reason: Option<BotReason>) -> Recorded {
        Recorded {
            id: id.into(),
            ts,
            flagged: reason.is_some(),
            honeypot: reason == Some(BotReason::Honeypot),
            network: None,
        }
    }

    fn from(network: &str, mut c: Recorded) -> Recorded {
        c.network = Some(network.into());
        c
    }

    fn other(recipient: u64, ts: UnixMs, network: &str) -> Neighbour {
        Neighbour {
            recipient,
            ts,
            network: network.into(),
        }
    }

    #[test]
    fn a_network_opening_many_recipients_links_in_seconds_is_a_scanner() {
        const GW: &str = "198.51.100.0/24";
        const CARRIER: &str = "203.0.113.0/24";
        let t = 10_000_000;
        // Four other recipients from the gateway's network within 10 s of t, one of them twice,
        // and one from elsewhere; one more gateway click 11 s away.
        let crowd = [
            other(2, t - 9_000, GW),
            other(3, t - 1_000, GW),
            other(4, t + 2_000, GW),
            other(4, t + 3_000, GW),
            other(5, t + 10_000, GW),
            other(6, t, CARRIER),
            other(7, t + 21_000, GW),
        ];
        let facts = Facts {
            sent_at: Some(t - 3_600_000),
            crowd: &crowd,
        };
        let clicks = [
            from(GW, click("scan", t, None)),
            from(CARRIER, click("carrier", t, None)),
            from(GW, click("person-later", t + 300_000, None)),
            click("no-network", t, None),
            from(GW, click("flagged-already", t, Some(BotReason::Head))),
        ];
        assert_eq!(
            reasons(&judge(&RULES, &facts, &clicks)),
            vec![("scan", BotReason::NetworkBurst)]
        );
        // Without recipient 5 (the click exactly 10 s away): four recipients, not a burst.
        let fewer: Vec<Neighbour> = crowd.iter().filter(|o| o.recipient != 5).cloned().collect();
        let fewer_facts = Facts {
            crowd: &fewer,
            ..facts
        };
        assert!(judge(&RULES, &fewer_facts, &clicks).is_empty());
        // …unless the window reaches recipient 7, 21 s away.
        let wider = Rules {
            net_burst_ms: 21_000,
            ..RULES
        };
        assert_eq!(
            reasons(&judge(&wider, &fewer_facts, &clicks)),
            vec![("scan", BotReason::NetworkBurst)]
        );
        // Turned off.
        let off = Rules {
            net_burst_recipients: 0,
            ..RULES
        };
        assert!(judge(&off, &facts, &clicks).is_empty());
        // The carrier's click and recipient 6's make two recipients: a burst only at a
        // threshold of two.
        let two = Rules {
            net_burst_recipients: 2,
            ..RULES
        };
        assert_eq!(
            reasons(&judge(&two, &facts, &clicks)),
            vec![
                ("scan", BotReason::NetworkBurst),
                ("carrier", BotReason::NetworkBurst)
            ]
        );
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
                crowd: &[],
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

    const NETS: [&str; 2] = ["198.51.100.0/24", "2001:db8::/48"];

    fn clicks() -> impl Strategy<Value = Vec<Recorded>> {
        proptest::collection::vec(
            (
                0u64..400_000,
                prop_oneof![
                    4 => Just(None),
                    1 => Just(Some(BotReason::Honeypot)),
                    1 => Just(Some(BotReason::Head)),
                ],
                proptest::option::of(0usize..2),
            ),
            0..12,
        )
        .prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (ts, r, net))| {
                    let mut c = click(&format!("e{i}"), ts, r);
                    c.network = net.map(|n| NETS[n].to_owned());
                    c
                })
                .collect()
        })
    }

    fn crowd() -> impl Strategy<Value = Vec<Neighbour>> {
        proptest::collection::vec((2u64..8, 0u64..400_000, 0usize..2), 0..16).prop_map(|v| {
            v.into_iter()
                .map(|(r, ts, n)| other(r, ts, NETS[n]))
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
        fn idempotent_and_order_free(mut log in clicks(), crowd in crowd(), sent in proptest::option::of(0u64..400_000), seed in any::<u64>()) {
            let rules = Rules { net_burst_recipients: 3, net_burst_ms: 50_000, ..RULES };
            let mut reversed = crowd.clone();
            reversed.reverse();
            let facts = Facts { sent_at: sent, crowd: &crowd };
            prop_assert_eq!(judge(&rules, &facts, &log), judge(&rules, &Facts { crowd: &reversed, ..facts }, &log));
            let flags = judge(&rules, &facts, &log);
            let mut shuffled = log.clone();
            let n = shuffled.len().max(1);
            shuffled.rotate_left((seed as usize) % n);
            shuffled.reverse();
            let mut a: Vec<(String, BotReason)> = flags.iter().map(|f| (f.id.clone(), f.reason)).collect();
            let mut b: Vec<(String, BotReason)> = judge(&rules, &facts, &shuffled).into_iter().map(|f| (f.id, f.reason)).collect();
            a.sort_by(|x, y| x.0.cmp(&y.0));
            b.sort_by(|x, y| x.0.cmp(&y.0));
            prop_assert_eq!(a, b);
            apply(&mut log, &flags);
            prop_assert!(judge(&rules, &facts, &log).is_empty());
        }

        /// Other recipients' clicks arriving later only ever add flags, and judging in two
        /// steps (part of the crowd, then all of it) ends where judging once with all of it
        /// does.
        #[test]
        fn a_growing_crowd_only_adds_flags(log in clicks(), crowd in crowd(), cut in 0usize..16) {
            let rules = Rules { net_burst_recipients: 3, net_burst_ms: 50_000, ..RULES };
            let part = &crowd[..cut.min(crowd.len())];
            let mut stepwise = log.clone();
            let f = judge(&rules, &Facts { sent_at: None, crowd: part }, &stepwise);
            apply(&mut stepwise, &f);
            let f = judge(&rules, &Facts { sent_at: None, crowd: &crowd }, &stepwise);
            apply(&mut stepwise, &f);
            let mut at_once = log;
            let f = judge(&rules, &Facts { sent_at: None, crowd: &crowd }, &at_once);
            apply(&mut at_once, &f);
            let flagged = |v: &[Recorded]| v.iter().map(|c| (c.id.clone(), c.flagged)).collect::<Vec<_>>();
            prop_assert_eq!(flagged(&stepwise), flagged(&at_once));
        }

        /// Learning the send time late flags the same clicks as knowing it from the start
        /// (the reason may differ when two signals apply: the first to be known names it).
        #[test]
        fn late_facts_end_where_early_facts_do(log in clicks(), sent in 0u64..400_000) {
            let facts = Facts { sent_at: Some(sent), crowd: &[] };
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
