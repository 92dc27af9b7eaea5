//! Tests of `dashboard`: the page's numbers are the reports' numbers, the verdict picks the
//! two largest variants and says what the comparison says, money is printed from integers.

use super::*;
use crate::domain::campaign::Channel;
use crate::domain::rollup::tests::{campaign, group};
use crate::domain::rollup::{Group, RETENTION_DAYS};

fn f(g: &Group, step: &str, c: Counts) -> (Key, Counts) {
    (
        Key::Funnel {
            group: g.clone(),
            step: step.into(),
        },
        c,
    )
}

fn uniq(n: i64) -> Counts {
    Counts {
        uniq: n,
        raw: n,
        ..Counts::default()
    }
}

fn sent(n: i64, cost: i64) -> Counts {
    Counts {
        uniq: n,
        raw: n,
        cost_minor: cost,
        ..Counts::default()
    }
}

/// Variants A (1,000 sends), B (1,000), C (10): logins 100, 140, 5; loans with values.
fn rows() -> Vec<(Key, Counts)> {
    let (a, b, c) = (
        group("A", "3m", Channel::Sms),
        group("B", "3m", Channel::Sms),
        group("C", "6m", Channel::Email),
    );
    let loan = |n, v| Counts {
        uniq: n,
        raw: n,
        value_minor: v,
        ..Counts::default()
    };
    vec![
        f(&a, SENT, sent(1000, 5000)),
        f(&a, CLICKED, uniq(300)),
        f(&a, LOGIN, uniq(100)),
        f(&a, "loan", loan(10, 1_000_000)),
        f(&b, SENT, sent(1000, 5000)),
        f(&b, CLICKED, uniq(400)),
        f(&b, LOGIN, uniq(140)),
        f(&b, "loan", loan(20, 2_500_050)),
        f(&c, SENT, sent(10, 10)),
        f(&c, CLICKED, uniq(6)),
        f(&c, LOGIN, uniq(5)),
    ]
}

#[test]
fn the_page_prints_the_funnel_report() {
    let c = campaign();
    let rows = rows();
    let v = campaign_view(&c, &rows, &[], &[], Dim::Variant);
    let api = funnel(&c, &rows, &[Dim::Variant]);
    assert_eq!(v.funnel.len(), 3);
    for (row, g) in v.funnel.iter().zip(&api) {
        assert_eq!(row.sends, g.sends);
        for (cell, line) in row.cells.iter().zip(&g.steps) {
            assert_eq!(cell.step, line.step);
            assert_eq!(cell.unique, line.unique);
            assert_eq!(cell.sends, g.sends);
        }
    }
    let b = &v.funnel[1];
    assert_eq!(b.label, "B");
    let login = b.cells.iter().find(|c| c.step == LOGIN).unwrap();
    assert_eq!(login.from_sends, "14.0 %");
    // The step before login (landing_view) counted nobody: no rate over it.
    assert_eq!(login.from_previous, "—");
    let clicked = b.cells.iter().find(|c| c.step == CLICKED).unwrap();
    assert_eq!(clicked.from_previous, "40.0 %");
    assert_eq!(b.cells[0].from_previous, "", "sent has no step before");
    assert_eq!(login.interval, interval(&Rate::of(140, 1000)));
    assert!(login.interval.starts_with("12.0–16."), "{}", login.interval);
    // The chart: a band per step after sent, a bar per variant.
    assert_eq!(v.funnel_chart.bars.len(), 3 * (c.steps.len() - 1));
}

#[test]
fn money_per_group_and_in_total_from_integers() {
    let c = campaign();
    let v = campaign_view(&c, &rows(), &[], &[], Dim::Variant);
    assert_eq!(v.currency, "CNY");
    let names: Vec<&str> = v.money.iter().map(|m| m.label.as_str()).collect();
    assert_eq!(names, ["A", "B", "C", "all"]);
    let b = &v.money[1];
    assert_eq!(b.cost, "CNY 50.00");
    assert_eq!(b.cost_per_click, "CNY 0.13"); // 5000 / 400 = 12.5 → 13 fen
    assert_eq!(b.cost_per_login, "CNY 0.36"); // 5000 / 140 = 35.7
    assert_eq!(b.cost_per_loan, "CNY 2.50");
    assert_eq!(b.value, "CNY 25,000.50");
    assert_eq!(b.value_per_send, "CNY 25.00"); // 2,500,050 / 1000 = 2500.05 → 2500
    assert_eq!(b.value_per_login, "CNY 178.58"); // 17,857.5 → 17,858, half away from zero
    assert_eq!(b.io_ratio, "500.01×");
    let all = &v.money[3];
    assert!(all.total);
    assert_eq!(all.cost_minor, 10_010);
    assert_eq!(all.value_minor, 3_500_050);
    assert_eq!(all.sends, 2010);
    // C has no loan: amounts per loan are unknown, shown as a dash.
    assert_eq!(v.money[2].cost_per_loan, "—");
}

#[test]
fn the_verdict_compares_the_two_largest_variants() {
    let c = campaign();
    let rows = rows();
    let v = campaign_view(&c, &rows, &[], &[], Dim::Segment);
    let got = v.verdict.unwrap();
    assert_eq!((got.a.as_str(), got.b.as_str()), ("A", "B"));
    let api = compare(&c, &rows, Dim::Variant, "A", "B", LOGIN, None).unwrap();
    assert!(api.p_value < ALPHA, "{}", api.p_value);
    assert!(got.significant);
    assert_eq!(got.sentence, format!("{}.", api.sentence));
    assert!(
        got.sentence
            .starts_with("B's recall rate is 4.0 points higher than A's, p = 0.0"),
        "{}",
        got.sentence
    );
    assert!(got.detail.contains("A recall rate: 100 of 1,000 (10.0 %)"));
    // Channels likewise: e-mail (10 sends) against SMS (2,000).
    let ch = v.channel_verdict.unwrap();
    assert_eq!((ch.a.as_str(), ch.b.as_str()), ("email", "sms"));
    let api = compare(&c, &rows, Dim::Channel, "email", "sms", LOGIN, None).unwrap();
    assert_eq!(ch.significant, api.p_value < ALPHA);
    assert!(
        ch.detail.starts_with(
            "email recall rate: 5 of 10 (50.0 %); sms recall rate: 240 of 2,000 (12.0 %)"
        ),
        "{}",
        ch.detail
    );
}

#[test]
fn a_small_difference_asks_for_more_sends() {
    let c = campaign();
    let (a, b) = (group("A", "", Channel::Sms), group("B", "", Channel::Sms));
    let rows = vec![
        f(&a, SENT, sent(200, 0)),
        f(&a, LOGIN, uniq(20)),
        f(&b, SENT, sent(210, 0)),
        f(&b, LOGIN, uniq(24)),
    ];
    let got = campaign_view(&c, &rows, &[], &[], Dim::Variant)
        .verdict
        .unwrap();
    // B is the larger; A still sorts first.
    assert_eq!((got.a.as_str(), got.b.as_str()), ("A", "B"));
    let api = compare(&c, &rows, Dim::Variant, "A", "B", LOGIN, None).unwrap();
    assert!(!got.significant);
    let (na, nb) = api.still_needed.unwrap();
    let n = count(na.max(nb));
    assert_eq!(
        got.sentence,
        format!(
            "Not significant yet ({}): about {n} more sends per variant needed to tell a \
             1-point difference in recall rate.",
            format_p(api.p_value)
        )
    );
    // One variant: nothing to compare.
    let one = campaign_view(&c, &rows[..2], &[], &[], Dim::Variant);
    assert!(one
        .verdict
        .unwrap_err()
        .starts_with("Fewer than two variants"));
    assert_eq!(
        one.channel_verdict.unwrap_err(),
        "Fewer than two channels with sends: nothing to compare yet."
    );
}

#[test]
fn clicks_by_hour_and_by_delay_and_retention() {
    let c = campaign();
    let g = group("A", "", Channel::Sms);
    let t = |axis, bucket, n| {
        (
            Key::Timing {
                group: g.clone(),
                axis,
                bucket,
                step: CLICKED.into(),
            },
            uniq(n),
        )
    };
    let sent_at = |bucket, step: &str, n| {
        (
            Key::Timing {
                group: g.clone(),
                axis: Axis::SendHour,
                bucket,
                step: step.into(),
            },
            uniq(n),
        )
    };
    let timing_rows = vec![
        sent_at(11, SENT, 40),
        sent_at(11, CLICKED, 10),
        sent_at(3, SENT, 5),
        t(Axis::ClickHour, 20, 7),
        t(Axis::ClickHour, 11, 2),
        t(Axis::Delay, 0, 4),
        t(Axis::Delay, 8, 5),
    ];
    let r = |bucket, n| {
        (
            Key::Retention {
                group: g.clone(),
                bucket,
            },
            uniq(n),
        )
    };
    let retention_rows = vec![r(0, 10), r(1, 5), r(2, 2)];
    let v = campaign_view(&c, &rows(), &timing_rows, &retention_rows, Dim::Variant);
    assert_eq!(v.click_hours.chart.bars.len(), 24);
    assert_eq!(v.click_hours.rows.len(), 24);
    assert_eq!(v.click_hours.rows[20].n, 7);
    assert_eq!(v.click_hours.total, 9);
    assert_eq!(v.send_hours.chart.bars.len(), 2, "hours with sends only");
    assert_eq!(v.send_hours.rows.len(), 24);
    let eleven = &v.send_hours.rows[11];
    assert_eq!((eleven.sends, eleven.clickers), (40, 10));
    assert_eq!(eleven.rate, "25.0 %");
    assert_eq!(v.send_hours.rows[3].rate, "0.0 %");
    assert_eq!(v.send_hours.rows[4].rate, "—");
    assert_eq!(v.delays.chart.bars.len(), 9);
    assert_eq!(v.delays.rows[8].label, ">7d");
    assert_eq!(v.delays.total, 9);
    assert_eq!(RETENTION_DAYS.len(), 3);
    assert_eq!(v.retention.len(), 1);
    let line = &v.retention[0];
    assert_eq!((line.label.as_str(), line.recalled), ("A", 10));
    assert_eq!(
        line.cells,
        [
            (5, "50.0 %".to_owned()),
            (2, "20.0 %".to_owned()),
            (0, "0.0 %".to_owned())
        ]
    );
    // Nothing counted yet: empty charts, no verdict.
    let empty = campaign_view(&c, &[], &[], &[], Dim::Variant);
    assert!(empty.funnel.is_empty() && empty.click_hours.chart.bars.is_empty());
    assert!(empty.verdict.is_err());
}

#[test]
fn words_and_numbers() {
    assert_eq!(count(0), "0");
    assert_eq!(count(999), "999");
    assert_eq!(count(1000), "1,000");
    assert_eq!(count(1_234_567), "1,234,567");
    assert_eq!(duration(3 * 86_400_000), "3 days");
    assert_eq!(duration(86_400_000), "1 day");
    assert_eq!(duration(36 * 3_600_000), "36 hours");
    assert_eq!(duration(90 * 60_000), "90 minutes");
    assert_eq!(pct(&Rate::of(0, 0)), "—");
    assert_eq!(interval(&Rate::of(0, 0)), "");
    assert_eq!(follow_up_step(&campaign()), "login");
}

#[test]
fn downloads_and_links_carry_no_header_or_path_breakers() {
    assert_eq!(
        download_name("春 \"a\"/b\r\n", "login"),
        "follow-ups-___a__b__-login.csv"
    );
    assert_eq!(
        download_name("spring-2026", "login"),
        "follow-ups-spring-2026-login.csv"
    );
    assert_eq!(path_segment("a b/c?d#e"), "a%20b%2Fc%3Fd%23e");
    assert_eq!(path_segment("春"), "%E6%98%A5");
}
