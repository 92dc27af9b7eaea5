#!/usr/bin/env bash
# Builds wakelink's two workers offline with the project's pinned tools:
#   edge  build/index.js (+ wasm)      wrangler.toml       every tap; links to the SDK
#   ops   build/ops/index.js (+ wasm)  wrangler.ops.toml   operator API and Queue consumer
# `bash scripts/build-worker.sh` builds both; `… edge` or `… ops` one (each wrangler file's
# [build] command names its own, so a plain `npx wrangler dev` works too).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.tools/bin:$PATH"
export WASM_BINDGEN_BIN="$root/.tools/bin/wasm-bindgen"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(edge ops)
for target in "${targets[@]}"; do
  case $target in
    edge)
      # The SDK first: the edge links to its content-hashed path.
      bash scripts/build-sdk.sh
      (set -a; . build/sdk.env; set +a; worker-build --release --features edge)
      # The entry point is src/worker/fence.js (it turns an escaped panic into a 500 page);
      # the module worker-build made becomes build/app.js behind it.
      mv build/index.js build/app.js
      cp src/worker/fence.js build/index.js
      ;;
    ops)
      # Cargo profile `ops`: the release build at opt-level 3 (the edge's is sized, opt-level
      # z). The consumer's CPU per event bounds ingest (docs/campaigns.md).
      worker-build --profile ops --out-dir build/ops --features ops
      ;;
    *)
      echo "build-worker.sh: unknown worker '$target' (edge or ops)" >&2
      exit 2
      ;;
  esac
done
