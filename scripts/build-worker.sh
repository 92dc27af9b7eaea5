#!/usr/bin/env bash
# Builds the browser SDK (scripts/build-sdk.sh) and the edge worker (build/index.js + wasm)
# offline with the project's pinned tools.
# wrangler.toml's [build] command calls this, so a plain `npx wrangler dev` works too.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$root/.tools/bin:$PATH"
export WASM_BINDGEN_BIN="$root/.tools/bin/wasm-bindgen"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
# The SDK first: the worker links to its content-hashed path.
bash scripts/build-sdk.sh
set -a
. build/sdk.env
set +a
exec worker-build --release --features worker
