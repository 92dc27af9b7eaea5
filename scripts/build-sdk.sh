#!/usr/bin/env bash
# Builds the browser SDK from the same crate as the worker (feature `sdk`), offline:
#   build/sdk/           the npm package directory (package.json, .d.ts, README, wasm)
#   build/assets/sdk/    content-hashed copies the worker serves under /sdk/ (Workers Static
#                        Assets; build/assets/_headers makes them long-cached and immutable)
#   build/sdk.env        WAKELINK_SDK_JS=/sdk/wakelink.<hash>.js, compiled into the worker
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p build
# One build at a time (a test run and a dev server may both start one), and everything is
# made in a staging directory first: whoever serves build/assets meanwhile (workerd) sees the
# old files or the new ones, never a half-written or deleted folder.
exec 9>build/.sdk.lock
flock 9
stage=$(mktemp -d build/.sdk-stage.XXXXXX)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$stage"' EXIT
pkg=$stage/sdk
assets=$stage/assets

# Its own target directory: the worker build uses the same crate with other features.
# Built for size (the worker is built for speed): the SDK runs once per page view.
CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_TARGET_DIR="$root/target/sdk" cargo build --quiet --lib --release \
  --target wasm32-unknown-unknown --no-default-features --features sdk
raw="$root/target/sdk/wasm32-unknown-unknown/release/wakelink.wasm"

mkdir -p "$pkg" "$assets/sdk"
"$root/.tools/bin/wasm-bindgen" --target web --out-dir "$pkg" --out-name wakelink "$raw"
"$root/node_modules/.bin/wasm-opt" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue --enable-mutable-globals \
  "$pkg/wakelink_bg.wasm" -o "$pkg/wakelink_bg.wasm"
cp landing/sdk/index.js landing/sdk/index.d.ts landing/sdk/package.json landing/sdk/README.md "$pkg/"

hash() { sha256sum "$1" | cut -c1-12; }
wasm_name="wakelink_bg.$(hash "$pkg/wakelink_bg.wasm").wasm"
cp "$pkg/wakelink_bg.wasm" "$assets/sdk/$wasm_name"

# One module for pages: the entry and the glue bundled, pointing at the hashed wasm.
cp "$pkg/index.js" "$tmp/index.js"
sed "s/'wakelink_bg\.wasm'/'$wasm_name'/" "$pkg/wakelink.js" > "$tmp/wakelink.js"
grep -q "$wasm_name" "$tmp/wakelink.js" || { echo "build-sdk: the glue no longer names wakelink_bg.wasm" >&2; exit 1; }
"$root/node_modules/.bin/esbuild" "$tmp/index.js" --bundle --format=esm --minify \
  --log-level=warning --outfile="$tmp/bundle.js"
js_name="wakelink.$(hash "$tmp/bundle.js").js"
cp "$tmp/bundle.js" "$assets/sdk/$js_name"

cat > "$assets/_headers" <<'TXT'
/sdk/*
  Cache-Control: public, max-age=31536000, immutable
  Access-Control-Allow-Origin: *
  Cross-Origin-Resource-Policy: cross-origin
  X-Content-Type-Options: nosniff
TXT
echo "WAKELINK_SDK_JS=/sdk/$js_name" > "$stage/sdk.env"

# In place: each folder renamed over in two quick moves, the env file last.
for d in sdk assets; do
  rm -rf "build/.old-$d"
  [ -e "build/$d" ] && mv "build/$d" "build/.old-$d"
  mv "$stage/$d" "build/$d"
  rm -rf "build/.old-$d"
done
mv "$stage/sdk.env" build/sdk.env
assets=build/assets
printf '[sdk] /sdk/%s (%s B gz) + /sdk/%s (%s B gz)\n' \
  "$js_name" "$(gzip -9c "$assets/sdk/$js_name" | wc -c)" \
  "$wasm_name" "$(gzip -9c "$assets/sdk/$wasm_name" | wc -c)" >&2
