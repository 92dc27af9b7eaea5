// Figures under injected faults, at full size (the CI test tests/e2e/load.test.mjs runs the
// same code small). Needs a build (bash scripts/build-worker.sh).
//
//   node bench/faults.mjs                      # 10,000 clicks, 64 connections, 60 s KV outage
//   node bench/faults.mjs --clicks 2000 --outage 10
//
// Scenario 1: clicks over HTTP to workerd while 30 % of Queue sends fail (spooled to KV,
// drained by the cron handler, run here every second) and D1 fails for the first 5 consumer
// batches; then the click log is checked: rows, duplicates, first clicks, 5xx, time to
// complete. Scenario 2: KV unavailable while clicks keep coming.
import { parseArgs } from 'node:util';
import { startLoadTarget, clickStorm, kvOutage } from '../tests/e2e/load.mjs';

const { values: o } = parseArgs({
  options: {
    clicks: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '64' },
    recipients: { type: 'string', default: '2000' },
    'send-fail': { type: 'string', default: '0.3' },
    'd1-fail-batches': { type: 'string', default: '5' },
    outage: { type: 'string', default: '60' },
  },
});

const t = await startLoadTarget();
try {
  const r = await clickStorm(t, {
    clicks: +o.clicks,
    concurrency: +o.concurrency,
    recipients: +o.recipients,
    sendFailRate: +o['send-fail'],
    d1FailBatches: +o['d1-fail-batches'],
  });
  const s = r.stats;
  console.log(`\n== ${r.clicks} clicks, ${r.concurrency} connections, ${o['send-fail'] * 100} % of Queue sends failing, D1 failing for the first ${o['d1-fail-batches']} consumer batches`);
  console.log(`responses            ${JSON.stringify(r.statuses)}  (5xx: ${r.fiveXX})`);
  console.log(`load                 ${(r.loadMs / 1000).toFixed(1)} s = ${Math.round(r.clicks / (r.loadMs / 1000))} req/s`);
  console.log(`injected             ${s.injected.queueSend} failed Queue sends (of ${s.queueSends}), ${s.injected.d1} failed D1 calls`);
  console.log(`click log rows       ${r.rows} (expected ${r.clicks}), duplicates ${r.duplicates}`);
  console.log(`first clicks         ${r.first.rows} rows for ${r.first.recipients} recipients clicked by people, ${r.first.wrong} wrong`);
  console.log(`log complete         ${(r.completeMs / 1000).toFixed(1)} s after the first click, ${(r.completeAfterLoadMs / 1000).toFixed(1)} s after the last`);
  console.log(`consumer             ${s.consumerBatches} batches, ${s.messagesSeen} deliveries for ${r.clicks} events`);
  console.log(`per invocation max   fetch ${s.max.fetch.kv} KV / ${s.max.fetch.d1} D1; queue ${s.max.queue.kv} KV / ${s.max.queue.d1} D1; cron ${s.max.scheduled.kv} KV / ${s.max.scheduled.d1} D1`);
  console.log(`over paid limits     ${s.overLimit.length} invocations; over the free plan's 50 D1 queries: ${JSON.stringify(s.overFreeD1)}`);

  const k = await kvOutage(t, { outageMs: +o.outage * 1000, concurrency: 16 });
  console.log(`\n== KV unavailable for ${o.outage} s under load`);
  console.log(`cached links         ${JSON.stringify(k.tally.warm)}`);
  console.log(`never-seen links     ${JSON.stringify(k.tally.unseen)} (${k.unseenHtml} as an HTML page)`);
  console.log(`clicks served        ${k.served}, in the click log ${k.logged}; ${k.injectedKvFailures} KV calls failed`);
  const ok = r.fiveXX === 0 && r.rows === r.clicks && r.duplicates === 0 && r.first.wrong === 0 && k.logged === k.served
    && Object.keys(k.tally.warm).every((s) => s === '302') && Object.keys(k.tally.unseen).every((s) => s === '503');
  console.log(`\nresult: ${ok ? 'PASS' : 'FAIL'}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await t.mf.dispose();
}
