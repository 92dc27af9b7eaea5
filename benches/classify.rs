//! `classify` figures on one thread, with a baseline measured in the same run.
//!
//! Run with `cargo bench --bench classify`. Plain `std::time::Instant`. Every user agent in
//! `tests/fixtures/user_agents.tsv` is classified; a figure is the best of five passes over all
//! rows, each pass repeated until it has run for at least 200 ms. The baseline is the cost of
//! the ASCII-lowercase copy of each user agent, which `classify` has to make anyway.

use std::hint::black_box;
use std::time::{Duration, Instant};

use wakelink::domain::visitor::{classify, Method, RequestFacts};

const PASSES: usize = 5;
const MIN_PASS: Duration = Duration::from_millis(200);

fn load() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/user_agents.tsv"
    );
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("expect_bot\t"))
        .filter(|line| line.contains('\t'))
        .filter_map(|line| line.rsplit('\t').next())
        .map(str::to_owned)
        .collect()
}

/// Best of [`PASSES`] passes, in ns per user agent. A pass runs `f` over every row, repeated
/// until it has taken at least [`MIN_PASS`].
fn ns_per_ua(rows: &[String], mut f: impl FnMut(&str)) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..PASSES {
        let start = Instant::now();
        let mut calls = 0u64;
        loop {
            for ua in rows {
                f(black_box(ua.as_str()));
            }
            calls += rows.len() as u64;
            if start.elapsed() >= MIN_PASS {
                break;
            }
        }
        best = best.min(start.elapsed().as_nanos() as f64 / calls as f64);
    }
    best
}

fn main() {
    let rows = load();
    if rows.is_empty() {
        eprintln!("no user agents in the fixture file");
        std::process::exit(1);
    }
    let avg_len = rows.iter().map(String::len).sum::<usize>() as f64 / rows.len() as f64;
    println!(
        "{} user agents, {avg_len:.0} bytes on average; best of {PASSES} passes of >= {} ms",
        rows.len(),
        MIN_PASS.as_millis()
    );

    let lower = ns_per_ua(&rows, |ua| {
        black_box(ua.to_ascii_lowercase());
    });
    let full = ns_per_ua(&rows, |ua| {
        black_box(classify(&RequestFacts {
            method: Some(Method::Get),
            user_agent: Some(ua),
            purpose: None,
        }));
    });

    println!("baseline: to_ascii_lowercase   {lower:>10.1} ns/ua");
    println!("classify                       {full:>10.1} ns/ua");
    println!(
        "classify minus baseline        {:>10.1} ns/ua",
        full - lower
    );
}
