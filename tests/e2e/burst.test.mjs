// A scanner fanning out over many recipients' links from one network, end to end in workerd
// (Miniflare): every click is answered and kept; once one network has opened the links of
// NETWORK_BURST_RECIPIENTS (default 5) recipients of a link within NETWORK_BURST_SECS, the
// queue consumer's re-judging flags those clicks `network-burst` after the fact, and their
// first clicks are taken back. People on other networks, or later, keep theirs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, putLink, demoLink, UA, eventually, rows } from './harness.mjs';

let t;
before(async () => {
  // A 2 s window keeps the test short (production default 10 s); the threshold is the default.
  t = await start({ vars: { NETWORK_BURST_SECS: '2' } });
});
after(async () => t?.mf.dispose());

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const events = (code) =>
  rows(t.db, 'SELECT recipient, ip_prefix, bot, bot_reason FROM events WHERE link = ? ORDER BY ts, id', code);
const firstClicks = async (code) =>
  (await rows(t.db, 'SELECT recipient FROM first_clicks WHERE link = ? ORDER BY recipient', code)).map((r) => r.recipient);
// The campaign's store counts what the log judged: its funnel, read through the API.
const funnel = async (label) => {
  const r = await t.api(`/api/v1/campaigns/${label}/funnel`);
  if (r.status !== 200) return null;
  const g = (await r.json()).groups[0];
  return g && [g.unique_clickers, g.human_clicks, g.bot_clicks];
};
const click = (url, ip) =>
  t.fetch(new URL(url).pathname, { headers: { 'user-agent': UA.iphone, 'cf-connecting-ip': ip } });

test('one network opening five recipients’ links within seconds is flagged after the fact', async () => {
  await putLink(t, 'fan', { ...demoLink(), campaign: 'fan-burst' });
  const minted = await t.api('/api/v1/links/fan/recipients', {
    method: 'POST',
    body: JSON.stringify({
      recipients: Array.from({ length: 7 }, (_, i) => ({
        external_id: `fan-${i + 1}`,
        sent_at: new Date(Date.now() - 3600_000).toISOString(),
      })),
    }),
  });
  assert.equal(minted.status, 201);
  const people = (await minted.json()).recipients;
  const seq = people.map((p) => p.seq);

  // A person on a carrier network.
  assert.equal((await click(people[6].url, '203.0.113.9')).status, 302);
  await eventually(async () => (await firstClicks('fan')).length === 1);

  // The gateway opens recipients 1-4, one after another: each looks like a person at first.
  for (let i = 0; i < 4; i++) {
    assert.equal((await click(people[i].url, `198.51.100.${10 + i}`)).status, 302);
    await eventually(async () => (await firstClicks('fan')).length === i + 2);
  }
  // The fifth recipient from the same network completes the burst: all five are taken back.
  assert.equal((await click(people[4].url, '198.51.100.99')).status, 302);
  const fc = await eventually(async () => {
    const f = await firstClicks('fan');
    return f.length === 1 ? f : null;
  });
  assert.deepEqual(fc, [seq[6]]);
  // The store gets the log's verdict: one person, five clicks a scanner's.
  await eventually(async () => JSON.stringify(await funnel('fan-burst')) === JSON.stringify([1, 1, 5]));
  let log = await events('fan');
  assert.equal(log.length, 6, 'every click is kept in the log');
  assert.deepEqual(
    log.map((e) => [e.recipient, e.ip_prefix, e.bot, e.bot_reason]),
    [
      [seq[6], '203.0.113.0/24', 0, null],
      ...[0, 1, 2, 3, 4].map((i) => [seq[i], '198.51.100.0/24', 1, 'network-burst']),
    ],
  );

  // Later, outside the window: a sixth recipient behind the same network, and recipient 1
  // tapping from a phone, are people.
  await sleep(2500);
  assert.equal((await click(people[5].url, '198.51.100.50')).status, 302);
  assert.equal((await click(people[0].url, '203.0.113.77')).status, 302);
  const after = await eventually(async () => {
    const f = await firstClicks('fan');
    return f.length === 3 ? f : null;
  });
  assert.deepEqual(after, [seq[0], seq[5], seq[6]].sort((a, b) => a - b));
  log = await events('fan');
  assert.equal(log.length, 8);
  assert.deepEqual(log.slice(6).map((e) => [e.bot, e.bot_reason]), [[0, null], [0, null]]);
  await eventually(async () => JSON.stringify(await funnel('fan-burst')) === JSON.stringify([3, 3, 5]));
});

test('four recipients from one network are not a burst', async () => {
  await putLink(t, 'few');
  const minted = await t.api('/api/v1/links/few/recipients', {
    method: 'POST',
    body: JSON.stringify({
      recipients: Array.from({ length: 4 }, (_, i) => ({ external_id: `few-${i + 1}` })),
    }),
  });
  assert.equal(minted.status, 201);
  const people = (await minted.json()).recipients;
  for (const [i, p] of people.entries()) assert.equal((await click(p.url, `198.51.100.${i + 1}`)).status, 302);
  await eventually(async () => (await firstClicks('few')).length === 4);
  await sleep(300);
  assert.deepEqual((await events('few')).map((e) => e.bot), [0, 0, 0, 0]);
});
