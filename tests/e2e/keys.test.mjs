// Operator API keys end to end, in workerd: the API_KEYS secret bootstraps (acts as admin),
// issued keys are created, listed and revoked through /api/v1/keys, stored only as a SHA-256
// digest, and every operator route is refused (403 forbidden-scope) to a key without the
// scope it needs; 401 without a valid key. Last use is recorded at most once a minute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { start, putLink, demoLink, eventually, rows } from './harness.mjs';

let t;
const issued = {};
before(async () => {
  t = await start();
  await putLink(t, 'demo');
  for (const scope of ['read', 'write', 'conversions', 'admin']) {
    const r = await t.api('/api/v1/keys', { method: 'POST', body: JSON.stringify({ name: `${scope} key`, scopes: [scope] }) });
    assert.equal(r.status, 201, await r.clone().text());
    assert.equal(r.headers.get('cache-control'), 'no-store');
    issued[scope] = await r.json();
  }
});
after(async () => t?.mf.dispose());

const as = (key, path, init = {}) =>
  t.fetch(path, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
const code = async (r) => (r.headers.get('content-type')?.includes('json') ? (await r.json()).error?.code : undefined);

test('a new key is shown once, whole, and stored only as its SHA-256', async () => {
  const k = issued.read;
  assert.match(k.key, /^wlk_[0-9a-f]{12}_[0-9a-f]{48}$/);
  assert.equal(k.key.slice(4, 16), k.id);
  assert.deepEqual(k.scopes, ['read']);
  assert.equal(k.name, 'read key');
  assert.match(k.created_at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(k.last_used_at, null);
  const [row] = await rows(t.db, 'SELECT * FROM api_keys WHERE id = ?', k.id);
  assert.equal(row.digest, createHash('sha256').update(k.key).digest('hex'));
  const secret = k.key.slice(17);
  const all = JSON.stringify(await rows(t.db, 'SELECT * FROM api_keys'));
  assert.ok(!all.includes(secret), 'the secret part of a key is stored nowhere');
  // Listing and reading one key never show it again.
  const list = await (await t.api('/api/v1/keys')).text();
  assert.ok(!list.includes(secret));
  assert.ok(!list.includes('"key"'));
  const one = await (await t.api(`/api/v1/keys/${k.id}`)).json();
  assert.deepEqual(Object.keys(one).sort(), ['created_at', 'id', 'last_used_at', 'name', 'revoked_at', 'scopes']);
});

test('401 with a challenge without a valid key: none, unknown, altered, malformed', async () => {
  const k = issued.admin.key;
  const altered = k.slice(0, -1) + (k.endsWith('0') ? '1' : '0');
  const otherId = `wlk_${'0'.repeat(12)}${k.slice(16)}`;
  for (const auth of [undefined, 'Bearer ', `Basic ${k}`, `Bearer ${altered}`, `Bearer ${otherId}`, `Bearer ${k.toUpperCase()}`, `Bearer ${k}x`]) {
    const r = await t.fetch('/api/v1/keys', { headers: auth ? { authorization: auth } : {} });
    assert.equal(r.status, 401, String(auth));
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assert.equal(await code(r), 'unauthorized');
  }
});

// Every operator route with the scope it needs: [method, path, body, needs].
const routes = [
  ['GET', '/api/v1/links/demo', null, 'read'],
  ['PUT', '/api/v1/links/scoped', demoLink(), 'write'],
  ['DELETE', '/api/v1/links/gone-already', null, 'write'],
  ['POST', '/api/v1/links/demo/reservations', { count: 1 }, 'write'],
  ['POST', '/api/v1/links/demo/recipients', { recipients: [] }, 'write'],
  ['GET', '/api/v1/events?limit=1', null, 'read'],
  ['POST', '/api/v1/conversions', { conversions: [] }, 'conversions'],
  ['POST', '/api/v1/opens', { url: 'https://wakelink.test/o/x' }, 'conversions'],
  ['GET', '/api/v1/campaigns', null, 'read'],
  ['GET', '/api/v1/campaigns/none-yet', null, 'read'],
  ['PUT', '/api/v1/campaigns/scoped', { name: 'Scoped', currency: 'CNY' }, 'write'],
  ['DELETE', '/api/v1/campaigns/none-yet', null, 'write'],
  ['GET', '/api/v1/keys', null, 'admin'],
  ['POST', '/api/v1/keys', { name: 'x', scopes: ['read'] }, 'admin'],
  ['GET', '/api/v1/keys/000000000000', null, 'admin'],
  ['DELETE', '/api/v1/keys/000000000000', null, 'admin'],
];
// Which needs a key of each scope meets: write also reports conversions; admin meets all.
const allowed = {
  read: ['read'],
  write: ['write', 'conversions'],
  conversions: ['conversions'],
  admin: ['read', 'write', 'conversions', 'admin'],
};

for (const scope of ['read', 'write', 'conversions', 'admin']) {
  test(`a ${scope} key: every operator route answers or refuses with 403 forbidden-scope`, async () => {
    for (const [method, path, body, needs] of routes) {
      const r = await as(issued[scope].key, path, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
      const what = `${scope} ${method} ${path} -> ${r.status}`;
      if (allowed[scope].includes(needs)) {
        assert.notEqual(r.status, 401, what);
        assert.notEqual(r.status, 403, what);
        await r.arrayBuffer();
      } else {
        assert.equal(r.status, 403, what);
        assert.equal(await code(r), 'forbidden-scope', what);
        assert.match(r.headers.get('www-authenticate'), /insufficient_scope/);
      }
    }
  });
}

test('the deployment key (API_KEYS) acts as admin on every route', async () => {
  for (const [method, path, body] of routes) {
    const r = await t.api(path, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
    assert.ok(![401, 403].includes(r.status), `${method} ${path} -> ${r.status}`);
    await r.arrayBuffer();
  }
});

test('refused writes change nothing', async () => {
  const before = await (await t.api('/api/v1/links/demo')).json();
  const changed = { ...demoLink(), campaign: 'hijacked' };
  assert.equal((await as(issued.read.key, '/api/v1/links/demo', { method: 'PUT', body: JSON.stringify(changed) })).status, 403);
  assert.equal((await as(issued.conversions.key, '/api/v1/links/demo', { method: 'DELETE' })).status, 403);
  assert.deepEqual(await (await t.api('/api/v1/links/demo')).json(), before);
  const keysBefore = (await rows(t.db, 'SELECT COUNT(*) AS n FROM api_keys'))[0].n;
  assert.equal((await as(issued.write.key, '/api/v1/keys', { method: 'POST', body: '{"name":"x","scopes":["admin"]}' })).status, 403);
  assert.equal((await rows(t.db, 'SELECT COUNT(*) AS n FROM api_keys'))[0].n, keysBefore);
});

test('an issued admin key manages keys; bad bodies name the field', async () => {
  const admin = issued.admin.key;
  const r = await as(admin, '/api/v1/keys', { method: 'POST', body: JSON.stringify({ name: 'ci', scopes: ['read', 'write'] }) });
  assert.equal(r.status, 201);
  const ci = await r.json();
  assert.deepEqual(ci.scopes, ['read', 'write']);
  assert.equal((await as(ci.key, '/api/v1/links/demo')).status, 200);
  for (const [body, field] of [
    [{ name: 'x', scopes: ['root'] }, 'scopes[0]'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: '', scopes: ['read'] }, 'name'],
  ]) {
    const bad = await as(admin, '/api/v1/keys', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.field, field);
  }
  const extra = await as(admin, '/api/v1/keys', { method: 'POST', body: '{"name":"x","scopes":["read"],"digest":"00"}' });
  assert.equal(extra.status, 400);
  assert.equal((await extra.json()).error.code, 'invalid-json');
});

test('a revoked key is refused at once and listed as revoked', async () => {
  const r = await t.api('/api/v1/keys', { method: 'POST', body: JSON.stringify({ name: 'short-lived', scopes: ['read'] }) });
  const k = await r.json();
  assert.equal((await as(k.key, '/api/v1/events?limit=1')).status, 200);
  assert.equal((await t.api(`/api/v1/keys/${k.id}`, { method: 'DELETE' })).status, 204);
  const refused = await as(k.key, '/api/v1/events?limit=1');
  assert.equal(refused.status, 401);
  const listed = await (await t.api(`/api/v1/keys/${k.id}`)).json();
  assert.match(listed.revoked_at, /^\d{4}-/);
  // Revoking again keeps the first time; unknown and malformed ids are 404.
  assert.equal((await t.api(`/api/v1/keys/${k.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await (await t.api(`/api/v1/keys/${k.id}`)).json()).revoked_at, listed.revoked_at);
  for (const id of ['ffffffffffff', 'not-a-key-id']) {
    const gone = await t.api(`/api/v1/keys/${id}`, { method: 'DELETE' });
    assert.equal(gone.status, 404);
    assert.equal(await code(gone), 'key-not-found');
  }
});

test('listing pages through keys with a cursor', async () => {
  const seen = [];
  let cursor = '';
  for (let i = 0; i < 50; i++) {
    const page = await (await t.api(`/api/v1/keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
    seen.push(...page.keys.map((k) => k.id));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const all = (await rows(t.db, 'SELECT id FROM api_keys ORDER BY id')).map((r) => r.id);
  assert.deepEqual(seen, all);
  assert.equal((await t.api('/api/v1/keys?limit=0')).status, 400);
});

test('last use is recorded after the answer, at most once a minute', async () => {
  const k = issued.conversions;
  const lastUsed = async () => (await rows(t.db, 'SELECT last_used_at AS t FROM api_keys WHERE id = ?', k.id))[0].t;
  await as(k.key, '/api/v1/opens', { method: 'POST', body: '{}' });
  const first = await eventually(lastUsed);
  // Within the minute: no write.
  await as(k.key, '/api/v1/opens', { method: 'POST', body: '{}' });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await lastUsed(), first);
  // A refused (403) request is still a use of the key.
  await db(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`, first - 61_000, k.id);
  assert.equal((await as(k.key, '/api/v1/events')).status, 403);
  const later = await eventually(async () => ((await lastUsed()) > first - 61_000 ? lastUsed() : null));
  assert.ok(later >= first);
  const listed = (await (await t.api(`/api/v1/keys/${k.id}`)).json()).last_used_at;
  assert.equal(Date.parse(listed), later);
});

const db = (sql, ...args) => t.db.prepare(sql).bind(...args).run();

test('at most 100 active keys; revoking one makes room', async () => {
  const active = (await rows(t.db, 'SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL'))[0].n;
  for (let i = active; i < 100; i++) {
    const id = (0xa00000000000 + i).toString(16);
    await db('INSERT INTO api_keys (id, name, scopes, digest, created_at) VALUES (?, ?, ?, ?, ?)', id, `filler ${i}`, 'read', 'x', Date.now());
  }
  const full = await t.api('/api/v1/keys', { method: 'POST', body: '{"name":"one more","scopes":["read"]}' });
  assert.equal(full.status, 409);
  assert.equal(await code(full), 'too-many-keys');
  assert.equal((await t.api(`/api/v1/keys/${(0xa00000000000 + 99).toString(16)}`, { method: 'DELETE' })).status, 204);
  assert.equal((await t.api('/api/v1/keys', { method: 'POST', body: '{"name":"one more","scopes":["read"]}' })).status, 201);
});
