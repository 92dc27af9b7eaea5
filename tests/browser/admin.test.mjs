// The operator dashboard in real Chromium: sign in with an API key (kept in a Secure,
// HttpOnly, SameSite=Strict host-only cookie, never in a URL), the campaign list with hostile
// names inert, posts only from this origin, sign out; then a campaign's page (the seeded demo
// campaign, built through the public links and API) against the read API's own answers for
// the same campaign, its charts, its follow-up download, and hostile labels kept inert.
// Screenshots to tests/.tmp/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { start, root, API_KEY, demoLink } from '../e2e/harness.mjs';
import { seedDemo, CAMPAIGN as DEMO } from '../../scripts/seed-demo.mjs';

const shots = join(root, 'tests', '.tmp', 'screenshots');
let t, browser;
before(async () => {
  mkdirSync(shots, { recursive: true });
  t = await start({ http: true });
  const put = (id, body) => t.api(`/api/v1/campaigns/${id}`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal((await put('spring-recall', { name: '春季召回 Spring recall', currency: 'CNY' })).status, 201);
  assert.equal((await put('hostile', { name: '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">', currency: 'USD' })).status, 201);
  await seedDemo(t.base, API_KEY, () => {});
  await hostileCampaign();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.mf.dispose();
});

/** A page that collects console errors, page errors and CSP reports. */
async function open(ctx, path) {
  const page = await ctx.newPage();
  const problems = [];
  page.on('console', (m) => {
    // The wrong-key answer is a 401 on purpose.
    if (/status of 401/.test(m.text())) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  const res = await page.goto(`${t.base}${path}`);
  return { page, res, problems };
}

test('sign in with a key, see the campaigns (hostile names inert), sign out', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const { page, res, problems } = await open(ctx, '/admin');
  assert.equal(res.status(), 200);
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /form-action 'self'/);
  assert.doesNotMatch(csp, /script-src/, 'no script at all');
  assert.equal(res.headers()['x-frame-options'], 'DENY');

  // A wrong key: refused, said plainly, nothing stored.
  await page.fill('#key', 'wl_not_a_real_key_at_all_000');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(await page.locator('#error').textContent(), 'This key is not valid.');
  assert.deepEqual(await ctx.cookies(), []);

  await page.fill('#key', API_KEY);
  await Promise.all([page.waitForURL(`${t.base}/admin`), page.click('button[type=submit]')]);
  assert.ok(!page.url().includes(API_KEY), 'the key never appears in a URL');
  const [cookie] = await ctx.cookies();
  assert.equal(cookie.name, '__Host-wakelink-admin');
  assert.deepEqual([cookie.httpOnly, cookie.secure, cookie.sameSite, cookie.path], [true, true, 'Strict', '/']);
  assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read it');

  const rows = await page.locator('#campaigns tr').allTextContents();
  assert.equal(rows.length, 5);
  assert.ok(rows.some((r) => /spring-recall\s*春季召回 Spring recall\s*0\s*CNY/.test(r)), rows.join('\n'));
  assert.ok(rows.some((r) => r.includes('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">')));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('main img').count(), 0);
  await page.screenshot({ path: join(shots, 'admin-campaigns.png'), fullPage: true });
  assert.deepEqual(problems, []);

  await Promise.all([page.waitForURL(`${t.base}/admin`), page.click('header button')]);
  assert.deepEqual(await ctx.cookies(), []);
  assert.equal(await page.locator('#key').isVisible(), true);
  await ctx.close();
});

test('posts from elsewhere are refused: sign-in from another site, sign-out without the form token', async () => {
  const form = (path, body, headers) =>
    fetch(`${t.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(body),
    });
  // Another site's page posting a key (login CSRF) or a browser saying cross-site.
  assert.equal((await form('/admin/sign-in', { key: API_KEY }, { origin: 'https://evil.example' })).status, 403);
  assert.equal((await form('/admin/sign-in', { key: API_KEY }, { 'sec-fetch-site': 'cross-site', origin: t.base })).status, 403);
  assert.equal((await form('/admin/sign-in', { key: API_KEY }, {})).status, 403, 'no origin at all');
  const ok = await form('/admin/sign-in', { key: API_KEY }, { origin: t.base });
  assert.equal(ok.status, 303);
  const cookie = ok.headers.get('set-cookie').split(';')[0];
  // Signing out needs this session's form token.
  const out = (csrf) => form('/admin/sign-out', { csrf }, { origin: t.base, cookie });
  assert.equal((await out('0'.repeat(32))).status, 403);
  const home = await (await fetch(`${t.base}/admin`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([0-9a-f]{32})"/.exec(home)[1];
  const done = await out(csrf);
  assert.equal(done.status, 303);
  assert.match(done.headers.get('set-cookie'), /Max-Age=0/);
  // A key without the read scope doesn't get in.
  const issued = await t.api('/api/v1/keys', { method: 'POST', body: JSON.stringify({ name: 'backend', scopes: ['conversions'] }) });
  assert.equal(issued.status, 201);
  const { key } = await issued.json();
  const narrow = await form('/admin/sign-in', { key }, { origin: t.base });
  assert.equal(narrow.status, 401);
  assert.match(await narrow.text(), /lacks the read scope/);
});

// ---- the campaign page ----

const HOSTILE_ID = 'x"><svg onload=alert(1)>';
const HOSTILE_NAME = '</title><script>window.__pwned=3</script>';
const HOSTILE_VARIANT = '"><img src=x onerror="window.__pwned=4">';

/** A campaign whose name, id and a variant label are markup, with sends and a click. */
async function hostileCampaign() {
  const id = encodeURIComponent(HOSTILE_ID);
  for (const [code, variant] of [['evil-a', HOSTILE_VARIANT], ['evil-b', '<b>B</b>']]) {
    assert.equal((await t.api(`/api/v1/links/${code}`, { method: 'PUT', body: JSON.stringify({ ...demoLink(), campaign: HOSTILE_ID, variant }) })).status, 201);
  }
  const put = await t.api(`/api/v1/campaigns/${id}`, {
    method: 'PUT',
    body: JSON.stringify({ name: HOSTILE_NAME, currency: 'JPY', links: [{ code: 'evil-a', variant: HOSTILE_VARIANT }, { code: 'evil-b', variant: '<b>B</b>' }], cost_per_send: { sms: 3 } }),
  });
  assert.equal(put.status, 201, await put.text());
  const sent = new Date(Date.now() - 4 * 86_400_000).toISOString();
  for (const code of ['evil-a', 'evil-b']) {
    const r = await t.api(`/api/v1/links/${code}/recipients`, {
      method: 'POST',
      body: JSON.stringify({ recipients: [1, 2, 3].map((n) => ({ external_id: `${code}-${n}`, segment: '<i>seg</i>', sent_at: sent })) }),
    });
    assert.equal(r.status, 201);
    const { recipients } = await r.json();
    await fetch(recipients[0].url.replace(/^https?:\/\/[^/]+/, t.base), { redirect: 'manual', headers: { 'user-agent': IPHONE, 'cf-connecting-ip': `10.9.9.${code.length}` } }).then((x) => x.arrayBuffer());
  }
}
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const getJson = async (path) => {
  const r = await t.api(path);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
};

/** Waits until the consumer has applied everything: the same reports twice in a row. */
async function settled(id) {
  const read = async () => JSON.stringify(await Promise.all(['funnel?by=variant', 'timing', 'retention'].map((q) => getJson(`/api/v1/campaigns/${id}/${q}`))));
  let last = await read();
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await read();
    if (now === last) return;
    last = now;
  }
  throw new Error(`${id}: counters never settled`);
}

async function signIn(ctx) {
  const { page, problems } = await open(ctx, '/admin');
  await page.fill('#key', API_KEY);
  await Promise.all([page.waitForURL(`${t.base}/admin`), page.click('button[type=submit]')]);
  return { page, problems };
}

/** Minor units as the page prints them (integers only). */
const money = (v, cur, digits = 2) => {
  if (v === null || v === undefined) return '—';
  const unit = 10 ** digits;
  const a = Math.abs(v);
  const whole = Math.trunc(a / unit).toLocaleString('en-US');
  const frac = digits ? `.${String(a % unit).padStart(digits, '0')}` : '';
  return `${cur} ${v < 0 ? '-' : ''}${whole}${frac}`;
};
const ratio = (bp) => {
  if (bp === null || bp === undefined) return '—';
  const h = Math.round(bp / 100);
  return `${Math.trunc(h / 100)}.${String(h % 100).padStart(2, '0')}×`;
};
/** The page's comparison sentence, from the compare report's own figures. */
const expectedSentence = (cmp, word) => {
  const pText = cmp.p_value < 0.001 ? 'p < 0.001' : cmp.p_value < 0.01 ? `p = ${cmp.p_value.toFixed(3)}` : `p = ${cmp.p_value.toFixed(2)}`;
  const needed = Math.max(...(cmp.still_needed ?? [0, 0]));
  if (cmp.p_value < 0.05) return `${cmp.sentence}.`;
  if (cmp.still_needed === null) return `Not significant yet (${pText}).`;
  if (needed > 0) return `Not significant yet (${pText}): about ${needed.toLocaleString('en-US')} more sends per ${word} needed to tell a 1-point difference in recall rate.`;
  return `No significant difference (${pText}), though each ${word} has enough sends to tell a 1-point difference in recall rate.`;
};
const label = (key) => [key.variant, key.segment, key.channel].filter((x) => x !== undefined).map((x) => x || '(none)').join(' · ') || 'all';

test('a campaign page shows the read API numbers: funnel, money, comparison, timing, retention, follow-ups', async () => {
  await settled(DEMO);
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
  const { page, problems } = await signIn(ctx);
  await Promise.all([page.waitForURL(`${t.base}/admin/campaigns/${DEMO}`), page.click(`a[href="/admin/campaigns/${DEMO}"]`)]);
  const res = await page.reload();
  assert.equal(res.status(), 200);
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /default-src 'none'; style-src 'nonce-[0-9a-f]{32}'/);
  assert.doesNotMatch(csp, /script-src|unsafe-inline/);
  assert.equal(await page.locator('#name').textContent(), '回归礼 · Spring recall (demo)');

  // Funnel per variant: every step's unique count and denominator as the API says.
  const f = await getJson(`/api/v1/campaigns/${DEMO}/funnel?by=variant`);
  assert.equal(f.groups.length, 2);
  assert.equal(f.groups.reduce((n, g) => n + g.sends, 0), 300);
  let cells = 0;
  for (const g of f.groups) {
    for (const s of g.steps) {
      const row = page.locator(`#funnel tr[data-group="${g.key.variant}"][data-step="${s.step}"]`);
      assert.equal(await row.getAttribute('data-unique'), String(s.unique), `${g.key.variant} ${s.step}`);
      assert.equal(await row.getAttribute('data-sends'), String(s.from_sends.den));
      assert.equal(await row.locator('td').nth(1).textContent(), s.unique.toLocaleString('en-US'));
      const rate = s.from_sends.rate;
      assert.equal(await row.locator('td').nth(2).textContent(), rate === null ? '—' : `${(rate * 100).toFixed(1)} %`);
      cells++;
    }
  }
  assert.equal(cells, 2 * f.groups[0].steps.length);
  // One bar per variant per step after sent, each with its interval whisker where defined.
  const steps = f.groups[0].steps.length - 1;
  assert.equal(await page.locator('#funnel-chart rect.bar').count(), 2 * steps);
  assert.equal(await page.locator('#funnel-chart title').first().textContent(), 'Funnel by variant: share of sends reaching each step');
  const clicked = f.groups.map((g) => g.steps.find((s) => s.step === 'clicked'));
  assert.ok(clicked.every((s) => s.unique > 0), 'the demo has clicks');
  const clickBars = await page.locator('#funnel-chart rect.bar').evaluateAll((rs) => rs.slice(0, 2).map((r) => Number(r.getAttribute('width'))));
  assert.ok((clickBars[0] < clickBars[1]) === (clicked[0].from_sends.rate < clicked[1].from_sends.rate), 'longer bar, higher rate');

  // Money per variant and in total, from integer minor units.
  const total = (await getJson(`/api/v1/campaigns/${DEMO}/funnel`)).groups[0];
  for (const [name, m] of [...f.groups.map((g) => [g.key.variant, g.money]), ['all', total.money]]) {
    const row = page.locator(`#money tr[data-group="${name}"]`);
    assert.equal(await row.getAttribute('data-cost'), String(m.cost_minor));
    assert.equal(await row.getAttribute('data-value'), String(m.value_minor));
    const got = await row.locator('td').allTextContents();
    const want = [m.cost_minor, m.cost_per_click, m.cost_per_login, m.cost_per_loan, m.value_minor, m.value_per_send, m.value_per_click, m.value_per_login].map((v) => money(v, 'CNY'));
    assert.deepEqual(got.slice(1), [...want, ratio(m.io_ratio_bp)], name);
  }
  assert.ok(total.money.cost_minor > 0 && total.money.value_minor > 0, 'the demo has costs and loans');

  // The comparison in words: the two largest variants at login, as the compare report says.
  const [a, b] = [...f.groups].sort((x, y) => y.sends - x.sends || (x.key.variant < y.key.variant ? -1 : 1)).slice(0, 2).map((g) => g.key.variant).sort();
  const cmp = await getJson(`/api/v1/campaigns/${DEMO}/compare?a=${a}&b=${b}&step=login`);
  assert.equal(await page.locator('#verdict').textContent(), expectedSentence(cmp, 'variant'));
  assert.match(await page.locator('#verdict-detail').textContent(), new RegExp(`^${a} recall rate: ${cmp.a.rate.num} of ${cmp.a.rate.den} `));
  // Channels likewise (the demo sends SMS and e-mail).
  const chans = (await getJson(`/api/v1/campaigns/${DEMO}/funnel?by=channel`)).groups;
  const [ca, cb] = [...chans].sort((x, y) => y.sends - x.sends).slice(0, 2).map((g) => g.key.channel).sort();
  const ccmp = await getJson(`/api/v1/campaigns/${DEMO}/compare?by=channel&a=${ca}&b=${cb}&step=login`);
  assert.equal(await page.locator('#channel-verdict').textContent(), expectedSentence(ccmp, 'channel'));
  assert.match(await page.locator('#channel-verdict-detail').textContent(), new RegExp(`^${ca} recall rate: ${ccmp.a.rate.num} of ${ccmp.a.rate.den} `));

  // Clicks by hour of day and by delay: one bar per bucket, the table holding the API's counts.
  const tm = await getJson(`/api/v1/campaigns/${DEMO}/timing`);
  for (const [chart, table, axis] of [['#hours-chart', '#hours', tm.click_hour], ['#delay-chart', '#delays', tm.delay]]) {
    const rows = axis[0].rows;
    assert.equal(await page.locator(`${chart} rect.bar`).count(), rows.length);
    const shown = await page.locator(`${table} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(shown, rows.map((r) => [r.bucket, String(r.steps.find(([s]) => s === 'clicked')[1])]));
  }
  assert.equal(tm.click_hour[0].rows.length >= 24, true);
  // Click-through by hour of send: a bar per hour with sends, the table as the API says.
  const sendHours = tm.send_hour[0].rows.filter((r) => r.click_through.den > 0);
  assert.ok(sendHours.length >= 5, 'the demo sends at several hours');
  assert.equal(await page.locator('#send-hours-chart rect.bar').count(), sendHours.length);
  assert.equal(await page.locator('#send-hours-chart path.whisker').count(), sendHours.length);
  const sendRows = await page.locator('#send-hours tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].slice(0, 3).map((c) => c.textContent)));
  assert.deepEqual(sendRows, tm.send_hour[0].rows.map((r) => [r.bucket, String(r.click_through.den), String(r.click_through.num)]));
  assert.equal(await page.locator('#delay-chart rect.bar').count(), 9);

  // Retention per variant.
  const ret = await getJson(`/api/v1/campaigns/${DEMO}/retention?by=variant`);
  assert.equal(ret.cohorts.length, 2);
  assert.ok(ret.cohorts.some((c) => c.days_1_7.num > 0), 'the demo has logins coming back');
  for (const c of ret.cohorts) {
    const row = page.locator(`#retention tr[data-group="${c.key.variant}"]`);
    assert.equal(await row.getAttribute('data-recalled'), String(c.recalled));
    const ns = await row.locator('td[data-n]').evaluateAll((tds) => tds.map((td) => Number(td.dataset.n)));
    assert.deepEqual(ns, [c.days_1_7.num, c.days_8_14.num, c.days_15_30.num]);
  }

  // The follow-up count and its download: the API's CSV, byte for byte, without the summary
  // line (a whole list is a plain CSV).
  const api = await t.api(`/api/v1/campaigns/${DEMO}/follow-ups?step=login`, { headers: { accept: 'text/csv' } });
  const full = await api.text();
  const last = full.trimEnd().lastIndexOf('\n') + 1;
  assert.match(full.slice(last), /^# \{"summary":\{"count":\d+,"complete":true\}\}\n$/);
  const csv = full.slice(0, last);
  const due = csv.trim().split('\n').length - 1;
  assert.ok(due > 0, 'some demo recipients are due');
  assert.equal(await page.locator('#follow-ups').getAttribute('data-n'), String(due));
  assert.equal(await page.locator('#per-file').count(), 0, 'a short list fits one download');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(download.suggestedFilename(), `follow-ups-${DEMO}-login.csv`);
  assert.equal(readFileSync(await download.path(), 'utf8'), csv);
  await page.screenshot({ path: join(shots, 'admin-campaign.png'), fullPage: true });

  // Cut by channel: the groups the API has for channels.
  await Promise.all([page.waitForURL(/by=channel$/), page.click('nav.cuts a:text("channel")')]);
  const byChannel = await getJson(`/api/v1/campaigns/${DEMO}/funnel?by=channel`);
  const groups = await page.locator('#funnel tbody tr[data-step="sent"]').evaluateAll((trs) => trs.map((tr) => [tr.dataset.group, Number(tr.dataset.unique)]));
  assert.deepEqual(groups, byChannel.groups.map((g) => [label(g.key), g.sends]));
  assert.deepEqual(await page.locator('#money tbody th').allTextContents(), [...byChannel.groups.map((g) => label(g.key)), 'all']);
  await page.screenshot({ path: join(shots, 'admin-campaign-by-channel.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('hostile campaign names, ids and variant labels are printed as text', async () => {
  await settled(encodeURIComponent(HOSTILE_ID));
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const { page, problems } = await signIn(ctx);
  const link = page.locator('#campaigns a').filter({ hasText: HOSTILE_ID });
  await Promise.all([page.waitForNavigation(), link.click()]);
  assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/admin/campaigns/${HOSTILE_ID}`);
  assert.equal(await page.locator('#name').textContent(), HOSTILE_NAME);
  assert.equal(await page.title(), `${HOSTILE_NAME} · wakelink`);
  assert.equal(await page.locator(`#funnel tr[data-group="${HOSTILE_VARIANT.replaceAll('"', '\\"')}"][data-step="sent"]`).getAttribute('data-unique'), '3');
  const titles = await page.locator('#funnel-chart rect.bar title').allTextContents();
  assert.ok(titles.some((x) => x.startsWith(`${HOSTILE_VARIANT} · clicked: 1 of 3 sends`)), titles.join('\n'));
  assert.ok(titles.some((x) => x.startsWith('<b>B</b> · clicked')));
  // Costs in yen: no decimals.
  assert.equal(await page.locator('#money tr[data-group="all"] td').nth(1).textContent(), 'JPY 18');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('main img, main script, main b, main i').count(), 0);
  assert.equal(await page.locator('svg svg').count(), 0);
  await page.screenshot({ path: join(shots, 'admin-campaign-hostile.png'), fullPage: true });
  // The download's file name keeps only safe characters.
  const r = await page.request.get(`${t.base}/admin/campaigns/${encodeURIComponent(HOSTILE_ID)}/follow-ups.csv`);
  assert.equal(r.status(), 200);
  assert.equal(r.headers()['content-disposition'], 'attachment; filename="follow-ups-x___svg_onload_alert_1__-login.csv"');
  const body = await r.text();
  const api = await t.api(`/api/v1/campaigns/${encodeURIComponent(HOSTILE_ID)}/follow-ups`, { headers: { accept: 'text/csv' } });
  assert.equal(`${body}# {"summary":{"count":6,"complete":true}}\n`, await api.text());
  assert.deepEqual(body.trim().split('\n').slice(1).map((l) => l.split(',')[0]).sort(), ['evil-a-1', 'evil-a-2', 'evil-a-3', 'evil-b-1', 'evil-b-2', 'evil-b-3']);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('campaign pages need a session; unknown campaigns and views are answered plainly', async () => {
  const page = await fetch(`${t.base}/admin/campaigns/${DEMO}`, { redirect: 'manual' });
  assert.equal(page.status, 303);
  assert.equal(page.headers.get('location'), '/admin');
  const csv = await fetch(`${t.base}/admin/campaigns/${DEMO}/follow-ups.csv`, { redirect: 'manual' });
  assert.equal(csv.status, 401);
  assert.doesNotMatch(await csv.text(), /demo-0/);
  const ok = await fetch(`${t.base}/admin/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.base },
    body: new URLSearchParams({ key: API_KEY }),
  });
  const cookie = ok.headers.get('set-cookie').split(';')[0];
  const get = (path) => fetch(`${t.base}${path}`, { headers: { cookie }, redirect: 'manual' });
  const missing = await get('/admin/campaigns/no-such-campaign');
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /No such campaign/);
  const bad = await get(`/admin/campaigns/${DEMO}?by=colour`);
  assert.equal(bad.status, 400);
  assert.match(bad.headers.get('content-security-policy'), /default-src 'none'/);
  assert.equal((await get(`/admin/campaigns/${DEMO}/follow-ups.csv`)).headers.get('content-type'), 'text/csv; charset=utf-8');
  const post = await fetch(`${t.base}/admin/campaigns/${DEMO}`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
  assert.equal(post.status, 405);
});
