// The recall funnel after the click, end to end in workerd: mint → click → page steps on
// POST /e bound to the signed click id → a `login` conversion from the app's backend by
// external_id → the recipient's whole path from the events API, exactly once per step, with
// duplicates, Queue redeliveries and forged or cross-link click ids thrown at it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, OPS, UA, putLink, eventually, rows, demoLink, signClickId } from './harness.mjs';

let t;
before(async () => {
  t = await start();
  await putLink(t, 'funnel');
});
after(async () => t?.mf.dispose());

const beacon = (body, { origin, type = 'text/plain;charset=UTF-8', ua = UA.iphone } = {}) =>
  t.fetch('/e', {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': type, 'user-agent': ua, ...(origin ? { origin } : {}) },
  });
const conversions = (list) => t.api('/api/v1/conversions', { method: 'POST', body: JSON.stringify({ conversions: list }) });
const events = async (query) => {
  const r = await t.api(`/api/v1/events?${query}`);
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()).events;
};

let clickId;
let clickEvent;
let token;

test('mint, then a phone clicks: the click is logged and a click id names it', async () => {
  const hourAgo = Math.floor(Date.now() / 1000) - 3600;
  const minted = await t.api('/api/v1/links/funnel/recipients', {
    method: 'POST',
    // Instants are RFC 3339 with an offset (the API's one time type).
    body: JSON.stringify({ recipients: [{ external_id: 'cust-42', sent_at: new Date(hourAgo * 1000).toISOString() }, { external_id: 'cust-43', sent_at: new Date((hourAgo - 6 * 86400) * 1000).toISOString() }] }),
  });
  assert.equal(minted.status, 201);
  const [first, second] = (await minted.json()).recipients;
  token = second.token;
  const r = await t.fetch(new URL(first.url).pathname, { headers: { 'user-agent': UA.iphone } });
  assert.equal(r.status, 302);
  [clickEvent] = await eventually(async () => {
    const c = await rows(t.db, "SELECT id, recipient, kind FROM events WHERE link = 'funnel'");
    return c.length ? c : null;
  });
  assert.equal(clickEvent.kind, 'click');
  assert.equal(clickEvent.recipient, 1);
  clickId = signClickId(clickEvent.id, 'funnel', 1);
});

test('page steps on POST /e: accepted once per click and step, capped per click', async () => {
  const own = await beacon({ click_id: clickId, step: 'landing_view', props: { variant: 'A', n: 1 } });
  assert.equal(own.status, 202);
  // The link's own web origin may post (CORS answered for it); the Xiaomi phone's UA is logged.
  const web = new URL(demoLink().destinations.web).origin;
  const attempt = await beacon({ click_id: clickId, step: 'open_app_attempt', props: { via: 'universal_link' } }, { origin: web, type: 'application/json', ua: UA.xiaomi });
  assert.equal(attempt.status, 202);
  assert.equal(attempt.headers.get('access-control-allow-origin'), web);
  // A page reloaded or a beacon retried: same row; past the cap the edge says so.
  const again = [];
  for (let i = 0; i < 3; i++) again.push((await beacon({ click_id: clickId, step: 'landing_view' })).status);
  assert.deepEqual(again, [202, 202, 429]);
  const steps = await eventually(async () => {
    const s = await rows(t.db, "SELECT id, step, click_id, recipient, platform, vendor, props FROM events WHERE kind = 'step' AND link = 'funnel' ORDER BY step");
    return s.length === 2 ? s : null;
  });
  assert.deepEqual(steps.map((s) => [s.step, s.click_id, s.recipient]), [
    ['landing_view', clickEvent.id, 1],
    ['open_app_attempt', clickEvent.id, 1],
  ]);
  assert.equal(steps[1].vendor, 'xiaomi');
  assert.deepEqual(JSON.parse(steps[0].props), { variant: 'A', n: 1 });
});

test('forged, cross-link and malformed page events are refused with a stable code', async () => {
  await putLink(t, 'other');
  const [eventId, , seq, sig] = clickId.split('.');
  const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A');
  const cases = [
    [{ click_id: `${eventId}.funnel.${seq}.${flipped}` }, 403, 'invalid-click-id'],
    // The same click id presented for another link, or for another recipient.
    [{ click_id: `${eventId}.other.${seq}.${sig}` }, 403, 'invalid-click-id'],
    [{ click_id: `${eventId}.funnel.2.${sig}` }, 403, 'invalid-click-id'],
    // Signed with a key this deployment doesn't have.
    [{ click_id: signClickId(eventId, 'funnel', 1, ['1', '44'.repeat(32)]) }, 403, 'invalid-click-id'],
    [{ click_id: clickId, step: 'login' }, 400, 'invalid-input'],
    [{ click_id: clickId, step: 'x:Not Valid' }, 400, 'invalid-input'],
    [{ click_id: clickId, step: 'landing_view', props: { nested: { a: 1 } } }, 400, 'invalid-input'],
    [{ click_id: clickId, step: 'landing_view', surprise: 1 }, 400, 'invalid-json'],
  ];
  for (const [body, status, code] of cases) {
    const r = await beacon({ step: 'coupon_claim', ...body });
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal((await r.json()).error.code, code);
  }
  const evil = await beacon({ click_id: clickId, step: 'coupon_claim' }, { origin: 'https://evil.example' });
  assert.equal(evil.status, 403);
  assert.equal((await evil.json()).error.code, 'origin-not-allowed');
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  const big = await beacon({ click_id: clickId, step: 'coupon_claim', props: { pad: 'x'.repeat(5000) } });
  assert.equal(big.status, 413);
  assert.equal((await beacon('{"click_id":', {})).status, 400);
  assert.equal((await beacon({ click_id: clickId, step: 'coupon_claim' }, { type: 'application/x-www-form-urlencoded' })).status, 415);
  assert.equal((await t.fetch('/e')).status, 405);
  const preflight = await t.fetch('/e', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
  assert.equal(preflight.status, 403);
  // None of it reached D1.
  const coupon = await rows(t.db, "SELECT id FROM events WHERE step = 'coupon_claim'");
  assert.equal(coupon.length, 0);
});

test('conversions by external_id: attributed inside the window, kept outside it, idempotent, per-row errors', async () => {
  const batch = [
    { id: 'app-login-1', step: 'login', external_id: 'cust-42', campaign: demoLink().campaign },
    { id: 'app-login-2', step: 'login', external_id: 'cust-43', link: 'funnel' },
    { id: 'app-loan-1', step: 'loan', external_id: 'cust-42', link: 'funnel', value: 19.99, currency: 'CNY' },
    { id: 'app-loan-2', step: 'loan', click_id: clickId, value: 500000, currency: 'CNY' },
  ];
  const r = await conversions(batch);
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.accepted, 3);
  assert.equal(body.rejected, 1);
  assert.deepEqual(body.results.map((x) => [x.id, x.status, x.attributed ?? null]), [
    ['app-login-1', 'accepted', true],
    ['app-login-2', 'accepted', false], // sent 6 days ago, never clicked: outside the 3-day window
    ['app-loan-1', 'rejected', null],
    ['app-loan-2', 'accepted', true],
  ]);
  assert.equal(body.results[2].error.field, 'conversions[2].value');
  assert.deepEqual([body.results[0].link, body.results[0].recipient], ['funnel', 1]);
  // The backend retries the whole batch: nothing new.
  assert.equal((await conversions(batch)).status, 200);
  const conv = await eventually(async () => {
    const c = await rows(t.db, "SELECT id, step, external_id, recipient, attributed, value_minor, currency FROM events WHERE kind = 'conversion' ORDER BY id");
    return c.length === 3 ? c : null;
  });
  assert.deepEqual(conv.map((c) => [c.id, c.external_id, c.recipient, c.attributed, c.value_minor, c.currency]), [
    ['c:app-loan-2', 'cust-42', 1, 1, 500000, 'CNY'],
    ['c:app-login-1', 'cust-42', 1, 1, null, null],
    ['c:app-login-2', 'cust-43', 2, 0, null, null],
  ]);
  const bad = await conversions([{ id: 'x', step: 'login', external_id: 'cust-42' }]);
  assert.equal((await bad.json()).results[0].error.field, 'conversions[0].external_id');
  assert.equal((await t.api('/api/v1/conversions', { method: 'POST', body: '{"conversions":[]}' })).status, 400);
  assert.equal((await t.fetch('/api/v1/conversions', { method: 'POST', body: '{}' })).status, 401);
});

test('the app reports the URL it was opened with: app_opened counts once with the page', async () => {
  const open = () => t.api('/api/v1/opens', { method: 'POST', body: JSON.stringify({ url: `${t.base}/o/${clickId}` }) });
  assert.equal((await open()).status, 202);
  assert.equal((await beacon({ click_id: clickId, step: 'app_opened' })).status, 202);
  assert.equal((await open()).status, 202);
  const forged = await t.api('/api/v1/opens', { method: 'POST', body: JSON.stringify({ url: `${t.base}/o/${clickId.replace('.funnel.', '.other.')}` }) });
  assert.equal(forged.status, 400);
  await eventually(async () => (await rows(t.db, "SELECT id FROM events WHERE step = 'app_opened'")).length === 1);
  // Another recipient's app opened from the app-open path of their link, with no click id:
  // counted once per recipient.
  const byPath = () => t.api('/api/v1/opens', { method: 'POST', body: JSON.stringify({ url: `${t.base}/open/funnel/${token}` }) });
  assert.equal((await byPath()).status, 202);
  assert.equal((await byPath()).status, 202);
  const bad = await t.api('/api/v1/opens', { method: 'POST', body: JSON.stringify({ url: `${t.base}/open/other/${token}` }) });
  assert.equal(bad.status, 400);
  const opened = await eventually(async () => {
    const o = await rows(t.db, "SELECT id, click_id FROM events WHERE step = 'app_opened' ORDER BY id");
    return o.length === 2 ? o : null;
  });
  assert.deepEqual(opened.map((o) => [o.id, o.click_id]), [
    [`s:${clickEvent.id}:app_opened`, clickEvent.id],
    ['s:funnel.2:app_opened', null],
  ]);
});

test('Queue redelivery of steps and conversions leaves one row each', async () => {
  const worker = await t.mf.getWorker(OPS);
  const [step] = await rows(t.db, "SELECT * FROM events WHERE step = 'landing_view'");
  const body = JSON.stringify({
    kind: 'step', id: step.id, ts: step.ts + 5, link: 'funnel', campaign: step.campaign, recipient: 1,
    step: 'landing_view', click_id: clickEvent.id, platform: 'ios', bot: false,
  });
  const conv = JSON.stringify({
    kind: 'conversion', id: 'c:app-login-1', ts: Date.now(), link: 'funnel', campaign: 'spring-recall',
    step: 'login', external_id: 'cust-42', attributed: false, platform: 'other', bot: false,
  });
  const batch = [body, body, conv].map((b, i) => ({ id: `m${i}`, timestamp: new Date(), body: b, attempts: 2 }));
  assert.equal((await worker.queue('wakelink-events', batch)).outcome, 'ok');
  assert.equal((await worker.queue('wakelink-events', batch)).outcome, 'ok');
  assert.equal((await rows(t.db, "SELECT id FROM events WHERE step = 'landing_view'")).length, 1);
  const [login] = await rows(t.db, "SELECT attributed FROM events WHERE id = 'c:app-login-1'");
  assert.equal(login.attributed, 1, 'the first write stands');
});

test("the recipient's whole path, from the events API, exactly once per step", async () => {
  const path = await events('link=funnel&recipient=1');
  assert.deepEqual(path[0].kind, 'click');
  assert.deepEqual(
    path.map((e) => `${e.kind}:${e.step ?? ''}`).sort(),
    ['click:', 'conversion:loan', 'conversion:login', 'step:app_opened', 'step:landing_view', 'step:open_app_attempt'],
  );
  assert.ok(path.every((e, i) => i === 0 || e.ts >= path[i - 1].ts), 'oldest first');
  const [login] = path.filter((e) => e.step === 'login');
  assert.equal(login.attributed, true);
  assert.equal(login.external_id, 'cust-42');
  assert.deepEqual((await events('link=funnel&kind=conversion&step=login')).map((e) => e.id), ['c:app-login-1', 'c:app-login-2']);
  assert.deepEqual((await events('kind=click&link=funnel')).map((e) => e.id), [clickEvent.id]);
  assert.equal((await t.api('/api/v1/events?kind=clicks')).status, 400);
  // The cursor pages through step and conversion ids too.
  const first = await (await t.api('/api/v1/events?link=funnel&limit=2')).json();
  const next = await (await t.api(`/api/v1/events?link=funnel&limit=100&cursor=${first.next_cursor}`)).json();
  assert.equal(first.events.length + next.events.length, 8);
});
