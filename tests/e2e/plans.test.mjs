// The statements the Queue consumer runs for every batch, planned by D1's SQLite against the
// schema the migrations build: none may scan a table that grows with traffic (events, sends,
// first_clicks), since such a scan makes every batch slower as the log fills. Miniflare has
// no query-time limit, so a missing index only shows here, or in production as a consumer
// that falls behind.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, root } from './harness.mjs';

const src = readFileSync(join(root, 'src', 'worker', 'sql.rs'), 'utf8');

/** A `pub const NAME: &str = "...";` of src/worker/sql.rs, as the worker sends it. */
function statement(name) {
  const m = src.match(new RegExp(`pub const ${name}: &str =\\s*"([\\s\\S]*?)";`));
  assert.ok(m, `${name} in sql.rs`);
  return m[1].replace(/\\\n\s*/g, '').replace(/\\"/g, '"');
}

/** EXPLAIN QUERY PLAN with every parameter bound to something of the right kind. */
async function plan(db, name) {
  const sql = statement(name);
  const n = Math.max(0, ...[...sql.matchAll(/\?(\d+)/g)].map((x) => Number(x[1])));
  const args = Array.from({ length: n }, (_, i) => (i === 0 ? '[["a",1]]' : 1));
  const { results } = await db.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...args).all();
  return results.map((r) => r.detail);
}

// Per batch: the click log write's side statements, re-judging and the first-click rule.
const PER_BATCH = [
  'UPSERT_LINK_CAMPAIGNS',
  'JUDGE_READ',
  'JUDGE_CROWD',
  'JUDGE_CROWD_OF_CLICKS',
  'JUDGE_FLAG',
  'FIRST_CLICKS_CLEAR',
  'FIRST_CLICKS_RECOMPUTE',
  'FIRST_CLICKS_ADVANCE',
  'TOUCHES_BY_SEQ',
  'TOUCHES_BY_EXTERNAL_ID',
  'TOUCHES_BY_CAMPAIGN',
];
const GROWING = /^SCAN (events|sends|first_clicks)\b|^SCAN [a-z]\b(?! VIRTUAL)|^SCAN [a-z] USING (COVERING )?INDEX/;
// A search of a growing table by `link` alone reads every row of the link (a per-recipient
// link has as many as its send list): as bad as a scan. (A row-value `(link, recipient) IN
// (SELECT …)` is planned that way.)
const LINK_ONLY = /^SEARCH \S+ USING (COVERING )?INDEX (sqlite_autoindex_(first_clicks|sends)_\d|events_\w+) \(link=\?\)/;

test('no per-batch statement scans a table that grows with traffic', async (t) => {
  const w = await start();
  t.after(() => w.mf.dispose());
  for (const name of PER_BATCH) {
    const lines = await plan(w.db, name);
    const scans = lines.filter((l) => GROWING.test(l) || LINK_ONLY.test(l));
    assert.deepEqual(scans, [], `${name} scans:\n${lines.join('\n')}`);
  }
});

test("re-judging finds a click's crowd by link, network and time, from the indexes alone", async (t) => {
  const w = await start();
  t.after(() => w.mf.dispose());
  const others = /SEARCH o USING COVERING INDEX events_by_link_network \(link=\? AND ip_prefix=\? AND ts>\? AND ts<\?\)/;
  // Around every click of the recipients: their clicks by (link, recipient)…
  let lines = await plan(w.db, 'JUDGE_CROWD');
  assert.ok(lines.some((l) => /SEARCH e USING COVERING INDEX events_clicks_by_recipient \(link=\? AND recipient=\?\)/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => others.test(l)), lines.join('\n'));
  // …or around a batch's clicks, by id; the others by (link, network, window) either way.
  lines = await plan(w.db, 'JUDGE_CROWD_OF_CLICKS');
  assert.ok(lines.some((l) => /SEARCH e USING INDEX sqlite_autoindex_events_1 \(id=\?\)/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => others.test(l)), lines.join('\n'));
  // A recipient's clicks, with what judging needs, without reading the log's rows.
  lines = await plan(w.db, 'JUDGE_READ');
  assert.ok(lines.some((l) => /SEARCH e USING COVERING INDEX events_clicks_by_recipient \(link=\? AND recipient=\?\)/.test(l)), lines.join('\n'));
});
