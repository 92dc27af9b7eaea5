// Poison messages never block a batch and end parked as dead letters (listed with SQL, see
// the README) and replayable (an operator sets replay_requested_at, the cron handler sends
// them back); messages that use up their retries are parked by the dead-letter queue's
// consumer; version skew is tolerated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { UA, putLink, eventually, rows } from './harness.mjs';
import { startFaulty, assertWithinLimits } from './faults.mjs';

let t;
before(async () => {
  t = await startFaulty();
  await putLink(t, 'dl');
});
after(async () => t?.mf.dispose());

// What an operator lists: `wrangler d1 execute wakelink --command "SELECT … FROM dead_letters …"`.
const letters = async ({ all = false } = {}) =>
  rows(t.db, `SELECT * FROM dead_letters ${all ? '' : 'WHERE replayed_at IS NULL'} ORDER BY seq`);
const requestReplay = (where) => t.db.prepare(`UPDATE dead_letters SET replay_requested_at = ?1 WHERE ${where}`).bind(Date.now()).run();

/** A real click event as the worker writes it, captured from the click log's first row. */
async function realEvent() {
  const r = await t.fetch('/dl', { headers: { 'user-agent': UA.pixel } });
  assert.equal(r.status, 302);
  const [row] = await eventually(async () => {
    const found = await rows(t.db, "SELECT * FROM events WHERE link = 'dl' ORDER BY ts DESC LIMIT 1");
    return found.length ? found : null;
  });
  const e = {};
  for (const [k, v] of Object.entries(row)) if (v !== null && k !== 'received_at') e[k] = v;
  e.bot = e.bot === 1;
  return e;
}

const newId = (i) => `01KA${String(i).padStart(22, '0')}`.replace(/[ILOU]/g, '0');

test('poison messages are parked without holding up the valid ones in their batch', async () => {
  const base = await realEvent();
  const q = await t.mf.getQueueProducer('EVENTS');
  const good = (i, extra = {}) => ({ ...base, id: newId(i), ...extra });
  await q.sendBatch([
    { body: JSON.stringify(good(1)), contentType: 'text' },
    { body: '{"id": "broken', contentType: 'text' }, // malformed JSON
    { body: JSON.stringify({ id: newId(2), hello: 'world' }), contentType: 'text' }, // wrong schema
    { body: JSON.stringify({ ...good(3), pad: 'x'.repeat(20_000) }), contentType: 'text' }, // oversized
    { body: JSON.stringify({ ...good(4), id: 'no id!' }), contentType: 'text' }, // bad id
    // An older producer sent events as JSON objects, a newer one adds fields: both written.
    { body: good(5), contentType: 'json' },
    { body: JSON.stringify(good(6, { landing_step: 'coupon-shown', schema: 2 })), contentType: 'text' },
  ]);
  const written = await eventually(async () => {
    const r = await rows(t.db, 'SELECT id FROM events WHERE id IN (?, ?, ?) ORDER BY id', newId(1), newId(5), newId(6));
    return r.length === 3 ? r : null;
  });
  assert.equal(written.length, 3);
  const parked = await eventually(async () => {
    const l = await letters();
    return l.length >= 4 ? l : null;
  });
  assert.deepEqual(parked.map((l) => l.reason).sort(), ['bad-id', 'malformed-json', 'oversized', 'wrong-schema']);
  for (const l of parked) {
    assert.equal(l.queue, 'wakelink-events');
    assert.ok(l.seq > 0 && l.parked_at > 0 && l.message_id);
    assert.equal(l.replayed_at, null);
    assert.ok(l.detail.length > 0);
  }
  const big = parked.find((l) => l.reason === 'oversized');
  assert.ok(big.size > 20_000 && big.truncated === 0, 'kept whole: under the 64 KiB cut');
  const health = await (await t.fetch('/health')).json();
  assert.equal(health.status, 'ok');
  assert.equal(health.dead_letters, 4);
  await assertWithinLimits(t);
});

test('operator routes never answer a CORS preflight', async () => {
  for (const path of ['/api/v1/events', '/api/v1/links/dl']) {
    const pre = await t.fetch(path, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(pre.status, 405);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    assert.equal(pre.headers.get('access-control-allow-headers'), null);
  }
});

test('an event whose writes keep failing ends parked, and a replay writes it', async () => {
  const base = await realEvent();
  // D1 fails for every attempt (1 + 3 retries in tests): the message goes to the
  // dead-letter queue, whose consumer parks it.
  await t.faults({ d1FailBatches: 4 });
  const q = await t.mf.getQueueProducer('EVENTS');
  const id = newId(77);
  await q.send(JSON.stringify({ ...base, id }), { contentType: 'text' });
  const letter = await eventually(
    async () => (await letters()).find((l) => l.reason === 'retries-exhausted' && l.body.includes(id)),
    { timeout: 60_000, interval: 250 },
  );
  assert.equal(letter.queue, 'wakelink-events-dlq');
  assert.match(letter.detail, /write kept failing/);
  assert.equal((await rows(t.db, 'SELECT id FROM events WHERE id = ?', id)).length, 0);
  const s = await t.stats();
  assert.ok(s.injected.d1 >= 4, 'the failures were injected');

  await requestReplay(`seq = ${letter.seq}`);
  await t.cron();
  await eventually(async () => (await rows(t.db, 'SELECT id FROM events WHERE id = ?', id)).length === 1);
  const after = (await letters({ all: true })).find((l) => l.seq === letter.seq);
  assert.ok(after.replayed_at > 0, 'stamped, kept');
  assert.equal((await letters()).find((l) => l.seq === letter.seq), undefined, 'no longer parked');
  // Replaying everything parked: the poison comes back as new letters, nothing is lost.
  const before = (await letters()).length;
  await requestReplay('replayed_at IS NULL');
  await t.cron();
  await eventually(async () => (await letters({ all: true })).filter((l) => l.replayed_at).length === before + 1);
  await eventually(async () => (await letters()).length === before, { timeout: 15_000 });
  // A second cron run replays nothing more.
  await t.cron();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await letters()).length, before);
  await assertWithinLimits(t);
});
