// The daily NDJSON archive in R2, in workerd: events the log received on two finished UTC days
// (and today, which must wait) go through the ops worker's cron into
// events/received=YYYY-MM-DD/part-NNNNN.ndjson objects whose lines are the D1 log's rows, a few
// parts per run within the D1 query limits; an event that arrived a day late is in the day it
// arrived; a run that lost its progress write rewrites the same part; a run after the end
// changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFaulty, assertWithinLimits } from './faults.mjs';
import { rows, OPS } from './harness.mjs';

const DAY = 86_400_000;
const TODAY = Date.now() - (Date.now() % DAY);
const D1 = TODAY - 3 * DAY;
const D2 = D1 + DAY;
const name = (ms) => new Date(ms).toISOString().slice(0, 10);
const PART = 4000; // domain::archive PAGE_ROWS x PART_PAGES

let t, bucket;
before(async () => {
  t = await startFaulty();
  bucket = await t.mf.getR2Bucket('ARCHIVE', OPS);
  const ev = [];
  // Received on day 1: 9,500 events (three parts), some sharing a millisecond; on day 2: 700,
  // two of them on its first and last millisecond, and 3 that happened on day 1 but arrived
  // late; today: 50 (not archived yet). [id, ts, bot, user agent, received_at]
  for (let n = 0; n < 9_500; n++) {
    const ts = D1 + Math.floor(n / 2) * 9_000;
    ev.push([`01JARC1${String(n).padStart(19, '0')}`, ts, n % 9 === 0 ? 1 : 0, n % 13 === 0 ? '=cmd|"x",\n' : null, ts + 5]);
  }
  for (let n = 0; n < 700; n++) {
    const at = n === 0 ? D2 : n === 699 ? D2 + DAY - 1 : D2 + n * 100_000;
    ev.push([`01JARC2${String(n).padStart(19, '0')}`, at - (n === 0 || n === 699 ? 0 : 5), 0, null, at]);
  }
  for (let n = 0; n < 3; n++) ev.push([`01JARC4${String(n).padStart(19, '0')}`, D1 + 3_600_000 + n, 0, null, D2 + 7 * 3_600_000 + n]);
  for (let n = 0; n < 50; n++) ev.push([`01JARC3${String(n).padStart(19, '0')}`, TODAY + n, 0, null, TODAY + n + 5]);
  // Inserted out of order: the archive orders by (received_at, id), not by insertion.
  ev.reverse();
  for (let i = 0; i < ev.length; i += 1000) {
    await t.db.prepare(`INSERT INTO events (id, ts, link, campaign, method, outcome, platform, bot, user_agent, received_at, kind)
      SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'arc', 'arc-c', 'get', 'redirect', 'ios', json_extract(value, '$[2]'),
      json_extract(value, '$[3]'), json_extract(value, '$[4]'), 'click' FROM json_each(?1)`).bind(JSON.stringify(ev.slice(i, i + 1000))).run();
  }
});
after(async () => t?.mf.dispose());

/** The log's rows received on a day as the API shows them: nulls dropped, flags as booleans. */
async function dayRows(start) {
  const found = await rows(t.db, 'SELECT * FROM events WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id', start, start + DAY);
  return found.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null).map(([k, v]) => [k, k === 'bot' || k === 'attributed' ? v === 1 : v])));
}
async function listAll() {
  const out = [];
  let cursor;
  do {
    const page = await bucket.list({ prefix: 'events/', cursor });
    out.push(...page.objects.map((o) => ({ key: o.key, etag: o.etag, size: o.size, uploaded: o.uploaded.getTime() })));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}
const lines = async (key) => (await (await bucket.get(key)).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
const progress = () => rows(t.db, 'SELECT day, next_part, events, after_ts, after_id, done_at IS NOT NULL AS done FROM archive_received ORDER BY day');

test('a run writes at most two parts of the oldest finished day and keeps its place', async () => {
  await t.faults({}, { reset: true });
  await t.cron();
  assert.deepEqual((await listAll()).map((o) => o.key), [`events/received=${name(D1)}/part-00000.ndjson`, `events/received=${name(D1)}/part-00001.ndjson`]);
  const [p] = await progress();
  assert.deepEqual([p.day, p.next_part, p.events, p.done], [name(D1), 2, 2 * PART, 0]);
  const want = await dayRows(D1);
  assert.deepEqual(await lines(`events/received=${name(D1)}/part-00000.ndjson`), want.slice(0, PART));
  assert.equal((await bucket.head(`events/received=${name(D1)}/part-00000.ndjson`)).httpMetadata.contentType, 'application/x-ndjson');
});

test('a part written without its progress is written again, the same', async () => {
  // As if the run died between the put of part 1 and its progress write.
  const want = await dayRows(D1);
  const end0 = want[PART - 1];
  await t.db.prepare('UPDATE archive_received SET next_part = 1, events = ?, after_ts = ?, after_id = ? WHERE day = ?').bind(PART, end0.received_at, end0.id, name(D1)).run();
  const before1 = (await listAll()).find((o) => o.key.endsWith('part-00001.ndjson'));
  await t.cron();
  const after1 = (await listAll()).find((o) => o.key.endsWith('part-00001.ndjson'));
  assert.equal(after1.etag, before1.etag, 'the same content');
  assert.ok(after1.uploaded >= before1.uploaded);
  const [p] = await progress();
  assert.equal(p.next_part, 3);
  assert.equal(p.done, 1);
});

test('every finished day is archived: its parts\' lines are its rows, once, in order; today waits', async (c) => {
  for (let i = 0; i < 5; i++) await t.cron();
  const objects = await listAll();
  assert.deepEqual(objects.map((o) => o.key), [
    `events/received=${name(D1)}/_manifest.json`,
    `events/received=${name(D1)}/part-00000.ndjson`,
    `events/received=${name(D1)}/part-00001.ndjson`,
    `events/received=${name(D1)}/part-00002.ndjson`,
    `events/received=${name(D2)}/_manifest.json`,
    `events/received=${name(D2)}/part-00000.ndjson`,
  ]);
  for (const [start, parts, count] of [[D1, 3, 9_500], [D2, 1, 703]]) {
    const got = [];
    for (let n = 0; n < parts; n++) got.push(...(await lines(`events/received=${name(start)}/part-${String(n).padStart(5, '0')}.ndjson`)));
    const want = await dayRows(start);
    assert.equal(want.length, count);
    assert.deepEqual(got, want);
    assert.deepEqual(JSON.parse(await (await bucket.get(`events/received=${name(start)}/_manifest.json`)).text()), { day: name(start), parts, events: count });
  }
  // The late arrivals are in the day they arrived, once, and nowhere else.
  const late = [];
  for (const o of objects.filter((x) => x.key.endsWith('.ndjson'))) {
    for (const e of await lines(o.key)) if (e.id.startsWith('01JARC4')) late.push([o.key.split('/')[1], e.ts, e.received_at]);
  }
  assert.deepEqual(late.map(([p]) => p), Array(3).fill(`received=${name(D2)}`));
  assert.ok(late.every(([, ts]) => ts < D2));
  // The hostile user agent is one JSON string on its line.
  assert.ok((await lines(`events/received=${name(D1)}/part-00000.ndjson`)).some((e) => e.user_agent === '=cmd|"x",\n'));
  assert.deepEqual((await progress()).map((p) => [p.day, p.done]), [[name(D1), 1], [name(D2), 1]]);
  const s = await assertWithinLimits(t);
  c.diagnostic(`most D1 queries in one cron run: ${s.max.scheduled.d1}`);
});

test('runs after the end change nothing', async () => {
  const objects = await listAll();
  const state = await progress();
  await t.cron();
  await t.cron();
  assert.deepEqual(await listAll(), objects);
  assert.deepEqual(await progress(), state);
});
