// Poison messages never block a batch and end parked as dead letters, listed through the
// operator API (GET /api/v1/dead-letters, paged) and replayable (POST
// /api/v1/dead-letters/replay sends them back to the queue, the cron handler any rest);
// messages that use up their retries are parked by the dead-letter queue's consumer; version
// skew is tolerated.
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

/** What an operator lists: every page of GET /api/v1/dead-letters, `limit` letters a page. */
async function letters({ all = false, limit = 2 } = {}) {
  const out = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: String(limit), ...(all ? { state: 'all' } : {}), ...(cursor ? { cursor } : {}) });
    const r = await t.api(`/api/v1/dead-letters?${q}`);
    assert.equal(r.status, 200);
    const page = await r.json();
    assert.ok(page.dead_letters.length <= limit);
    out.push(...page.dead_letters);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

/** POST /api/v1/dead-letters/replay with `body`; its answer. */
async function replay(body) {
  const r = await t.api('/api/v1/dead-letters/replay', { method: 'POST', body: JSON.stringify(body) });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

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
    // Oversized beyond what a letter keeps: parked cut, and so never replayable.
    { body: JSON.stringify({ ...good(7), pad: 'y'.repeat(70_000) }), contentType: 'text' },
  ]);
  const written = await eventually(async () => {
    const r = await rows(t.db, 'SELECT id FROM events WHERE id IN (?, ?, ?) ORDER BY id', newId(1), newId(5), newId(6));
    return r.length === 3 ? r : null;
  });
  assert.equal(written.length, 3);
  const parked = await eventually(async () => {
    const l = await letters();
    return l.length >= 5 ? l : null;
  });
  assert.deepEqual(parked.map((l) => l.reason).sort(), ['bad-id', 'malformed-json', 'oversized', 'oversized', 'wrong-schema']);
  for (const l of parked) {
    assert.equal(l.queue, 'wakelink-events');
    assert.ok(l.id > 0 && l.message_id);
    assert.ok(Math.abs(Date.parse(l.parked_at) - Date.now()) < 120_000, l.parked_at);
    assert.equal(l.replayed_at, null);
    assert.ok(l.detail.length > 0);
  }
  // Paged or not, the same letters in id order.
  assert.deepEqual((await letters({ limit: 100 })).map((l) => l.id), parked.map((l) => l.id));
  assert.deepEqual(parked.map((l) => l.id), [...parked.map((l) => l.id)].sort((a, b) => a - b));
  const [whole, cut] = parked.filter((l) => l.reason === 'oversized').sort((a, b) => a.size - b.size);
  assert.ok(whole.size > 20_000 && !whole.truncated && whole.body.length === whole.size, 'kept whole: under the 64 KiB cut');
  assert.ok(cut.size > 70_000 && cut.truncated && cut.body.length === 64 * 1024, 'cut to 64 KiB');
  // A cut letter can't be replayed: asking changes nothing.
  assert.deepEqual(await replay({ ids: [cut.id] }), { requested: 0, sent: 0 });
  const health = await (await t.fetch('/health')).json();
  assert.equal(health.status, 'ok');
  assert.equal(health.dead_letters, 5);
  await assertWithinLimits(t);
});

test('operator routes never answer a CORS preflight', async () => {
  for (const path of ['/api/v1/events', '/api/v1/links/dl', '/api/v1/dead-letters/replay']) {
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

  // The replay sends it back to the queue at once; the consumer writes it.
  assert.deepEqual(await replay({ ids: [letter.id, letter.id] }), { requested: 1, sent: 1 });
  await eventually(async () => (await rows(t.db, 'SELECT id FROM events WHERE id = ?', id)).length === 1);
  const after = (await letters({ all: true })).find((l) => l.id === letter.id);
  assert.ok(Date.parse(after.replayed_at) > 0 && after.replay_requested_at, 'stamped, kept');
  assert.equal((await letters()).find((l) => l.id === letter.id), undefined, 'no longer parked');
  // Asking again changes nothing: it was replayed.
  assert.deepEqual(await replay({ ids: [letter.id] }), { requested: 0, sent: 0 });
  // Replaying everything parked: the poison comes back as new letters, nothing is lost; the
  // cut letter stays where it was.
  const before = (await letters()).length;
  const replayable = (await letters()).filter((l) => !l.truncated).length;
  assert.deepEqual(await replay({ all: true }), { requested: replayable, sent: replayable });
  await eventually(async () => (await letters({ all: true })).filter((l) => l.replayed_at).length === replayable + 1);
  await eventually(async () => (await letters()).length === before, { timeout: 15_000 });
  // A second cron run replays nothing more.
  await t.cron();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await letters()).length, before);
  await assertWithinLimits(t);
});
