//! The visitor classifier against real user agents.
//!
//! (a) `fixture_table`: every row of `tests/fixtures/user_agents.tsv` must classify exactly
//!     (bot reason, platform, vendor, in-app browser).
//! (b) `corpus_precision_recall`: when `WAKELINK_UA_CORPUS` names a TSV of
//!     `label<TAB>source<TAB>user_agent` (built by `node tests/ua/build-corpus.mjs <path>`),
//!     measures the bot flag on it and requires precision ≥ 0.99 and recall ≥ 0.90.

use std::fmt::Write as _;
use std::path::Path;

use wakelink::domain::visitor::{
    classify, BotReason, InApp, Method, Platform, RequestFacts, Vendor, Visitor,
};

const MIN_PRECISION: f64 = 0.99;
const MIN_RECALL: f64 = 0.90;
/// How many false positives and negatives to print; `WAKELINK_UA_EXAMPLES` overrides.
const EXAMPLES: usize = 20;

fn visit(ua: &str) -> Visitor {
    classify(&RequestFacts {
        method: Some(Method::Get),
        user_agent: Some(ua),
        purpose: None,
    })
}

fn parse<T: Copy>(all: &[T], name: fn(T) -> &'static str, s: &str) -> Option<T> {
    all.iter().copied().find(|v| name(*v) == s)
}

/// `-` means none; anything else must be a known name.
fn parse_opt<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    s: &str,
) -> Result<Option<T>, String> {
    if s == "-" {
        return Ok(None);
    }
    parse(all, name, s)
        .map(Some)
        .ok_or_else(|| format!("unknown value {s:?}"))
}

struct Row {
    line: usize,
    bot: Option<BotReason>,
    platform: Platform,
    vendor: Option<Vendor>,
    in_app: Option<InApp>,
    user_agent: String,
}

fn fixture_rows() -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/user_agents.tsv");
    let text = std::fs::read_to_string(&path).expect("read tests/fixtures/user_agents.tsv");
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("expect_bot\t") {
            continue;
        }
        let cols: Vec<&str> = line.splitn(5, '\t').collect();
        assert_eq!(
            cols.len(),
            5,
            "line {line_no}: expected 5 tab-separated columns: {line}"
        );
        let bot = if cols[0] == "human" {
            None
        } else {
            Some(
                parse(BotReason::ALL, BotReason::as_str, cols[0])
                    .unwrap_or_else(|| panic!("line {line_no}: unknown bot reason {:?}", cols[0])),
            )
        };
        let platform = parse(Platform::ALL, Platform::as_str, cols[1])
            .unwrap_or_else(|| panic!("line {line_no}: unknown platform {:?}", cols[1]));
        let vendor = parse_opt(Vendor::ALL, Vendor::as_str, cols[2])
            .unwrap_or_else(|e| panic!("line {line_no}: vendor: {e}"));
        let in_app = parse_opt(InApp::ALL, InApp::as_str, cols[3])
            .unwrap_or_else(|e| panic!("line {line_no}: in_app: {e}"));
        rows.push(Row {
            line: line_no,
            bot,
            platform,
            vendor,
            in_app,
            user_agent: cols[4].to_owned(),
        });
    }
    rows
}

fn show_bot(b: Option<BotReason>) -> &'static str {
    b.map_or("human", BotReason::as_str)
}

fn show<T>(v: Option<T>, name: fn(T) -> &'static str) -> &'static str {
    v.map_or("-", name)
}

#[test]
fn fixture_table() {
    let rows = fixture_rows();
    assert!(
        rows.len() >= 250,
        "the fixture should hold 250+ rows, has {}",
        rows.len()
    );
    let mut report = String::new();
    let mut wrong = 0;
    for row in &rows {
        let got = visit(&row.user_agent);
        let want = Visitor {
            platform: row.platform,
            vendor: row.vendor,
            in_app: row.in_app,
            bot: row.bot,
        };
        if got != want {
            wrong += 1;
            let _ = writeln!(
                report,
                "line {}: want {}/{}/{}/{} got {}/{}/{}/{}\n    {}",
                row.line,
                show_bot(want.bot),
                want.platform.as_str(),
                show(want.vendor, Vendor::as_str),
                show(want.in_app, InApp::as_str),
                show_bot(got.bot),
                got.platform.as_str(),
                show(got.vendor, Vendor::as_str),
                show(got.in_app, InApp::as_str),
                row.user_agent,
            );
        }
    }
    println!("fixture: {} rows, {} mismatches", rows.len(), wrong);
    assert!(wrong == 0, "{wrong} fixture rows misclassified:\n{report}");
}

#[test]
fn fixture_has_no_duplicates() {
    let rows = fixture_rows();
    let mut seen = std::collections::HashMap::new();
    for row in &rows {
        if let Some(first) = seen.insert(row.user_agent.as_str(), row.line) {
            panic!("line {} repeats line {first}: {}", row.line, row.user_agent);
        }
    }
}

#[derive(Default)]
struct Tally {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
    false_positives: Vec<(String, BotReason, String)>,
    false_negatives: Vec<(String, String)>,
}

impl Tally {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

#[test]
fn corpus_precision_recall() {
    let Some(path) = std::env::var_os("WAKELINK_UA_CORPUS") else {
        println!(
            "corpus: skipped (set WAKELINK_UA_CORPUS to a TSV built by \
             `node tests/ua/build-corpus.mjs <path>`)"
        );
        return;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read WAKELINK_UA_CORPUS={}: {e}", path.to_string_lossy()));

    let mut all = Tally::default();
    let mut by_source: std::collections::BTreeMap<String, Tally> = Default::default();
    for (i, line) in text.lines().enumerate() {
        if i == 0 && line.starts_with("label\t") || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        assert_eq!(
            cols.len(),
            3,
            "corpus line {}: expected label, source, user agent",
            i + 1
        );
        let (label, source, ua) = (cols[0], cols[1], cols[2]);
        let is_bot = match label {
            "bot" => true,
            "human" => false,
            other => panic!("corpus line {}: unknown label {other:?}", i + 1),
        };
        let got = visit(ua).bot;
        for tally in [&mut all, by_source.entry(source.to_owned()).or_default()] {
            match (is_bot, got) {
                (true, Some(_)) => tally.tp += 1,
                (true, None) => {
                    tally.fn_ += 1;
                    tally
                        .false_negatives
                        .push((source.to_owned(), ua.to_owned()));
                }
                (false, Some(reason)) => {
                    tally.fp += 1;
                    tally
                        .false_positives
                        .push((source.to_owned(), reason, ua.to_owned()));
                }
                (false, None) => tally.tn += 1,
            }
        }
    }

    let examples = std::env::var("WAKELINK_UA_EXAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(EXAMPLES);
    println!("corpus: {}", path.to_string_lossy());
    println!(
        "  all      TP {:5}  FP {:4}  FN {:4}  TN {:5}  precision {:.4}  recall {:.4}",
        all.tp,
        all.fp,
        all.fn_,
        all.tn,
        all.precision(),
        all.recall()
    );
    for (source, t) in &by_source {
        println!(
            "  {source:<20} TP {:5}  FP {:4}  FN {:4}  TN {:5}",
            t.tp, t.fp, t.fn_, t.tn
        );
    }
    println!(
        "  false positives ({} shown of {}):",
        all.fp.min(examples),
        all.fp
    );
    for (source, reason, ua) in all.false_positives.iter().take(examples) {
        println!("    [{source}] {} <- {ua}", reason.as_str());
    }
    println!(
        "  false negatives ({} shown of {}):",
        all.fn_.min(examples),
        all.fn_
    );
    for (source, ua) in all.false_negatives.iter().take(examples) {
        println!("    [{source}] {ua}");
    }

    assert!(
        all.tp + all.fn_ > 0 && all.fp + all.tn > 0,
        "corpus needs both bot and human rows"
    );
    assert!(
        all.precision() >= MIN_PRECISION,
        "precision {:.4} < {MIN_PRECISION}",
        all.precision()
    );
    assert!(
        all.recall() >= MIN_RECALL,
        "recall {:.4} < {MIN_RECALL}",
        all.recall()
    );
}
