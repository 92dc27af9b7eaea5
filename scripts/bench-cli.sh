#!/usr/bin/env bash
# Time `wakelink mint` end to end over a generated send list (default 1,000,000 rows).
#
#   scripts/bench-cli.sh            # 1,000,000 rows
#   ROWS=100000 scripts/bench-cli.sh
#
# Target: 1,000,000 rows in at most 3 s of wall time on one core.
set -euo pipefail

ROWS="${ROWS:-1000000}"
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "generating $ROWS rows in $tmp/send.csv"
awk -v n="$ROWS" 'BEGIN {
  print "external_id,segment,variant,sent_at"
  for (i = 1; i <= n; i++)
    printf "cust-%06d,%s,%s,2025-12-17T19:%02d:%02d+08:00\n", i, (i % 3 ? "dormant-6m" : "dormant-12m"), (i % 2 ? "A" : "B"), (i / 60) % 60, i % 60
}' >"$tmp/send.csv"

echo "building wakelink (release)"
bin="$(cargo build --release --bin wakelink --message-format=json-render-diagnostics \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)"
if [[ -z "$bin" || ! -x "$bin" ]]; then
  echo "could not find the built wakelink binary" >&2
  exit 1
fi

# A test key (32 bytes of 0x42), never a real one.
WAKELINK_SIGNING_KEYS="0:$(printf '42%.0s' $(seq 32))"
export WAKELINK_SIGNING_KEYS

# A reservation receipt for seq 1..ROWS, signed here with the test key the way the worker signs
# them (POST /api/v1/links/{code}/reservations), so the benchmark needs no running worker.
receipt="$(ROWS="$ROWS" node -e '
  const { createHmac } = require("node:crypto");
  const code = Buffer.from("spring-2026"), rows = BigInt(process.env.ROWS);
  const n = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(v); return b; };
  const msg = Buffer.concat([Buffer.from("wlr\0"), Buffer.from([code.length]), code, Buffer.from([0]), n(0n), n(1n), n(rows)]);
  const tag = createHmac("sha256", Buffer.alloc(32, 0x42)).update(msg).digest().subarray(0, 8).toString("hex");
  console.log(`r1.1-${rows}.none.0.${tag}`);
')"

timer=()
if [[ -x /usr/bin/time ]]; then
  timer=(/usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KiB max RSS")
fi

start=$(date +%s%N)
"${timer[@]}" "$bin" mint --code spring-2026 --base-url https://example.link \
  --reservation "$receipt" --input "$tmp/send.csv" --output "$tmp/minted.csv"
end=$(date +%s%N)

rows_out=$(($(wc -l <"$tmp/minted.csv") - 1))
if [[ "$rows_out" -ne "$ROWS" ]]; then
  echo "expected $ROWS minted rows, got $rows_out" >&2
  exit 1
fi
awk -F, -v ns=$((end - start)) -v rows="$ROWS" '
  NR > 1 && length($6) > max { max = length($6) }
  END {
    secs = ns / 1e9
    printf "mint: %d rows in %.3f s wall = %.0f rows/s; longest token %d chars\n", rows, secs, rows / secs, max
    if (rows == 1000000 && secs > 3) { print "NOTE: above the 3 s target" }
  }' "$tmp/minted.csv"
