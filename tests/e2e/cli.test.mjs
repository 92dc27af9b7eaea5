// The CLI path and the API path end in the same D1 ledger: mint offline with the `wakelink`
// CLI, upload through the API, then click the CLI's links in workerd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, putLink, UA, eventually, rows, root, API_KEY, SIGNING_KEYS } from './harness.mjs';

let t, cli;
before(async () => {
  cli = join(root, 'target', 'debug', 'wakelink');
  // Always through cargo (a no-op when fresh), so a stale binary is never tested.
  execFileSync('cargo', ['build', '--quiet', '--bin', 'wakelink'], { cwd: root, stdio: 'inherit' });
  t = await start({ http: true });
  await putLink(t, 'cli');
  await putLink(t, 'viaapi');
});
after(async () => t?.mf.dispose());

const sendList = [
  'external_id,segment,variant,sent_at,coupon,channel,cost',
  'cust-0001,dormant-3m,A,2026-11-20T11:30:00+08:00,WB30-0001,sms,10',
  'cust-0002,dormant-6m,B,2026-11-20T11:30:00+08:00,,email,',
  'cust-0003,dormant-12m,A,2026-11-20T19:45:00+08:00,WB30-0003,,',
].join('\n') + '\n';

const run = (args, input = '') =>
  execFileSync(cli, args, { input, stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, WAKELINK_SIGNING_KEYS: SIGNING_KEYS, WAKELINK_API_KEY: API_KEY } }).toString();

test('CLI mint + upload and API mint leave the same ledger, and the CLI links resolve', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wakelink-cli-'));
  const minted = join(dir, 'minted.csv');
  // Reserves the numbers, records the ledger, and only then writes the links.
  run(['mint', '--code', 'cli', '--base-url', t.base, '--api', t.base, '--output', minted], sendList);
  const lines = readFileSync(minted, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'seq,external_id,segment,variant,sent_at,coupon,channel,cost,token,url');
  assert.equal(lines.length, 4);
  run(['upload', '--api', t.base, '--code', 'cli', '--input', minted]); // a retry changes nothing

  const viaApi = await t.api('/api/v1/links/viaapi/recipients', {
    method: 'POST',
    body: JSON.stringify({
      recipients: sendList.trim().split('\n').slice(1).map((l) => {
        const [external_id, segment, variant, sent_at, coupon, channel, cost] = l.split(',');
        return { external_id, segment, variant, sent_at, coupon, channel, ...(cost ? { cost: Number(cost) } : {}) };
      }),
    }),
  });
  assert.equal(viaApi.status, 201);
  const apiTokens = (await viaApi.json()).recipients.map((r) => r.token);

  const ledger = async (code) =>
    (await rows(t.db, 'SELECT recipient, external_id, segment, variant, sent_at, coupon, channel, cost_minor FROM sends WHERE link = ? ORDER BY recipient', code));
  assert.deepEqual(await ledger('cli'), await ledger('viaapi'));
  assert.deepEqual((await ledger('cli')).map((r) => [r.coupon, r.channel, r.cost_minor]), [
    ['WB30-0001', 'sms', 10],
    [null, 'email', null],
    ['WB30-0003', null, null],
  ]);

  const { generation } = await (await t.api('/api/v1/links/cli')).json();
  assert.match(generation, /^[0-9a-f]{16}$/);
  const cols = lines[0].split(',');
  const cliRows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
  for (const [i, r] of cliRows.entries()) {
    const token = r.token;
    assert.match(token, /^[0-9A-Za-z]{1,12}$/);
    assert.notEqual(token, apiTokens[i], 'tokens are bound to the link code');
    assert.equal(run(['verify', '--code', 'cli', '--generation', generation, token]).trim(), `seq=${i + 1} kid=1 kind=link expires=never`);
  }
  const r = await fetch(cliRows[1].url, { redirect: 'manual', headers: { 'user-agent': UA.iphone } });
  assert.equal(r.status, 302);
  const [fc] = await eventually(async () => {
    const f = await rows(t.db, 'SELECT recipient FROM first_clicks WHERE link = ?', 'cli');
    return f.length ? f : null;
  });
  assert.equal(fc.recipient, 2);
});
