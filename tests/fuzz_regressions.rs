//! Replays every fuzz target over its seed corpus (`fuzz/seeds/<target>/`) and over every
//! input a fuzzer flagged (`fuzz/regressions/<target>/`): each must pass without panicking.
//! `scripts/fuzz.sh` copies new crashes into `fuzz/regressions/`, so a fixed crash stays fixed.

use std::fs;
use std::path::Path;

use wakelink::fuzz::TARGETS;

fn replay(dir: &Path) -> usize {
    let mut n = 0;
    for (name, target) in TARGETS {
        let Ok(entries) = fs::read_dir(dir.join(name)) else {
            continue;
        };
        for entry in entries.flatten() {
            let data = fs::read(entry.path()).expect("readable corpus file");
            // Names the input when the target panics, so a failure points at its file.
            eprintln!("replaying {}", entry.path().display());
            target(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn seeds_and_regressions_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let seeds = replay(&root.join("seeds"));
    let regressions = replay(&root.join("regressions"));
    assert!(
        seeds >= TARGETS.len() * 3,
        "every target has seeds ({seeds} inputs in all)"
    );
    println!("fuzz corpora: {seeds} seeds and {regressions} regression inputs replayed");
}

#[test]
fn every_target_has_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (name, _) in TARGETS {
        let n = fs::read_dir(root.join(name))
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(n > 0, "fuzz/seeds/{name} is empty");
    }
}
