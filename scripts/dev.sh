#!/usr/bin/env bash
# Sets everything up and runs wakelink locally on the real Workers runtime (workerd via
# Miniflare: the edge and ops workers joined by their service binding) with local KV, Queue,
# D1 and cron, seeded with the `demo` link. After a code change, run it again.
#   PORT=8787 (default) · state in .wrangler/state · local secrets in .dev.vars (generated)
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
port=${PORT:-8787}
say() { printf '\033[1;34m[dev]\033[0m %s\n' "$*" >&2; }

bash scripts/setup.sh

if [ ! -f .dev.vars ]; then
  say "generating local secrets in .dev.vars (ignored by git)"
  node -e '
    const c = require("node:crypto");
    console.log(`API_KEYS="wl_local_${c.randomBytes(18).toString("hex")}"`);
    console.log(`WAKELINK_SIGNING_KEYS="1:${c.randomBytes(32).toString("hex")}"`);
  ' > .dev.vars
fi
api_key=$(sed -n 's/^API_KEYS="\{0,1\}\([^",]*\).*/\1/p' .dev.vars)

wrangler=node_modules/.bin/wrangler
say "building the edge and ops workers"
bash scripts/build-worker.sh >&2
say "applying D1 migrations (local)"
$wrangler d1 migrations apply wakelink --local >/dev/null
say "seeding the demo link"
$wrangler kv key put --binding LINKS --local "link:demo" "$(cat seed/demo-link.json)" >/dev/null

cat >&2 <<TXT

  wakelink is running at  http://127.0.0.1:$port
  demo link               http://127.0.0.1:$port/demo
  operator API key        $api_key
  try                     curl -i -A 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)' http://127.0.0.1:$port/demo
                          curl -H "Authorization: Bearer $api_key" http://127.0.0.1:$port/api/v1/events?link=demo

TXT
# Both workers in workerd, the ops worker's cron fired every minute (scripts/dev.mjs).
exec node scripts/dev.mjs --port "$port"
