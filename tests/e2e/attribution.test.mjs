// Attribution you can trust, end to end in workerd: one number per person across waves (CLI and
// API share the link's counter), tokens bound to the link's generation, clicks re-judged when the
// ledger or a honeypot hit arrives, expired tokens recorded as late recalls, one time type, and
// tokens minted before generations existed still resolving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, putLink, demoLink, UA, eventually, rows, root, API_KEY, SIGNING_KEYS } from './harness.mjs';

let t, cli;
before(async () => {
  cli = join(root, 'target', 'debug', 'wakelink');
  if (!existsSync(cli)) execFileSync('cargo', ['build', '--quiet', '--bin', 'wakelink'], { cwd: root, stdio: 'inherit' });
  // Honeypot bursts of 2 s keep the test short; production default is 60 s. Every tap here
  // comes from this machine's one network, as a scanner's would: the network-burst signal is
  // off (burst.test.mjs tests it).
  t = await start({ http: true, vars: { SCANNER_BURST_SECS: '2', NETWORK_BURST_RECIPIENTS: '0' } });
});
after(async () => t?.mf.dispose());

const dir = mkdtempSync(join(tmpdir(), 'wakelink-attr-'));
const run = (args, input = '') =>
  execFileSync(cli, args, { input, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, WAKELINK_SIGNING_KEYS: SIGNING_KEYS, WAKELINK_API_KEY: API_KEY } }).toString();
const post = (path, body) => t.api(path, { method: 'POST', body: JSON.stringify(body) });
const mintApi = async (code, recipients, extra = {}) => {
  const r = await post(`/api/v1/links/${code}/recipients`, { recipients, ...extra });
  assert.ok(r.status === 201 || r.status === 200, `${r.status} ${await r.clone().text()}`);
  return (await r.json()).recipients;
};
/** `wakelink mint --api`: reserve, mint, record the ledger, then write the file. */
const mintCli = (code, csv) => {
  const out = join(dir, `${code}-${Math.random().toString(36).slice(2)}.csv`);
  run(['mint', '--code', code, '--base-url', t.base, '--api', t.base, '--output', out], csv);
  return mintedRows(out);
};
/** A minted CSV's rows as objects by column name. */
const mintedRows = (file) => {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
};
const click = (url, ua = UA.iphone) => fetch(url, { redirect: 'manual', headers: { 'user-agent': ua } });
const iso = (ms) => new Date(ms).toISOString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const events = (code) => rows(t.db, 'SELECT id, ts, recipient, outcome, bot, bot_reason FROM events WHERE link = ? ORDER BY ts, id', code);
const firstClicks = (code) =>
  rows(t.db, `SELECT f.recipient, f.event_id, s.external_id FROM first_clicks f
              LEFT JOIN sends s ON s.link = f.link AND s.recipient = f.recipient WHERE f.link = ? ORDER BY f.recipient`, code);

for (const order of [['cli', 'api'], ['api', 'cli']]) {
  test(`two waves for one code, ${order.join(' then ')}: disjoint links, every click on the right person`, async () => {
    const code = `wave-${order[0]}`;
    await putLink(t, code);
    const sent = iso(Date.now() - 3600_000);
    const wave = (w) => Array.from({ length: 5 }, (_, i) => `${w}-${code}-${i + 1}`);
    const links = []; // [url, external_id]
    for (const [n, tool] of order.entries()) {
      const people = wave(`w${n + 1}`);
      if (tool === 'cli') {
        const minted = mintCli(code, `external_id,sent_at\n${people.map((p) => `${p},${sent}`).join('\n')}\n`);
        links.push(...minted.map((r) => [r.url, r.external_id]));
      } else {
        const minted = await mintApi(code, people.map((external_id) => ({ external_id, sent_at: sent })));
        links.push(...minted.map((r) => [r.url, r.external_id]));
      }
    }
    assert.equal(links.length, 10);
    assert.equal(new Set(links.map(([u]) => u)).size, 10, 'no link is given to two people');
    const reservations = await rows(t.db, 'SELECT first, last FROM reservations WHERE link = ? ORDER BY first', code);
    for (let i = 1; i < reservations.length; i++) assert.ok(reservations[i].first > reservations[i - 1].last);

    for (const [url] of links) assert.equal((await click(url)).status, 302);
    const fc = await eventually(async () => {
      const f = await firstClicks(code);
      return f.length === 10 ? f : null;
    });
    // Every recipient in the log maps to exactly one person, the one the link was sent to.
    const sends = await rows(t.db, 'SELECT recipient, external_id FROM sends WHERE link = ?', code);
    assert.equal(sends.length, 10);
    assert.equal(new Set(sends.map((s) => s.recipient)).size, 10);
    assert.deepEqual(fc.map((f) => f.external_id).sort(), links.map(([, p]) => p).sort());
  });
}

test('each click is credited to the person its link was sent to', async () => {
  await putLink(t, 'who');
  const a = mintCli('who', 'external_id\nwho-cli-1\nwho-cli-2\n');
  const b = await mintApi('who', [{ external_id: 'who-api-1' }, { external_id: 'who-api-2' }]);
  const all = [...a.map((r) => [r.url, r.external_id]), ...b.map((r) => [r.url, r.external_id])];
  for (const [url, person] of all) {
    const before = (await events('who')).length;
    assert.equal((await click(url)).status, 302);
    const ev = await eventually(async () => {
      const e = await events('who');
      return e.length > before ? e[e.length - 1] : null;
    });
    const [s] = await rows(t.db, 'SELECT external_id FROM sends WHERE link = ? AND recipient = ?', 'who', ev.recipient);
    assert.equal(s.external_id, person);
  }
});

test('a deleted and re-created code starts clean; a replaced one keeps its links', async () => {
  await putLink(t, 'reborn');
  const { generation: g1 } = await (await t.api('/api/v1/links/reborn')).json();
  const [old] = await mintApi('reborn', [{ external_id: 'rb-1' }]);
  assert.equal((await click(old.url)).status, 302);
  await putLink(t, 'reborn', { ...demoLink(), variant: 'B' }); // replace: same generation
  assert.equal((await (await t.api('/api/v1/links/reborn')).json()).generation, g1);
  assert.equal((await click(old.url)).status, 302);
  const refused = await t.api('/api/v1/links/reborn', { method: 'PUT', body: JSON.stringify({ ...demoLink(), generation: '0000000000000001' }) });
  assert.equal((await refused.json()).error.field, 'generation');

  assert.equal((await t.api('/api/v1/links/reborn', { method: 'DELETE' })).status, 204);
  await putLink(t, 'reborn');
  const { generation: g2 } = await (await t.api('/api/v1/links/reborn')).json();
  assert.notEqual(g2, g1);
  const gone = await click(old.url);
  assert.equal(gone.status, 404, 'the old generation’s token no longer opens the code');
  const [fresh] = await mintApi('reborn', [{ external_id: 'rb-1' }]);
  assert.notEqual(fresh.url, old.url);
  assert.ok(fresh.seq > old.seq, 'numbers are never reused within a code');
  assert.equal((await click(fresh.url)).status, 302);
  const ledger = await rows(t.db, 'SELECT recipient, external_id, generation FROM sends WHERE link = ? ORDER BY recipient', 'reborn');
  assert.deepEqual(ledger.map((l) => [l.recipient, l.generation]), [[old.seq, g1], [fresh.seq, g2]]);
});

test('the ledger arriving after the clicks re-judges them: too soon and before the send are flagged', async () => {
  await putLink(t, 'late');
  const receipt = run(['reserve', '--api', t.base, '--code', 'late', '--count', '3']).trim();
  const now = Date.now();
  const csv = `external_id,sent_at\nlate-scanned,${iso(now)}\nlate-early,${iso(now + 120_000)}\nlate-person,${iso(now - 3600_000)}\n`;
  const file = join(dir, 'late.csv');
  run(['mint', '--code', 'late', '--base-url', t.base, '--reservation', receipt, '--output', file], csv);
  const minted = mintedRows(file);
  // Sent, then clicked before anyone uploads the ledger: every click looks human for now.
  for (const r of minted) assert.equal((await click(r.url)).status, 302);
  await eventually(async () => (await firstClicks('late')).length === 3);
  run(['upload', '--api', t.base, '--code', 'late', '--input', file]);
  const fc = await eventually(async () => {
    const f = await firstClicks('late');
    return f.length === 1 ? f : null;
  });
  assert.equal(fc[0].external_id, 'late-person');
  const reasons = Object.fromEntries((await events('late')).map((e) => [e.recipient, e.bot_reason ?? null]));
  const seqOf = (id) => Number(minted.find((r) => r.external_id === id).seq);
  assert.equal(reasons[seqOf('late-scanned')], 'too-soon-after-send');
  assert.equal(reasons[seqOf('late-early')], 'before-send');
  assert.equal(reasons[seqOf('late-person')], null);
  // Uploading again (a retry) changes nothing.
  run(['upload', '--api', t.base, '--code', 'late', '--input', file]);
  assert.deepEqual(await firstClicks('late'), fc);
});

test('a honeypot hit is recorded, never a click, and takes the burst around it back', async () => {
  await putLink(t, 'edm');
  const sent = iso(Date.now() - 3600_000);
  const [a, b] = await mintApi('edm', [{ external_id: 'edm-a', sent_at: sent }, { external_id: 'edm-b', sent_at: sent }], { honeypot: true });
  assert.match(a.honeypot_url, /^http/);
  assert.ok(a.honeypot_url.split('/').pop().length <= 12);
  assert.notEqual(a.honeypot_url, a.url);
  // The scanner opens the real link, then the hidden one.
  assert.equal((await click(a.url)).status, 302);
  await eventually(async () => (await firstClicks('edm')).length === 1);
  assert.equal((await click(a.honeypot_url)).status, 302, 'answered like any link: nothing to tell a scanner');
  await eventually(async () => (await firstClicks('edm')).length === 0);
  let ev = await events('edm');
  assert.deepEqual(ev.map((e) => [e.bot, e.bot_reason]), [[1, 'scanner-burst'], [1, 'honeypot']]);
  // The person taps later, outside the burst: that is the recall.
  await sleep(2500);
  assert.equal((await click(a.url)).status, 302);
  const [fc] = await eventually(async () => {
    const f = await firstClicks('edm');
    return f.length === 1 ? f : null;
  });
  assert.equal(fc.external_id, 'edm-a');
  // Honeypot first, click right after: the click is the scanner's too, whatever the order.
  assert.equal((await click(b.honeypot_url)).status, 302);
  assert.equal((await click(b.url)).status, 302);
  await eventually(async () => (await events('edm')).length === 5);
  await sleep(200);
  assert.deepEqual((await firstClicks('edm')).map((f) => f.external_id), ['edm-a']);
  ev = await events('edm');
  assert.equal(ev.filter((e) => e.bot_reason === 'honeypot').length, 2);
});

test('an expired token is a late recall: the expired page, recorded as gone', async () => {
  await putLink(t, 'brief');
  const [r] = await mintApi('brief', [{ external_id: 'br-1', sent_at: iso(Date.now() - 3600_000) }], { expires_at: iso(Date.now() + 1500) });
  assert.equal((await click(r.url)).status, 302);
  await sleep(1700);
  const late = await click(r.url);
  assert.equal(late.status, 410);
  assert.match(await late.text(), /expired/i);
  const ev = await eventually(async () => {
    const e = await events('brief');
    return e.length === 2 ? e : null;
  });
  assert.deepEqual(ev.map((e) => [e.recipient, e.outcome]), [[r.seq, 'redirect'], [r.seq, 'gone']]);
  const forged = r.token.slice(0, -1) + (r.token.endsWith('a') ? 'b' : 'a');
  assert.equal((await click(`${t.base}/brief/${forged}`)).status, 404);
  assert.equal((await firstClicks('brief')).length, 1);
});

/** A first-format token (before generations): `docs/tokens.md`, "The first format". */
function tokenV1(secret, code, seq, kid) {
  const A = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const tail = Buffer.alloc(12);
  tail.writeBigUInt64BE(BigInt(seq));
  tail[8] = kid;
  const msg = Buffer.concat([Buffer.from('wl1\0'), Buffer.from([code.length]), Buffer.from(code), tail]);
  const tag = createHmac('sha256', secret).update(msg).digest().readBigUInt64BE(0) >> 20n;
  let n = tag + (1n << 44n) * (BigInt(kid) + 8n * (2n * BigInt(seq)));
  let s = '';
  do {
    s = A[Number(n % 62n)] + s;
    n /= 62n;
  } while (n > 0n);
  return s;
}

test('tokens sent before generations existed keep resolving on their link', async () => {
  // A link stored by the previous version: no generation in its configuration.
  await t.kv.put('link:legacy', JSON.stringify(demoLink()));
  const token = tokenV1(Buffer.alloc(32, 0x42), 'legacy', 7, 1);
  const r = await click(`${t.base}/legacy/${token}`);
  assert.equal(r.status, 302);
  const [ev] = await eventually(async () => {
    const e = await events('legacy');
    return e.length ? e : null;
  });
  assert.equal(ev.recipient, 7);
  // New links have a generation: first-format tokens don't open them.
  await putLink(t, 'modern');
  assert.equal((await click(`${t.base}/modern/${tokenV1(Buffer.alloc(32, 0x42), 'modern', 7, 1)}`)).status, 404);
});

test('one time type: RFC 3339 with an offset, to the second; numbers, date-only and past expiries refused', async () => {
  await putLink(t, 'times');
  const refused = [
    [{ recipients: [{ external_id: 'x', sent_at: Math.floor(Date.now() / 1000) }] }, 'recipients[0].sent_at'],
    [{ recipients: [{ external_id: 'x', sent_at: Date.now() }] }, 'recipients[0].sent_at'],
    [{ recipients: [{ external_id: 'x', sent_at: '2026-11-20' }] }, 'recipients[0].sent_at'],
    [{ recipients: [{ external_id: 'x' }], expires_at: iso(Date.now() - 1000) }, 'expires_at'],
    [{ recipients: [{ external_id: 'x' }], expires_at: '2099-12-31' }, 'expires_at'],
  ];
  for (const [body, field] of refused) {
    const r = await post('/api/v1/links/times/recipients', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal((await r.json()).error.field, field);
  }
  const past = await t.api('/api/v1/links/times2', { method: 'PUT', body: JSON.stringify({ ...demoLink(), expires_at: '2020-01-01T00:00:00Z' }) });
  assert.equal((await past.json()).error.field, 'expires_at');
  const put = await t.api('/api/v1/links/times2', { method: 'PUT', body: JSON.stringify({ ...demoLink(), expires_at: '2099-12-31T23:59:59+08:00' }) });
  assert.equal(put.status, 201);
  // Contact data in any writing is refused; numeric customer ids are not.
  for (const external_id of ['１３８００１３８０００', 'tel:+8613800138000', 'a＠example.com', '138-0013-8000']) {
    const r = await post('/api/v1/links/times/recipients', { recipients: [{ external_id }] });
    assert.equal(r.status, 400, external_id);
  }
  assert.equal((await post('/api/v1/links/times/recipients', { recipients: [{ external_id: '100200300400' }] })).status, 201);
});

test('a full batch of 1,000 long rows is recorded in one request; unreserved numbers are refused', async () => {
  await putLink(t, 'bulk');
  const batch = Array.from({ length: 1000 }, (_, i) => ({
    external_id: `${String(i).padStart(4, '0')}-${'x'.repeat(123)}`,
    segment: 'é'.repeat(64),
    variant: '"'.repeat(64),
    sent_at: iso(Date.now() - 3600_000),
  }));
  const r = await post('/api/v1/links/bulk/recipients', { recipients: batch });
  assert.equal(r.status, 201, await r.clone().text());
  assert.equal((await r.json()).created, 1000);
  const again = await post('/api/v1/links/bulk/recipients', { recipients: batch });
  assert.equal(again.status, 200);
  assert.equal((await again.json()).created, 0);
  const [{ n }] = await rows(t.db, 'SELECT COUNT(*) AS n FROM sends WHERE link = ?', 'bulk');
  assert.equal(n, 1000);
  // A number nobody reserved (an offline list minted from seq 1 by an older CLI, say).
  const stray = await post('/api/v1/links/bulk/recipients', { recipients: [{ seq: 5000, external_id: 'stray' }] });
  assert.equal(stray.status, 409);
  assert.equal((await stray.json()).error.code, 'seq-not-reserved');
  const res = await post('/api/v1/links/bulk/reservations', { count: 0 });
  assert.equal((await res.json()).error.field, 'count');
});
