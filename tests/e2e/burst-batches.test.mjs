// The consumer's network-burst verdicts batch by batch, with click times the test chooses
// (batches go straight to the ops worker's `queue()`). The consumer reads the crowd around a
// batch's clicks first and, when that crowd holds anyone, again around every click of the
// recipients involved: a new click can complete the burst of an older click whose window
// reaches clicks the new one's window does not.
import test from 'node:test';
import assert from 'node:assert/strict';
import { start, rows, deliverer } from './harness.mjs';

const T = Date.UTC(2026, 10, 2, 3, 0, 0);
const S = 1000;
const id = (n) => `01KC${String(n).padStart(22, '0')}`;
const click = (n, seq, ts, net = '198.51.100.0/24') => ({
  id: id(n), ts, link: 'nb', campaign: 'nb-recall', variant: 'A', recipient: seq,
  method: 'get', outcome: 'redirect', target: 'app-store', platform: 'ios', bot: false,
  ip_prefix: net,
});

test('a new click completes the burst of an older click beyond its own window', async (t) => {
  // Defaults: five recipients from one network within 10 s of a click.
  const w = await start();
  t.after(() => w.mf.dispose());
  const deliver = await deliverer(w);
  const flags = async () =>
    Object.fromEntries((await rows(w.db, 'SELECT id, bot_reason FROM events WHERE link = ? ORDER BY id', 'nb'))
      .map((r) => [r.id, r.bot_reason]));
  const firsts = async () =>
    (await rows(w.db, 'SELECT recipient, event_id FROM first_clicks WHERE link = ? ORDER BY recipient', 'nb'))
      .map((r) => [r.recipient, r.event_id]);

  // Recipients 1-3 at T-9 s, T-8.5 s, T-8 s and recipient 4 at T, one network: four
  // recipients within 10 s of each click, one short of a burst.
  await deliver(click(1, 1, T - 9 * S), click(2, 2, T - 8.5 * S), click(3, 3, T - 8 * S), click(4, 4, T));
  assert.deepEqual(Object.values(await flags()), [null, null, null, null]);
  assert.equal((await firsts()).length, 4);

  // Recipient 5 at T+9 s (within 10 s of recipient 4's click only) and recipient 4 again a
  // minute later, in one batch. Recipient 4's click at T now has five recipients within
  // 10 s: 1, 2, 3 (outside the new click's window) and 5. Nobody else's click does.
  await deliver(click(5, 5, T + 9 * S), click(6, 4, T + 60 * S));
  assert.deepEqual(await flags(), {
    [id(1)]: null, [id(2)]: null, [id(3)]: null,
    [id(4)]: 'network-burst',
    [id(5)]: null, [id(6)]: null,
  });
  // Recipient 4's first click moves to the minute-later one.
  assert.deepEqual(await firsts(), [[1, id(1)], [2, id(2)], [3, id(3)], [4, id(6)], [5, id(5)]]);

  // The same batches again (redelivery) change nothing.
  await deliver(click(5, 5, T + 9 * S), click(6, 4, T + 60 * S), click(4, 4, T));
  assert.equal(Object.values(await flags()).filter(Boolean).length, 1);
  assert.deepEqual((await firsts())[3], [4, id(6)]);
});
