// Load under injected faults, shared by the CI test (tests/e2e/load.test.mjs, small) and the
// figure scripts (bench/faults.mjs, bench/soak.mjs, full size). Traffic goes over real HTTP
// to workerd (Miniflare) with the fault-injection wrapper in front of the built worker.
import { UA, putLink, rows } from './harness.mjs';
import { startFaulty } from './faults.mjs';

export const PHONES = [UA.iphone, UA.pixel, UA.huawei, UA.xiaomi, UA.oppo, UA.vivo, UA.samsung, UA.ipad];
export const BOTS = [UA.slack, UA.whatsapp, UA.curl];

/** Deterministic pseudo-random numbers (so a run can be repeated). */
import { prng } from '../../scripts/prng.mjs';

export { prng };

/** Starts the faulty worker on a loopback port with production-like retries (10). */
export async function startLoadTarget() {
  const t = await startFaulty({ http: true, consumers: { 'wakelink-events': { maxRetries: 10 } } });
  return t;
}

/** Mints `n` per-recipient links for `code` through the API (500 rows a call). */
export async function mint(t, code, n) {
  const sentAt = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const urls = [];
  for (let from = 0; from < n; from += 500) {
    const recipients = [];
    for (let i = from; i < Math.min(n, from + 500); i++) recipients.push({ external_id: `load-${code}-${i}`, sent_at: sentAt });
    const r = await t.api(`/api/v1/links/${code}/recipients`, { method: 'POST', body: JSON.stringify({ recipients }) });
    if (r.status >= 300) throw new Error(`mint: ${r.status} ${await r.text()}`);
    for (const x of (await r.json()).recipients) urls.push(new URL(x.url).pathname);
  }
  return urls;
}

/**
 * Sends `requests` (an array of {path, headers}) over HTTP with `concurrency` connections;
 * returns the status counts and, per path, the statuses seen.
 */
export async function drive(t, requests, concurrency) {
  const statuses = {};
  const byPath = new Map();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const { path, headers, method = 'GET', body } = requests[next++];
      let status;
      try {
        const r = await fetch(t.base + path, { method, headers, body, redirect: 'manual' });
        status = r.status;
        await r.arrayBuffer();
      } catch {
        status = 'network-error';
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!byPath.has(path)) byPath.set(path, []);
      byPath.get(path).push(status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { statuses, byPath };
}

/**
 * Runs `fn` again (up to 3 times, a second apart) when the call to the runtime fails at the
 * network: under a long load the runtime may close a kept-alive connection just as the
 * harness reuses it ("other side closed"), which says nothing about the worker.
 */
export async function again(fn) {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= 2 || !/fetch failed|other side closed|ECONNRESET|socket/i.test(`${e?.message} ${e?.cause?.message}`)) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Runs the cron drain and waits until the click log holds `want` rows for `links`. */
export async function settle(t, links, want, { timeoutMs = 600_000, cronEveryMs = 1000 } = {}) {
  const t0 = Date.now();
  const placeholders = links.map(() => '?').join(',');
  let have = 0;
  while (Date.now() - t0 < timeoutMs) {
    await again(() => t.cron());
    have = await again(async () => (await rows(t.db, `SELECT COUNT(*) AS n FROM events WHERE link IN (${placeholders})`, ...links))[0].n);
    if (have >= want) break;
    await new Promise((r) => setTimeout(r, cronEveryMs));
  }
  return { have, ms: Date.now() - t0 };
}

/**
 * Checks the first-click table against the click log: for every recipient with a human click
 * that reached a destination, exactly one first-click row, naming the earliest such event.
 */
export async function firstClickErrors(t, code) {
  const expected = await rows(
    t.db,
    `SELECT e.recipient, e.id, e.ts FROM events e
     WHERE e.link = ?1 AND e.recipient IS NOT NULL AND e.bot = 0 AND e.target IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM events o WHERE o.link = e.link AND o.recipient = e.recipient
         AND o.bot = 0 AND o.target IS NOT NULL AND (o.ts < e.ts OR (o.ts = e.ts AND o.id < e.id)))`,
    code,
  );
  const got = new Map((await rows(t.db, 'SELECT recipient, event_id FROM first_clicks WHERE link = ?', code)).map((r) => [r.recipient, r.event_id]));
  let wrong = 0;
  for (const e of expected) if (got.get(e.recipient) !== e.id) wrong++;
  return { recipients: expected.length, rows: got.size, wrong: wrong + Math.abs(got.size - expected.length) };
}

/**
 * The headline scenario: `clicks` clicks (half on per-recipient links, half on a campaign
 * link; phones, with a share of bots) at `concurrency` connections while `sendFailRate` of
 * Queue sends fail and D1 fails for the first `d1FailBatches` consumer batches.
 */
export async function clickStorm(t, { clicks, concurrency, sendFailRate, d1FailBatches, recipients, seed = 7, crashes = 0 }) {
  const rnd = prng(seed);
  await putLink(t, 'storm');
  await putLink(t, 'storm-sms');
  const urls = await mint(t, 'storm-sms', recipients);
  await t.faults({ seed, queueSendFailRate: sendFailRate, d1FailBatches, crashAfterWrite: crashes }, { reset: true });
  const requests = [];
  for (let i = 0; i < clicks; i++) {
    const bot = rnd() < 0.1;
    const ua = bot ? BOTS[Math.floor(rnd() * BOTS.length)] : PHONES[Math.floor(rnd() * PHONES.length)];
    const path = rnd() < 0.5 ? urls[Math.floor(rnd() * urls.length)] : '/storm';
    // Each visitor from a network of its own (a /24 each), as phones on different networks:
    // many recipients' links opened from one network within seconds are a scanner's.
    const ip = `10.${(i >> 8) & 255}.${i & 255}.7`;
    requests.push({ path, headers: { 'user-agent': ua, 'cf-connecting-ip': ip } });
  }
  const t0 = Date.now();
  const { statuses } = await drive(t, requests, concurrency);
  const loadMs = Date.now() - t0;
  const settled = await settle(t, ['storm', 'storm-sms'], clicks);
  const count = (await rows(t.db, "SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM events WHERE link IN ('storm', 'storm-sms')"))[0];
  const first = await firstClickErrors(t, 'storm-sms');
  const stats = await t.stats();
  return {
    clicks,
    concurrency,
    statuses,
    fiveXX: Object.entries(statuses).filter(([s]) => /^5/.test(s) || s === 'network-error').reduce((a, [, n]) => a + n, 0),
    loadMs,
    completeAfterLoadMs: settled.ms,
    completeMs: loadMs + settled.ms,
    rows: count.n,
    duplicates: count.n - count.d,
    first,
    stats,
  };
}

/**
 * KV unavailable for `outageMs` while clicks keep coming: links read before the outage keep
 * redirecting, never-seen links get a 503 page, and every served click reaches the log.
 */
export async function kvOutage(t, { outageMs, concurrency = 16, seed = 11 }) {
  const rnd = prng(seed);
  await t.faults({ queueSendFailRate: 0, d1FailBatches: 0 }, { reset: true });
  const warm = ['kv-a', 'kv-b', 'kv-c'];
  for (const code of warm) {
    await putLink(t, code);
    await fetch(`${t.base}/${code}`, { headers: { 'user-agent': UA.iphone }, redirect: 'manual' }); // read once
  }
  const before = (await rows(t.db, "SELECT COUNT(*) AS n FROM events WHERE link IN ('kv-a','kv-b','kv-c')"))[0].n;
  await t.faults({ kvDownUntil: Date.now() + outageMs });
  const until = Date.now() + outageMs - 500;
  const tally = { warm: {}, unseen: {} };
  let served = 0;
  let unseenHtml = 0;
  let n = 0;
  const loop = async () => {
    while (Date.now() < until) {
      const unseen = rnd() < 0.2;
      const path = unseen ? `/never-seen-${n++}` : `/${warm[Math.floor(rnd() * warm.length)]}`;
      const r = await fetch(t.base + path, { headers: { 'user-agent': PHONES[Math.floor(rnd() * PHONES.length)], 'cf-connecting-ip': `203.0.113.${n % 250}` }, redirect: 'manual' });
      const kind = unseen ? 'unseen' : 'warm';
      tally[kind][r.status] = (tally[kind][r.status] ?? 0) + 1;
      if (unseen && r.status === 503 && /text\/html/.test(r.headers.get('content-type') ?? '')) unseenHtml++;
      if (!unseen && (r.status === 302 || r.status === 200)) served++;
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const s = await t.stats();
  const settled = await settle(t, warm, before + served, { timeoutMs: 120_000 });
  return { outageMs, tally, served, unseenHtml, logged: settled.have - before, injectedKvFailures: s.injected.kv };
}
