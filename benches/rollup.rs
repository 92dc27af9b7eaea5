//! Campaign rollup figures on one thread, native, with a baseline measured in the same run.
//!
//! Run with `cargo bench --bench rollup`. A simulated campaign (50,000 recipients over two
//! variants, two segments and two channels; sends, clicks with bots and repeats, page steps,
//! conversions with values, repeat logins) is delivered with 10 % redeliveries in a shuffled
//! order. The baseline does what any counting consumer must: drop redeliveries by event id and
//! add one to a counter per event. The rollup does that plus the per-recipient state, click
//! re-judging, hour and delay buckets and retention. Best of three passes each. Also printed:
//! the mean size of a recipient's stored state (JSON), for sizing a campaign's store.
//!
//! These are native figures for the pure part; the worker's own (wasm in workerd, with
//! SQLite) are what the campaign benchmark measures.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use wakelink::domain::campaign::{Campaign, CampaignInput, Currency};
use wakelink::domain::judge::Rules;
use wakelink::domain::rollup::{Event, Fact, Group, Recipient, Rollup, Send, Store, CLICKED};

const RECIPIENTS: u64 = 50_000;
const PASSES: usize = 3;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn campaign() -> Campaign {
    let body = r#"{"name":"Bench","currency":"CNY",
      "links":[{"code":"a","variant":"A"},{"code":"b","variant":"B"},
               {"code":"a-mail","variant":"A","channel":"email"},{"code":"b-mail","variant":"B","channel":"email"}],
      "cost_per_send":{"sms":5,"email":1}}"#;
    match CampaignInput::from_json(body.as_bytes()).and_then(|i| i.validate("bench")) {
        Ok(c) => c,
        Err(p) => {
            eprintln!("campaign: {}", p.message);
            std::process::exit(1);
        }
    }
}

fn facts(c: &Campaign) -> Vec<Fact> {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let cny = Currency::parse("CNY");
    let t0 = 1_772_420_400_000u64; // 2026-03-02T03:00Z
    let mut out = Vec::new();
    for seq in 0..RECIPIENTS {
        let link = ["a", "b", "a-mail", "b-mail"][(seq % 4) as usize];
        let Some(l) = c.link(link) else { continue };
        let segment = if seq % 3 == 0 { "6m" } else { "3m" };
        let sent = t0 + (rng.next() % (10 * 3_600_000));
        let recipient = Recipient {
            link: link.into(),
            seq,
        };
        out.push(Fact::Send(Send {
            recipient: recipient.clone(),
            group: Group {
                variant: l.variant.clone(),
                segment: segment.into(),
                channel: l.channel,
            },
            sent_at: Some(sent),
            cost_minor: c.cost_per_send(l.channel),
        }));
        let group = Group {
            variant: l.variant.clone(),
            segment: String::new(),
            channel: l.channel,
        };
        let ev = |id: String, step: &str, at: u64, bot: bool| {
            Fact::Event(Event {
                id,
                recipient: Some(recipient.clone()),
                group: group.clone(),
                step: step.into(),
                at,
                bot,
                attributed: true,
                value: None,
                reached: true,
                hint: false,
                honeypot: false,
            })
        };
        if rng.chance(20) {
            out.push(ev(format!("b{seq}"), CLICKED, sent + 1_000, true));
        }
        if rng.chance(35) {
            for k in 0..(1 + rng.next() % 3) {
                let at = sent + 60_000 * (5 + rng.next() % 600) + k;
                out.push(ev(format!("k{seq}.{k}"), CLICKED, at, false));
            }
            let mut at = sent + 3_600_000;
            for step in [
                "landing_view",
                "login",
                "credit_apply",
                "credit_granted",
                "loan",
            ] {
                if !rng.chance(70) {
                    break;
                }
                at += 60_000;
                let mut e = ev(format!("c:{seq}.{step}"), step, at, false);
                if let (Fact::Event(x), "loan", Some(cur)) = (&mut e, step, cny) {
                    x.value = Some((100_000 + (rng.next() % 100) as i64 * 1000, cur));
                }
                out.push(e);
                if step == "login" {
                    for d in 0..(rng.next() % 4) {
                        let later = at + (1 + d * 6) * 86_400_000;
                        out.push(ev(format!("c:{seq}.login.{d}"), "login", later, false));
                    }
                }
            }
        }
    }
    let again: Vec<Fact> = out.iter().filter(|_| rng.chance(10)).cloned().collect();
    out.extend(again);
    for i in (1..out.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

fn best_of(mut run: impl FnMut() -> usize) -> (f64, usize) {
    let mut best = f64::INFINITY;
    let mut n = 0;
    for _ in 0..PASSES {
        let start = Instant::now();
        n = run();
        best = best.min(start.elapsed().as_secs_f64());
    }
    (best, n)
}

fn main() {
    let c = campaign();
    let facts = facts(&c);
    let rollup = Rollup {
        campaign: &c,
        rules: Rules {
            min_gap_ms: 5_000,
            burst_ms: 60_000,
            ..Rules::DEFAULT
        },
    };
    let (base_s, base_rows) = best_of(|| {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut counters: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for f in &facts {
            let (id, link, step) = match f {
                Fact::Send(s) => ("", s.recipient.link.as_str(), "sent"),
                Fact::Event(e) => (
                    e.id.as_str(),
                    e.recipient.as_ref().map_or("", |r| r.link.as_str()),
                    e.step.as_str(),
                ),
            };
            if !id.is_empty() && !seen.insert(id) {
                continue;
            }
            *counters.entry((link, step)).or_default() += 1;
        }
        counters.len()
    });
    let mut last = Store::default();
    let (roll_s, roll_rows) = best_of(|| {
        let mut store = Store::default();
        for f in &facts {
            if let Err(p) = store.ingest(&rollup, f) {
                eprintln!("ingest: {}", p.message);
                std::process::exit(1);
            }
        }
        let n = store.counters.len();
        last = store;
        n
    });
    let bytes: usize = last
        .recipients
        .values()
        .map(|s| serde_json::to_string(s).map_or(0, |j| j.len()))
        .sum();
    let n = facts.len() as f64;
    println!(
        "{} facts ({RECIPIENTS} recipients, 10 % redelivered, shuffled); best of {PASSES}",
        facts.len()
    );
    println!(
        "  baseline: dedupe + one counter   {:>10.0} facts/s  ({base_rows} counters)",
        n / base_s
    );
    println!(
        "  rollup: state + counters         {:>10.0} facts/s  ({roll_rows} counters)",
        n / roll_s
    );
    println!(
        "  recipient state as JSON: {:.0} bytes on average over {} recipients",
        bytes as f64 / last.recipients.len().max(1) as f64,
        last.recipients.len()
    );
}
