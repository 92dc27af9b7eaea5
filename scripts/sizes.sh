#!/usr/bin/env bash
# Measures sizes against their budgets (worker wasm <= 250 KB gzipped, a landing page's first
# load <= 80 KB gzipped): builds the worker, then loads the demo landing page in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
[ "${1:-}" = "--no-build" ] || bash scripts/build-worker.sh >&2
node bench/sizes.mjs
