// A follow-up list longer than one response in workerd: 41,000 recipients over two links,
// more than the 40 store pages of 1,000 one response reads. The API stops at the cap with a
// summary line (incomplete, next_cursor) and stays inside the free plan's 50 subrequests per
// invocation (counted by the fault wrapper); following the cursors gives every recipient once,
// in order, and the last response says complete; a store failing mid-stream ends the stream
// with `error` and the cursor to resume. The CLI reads the whole list across the cap;
// the dashboard's download stops at the same cap and says so in its last line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { startFaulty, assertWithinLimits } from './faults.mjs';
import { root, API_KEY, demoLink, putLink } from './harness.mjs';
import { join } from 'node:path';

const CAMPAIGN = 'fu-big';
const LINKS = ['fub-a', 'fub-b'];
const PER_LINK = 20_500;
const CAP = 40_000;
const DAY = 24 * 3_600_000;
const NOW = Date.now();

let t, cli;
/** Every recipient in the list's order (link, seq): its operator id. */
const want = [];

before(async () => {
  cli = join(root, 'target', 'debug', 'wakelink');
  execFileSync('cargo', ['build', '--quiet', '--bin', 'wakelink'], { cwd: root, stdio: 'inherit' });
  t = await startFaulty({ http: true });
  const r = await t.api(`/api/v1/campaigns/${CAMPAIGN}`, {
    method: 'PUT',
    body: JSON.stringify({ name: 'Big recall', currency: 'CNY', links: LINKS.map((code, i) => ({ code, variant: i ? 'B' : 'A', channel: 'sms' })) }),
  });
  assert.equal(r.status, 201, await r.text());
  const { landing: _l, ...link } = demoLink();
  for (const code of LINKS) {
    await putLink(t, code, { ...link, campaign: CAMPAIGN });
    const minted = [];
    for (let i = 0; i < PER_LINK; i += 1000) {
      const recipients = Array.from({ length: Math.min(1000, PER_LINK - i) }, (_, k) => ({
        external_id: `${code}-${i + k}`, segment: '3m', sent_at: new Date(NOW - 5 * DAY - (i + k) * 1000).toISOString(),
      }));
      const m = await t.api(`/api/v1/links/${code}/recipients`, { method: 'POST', body: JSON.stringify({ recipients }) });
      assert.equal(m.status, 201, await m.clone().text());
      minted.push(...(await m.json()).recipients);
    }
    minted.sort((a, b) => a.seq - b.seq);
    want.push(...minted.map((m) => m.external_id));
  }
  assert.equal(want.length, 2 * PER_LINK);
});
after(async () => t?.mf.dispose());

const list = (q, accept) => t.api(`/api/v1/campaigns/${CAMPAIGN}/follow-ups?step=login&after=3d${q}`, { headers: { accept } });

/** An NDJSON answer: its lines and its summary (the last line). */
async function ndjson(q) {
  const r = await list(q, 'application/x-ndjson');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/x-ndjson');
  const lines = (await r.text()).trim().split('\n').map((l) => JSON.parse(l));
  const { summary } = lines.pop();
  assert.ok(summary, 'the last line is the summary');
  assert.ok(lines.every((l) => !l.summary && Object.keys(l).sort().join() === 'cursor,external_id'));
  return { lines, summary };
}

test('a list longer than one response: capped with a summary, resumed by next_cursor, each recipient once', async () => {
  await t.faults({}, { reset: true });
  const first = await ndjson('');
  assert.equal(first.lines.length, CAP);
  assert.deepEqual(first.summary, { count: CAP, complete: false, next_cursor: first.lines.at(-1).cursor });
  const s = await assertWithinLimits(t);
  assert.ok(s.max.fetch.sub >= 40, `the stream's store calls were counted (max ${s.max.fetch.sub})`);
  assert.ok(s.max.fetch.sub <= 50, `one response stays inside the free plan's 50 subrequests (max ${s.max.fetch.sub})`);

  // The rest as CSV: a header, the lines, then the summary as a `# ` comment line.
  const r = await list(`&cursor=${encodeURIComponent(first.summary.next_cursor)}`, 'text/csv');
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  const csv = (await r.text()).trim().split('\n');
  assert.equal(csv[0], 'external_id,cursor');
  assert.deepEqual(JSON.parse(csv.at(-1).replace(/^# /, '')), { summary: { count: want.length - CAP, complete: true } });
  const ids = [...first.lines.map((l) => l.external_id), ...csv.slice(1, -1).map((l) => l.split(',')[0])];
  assert.equal(new Set(ids).size, want.length);
  assert.deepEqual(ids, want);

  // Cut exactly at the end of the list: the next response is empty and complete.
  const tail = await ndjson(`&cursor=${encodeURIComponent(csv.at(-2).split(',')[1])}`);
  assert.deepEqual(tail, { lines: [], summary: { count: 0, complete: true } });
  await assertWithinLimits(t);
});

test('a store that fails mid-stream: the summary says unavailable and where to resume', async () => {
  await t.faults({ storeFailAfter: 5 }, { reset: true });
  const cut = await ndjson('');
  assert.equal(cut.lines.length, 5_000);
  assert.deepEqual(cut.summary, { count: 5_000, complete: false, next_cursor: cut.lines.at(-1).cursor, error: 'unavailable' });
  assert.equal((await t.stats()).injected.store, 1);
  await t.faults({}, { reset: true });
  const rest = await ndjson(`&cursor=${encodeURIComponent(cut.summary.next_cursor)}`);
  assert.deepEqual(rest.summary, { count: want.length - 5_000, complete: true });
  assert.deepEqual([...cut.lines, ...rest.lines].map((l) => l.external_id), want);
});

test('the CLI reads the whole list across the cap', () => {
  const r = spawnSync(cli, ['follow-ups', CAMPAIGN, '--after', '3d', '--format', 'json', '--api', t.base], {
    env: { ...process.env, WAKELINK_API_KEY: API_KEY }, maxBuffer: 1 << 28,
  });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.match(r.stderr.toString(), new RegExp(`${want.length} recipients due a follow-up`));
  const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.external_id), want);
});

test('the dashboard download stops at the cap and says so; the page warns', async () => {
  const signIn = await fetch(`${t.base}/admin/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.base },
    body: new URLSearchParams({ key: API_KEY }),
  });
  const cookie = signIn.headers.get('set-cookie').split(';')[0];
  const get = (path) => fetch(`${t.base}${path}`, { headers: { cookie }, redirect: 'manual' });
  const page = await (await get(`/admin/campaigns/${CAMPAIGN}`)).text();
  assert.match(page, /data-n="41000"/);
  assert.match(page, /id="per-file">One download holds at most 40,000 of them/);
  const r = await get(`/admin/campaigns/${CAMPAIGN}/follow-ups.csv`);
  assert.equal(r.status, 200);
  const csv = (await r.text()).trim().split('\n');
  assert.equal(csv[0], 'external_id,cursor');
  assert.deepEqual(csv.slice(1, -1).map((l) => l.split(',')[0]), want.slice(0, CAP));
  assert.deepEqual(JSON.parse(csv.at(-1).replace(/^# /, '')), {
    summary: { count: CAP, complete: false, next_cursor: csv.at(-2).split(',')[1] },
  });
});
