// Migration 0080 moves what a deployment logged before campaign stores existed into them: the
// ledger and the click log in D1 (written here as the consumer of that time wrote them, so the
// stores know nothing of them), some of the same events also fed live by the consumer, then
// the ops worker's cron pages through every link until done. Every funnel figure is checked
// against what this test wrote; a second backfill over the same data changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unstable_splitSqlQuery } from 'wrangler';
import { start, OPS, root, putLink, demoLink } from './harness.mjs';

const CAMPAIGN = 'bf-recall';
const LINKS = [{ code: 'bf-a', variant: 'A', channel: 'sms' }, { code: 'bf-b', variant: 'B', channel: 'email' }];
const COST = { sms: 5, email: 1 };
const PEOPLE = 40;
// One recipient of bf-a taps over and over: more events than one page of the backfill.
const REPEATS = 520;
const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Date.now();
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let n = 0;
const eventId = () => {
  let s = '';
  for (let i = 0, x = n++; i < 10; i++, x = Math.floor(x / 32)) s = CROCKFORD[x % 32] + s;
  return `01KB0000000000${'00'}${s}`;
};

let t;
const logged = [];
const want = new Map(LINKS.map((l) => [l.variant, { sends: 0, cost: 0, human: 0, bot: 0, clickers: new Set(), logins: new Set() }]));

const click = (l, seq, ts, extra = {}) => ({
  kind: 'click', id: eventId(), ts, link: l.code, campaign: CAMPAIGN, variant: l.variant, recipient: seq,
  method: 'get', outcome: 'redirect', target: 'app-store', platform: 'ios', bot: 0, bot_reason: null, ...extra,
});

before(async () => {
  t = await start();
  let r = await t.api(`/api/v1/campaigns/${CAMPAIGN}`, {
    method: 'PUT',
    body: JSON.stringify({ name: 'Backfill', currency: 'CNY', steps: ['login'], links: LINKS, cost_per_send: COST }),
  });
  assert.equal(r.status, 201, await r.text());
  for (const l of LINKS) await putLink(t, l.code, { ...demoLink(), campaign: CAMPAIGN, variant: l.variant });

  // What the deployment logged before it had stores.
  for (const l of LINKS) {
    const { generation } = await (await t.api(`/api/v1/links/${l.code}`)).json();
    const w = want.get(l.variant);
    const sends = [];
    for (let seq = 1; seq <= PEOPLE; seq++) {
      const sent = NOW - 5 * DAY + seq * MIN;
      sends.push([seq, `cust-${l.code}-${seq}`, seq % 2 ? 'dormant-30d' : 'dormant-90d', sent, l.channel]);
      w.sends++;
      w.cost += COST[l.channel];
      if (seq % 3 === 0) continue;
      const at = sent + 2 * 3_600_000 + seq * 1000;
      // The log's re-judging flagged this one too soon after the send (before the ledger row
      // was corrected): the store judges it again, and it is a person's.
      if (l.code === 'bf-b' && seq === 1) {
        // The log judged this one part of a network burst: a scanner's, in the store too.
        logged.push(click(l, seq, at, { bot: 1, bot_reason: 'network-burst' }));
        w.bot++;
        continue;
      }
      logged.push(click(l, seq, at, seq === 2 ? { bot: 1, bot_reason: 'too-soon-after-send' } : {}));
      w.human++;
      w.clickers.add(seq);
      if (seq % 4 === 0) { logged.push(click(l, seq, at + MIN)); w.human++; }
      if (seq % 5 === 0) { logged.push(click(l, seq, at - 500, { bot: 1, bot_reason: 'link-preview', platform: 'other', target: null, outcome: 'redirect' })); w.bot++; }
      if (l.code === 'bf-a' && seq === 1) {
        for (let i = 1; i <= REPEATS; i++) logged.push(click(l, seq, at + i * 1000));
        w.human += REPEATS;
      }
      if (seq % 2 === 0) {
        logged.push({ kind: 'conversion', id: `c:bf-${l.code}-${seq}`, ts: at + 10 * MIN, link: l.code, campaign: CAMPAIGN, variant: l.variant,
          recipient: seq, method: 'post', outcome: 'conversion', platform: 'other', bot: 0, step: 'login', attributed: 1, external_id: `cust-${l.code}-${seq}` });
        w.logins.add(seq);
      }
    }
    await t.db.prepare(`INSERT INTO sends (link, recipient, external_id, segment, variant, sent_at, channel, created_at, generation)
      SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ?2,
             json_extract(value, '$[3]'), json_extract(value, '$[4]'), ?3, ?4 FROM json_each(?5)`)
      .bind(l.code, l.variant, NOW, generation ?? '', JSON.stringify(sends)).run();
  }
  const cols = ['kind', 'id', 'ts', 'link', 'campaign', 'variant', 'recipient', 'method', 'outcome', 'target', 'platform', 'bot', 'bot_reason', 'step', 'attributed', 'external_id'];
  for (let i = 0; i < logged.length; i += 200) {
    await t.db.prepare(`INSERT INTO events (${cols.join(', ')}, received_at)
      SELECT ${cols.map((c) => `json_extract(value, '$.${c}')`).join(', ')}, ?2 FROM json_each(?1)`)
      .bind(JSON.stringify(logged.slice(i, i + 200)), NOW).run();
  }
});

after(() => t?.mf.dispose());

/** The migration's own statement that marks every known link pending. */
async function markPending() {
  const sql = readFileSync(join(root, 'migrations', '0080_store_backfill.sql'), 'utf8');
  const insert = unstable_splitSqlQuery(sql).find((s) => s.trimStart().startsWith('INSERT'));
  await t.db.prepare('DELETE FROM store_backfill').run();
  await t.db.prepare(insert).run();
}

async function backfill() {
  const ops = await t.mf.getWorker(OPS);
  for (let run = 0; run < 40; run++) {
    const { n: left } = await t.db.prepare("SELECT COUNT(*) AS n FROM store_backfill WHERE phase <> 'done'").first();
    if (left === 0) return run;
    await ops.scheduled({ cron: '* * * * *', scheduledTime: new Date() });
  }
  throw new Error('backfill did not finish in 40 runs');
}

async function checkFunnel() {
  const r = await t.api(`/api/v1/campaigns/${CAMPAIGN}/funnel?by=variant`);
  const got = await r.json();
  assert.equal(r.status, 200, JSON.stringify(got));
  assert.deepEqual(got.groups.map((g) => g.key.variant), ['A', 'B']);
  for (const g of got.groups) {
    const w = want.get(g.key.variant);
    const step = (name) => g.steps.find((s) => s.step === name);
    assert.deepEqual(
      [g.sends, g.unique_clickers, g.human_clicks, g.bot_clicks, step('login').unique, g.money.cost_minor],
      [w.sends, w.clickers.size, w.human, w.bot, w.logins.size, w.cost],
      `variant ${g.key.variant}`,
    );
  }
}

test('the landed ledger and click log move into the campaign store, once', async () => {
  // Some of the logged events reach the store live as well (a consumer of the new version
  // running while the backfill goes): they must count once.
  const ops = await t.mf.getWorker(OPS);
  const live = logged.filter((e) => e.kind === 'click').slice(0, 30).map((e, i) => {
    const { kind: _k, bot, ...rest } = e;
    const body = Object.fromEntries(Object.entries({ ...rest, bot: bot === 1 }).filter(([, v]) => v !== null));
    return { id: `live-${i}`, timestamp: new Date(), attempts: 1, body: JSON.stringify(body) };
  });
  const out = await ops.queue('wakelink-events', live);
  assert.equal(out.outcome, 'ok');

  await markPending();
  const pending = await t.db.prepare('SELECT link FROM store_backfill ORDER BY link').all();
  assert.deepEqual(pending.results.map((r) => r.link), ['bf-a', 'bf-b']);
  const runs = await backfill();
  assert.ok(runs >= 2, `paged over several cron runs (${runs})`);
  const done = await t.db.prepare('SELECT link, sends, events FROM store_backfill ORDER BY link').all();
  const perLink = (code) => logged.filter((e) => e.link === code).length;
  assert.deepEqual(done.results.map((r) => [r.link, r.sends, r.events]), LINKS.map((l) => [l.code, PEOPLE, perLink(l.code)]));
  await checkFunnel();

  // Run again over the same data (an operator re-running it, or a crash before its cursor
  // was written): nothing changes.
  await markPending();
  await backfill();
  await checkFunnel();
  // The click log itself is untouched.
  const { n: rowsNow } = await t.db.prepare('SELECT COUNT(*) AS n FROM events').first();
  assert.equal(rowsNow, logged.length);
});
