// Ring 3: what a person sees, in real Chromium (Debian's package, driven by playwright-core)
// against the worker served by workerd on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './chromium.mjs';
import { start, putLink, UA, root } from '../e2e/harness.mjs';

const shots = join(root, 'tests', '.tmp', 'screenshots');
let t, browser;
before(async () => {
  mkdirSync(shots, { recursive: true });
  t = await start({ http: true });
  await putLink(t, 'demo');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.mf.dispose();
});

const phone = (userAgent) => browser.newContext({ userAgent, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });

test('in WeChat, the person sees how to open the link in the browser, and where it leads', async () => {
  const ctx = await phone(UA.wechatIos);
  const page = await ctx.newPage();
  const res = await page.goto(`${t.base}/demo`);
  assert.equal(res.status(), 200);
  await assert.doesNotReject(page.getByText('Open in Browser').waitFor({ state: 'visible' }));
  const dest = page.locator('#destination');
  assert.equal(await dest.isVisible(), true);
  assert.equal((await dest.textContent()).trim(), 'https://apps.apple.com/app/id1234567890');
  assert.equal((await page.locator('#self-link').textContent()).trim(), `${t.base}/demo`);
  const box = await dest.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, 'the destination fits the phone screen');
  await page.screenshot({ path: join(shots, 'wechat-interstitial.png'), fullPage: true });
  await ctx.close();
});

test('a phone browser is sent on to the store by the redirect', async () => {
  const ctx = await phone(UA.pixel);
  const page = await ctx.newPage();
  // The stores are off this machine's network: the browser follows the redirect and the
  // store request fails to resolve, which is where we read where it was going.
  const failed = new Promise((resolve) => page.on('requestfailed', resolve));
  await page.goto(`${t.base}/demo`).catch(() => {});
  const req = await failed;
  assert.equal(req.url(), 'https://play.google.com/store/apps/details?id=com.example.wallet');
  assert.equal(req.redirectedFrom()?.url(), `${t.base}/demo`);
  await ctx.close();
});

test('an unknown link shows a readable not-found page', async () => {
  const ctx = await phone(UA.iphone);
  const page = await ctx.newPage();
  const res = await page.goto(`${t.base}/no-such-code`);
  assert.equal(res.status(), 404);
  assert.equal(await page.locator('h1').textContent(), 'Link not found');
  await page.screenshot({ path: join(shots, 'not-found.png') });
  await ctx.close();
});
