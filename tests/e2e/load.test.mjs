// The load figures in small (CI): clicks under Queue send failures, D1 failures and a
// consumer crash land exactly once; a KV outage keeps cached links redirecting and gives
// unseen links a 503 page; no invocation goes over the production KV / D1 limits.
// bench/faults.mjs runs the same at full size (10,000 clicks, 64 connections, 60 s outage).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLoadTarget, clickStorm, kvOutage } from './load.mjs';
import { assertWithinLimits } from './faults.mjs';

let t;
before(async () => {
  t = await startLoadTarget();
});
after(async () => t?.mf.dispose());

test('1,000 clicks, 30 % of Queue sends failing, D1 down for 3 batches, a crash: every click once', async (c) => {
  const r = await clickStorm(t, { clicks: 1000, concurrency: 16, sendFailRate: 0.3, d1FailBatches: 3, crashes: 1, recipients: 200 });
  assert.equal(r.fiveXX, 0, JSON.stringify(r.statuses));
  assert.ok(r.stats.injected.queueSend > 200, 'sends failed');
  assert.equal(r.stats.injected.crash, 1, 'the consumer crashed once');
  assert.equal(r.rows, 1000);
  assert.equal(r.duplicates, 0);
  assert.equal(r.first.wrong, 0, JSON.stringify(r.first));
  assert.ok(r.first.recipients > 100);
  const s = await assertWithinLimits(t);
  // Batches of up to 100 messages came through: the 50-query check saw full batches.
  assert.ok(s.maxBatch >= 50, `largest consumer batch ${s.maxBatch}`);
  c.diagnostic(`most D1 queries in one consumer invocation: ${s.max.queue.d1} (largest batch ${s.maxBatch})`);
});

test('KV down for 3 s: cached links redirect, unseen links get a 503 page, no click lost', async () => {
  const r = await kvOutage(t, { outageMs: 3000, concurrency: 8 });
  assert.ok(r.injectedKvFailures > 0, 'KV calls failed');
  assert.deepEqual(Object.keys(r.tally.warm), ['302']);
  assert.deepEqual(Object.keys(r.tally.unseen), ['503']);
  assert.equal(r.unseenHtml, r.tally.unseen['503']);
  assert.equal(r.logged, r.served);
  await assertWithinLimits(t);
});
