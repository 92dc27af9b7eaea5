// `wakelink keys` and `wakelink campaigns` against a deployment in workerd: what the CLI shows
// (table or --json) is what the API holds, a key it creates works with the scopes asked for,
// and a refusal exits non-zero with the server's code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, root, API_KEY } from './harness.mjs';

let t, cli;
before(async () => {
  cli = join(root, 'target', 'debug', 'wakelink');
  execFileSync('cargo', ['build', '--quiet', '--bin', 'wakelink'], { cwd: root, stdio: 'inherit' });
  t = await start({ http: true });
});
after(async () => t?.mf.dispose());

/** Runs the CLI against the deployment with `key`; returns { status, stdout, stderr }. */
const wl = (args, { key = API_KEY, input = '' } = {}) => {
  const r = spawnSync(cli, [...args, '--api', t.base], { input, env: { ...process.env, WAKELINK_API_KEY: key } });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};
const ok = (args, opts) => {
  const r = wl(args, opts);
  assert.equal(r.status, 0, `wakelink ${args.join(' ')}: ${r.stderr}`);
  return r;
};

test('keys: create prints the key once, list shows it, revoke stops it', async () => {
  const made = ok(['keys', 'create', '--name', 'app backend', '--scope', 'conversions']);
  const key = made.stdout.trim();
  assert.match(key, /^wlk_[0-9a-f]{12}_[0-9a-f]{48}$/);
  assert.match(made.stderr, /shown this once/);
  const id = key.slice(4, 16);

  const table = ok(['keys', 'list']).stdout.split('\n');
  assert.match(table[0], /^ID\s+NAME\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED$/);
  const line = table.find((l) => l.startsWith(id));
  assert.match(line, /app backend\s+conversions\s+\d{4}-/);
  assert.ok(!table.join('\n').includes(key.slice(17)), 'the list never shows the secret');

  const listed = JSON.parse(ok(['keys', 'list', '--json']).stdout);
  const api = await (await t.api('/api/v1/keys')).json();
  assert.deepEqual(listed, api.keys);

  // The key works with its scope only.
  const opens = await t.fetch('/api/v1/opens', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(opens.status, 400);
  const refused = wl(['keys', 'list'], { key });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /HTTP 403: forbidden-scope/);
  assert.equal(refused.stdout, '');

  const json = JSON.parse(ok(['keys', 'create', '--name', 'ci', '--scope', 'read', '--scope', 'write', '--json']).stdout);
  assert.deepEqual(json.scopes, ['read', 'write']);
  assert.match(json.key, /^wlk_/);

  ok(['keys', 'revoke', id]);
  assert.equal(wl(['keys', 'list'], { key }).status, 1);
  assert.match(wl(['keys', 'list'], { key }).stderr, /HTTP 401: unauthorized/);
  assert.match(ok(['keys', 'list']).stdout.split('\n').find((l) => l.startsWith(id)), /\d{4}-\d\d-\d\dT[\d:.]+Z$/);
  const unknown = wl(['keys', 'revoke', 'ffffffffffff']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /404: key-not-found/);
  const badScope = wl(['keys', 'create', '--name', 'x', '--scope', 'root']);
  assert.equal(badScope.status, 1);
  assert.match(badScope.stderr, /400: invalid-input/);
});

test('campaigns: put from a file and stdin, get, list as a table and JSON, delete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wakelink-campaigns-'));
  const file = join(dir, 'spring.json');
  writeFileSync(file, JSON.stringify({
    name: '春季召回', currency: 'CNY',
    links: [{ code: 'spring-a', variant: 'A' }, { code: 'spring-b', variant: 'B' }],
    cost_per_send: { sms: 5 },
  }));
  const created = ok(['campaigns', 'put', 'spring 2026', '--input', file]);
  assert.match(created.stderr, /created campaign spring 2026/);
  assert.match(created.stdout, /^FIELD\s+VALUE\n/);
  assert.match(created.stdout, /\nlinks\s+spring-a:A\/sms,spring-b:B\/sms\n/);
  assert.match(created.stdout, /\ntime zone\s+Asia\/Shanghai\n/);

  const replaced = ok(['campaigns', 'put', 'spring 2026', '--json'], { input: JSON.stringify({ name: 'Spring', currency: 'CNY', time_zone: 'UTC' }) });
  const body = JSON.parse(replaced.stdout);
  assert.equal(body.revision, 2);
  assert.equal(body.time_zone, 'UTC');

  const got = JSON.parse(ok(['campaigns', 'get', 'spring 2026', '--json']).stdout);
  assert.deepEqual(got, await (await t.api(`/api/v1/campaigns/${encodeURIComponent('spring 2026')}`)).json());

  ok(['campaigns', 'put', 'autumn'], { input: '{"name":"秋季","currency":"USD"}' });
  const table = ok(['campaigns', 'list']).stdout.split('\n');
  assert.match(table[0], /^CAMPAIGN\s+NAME\s+LINKS\s+STEPS\s+CURRENCY\s+TIME ZONE\s+UPDATED$/);
  assert.match(table[1], /^autumn\s+秋季\s+-\s+sent,clicked,landing_view,login,credit_apply,credit_granted,loan\s+USD\s+Asia\/Shanghai\s+\d{4}-/);
  assert.match(table[2], /^spring 2026\s+Spring\s/);
  // Columns line up: every row's second column starts where the header's does (wide
  // characters count two).
  const width = (s) => [...s].reduce((n, c) => n + (/[\u3000-\u9fff]/.test(c) ? 2 : 1), 0);
  assert.equal(width(table[1].slice(0, table[1].indexOf('秋'))), table[0].indexOf('NAME'));
  assert.deepEqual(JSON.parse(ok(['campaigns', 'list', '--json']).stdout).map((c) => c.campaign), ['autumn', 'spring 2026']);

  const bad = wl(['campaigns', 'put', 'bad'], { input: '{"name":"x","currency":"yuan"}' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /HTTP 400: invalid-input/);
  const notJson = wl(['campaigns', 'put', 'bad'], { input: 'name: x' });
  assert.equal(notJson.status, 1);
  assert.match(notJson.stderr, /not JSON/);

  ok(['campaigns', 'delete', 'autumn']);
  const gone = wl(['campaigns', 'get', 'autumn']);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /404: campaign-not-found/);
});

test('a deployment URL over plain http to another host is refused before any key is sent', () => {
  const r = spawnSync(cli, ['keys', 'list', '--api', 'http://links.example.com'], { env: { ...process.env, WAKELINK_API_KEY: API_KEY } });
  assert.equal(r.status, 1);
  assert.match(r.stderr.toString(), /plain http/);
});
