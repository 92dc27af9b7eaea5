// Migration 0010 on a click log that already holds rows: every click is kept, read back as
// kind 'click', and the links' campaigns are backfilled for conversions named by campaign.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_splitSqlQuery } from 'wrangler';
import { root } from './harness.mjs';

test('0010 keeps every click and backfills link campaigns', async () => {
  const mf = new Miniflare({ modules: true, script: 'export default {}', d1Databases: ['DB'] });
  try {
    const db = await mf.getD1Database('DB');
    const files = readdirSync(join(root, 'migrations')).filter((f) => f.endsWith('.sql')).sort();
    const apply = async (f) => {
      for (const s of unstable_splitSqlQuery(readFileSync(join(root, 'migrations', f), 'utf8'))) await db.prepare(s).run();
    };
    const before = files.filter((f) => f < '0010');
    for (const f of before) await apply(f);
    const insert = db.prepare(`INSERT INTO events (id, ts, link, campaign, method, outcome, platform, bot, received_at)
      VALUES (?1, ?2, ?3, ?4, 'get', 'redirect', 'ios', 0, ?2)`);
    await insert.bind('01JDQ0000000000000000000A1', 1, 'sms', 'spring').run();
    await insert.bind('01JDQ0000000000000000000A2', 2, 'edm', 'autumn').run();
    for (const f of files.filter((f) => f >= '0010')) await apply(f);
    const rows = (await db.prepare('SELECT id, kind, step, attributed FROM events ORDER BY id').all()).results;
    assert.deepEqual(rows.map((r) => [r.id.slice(-2), r.kind, r.step, r.attributed]), [['A1', 'click', null, null], ['A2', 'click', null, null]]);
    const camps = (await db.prepare('SELECT link, campaign FROM link_campaigns ORDER BY link').all()).results;
    assert.deepEqual(camps.map((c) => [c.link, c.campaign]), [['edm', 'autumn'], ['sms', 'spring']]);
  } finally {
    await mf.dispose();
  }
});
