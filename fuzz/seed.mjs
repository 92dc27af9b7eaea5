// Writes the fuzz seed corpora (fuzz/seeds/<target>/) from the project's test tables: the
// user-agent table, the seeded demo link, the route and query cases the tests use, the
// end-to-end harness's user agents, and real events and tokens made with the test key.
// Run again after a table changes: node fuzz/seed.mjs
import { readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UA } from '../tests/e2e/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'fuzz', 'seeds');
const seeds = {};
const add = (target, s) => (seeds[target] ??= new Set()).add(s);

const uas = readFileSync(join(root, 'tests/fixtures/user_agents.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t')[4] ?? '');
for (const ua of [...uas.filter((_, i) => i % 8 === 0), ...Object.values(UA)]) add('user_agent', ua);
add('user_agent', `${UA.iphone}\nprefetch`);

for (const p of ['/demo', '/demo/', '/demo/3kTMd9aQx1', '/demo/a/b', '/', '//', '/de%20mo', '/../etc/passwd', '/api',
  '/api/v1/links/demo', '/api/v1/links/demo/recipients', '/api/v1/events', '/api/v1/dead-letters/replay',
  '/.well-known/assetlinks.json', '/health', `/${'a'.repeat(600)}`, '/<script>', "/'or'1'='1"]) add('route', p);

const link = readFileSync(join(root, 'seed/demo-link.json'), 'utf8');
add('link_json', link);
const l = JSON.parse(link);
add('link_json', JSON.stringify({ ...l, allow: { hosts: ['*.example.com'], schemes: ['https', 'yourapp'] }, expires_at: '2026-12-31T23:59:59+08:00' }));
add('link_json', JSON.stringify({ ...l, future_field: 1, destinations: { ...l.destinations, web: 'javascript:alert(1)' } }));
add('link_json', JSON.stringify({ campaign: 'c', destinations: { web: 'https://example.com/' } }));

const sent = 1766000000;
add('send_list', JSON.stringify({ recipients: [{ external_id: 'cust-001', segment: 'dormant-6m', variant: 'A', sent_at: sent }] }));
add('send_list', JSON.stringify({ recipients: [{ external_id: 'a', seq: 5 }, { external_id: 'b' }], expires_at: '2026-12-31T00:00:00Z' }));
add('send_list', JSON.stringify({ recipients: [{ external_id: '+8613800138000' }] }));
add('send_list', JSON.stringify({ recipients: [] }));

for (const q of ['link=demo&since=2026-01-01T00:00:00Z&limit=5', 'cursor=7.01ARZ3NDEKTSV4RRFFQ69G5FAV', 'limit=1001',
  'since=1763884800000', 'after=7&limit=3&all=1', '{"seqs":[1,2]}', '203.0.113.77', '2001:db8::1']) add('query', q);

const event = {
  id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', ts: 1763884800000, link: 'demo', campaign: 'spring-recall', variant: 'A',
  recipient: 9, method: 'get', outcome: 'redirect', target: 'app-store', platform: 'ios', bot: false,
  country: 'CN', ip_prefix: '203.0.113.0/24', user_agent: UA.iphone,
};
add('queue_message', JSON.stringify(event));
add('queue_message', JSON.stringify({ ...event, platform: 'harmonyos-next', extra: 1 }));
add('queue_message', '{"id": "broken');
add('queue_message', JSON.stringify({ id: event.id, hello: 'world' }));

for (const h of ['Bearer wl_test_0123456789abcdef0123', 'bearer x', 'Basic abc', '']) add('api_key', h);

for (const r of [`/demo\n${UA.iphone}\n\n203.0.113.77`, `/demo\n${UA.wechatIos}\n\n2001:db8::7`, `/demo/3kTMd9aQx1\n${UA.pixel}\nprefetch\n::1`,
  `/demo\n${UA.slack}`, '/nope\ncurl/8']) add('redirect', r);

// Tokens minted with the test key by the CLI would need a build; these are shapes it makes.
for (const t of ['3kTMd9aQx1', '1', 'zzzzzzzzzzzz', '0000000000000', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) add('token', t);

rmSync(out, { recursive: true, force: true });
let n = 0;
for (const [target, set] of Object.entries(seeds)) {
  mkdirSync(join(out, target), { recursive: true });
  [...set].forEach((s, i) => writeFileSync(join(out, target, String(i).padStart(3, '0')), s));
  n += set.size;
}
console.log(`wrote ${n} seeds for ${Object.keys(seeds).length} targets into fuzz/seeds/`);
