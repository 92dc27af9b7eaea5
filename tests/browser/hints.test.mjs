// Ring 3: the client-hint round trip in real Chromium. A phone whose Chrome sends the reduced
// user agent ("Linux; Android 10; K") gets Accept-CH + Critical-CH; Chromium repeats the
// request once with Sec-CH-UA-Model, and the repeat goes to the maker's store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './chromium.mjs';
import { start, putLink, eventually, rows } from '../e2e/harness.mjs';

const REDUCED = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
let t, browser;
before(async () => {
  t = await start({ http: true });
  await putLink(t, 'demo');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.mf.dispose();
});

/** A page that presents itself as an Android phone of the given model, the way Chrome does:
 * the reduced user agent, and the model only in the user-agent client hints. */
async function phone(model) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Emulation.setUserAgentOverride', {
    userAgent: REDUCED,
    userAgentMetadata: {
      brands: [{ brand: 'Chromium', version: '131' }, { brand: 'Google Chrome', version: '131' }],
      fullVersion: '131.0.6778.200',
      platform: 'Android',
      platformVersion: '14.0.0',
      architecture: '',
      model,
      mobile: true,
    },
  });
  return { ctx, page };
}

/** Opens `/{code}` on a phone of `model`; returns when each request to the worker started. */
async function visit(code, model, times = 1) {
  const { ctx, page } = await phone(model);
  const starts = [];
  page.on('request', (r) => {
    if (r.url().startsWith(t.base)) starts.push(performance.now());
  });
  // The stores' schemes don't open here; the navigation ends there, which is fine.
  for (let i = 0; i < times; i++) await page.goto(`${t.base}/${code}`, { timeout: 5000 }).catch(() => {});
  await page.waitForTimeout(300);
  await ctx.close();
  return starts;
}

const log = (code, n) =>
  eventually(async () => {
    const r = await rows(t.db, 'SELECT outcome, vendor, target FROM events WHERE link = ? ORDER BY ts, id', code);
    return r.length === n && r;
  });

// What the worker received is read from its click log: the hint itself is added by Chromium's
// network stack, after the point where the test driver sees request headers.
test('Chromium repeats the request once with the model, and the repeat goes to the vendor store', async () => {
  await putLink(t, 'chx');
  const starts = await visit('chx', '2211133C');
  assert.equal(starts.length, 2, 'the first request and one repeat, no more');
  assert.deepEqual((await log('chx', 2)).map((e) => [e.outcome, e.vendor, e.target]), [
    ['hint-requested', null, 'google-play'],
    ['redirect', 'xiaomi', 'vendor-store'],
  ]);
  console.log(`# client-hint repeat on loopback: ${(starts[1] - starts[0]).toFixed(1)} ms from the first request to the repeat`);
});

test('a phone that keeps its model to itself is asked once and still gets a store', async () => {
  await putLink(t, 'chz');
  const starts = await visit('chz', '');
  assert.equal(starts.length, 2);
  assert.deepEqual((await log('chz', 2)).map((e) => [e.outcome, e.vendor, e.target]), [
    ['hint-requested', null, 'google-play'],
    ['redirect', null, 'google-play'],
  ]);
});

test('a second visit from the same browser sends the model at once: no repeat', async () => {
  await putLink(t, 'chy');
  const starts = await visit('chy', 'SM-S918B', 2);
  assert.equal(starts.length, 3, 'asked and repeated on the first visit only');
  assert.deepEqual((await log('chy', 3)).map((e) => [e.outcome, e.vendor]), [
    ['hint-requested', null],
    ['redirect', 'samsung'],
    ['redirect', 'samsung'],
  ]);
});
