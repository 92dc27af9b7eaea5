// Queue send failure → the event is spooled to KV → the cron trigger drains it → row in D1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, OPS, UA, putLink, eventually, rows } from './harness.mjs';

test('an event whose Queue send fails is spooled and reaches D1 through the cron drain', async () => {
  const down = await start({ queue: false });
  let up;
  try {
    await putLink(down, 'spooled');
    const r = await down.fetch('/spooled', { headers: { 'user-agent': UA.iphone } });
    assert.equal(r.status, 302, 'the visitor is answered even though the Queue is down');
    const spooled = await eventually(async () => {
      const { keys } = await down.kv.list({ prefix: 'spool:' });
      return keys.length ? keys : null;
    });
    assert.equal(spooled.length, 1);
    assert.equal((await rows(down.db, 'SELECT id FROM events')).length, 0);
    await down.mf.dispose();

    // The Queue is back: the same KV and D1, now with the producer bound.
    up = await start({ persist: down.dir });
    const worker = await up.mf.getWorker(OPS);
    await worker.scheduled({ cron: '* * * * *', scheduledTime: new Date() });
    const landed = await eventually(async () => {
      const r = await rows(up.db, 'SELECT id, link, platform FROM events WHERE link = ?', 'spooled');
      return r.length ? r : null;
    });
    assert.equal(landed[0].id, spooled[0].name.slice('spool:'.length));
    assert.equal(landed[0].platform, 'ios');
    assert.equal((await up.kv.list({ prefix: 'spool:' })).keys.length, 0, 'the spool is emptied');
    // A second drain finds nothing and adds nothing.
    await worker.scheduled({ cron: '* * * * *', scheduledTime: new Date() });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await rows(up.db, 'SELECT id FROM events')).length, 1);
  } finally {
    await up?.mf.dispose();
  }
});
