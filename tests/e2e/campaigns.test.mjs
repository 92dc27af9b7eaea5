// Campaign records end to end, in workerd: PUT creates (201) or replaces (200) with the
// defaults filled in, GET answers the effective record, DELETE removes it, the list pages
// with a cursor; every refusal names its field; links work with or without a record.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, putLink, demoLink, UA, rows } from './harness.mjs';

let t;
before(async () => {
  t = await start();
});
after(async () => t?.mf.dispose());

const spring = () => ({
  name: 'Spring recall',
  currency: 'CNY',
  links: [
    { code: 'spring-a', variant: 'A' },
    { code: 'spring-b', variant: 'B' },
    { code: 'spring-a-mail', variant: 'A', channel: 'email' },
  ],
  cost_per_send: { sms: 5, email: 1 },
});
const put = (id, body) => t.api(`/api/v1/campaigns/${encodeURIComponent(id)}`, { method: 'PUT', body: JSON.stringify(body) });
const get = (id) => t.api(`/api/v1/campaigns/${encodeURIComponent(id)}`);

test('PUT creates with defaults filled in; GET answers the same; PUT again replaces', async () => {
  const r = await put('spring', spring());
  assert.equal(r.status, 201);
  const created = await r.json();
  assert.deepEqual(
    { ...created, created_at: undefined, updated_at: undefined },
    {
      campaign: 'spring',
      name: 'Spring recall',
      links: [
        { code: 'spring-a', variant: 'A', channel: 'sms' },
        { code: 'spring-b', variant: 'B', channel: 'sms' },
        { code: 'spring-a-mail', variant: 'A', channel: 'email' },
      ],
      steps: ['sent', 'clicked', 'landing_view', 'login', 'credit_apply', 'credit_granted', 'loan'],
      follow_up_after_hours: 72,
      attribution_window_hours: 72,
      time_zone: 'Asia/Shanghai',
      currency: 'CNY',
      default_channel: 'sms',
      cost_per_send: { sms: 5, email: 1 },
      revision: 1,
      created_at: undefined,
      updated_at: undefined,
    },
  );
  assert.deepEqual(await (await get('spring')).json(), created);

  await new Promise((r) => setTimeout(r, 5));
  const changed = { ...spring(), steps: ['login', 'loan'], follow_up_after_hours: 48, time_zone: 'Europe/Berlin' };
  const r2 = await put('spring', changed);
  assert.equal(r2.status, 200);
  const replaced = await r2.json();
  assert.equal(replaced.revision, 2);
  assert.equal(replaced.created_at, created.created_at);
  assert.ok(replaced.updated_at > created.updated_at);
  assert.deepEqual(replaced.steps, ['sent', 'clicked', 'login', 'loan']);
  assert.equal(replaced.follow_up_after_hours, 48);
  assert.deepEqual(await (await get('spring')).json(), replaced);
  // Stored as written (the operator's JSON), one row.
  const stored = await rows(t.db, 'SELECT record FROM campaigns WHERE id = ?', 'spring');
  assert.equal(stored.length, 1);
  assert.deepEqual(JSON.parse(stored[0].record).steps, ['login', 'loan']);
});

test('names with spaces and non-ASCII characters travel percent-encoded', async () => {
  const id = '春季 recall #2';
  assert.equal((await put(id, { name: '春季召回', currency: 'CNY' })).status, 201);
  const got = await (await get(id)).json();
  assert.equal(got.campaign, id);
  assert.equal(got.name, '春季召回');
  assert.equal((await t.api('/api/v1/campaigns/%FF')).status, 400);
  assert.equal((await t.api(`/api/v1/campaigns/${'x'.repeat(65)}`)).status, 400);
});

test('every refusal names its field, and nothing is written', async () => {
  const cases = [
    [{ ...spring(), colour: 'red' }, 'colour', 'invalid-json'],
    [{ ...spring(), currency: 'yuan' }, 'currency', 'invalid-input'],
    [{ ...spring(), time_zone: 'Mars/Olympus' }, 'time_zone', 'invalid-input'],
    [{ ...spring(), steps: ['login', 'login'] }, 'steps[1]', 'invalid-input'],
    [{ ...spring(), steps: ['sent', 'login'] }, 'steps[1]', 'invalid-input'],
    [{ ...spring(), follow_up_after_hours: 0 }, 'follow_up_after_hours', 'invalid-input'],
    [{ ...spring(), links: [{ code: 'a', variant: 'A' }, { code: 'a', variant: 'B' }] }, 'links[1].code', 'invalid-input'],
    [{ ...spring(), links: [{ code: 'a', variant: 'A', channel: 'fax' }] }, 'links[0].channel', 'invalid-input'],
    [{ ...spring(), cost_per_send: { sms: 10_000_001 } }, 'cost_per_send.sms', 'invalid-input'],
    [{ ...spring(), name: ' ' }, 'name', 'invalid-input'],
  ];
  for (const [body, field, code] of cases) {
    const r = await put('refused', body);
    assert.equal(r.status, 400, field);
    const { error } = await r.json();
    assert.equal(error.field, field);
    assert.equal(error.code, code);
  }
  assert.equal((await put('refused', null)).status, 400);
  const wrongType = await t.api('/api/v1/campaigns/refused', { method: 'PUT', body: '{}', headers: { 'content-type': 'text/plain' } });
  assert.equal(wrongType.status, 415);
  const big = await t.api('/api/v1/campaigns/refused', { method: 'PUT', body: JSON.stringify({ ...spring(), name: 'x'.repeat(70_000) }) });
  assert.equal(big.status, 413);
  assert.equal((await get('refused')).status, 404);
  assert.equal((await rows(t.db, "SELECT id FROM campaigns WHERE id = 'refused'")).length, 0);
});

test('the list pages through every campaign in name order', async () => {
  for (const id of ['p-3', 'p-1', 'p-5', 'p-2', 'p-4']) assert.equal((await put(id, { name: id, currency: 'USD' })).status, 201);
  const seen = [];
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const page = await (await t.api(`/api/v1/campaigns?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
    assert.ok(page.campaigns.length <= 2);
    seen.push(...page.campaigns.map((c) => c.campaign));
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  const all = (await rows(t.db, 'SELECT id FROM campaigns ORDER BY id')).map((r) => r.id);
  assert.deepEqual(seen, all);
  assert.ok(['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'spring'].every((id) => seen.includes(id)));
  for (const bad of ['limit=0', 'limit=101', 'limit=x', 'cursor=']) {
    const r = await t.api(`/api/v1/campaigns?${bad}`);
    assert.equal(r.status, 400, bad);
  }
  assert.equal((await t.api('/api/v1/campaigns', { method: 'POST', body: '{}' })).status, 405);
});

test('DELETE removes the record; a second DELETE is 404', async () => {
  assert.equal((await put('short', { name: 'Short', currency: 'CNY' })).status, 201);
  assert.equal((await t.api('/api/v1/campaigns/short', { method: 'DELETE' })).status, 204);
  const gone = await get('short');
  assert.equal(gone.status, 404);
  assert.equal((await gone.json()).error.code, 'campaign-not-found');
  assert.equal((await t.api('/api/v1/campaigns/short', { method: 'DELETE' })).status, 404);
});

test('links work with or without a campaign record, before and after one is deleted', async () => {
  const link = { ...demoLink(), campaign: 'no-record-here' };
  await putLink(t, 'norecord', link);
  const tap = () => t.fetch('/norecord', { headers: { 'user-agent': UA.iphone } });
  assert.equal((await tap()).status, 302);
  await putLink(t, 'spring-a', { ...demoLink(), campaign: 'spring' });
  assert.equal((await t.fetch('/spring-a', { headers: { 'user-agent': UA.pixel } })).status, 302);
  assert.equal((await t.api('/api/v1/campaigns/spring', { method: 'DELETE' })).status, 204);
  assert.equal((await t.fetch('/spring-a', { headers: { 'user-agent': UA.pixel } })).status, 302);
  assert.equal((await t.api('/api/v1/links/spring-a')).status, 200);
});
