// Rate limits on the click path (Cloudflare's rate-limiting binding, run by Miniflare): a
// person over the limit is still redirected and the click kept, flagged; a machine over the
// limit gets a 429 with Retry-After and writes nothing. API bodies are capped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, UA, putLink, eventually, rows } from './harness.mjs';

let t;
before(async () => {
  t = await start();
  await putLink(t, 'lim');
});
after(async () => t?.mf.dispose());

const LIMIT = 60; // wrangler.toml [[ratelimits]] CLICK_LIMIT
// The binding counts in fixed one-minute windows: start a burst early in a window, and send it
// all at once, so it isn't split across two.
async function freshWindow() {
  const into = Date.now() % 60_000;
  if (into > 40_000) await new Promise((r) => setTimeout(r, 60_000 - into + 50));
}
const burst = (n, f) => Promise.all(Array.from({ length: n }, f));
const hit = (ua, ip, path = '/lim') => t.fetch(path, { headers: { 'user-agent': ua, 'cf-connecting-ip': ip } });

test('a machine over the limit gets a 429 with Retry-After and writes nothing', async () => {
  const ip = '192.0.2.10';
  await freshWindow();
  const first = await burst(LIMIT, () => hit(UA.curl, ip));
  assert.ok(first.every((r) => r.status === 302));
  const r = await hit(UA.curl, ip);
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '60');
  assert.match(r.headers.get('content-type'), /text\/html/);
  // Another address is not affected.
  assert.equal((await hit(UA.curl, '192.0.2.11')).status, 302);
  await eventually(async () => (await rows(t.db, "SELECT id FROM events WHERE link = 'lim' AND ip_prefix = '192.0.2.0/24'")).length === LIMIT + 1);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await rows(t.db, "SELECT id FROM events WHERE link = 'lim' AND ip_prefix = '192.0.2.0/24'")).length, LIMIT + 1);
});

test('a person over the limit is still redirected; the click is kept, flagged rate-limited', async () => {
  const ip = '198.51.100.20';
  await freshWindow();
  for (const r of await burst(LIMIT + 5, () => hit(UA.iphone, ip))) {
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), 'https://apps.apple.com/app/id1234567890');
  }
  const logged = await eventually(async () => {
    const found = await rows(t.db, "SELECT bot, bot_reason FROM events WHERE link = 'lim' AND ip_prefix = '198.51.100.0/24'");
    return found.length === LIMIT + 5 ? found : null;
  });
  const flagged = logged.filter((e) => e.bot_reason === 'rate-limited');
  assert.equal(flagged.length, 5);
  assert.ok(flagged.every((e) => e.bot === 1));
  assert.equal(logged.filter((e) => e.bot === 0).length, LIMIT);
});

test('API bodies are capped', async () => {
  const body = await t.api('/api/v1/links/lim', { method: 'PUT', body: `{"campaign":"${'x'.repeat(20_000)}"}` });
  assert.equal(body.status, 413);
  assert.equal((await body.json()).error.code, 'payload-too-large');
});

test('headers are capped on every path: a 431 with its code, and nothing written', async () => {
  const before = (await rows(t.db, "SELECT COUNT(*) AS n FROM events WHERE link = 'lim'"))[0].n;
  const big = { 'user-agent': UA.iphone, 'x-padding': 'p'.repeat(33 * 1024) };
  const many = { 'user-agent': UA.iphone, ...Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x-h${i}`, '1'])) };
  for (const headers of [big, many]) {
    for (const [path, init] of [['/lim', {}], ['/e', { method: 'POST', body: '{}' }], ['/api/v1/links/lim', {}], ['/health', {}], ['/admin', {}]]) {
      const r = await t.fetch(path, { ...init, headers: { ...headers, authorization: 'Bearer x' } });
      assert.equal(r.status, 431, `${path}`);
      assert.equal((await r.json()).error.code, 'headers-too-large', path);
    }
  }
  // Just under the caps, a tap goes through.
  const r = await t.fetch('/lim', { headers: { 'user-agent': UA.iphone, 'x-padding': 'p'.repeat(30 * 1024) } });
  assert.equal(r.status, 302);
  await eventually(async () => (await rows(t.db, "SELECT COUNT(*) AS n FROM events WHERE link = 'lim'"))[0].n === before + 1);
});

test('SDK beacons over the limit from one address get a 429 with Retry-After', async () => {
  const BEACON_LIMIT = 120; // wrangler.toml [[ratelimits]] BEACON_LIMIT
  const post = (ip) => t.fetch('/e', { method: 'POST', headers: { 'content-type': 'text/plain', 'cf-connecting-ip': ip }, body: '{}' });
  await freshWindow();
  const first = await burst(BEACON_LIMIT, () => post('198.51.100.20'));
  // Counted before the body is read: bad reports count too, and are refused for what they are.
  assert.deepEqual([...new Set(first.map((r) => r.status))], [400]);
  const r = await post('198.51.100.20');
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '60');
  assert.equal((await r.json()).error.code, 'rate-limited');
  assert.equal((await post('198.51.100.21')).status, 400, 'another address is not affected');
});
