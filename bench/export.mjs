// Raw-log export throughput in workerd: N events (default 40,000, realistic columns) read
// through GET /api/v1/export as NDJSON and as CSV, side by side with the baseline of paging
// GET /api/v1/events as JSON (1,000 a page, a request per page) over the same rows. Prints
// rows/s and MB/s of each. Needs a build (scripts/build-worker.sh).
//   node bench/export.mjs [--rows 40000] [--runs 3]
import { start } from '../tests/e2e/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('rows', 40_000);
const RUNS = arg('runs', 3);

const t = await start();
const base = 1_790_000_000_000;
const ua = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49';
for (let i = 0; i < N; i += 1000) {
  const rows = Array.from({ length: Math.min(1000, N - i) }, (_, j) => [`01JBEN${String(i + j).padStart(20, '0')}`, base + (i + j) * 1000, (i + j) % 7 === 0 ? 1 : 0, (i + j) % 500]);
  await t.db.prepare(`INSERT INTO events (id, ts, link, campaign, variant, recipient, method, outcome, target, platform, vendor, in_app, bot, country, ip_prefix, user_agent, received_at, kind)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'bench-link', 'bench', 'A', json_extract(value, '$[3]'), 'get', 'redirect', 'app-store', 'ios', 'apple', 'wechat',
    json_extract(value, '$[2]'), 'CN', '203.0.113.0/24', '${ua}', json_extract(value, '$[1]') + 40, 'click' FROM json_each(?1)`).bind(JSON.stringify(rows)).run();
}

async function exportAll(format) {
  let cursor = '';
  let rows = 0;
  let bytes = 0;
  for (;;) {
    const r = await t.api(`/api/v1/export?campaign=bench&format=${format}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const text = await r.text();
    bytes += text.length;
    const lines = text.trimEnd().split('\n');
    const last = lines.pop();
    const summary = JSON.parse(format === 'csv' ? last.slice(2) : last).summary;
    rows += summary.count;
    if (summary.complete) return { rows, bytes };
    cursor = summary.next_cursor;
  }
}

async function pages() {
  let cursor = '';
  let rows = 0;
  let bytes = 0;
  for (;;) {
    const r = await t.api(`/api/v1/events?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const text = await r.text();
    bytes += text.length;
    const page = JSON.parse(text);
    rows += page.events.length;
    if (!page.next_cursor) return { rows, bytes };
    cursor = page.next_cursor;
  }
}

const results = { 'export NDJSON': [], 'export CSV': [], 'baseline: events JSON pages': [] };
for (let run = 0; run < RUNS; run++) {
  for (const [label, f] of [['export NDJSON', () => exportAll('ndjson')], ['export CSV', () => exportAll('csv')], ['baseline: events JSON pages', pages]]) {
    const t0 = performance.now();
    const { rows, bytes } = await f();
    const s = (performance.now() - t0) / 1000;
    if (rows !== N) throw new Error(`${label}: ${rows} rows, expected ${N}`);
    results[label].push({ rps: rows / s, mbps: bytes / 1e6 / s });
  }
}
await t.mf.dispose();
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${N} events, median of ${RUNS} runs each`);
console.log('what'.padEnd(32), 'rows/s'.padStart(10), 'MB/s'.padStart(8));
for (const [label, rs] of Object.entries(results)) {
  console.log(label.padEnd(32), String(Math.round(median(rs.map((r) => r.rps)))).padStart(10), median(rs.map((r) => r.mbps)).toFixed(2).padStart(8));
}
