// The operator dashboard in real Chromium: sign in with an API key (kept in a Secure,
// HttpOnly, SameSite=Strict host-only cookie, never in a URL), the campaign list with hostile
// names inert, posts only from this origin, sign out. Screenshots to tests/.tmp/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { start, root, API_KEY } from '../e2e/harness.mjs';

const shots = join(root, 'tests', '.tmp', 'screenshots');
let t, browser;
before(async () => {
  mkdirSync(shots, { recursive: true });
  t = await start({ http: true });
  const put = (id, body) => t.api(`/api/v1/campaigns/${id}`, { method: 'PUT', body: JSON.stringify(body) });
  assert.equal((await put('spring-recall', { name: '春季召回 Spring recall', currency: 'CNY' })).status, 201);
  assert.equal((await put('hostile', { name: '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">', currency: 'USD' })).status, 201);
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
  assert.equal(rows.length, 3);
  assert.match(rows[2], /spring-recall\s*春季召回 Spring recall\s*0\s*CNY/);
  assert.match(rows[1], /<script>window.__pwned=1<\/script><img src=x onerror="window.__pwned=2">/);
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
