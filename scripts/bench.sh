#!/usr/bin/env bash
# Benchmarks (figures, not tests): the redirect path vs a JS baseline in workerd, then the
# token and CLI benchmarks. Pass options through to bench/redirect.mjs (e.g. --seconds 5).
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
bash scripts/setup.sh
bash scripts/build-worker.sh >/dev/null
node bench/redirect.mjs "$@"
cargo bench --bench tokens
cargo bench --bench classify
bash scripts/bench-cli.sh
node bench/export.mjs
