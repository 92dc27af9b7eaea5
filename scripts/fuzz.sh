#!/usr/bin/env bash
# Fuzzes every untrusted-input parser of wakelink (src/fuzz.rs) with AFL++ through cargo-afl,
# on the stable toolchain.
#
#   scripts/fuzz.sh short            # each target for FUZZ_SECS (default 10 s): CI
#   scripts/fuzz.sh long             # each target for 10 minutes (FUZZ_SECS to change)
#   scripts/fuzz.sh short route      # one target
#
# cargo-afl and the AFL++ it builds go to .tools/ (ignored, kept between runs); corpora start
# from fuzz/seeds/ (node fuzz/seed.mjs) and findings go to fuzz/out/. Any crash or hang is
# copied into fuzz/regressions/<target>/ — replayed by `cargo test --test fuzz_regressions` —
# and fails the run: fix it, keep the file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-short}
shift || true
case "$mode" in
  short) secs=${FUZZ_SECS:-10} ;;
  long) secs=${FUZZ_SECS:-600} ;;
  *) echo "usage: scripts/fuzz.sh short|long [target...]" >&2; exit 2 ;;
esac
say() { printf '\033[1;34m[fuzz]\033[0m %s\n' "$*" >&2; }

tools="$root/.tools"
export PATH="$tools/bin:$PATH"
# cargo-afl keeps the AFL++ it builds under XDG_DATA_HOME: keep it with the other tools.
export XDG_DATA_HOME="$tools/share"
if ! command -v cargo-afl >/dev/null; then
  say "installing cargo-afl (once, into .tools/)"
  CARGO_TARGET_DIR="$tools/target" cargo install --locked --quiet --root "$tools" cargo-afl@0.18.2
  rm -rf "$tools/target"
fi
if ! cargo afl config --help >/dev/null 2>&1 || [ ! -x "$(find "$XDG_DATA_HOME/afl.rs" -name afl-fuzz -type f 2>/dev/null | head -n 1)" ]; then
  say "building AFL++ for cargo-afl (once)"
  cargo afl config --build --force >/dev/null
fi

say "building the instrumented harness"
(cd fuzz && cargo afl build --release --quiet)
bin="$root/fuzz/target/release/wakelink-fuzz"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz/seeds)
fi

export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_QUIET=1
export AFL_NO_AFFINITY=1 AFL_SHUFFLE_QUEUE=1
failed=0
report=()
for t in "${targets[@]}"; do
  out="fuzz/out/$t"
  rm -rf "$out"
  mkdir -p "$out"
  say "$t: ${secs}s"
  # -V: stop after that many seconds; -t: a case taking over 1 s is a hang.
  cargo afl fuzz -V "$secs" -t 1000 -i "fuzz/seeds/$t" -o "$out" "$bin" "$t" >"$out/log.txt" 2>&1 || {
    echo "afl-fuzz failed for $t:" >&2
    tail -n 20 "$out/log.txt" >&2
    exit 1
  }
  stats="$out/default/fuzzer_stats"
  execs=$(awk -F': *' '/^execs_done/ {print $2}' "$stats")
  paths=$(awk -F': *' '/^corpus_count/ {print $2}' "$stats")
  crashes=$(find "$out/default/crashes" "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  if [ "$crashes" -gt 0 ]; then
    failed=1
    mkdir -p "fuzz/regressions/$t"
    for f in $(find "$out/default/crashes" "$out/default/hangs" -type f -name 'id:*'); do
      cp "$f" "fuzz/regressions/$t/$(sha256sum "$f" | cut -c1-16)"
    done
  fi
  report+=("$(printf '%-14s %8ss %12s execs %6s corpus %3s crashes/hangs' "$t" "$secs" "$execs" "$paths" "$crashes")")
done
printf '\n%s\n' "fuzz summary ($mode):"
printf '%s\n' "${report[@]}"
if [ "$failed" -ne 0 ]; then
  echo "crashes found: copied into fuzz/regressions/ (replayed by cargo test --test fuzz_regressions)" >&2
  exit 1
fi
