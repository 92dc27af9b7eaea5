// A panic in the Rust handler: the visitor gets wakelink's 500 page (src/worker/fence.js),
// the Wasm instance is set up anew, and the requests after it are answered correctly — from
// a fresh instance, not from state the panic left half-changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { UA, putLink, eventually, rows } from './harness.mjs';
import { startFaulty } from './faults.mjs';

let t;
before(async () => {
  t = await startFaulty();
  await putLink(t, 'pan');
});
after(async () => t?.mf.dispose());

const click = () => t.fetch('/pan', { headers: { 'user-agent': UA.iphone } });

test('a panicking request gets a 500 page; the next ones are served as usual', async () => {
  assert.equal((await click()).status, 302);
  await t.faults({ panicNextFetches: 1 });
  const r = await click();
  assert.equal(r.status, 500);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.match(await r.text(), /Something went wrong/);
  for (let i = 0; i < 20; i++) {
    const ok = await click();
    assert.equal(ok.status, 302);
    assert.equal(ok.headers.get('location'), 'https://apps.apple.com/app/id1234567890');
  }
  const api = await t.api('/api/v1/links/pan');
  assert.equal(api.status, 200);
  assert.equal((await api.json()).code, 'pan');
  // The clicks before and after the panic are all in the log; the panicking one never
  // reached the point of describing its event.
  await eventually(async () => (await rows(t.db, "SELECT id FROM events WHERE link = 'pan'")).length === 21);
});

test('a HEAD that panics gets the 500 without a body', async () => {
  await t.faults({ panicNextFetches: 1 });
  const r = await t.fetch('/pan', { method: 'HEAD', headers: { 'user-agent': UA.iphone } });
  assert.equal(r.status, 500);
  assert.equal(await r.text(), '');
  assert.equal((await click()).status, 302);
});
