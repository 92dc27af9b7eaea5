// The consumer's first-click rule, batch by batch (`sql::FIRST_CLICKS_ADVANCE` with the clear
// and recompute for recipients a run flags): an earlier click arriving later moves the first
// click earlier; a later one, a bot's, a redelivery or one that reached no destination does
// not; a click the same run flags never becomes it. Batches go straight to the ops worker's
// `queue()`, so the order of arrival is the test's.
import test from 'node:test';
import assert from 'node:assert/strict';
import { start, rows, deliverer } from './harness.mjs';

const T = Date.UTC(2026, 10, 1, 3, 0, 0);
const id = (n) => `01KB${String(n).padStart(22, '0')}`;
const click = (n, seq, ts, extra = {}) => ({
  id: id(n), ts, link: 'fc', campaign: 'fc-recall', variant: 'A', recipient: seq,
  method: 'get', outcome: 'redirect', target: 'app-store', platform: 'ios', bot: false, ...extra,
});

test('first clicks move only earlier, to unflagged clicks that reached a destination', async (t) => {
  const w = await start();
  t.after(() => w.mf.dispose());
  const deliver = await deliverer(w);
  const first = async (seq) =>
    (await rows(w.db, 'SELECT event_id, ts FROM first_clicks WHERE link = ? AND recipient = ?', 'fc', seq))[0] ?? null;

  // Recipient 1: no ledger row, so only the edge's own verdicts count.
  await deliver(click(3, 1, T + 3000));
  assert.deepEqual(await first(1), { event_id: id(3), ts: T + 3000 });
  await deliver(click(2, 1, T + 2000));
  assert.deepEqual(await first(1), { event_id: id(2), ts: T + 2000 }, 'an earlier click arriving later');
  await deliver(
    click(4, 1, T + 4000),
    click(1, 1, T + 1000, { bot: true, bot_reason: 'link-preview', platform: 'other' }),
    click(5, 1, T + 500, { outcome: 'gone', target: null }),
    click(3, 1, T + 3000),
  );
  assert.deepEqual(await first(1), { event_id: id(2), ts: T + 2000 }, 'later, bot, no destination, redelivered');
  // Two clicks of one recipient in one batch, same time: the smaller id.
  await deliver(click(7, 1, T + 1500), click(6, 1, T + 1500));
  assert.deepEqual(await first(1), { event_id: id(6), ts: T + 1500 });

  // Recipient 2: the ledger's send time is known, so a click within MIN_CLICK_DELAY_SECS (5 s)
  // of it is flagged by the consumer's own re-judging, in the batch that brings it.
  await w.db.prepare(`INSERT INTO sends (link, recipient, external_id, segment, variant, sent_at, created_at, generation)
    VALUES ('fc', 2, 'cust-2', 'dormant', 'A', ?1, ?1, '')`).bind(T).run();
  await deliver(click(20, 2, T + 60_000));
  assert.deepEqual(await first(2), { event_id: id(20), ts: T + 60_000 });
  await deliver(click(21, 2, T + 2000));
  const [flag] = await rows(w.db, 'SELECT bot, bot_reason FROM events WHERE id = ?', id(21));
  assert.deepEqual(flag, { bot: 1, bot_reason: 'too-soon-after-send' });
  assert.deepEqual(await first(2), { event_id: id(20), ts: T + 60_000 }, 'a click flagged in the same run');
});
