// The fault-injection harness: the built worker behind tests/e2e/fault-worker.mjs, a
// test-only wrapper that fails or stalls its KV, Queue and D1 bindings on demand and counts
// the KV and D1 operations of every invocation against the production limits.
import assert from 'node:assert/strict';
import { start, OPS } from './harness.mjs';

/** Counters of the two workers as one: sums, maxima and lists joined. */
function merge(a, b) {
  if (Array.isArray(a)) return [...a, ...b];
  if (typeof a === 'number') return a + b;
  const out = {};
  for (const k of Object.keys(a)) out[k] = k === 'max' || k === 'maxBatch' ? maxOf(a[k], b[k]) : merge(a[k], b[k]);
  return out;
}
function maxOf(a, b) {
  if (typeof a === 'number') return Math.max(a, b);
  return Object.fromEntries(Object.keys(a).map((k) => [k, maxOf(a[k], b[k])]));
}

export async function startFaulty(opts = {}) {
  const t = await start({ ...opts, scripts: { edge: 'tests/e2e/fault-edge.mjs', ops: 'tests/e2e/fault-ops.mjs' } });
  const ops = await t.mf.getWorker(OPS);
  // Each worker is wrapped on its own: the edge is reached as visitors reach it, the ops
  // worker directly (its /__faults is not an operator route the edge would forward).
  const both = async (init) => {
    const answers = [await t.mf.dispatchFetch(`${t.base}/__faults`, init), await ops.fetch(`${t.base}/__faults`, init)];
    for (const r of answers) assert.equal(r.status, 200);
    return Promise.all(answers.map((r) => r.json()));
  };
  return {
    ...t,
    /** Sets faults on both workers (see fault-worker.mjs `fresh()`); `reset` clears faults and counters. */
    faults: async (set, { reset = false } = {}) => (await both({ method: 'POST', body: JSON.stringify({ set, reset }) }))[0],
    /** Both workers' counters, merged. */
    stats: async () => {
      const [edge, opsStats] = await both({});
      return merge(edge.stats, opsStats.stats);
    },
    /** Runs the ops worker's cron handler once, as the `* * * * *` trigger does. */
    cron: async () => ops.scheduled({ cron: '* * * * *', scheduledTime: new Date() }),
  };
}

/**
 * Fails the test if any invocation went over a production limit: 1,000 KV operations and
 * 1,000 D1 queries (paid plan), and 50 D1 queries (free plan) for every invocation.
 */
export async function assertWithinLimits(t) {
  const s = await t.stats();
  assert.deepEqual(s.overLimit, [], `invocations over the 1,000 KV / 1,000 D1 limits: ${JSON.stringify(s.overLimit)}`);
  assert.deepEqual(s.overFreeD1, { fetch: 0, queue: 0, scheduled: 0 }, `invocations over the free plan's 50 D1 queries (max per kind: ${JSON.stringify(s.max)})`);
  return s;
}
