// Seeds a living demo campaign through the public API and the public links, so the local
// dashboard has something to show: campaign `demo-recall-2026` with two copy variants (links
// `demo-a`, `demo-b`), two segments and two channels, 300 recipients sent over the last three
// days, taps by people and by link-preview bots (some repeated), then logins (some coming back
// a day or two later), credit steps and loans reported by the "app backend" (some twice).
// Deterministic: the same every time. Every event takes the product's own path (edge → Queue
// → consumer). Runs once per state directory: a campaign record that already exists means it
// was seeded.
//   node scripts/seed-demo.mjs --base http://127.0.0.1:8787   (key from .dev.vars)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './workers.mjs';
import { prng } from './prng.mjs';

export const CAMPAIGN = 'demo-recall-2026';
const PEOPLE = 300;
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const XIAOMI = 'Mozilla/5.0 (Linux; U; Android 13; zh-cn; 2211133C Build/TKQ1.220905.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.127 Mobile Safari/537.36 XiaoMi/MiuiBrowser/17.7.220';
const PREVIEW = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';


export async function seedDemo(base, apiKey, log = console.error) {
  const api = async (method, path, body) => {
    const r = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status >= 400 && r.status !== 404) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    return r;
  };
  if ((await api('GET', `/api/v1/campaigns/${CAMPAIGN}`)).status === 200) return false;
  const { landing, ...plain } = JSON.parse(readFileSync(join(root, 'seed', 'demo-link.json'), 'utf8'));
  await api('PUT', '/api/v1/links/demo-a', { ...plain, variant: 'A', landing });
  await api('PUT', '/api/v1/links/demo-b', { ...plain, variant: 'B', landing: { ...landing, amount: '¥50' } });
  await api('PUT', `/api/v1/campaigns/${CAMPAIGN}`, {
    name: '回归礼 · Spring recall (demo)',
    currency: 'CNY',
    links: [{ code: 'demo-a', variant: 'A' }, { code: 'demo-b', variant: 'B' }],
    cost_per_send: { sms: 5, email: 1 },
  });

  const rnd = prng(20261123);
  const now = Date.now();
  const people = [];
  for (let i = 0; i < PEOPLE; i++) {
    const variant = i % 2 ? 'B' : 'A';
    const segment = rnd() < 0.5 ? 'dormant-3m' : 'dormant-12m';
    const channel = rnd() < 0.7 ? 'sms' : 'email';
    // Sends over the last three days, at the hours operators use (11-12, 19-21) and others.
    const day = Math.floor(rnd() * 3) + 1;
    const hour = [9, 11, 12, 15, 19, 20, 21][Math.floor(rnd() * 7)];
    const at = new Date(now - day * 86_400_000);
    at.setUTCHours(hour - 8, Math.floor(rnd() * 60), 0, 0); // Asia/Shanghai hours
    people.push({ external_id: `demo-${String(i + 1).padStart(4, '0')}`, variant, segment, channel, sent_at: at.toISOString() });
  }
  const links = {};
  for (const v of ['A', 'B']) {
    const rows = people.filter((p) => p.variant === v).map(({ variant, ...row }) => row);
    const r = await api('POST', `/api/v1/links/demo-${v.toLowerCase()}/recipients`, { recipients: rows });
    for (const m of (await r.json()).recipients) links[m.external_id] = m.url;
  }

  // Taps: B's copy works better; some recipients tap twice; a preview bot fetches some links.
  // Each person taps from a network of their own (the edge reads CF-Connecting-IP): taps of
  // many recipients from one network within seconds are a scanner's (`network-burst`).
  const tap = (url, ua, ip) =>
    fetch(url, { redirect: 'manual', headers: { 'user-agent': ua, ...(ip ? { 'cf-connecting-ip': ip } : {}) } }).then((r) => r.arrayBuffer());
  const clicked = [];
  for (const [n, p] of people.entries()) {
    const ip = `10.${n >> 8}.${n & 255}.7`;
    const url = links[p.external_id].replace(/^https?:\/\/[^/]+/, base);
    if (rnd() < 0.15) await tap(url, PREVIEW);
    const likes = (p.variant === 'B' ? 0.5 : 0.35) * (p.segment === 'dormant-3m' ? 1.2 : 0.8);
    if (rnd() < likes) {
      const ua = rnd() < 0.5 ? IPHONE : XIAOMI;
      await tap(url, ua, ip);
      if (rnd() < 0.2) await tap(url, ua, ip);
      clicked.push(p);
    }
  }

  // The app backend reports logins, then credit steps and loans, by the operator's own id.
  const conversions = [];
  for (const p of clicked) {
    if (rnd() >= 0.6) continue;
    const id = p.external_id;
    // Recalled a few hours after the send; some come back a day or two later (retention).
    const recalled = Date.parse(p.sent_at) + (1 + Math.floor(rnd() * 3)) * 3_600_000;
    conversions.push({ id: `${id}-login`, step: 'login', external_id: id, campaign: CAMPAIGN, ts: new Date(recalled).toISOString() });
    const back = recalled + (1 + rnd()) * 86_400_000;
    if (rnd() < 0.5 && back < now) {
      conversions.push({ id: `${id}-login-2`, step: 'login', external_id: id, campaign: CAMPAIGN, ts: new Date(back).toISOString() });
    }
    if (rnd() < 0.5) {
      conversions.push({ id: `${id}-apply`, step: 'credit_apply', external_id: id, campaign: CAMPAIGN });
      if (rnd() < 0.6) {
        conversions.push({ id: `${id}-granted`, step: 'credit_granted', external_id: id, campaign: CAMPAIGN });
        if (rnd() < 0.7) {
          const yuan = 500 + Math.floor(rnd() * 40) * 100;
          conversions.push({ id: `${id}-loan`, step: 'loan', external_id: id, campaign: CAMPAIGN, value: yuan * 100, currency: 'CNY' });
        }
      }
    }
  }
  // A retried batch changes nothing: part of it goes twice.
  await api('POST', '/api/v1/conversions', { conversions });
  await api('POST', '/api/v1/conversions', { conversions: conversions.slice(0, 20) });
  log(`[dev] seeded ${CAMPAIGN}: ${PEOPLE} recipients, ${clicked.length} clickers, ${conversions.length} conversions`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { base: { type: 'string', default: 'http://127.0.0.1:8787' } } });
  const vars = readFileSync(join(root, '.dev.vars'), 'utf8');
  const key = /^API_KEYS="?([^",\n]+)/m.exec(vars)?.[1];
  if (!key) throw new Error('no API_KEYS in .dev.vars');
  await seedDemo(values.base, key);
}
