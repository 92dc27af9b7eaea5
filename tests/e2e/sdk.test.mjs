// The browser SDK as the worker serves it: content-hashed names under /sdk/, long-cached and
// immutable (Workers Static Assets with build/assets/_headers), and the package directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { start, root } from './harness.mjs';

let t;
before(async () => {
  t = await start();
});
after(async () => t?.mf.dispose());

test('the SDK module and its wasm are served under hashed, immutable /sdk/ paths', async () => {
  const path = readFileSync(join(root, 'build', 'sdk.env'), 'utf8').trim().split('=')[1];
  assert.match(path, /^\/sdk\/wakelink\.[0-9a-f]{12}\.js$/);
  const js = await t.fetch(path);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
  assert.match(js.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
  assert.equal(js.headers.get('access-control-allow-origin'), '*');
  const wasmName = (await js.text()).match(/wakelink_bg\.[0-9a-f]{12}\.wasm/)[0];
  const wasm = await t.fetch(`/sdk/${wasmName}`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  assert.ok(WebAssembly.validate(bytes));
  // The budget: the SDK's wasm at most 40 KB gzipped (-9), as a page downloads it.
  const gz = gzipSync(bytes, { level: 9 }).length;
  assert.ok(gz <= 40 * 1024, `SDK wasm is ${gz} B gzipped, over 40 KB`);
  assert.equal((await t.fetch('/sdk/nope.js')).status, 404);
});

test('the npm package directory has its manifest, types and readme', () => {
  const dir = join(root, 'build', 'sdk');
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const f of pkg.files) assert.ok(existsSync(join(dir, f)), f);
  const types = readFileSync(join(dir, 'wakelink.d.ts'), 'utf8');
  for (const name of ['track', 'openApp', 'platform', 'StartOptions', 'OpenAppOptions']) assert.match(types, new RegExp(name));
});
