//! Tests of `report`: a simulated campaign whose every figure is recounted here from the
//! simulation itself (never from the rollup), hand-computed money, the comparison sentence,
//! timing, retention and the follow-up rule.

use super::*;
use crate::domain::campaign::Currency;
use crate::domain::rollup::tests::{arb_fact, consistent, run};
use crate::domain::rollup::tests::{at, campaign, event, group, ru};
use crate::domain::rollup::{Event, Fact, Send, Store};
use proptest::prelude::*;

/// A deterministic pseudo-random stream (xorshift).
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

/// What the simulation did to one recipient.
#[derive(Default, Clone)]
struct Truth {
    variant: &'static str,
    segment: &'static str,
    clicks: u64,
    bot_clicks: u64,
    reached: Vec<&'static str>,
    loan_value: i64,
}

/// Two variants (links a, b: SMS at 5 fen), two segments, 300 recipients; clicks (some by
/// bots, some repeated, delivered twice and shuffled), steps and loans with values.
fn simulate() -> (Store, Vec<Truth>) {
    let c = campaign();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut facts = Vec::new();
    let mut truth = Vec::new();
    for seq in 0..300u64 {
        let (link, variant) = if seq % 2 == 0 { ("a", "A") } else { ("b", "B") };
        let segment = if seq % 3 == 0 { "6m" } else { "3m" };
        let mut t = Truth {
            variant,
            segment,
            ..Truth::default()
        };
        let sent = at("2026-03-02T03:00:00Z") + seq * 1000;
        facts.push(Fact::Send(Send {
            recipient: crate::domain::rollup::Recipient {
                link: link.into(),
                seq,
            },
            group: group(variant, segment, Channel::Sms),
            sent_at: Some(sent),
            cost_minor: Some(5),
        }));
        let ev = |id: String, step: &str, dt: u64| -> Event {
            let mut e = event(&id, link, Some(seq), step, "2026-03-02T03:00:00Z");
            e.at = sent + dt;
            e
        };
        if rng.chance(15) {
            let mut b = ev(format!("bot{seq}"), CLICKED, 2000);
            b.bot = true;
            facts.push(Fact::Event(b));
            t.bot_clicks += 1;
        }
        let click_pct = if variant == "A" { 30 } else { 45 };
        if rng.chance(click_pct) {
            let n = 1 + rng.next() % 3;
            for k in 0..n {
                facts.push(Fact::Event(ev(
                    format!("k{seq}.{k}"),
                    CLICKED,
                    600_000 * (k + 1),
                )));
            }
            t.clicks = n;
            t.reached.push(CLICKED);
            for (step, pct) in [
                ("landing_view", 90),
                (LOGIN, 70),
                ("credit_apply", 60),
                ("credit_granted", 70),
                ("loan", 60),
            ] {
                if !rng.chance(pct) {
                    break;
                }
                let mut e = ev(format!("c:{seq}.{step}"), step, 3_600_000);
                if step == "loan" {
                    let v = 100_000 + (rng.next() % 50) as i64 * 1000;
                    e.value = Some((v, Currency::parse("CNY").unwrap()));
                    t.loan_value = v;
                }
                facts.push(Fact::Event(e));
                t.reached.push(step);
            }
        }
        truth.push(t);
    }
    // Every event delivered twice, in a scrambled order.
    let mut all: Vec<Fact> = facts.iter().chain(facts.iter()).cloned().collect();
    for i in (1..all.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        all.swap(i, j);
    }
    let mut store = Store::default();
    for f in &all {
        store.ingest(&ru(&c), f).unwrap();
    }
    (store, truth)
}

#[test]
fn funnel_matches_an_independent_count() {
    let c = campaign();
    let (store, truth) = simulate();
    let rows = store.rows();
    let by = parse_by("variant,segment").unwrap();
    let groups = funnel(&c, &rows, &by);
    assert_eq!(groups.len(), 4);
    for g in &groups {
        let mine: Vec<&Truth> = truth
            .iter()
            .filter(|t| Some(t.variant) == g.key.variant.as_deref())
            .filter(|t| Some(t.segment) == g.key.segment.as_deref())
            .collect();
        let sends = mine.len() as u64;
        assert_eq!(g.sends, sends);
        assert_eq!(g.human_clicks, mine.iter().map(|t| t.clicks).sum::<u64>());
        assert_eq!(g.bot_clicks, mine.iter().map(|t| t.bot_clicks).sum::<u64>());
        let reached = |s: &str| mine.iter().filter(|t| t.reached.contains(&s)).count() as u64;
        assert_eq!(g.unique_clickers, reached(CLICKED));
        let mut previous = None;
        for line in &g.steps {
            let want = if line.step == SENT {
                sends
            } else {
                reached(&line.step)
            };
            assert_eq!(line.unique, want, "{:?} {}", g.key, line.step);
            assert_eq!(line.from_sends, Rate::of(want, sends));
            assert_eq!(line.from_previous, previous.map(|p| Rate::of(want, p)));
            previous = Some(want);
        }
        let value: i64 = mine.iter().map(|t| t.loan_value).sum();
        let m = &g.money;
        assert_eq!(m.cost_minor, 5 * sends as i64);
        assert_eq!(m.value_minor, value);
        assert_eq!(m.unpriced_sends, 0);
        let round = |n: i64, d: u64| ((n as f64) / (d as f64)).round() as i64;
        assert_eq!(
            m.cost_per_click,
            Some(round(5 * sends as i64, g.human_clicks))
        );
        assert_eq!(
            m.cost_per_loan,
            Some(round(5 * sends as i64, reached("loan")))
        );
        assert_eq!(m.value_per_login, Some(round(value, reached(LOGIN))));
        assert_eq!(m.io_ratio_bp, Some(round(value * 10_000, 5 * sends)));
    }
    // The total is the sum of the groups.
    let total = funnel(&c, &rows, &[]);
    assert_eq!(total.len(), 1);
    assert_eq!(total[0].sends, 300);
    assert_eq!(total[0].key, GroupKey::default());
    assert_eq!(
        total[0].human_clicks,
        groups.iter().map(|g| g.human_clicks).sum::<u64>()
    );
}

#[test]
fn money_is_exact() {
    let c = campaign();
    let g = group("A", "", Channel::Sms);
    let row = |step: &str, counts: Counts| {
        (
            Key::Funnel {
                group: g.clone(),
                step: step.into(),
            },
            counts,
        )
    };
    let rows = vec![
        row(
            SENT,
            Counts {
                uniq: 3,
                raw: 3,
                cost_minor: 15,
                ..Counts::default()
            },
        ),
        row(
            CLICKED,
            Counts {
                uniq: 2,
                raw: 4,
                bot: 9,
                ..Counts::default()
            },
        ),
        row(
            LOGIN,
            Counts {
                uniq: 2,
                raw: 2,
                ..Counts::default()
            },
        ),
        row(
            "loan",
            Counts {
                uniq: 1,
                raw: 1,
                value_minor: 1_000_001,
                ..Counts::default()
            },
        ),
    ];
    let f = &funnel(&c, &rows, &[])[0];
    let m = &f.money;
    // 15 / 4 = 3.75 -> 4; 15 / 2 = 7.5 -> 8 (half away from zero); 15 / 1.
    assert_eq!(
        (m.cost_per_click, m.cost_per_login, m.cost_per_loan),
        (Some(4), Some(8), Some(15))
    );
    // 1,000,001 / 3 = 333,333.67 -> 333,334; / 4 = 250,000.25; / 2 = 500,000.5 -> 500,001.
    assert_eq!(m.value_per_send, Some(333_334));
    assert_eq!(m.value_per_click, Some(250_000));
    assert_eq!(m.value_per_login, Some(500_001));
    // 1,000,001 / 15 = 66,666.7333: 666,667,333 basis points.
    assert_eq!(m.io_ratio_bp, Some(666_667_333));
    assert_eq!(f.steps[2].from_previous.unwrap().den, 2);
    assert_eq!(f.steps[2].unique, 0, "landing_view had no rows");
    // An unpriced send: no ratio is made up.
    let mut rows = rows;
    rows[0].1.unpriced = 1;
    let m = funnel(&c, &rows, &[])[0].money.clone();
    assert_eq!(
        (m.cost_per_click, m.io_ratio_bp, m.unpriced_sends),
        (None, None, 1)
    );
    assert_eq!(m.value_per_send, Some(333_334));
    assert_eq!(div_round(-7, 2), Some(-4));
    assert_eq!(div_round(7, -2), Some(-4));
    assert_eq!(div_round(1, 0), None);
}

fn arms(a: (i64, i64), b: (i64, i64), step: &str) -> Vec<(Key, Counts)> {
    let mut rows = Vec::new();
    for (variant, (n, x)) in [("A", a), ("B", b)] {
        for (segment, share) in [("3m", n / 2), ("6m", n - n / 2)] {
            let xs = if segment == "3m" { x / 2 } else { x - x / 2 };
            let g = group(variant, segment, Channel::Sms);
            rows.push((
                Key::Funnel {
                    group: g.clone(),
                    step: SENT.into(),
                },
                Counts {
                    uniq: share,
                    ..Counts::default()
                },
            ));
            rows.push((
                Key::Funnel {
                    group: g,
                    step: step.into(),
                },
                Counts {
                    uniq: xs,
                    ..Counts::default()
                },
            ));
        }
    }
    rows
}

#[test]
fn comparison_in_plain_words() {
    let c = campaign();
    // A: 200 of 2000 recalled (10 %), B: 242 of 2000 (12.1 %).
    let rows = arms((2000, 200), (2000, 242), LOGIN);
    let cmp = compare(&c, &rows, Dim::Variant, "A", "B", LOGIN, Some(0.02)).unwrap();
    assert_eq!(
        cmp.sentence,
        "B's recall rate is 2.1 points higher than A's, p = 0.03"
    );
    assert!((cmp.difference - 0.021).abs() < 1e-12);
    let t = z_test(200, 2000, 242, 2000).unwrap();
    assert_eq!((cmp.z, cmp.p_value), (t.z, t.p_value));
    assert_eq!(cmp.interval, diff_interval(200, 2000, 242, 2000).unwrap());
    // 10 % -> 12 %: Fleiss gives 3,841 per arm; each arm has 2,000.
    assert_eq!(cmp.sample_size_per_arm, sample_size_per_arm(0.10, 0.02));
    let need = cmp.sample_size_per_arm.unwrap();
    assert_eq!(cmp.still_needed, Some((need - 2000, need - 2000)));
    let back = compare(&c, &rows, Dim::Variant, "B", "A", LOGIN, None).unwrap();
    assert_eq!(
        back.sentence,
        "A's recall rate is 2.1 points lower than B's, p = 0.03"
    );
    let rows = arms((1000, 100), (1000, 100), CLICKED);
    let same = compare(&c, &rows, Dim::Variant, "A", "B", CLICKED, None).unwrap();
    assert_eq!(
        same.sentence,
        "B's click-through rate is the same as A's, p = 1.00"
    );
    let rows = arms((20_000, 1000), (20_000, 1400), "loan");
    let big = compare(&c, &rows, Dim::Variant, "A", "B", "loan", None).unwrap();
    assert_eq!(
        big.sentence,
        "B's loan conversion is 2.0 points higher than A's, p < 0.001"
    );
    // Segments compare the same way.
    let seg = compare(&c, &rows, Dim::Segment, "3m", "6m", "loan", None).unwrap();
    assert_eq!((seg.a.rate.den, seg.b.rate.den), (20_000, 20_000));
    for (dim, a, b, step, field) in [
        (Dim::Variant, "A", "C", "loan", "b"),
        (Dim::Variant, "A", "A", "loan", "b"),
        (Dim::Variant, "A", "B", "sent", "step"),
        (Dim::Variant, "A", "B", "x:nope", "step"),
        (Dim::Channel, "sms", "fax", "loan", "b"),
    ] {
        let e = compare(&c, &rows, dim, a, b, step, None).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{a} {b} {step}");
    }
    assert_eq!(
        compare(&c, &rows, Dim::Variant, "A", "B", "loan", Some(1.5))
            .unwrap_err()
            .field
            .as_deref(),
        Some("effect")
    );
}

#[test]
fn channels_compare_and_rank_by_return() {
    let c = campaign();
    let mut store = Store::default();
    // One recipient by SMS (5 fen) and one by e-mail (1 fen), each taking a loan.
    for (link, seq, value) in [("a", 1, 300), ("a-mail", 2, 200)] {
        let l = c.link(link).unwrap();
        store
            .ingest(
                &ru(&c),
                &Fact::Send(Send {
                    recipient: crate::domain::rollup::Recipient {
                        link: link.into(),
                        seq,
                    },
                    group: group("A", "", l.channel),
                    sent_at: Some(at("2026-03-02T03:00:00Z")),
                    cost_minor: c.cost_per_send(l.channel),
                }),
            )
            .unwrap();
        let mut e = event(
            &format!("c:{seq}"),
            link,
            Some(seq),
            "loan",
            "2026-03-02T05:00:00Z",
        );
        e.value = Some((value, Currency::parse("CNY").unwrap()));
        store.ingest(&ru(&c), &Fact::Event(e)).unwrap();
    }
    let by = funnel(&c, &store.rows(), &[Dim::Channel]);
    let ratio: Vec<(Option<Channel>, Option<i64>)> = by
        .iter()
        .map(|g| (g.key.channel, g.money.io_ratio_bp))
        .collect();
    assert_eq!(
        ratio,
        [
            (Some(Channel::Sms), Some(600_000)),
            (Some(Channel::Email), Some(2_000_000))
        ]
    );
    let cmp = compare(
        &c,
        &store.rows(),
        Dim::Channel,
        "sms",
        "email",
        "loan",
        None,
    )
    .unwrap();
    assert_eq!(cmp.difference, 0.0);
}

#[test]
fn timing_and_retention_tables() {
    let c = campaign();
    let (store, truth) = simulate();
    let rows = store.rows();
    let tables = timing(&c, &rows, Axis::SendHour, &[]);
    assert_eq!(tables.len(), 1);
    let by_send = &tables[0].rows;
    assert_eq!(by_send.len(), 24);
    // Every send was at 11:00-11:05 Shanghai time.
    let eleven = &by_send[11];
    assert_eq!(eleven.bucket, "11");
    assert_eq!(eleven.steps[0], (SENT.to_owned(), 300));
    let clickers = truth
        .iter()
        .filter(|t| t.reached.contains(&CLICKED))
        .count() as u64;
    assert_eq!(eleven.steps[1], (CLICKED.to_owned(), clickers));
    assert_eq!(eleven.click_through, Some(Rate::of(clickers, 300)));
    assert!(by_send
        .iter()
        .filter(|r| r.bucket != "11")
        .all(|r| r.steps.iter().all(|s| s.1 == 0)));
    // First clicks came 10 minutes after the send: the 10m-1h bucket, clicked at 11 h.
    let delay = &timing(&c, &rows, Axis::Delay, &[])[0].rows;
    assert_eq!(delay.len(), 9);
    assert_eq!(delay[1].bucket, "10m-1h");
    assert_eq!(delay[1].steps[0], (CLICKED.to_owned(), clickers));
    let logins = truth.iter().filter(|t| t.reached.contains(&LOGIN)).count() as u64;
    assert_eq!(delay[1].steps[2], (LOGIN.to_owned(), logins));
    let by_click = &timing(&c, &rows, Axis::ClickHour, &[])[0].rows;
    assert_eq!(by_click[11].steps[0].1, clickers);
    assert!(by_click
        .iter()
        .all(|r| r.click_through.is_none() && r.steps[0].0 == CLICKED));
    // Per variant, the tables add up to the campaign's.
    let per_variant = timing(&c, &rows, Axis::SendHour, &[Dim::Variant]);
    assert_eq!(per_variant.len(), 2);
    let a_clickers = truth
        .iter()
        .filter(|t| t.variant == "A" && t.reached.contains(&CLICKED))
        .count() as u64;
    assert_eq!(per_variant[0].key.variant.as_deref(), Some("A"));
    assert_eq!(per_variant[0].rows[11].steps[1].1, a_clickers);
    assert_eq!(
        per_variant[0].rows[11].steps[1].1 + per_variant[1].rows[11].steps[1].1,
        clickers
    );
    // Retention: everyone recalled, nobody came back (the simulation logs in once).
    let r = retention(&rows, &[Dim::Variant]);
    assert_eq!(r.iter().map(|x| x.recalled).sum::<u64>(), logins);
    assert!(r
        .iter()
        .all(|x| x.days_1_7.num == 0 && x.days_1_7.den == x.recalled));
}

#[test]
fn follow_up_rule() {
    let now = at("2026-03-10T00:00:00Z");
    let after = parse_after("3d").unwrap();
    assert_eq!(after, 3 * 86_400_000);
    let sent = |s: &str| Some(at(s));
    assert!(needs_follow_up(
        sent("2026-03-07T00:00:00Z"),
        false,
        now,
        after
    ));
    assert!(!needs_follow_up(
        sent("2026-03-07T00:00:01Z"),
        false,
        now,
        after
    ));
    assert!(!needs_follow_up(
        sent("2026-03-01T00:00:00Z"),
        true,
        now,
        after
    ));
    assert!(!needs_follow_up(None, false, now, after));
    assert_eq!(parse_after("72h").unwrap(), after);
    assert_eq!(parse_after("90m").unwrap(), 90 * 60_000);
    for bad in [
        "", "3", "d", "3D", "-3d", "3.5d", "0h", "91d", "1w", "9999999d",
    ] {
        assert_eq!(
            parse_after(bad).unwrap_err().field.as_deref(),
            Some("after"),
            "{bad}"
        );
    }
    let r = crate::domain::rollup::Recipient {
        link: "spring-a".into(),
        seq: 42,
    };
    assert_eq!(parse_follow_up_cursor(&follow_up_cursor(&r)).unwrap(), r);
    for bad in ["", "x", "a.b", "a/b.1", ".1"] {
        assert!(parse_follow_up_cursor(bad).is_err(), "{bad}");
    }
}

#[test]
fn by_and_rates() {
    assert_eq!(
        parse_by("variant,segment").unwrap(),
        [Dim::Variant, Dim::Segment]
    );
    assert_eq!(parse_by("").unwrap(), []);
    assert_eq!(parse_by(" channel ").unwrap(), [Dim::Channel]);
    for bad in ["colour", "variant,variant", "Variant"] {
        assert_eq!(parse_by(bad).unwrap_err().field.as_deref(), Some("by"));
    }
    let r = Rate::of(0, 0);
    assert_eq!((r.rate, r.lo, r.hi), (None, None, None));
    // More logins than landing views (the app reports logins no page saw): said as it is.
    let r = Rate::of(3, 2);
    assert_eq!((r.rate, r.lo, r.hi), (Some(1.5), None, None));
    let r = Rate::of(1, 4);
    assert_eq!(r.rate, Some(0.25));
    assert!(r.lo.unwrap() < 0.25 && r.hi.unwrap() > 0.25);
    assert_eq!(format_p(0.0299), "p = 0.03");
    assert_eq!(format_p(0.004), "p = 0.004");
    assert_eq!(format_p(0.0004), "p < 0.001");
    assert_eq!(rate_name("x:coupon_used"), "x:coupon_used rate");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Cut any way, the groups add up to the campaign; a step's unique recipients never
    /// outnumber its human occurrences; everyone recalled is in the retention table.
    #[test]
    fn groups_add_up(facts in prop::collection::vec(arb_fact(), 1..60)) {
        let c = campaign();
        let rows = run(&consistent(facts)).rows();
        let total = funnel(&c, &rows, &[]);
        for by in [vec![Dim::Variant], vec![Dim::Segment, Dim::Channel], vec![Dim::Variant, Dim::Segment, Dim::Channel]] {
            let groups = funnel(&c, &rows, &by);
            let sum = |f: &dyn Fn(&FunnelGroup) -> u64| groups.iter().map(f).sum::<u64>();
            let t = total.first();
            prop_assert_eq!(sum(&|g| g.sends), t.map_or(0, |t| t.sends));
            prop_assert_eq!(sum(&|g| g.human_clicks), t.map_or(0, |t| t.human_clicks));
            prop_assert_eq!(sum(&|g| g.bot_clicks), t.map_or(0, |t| t.bot_clicks));
            prop_assert_eq!(sum(&|g| g.money.cost_minor as u64), t.map_or(0, |t| t.money.cost_minor as u64));
            for g in &groups {
                for line in g.steps.iter().filter(|l| l.step != SENT) {
                    prop_assert!(line.unique <= line.human, "{:?} {:?}", g.key, line);
                }
            }
        }
        let r: u64 = retention(&rows, &[Dim::Variant]).iter().map(|x| x.recalled).sum();
        let logins: u64 = total.first().map_or(0, |t| t.steps[3].unique);
        prop_assert_eq!(r, logins);
    }
}
