// A campaign's store end to end in workerd: a send list minted across two copy variants, two
// segments and two channels (with costs); clicks through the edge (people, bots, repeats),
// clicks delivered late and out of order and Queue redeliveries through the ops worker's
// consumer; logins and loans from the app backend (duplicated, with values, one in another
// currency); then every funnel, comparison, timing, retention and follow-up figure checked
// against what this test computes on its own from what it sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, OPS, UA, putLink, eventually, rows, demoLink } from './harness.mjs';

const CAMPAIGN = 'recall-e2e';
const COST = { sms: 5, email: 1 };
const LINKS = [
  { code: 'ra-sms', variant: 'A', channel: 'sms' },
  { code: 'ra-mail', variant: 'A', channel: 'email' },
  { code: 'rb-sms', variant: 'B', channel: 'sms' },
  { code: 'rb-mail', variant: 'B', channel: 'email' },
];
const H = 3_600_000;
const DAY = 24 * H;
const NOW = Date.now();
// Per link: six recipients, sent 20 days, 4 days and 2 hours ago (hours vary by recipient).
const SENT_AGO = [20 * DAY + 1 * H, 20 * DAY + 7 * H, 4 * DAY + 3 * H, 4 * DAY + 11 * H, 2 * H, 3 * H];

let t;
/** What the test sent: recipients by `${link}.${seq}`. */
const people = new Map();
const list = () => [...people.values()];

before(async () => {
  t = await start();
  const r = await t.api(`/api/v1/campaigns/${CAMPAIGN}`, {
    method: 'PUT',
    body: JSON.stringify({
      name: 'Recall e2e',
      currency: 'CNY',
      steps: ['login', 'loan'],
      links: LINKS.map(({ code, variant, channel }) => ({ code, variant, channel })),
      cost_per_send: COST,
    }),
  });
  assert.equal(r.status, 201, await r.text());
  for (const l of LINKS) {
    const { landing: _l, ...link } = demoLink();
    await putLink(t, l.code, { ...link, campaign: CAMPAIGN, variant: l.variant });
  }
});
after(async () => t?.mf.dispose());

const worker = () => t.mf.getWorker(OPS);
const get = async (path, accept) => {
  const r = await t.api(path, accept ? { headers: { accept } } : {});
  const body = await r.text();
  assert.equal(r.status, 200, `${path}: ${body}`);
  return accept ? body : JSON.parse(body);
};

test('mint the send list: two variants x two channels, two segments', async () => {
  for (const l of LINKS) {
    const recipients = SENT_AGO.map((ago, i) => ({
      external_id: `${l.code}-${i}`,
      segment: i % 2 ? '6m' : '3m',
      sent_at: new Date(NOW - ago).toISOString(),
      // The first of each link a long message: its own cost, two units of the channel's.
      ...(i === 0 ? { cost: 2 * COST[l.channel] } : {}),
    }));
    const r = await t.api(`/api/v1/links/${l.code}/recipients`, { method: 'POST', body: JSON.stringify({ recipients }) });
    assert.equal(r.status, 201, await r.clone().text());
    const minted = (await r.json()).recipients;
    minted.forEach((m, i) => {
      people.set(`${l.code}.${m.seq}`, {
        link: l.code, seq: m.seq, url: m.url, external_id: m.external_id, variant: l.variant, channel: l.channel,
        segment: recipients[i].segment, sent_at: Date.parse(recipients[i].sent_at), i, cost: recipients[i].cost,
        clicks: [], convs: [],
      });
    });
  }
  assert.equal(people.size, 24);
  // The same batch again (a client retry): the store counts each send once.
  const l = LINKS[0];
  const again = list().filter((p) => p.link === l.code)
    .map((p) => ({ external_id: p.external_id, segment: p.segment, sent_at: new Date(p.sent_at).toISOString(), ...(p.cost ? { cost: p.cost } : {}) }));
  const r = await t.api(`/api/v1/links/${l.code}/recipients`, { method: 'POST', body: JSON.stringify({ recipients: again }) });
  assert.equal(r.status, 200);
});

const clickRow = async (id) => (await rows(t.db, 'SELECT * FROM events WHERE id = ?', id))[0];
/** The Queue message of a logged click, as the edge sent it. */
const message = (e) => JSON.stringify({
  id: e.id, ts: e.ts, link: e.link, campaign: e.campaign, ...(e.variant ? { variant: e.variant } : {}),
  recipient: e.recipient, method: e.method, outcome: e.outcome, ...(e.target ? { target: e.target } : {}),
  platform: e.platform, bot: !!e.bot, ...(e.bot_reason ? { bot_reason: e.bot_reason } : {}),
});

test('clicks: people (some twice), bots, a late earlier click and redeliveries', async () => {
  // Each recipient taps from a network of its own: many recipients' links opened from one
  // network within seconds are a scanner's (`network-burst`, tests/e2e/burst.test.mjs).
  const nets = new Map();
  const net = (p) => {
    if (!nets.has(p.url)) nets.set(p.url, nets.size);
    const n = nets.get(p.url);
    return `10.${(n >> 8) & 255}.${n & 255}.7`;
  };
  const tap = async (p, ua) => {
    const r = await t.fetch(new URL(p.url).pathname, { headers: { 'user-agent': ua, 'cf-connecting-ip': net(p) } });
    assert.ok([200, 302].includes(r.status), `${r.status}`);
  };
  let expected = 0;
  for (const p of list()) {
    // Recipients 0, 2, 4 of every link tap; recipient 0 twice; recipient 1 only by a link
    // scanner; recipient 3 of the B links both.
    if ([0, 2, 4].includes(p.i)) {
      await tap(p, UA.iphone);
      expected++;
    }
    if (p.i === 0) {
      await tap(p, UA.iphone);
      expected++;
    }
    if (p.i === 1 || (p.i === 3 && p.variant === 'B')) {
      await tap(p, UA.curl);
      expected++;
    }
    if (p.i === 3 && p.variant === 'B') {
      await tap(p, UA.iphone);
      expected++;
    }
  }
  const logged = await eventually(async () => {
    const c = await rows(t.db, "SELECT * FROM events WHERE kind = 'click' AND campaign = ?", CAMPAIGN);
    return c.length === expected ? c : null;
  });
  for (const e of logged) people.get(`${e.link}.${e.recipient}`).clicks.push({ id: e.id, ts: e.ts, bot: !!e.bot });
  assert.equal(logged.filter((e) => e.bot).length, 6, 'curl flagged at the edge');

  // A click made 30 minutes after the send of recipient 2 of each link, delivered only now
  // (out of order: after the later one), twice in one batch and again in the next.
  const late = [];
  for (const p of list().filter((x) => x.i === 2)) {
    const real = await clickRow(p.clicks[0].id);
    const ts = p.sent_at + 30 * 60_000;
    // A made-up event id (26 Crockford base-32 digits), one per recipient.
    const id = `01KQ${LINKS.findIndex((l) => l.code === p.link)}${String(p.seq).padStart(3, '0')}`.padEnd(26, '0');
    late.push({ id: `m-${id}`, timestamp: new Date(), attempts: 1, body: message({ ...real, id, ts }) });
    p.clicks.push({ id, ts, bot: false });
  }
  const w = await worker();
  assert.equal((await w.queue('wakelink-events', [...late, late[0]])).outcome, 'ok');
  assert.equal((await w.queue('wakelink-events', late)).outcome, 'ok');
  // Every logged click redelivered.
  const again = logged.map((e, i) => ({ id: `r${i}`, timestamp: new Date(), attempts: 2, body: message(e) }));
  assert.equal((await w.queue('wakelink-events', again)).outcome, 'ok');
});

// Conversions: ts relative to each send, so attribution (72 h after the latest send or click
// before it) is known here.
const at = (p, dt) => new Date(p.sent_at + dt).toISOString();
const attributed = (p, ts) => {
  const touches = [p.sent_at, ...p.clicks.filter((c) => !c.bot).map((c) => c.ts)].filter((x) => x <= ts);
  return touches.length > 0 && ts - Math.max(...touches) <= 72 * H;
};

test('logins and loans from the backend: duplicates, repeat logins, values, a foreign currency', async () => {
  const convs = [];
  const add = (p, step, dt, id, value) => {
    const ts = Date.parse(at(p, dt));
    convs.push({ id, step, external_id: p.external_id, campaign: CAMPAIGN, ts: at(p, dt), ...(value ? { value, currency: 'CNY' } : {}) });
    p.convs.push({ id, step, ts, value: value ?? 0, attributed: attributed(p, ts) });
  };
  for (const p of list()) {
    const k = `${p.link}-${p.i}`;
    if (p.i === 0) {
      // Recalled 1 h after the send, back on day 9 and day 16: retention 8-14 and 15-30.
      add(p, 'login', 1 * H, `login-${k}-a`);
      add(p, 'login', 1 * H + 9 * DAY, `login-${k}-b`);
      add(p, 'login', 1 * H + 16 * DAY, `login-${k}-c`);
      add(p, 'loan', 2 * H, `loan-${k}`, p.variant === 'A' ? 50_000 : 80_000);
    }
    if (p.i === 2) {
      // Recalled 2 h after the send, back today (day 3-4): retention 1-7.
      add(p, 'login', 2 * H, `login-${k}-a`);
      add(p, 'login', 4 * DAY + 2 * H - 30 * 60_000, `login-${k}-b`);
      if (p.channel === 'sms') add(p, 'loan', 3 * H, `loan-${k}`, 12_345);
    }
    if (p.i === 1 && p.variant === 'B') add(p, 'login', 5 * H, `login-${k}-a`);
    // Recipient 3 logs in 4 days after its send: outside the window, counted late.
    if (p.i === 3 && p.variant === 'A') add(p, 'login', 3 * DAY + 2 * H, `login-${k}-late`);
  }
  for (const chunk of [convs.slice(0, 20), convs.slice(20)]) {
    const r = await t.api('/api/v1/conversions', { method: 'POST', body: JSON.stringify({ conversions: chunk }) });
    assert.equal(r.status, 200);
    const a = await r.json();
    assert.equal(a.rejected, 0, JSON.stringify(a.results.filter((x) => x.status !== 'accepted')));
  }
  // Duplicated: the whole set again changes nothing.
  const r = await t.api('/api/v1/conversions', { method: 'POST', body: JSON.stringify({ conversions: convs.slice(0, 10) }) });
  assert.equal((await r.json()).accepted, 10);
  // A loan in dollars for a campaign that counts yuan: refused, and nothing counted.
  const p = people.get('rb-mail.2');
  const usd = await t.api('/api/v1/conversions', {
    method: 'POST',
    body: JSON.stringify({ conversions: [{ id: 'loan-usd', step: 'loan', external_id: p.external_id, campaign: CAMPAIGN, ts: at(p, 3 * H), value: 999, currency: 'USD' }] }),
  });
  const u = await usd.json();
  assert.deepEqual([u.accepted, u.rejected, u.results[0].error.code, u.results[0].error.field], [0, 1, 'currency-mismatch', 'currency']);
  await eventually(async () => {
    const n = await rows(t.db, "SELECT COUNT(*) AS n FROM events WHERE kind = 'conversion' AND campaign = ?", CAMPAIGN);
    return n[0].n === convs.length;
  });
});

// ---- The figures, computed here ----

const wilson = (x, n) => {
  if (n === 0) return [null, null];
  const z = 1.959963984540054;
  const p = x / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [c - h, c + h];
};
const divRound = (a, b) => (b === 0 ? null : Math.round(a / b));
const hourIn = (ms) => Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Shanghai' }).format(new Date(ms)));
const DELAY_EDGES = [10, 60, 180, 360, 720, 1440, 4320, 10080];
const DELAY_LABELS = ['<10m', '10m-1h', '1-3h', '3-6h', '6-12h', '12-24h', '1-3d', '3-7d', '>7d'];
const delayBucket = (sent, click) => DELAY_EDGES.filter((e) => Math.floor((click - sent) / 60_000) >= e).length;

/** Per recipient: what the store should make of it. */
const judged = (p) => {
  const human = p.clicks.filter((c) => !c.bot);
  const firstClick = human.length ? Math.min(...human.map((c) => c.ts)) : null;
  const step = (name) => {
    const own = p.convs.filter((c) => c.step === name);
    const ok = own.filter((c) => c.attributed);
    return {
      unique: ok.length ? 1 : 0, human: ok.length, late: own.length - ok.length,
      value: ok.reduce((s, c) => s + c.value, 0), first: ok.length ? Math.min(...ok.map((c) => c.ts)) : null,
    };
  };
  return { human: human.length, bot: p.clicks.length - human.length, firstClick, login: step('login'), loan: step('loan') };
};

const CHANNELS = ['sms', 'email', 'push', 'call'];
const keyOf = (p, by) => Object.fromEntries(by.map((d) => [d, p[d]]));
const groupsOf = (by) => {
  const m = new Map();
  for (const p of list()) {
    const k = JSON.stringify(keyOf(p, by));
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(p);
  }
  // The API's order: variant, segment, then channel in its declared order.
  const rank = (k) => [k.variant ?? '', k.segment ?? '', String(CHANNELS.indexOf(k.channel))];
  const cmp = (a, b) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  };
  return [...m.entries()].map(([k, ps]) => [JSON.parse(k), ps]).sort(([a], [b]) => cmp(a, b));
};

function expectedFunnel(ps) {
  const j = ps.map(judged);
  const sum = (f) => j.reduce((s, x) => s + f(x), 0);
  const sends = ps.length;
  const cost = ps.reduce((s, p) => s + (p.cost ?? COST[p.channel]), 0);
  const clicked = { unique: sum((x) => (x.firstClick != null ? 1 : 0)), human: sum((x) => x.human), bot: sum((x) => x.bot), late: 0, value: 0 };
  const login = { unique: sum((x) => x.login.unique), human: sum((x) => x.login.human), bot: 0, late: sum((x) => x.login.late), value: sum((x) => x.login.value) };
  const loan = { unique: sum((x) => x.loan.unique), human: sum((x) => x.loan.human), bot: 0, late: sum((x) => x.loan.late), value: sum((x) => x.loan.value) };
  const sent = { unique: sends, human: sends, bot: 0, late: 0, value: 0 };
  return { sends, cost, steps: { sent, clicked, login, loan } };
}

const close = (a, b, what) => {
  if (a === null || b === null) return assert.equal(a, b, what);
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
};

function checkFunnel(got, by) {
  const want = groupsOf(by);
  assert.deepEqual(got.groups.map((g) => g.key), want.map(([k]) => k), `groups by ${by}`);
  for (const [i, [key, ps]] of want.entries()) {
    const g = got.groups[i];
    const e = expectedFunnel(ps);
    const label = `${JSON.stringify(key)}`;
    assert.equal(g.sends, e.sends, `${label} sends`);
    assert.equal(g.human_clicks, e.steps.clicked.human, `${label} human clicks`);
    assert.equal(g.bot_clicks, e.steps.clicked.bot, `${label} bot clicks`);
    assert.equal(g.unique_clickers, e.steps.clicked.unique, `${label} unique clickers`);
    assert.deepEqual(g.steps.map((s) => s.step), ['sent', 'clicked', 'login', 'loan']);
    let previous = null;
    for (const s of g.steps) {
      const w = e.steps[s.step];
      assert.deepEqual([s.unique, s.human, s.bot, s.late, s.value_minor], [w.unique, w.human, w.bot, w.late, w.value], `${label} ${s.step}`);
      assert.equal(s.from_sends.num, w.unique);
      assert.equal(s.from_sends.den, e.sends);
      close(s.from_sends.rate, w.unique / e.sends, `${label} ${s.step} rate`);
      const [lo, hi] = wilson(w.unique, e.sends);
      close(s.from_sends.lo, lo, `${label} ${s.step} lo`);
      close(s.from_sends.hi, hi, `${label} ${s.step} hi`);
      if (previous === null) assert.equal(s.from_previous, null);
      else {
        assert.equal(s.from_previous.den, previous);
        assert.equal(s.from_previous.num, w.unique);
      }
      previous = w.unique;
    }
    const m = g.money;
    const goal = e.steps.loan.value;
    assert.deepEqual(
      [m.currency, m.cost_minor, m.unpriced_sends, m.value_minor],
      ['CNY', e.cost, 0, goal],
      `${label} money`,
    );
    assert.equal(m.cost_per_click, divRound(e.cost, e.steps.clicked.human), `${label} cost per click`);
    assert.equal(m.cost_per_login, divRound(e.cost, e.steps.login.unique), `${label} cost per login`);
    assert.equal(m.cost_per_loan, divRound(e.cost, e.steps.loan.unique), `${label} cost per loan`);
    assert.equal(m.value_per_send, divRound(goal, e.sends), `${label} value per send`);
    assert.equal(m.value_per_click, divRound(goal, e.steps.clicked.human), `${label} value per click`);
    assert.equal(m.value_per_login, divRound(goal, e.steps.login.unique), `${label} value per login`);
    assert.equal(m.io_ratio_bp, divRound(goal * 10_000, e.cost), `${label} input-output ratio`);
  }
}

const settled = async (check) => {
  // The Queue delivers asynchronously: retry the whole check until it holds (or time runs out).
  let last;
  try {
    await eventually(async () => {
      try {
        await check();
        return true;
      } catch (e) {
        last = e;
        return false;
      }
    }, { timeout: 15_000, interval: 200 });
  } catch {
    throw last;
  }
};

test('funnel: by variant, segment, channel and all three, every figure', async () => {
  await settled(async () => {
    for (const by of [[], ['variant'], ['segment'], ['channel'], ['variant', 'segment'], ['variant', 'segment', 'channel']]) {
      const got = await get(`/api/v1/campaigns/${CAMPAIGN}/funnel?by=${by.join(',')}`);
      assert.deepEqual(got.by, by);
      checkFunnel(got, by);
    }
  });
  // Sanity of the world itself: the cuts are not trivial.
  const total = expectedFunnel(list());
  assert.deepEqual([total.sends, total.steps.clicked.unique, total.steps.login.unique, total.steps.loan.unique], [24, 14, 10, 6]);
});

const phi = (x) => {
  // Abramowitz-Stegun 7.1.26 on erf: |error| < 1.5e-7.
  const t1 = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const y = 1 - (((((1.061405429 * t1 - 1.453152027) * t1) + 1.421413741) * t1 - 0.284496736) * t1 + 0.254829592) * t1 * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + y) / 2 : (1 - y) / 2;
};

test('compare: variants at login and channels at loan, with the z-test', async () => {
  for (const [by, a, b, step] of [['variant', 'A', 'B', 'login'], ['channel', 'sms', 'email', 'loan'], ['segment', '3m', '6m', 'clicked']]) {
    const got = await get(`/api/v1/campaigns/${CAMPAIGN}/compare?by=${by}&a=${a}&b=${b}&step=${step}`);
    const arm = (label) => {
      const ps = list().filter((p) => p[by] === label);
      return [expectedFunnel(ps).steps[step].unique, ps.length];
    };
    const [[xa, na], [xb, nb]] = [arm(a), arm(b)];
    assert.deepEqual([got.a.rate.num, got.a.rate.den, got.b.rate.num, got.b.rate.den], [xa, na, xb, nb], `${by} ${step}`);
    close(got.difference, xb / nb - xa / na, 'difference');
    const pool = (xa + xb) / (na + nb);
    const z = (xb / nb - xa / na) / Math.sqrt(pool * (1 - pool) * (1 / na + 1 / nb));
    assert.ok(Math.abs(got.z - z) < 1e-9, `z ${got.z} vs ${z}`);
    assert.ok(Math.abs(got.p_value - 2 * (1 - phi(Math.abs(z)))) < 1e-5, `p ${got.p_value}`);
    assert.equal(got.step, step);
    assert.match(got.sentence, /^\S+'s .* (higher than|lower than|the same as) \S+'s, p [=<] /);
  }
  const r = await t.api(`/api/v1/campaigns/${CAMPAIGN}/compare?by=variant&a=A&b=C&step=login`);
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.field, 'b');
});

test('timing: by send hour, first-click hour and delay, per variant', async () => {
  const got = await get(`/api/v1/campaigns/${CAMPAIGN}/timing?by=variant`);
  assert.equal(got.time_zone, 'Asia/Shanghai');
  for (const [variant] of groupsOf(['variant'])) {
    const ps = list().filter((p) => p.variant === variant.variant);
    const want = { send_hour: {}, click_hour: {}, delay: {} };
    const bump = (axis, bucket, step) => {
      want[axis][bucket] ??= {};
      want[axis][bucket][step] = (want[axis][bucket][step] ?? 0) + 1;
    };
    for (const p of ps) {
      const j = judged(p);
      const reached = ['sent', ...(j.firstClick != null ? ['clicked'] : []), ...(j.login.unique ? ['login'] : []), ...(j.loan.unique ? ['loan'] : [])];
      for (const s of reached) {
        bump('send_hour', String(hourIn(p.sent_at)).padStart(2, '0'), s);
        if (s !== 'sent' && j.firstClick != null) {
          bump('click_hour', String(hourIn(j.firstClick)).padStart(2, '0'), s);
          bump('delay', DELAY_LABELS[delayBucket(p.sent_at, j.firstClick)], s);
        }
      }
    }
    for (const axis of ['send_hour', 'click_hour', 'delay']) {
      const [table] = got[axis].filter((x) => x.key.variant === variant.variant);
      assert.ok(table, `${axis} ${variant.variant}`);
      assert.equal(table.rows.length, axis === 'delay' ? 9 : 24);
      for (const row of table.rows) {
        const counts = Object.fromEntries(row.steps);
        for (const s of Object.keys(counts)) {
          assert.equal(counts[s], want[axis][row.bucket]?.[s] ?? 0, `${variant.variant} ${axis} ${row.bucket} ${s}`);
        }
        if (axis === 'send_hour') {
          assert.equal(row.click_through.num, counts.clicked);
          assert.equal(row.click_through.den, counts.sent);
        }
      }
    }
  }
});

test('retention of recalled recipients per variant', async () => {
  const got = await get(`/api/v1/campaigns/${CAMPAIGN}/retention?by=variant`);
  for (const [key, ps] of groupsOf(['variant'])) {
    const cohorts = [0, 0, 0];
    let recalled = 0;
    for (const p of ps) {
      const recall = judged(p).login.first;
      if (recall == null) continue;
      recalled++;
      const days = p.convs.filter((c) => c.step === 'login').map((c) => Math.floor((c.ts - recall) / DAY));
      [[1, 7], [8, 14], [15, 30]].forEach(([lo, hi], i) => {
        if (days.some((d) => d >= lo && d <= hi)) cohorts[i]++;
      });
    }
    const [row] = got.cohorts.filter((c) => c.key.variant === key.variant);
    assert.deepEqual(
      [row.recalled, row.days_1_7.num, row.days_8_14.num, row.days_15_30.num],
      [recalled, ...cohorts],
      `retention ${key.variant}`,
    );
    close(row.days_1_7.rate, cohorts[0] / recalled, 'rate');
  }
});

test('follow-ups: sent 3 days ago or more without a login, NDJSON and CSV, resumable', async () => {
  const due = list()
    .filter((p) => p.sent_at <= NOW - 3 * DAY && !judged(p).login.unique)
    .sort((a, b) => (a.link === b.link ? a.seq - b.seq : a.link < b.link ? -1 : 1))
    .map((p) => p.external_id);
  assert.ok(due.length >= 4);
  const nd = (await get(`/api/v1/campaigns/${CAMPAIGN}/follow-ups?step=login&after=3d`, 'application/x-ndjson'))
    .trim().split('\n').map((l) => JSON.parse(l));
  // The last line: the summary (a whole list, so no cursor).
  assert.deepEqual(nd.pop(), { summary: { count: due.length, complete: true } });
  assert.deepEqual(nd.map((x) => x.external_id), due);
  assert.deepEqual(Object.keys(nd[0]).sort(), ['cursor', 'external_id'], 'operator ids only, and where to resume');
  // Resumed after the second line: the rest.
  const rest = (await get(`/api/v1/campaigns/${CAMPAIGN}/follow-ups?step=login&after=3d&cursor=${nd[1].cursor}`, 'application/x-ndjson'))
    .trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rest.pop(), { summary: { count: due.length - 2, complete: true } });
  assert.deepEqual(rest.map((x) => x.external_id), due.slice(2));
  const csv = (await get(`/api/v1/campaigns/${CAMPAIGN}/follow-ups?step=login&after=3d`, 'text/csv')).trim().split('\n');
  assert.equal(csv[0], 'external_id,cursor');
  assert.deepEqual(csv.slice(1, -1).map((l) => l.split(',')[0]), due);
  assert.equal(csv.at(-1), `# {"summary":{"count":${due.length},"complete":true}}`);
  // A later step: everyone sent long enough ago without a loan.
  const loans = list().filter((p) => p.sent_at <= NOW - 3 * DAY && !judged(p).loan.unique).length;
  const l = (await get(`/api/v1/campaigns/${CAMPAIGN}/follow-ups?step=loan&after=72h`, 'application/x-ndjson')).trim().split('\n');
  assert.equal(l.length, loans + 1);
  for (const [q, field] of [['step=nope', 'step'], ['after=3x', 'after'], ['cursor=zz', 'cursor']]) {
    const r = await t.api(`/api/v1/campaigns/${CAMPAIGN}/follow-ups?${q}`);
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.field, field);
  }
});

test('every count stands after the whole Queue history is delivered again', async () => {
  const log = await rows(t.db, 'SELECT * FROM events WHERE campaign = ? ORDER BY ts', CAMPAIGN);
  const w = await worker();
  const msgs = log.filter((e) => e.kind === 'click').map((e, i) => ({ id: `x${i}`, timestamp: new Date(), attempts: 3, body: message(e) }));
  msgs.reverse();
  assert.equal((await w.queue('wakelink-events', msgs)).outcome, 'ok');
  checkFunnel(await get(`/api/v1/campaigns/${CAMPAIGN}/funnel?by=variant,segment,channel`), ['variant', 'segment', 'channel']);
});

test('reads: unknown campaign, bad cut, wrong method, no key', async () => {
  let r = await t.api('/api/v1/campaigns/nobody-here/funnel');
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.code, 'campaign-not-found');
  r = await t.api(`/api/v1/campaigns/${CAMPAIGN}/funnel?by=variant,variant`);
  assert.equal(r.status, 400);
  r = await t.api(`/api/v1/campaigns/${CAMPAIGN}/funnel`, { method: 'POST', body: '{}' });
  assert.equal(r.status, 405);
  r = await t.fetch(`/api/v1/campaigns/${CAMPAIGN}/funnel`);
  assert.equal(r.status, 401);
});
