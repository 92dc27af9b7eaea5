// Soak: mixed traffic against the built worker in workerd for a while (default 10 minutes)
// with faults injected in rotation, then the click log is checked against what was sent.
//
//   node bench/soak.mjs                 # 10 minutes
//   node bench/soak.mjs --minutes 1
//
// Traffic: people on a campaign link and on per-recipient links (from many networks), a click
// farm on the per-recipient links (from four), link previews and HTTP libraries, HEADs,
// tampered tokens and unknown codes, and operator API writes (link updates, send lists). Every response that records a click (200, 302, 410 on a known link) must end
// as exactly one row; 404s and 429s must not. Faults rotate every `--phase` seconds: none,
// 30 % of Queue sends failing, KV stalling 50 ms, KV down, D1 failing for 5 consumer
// batches, the consumer crashing after its write. (KV down and Queue failing together are
// not combined: with both gone a click has nowhere to be kept — see the README.)
import { parseArgs } from 'node:util';
import { UA, putLink, demoLink, rows } from '../tests/e2e/harness.mjs';
import { startLoadTarget, mint, prng, settle, again, firstClickErrors, PHONES, BOTS } from '../tests/e2e/load.mjs';

const { values: o } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    phase: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '16' },
    recipients: { type: 'string', default: '10000' },
  },
});
const rnd = prng(42);
const t = await startLoadTarget();
const links = ['soak-a', 'soak-b', 'soak-sms'];
for (const l of links) await putLink(t, l);
// Ten thousand recipients: over ten minutes each clicks once or twice, as a send list's do.
const tokens = await mint(t, 'soak-sms', +o.recipients);

const phases = [
  ['calm', {}],
  ['queue sends failing (30 %)', { queueSendFailRate: 0.3 }],
  ['KV stalling 50 ms', { kvStallMs: 50 }],
  ['KV down', { kvDownUntil: -1 }],
  ['D1 failing for 5 consumer batches', { d1FailBatches: 5 }],
  ['consumer crashing after its write (x3)', { crashAfterWrite: 3 }],
];
const calm = { queueSendFailRate: 0, kvStallMs: 0, kvDownUntil: 0, d1FailBatches: 0, crashAfterWrite: 0 };

const expected = Object.fromEntries(links.map((l) => [l, 0]));
const tally = {};
const count = (k) => (tally[k] = (tally[k] ?? 0) + 1);
let apiWrites = 0;
const end = Date.now() + +o.minutes * 60_000;
const phaseMs = +o.phase * 1000;

// People come from many networks (a random /24 of a wide space); a click farm works through
// the per-recipient links from four networks, so network bursts are judged under load too.
const person = () => `${11 + Math.floor(rnd() * 200)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 250)}`;
const farm = () => `203.0.${113 + Math.floor(rnd() * 4)}.${Math.floor(rnd() * 250)}`;
const FARM = [113, 114, 115, 116].map((c) => `'203.0.${c}.0/24'`).join(', ');
const token = () => tokens[Math.floor(rnd() * tokens.length)];

async function one() {
  const x = rnd();
  let ip = person();
  let path, link, ua = PHONES[Math.floor(rnd() * PHONES.length)], method = 'GET';
  if (x < 0.33) [path, link] = [rnd() < 0.5 ? '/soak-a' : '/soak-b', null];
  else if (x < 0.66) [path, link] = [token(), 'soak-sms'];
  else if (x < 0.69) [path, link, ip] = [token(), 'soak-sms', farm()];
  else if (x < 0.79) [path, link, ua] = ['/soak-a', 'soak-a', BOTS[Math.floor(rnd() * BOTS.length)]];
  else if (x < 0.84) [path, link, method] = ['/soak-b', 'soak-b', 'HEAD'];
  else if (x < 0.91) [path, link] = [`${token().slice(0, -1)}Z`, 'soak-sms'];
  else if (x < 0.95) [path, link] = [`/no-such-${Math.floor(rnd() * 1e6)}`, null];
  else {
    // Operator writes: a link update or a small send list.
    apiWrites++;
    try {
      const r = rnd() < 0.5
        ? await t.api('/api/v1/links/soak-b', { method: 'PUT', body: JSON.stringify({ ...demoLink(), variant: `v${apiWrites % 3}` }) })
        : await t.api('/api/v1/links/soak-a/recipients', { method: 'POST', body: JSON.stringify({ recipients: [{ external_id: `soak-${apiWrites}` }] }) });
      count(`api ${r.status}`);
      await r.arrayBuffer();
    } catch {
      count('api network-error');
    }
    return;
  }
  link ??= path.slice(1);
  let status;
  try {
    const r = await fetch(t.base + path, { method, headers: { 'user-agent': ua, 'cf-connecting-ip': ip }, redirect: 'manual' });
    status = r.status;
    await r.arrayBuffer();
  } catch {
    status = 'network-error';
  }
  count(`${method} ${status}`);
  if ([200, 302, 410].includes(status) && link in expected) expected[link]++;
}

const t0 = Date.now();
let phaseIndex = 0;
const rotate = async () => {
  const [name, set] = phases[phaseIndex++ % phases.length];
  const s = { ...calm, ...set };
  if (s.kvDownUntil === -1) s.kvDownUntil = Date.now() + Math.min(phaseMs, 20_000);
  await again(() => t.faults(s));
  const c = await again(() => t.stats());
  console.log(`${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  phase: ${name} (consumer batches ${c.consumerBatches} started, ${c.consumerReturned} returned, ${c.consumerSettled} settled, backlog ${c.backlog})`);
};
await t.faults(calm, { reset: true });
await rotate();
const timer = setInterval(() => rotate().catch(() => {}), phaseMs);
const cron = setInterval(() => t.cron().catch(() => {}), 5000);
await Promise.all(Array.from({ length: +o.concurrency }, async () => {
  while (Date.now() < end) await one();
}));
clearInterval(timer);
clearInterval(cron);
await again(() => t.faults(calm));

const want = Object.values(expected).reduce((a, b) => a + b, 0);
const progress = setInterval(async () => {
  const n = await again(async () => (await rows(t.db, `SELECT COUNT(*) AS n FROM events WHERE link IN (${links.map(() => '?').join(',')})`, ...links))[0].n).catch((e) => `? (${e.message})`);
  const s = await again(() => t.stats()).catch(() => ({}));
  console.log(`  settling: ${n} of ${want} in the log, consumer batches ${s.consumerBatches} started, ${s.consumerReturned} returned, ${s.consumerSettled} settled, backlog ${s.backlog}`);
}, 30_000);
const settled = await settle(t, links, want, { timeoutMs: 600_000 });
clearInterval(progress);
const per = {};
for (const l of links) per[l] = await again(async () => (await rows(t.db, 'SELECT COUNT(*) AS n FROM events WHERE link = ?', l))[0].n);
const first = await again(() => firstClickErrors(t, 'soak-sms'));
const flagged = await again(async () => (await rows(t.db, `SELECT COUNT(*) AS n, SUM(ip_prefix IN (${FARM})) AS farm FROM events WHERE link = 'soak-sms' AND bot_reason = 'network-burst'`))[0]);
const farmClicks = await again(async () => (await rows(t.db, `SELECT COUNT(*) AS n FROM events WHERE link = 'soak-sms' AND ip_prefix IN (${FARM})`))[0].n);
const stats = await again(() => t.stats());
const parked = await again(async () => (await rows(t.db, 'SELECT COUNT(*) AS n FROM dead_letters'))[0].n);
const fiveXX = Object.entries(tally).filter(([k]) => / 5\d\d$/.test(k) && !/ 503$/.test(k)).reduce((a, [, n]) => a + n, 0);

console.log(`\n== soak: ${o.minutes} min, ${o.concurrency} connections, faults rotating every ${o.phase} s`);
console.log(`responses        ${JSON.stringify(tally)}`);
console.log(`clicks recorded  expected ${JSON.stringify(expected)}`);
console.log(`click log        ${JSON.stringify(per)} (complete ${(settled.ms / 1000).toFixed(1)} s after the traffic stopped)`);
console.log(`first clicks     ${first.rows} rows for ${first.recipients} recipients, ${first.wrong} wrong`);
console.log(`network bursts   ${flagged.n} clicks flagged, ${flagged.farm ?? 0} of the farm's ${farmClicks}`);
console.log(`dead letters     ${parked}`);
console.log(`injected         ${JSON.stringify(stats.injected)}; consumer ${stats.consumerBatches} batches`);
console.log(`limits           max per invocation: ${JSON.stringify(stats.max)}; over paid limits: ${stats.overLimit.length}; over the free plan's 50 D1 queries: ${JSON.stringify(stats.overFreeD1)}`);
const ok = links.every((l) => per[l] === expected[l]) && first.wrong === 0 && fiveXX === 0 && stats.overLimit.length === 0;
console.log(`\nresult: ${ok ? 'PASS' : 'FAIL'} (500s other than 503 pages: ${fiveXX})`);
await t.mf.dispose();
process.exitCode = ok ? 0 : 1;
