#!/usr/bin/env bash
# Sets everything up and runs every test: native unit, property, doc and table tests; the
# user-agent corpus report; then the end-to-end suites against the built worker in workerd
# (Miniflare) with real local KV, Queue and D1.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
export CARGO_TERM_COLOR=never
say() { printf '\n\033[1;34m[test]\033[0m %s\n' "$*" >&2; }

bash scripts/setup.sh --browser

say "formatting"
cargo fmt --all -- --check

say "ring 1: native tests (domain, tokens, CLI, user-agent table)"
mkdir -p tests/.tmp
node tests/ua/build-corpus.mjs tests/.tmp/ua-corpus.tsv
export WAKELINK_UA_CORPUS="$PWD/tests/.tmp/ua-corpus.tsv"
node scripts/gen/device-table.mjs --check
node scripts/gen/bot-rules.mjs --check
node scripts/gen/networks.mjs --check
cargo test --locked
say "user-agent corpus: the classifier's figures per source, tuning and held-back parts"
cargo test --locked --quiet --test ua_corpus -- --nocapture --exact corpus_figures

say "fuzzing: every parser of untrusted input, 5 s each under AFL++ (scripts/fuzz.sh long: 10 min each)"
FUZZ_SECS=5 bash scripts/fuzz.sh short

say "building the edge and ops workers"
bash scripts/build-worker.sh

say "ring 2: end to end in workerd (Miniflare) with local KV, Queue, D1 and cron"
node --test --test-concurrency=1 tests/e2e/

say "ring 3: pages in real Chromium"
node --test --test-concurrency=1 tests/browser/

say "sizes against their budgets (edge and ops wasm, SDK wasm, landing page first load)"
node bench/sizes.mjs
