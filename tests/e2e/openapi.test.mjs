// docs/openapi.json against the real operator API, in workerd: every response below must be
// an operation and a status the file lists, with a JSON body that conforms to the schema the
// file gives for it (tests/e2e/openapi.mjs); the bodies sent for success conform to the
// request schemas; every status of every operation is seen at least once (only storage
// outages are not provoked); and every /api/v1 route the router knows is in the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, demoLink, eventually, root, API_KEY, UA } from './harness.mjs';
import { spec, check, operation } from './openapi.mjs';

let t;
const keys = {};
/** `${template} ${method} ${status}` of every response checked. */
const seen = new Set();
const NOT_PROVOKED = new Set(['503']);

before(async () => {
  t = await start();
  for (const scope of ['read', 'write', 'conversions']) {
    const r = await call('POST', '/api/v1/keys', { body: { name: `oa ${scope}`, scopes: [scope] } });
    keys[scope] = (await r.json()).key;
  }
});
after(async () => t?.mf.dispose());

/**
 * Makes a request and checks its answer against the file. Returns a Response whose body can
 * still be read. `key: null` sends no key; `raw` sends a string body as is.
 */
async function call(method, path, { body, raw, key = API_KEY, headers = {}, expect } = {}) {
  const url = new URL(path, 'http://wakelink.test');
  const found = operation(method, url.pathname);
  assert.ok(found, `${method} ${url.pathname} is not in docs/openapi.json`);
  const { template, op } = found;
  const init = {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  };
  const r = await t.fetch(url.pathname + url.search, init);
  const what = `${method} ${path} -> ${r.status}`;
  if (expect) assert.equal(r.status, expect, `${what}: ${await r.clone().text()}`);
  const documented = op.responses[String(r.status)];
  assert.ok(documented, `${what}: status not in docs/openapi.json`);
  const text = await r.clone().text();
  const ct = (r.headers.get('content-type') ?? '').split(';')[0];
  if (!documented.content) {
    assert.equal(text, '', `${what}: documented without a body`);
  } else {
    const media = documented.content[ct];
    assert.ok(media, `${what}: content-type ${ct} not documented`);
    const docs = ct === 'application/x-ndjson' ? text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : ct === 'text/csv' ? [text] : [JSON.parse(text)];
    // An NDJSON stream may end in a line of its own schema (the events stream's summary).
    const last = media['x-wakelink-last-line'];
    if (last) assert.deepEqual(check(last, docs.pop()), [], `${what}: last line does not conform`);
    for (const d of docs) assert.deepEqual(check(media.schema, d), [], `${what}: body does not conform`);
  }
  // What was sent for a success conforms to the request schema.
  if (r.status < 300 && body !== undefined && op.requestBody) {
    assert.deepEqual(check(op.requestBody.content['application/json'].schema, body), [], `${method} ${path}: request body does not conform`);
  }
  seen.add(`${template} ${method.toLowerCase()} ${r.status}`);
  return r;
}

const iso = (ms) => new Date(ms).toISOString().replace('Z', '+00:00');

test('links, send list, events, conversions and opens answer as documented', async () => {
  await call('PUT', '/api/v1/links/oa-link', { body: demoLink(), expect: 201 });
  await call('PUT', '/api/v1/links/oa-link', { body: demoLink(), expect: 200 });
  await call('GET', '/api/v1/links/oa-link', { expect: 200 });
  await call('GET', '/api/v1/links?limit=1', { expect: 200 });
  await call('GET', '/api/v1/links?campaign=demo', { expect: 200 });
  await call('GET', '/api/v1/links?limit=0', { expect: 400 });
  await call('PUT', '/api/v1/links/oa-gone', { body: { ...demoLink(), variant: 'B', expires_at: iso(Date.now() + 86_400_000) }, expect: 201 });
  await call('DELETE', '/api/v1/links/oa-gone', { expect: 204 });

  await call('POST', '/api/v1/links/oa-link/reservations', { body: { count: 3 }, expect: 201 });
  const sent = { recipients: [{ external_id: 'oa-1', segment: 'dormant-90d', sent_at: iso(Date.now() - 60_000) }, { external_id: 'oa-2' }], honeypot: true };
  const minted = await (await call('POST', '/api/v1/links/oa-link/recipients', { body: sent, expect: 201 })).json();
  await call('POST', '/api/v1/links/oa-link/recipients', { body: sent, expect: 200 });
  await call('POST', '/api/v1/links/oa-link/recipients', { body: { recipients: [{ seq: 999_999, external_id: 'oa-9' }] }, expect: 409 });

  assert.equal((await t.fetch(new URL(minted.recipients[0].url).pathname, { headers: { 'user-agent': UA.iphone } })).status, 302);
  await eventually(async () => (await (await t.api('/api/v1/events?link=oa-link')).json()).events.length > 0);
  await call('GET', '/api/v1/events?link=oa-link&limit=1', { expect: 200 });
  await call('GET', '/api/v1/events?link=oa-link', { headers: { accept: 'application/x-ndjson' }, expect: 200 });
  await call('GET', '/api/v1/export?link=oa-link&format=csv', { expect: 200 });
  await call('GET', '/api/v1/export?link=oa-link&bot=false', { headers: { accept: 'application/x-ndjson' }, expect: 200 });
  await call('GET', '/api/v1/export?format=xlsx', { expect: 400 });

  const conv = { conversions: [{ id: 'oa-login-1', step: 'login', link: 'oa-link', external_id: 'oa-1', ts: iso(Date.now()) }, { id: 'oa-bad', step: 'login' }] };
  const answer = await (await call('POST', '/api/v1/conversions', { body: conv, expect: 200 })).json();
  assert.deepEqual([answer.accepted, answer.rejected], [1, 1]);
  const token = minted.recipients[1].token;
  await call('POST', '/api/v1/opens', { body: { url: `${t.base}/open/oa-link/${token}` }, expect: 202 });
});

test('keys and campaigns answer as documented', async () => {
  const made = await (await call('POST', '/api/v1/keys', { body: { name: 'oa temp', scopes: ['read', 'conversions'] }, expect: 201 })).json();
  await call('GET', '/api/v1/keys?limit=2', { expect: 200 });
  await call('GET', `/api/v1/keys/${made.id}`, { expect: 200 });
  await call('DELETE', `/api/v1/keys/${made.id}`, { expect: 204 });

  const camp = { name: 'OA recall', currency: 'CNY', links: [{ code: 'oa-link', variant: 'A' }], cost_per_send: { sms: 4 } };
  await call('PUT', '/api/v1/campaigns/oa-camp', { body: camp, expect: 201 });
  await call('PUT', '/api/v1/campaigns/oa-camp', { body: { ...camp, time_zone: 'UTC' }, expect: 200 });
  await call('GET', '/api/v1/campaigns/oa-camp', { expect: 200 });
  await call('GET', '/api/v1/campaigns?limit=1', { expect: 200 });
  await call('PUT', '/api/v1/campaigns/oa-camp-2', { body: camp, expect: 201 });
  await call('DELETE', '/api/v1/campaigns/oa-camp-2', { expect: 204 });
  for (const m of ['GET', 'DELETE']) await call(m, '/api/v1/campaigns/%FF', { expect: 400 });
  await call('GET', '/api/v1/keys?limit=0', { expect: 400 });
  await call('GET', '/api/v1/campaigns?limit=0', { expect: 400 });
  await call('GET', '/api/v1/events?since=2026', { expect: 400 });
});

test('dead letters answer as documented', async () => {
  const q = await t.mf.getQueueProducer('EVENTS');
  await q.send('{"id": "broken', { contentType: 'text' });
  await eventually(async () => (await (await t.api('/api/v1/dead-letters')).json()).dead_letters.length > 0);
  const page = await (await call('GET', '/api/v1/dead-letters?limit=1', { expect: 200 })).json();
  await call('GET', `/api/v1/dead-letters?state=all&cursor=${page.next_cursor ?? '0'}`, { expect: 200 });
  await call('GET', '/api/v1/dead-letters?cursor=x', { expect: 400 });
  await call('POST', '/api/v1/dead-letters/replay', { body: { ids: [page.dead_letters[0].id] }, expect: 200 });
  await call('POST', '/api/v1/dead-letters/replay', { body: { all: true }, expect: 200 });
});

test('campaign reports answer as documented', async () => {
  await call('PUT', '/api/v1/links/oa-rep', { body: { ...demoLink(), campaign: 'oa-camp' }, expect: 201 });
  const day = 86_400_000;
  const recipients = ['A', 'B', 'A', 'B'].map((variant, i) => ({ external_id: `oa-r${i}`, variant, segment: i < 2 ? 's1' : 's2', sent_at: iso(Date.now() - 4 * day) }));
  const minted = await (await call('POST', '/api/v1/links/oa-rep/recipients', { body: { recipients }, expect: 201 })).json();
  assert.equal((await t.fetch(new URL(minted.recipients[1].url).pathname, { headers: { 'user-agent': UA.iphone } })).status, 302);
  const base = '/api/v1/campaigns/oa-camp';
  await eventually(async () => (await (await t.api(`${base}/funnel`)).json()).groups?.[0]?.unique_clickers === 1);
  await call('GET', `${base}/funnel?by=variant,segment,channel`, { expect: 200 });
  await call('GET', `${base}/funnel?by=nope`, { expect: 400 });
  await call('GET', `${base}/compare?a=A&b=B&step=clicked`, { expect: 200 });
  await call('GET', `${base}/compare?a=A&b=A&step=clicked`, { expect: 400 });
  await call('GET', `${base}/timing?by=variant`, { expect: 200 });
  await call('GET', `${base}/timing?by=variant,variant`, { expect: 400 });
  await call('GET', `${base}/retention?by=segment`, { expect: 200 });
  await call('GET', `${base}/retention?by=x`, { expect: 400 });
  await call('GET', `${base}/follow-ups?step=clicked&after=3d`, { headers: { accept: 'application/x-ndjson' }, expect: 200 });
  await call('GET', `${base}/follow-ups?step=clicked&after=3d`, { headers: { accept: 'text/csv' }, expect: 200 });
  await call('GET', `${base}/follow-ups?after=3w`, { expect: 400 });
});

/** Concrete paths for a template: params that exist, or that don't. */
const fill = (template, missing) =>
  template
    .replace('{code}', missing ? 'oa-none' : 'oa-link')
    .replace('{campaign}', missing ? 'oa-none' : 'oa-camp')
    .replace('{id}', missing ? 'ffffffffffff' : '000000000000');
const ops = () =>
  Object.entries(spec.paths).flatMap(([template, item]) =>
    Object.keys(item).filter((m) => m !== 'parameters').map((m) => ({ template, method: m.toUpperCase(), op: item[m] })));
// A key without the scope each need, to provoke 403.
const lacking = { read: 'conversions', write: 'read', conversions: 'read', admin: 'write' };

test('every operation: 401 without a key, 403 without its scope, and its documented errors', async () => {
  for (const { template, method, op } of ops()) {
    const path = fill(template, false);
    const sendsBody = Boolean(op.requestBody);
    await call(method, path, { key: null, ...(sendsBody ? { body: {} } : {}), expect: 401 });
    await call(method, path, { key: keys[lacking[op['x-wakelink-scope']]], ...(sendsBody ? { body: {} } : {}), expect: 403 });
    if (op.responses['404']) await call(method, fill(template, true), { ...(sendsBody ? { body: { count: 1 } } : {}), expect: 404 });
    if (op.responses['415']) await call(method, path, { raw: '{}', headers: { 'content-type': 'text/plain' }, expect: 415 });
    if (op.responses['413']) await call(method, path, { raw: ' '.repeat(1_100_000) + '{}', expect: 413 });
    if (op.responses['400'] && sendsBody) await call(method, path, { raw: '{"not-a-field":1}', expect: 400 });
  }
});

test('at 100 active keys a new key is refused as documented', async () => {
  const { n } = await t.db.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL').first();
  for (let i = n; i < 100; i++) {
    await t.db.prepare('INSERT INTO api_keys (id, name, scopes, digest, created_at) VALUES (?, ?, ?, ?, ?)')
      .bind((0xb00000000000 + i).toString(16), 'filler', 'read', 'x', Date.now()).run();
  }
  await call('POST', '/api/v1/keys', { body: { name: 'one too many', scopes: ['read'] }, expect: 409 });
});

test('every documented status was seen, and every /api/v1 route is documented', () => {
  const missing = [];
  for (const { template, method, op } of ops()) {
    for (const status of Object.keys(op.responses)) {
      if (NOT_PROVOKED.has(status)) continue;
      if (!seen.has(`${template} ${method.toLowerCase()} ${status}`)) missing.push(`${method} ${template} ${status}`);
    }
  }
  assert.deepEqual(missing, [], 'documented but never seen');
  // The router's own table (src/domain/route.rs): every ["api", "v1", …] arm.
  const src = readFileSync(join(root, 'src', 'domain', 'route.rs'), 'utf8');
  const routed = [...src.matchAll(/\["api", "v1", ([^\]]+)\]\s*(?:if [^=]+)?=>/g)].map((m) =>
    '/api/v1/' + m[1].split(',').map((s) => s.trim()).map((s) => (s.startsWith('"') ? s.slice(1, -1) : '{}')).join('/'));
  assert.ok(routed.length >= 10, 'the route table was read');
  const documented = Object.keys(spec.paths).map((p) => p.replace(/\{[^}]+\}/g, '{}'));
  assert.deepEqual(routed.filter((p) => !documented.includes(p)), [], 'routed but not in docs/openapi.json');
  assert.deepEqual(documented.filter((p) => !routed.includes(p)), [], 'documented but not routed');
});
