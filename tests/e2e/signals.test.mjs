// Client hints and network signals end to end in workerd (Miniflare): a reduced Chrome user
// agent is asked for its model and the repeat lands on the vendor's store; a click from a
// data-centre network without browser headers is flagged and still kept in the click log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, putLink, eventually, rows } from './harness.mjs';

const REDUCED = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
// The test client (Node's fetch) always sends `Sec-Fetch-Mode: cors`, never `navigate`, so the
// people here use Safari, for which only the language list is checked.
const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
const BROWSER_HEADERS = { 'accept-language': 'zh-CN,zh;q=0.9', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };
const AMAZON = 16509; // in the data-centre list
const CHINA_MOBILE = 9808; // a consumer network

let t;
before(async () => {
  t = await start();
  await putLink(t, 'demo');
});
after(async () => t?.mf.dispose());

const events = (code) => rows(t.db, 'SELECT * FROM events WHERE link = ? ORDER BY ts, id', code);

test('a reduced Chrome user agent is asked for its model once, and the repeat lands on the vendor store', async () => {
  await putLink(t, 'ch');
  const first = await t.fetch('/ch', { headers: { 'user-agent': REDUCED, ...BROWSER_HEADERS } });
  assert.equal(first.status, 302);
  assert.equal(first.headers.get('location'), 'https://play.google.com/store/apps/details?id=com.example.wallet');
  assert.equal(first.headers.get('critical-ch'), 'Sec-CH-UA-Model');
  assert.match(first.headers.get('accept-ch'), /Sec-CH-UA-Model/);
  assert.match(first.headers.get('vary'), /Sec-CH-UA-Model/);

  // The browser repeats the request with the hints.
  const hinted = {
    'user-agent': REDUCED,
    ...BROWSER_HEADERS,
    'sec-ch-ua-model': '"2211133C"',
    'sec-ch-ua-platform': '"Android"',
    'sec-ch-ua-platform-version': '"14.0.0"',
  };
  const repeat = await t.fetch('/ch', { headers: hinted });
  assert.equal(repeat.status, 302);
  assert.equal(repeat.headers.get('location'), 'mimarket://details?id=com.example.wallet');
  assert.equal(repeat.headers.get('critical-ch'), null);

  // A phone that won't tell sends an empty model: never asked again, so no loop.
  const empty = await t.fetch('/ch', { headers: { ...hinted, 'sec-ch-ua-model': '""' } });
  assert.equal(empty.status, 302);
  assert.equal(empty.headers.get('location'), 'https://play.google.com/store/apps/details?id=com.example.wallet');
  assert.equal(empty.headers.get('critical-ch'), null);

  // An Honor phone of today on Android 14 goes to Honor's store.
  const honor = await t.fetch('/ch', { headers: { ...hinted, 'sec-ch-ua-model': '"ANY-AN00"' } });
  assert.equal(honor.headers.get('location'), 'honormarket://details?id=com.example.wallet');

  const log = await eventually(async () => {
    const r = await events('ch');
    return r.length === 4 && r;
  });
  assert.deepEqual(
    log.map((e) => [e.outcome, e.vendor, e.bot]),
    [
      ['hint-requested', null, 0],
      ['redirect', 'xiaomi', 0],
      ['redirect', null, 0],
      ['redirect', 'honor', 0],
    ],
  );
});

test('a link may send unknown Android makers to market:// instead of Google Play', async () => {
  const body = (await import('./harness.mjs')).demoLink();
  body.destinations.android_unknown = 'market://details?id=com.example.wallet';
  body.allow.schemes.push('market');
  await putLink(t, 'mkt', body);
  const r = await t.fetch('/mkt', {
    headers: { 'user-agent': REDUCED, ...BROWSER_HEADERS, 'sec-ch-ua-model': '""' },
  });
  assert.equal(r.headers.get('location'), 'market://details?id=com.example.wallet');
});

test('a click from a data-centre network without browser headers is flagged and kept in the log', async () => {
  await putLink(t, 'dc');
  const hourAgo = Math.floor(Date.now() / 1000) - 3600;
  const minted = await t.api('/api/v1/links/dc/recipients', {
    method: 'POST',
    // Instants are RFC 3339 with an offset (the API's one time type).
    body: JSON.stringify({ recipients: [{ external_id: 'cust-dc-1', sent_at: new Date(hourAgo * 1000).toISOString() }] }),
  });
  assert.equal(minted.status, 201);
  const [{ url, seq }] = (await minted.json()).recipients;
  const path = new URL(url).pathname;

  // The scanner still gets its redirect: nothing about the response gives it away.
  const scan = await t.fetch(path, { headers: { 'user-agent': DESKTOP }, cf: { asn: AMAZON, asOrganization: 'Amazon.com, Inc.' } });
  assert.equal(scan.status, 302);
  // A browser from a consumer network with its usual headers is a person.
  const person = await t.fetch(path, { headers: { 'user-agent': SAFARI, ...BROWSER_HEADERS }, cf: { asn: CHINA_MOBILE } });
  assert.equal(person.status, 302);
  // A browser on a VPN (data-centre network, browser headers): one weak signal, a person.
  const vpn = await t.fetch(path, { headers: { 'user-agent': SAFARI, ...BROWSER_HEADERS }, cf: { asn: AMAZON } });
  assert.equal(vpn.status, 302);

  const log = await eventually(async () => {
    const r = await events('dc');
    return r.length === 3 && r;
  });
  assert.deepEqual(
    log.map((e) => [e.recipient, e.bot, e.bot_reason]),
    [
      [seq, 1, 'scanner-network'],
      [seq, 0, null],
      [seq, 0, null],
    ],
  );
  const first = await rows(t.db, 'SELECT event_id FROM first_clicks WHERE link = ? AND recipient = ?', 'dc', seq);
  assert.deepEqual(first.map((f) => f.event_id), [log[1].id]);
});

test('cf verdicts flag alone when the plan provides them, and odd cf values are ignored', async () => {
  await putLink(t, 'cfv');
  const verified = await t.fetch('/cfv', {
    headers: { 'user-agent': DESKTOP, ...BROWSER_HEADERS },
    cf: { asn: CHINA_MOBILE, verifiedBotCategory: 'Search Engine Crawler' },
  });
  assert.equal(verified.status, 302);
  const scored = await t.fetch('/cfv', {
    headers: { 'user-agent': DESKTOP, ...BROWSER_HEADERS },
    cf: { asn: CHINA_MOBILE, botManagement: { score: 1, verifiedBot: false } },
  });
  assert.equal(scored.status, 302);
  const odd = await t.fetch('/cfv', {
    headers: { 'user-agent': DESKTOP, ...BROWSER_HEADERS },
    cf: { asn: 'not a number', botManagement: 'odd', verifiedBotCategory: 42 },
  });
  assert.equal(odd.status, 302);
  const log = await eventually(async () => {
    const r = await events('cfv');
    return r.length === 3 && r;
  });
  assert.deepEqual(
    log.map((e) => e.bot_reason),
    ['verified-bot', 'automated-score', null],
  );
});
