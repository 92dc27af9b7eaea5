// The spine end to end, in workerd: resolution per platform, in-app page, error statuses,
// the click log in D1 (exactly once), spool + cron drain, and the operator API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, OPS, UA, demoLink, putLink, eventually, rows } from './harness.mjs';

let t;
before(async () => {
  t = await start();
  await putLink(t, 'demo');
});
after(async () => t?.mf.dispose());

const get = (path, ua, init = {}) => t.fetch(path, { ...init, headers: { 'user-agent': ua, ...(init.headers ?? {}) } });

const platforms = {
  iphone: ['https://apps.apple.com/app/id1234567890'],
  ipad: ['https://apps.apple.com/app/id1234567890'],
  pixel: ['https://play.google.com/store/apps/details?id=com.example.wallet'],
  huawei: ['appmarket://details?id=com.example.wallet'],
  xiaomi: ['mimarket://details?id=com.example.wallet'],
  oppo: ['oppomarket://details?packagename=com.example.wallet'],
  vivo: ['vivomarket://details?id=com.example.wallet'],
  samsung: ['samsungapps://ProductDetail/com.example.wallet'],
  windows: ['https://www.example.com/coupon/demo'],
  mac: ['https://www.example.com/coupon/demo'],
  facebookIos: ['https://apps.apple.com/app/id1234567890'],
};

for (const [name, [location]] of Object.entries(platforms)) {
  test(`redirect: ${name}`, async () => {
    const r = await get('/demo', UA[name]);
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), location);
    assert.match(r.headers.get('cache-control'), /no-store/);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  });
}

test('WeChat gets the open-in-browser page with the destination visible, not a redirect', async () => {
  const r = await get('/demo', UA.wechatIos);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.match(r.headers.get('content-security-policy'), /default-src 'none'/);
  const html = await r.text();
  assert.match(html, /在浏览器打开/);
  assert.match(html, /Open in Browser/);
  assert.ok(html.includes('https://apps.apple.com/app/id1234567890'));
  assert.ok(!/<script/i.test(html), 'the page needs no script');
});

test('destinations are escaped in the page', async () => {
  // The URL parser percent-encodes < > " ' in an https query, but not &: a raw & in the page
  // shows the template's own escaping at work (this fails with escaping turned off).
  const link = demoLink();
  link.destinations.ios = 'https://apps.apple.com/app/id1?x="><script>alert(1)</script>&amp=1&lt=2';
  await putLink(t, 'escaped', link);
  const html = await (await get('/escaped?a=1&b=2', UA.wechatIos)).text();
  assert.ok(!html.includes('<script>alert(1)'), 'raw markup must not reach the page');
  assert.ok(html.includes('%3Cscript%3E'), 'the URL parser encoded the markup');
  const amp = '&(?:#38|amp);';
  assert.match(html, new RegExp(`%3C/script%3E${amp}amp=1${amp}lt=2`), 'the destination\'s & is escaped by the template');
  assert.ok(!/&amp=1|&lt=2/.test(html), 'no raw & from the destination reaches the page');
  assert.match(html, new RegExp(`a=1${amp}b=2`), 'the tapped URL is escaped too');
});

test('HEAD answers like GET without a body', async () => {
  const r = await t.fetch('/demo', { method: 'HEAD', headers: { 'user-agent': UA.iphone } });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), platforms.iphone[0]);
  const nf = await t.fetch('/nope', { method: 'HEAD' });
  assert.equal(nf.status, 404);
  assert.equal(await nf.text(), '');
});

test('unknown, disabled and expired links; other methods', async () => {
  assert.equal((await get('/no-such-code', UA.iphone)).status, 404);
  const disabled = { ...demoLink(), disabled: true };
  await putLink(t, 'off', disabled);
  assert.equal((await get('/off', UA.iphone)).status, 404);
  // A link that has expired since it was stored (the API refuses an expiry already past).
  await t.kv.put('link:old', JSON.stringify({ ...demoLink(), expires_at: '2020-01-01T00:00:00Z' }));
  const gone = await get('/old', UA.iphone);
  assert.equal(gone.status, 410);
  assert.match(await gone.text(), /expired/i);
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const r = await t.fetch('/demo', { method, headers: { 'user-agent': UA.iphone } });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  }
});

test('malformed and oversized paths are 4xx, never 5xx', async () => {
  const paths = [
    '/' + 'a'.repeat(5000), '/demo/' + 'x'.repeat(200), '/%00', '/%ff%fe', '/demo/%2e%2e', '/..%2f..%2fetc',
    '/demo/tok/extra', '//', '/.well-known/x', '/api', '/api/v1/nope', '/<script>', "/'or'1'='1",
    '/%E4%BD%A0%E5%A5%BD',
  ];
  for (const p of paths) {
    const r = await get(p, UA.iphone);
    assert.ok(r.status >= 400 && r.status < 500, `${p.slice(0, 40)} → ${r.status}`);
  }
  // A query string (tracking parameters from a gateway) doesn't change the link.
  assert.equal((await get('/demo?utm_source=sms&x=' + 'y'.repeat(8000), UA.iphone)).status, 302);
});

test('a random barrage of methods, headers and paths gets no 5xx', async () => {
  let seed = 7;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const chars = 'abcXYZ019-_./%~!$&\'()*+,;=:@éü你';
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
  const headers = [
    {}, { 'user-agent': '' }, { 'user-agent': 'x'.repeat(10000) }, { 'sec-purpose': 'prefetch' },
    { authorization: 'Bearer ' }, { authorization: 'Basic Zm9vOmJhcg==' }, { 'content-type': 'application/json' },
    { 'cf-connecting-ip': 'not-an-ip' }, { 'cf-connecting-ip': '::1' }, { accept: 'application/x-ndjson' },
  ];
  for (let i = 0; i < 300; i++) {
    let path = '/';
    const len = rnd(40);
    for (let j = 0; j < len; j++) path += chars[rnd(chars.length)];
    if (i % 5 === 0) path = ['/demo/', '/api/v1/links/', '/api/v1/events?limit=', '/api/v1/links/demo/'][rnd(4)] + path.slice(1);
    const method = methods[rnd(methods.length)];
    const init = { method, headers: headers[rnd(headers.length)] };
    if (!['GET', 'HEAD'].includes(method) && i % 2) init.body = '{"campaign":' + 'x'.repeat(rnd(100));
    let r;
    try {
      r = await t.fetch(encodeURI(decodeURI(path)).replace(/#/g, '%23'), init);
    } catch {
      continue; // a URL the client itself refuses to send
    }
    assert.ok(r.status < 500, `${method} ${path} → ${r.status}`);
    await r.arrayBuffer();
  }
});

test('a click lands in the D1 click log once, with the edge-made id and no raw IP', async () => {
  await putLink(t, 'logged');
  const r = await get('/logged', UA.xiaomi, { headers: { 'cf-connecting-ip': '203.0.113.77' } });
  assert.equal(r.status, 302);
  const [e] = await eventually(async () => {
    const found = await rows(t.db, 'SELECT * FROM events WHERE link = ?', 'logged');
    return found.length ? found : null;
  });
  assert.match(e.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.equal(e.campaign, 'demo-recall-2026');
  assert.equal(e.variant, 'coupon-30-off');
  assert.equal(e.platform, 'android');
  assert.equal(e.vendor, 'xiaomi');
  assert.equal(e.target, 'vendor-store');
  assert.equal(e.outcome, 'redirect');
  assert.equal(e.bot, 0);
  assert.equal(e.ip_prefix, '203.0.113.0/24');
  assert.ok(!JSON.stringify(e).includes('203.0.113.77'));
});

test('bots and previews are logged, flagged with a reason, and still answered', async () => {
  await putLink(t, 'flagged');
  assert.equal((await get('/flagged', UA.slack)).status, 302);
  assert.equal((await get('/flagged', UA.iphone, { headers: { 'sec-purpose': 'prefetch' } })).status, 302);
  assert.equal((await t.fetch('/flagged', { method: 'HEAD', headers: { 'user-agent': UA.iphone } })).status, 302);
  const found = await eventually(async () => {
    const r = await rows(t.db, 'SELECT bot, bot_reason, method FROM events WHERE link = ? ORDER BY ts', 'flagged');
    return r.length === 3 ? r : null;
  });
  assert.deepEqual(found.map((r) => [r.bot, r.bot_reason]).sort(), [[1, 'head'], [1, 'link-preview'], [1, 'prefetch']]);
});

test('the same batch delivered twice leaves one row per event', async () => {
  const worker = await t.mf.getWorker(OPS);
  const id = '01JDQ0000000000000000000AA';
  const body = JSON.stringify({
    id, ts: Date.now(), link: 'twice', campaign: 'c', method: 'get', outcome: 'redirect', target: 'web',
    platform: 'windows', bot: false,
  });
  const batch = [{ id: 'm1', timestamp: new Date(), body, attempts: 1 }, { id: 'm2', timestamp: new Date(), body, attempts: 1 }];
  const first = await worker.queue('wakelink-events', batch);
  const second = await worker.queue('wakelink-events', batch);
  assert.equal(first.outcome, 'ok');
  assert.equal(second.outcome, 'ok');
  assert.equal((await rows(t.db, 'SELECT id FROM events WHERE link = ?', 'twice')).length, 1);
});

test('the events API pages the click log with a cursor and streams NDJSON', async () => {
  await putLink(t, 'paged');
  for (let i = 0; i < 5; i++) await get('/paged', UA.pixel);
  await eventually(async () => (await rows(t.db, 'SELECT id FROM events WHERE link = ?', 'paged')).length === 5);
  const seen = [];
  let cursor = '';
  for (let page = 0; page < 5; page++) {
    const r = await t.api(`/api/v1/events?link=paged&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200);
    const body = await r.json();
    seen.push(...body.events);
    if (!body.next_cursor) break;
    cursor = encodeURIComponent(body.next_cursor);
  }
  assert.equal(seen.length, 5);
  assert.equal(new Set(seen.map((e) => e.id)).size, 5);
  assert.equal(seen[0].bot, false);
  assert.equal(seen[0].link, 'paged');
  const nd = await t.api('/api/v1/events?link=paged', { headers: { accept: 'application/x-ndjson' } });
  assert.equal(nd.headers.get('content-type'), 'application/x-ndjson');
  const lines = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l));
  const summary = lines.pop();
  assert.deepEqual(lines.map((e) => e.id), seen.map((e) => e.id));
  assert.deepEqual(summary, { summary: { count: 5, complete: true } });
  // A capped stream says so and hands over the cursor to resume from.
  const cut = await t.api('/api/v1/events?link=paged&limit=3', { headers: { accept: 'application/x-ndjson' } });
  const cutLines = (await cut.text()).trim().split('\n').map((l) => JSON.parse(l));
  const cutSummary = cutLines.pop().summary;
  assert.equal(cutLines.length, 3);
  assert.equal(cutSummary.complete, false);
  assert.equal(cutSummary.count, 3);
  const rest = await t.api(`/api/v1/events?link=paged&cursor=${encodeURIComponent(cutSummary.next_cursor)}`, {
    headers: { accept: 'application/x-ndjson' },
  });
  const restLines = (await rest.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(restLines.pop(), { summary: { count: 2, complete: true } });
  assert.deepEqual([...cutLines, ...restLines].map((e) => e.id), seen.map((e) => e.id));
  const since = await t.api(`/api/v1/events?link=paged&since=${new Date(seen[4].ts + 1).toISOString()}`);
  assert.equal((await since.json()).events.length, 0);
  const atLast = await t.api(`/api/v1/events?link=paged&since=${encodeURIComponent(new Date(seen[4].ts).toISOString().replace('Z', '+00:00'))}`);
  assert.equal((await atLast.json()).events.length, 1);
  // One time type: milliseconds and date-only values are refused with the field named.
  for (const bad of [String(seen[4].ts), '2026-11-23']) {
    const r = await t.api(`/api/v1/events?since=${bad}`);
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.field, 'since');
  }
});

test('the operator API: keys, validation with the field at fault, get and delete', async () => {
  const noKey = await t.fetch('/api/v1/links/demo');
  assert.equal(noKey.status, 401);
  assert.equal((await noKey.json()).error.code, 'unauthorized');
  const wrongKey = await t.fetch('/api/v1/links/demo', { headers: { authorization: 'Bearer wl_test_0123456789abcdef0124' } });
  assert.equal(wrongKey.status, 401);

  const bad = demoLink();
  bad.destinations.web = 'javascript:alert(1)';
  const r = await t.api('/api/v1/links/bad', { method: 'PUT', body: JSON.stringify(bad) });
  assert.equal(r.status, 400);
  assert.deepEqual(Object.keys((await r.json()).error).sort(), ['code', 'field', 'message']);
  const off = demoLink();
  off.destinations.android = 'https://evil.example.net/x';
  const r2 = await (await t.api('/api/v1/links/bad', { method: 'PUT', body: JSON.stringify(off) })).json();
  assert.equal(r2.error.field, 'destinations.android');
  const junk = await t.api('/api/v1/links/bad', { method: 'PUT', body: '{"campaign":' });
  assert.equal(junk.status, 400);
  assert.equal((await junk.json()).error.code, 'invalid-json');
  const wrongType = await t.api('/api/v1/links/bad', { method: 'PUT', body: '{}', headers: { 'content-type': 'text/plain' } });
  assert.equal(wrongType.status, 415);
  const huge = await t.api('/api/v1/links/bad', { method: 'PUT', body: JSON.stringify({ campaign: 'x'.repeat(20000) }) });
  assert.equal(huge.status, 413);

  const created = await t.api('/api/v1/links/crud', { method: 'PUT', body: JSON.stringify(demoLink()) });
  assert.equal(created.status, 201);
  const again = await t.api('/api/v1/links/crud', { method: 'PUT', body: JSON.stringify(demoLink()) });
  assert.equal(again.status, 200);
  const got = await (await t.api('/api/v1/links/crud')).json();
  assert.equal(got.code, 'crud');
  assert.equal(got.destinations.web, 'https://www.example.com/coupon/demo');
  assert.equal((await t.api('/api/v1/links/crud', { method: 'DELETE' })).status, 204);
  assert.equal((await t.api('/api/v1/links/crud')).status, 404);
  assert.equal((await get('/crud', UA.iphone)).status, 404, 'a deleted link stops resolving');
  assert.equal((await t.api('/api/v1/links/crud', { method: 'POST', body: '{}' })).status, 405);
});

test('app-link association files come from configuration', async () => {
  const aasa = await t.fetch('/.well-known/apple-app-site-association');
  assert.equal(aasa.status, 200);
  assert.ok((await aasa.json()).applinks);
  const al = await t.fetch('/.well-known/assetlinks.json');
  assert.ok(Array.isArray(await al.json()));
});

test('NDJSON streams the whole log across pages, in order', async () => {
  const base = 1_700_000_000_000;
  const stmt = t.db.prepare(
    "INSERT INTO events (id, ts, link, campaign, method, outcome, platform, bot, received_at) VALUES (?, ?, 'bulk', 'c', 'get', 'redirect', 'ios', 0, ?)",
  );
  const ids = [];
  for (let chunk = 0; chunk < 5; chunk++) {
    const batch = [];
    for (let i = 0; i < 500; i++) {
      const n = chunk * 500 + i;
      const id = `01JDQ${String(n).padStart(21, '0')}`;
      ids.push(id);
      batch.push(stmt.bind(id, base + n, base + n));
    }
    await t.db.batch(batch);
  }
  const r = await t.api('/api/v1/events?link=bulk', { headers: { accept: 'application/x-ndjson' } });
  assert.equal(r.status, 200);
  const lines = (await r.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.pop(), { summary: { count: 2500, complete: true } });
  assert.equal(lines.length, 2500);
  assert.deepEqual(lines.map((e) => e.id), ids);
  const page = await (await t.api('/api/v1/events?link=bulk&limit=1000')).json();
  assert.equal(page.events.length, 1000);
  assert.ok(page.next_cursor);
});

test('a malformed queue message is set aside; the rest of its batch is written', async () => {
  const worker = await t.mf.getWorker(OPS);
  const good = JSON.stringify({
    id: '01JDQ0000000000000000000GG', ts: Date.now(), link: 'mixed', campaign: 'c', method: 'get',
    outcome: 'redirect', target: 'web', platform: 'linux', bot: false,
  });
  const result = await worker.queue('wakelink-events', [
    { id: 'bad1', timestamp: new Date(), body: '{"not":"an event"}', attempts: 1 },
    { id: 'bad2', timestamp: new Date(), body: JSON.stringify({ id: 'not-an-edge-id', ts: 1 }), attempts: 1 },
    { id: 'good', timestamp: new Date(), body: good, attempts: 1 },
  ]);
  assert.equal(result.outcome, 'ok');
  assert.deepEqual(result.retryMessages, []);
  assert.equal((await rows(t.db, 'SELECT id FROM events WHERE link = ?', 'mixed')).length, 1);
  // Set aside, not lost: both are parked as dead letters with the reason.
  const parked = await rows(t.db, "SELECT message_id, reason FROM dead_letters WHERE message_id IN ('bad1', 'bad2') ORDER BY message_id");
  assert.deepEqual(parked.map((p) => [p.message_id, p.reason]), [['bad1', 'bad-id'], ['bad2', 'wrong-schema']]);
});
