// Benchmark: wakelink's redirect path under load on the local Workers runtime (workerd via
// Miniflare), side by side in one run with the minimal JavaScript baseline
// (bench/baseline-worker.js). Prints requests/s, p50 and p99 latency for each, their
// ratio, and the worker's wasm size raw and gzipped. Loopback only; bounded in time.
//   node bench/redirect.mjs [--seconds 10] [--connections 16] [--rounds 2] [--compare DIR]
// --compare DIR also runs the edge worker built in another checkout (DIR/build/index.js,
// e.g. an earlier commit) in the same rounds, for before/after figures.
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import autocannon from 'autocannon';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
    compare: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const rounds = Number(args.rounds);
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
// The seeded link without its landing section: this measures the bare redirect.
const { landing: _page, ...plain } = JSON.parse(readFileSync(join(root, 'seed', 'demo-link.json'), 'utf8'));
const link = JSON.stringify(plain);

const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
const shared = {
  kvNamespaces: { LINKS: 'bench-links' },
  queueProducers: { EVENTS: { queueName: 'bench-events' } },
  host: '127.0.0.1',
  port: 0,
  compatibilityDate: workerOptions.compatibilityDate,
};

async function boot(name, extra) {
  const mf = new Miniflare({ ...shared, ...extra });
  const url = await mf.ready;
  await (await mf.getKVNamespace('LINKS')).put('link:demo', link);
  return { name, mf, url: new URL('/demo', url).href };
}

const wakelink = (vars, dir = root) => ({
  modules: true,
  modulesRoot: dir,
  scriptPath: join(dir, 'build', 'index.js'),
  modulesRules: [
    { type: 'ESModule', include: ['**/*.js'] },
    { type: 'CompiledWasm', include: ['**/*.wasm'], fallthrough: true },
  ],
  d1Databases: { DB: 'bench-db' },
  bindings: { ...workerOptions.bindings, API_KEYS: 'bench-key-0123456789abcdef', ...vars },
});
const targets = [
  await boot('wakelink', wakelink({})),
  // The same worker reading KV on every request (no isolate cache), like the baseline does.
  await boot('wakelink-kv', wakelink({ LINK_CACHE_TTL_SECS: '0' })),
  await boot('js-baseline', { modules: true, scriptPath: join(root, 'bench', 'baseline-worker.js') }),
  ...(args.compare ? [await boot('compared', wakelink({}, args.compare))] : []),
];

function load(url) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, headers: { 'user-agent': UA } }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

const results = Object.fromEntries(targets.map((t) => [t.name, []]));
for (const t of targets) {
  const check = await fetch(t.url, { headers: { 'user-agent': UA }, redirect: 'manual' });
  if (check.status !== 302) throw new Error(`${t.name} answered ${check.status}`);
  await load(t.url); // warm-up, discarded
}
for (let r = 0; r < rounds; r++) {
  // Alternate the order each round so neither side always runs on a warmer machine.
  for (const t of r % 2 ? [...targets].reverse() : targets) {
    const res = await load(t.url);
    const non3xx = res.non2xx - (res['3xx'] ?? 0);
    results[t.name].push({ rps: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, errors: res.errors + res.timeouts, non3xx, statuses: res.statusCodeStats });
  }
}
for (const t of targets) await t.mf.dispose();

const best = (name) => results[name].reduce((a, b) => (b.rps > a.rps ? b : a));
const w = best('wakelink');
const wk = best('wakelink-kv');
const b = best('js-baseline');
const buildDir = join(root, 'build');
const wasmFiles = ['index_bg.wasm']; // the edge worker's: the one that serves redirects
const wasm = readFileSync(join(buildDir, String(wasmFiles[0])));

const row = (n, x) => `${n.padEnd(12)} ${x.rps.toFixed(0).padStart(9)} ${String(x.p50).padStart(8)} ${String(x.p99).padStart(8)}`;
console.log(`\nredirect benchmark: ${connections} connections, ${seconds}s x ${rounds} rounds each (best round shown), workerd via Miniflare`);
console.log(`${'worker'.padEnd(12)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
console.log(row('wakelink', w));
console.log(row('wakelink-kv', wk));
console.log(row('js-baseline', b));
if (args.compare) console.log(row('compared', best('compared')));
console.log(`all rounds: ${JSON.stringify(results)}`);
console.log(`throughput ratio wakelink / baseline: ${(w.rps / b.rps).toFixed(3)} (isolate link cache on, the default)`);
console.log(`throughput ratio wakelink-kv / baseline: ${(wk.rps / b.rps).toFixed(3)} (a KV read on every request)`);
if (args.compare) {
  const c = best('compared');
  console.log(`throughput ratio compared / baseline: ${(c.rps / b.rps).toFixed(3)}; wakelink / compared: ${(w.rps / c.rps).toFixed(3)} (${args.compare})`);
}
console.log(`worker wasm: ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} bytes gzipped (${String(wasmFiles[0])}, ${(statSync(join(buildDir, String(wasmFiles[0]))).size / 1024).toFixed(0)} KiB)`);
