// A campaign record's attribution window and currency apply to conversions of its links: a
// link's own window wins, the record's applies to links that set none, and a value in another
// currency than the campaign's is refused row by row (the rest of the batch is kept).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, putLink, demoLink, eventually, rows } from './harness.mjs';

let t;
const hoursAgo = (h) => new Date(Date.now() - h * 3_600_000).toISOString();
const conversions = (list) => t.api('/api/v1/conversions', { method: 'POST', body: JSON.stringify({ conversions: list }) });

before(async () => {
  t = await start();
  // Two links of one campaign: `short` sets no window, `own` sets 100 hours.
  await putLink(t, 'short', { ...demoLink(), campaign: 'tight' });
  await putLink(t, 'own', { ...demoLink(), campaign: 'tight', attribution_window_hours: 100 });
  await putLink(t, 'free', { ...demoLink(), campaign: 'unrecorded' });
  const put = await t.api('/api/v1/campaigns/tight', {
    method: 'PUT',
    body: JSON.stringify({ name: 'Tight window', currency: 'CNY', attribution_window_hours: 1 }),
  });
  assert.equal(put.status, 201);
  for (const code of ['short', 'own', 'free']) {
    const r = await t.api(`/api/v1/links/${code}/recipients`, {
      method: 'POST',
      body: JSON.stringify({ recipients: [{ external_id: `${code}-1`, sent_at: hoursAgo(2) }] }),
    });
    assert.equal(r.status, 201);
  }
});
after(async () => t?.mf.dispose());

test("the campaign record's window applies to links without their own; a link's own wins", async () => {
  const r = await conversions([
    { id: 'w-short', step: 'login', external_id: 'short-1', link: 'short' },
    { id: 'w-own', step: 'login', external_id: 'own-1', link: 'own' },
    { id: 'w-free', step: 'login', external_id: 'free-1', link: 'free' },
  ]);
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.deepEqual(body.results.map((x) => [x.id, x.status, x.attributed]), [
    ['w-short', 'accepted', false], // sent 2 h ago, the campaign's window is 1 h
    ['w-own', 'accepted', true], // the link's own 100 h
    ['w-free', 'accepted', true], // no record: the default 72 h
  ]);
  const kept = await eventually(async () => {
    const c = await rows(t.db, "SELECT id, attributed FROM events WHERE kind = 'conversion' AND id LIKE 'c:w-%' ORDER BY id");
    return c.length === 3 ? c : null;
  });
  assert.deepEqual(kept.map((c) => [c.id, c.attributed]), [['c:w-free', 1], ['c:w-own', 1], ['c:w-short', 0]]);
});

test("a value in another currency than the campaign's is refused, the rest of the batch kept", async () => {
  const r = await conversions([
    { id: 'm-usd', step: 'loan', external_id: 'own-1', link: 'own', value: 100, currency: 'USD' },
    { id: 'm-cny', step: 'loan', external_id: 'own-1', link: 'own', value: 100, currency: 'CNY' },
    { id: 'm-free', step: 'loan', external_id: 'free-1', link: 'free', value: 5, currency: 'USD' },
  ]);
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.deepEqual([body.accepted, body.rejected], [2, 1]);
  assert.deepEqual(body.results.map((x) => [x.index, x.id, x.status]), [
    [0, 'm-usd', 'rejected'],
    [1, 'm-cny', 'accepted'],
    [2, 'm-free', 'accepted'], // no campaign record, no currency to hold it to
  ]);
  assert.deepEqual([body.results[0].error.code, body.results[0].error.field], ['currency-mismatch', 'currency']);
  const kept = await eventually(async () => {
    const c = await rows(t.db, "SELECT id, value_minor, currency FROM events WHERE kind = 'conversion' AND id LIKE 'c:m-%' ORDER BY id");
    return c.length === 2 ? c : null;
  });
  assert.deepEqual(kept.map((c) => [c.id, c.value_minor, c.currency]), [['c:m-cny', 100, 'CNY'], ['c:m-free', 5, 'USD']]);
  await new Promise((res) => setTimeout(res, 200));
  assert.equal((await rows(t.db, "SELECT COUNT(*) AS n FROM events WHERE id = 'c:m-usd'"))[0].n, 0);
});
