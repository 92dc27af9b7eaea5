// The CLI's read commands against a deployment in workerd: `links`, `funnel`, `compare`,
// `timing`, `follow-ups` and `export` print (as a table, CSV or JSON) the numbers the API
// answers; streamed commands read to the end across the server's per-response cap and
// resume from a cursor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, root, API_KEY, UA, demoLink, putLink, eventually } from './harness.mjs';

const CAMPAIGN = 'cli-recall';
const H = 3_600_000;
const NOW = Date.now();
let t, cli;
const people = [];

before(async () => {
  cli = join(root, 'target', 'debug', 'wakelink');
  execFileSync('cargo', ['build', '--quiet', '--bin', 'wakelink'], { cwd: root, stdio: 'inherit' });
  t = await start({ http: true });
  const links = [{ code: 'cli-a', variant: 'A', channel: 'sms' }, { code: 'cli-b', variant: 'B', channel: 'email' }];
  const r = await t.api(`/api/v1/campaigns/${CAMPAIGN}`, {
    method: 'PUT',
    body: JSON.stringify({ name: 'CLI recall', currency: 'CNY', links, cost_per_send: { sms: 5, email: 2 } }),
  });
  assert.equal(r.status, 201, await r.text());
  const { landing: _l, ...link } = demoLink();
  for (const l of links) {
    await putLink(t, l.code, { ...link, campaign: CAMPAIGN, variant: l.variant });
    const recipients = Array.from({ length: 12 }, (_, i) => ({
      external_id: `${l.code}-${i}`, segment: i % 2 ? '6m' : '3m', sent_at: new Date(NOW - 2 * H - i * 60_000).toISOString(),
    }));
    const m = await t.api(`/api/v1/links/${l.code}/recipients`, { method: 'POST', body: JSON.stringify({ recipients }) });
    assert.equal(m.status, 201, await m.clone().text());
    for (const [i, x] of (await m.json()).recipients.entries()) people.push({ ...x, link: l.code, i });
  }
  // Clicks: A's first 8 recipients, B's first 5; a bot on one of A's.
  const clickers = people.filter((p) => (p.link === 'cli-a' ? p.i < 8 : p.i < 5));
  // Each person on a network of their own (many recipients from one network at once are a
  // burst, flagged as bots).
  for (const [n, p] of clickers.entries()) {
    const r = await t.fetch(new URL(p.url).pathname, { headers: { 'user-agent': UA.iphone, 'cf-connecting-ip': `198.18.${n}.7` } });
    assert.equal(r.status, 302);
  }
  await t.fetch(new URL(people[0].url).pathname, { headers: { 'user-agent': UA.slack } });
  // Logins for half the clickers, loans with values for some.
  const convs = [];
  clickers.forEach((p, n) => {
    if (n % 2 === 0) convs.push({ id: `cl-login-${n}`, step: 'login', external_id: p.external_id, campaign: CAMPAIGN, ts: new Date(NOW).toISOString() });
    if (n % 3 === 0) convs.push({ id: `cl-loan-${n}`, step: 'loan', external_id: p.external_id, campaign: CAMPAIGN, ts: new Date(NOW).toISOString(), value: 1000 + n * 37, currency: 'CNY' });
  });
  const c = await t.api('/api/v1/conversions', { method: 'POST', body: JSON.stringify({ conversions: convs }) });
  assert.equal(c.status, 200, await c.clone().text());
  let last;
  await eventually(async () => {
    const f = await (await t.api(`/api/v1/campaigns/${CAMPAIGN}/funnel`)).json();
    const step = (s) => f.groups?.[0]?.steps.find((x) => x.step === s)?.unique;
    last = f;
    return f.groups?.[0]?.unique_clickers === clickers.length && step('login') === 7 && step('loan') === 5;
  }, { timeout: 15_000 }).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(last)}`); });
});
after(async () => t?.mf.dispose());

const wl = (args) => {
  const r = spawnSync(cli, [...args, '--api', t.base], { env: { ...process.env, WAKELINK_API_KEY: API_KEY }, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};
const ok = (args) => {
  const r = wl(args);
  assert.equal(r.status, 0, `wakelink ${args.join(' ')}: ${r.stderr}`);
  return r;
};
const api = async (path) => {
  const r = await t.api(path);
  assert.equal(r.status, 200, path);
  return r.json();
};
/** A padded table: its header's column starts cut every line. */
const table = (text) => {
  const [head, ...lines] = text.trimEnd().split('\n');
  const starts = [...head.matchAll(/(?:^|\s{2})(\S(?:\S| (?! ))*)/g)].map((m) => m.index + (m.index ? 2 : 0));
  const cut = (l) => starts.map((s, i) => l.slice(s, starts[i + 1]).trim());
  return { header: cut(head), rows: lines.map(cut) };
};
/** Simple CSV (no quoted line breaks in these answers). */
const csv = (text) => {
  const split = (l) => [...l.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]).slice(0, -1);
  const [head, ...lines] = text.trimEnd().split('\n');
  const header = split(head);
  return lines.map((l) => Object.fromEntries(split(l).map((v, i) => [header[i], v])));
};
const pct = (r) => (r == null ? '-' : `${(r * 100).toFixed(2)}%`);
const label = (g) => ['variant', 'segment', 'channel'].map((d) => g.key[d]).filter((x) => x != null).join('/') || 'all';

test('links: list as a table and JSON, of one campaign, and one link', async () => {
  await putLink(t, 'cli-gone', { ...demoLink(), campaign: 'other' });
  assert.equal((await t.api('/api/v1/links/cli-gone', { method: 'DELETE' })).status, 204);
  const listed = table(ok(['links', 'list']).stdout);
  assert.deepEqual(listed.header, ['CODE', 'CAMPAIGN', 'VARIANT', 'DESTINATIONS', 'EXPIRES', 'DISABLED']);
  const all = (await api('/api/v1/links?limit=100')).links;
  assert.deepEqual(listed.rows.map((r) => r[0]), all.map((l) => l.code));
  assert.ok(!listed.rows.some((r) => r[0] === 'cli-gone'), 'a deleted link is not listed');
  assert.deepEqual(listed.rows.find((r) => r[0] === 'cli-b').slice(1, 3), [CAMPAIGN, 'B']);
  const json = JSON.parse(ok(['links', 'list', '--campaign', CAMPAIGN, '--format', 'json']).stdout);
  assert.deepEqual(json, (await api(`/api/v1/links?campaign=${CAMPAIGN}`)).links);
  assert.deepEqual(json.map((l) => l.code), ['cli-a', 'cli-b']);
  const one = table(ok(['links', 'get', 'cli-a']).stdout);
  const got = await api('/api/v1/links/cli-a');
  assert.deepEqual(one.rows.find((r) => r[0] === 'destination ios'), ['destination ios', got.destinations.ios]);
  const missing = wl(['links', 'get', 'nope']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /404: link-not-found/);
});

/** Fen as yuan the way a terminal shows them: two decimals, thousands grouped. */
const yuan = (fen) => {
  if (fen == null) return '-';
  const [whole, frac] = (Math.abs(fen) / 100).toFixed(2).split('.');
  return `${fen < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+$)/g, ',')}.${frac}`;
};

test('funnel: the table, the CSV and the JSON hold the API\'s numbers, money included', async () => {
  const f = await api(`/api/v1/campaigns/${CAMPAIGN}/funnel?by=variant`);
  assert.equal(f.groups.length, 2);
  const out = ok(['funnel', CAMPAIGN, '--by', 'variant']).stdout;
  const [steps, money] = out.split('\n\n');
  const st = table(steps);
  assert.deepEqual(st.header, ['GROUP', 'STEP', 'UNIQUE', 'FROM SENDS', '95% CI', 'FROM PREVIOUS', 'VALUE']);
  const want = f.groups.flatMap((g) => g.steps.map((s) => [
    label(g), s.step, String(s.unique), pct(s.from_sends.rate),
    s.from_sends.lo == null ? '-' : `[${(s.from_sends.lo * 100).toFixed(2)}%, ${(s.from_sends.hi * 100).toFixed(2)}%]`,
    pct(s.from_previous?.rate), yuan(s.value_minor),
  ]));
  assert.deepEqual(st.rows, want);
  const mt = table(money.split('\n').slice(1).join('\n'));
  assert.match(money, /^money in CNY:/);
  const ratio = (bp) => (bp == null ? '-' : `${Math.trunc(bp / 10000)}.${String(Math.abs(bp) % 10000).padStart(4, '0')}`);
  assert.deepEqual(mt.rows, f.groups.map((g) => [
    label(g), String(g.sends), String(g.human_clicks), String(g.bot_clicks), String(g.unique_clickers), yuan(g.money.cost_minor),
    ...['cost_per_click', 'cost_per_login', 'cost_per_loan', 'value_minor', 'value_per_send', 'value_per_click', 'value_per_login'].map((k) => yuan(g.money[k])),
    ratio(g.money.io_ratio_bp),
  ]));
  // The money is really there: A sent 12 SMS at 5, B 12 e-mails at 2.
  assert.deepEqual(mt.rows.map((r) => r[5]), ['0.60', '0.24']);
  assert.ok(f.groups.every((g) => g.money.value_minor > 0 && g.money.io_ratio_bp > 0));

  const rows = csv(ok(['funnel', CAMPAIGN, '--by', 'variant', '--format', 'csv']).stdout);
  assert.equal(rows.length, 2);
  for (const [i, g] of f.groups.entries()) {
    const r = rows[i];
    assert.equal(r.group, label(g));
    assert.equal(r.sends, String(g.sends));
    for (const s of g.steps) {
      assert.equal(r[`${s.step}_unique`], String(s.unique));
      assert.equal(Number(r[`${s.step}_from_sends`]), s.from_sends.rate);
      assert.equal(r[`${s.step}_value_minor`], String(s.value_minor));
    }
    for (const k of ['cost_minor', 'cost_per_click', 'value_per_login', 'io_ratio_bp']) assert.equal(r[k], g.money[k] == null ? '' : String(g.money[k]), k);
  }
  assert.deepEqual(JSON.parse(ok(['funnel', CAMPAIGN, '--by', 'variant', '--json']).stdout), f);
  const bad = wl(['funnel', CAMPAIGN, '--by', 'nope']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /HTTP 400: invalid-input/);
});

test('compare and timing print the API\'s figures', async () => {
  const c = await api(`/api/v1/campaigns/${CAMPAIGN}/compare?by=variant&a=A&b=B&step=clicked`);
  const out = table(ok(['compare', CAMPAIGN, '--a', 'A', '--b', 'B', '--step', 'clicked']).stdout);
  const field = (k) => out.rows.find((r) => r[0] === k)?.[1];
  assert.equal(field('a: A sends'), String(c.a.rate.den));
  assert.equal(field('b: B reached clicked'), String(c.b.rate.num));
  assert.equal(field('p-value'), String(c.p_value));
  assert.equal(field('z'), String(c.z));
  assert.equal(field('difference b - a (points)'), (c.difference * 100).toFixed(2));
  assert.equal(field('in words'), c.sentence);
  assert.deepEqual(JSON.parse(ok(['compare', CAMPAIGN, '--a', 'A', '--b', 'B', '--step', 'clicked', '--json']).stdout), c);

  const tm = await api(`/api/v1/campaigns/${CAMPAIGN}/timing?by=variant`);
  const rows = csv(ok(['timing', CAMPAIGN, '--by', 'variant', '--axis', 'send-hour', '--format', 'csv']).stdout);
  const want = tm.send_hour.flatMap((tb) => tb.rows.map((r) => ({ group: label(tb), bucket: r.bucket, steps: r.steps, ct: r.click_through })));
  assert.equal(rows.length, want.length);
  want.forEach((w, i) => {
    assert.equal(rows[i].GROUP, w.group);
    assert.equal(rows[i].BUCKET, w.bucket);
    for (const [s, n] of w.steps) assert.equal(rows[i][s.toUpperCase()], String(n));
    assert.equal(rows[i]['CLICK-THROUGH'], pct(w.ct?.rate));
  });
  const total = (axis) => tm[axis].flatMap((tb) => tb.rows).reduce((n, r) => n + (r.steps.find(([s]) => s === 'clicked')?.[1] ?? 0), 0);
  assert.equal(total('send_hour'), 13);
  const all = table(ok(['timing', CAMPAIGN]).stdout);
  assert.deepEqual(new Set(all.rows.map((r) => r[0])), new Set(['send_hour', 'click_hour', 'delay']));
});

test('follow-ups: the API\'s list, as CSV and NDJSON, to a file', async () => {
  const nd = await (await t.api(`/api/v1/campaigns/${CAMPAIGN}/follow-ups?step=login&after=1h`, { headers: { accept: 'application/x-ndjson' } })).text();
  const want = nd.trim().split('\n').map((l) => JSON.parse(l));
  // The API's last line is its summary; the CLI hands on the list alone.
  assert.deepEqual(want.pop(), { summary: { count: 17, complete: true } });
  // 24 sent, 7 logged in.
  assert.equal(want.length, 17);
  const printed = csv(ok(['follow-ups', CAMPAIGN, '--step', 'login', '--after', '1h']).stdout);
  assert.deepEqual(printed, want.map((w) => ({ external_id: w.external_id, cursor: w.cursor })));
  const dir = mkdtempSync(join(tmpdir(), 'wakelink-fu-'));
  const r = ok(['follow-ups', CAMPAIGN, '--after', '1h', '--format', 'json', '--out', join(dir, 'fu.ndjson')]);
  assert.match(r.stderr, /17 recipients due a follow-up/);
  assert.deepEqual(readFileSync(join(dir, 'fu.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)), want);
  // Resumed after the 10th: the rest, appended, make the whole list once.
  ok(['follow-ups', CAMPAIGN, '--after', '1h', '--format', 'json', '--out', join(dir, 'fu.ndjson'), '--cursor', want[9].cursor, '--append']);
  const again = readFileSync(join(dir, 'fu.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(again, [...want, ...want.slice(10)]);
  assert.match(wl(['follow-ups', CAMPAIGN, '--format', 'table']).stderr, /streamed output is csv or json/);
});

test('export: the API\'s rows, across the per-response cap, resumable', async () => {
  const BIG = 45_300;
  const base = NOW - 48 * H;
  const chunk = 1000;
  for (let i = 0; i < BIG; i += chunk) {
    const rows = Array.from({ length: Math.min(chunk, BIG - i) }, (_, j) => [`01JCLI${String(i + j).padStart(20, '0')}`, base + i + j]);
    await t.db.prepare("INSERT INTO events (id, ts, link, campaign, method, outcome, platform, bot, received_at, kind) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 'cli-big', 'cli-big', 'get', 'redirect', 'ios', 0, 0, 'click' FROM json_each(?1)").bind(JSON.stringify(rows)).run();
  }
  const dir = mkdtempSync(join(tmpdir(), 'wakelink-export-'));
  const file = join(dir, 'big.csv');
  const r = ok(['export', '--campaign', 'cli-big', '--out', file]);
  assert.match(r.stderr, new RegExp(`exported ${BIG} events`));
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(lines[0].split(',')[0], 'id');
  assert.equal(lines.length, BIG + 1);
  const ids = lines.slice(1).map((l) => l.split(',')[0]);
  assert.equal(new Set(ids).size, BIG);
  assert.equal(ids.at(-1), `01JCLI${String(BIG - 1).padStart(20, '0')}`);

  // The campaign's own events: the same rows the API's CSV export holds.
  const apiCsv = await (await t.api(`/api/v1/export?campaign=${CAMPAIGN}&format=csv`)).text();
  const apiRows = apiCsv.trimEnd().split('\n').filter((l) => !l.startsWith('# '));
  const printed = ok(['export', '--campaign', CAMPAIGN]).stdout.trimEnd().split('\n');
  assert.deepEqual(printed, apiRows);
  assert.ok(printed.length > 20);
  const nd = ok(['export', '--campaign', CAMPAIGN, '--kind', 'conversion', '--format', 'json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(nd.map((e) => e.kind), nd.map(() => 'conversion'));
  assert.equal(nd.length, 12);
  // Resumed from the 5th row's cursor: the rows after it.
  const fifth = nd[4];
  const rest = ok(['export', '--campaign', CAMPAIGN, '--kind', 'conversion', '--format', 'json', '--cursor', `${fifth.ts}.${fifth.id}`]).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rest, nd.slice(5));
  const bad = wl(['export', '--since', 'yesterday']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /HTTP 400: invalid-input/);
});
