// The browser SDK in real Chromium: loaded from the worker's /sdk/ path, it classifies the
// phone as the edge does, reports steps bound to the click, and falls back to the store when
// the app doesn't open. The page itself is a minimal one served for the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { start, putLink, UA, root, rows, eventually, signClickId } from '../e2e/harness.mjs';

const sdkPath = readFileSync(join(root, 'build', 'sdk.env'), 'utf8').trim().split('=')[1];
let t, browser;
before(async () => {
  t = await start({ http: true });
  await putLink(t, 'sdkpage');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.mf.dispose();
});

/** A click on the link as `ua`, and the click id the edge would put into its page. */
async function click(ua) {
  const before = new Set((await rows(t.db, "SELECT id FROM events WHERE link = 'sdkpage'")).map((r) => r.id));
  await t.fetch('/sdkpage', { headers: { 'user-agent': ua } });
  const id = await eventually(async () =>
    (await rows(t.db, "SELECT id FROM events WHERE link = 'sdkpage'")).map((r) => r.id).find((i) => !before.has(i)));
  return { eventId: id, clickId: signClickId(id, 'sdkpage', null) };
}

/** Opens a same-origin test page that imports the SDK the worker serves. */
async function pageWith(ua) {
  const ctx = await browser.newContext({ userAgent: ua, isMobile: true, hasTouch: true, viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route(`${t.base}/sdk-test`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>sdk</title><p>test page</p>' }));
  await page.goto(`${t.base}/sdk-test`);
  await page.evaluate(async (path) => { window.wl = await import(path); }, sdkPath);
  return { ctx, page, errors };
}

const stepsOf = (eventId) => rows(t.db, 'SELECT step, props, platform, vendor FROM events WHERE click_id = ? ORDER BY step', eventId);

test('platform() is the edge classification, and track() lands in D1 bound to the click', async () => {
  const { eventId, clickId } = await click(UA.xiaomi);
  const { ctx, page, errors } = await pageWith(UA.xiaomi);
  const info = await page.evaluate(async (clickId) => {
    await window.wl.init({ clickId, endpoint: '/e' });
    window.wl.track('landing_view', { variant: 'B' });
    let refused = null;
    try { window.wl.track('login'); } catch (e) { refused = e.message; }
    // A web app opened by the app-open URL reports the open for the click it carries.
    const opened = window.wl.openedFrom(`${location.origin}/open/sdkpage?wl=${encodeURIComponent(clickId)}`);
    const notOpened = window.wl.openedFrom(`${location.origin}/sdkpage`);
    return { platform: window.wl.platform(), refused, opened, notOpened };
  }, clickId);
  assert.deepEqual(info.platform, { platform: 'android', vendor: 'xiaomi', inApp: null, bot: null });
  const [edge] = await rows(t.db, 'SELECT platform, vendor FROM events WHERE id = ?', eventId);
  assert.deepEqual([edge.platform, edge.vendor], ['android', 'xiaomi']);
  assert.match(info.refused, /app backend/);
  assert.deepEqual([info.opened, info.notOpened], [true, false]);
  const [opened, step] = await eventually(async () => { const s = await stepsOf(eventId); return s.length === 2 ? s : null; });
  assert.equal(opened.step, 'app_opened');
  assert.deepEqual([step.step, JSON.parse(step.props), step.vendor], ['landing_view', { variant: 'B' }, 'xiaomi']);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('openApp on Android: the deep link first, the store after the timeout when the app does not open', async () => {
  const { eventId, clickId } = await click(UA.pixel);
  const { ctx, page } = await pageWith(UA.pixel);
  const store = 'https://play.google.com/store/apps/details?id=com.example.wallet';
  const toStore = page.waitForRequest((r) => r.url() === store);
  const how = page.evaluate(async ([clickId, store]) => {
    await window.wl.init({ clickId });
    return window.wl.openApp({ deepLink: 'wakelinktest://coupon/1', universalLink: 'https://app.example.com/o/1', store, timeoutMs: 400 });
  }, [clickId, store]).catch(() => 'navigated');
  await toStore;
  assert.ok(['store', 'navigated'].includes(await how));
  const steps = await eventually(async () => { const s = await stepsOf(eventId); return s.length === 2 ? s : null; });
  assert.deepEqual(steps.map((s) => [s.step, JSON.parse(s.props)]), [
    ['open_app_attempt', { via: 'deep_link' }],
    ['store_fallback', { via: 'deep_link' }],
  ]);
  await ctx.close();
});

test('openApp on a desktop goes straight to the fallback, and refuses script URLs', async () => {
  const { eventId, clickId } = await click(UA.windows);
  const ctx = await browser.newContext({ userAgent: UA.windows });
  const page = await ctx.newPage();
  await page.route(`${t.base}/sdk-test`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><p>x</p>' }));
  await page.goto(`${t.base}/sdk-test`);
  const hostile = await page.evaluate(async ([path, clickId]) => {
    const wl = await import(path);
    await wl.init({ clickId });
    return wl.openApp({ deepLink: 'javascript:alert(1)', store: 'javascript:alert(2)' });
  }, [sdkPath, clickId]);
  assert.equal(hostile, 'none');
  const web = 'https://www.example.com/coupon/demo';
  const nav = page.waitForRequest((r) => r.url() === web);
  await page.evaluate(async ([path, web]) => { const wl = await import(path); wl.openApp({ deepLink: 'wakelinktest://x', store: web }); }, [sdkPath, web]).catch(() => {});
  await nav;
  const steps = await eventually(async () => { const s = await stepsOf(eventId); return s.length ? s : null; });
  assert.deepEqual(steps.map((s) => s.step), ['store_fallback']);
  await ctx.close();
});
