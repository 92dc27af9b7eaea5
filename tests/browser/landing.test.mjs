// The coupon landing page in real Chromium, as an iPhone, two Android phones (Xiaomi, Huawei),
// a desktop and WeChat see it: coupon and countdown, "Open the app" falling back to that
// device's store, the QR code, the in-app guide, hostile fields inert, CSP and no console
// errors. A screenshot per device goes to tests/.tmp/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { start, putLink, UA, root, rows, eventually } from '../e2e/harness.mjs';
import { couponLink } from '../e2e/coupon-link.mjs';

const shots = join(root, 'tests', '.tmp', 'screenshots');
let t, browser;
before(async () => {
  mkdirSync(shots, { recursive: true });
  t = await start({ http: true });
  await putLink(t, 'coupon', couponLink({ title: '回归礼 · Welcome back', terms: '满 ¥100 可用，每人限领一张。\nOrders over ¥100, one per person.' }));
  await putLink(
    t,
    'hostile',
    couponLink(
      {
        title: '<script>window.__pwned=1</script>',
        amount: '"><img src=x onerror=__pwned=2>',
        terms: '\u202Etxt.exe <a href="javascript:window.__pwned=3">claim</a>',
      },
      { campaign: '"><img src=x onerror="window.__pwned=4">' },
    ),
  );
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.mf.dispose();
});

const phone = (userAgent, locale = 'en-US') =>
  browser.newContext({ userAgent, locale, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
const desktop = () => browser.newContext({ userAgent: UA.windows, viewport: { width: 1280, height: 900 } });

/**
 * Opens a page, collecting console errors, page errors and CSP violations, and every
 * navigation the page asks for (app schemes included, which never reach the network).
 */
async function open(ctx, path) {
  const page = await ctx.newPage();
  const problems = [];
  const launches = [];
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Page.enable');
  cdp.on('Page.frameRequestedNavigation', (e) => launches.push({ url: e.url, at: Date.now() }));
  page.on('console', (m) => {
    // Chromium's note that an app scheme has no handler on this machine (no app installed)
    // or needs a fresh tap: that is the button trying the app, then the store.
    if (/^(Failed|Not allowed) to launch '/.test(m.text())) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  const res = await page.goto(`${t.base}${path}`);
  return { page, res, problems, launches };
}

async function countdownTicks(page) {
  const countdown = page.locator('#countdown');
  await countdown.waitFor({ state: 'visible' });
  const first = await countdown.textContent();
  assert.match(first, /\d+(d|天) \d\d:\d\d:\d\d/);
  await page.waitForFunction((t0) => document.querySelector('#countdown').textContent !== t0, first, { timeout: 3000 });
}

for (const [name, ua, locale, store] of [
  ['iphone', UA.iphone, 'en-US', 'https://apps.apple.com/app/id1234567890'],
  ['android-xiaomi', UA.xiaomi, 'zh-CN', 'mimarket://details?id=com.example.wallet'],
  ['android-huawei', UA.huawei, 'zh-CN', 'appmarket://details?id=com.example.wallet'],
]) {
  test(`${name}: the coupon with a live countdown, and "Open the app" falls back to its store`, async () => {
    const ctx = await phone(ua, locale);
    // The stores are off this machine's network: an https store answers from here.
    await ctx.route('https://apps.apple.com/**', (r) => r.fulfill({ status: 200, contentType: 'text/plain', body: 'store' }));
    const { page, res, problems, launches } = await open(ctx, '/coupon');
    assert.equal(res.status(), 200);
    assert.match(res.headers()['content-security-policy'], /script-src 'nonce-[0-9a-f]{32}'/);
    assert.equal(await page.locator('#title').isVisible(), true);
    assert.equal(await page.locator('#amount').textContent(), '¥30');
    await countdownTicks(page);
    assert.equal(await page.getByText(locale === 'zh-CN' ? '打开 App' : 'Open the app').isVisible(), true);
    await page.screenshot({ path: join(shots, `landing-${name}.png`), fullPage: true });
    assert.deepEqual(problems, []);

    // The SDK the page loads reports the view, bound to this page's click.
    const clickId = await page.locator('main').getAttribute('data-click');
    const eventId = clickId.split('.')[0];
    const steps = () => rows(t.db, 'SELECT step FROM events WHERE click_id = ? ORDER BY ts, step', eventId);
    await eventually(async () => (await steps()).some((s) => s.step === 'landing_view'));
    const [click] = await rows(t.db, 'SELECT kind, outcome FROM events WHERE id = ?', eventId);
    assert.deepEqual([click.kind, click.outcome], ['click', 'landing']);

    launches.length = 0;
    const started = Date.now();
    await page.locator('#open-app').click();
    if (name === 'iphone') {
      // iOS: the app-open URL (a universal link when the app is installed) first; here no app
      // takes it, so the web answer forwards to the App Store.
      await page.waitForURL(store, { timeout: 5000 });
      assert.equal(launches[0].url, `${t.base}/open/coupon?wl=${clickId}`);
    } else {
      // Android: the app's scheme first, then this device's store after the wait.
      await page.waitForTimeout(2500);
      assert.deepEqual(launches.map((l) => l.url), ['examplewallet://coupon/demo', store]);
      assert.ok(launches[1].at - started >= 1500, 'the store waits for the app');
      await eventually(async () => (await steps()).some((s) => s.step === 'store_fallback'));
      // Chromium lets a tap launch one app scheme; the store's is refused without a fresh
      // tap, so the page stays and offers the store as its primary action.
      await page.waitForFunction(() => document.getElementById('store').className === 'primary', null, { timeout: 3000 });
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'store');
      assert.equal(await page.locator('#store').getAttribute('href'), store);
      await page.screenshot({ path: join(shots, `landing-${name}-store-offered.png`), fullPage: true });
    }
    assert.ok((await steps()).some((s) => s.step === 'open_app_attempt'));
    await ctx.close();
  });
}

test('desktop: the coupon, the web destination and a QR code of the link', async () => {
  const ctx = await desktop();
  const { page, problems } = await open(ctx, '/coupon');
  const qr = page.locator('#qr');
  assert.equal(await qr.isVisible(), true);
  const box = await qr.boundingBox();
  assert.ok(box.width >= 150 && Math.abs(box.width - box.height) < 1, 'a square code large enough to scan');
  assert.equal(await page.locator('#web').getAttribute('href'), 'https://www.example.com/coupon/demo');
  assert.equal(await page.locator('#open-app').count(), 0);
  await countdownTicks(page);
  await page.screenshot({ path: join(shots, 'landing-desktop.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('WeChat: how to open the system browser, with the coupon still visible', async () => {
  const ctx = await phone(UA.wechatIos, 'zh-CN');
  const { page, problems } = await open(ctx, '/coupon');
  assert.equal(await page.locator('#guide').isVisible(), true);
  assert.equal(await page.getByText('在浏览器打开').isVisible(), true);
  assert.equal((await page.locator('#self-link').textContent()).trim(), `${t.base}/coupon`);
  assert.equal(await page.locator('#title').isVisible(), true);
  assert.equal(await page.locator('#open-app').count(), 0);
  await page.screenshot({ path: join(shots, 'landing-wechat.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('hostile coupon and campaign fields render inert', async () => {
  const ctx = await phone(UA.pixel);
  const { page, problems } = await open(ctx, '/hostile');
  await page.locator('details summary').click();
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('#title').textContent(), '<script>window.__pwned=1</script>');
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.locator('main a[href^="javascript:"]').count(), 0);
  assert.equal(await page.locator('script').count(), 1, 'only the page\'s own script');
  // The right-to-left override is shown, isolated in its own element.
  assert.equal(await page.locator('.terms bdi').evaluate((e) => getComputedStyle(e).unicodeBidi), 'isolate');
  assert.match(await page.locator('.terms bdi').textContent(), /^\u202Etxt\.exe/);
  await page.screenshot({ path: join(shots, 'landing-hostile.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});
