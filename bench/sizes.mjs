// Sizes against their budgets: each worker's wasm and the browser SDK's (gzip -9), and a landing page's first load
// (HTML + CSS + JS + wasm, each response gzipped at level 9 as a CDN would serve it), as real
// Chromium loads the seeded demo link's page on an iPhone and on a desktop. Needs a build
// (scripts/build-worker.sh). Exits non-zero when a budget is exceeded.
//   node bench/sizes.mjs
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { start, putLink, UA, root } from '../tests/e2e/harness.mjs';

const KB = 1000;
// The edge worker runs on every tap: 250 KB. The ops worker (operator API, Queue consumer)
// is held to the platform's limit for a Worker on the free plan, 3 MB compressed.
const BUDGET = { edge: 250 * KB, ops: 3000 * KB, sdk: 40 * KB, page: 80 * KB };
const gz = (buf) => gzipSync(buf, { level: 9 }).length;

const file = (...p) => readFileSync(join(root, 'build', ...p));
const sdkWasm = readdirSync(join(root, 'build', 'assets', 'sdk')).find((f) => f.endsWith('.wasm'));
const rows = [
  ['edge worker wasm', file('index_bg.wasm'), BUDGET.edge],
  ['ops worker wasm', file('ops', 'index_bg.wasm'), BUDGET.ops],
  ['browser SDK wasm', file('assets', 'sdk', sdkWasm), BUDGET.sdk],
].map(([what, b, budget]) => [what, b.length, gz(b), budget]);

const t = await start({ http: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  await putLink(t, 'demo', JSON.parse(readFileSync(join(root, 'seed', 'demo-link.json'), 'utf8')));
  for (const [name, ua, mobile] of [['iphone', UA.iphone, true], ['desktop', UA.windows, false]]) {
    const ctx = await browser.newContext({ userAgent: ua, isMobile: mobile, viewport: mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const bodies = [];
    page.on('response', (r) => bodies.push(r.body().then((b) => ({ url: r.url(), b })).catch(() => null)));
    await page.goto(`${t.base}/demo`, { waitUntil: 'networkidle' });
    const got = (await Promise.all(bodies)).filter(Boolean);
    const raw = got.reduce((n, x) => n + x.b.length, 0);
    const zipped = got.reduce((n, x) => n + gz(x.b), 0);
    rows.push([`landing page, ${name} (${got.length} responses)`, raw, zipped, BUDGET.page]);
    for (const x of got) console.log(`  ${name}: ${x.url.replace(t.base, '')} ${x.b.length} bytes, ${gz(x.b)} gzipped`);
    await ctx.close();
  }
} finally {
  await browser.close();
  await t.mf.dispose();
}

let over = false;
console.log(`\n${'what'.padEnd(36)} ${'raw'.padStart(9)} ${'gzipped'.padStart(9)} ${'budget'.padStart(9)}`);
for (const [what, raw, zipped, budget] of rows) {
  const ok = zipped <= budget;
  over ||= !ok;
  console.log(`${what.padEnd(36)} ${String(raw).padStart(9)} ${String(zipped).padStart(9)} ${String(budget).padStart(9)} ${ok ? 'ok' : 'OVER'}`);
}
process.exit(over ? 1 : 0);
