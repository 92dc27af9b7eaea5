// Per-recipient signed links end to end: mint through the API (recording the send ledger),
// click as a phone, first click recorded once; previews and scanners never take it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, OPS, UA, putLink, eventually, rows, SIGNING_KEYS } from './harness.mjs';

let t;
before(async () => {
  t = await start();
  await putLink(t, 'sms');
});
after(async () => t?.mf.dispose());

const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();
const mint = (code, recipients, extra = {}) =>
  t.api(`/api/v1/links/${code}/recipients`, { method: 'POST', body: JSON.stringify({ recipients, ...extra }) });
const click = (url, ua, init = {}) => t.fetch(new URL(url).pathname, { ...init, headers: { 'user-agent': ua, ...(init.headers ?? {}) } });
const firstClicks = (code) => rows(t.db, 'SELECT * FROM first_clicks WHERE link = ? ORDER BY recipient', code);

test('minting records the ledger once and returns short signed links', async () => {
  const batch = [
    { external_id: 'cust-0001', segment: 'dormant-6m', variant: 'A', sent_at: hourAgo() },
    { external_id: 'cust-0002', segment: 'dormant-12m', variant: 'B', sent_at: hourAgo() },
  ];
  const r = await mint('sms', batch);
  assert.equal(r.status, 201);
  const body = await r.json();
  assert.equal(body.created, 2);
  assert.deepEqual(body.recipients.map((x) => x.seq), [1, 2]);
  for (const x of body.recipients) {
    assert.match(x.token, /^[0-9A-Za-z]{1,12}$/);
    assert.equal(x.url, `${t.base}/sms/${x.token}`);
  }
  // A retry of the same batch changes nothing and returns the same links.
  const again = await mint('sms', batch);
  assert.equal(again.status, 200);
  const againBody = await again.json();
  assert.equal(againBody.created, 0);
  assert.deepEqual(againBody.recipients, body.recipients);
  const ledger = await rows(t.db, 'SELECT recipient, external_id, segment, variant FROM sends WHERE link = ? ORDER BY recipient', 'sms');
  assert.deepEqual(ledger.map((l) => [l.recipient, l.external_id, l.segment, l.variant]), [
    [1, 'cust-0001', 'dormant-6m', 'A'],
    [2, 'cust-0002', 'dormant-12m', 'B'],
  ]);
});

test('the ledger refuses contact data, contradictions, unknown links and missing keys', async () => {
  const phone = await mint('sms', [{ external_id: '+86 138 0013 8000' }]);
  assert.equal(phone.status, 400);
  assert.equal((await phone.json()).error.field, 'recipients[0].external_id');
  const email = await mint('sms', [{ external_id: 'someone@example.com' }]);
  assert.equal(email.status, 400);
  const clash = await mint('sms', [{ seq: 1, external_id: 'cust-9999' }]);
  assert.equal(clash.status, 409);
  assert.equal((await clash.json()).error.code, 'ledger-conflict');
  assert.equal((await mint('nope', [{ external_id: 'x-1' }])).status, 404);
  const noKeys = await start({ signingKeys: null, persist: t.dir });
  try {
    const r = await noKeys.api('/api/v1/links/sms/recipients', { method: 'POST', body: JSON.stringify({ recipients: [{ external_id: 'x-1' }] }) });
    assert.equal(r.status, 503);
  } finally {
    await noKeys.mf.dispose();
  }
});

test('click as a phone: first click recorded, with the recipient in the click log', async () => {
  await putLink(t, 'phone');
  const [{ url }] = (await (await mint('phone', [{ external_id: 'p-1', sent_at: hourAgo() }])).json()).recipients;
  const r = await click(url, UA.iphone);
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), 'https://apps.apple.com/app/id1234567890');
  const [fc] = await eventually(async () => {
    const f = await firstClicks('phone');
    return f.length ? f : null;
  });
  assert.equal(fc.recipient, 1);
  const [ev] = await rows(t.db, 'SELECT id, recipient, bot FROM events WHERE link = ?', 'phone');
  assert.equal(ev.id, fc.event_id);
  assert.equal(ev.recipient, 1);
  assert.equal(ev.bot, 0);
  // A second tap is logged but the first click stays.
  await click(url, UA.iphone);
  await eventually(async () => (await rows(t.db, 'SELECT id FROM events WHERE link = ?', 'phone')).length === 2);
  assert.deepEqual(await firstClicks('phone'), [fc]);
});

test('a preview bot first: logged as a bot, the first click is still the phone’s', async () => {
  await putLink(t, 'preview');
  const [{ url }] = (await (await mint('preview', [{ external_id: 'p-2', sent_at: hourAgo() }])).json()).recipients;
  assert.equal((await click(url, UA.whatsapp)).status, 302);
  assert.equal((await click(url, UA.iphone, { method: 'HEAD' })).status, 302);
  await eventually(async () => (await rows(t.db, 'SELECT id FROM events WHERE link = ?', 'preview')).length === 2);
  assert.equal((await firstClicks('preview')).length, 0, 'bots never count as the first click');
  await click(url, UA.pixel);
  const [fc] = await eventually(async () => {
    const f = await firstClicks('preview');
    return f.length ? f : null;
  });
  const [human] = await rows(t.db, 'SELECT id, platform FROM events WHERE link = ? AND bot = 0', 'preview');
  assert.equal(fc.event_id, human.id);
  assert.equal(human.platform, 'android');
  const bots = await rows(t.db, 'SELECT bot_reason FROM events WHERE link = ? AND bot = 1 ORDER BY bot_reason', 'preview');
  assert.deepEqual(bots.map((b) => b.bot_reason), ['head', 'link-preview']);
});

test('a click seconds after the send is flagged as a scanner, not a recall', async () => {
  await putLink(t, 'scanned');
  const now = new Date().toISOString();
  const [{ url }] = (await (await mint('scanned', [{ external_id: 'p-3', sent_at: now }])).json()).recipients;
  await click(url, UA.iphone);
  const [ev] = await eventually(async () => {
    const r = await rows(t.db, 'SELECT bot, bot_reason FROM events WHERE link = ?', 'scanned');
    return r.length ? r : null;
  });
  assert.deepEqual([ev.bot, ev.bot_reason], [1, 'too-soon-after-send']);
  assert.equal((await firstClicks('scanned')).length, 0);
});

test('tampered, truncated, extended and cross-link tokens get the same 404 as an unknown link', async () => {
  await putLink(t, 'other');
  const [{ token }] = (await (await mint('sms', [{ external_id: 'cust-0001' }])).json()).recipients;
  const unknown = await click(`${t.base}/no-such-link`, UA.iphone);
  const reference = [unknown.status, await unknown.text()];
  const flip = (s, i) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
  const bad = [flip(token, 0), flip(token, token.length - 1), token.slice(0, -1), token + 'a', 'a' + token, token.toLowerCase() === token ? token.toUpperCase() : token.toLowerCase()];
  for (const b of bad.filter((x) => x !== token)) {
    const r = await click(`${t.base}/sms/${b}`, UA.iphone);
    assert.deepEqual([r.status, await r.text()], reference, b);
  }
  const cross = await click(`${t.base}/other/${token}`, UA.iphone);
  assert.deepEqual([cross.status, await cross.text()], reference);
  assert.equal((await click(`${t.base}/sms/${token}`, UA.iphone)).status, 302);
});

test('rotation: links minted with a retired key id stop resolving', async () => {
  const [k1, k2] = SIGNING_KEYS.split(',');
  const rotated = await start({ persist: t.dir, signingKeys: `${k2},${k1}` });
  let token;
  try {
    await putLink(rotated, 'rotate');
    [{ token }] = (await (await rotated.api('/api/v1/links/rotate/recipients', { method: 'POST', body: JSON.stringify({ recipients: [{ external_id: 'r-1' }] }) })).json()).recipients;
    assert.equal((await rotated.fetch(`/rotate/${token}`, { headers: { 'user-agent': UA.iphone } })).status, 302);
  } finally {
    await rotated.mf.dispose();
  }
  const retired = await start({ persist: t.dir, signingKeys: k1 });
  try {
    assert.equal((await retired.fetch(`/rotate/${token}`, { headers: { 'user-agent': UA.iphone } })).status, 404);
  } finally {
    await retired.mf.dispose();
  }
});

test('reordered and duplicated deliveries give one first-click row with the earliest time', async () => {
  const worker = await t.mf.getWorker(OPS);
  const ev = (id, ts) => JSON.stringify({ id, ts, link: 'order', campaign: 'c', recipient: 7, method: 'get', outcome: 'redirect', target: 'app-store', platform: 'ios', bot: false });
  const base = Date.now() - 60_000;
  const msgs = [
    ev('01JDQ00000000000000000000C', base + 3000),
    ev('01JDQ00000000000000000000A', base + 1000),
    ev('01JDQ00000000000000000000B', base + 2000),
  ];
  const as = (bodies) => bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), body, attempts: 1 }));
  await worker.queue('wakelink-events', as([msgs[0]]));
  await worker.queue('wakelink-events', as([msgs[2], msgs[0]]));
  await worker.queue('wakelink-events', as([msgs[1], msgs[1], msgs[2]]));
  await worker.queue('wakelink-events', as([msgs[0]]));
  const fc = await rows(t.db, 'SELECT event_id, ts FROM first_clicks WHERE link = ?', 'order');
  assert.deepEqual(fc, [{ event_id: '01JDQ00000000000000000000A', ts: base + 1000 }]);
  assert.equal((await rows(t.db, 'SELECT id FROM events WHERE link = ?', 'order')).length, 3);
});
