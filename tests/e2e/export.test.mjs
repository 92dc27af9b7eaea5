// GET /api/v1/export in workerd: the raw log as NDJSON or CSV, each filter against the same
// filter computed here over the rows the test wrote, cursor resumption (after a cap, and after
// a stream cut in transit) without duplicates or gaps, CSV that survives hostile values, and
// a full stream that stays within the D1 query limits of one invocation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFaulty, assertWithinLimits } from './faults.mjs';
import { putLink, demoLink, eventually, rows } from './harness.mjs';

let t;
after(async () => t?.mf.dispose());

const BASE = 1_790_000_000_000;
const HOUR = 3_600_000;
const iso = (ms) => new Date(ms).toISOString().replace('Z', '+00:00');

/** Writes rows straight into the log, 500 per statement. */
async function insert(list) {
  const cols = ['id', 'ts', 'link', 'campaign', 'variant', 'recipient', 'method', 'outcome', 'platform', 'bot', 'bot_reason', 'user_agent', 'kind', 'step', 'external_id', 'value_minor', 'currency', 'props', 'received_at'];
  for (let i = 0; i < list.length; i += 500) {
    const chunk = list.slice(i, i + 500).map((r) => cols.map((c) => r[c] ?? null));
    await t.db
      .prepare(`INSERT INTO events (${cols.join(', ')}) SELECT ${cols.map((_, j) => `json_extract(value, '$[${j}]')`).join(', ')} FROM json_each(?1)`)
      .bind(JSON.stringify(chunk))
      .run();
  }
}

/** The event as the API shows it: absent fields dropped, bot a boolean. */
const shown = (r) => {
  const out = {};
  for (const [k, v] of Object.entries(r)) if (v !== null && v !== undefined) out[k] = k === 'bot' ? v === 1 : v;
  return out;
};

const HOSTILE_UA = '=HYPERLINK("https://evil.example/x?a=1,2","click me")';
const HOSTILE = [
  { ua: 'line one\nline two, "quoted"', props: '{"note":"a,b\\n\\"c\\""}' },
  { ua: '+SUM(1;2)', props: '{"k":"@cmd"}' },
  { ua: '-2+3', props: null },
  { ua: '@import', props: '{"x":"\\r\\n"}' },
  { ua: '\tTAB', props: '{"s":"#not a comment"}' },
];

// 600 rows over two campaigns, three links, three kinds, people and bots, 10 hours apart.
const data = [];
before(async () => {
  t = await startFaulty();
  const links = [['exp-a1', 'exp-a', 'A'], ['exp-a2', 'exp-a', 'B'], ['exp-b1', 'exp-b', 'A']];
  const steps = [null, 'landing_view', 'login'];
  for (let n = 0; n < 600; n++) {
    const [link, campaign, variant] = links[n % 3];
    const kind = ['click', 'step', 'conversion'][n % 5 === 0 ? 2 : n % 4 === 0 ? 1 : 0];
    const h = HOSTILE[n % 7] ?? null;
    data.push({
      id: `01JEXP${String(n).padStart(20, '0')}`,
      // Some rows share a timestamp: the cursor must order by (ts, id).
      ts: BASE + Math.floor(n / 3) * 60_000,
      link, campaign, variant,
      recipient: n % 11 === 0 ? null : n,
      method: kind === 'click' ? 'get' : 'post',
      outcome: kind === 'click' ? 'redirect' : kind,
      platform: 'ios',
      bot: n % 6 === 0 ? 1 : 0,
      bot_reason: n % 6 === 0 ? 'scanner-burst' : null,
      user_agent: h?.ua ?? 'Mozilla/5.0 (iPhone)',
      kind,
      step: kind === 'click' ? null : kind === 'conversion' ? 'login' : steps[n % 3] ?? 'landing_view',
      external_id: kind === 'conversion' ? `u-${n}` : null,
      value_minor: kind === 'conversion' ? n * 7 : null,
      currency: kind === 'conversion' ? 'CNY' : null,
      props: h?.props ?? null,
      received_at: BASE + n,
    });
  }
  await insert(data);
});

/** Reads a whole export: { events, summary } (NDJSON) or { header, rows, summary } (CSV). */
async function exportAll(query, { format = 'ndjson', accept } = {}) {
  const headers = accept ? { accept } : {};
  const q = accept ? query : `${query}${query ? '&' : ''}format=${format}`;
  const r = await t.api(`/api/v1/export?${q}`, { headers });
  assert.equal(r.status, 200, await r.clone().text());
  const text = await r.text();
  if ((r.headers.get('content-type') ?? '').startsWith('text/csv')) {
    assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
    return { ...parseCsv(text), raw: text };
  }
  assert.equal(r.headers.get('content-type'), 'application/x-ndjson');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  return { summary: lines.pop().summary, events: lines };
}

/** RFC 4180, written here: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text) {
  const records = [];
  let field = '';
  let rec = [];
  let quoted = false;
  let summary = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (!quoted && c === '#' && field === '' && rec.length === 0) {
      // A comment line (the summary), as DuckDB's comment='#' reads it.
      const end = text.indexOf('\n', i);
      assert.ok(end > 0 && text.slice(i, i + 2) === '# ', 'a summary line ends the stream');
      summary = JSON.parse(text.slice(i + 2, end)).summary;
      i = end;
      continue;
    }
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { rec.push(field); field = ''; }
    else if (c === '\n') {
      rec.push(field);
      records.push(rec);
      rec = []; field = '';
    } else field += c;
  }
  assert.equal(field, '', 'the CSV ends with a line break');
  const [header, ...body] = records;
  return { header, rows: body, summary };
}

const expectIds = (pred) => data.filter(pred).sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1)).map((r) => r.id);

test('every filter exports exactly the rows it names, in (ts, id) order', async () => {
  const cases = [
    ['campaign=exp-a', (r) => r.campaign === 'exp-a'],
    ['link=exp-b1', (r) => r.link === 'exp-b1'],
    ['campaign=exp-a&link=exp-b1', () => false],
    ['campaign=exp-a&kind=conversion', (r) => r.campaign === 'exp-a' && r.kind === 'conversion'],
    ['kind=step&step=login', (r) => r.kind === 'step' && r.step === 'login'],
    ['campaign=exp-b&bot=true', (r) => r.campaign === 'exp-b' && r.bot === 1],
    ['campaign=exp-b&bot=false', (r) => r.campaign === 'exp-b' && r.bot === 0],
    [`campaign=exp-a&since=${encodeURIComponent(iso(BASE + 30 * 60_000))}&until=${encodeURIComponent(iso(BASE + 90 * 60_000))}`,
      (r) => r.campaign === 'exp-a' && r.ts >= BASE + 30 * 60_000 && r.ts < BASE + 90 * 60_000],
    [`since=${encodeURIComponent(iso(BASE))}&until=${encodeURIComponent(iso(BASE + 200 * 60_000))}&recipient=42`, (r) => r.recipient === 42],
  ];
  for (const [query, pred] of cases) {
    const want = expectIds(pred);
    const nd = await exportAll(query);
    assert.deepEqual(nd.events.map((e) => e.id), want, query);
    assert.deepEqual(nd.summary, { count: want.length, complete: true }, query);
    const csv = await exportAll(query, { format: 'csv' });
    assert.deepEqual(csv.rows.map((r) => r[0]), want, `${query} (csv)`);
    assert.deepEqual(csv.summary, { count: want.length, complete: true });
  }
  // The rows are the log's rows, values unchanged.
  const byId = new Map(data.map((r) => [r.id, r]));
  const all = await exportAll('campaign=exp-a');
  for (const e of all.events) assert.deepEqual(e, shown({ ...byId.get(e.id) }));
  // Accept negotiates when `format` is absent; `format` wins over it.
  assert.ok((await exportAll('link=exp-a1', { accept: 'text/csv' })).header);
  assert.ok((await exportAll('link=exp-a1', { accept: 'application/x-ndjson' })).events);
  const r = await t.api('/api/v1/export?link=exp-a1&format=ndjson', { headers: { accept: 'text/csv' } });
  assert.equal(r.headers.get('content-type'), 'application/x-ndjson');
  await r.text();
});

test('CSV carries hostile values intact, quoted, with formulas defused', async () => {
  const { header, rows: csvRows, raw } = await exportAll('campaign=exp-a', { format: 'csv' });
  assert.deepEqual(header, ['id', 'ts', 'kind', 'link', 'campaign', 'variant', 'recipient', 'step', 'method', 'outcome', 'target', 'platform', 'vendor', 'in_app', 'bot', 'bot_reason', 'country', 'ip_prefix', 'user_agent', 'click_id', 'external_id', 'value_minor', 'currency', 'attributed', 'props', 'received_at']);
  assert.ok(raw.includes('"line one\nline two, ""quoted"""'), 'a line break and quotes stay inside one quoted field');
  const byId = new Map(data.map((r) => [r.id, r]));
  const defused = (v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
  let hostile = 0;
  for (const row of csvRows) {
    assert.equal(row.length, header.length, `row ${row[0]} has every column`);
    const want = byId.get(row[0]);
    const cell = Object.fromEntries(header.map((h, i) => [h, row[i]]));
    assert.equal(cell.user_agent, defused(want.user_agent));
    assert.equal(cell.props, want.props === null ? '' : defused(want.props));
    assert.equal(cell.ts, String(want.ts));
    assert.equal(cell.bot, want.bot === 1 ? 'true' : 'false');
    assert.equal(cell.recipient, want.recipient === null ? '' : String(want.recipient));
    assert.equal(cell.value_minor, want.value_minor === null ? '' : String(want.value_minor));
    if (HOSTILE.some((h) => h.ua === want.user_agent)) hostile++;
    // No cell starts a formula.
    for (const v of row) assert.ok(!/^[=+\-@\t\r]/.test(v), `${row[0]}: ${JSON.stringify(v)}`);
  }
  assert.ok(hostile >= 100, `hostile rows exported: ${hostile}`);
  // A spreadsheet formula in a real click's user agent, through the edge and the queue.
  await putLink(t, 'exp-live', { ...demoLink(), campaign: 'exp-live' });
  assert.equal((await t.fetch('/exp-live', { headers: { 'user-agent': HOSTILE_UA } })).status, 302);
  await eventually(async () => (await rows(t.db, "SELECT id FROM events WHERE link = 'exp-live'")).length === 1);
  const live = await exportAll('campaign=exp-live', { format: 'csv' });
  const ua = live.rows[0][live.header.indexOf('user_agent')];
  assert.equal(ua, `'${HOSTILE_UA}`);
  assert.equal((await exportAll('campaign=exp-live')).events[0].user_agent, HOSTILE_UA, 'NDJSON keeps it unchanged');
});

test('capped exports resume from their cursor with no duplicates and no gaps', async () => {
  const want = expectIds((r) => r.campaign === 'exp-a');
  for (const format of ['ndjson', 'csv']) {
    const got = [];
    let cursor = '';
    for (let i = 0; i < 20; i++) {
      const out = await exportAll(`campaign=exp-a&limit=137${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { format });
      const ids = format === 'csv' ? out.rows.map((r) => r[0]) : out.events.map((e) => e.id);
      got.push(...ids);
      assert.equal(out.summary.count, ids.length);
      if (out.summary.complete) break;
      assert.equal(ids.length, 137);
      cursor = out.summary.next_cursor;
      assert.ok(cursor, 'a cut export says where to resume');
    }
    assert.deepEqual(got, want, format);
  }
});

test('a stream cut in transit resumes from its last whole row', async () => {
  const want = expectIds((r) => r.campaign === 'exp-a');
  // The connection drops somewhere in the middle of a row.
  const full = (await exportAll('campaign=exp-a', { format: 'csv' })).raw;
  const text = full.slice(0, Math.floor(full.length * 0.4));
  // Whole rows only: up to the last line break outside quotes.
  let cut = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === '\n' && !quoted) cut = i + 1;
  }
  const part = parseCsv(text.slice(0, cut));
  assert.equal(part.summary, null, 'no summary: the stream was cut');
  const last = part.rows.at(-1);
  const rest = await exportAll(`campaign=exp-a&cursor=${encodeURIComponent(`${last[1]}.${last[0]}`)}`, { format: 'csv' });
  assert.deepEqual([...part.rows, ...rest.rows].map((x) => x[0]), want);
});

test('bad filters are refused with the field named', async () => {
  for (const [q, field] of [
    ['format=xlsx', 'format'], ['bot=1', 'bot'], ['until=2026-11-23', 'until'], ['since=x', 'since'],
    ['kind=clicks', 'kind'], ['cursor=zz', 'cursor'], ['limit=0', 'limit'], ['campaign=', 'campaign'], ['link=a%2Fb', 'link'],
  ]) {
    const r = await t.api(`/api/v1/export?${q}`);
    assert.equal(r.status, 400, q);
    const body = await r.json();
    assert.equal(body.error.code, 'invalid-input');
    assert.equal(body.error.field, field, q);
  }
  assert.equal((await t.api('/api/v1/export', { method: 'POST', body: '{}' })).status, 405);
});

test('a full stream stops at 45,000 rows within one invocation\'s D1 queries, and resumes', async () => {
  const big = [];
  for (let n = 0; n < 46_200; n++) {
    big.push({ id: `01JBIG${String(n).padStart(20, '0')}`, ts: BASE + 10 * HOUR + n, link: 'exp-big', campaign: 'exp-big', method: 'get', outcome: 'redirect', platform: 'android', bot: 0, received_at: BASE, kind: 'click' });
  }
  await insert(big);
  await t.faults({}, { reset: true });
  const first = await exportAll('campaign=exp-big');
  assert.equal(first.events.length, 45_000);
  assert.equal(first.summary.complete, false);
  const rest = await exportAll(`campaign=exp-big&cursor=${encodeURIComponent(first.summary.next_cursor)}`, { format: 'csv' });
  assert.deepEqual(rest.summary, { count: 1_200, complete: true });
  const ids = [...first.events.map((e) => e.id), ...rest.rows.map((r) => r[0])];
  assert.equal(new Set(ids).size, 46_200);
  assert.deepEqual(ids, big.map((r) => r.id));
  const s = await assertWithinLimits(t);
  assert.ok(s.max.fetch.d1 >= 45, `the stream's page queries were counted (max ${s.max.fetch.d1})`);
});
