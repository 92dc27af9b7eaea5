// CPU time per redirect: the worker's workerd process is loaded with a fixed number of
// requests and its user + system CPU time (from /proc) is divided by that number. Unlike
// requests/s, this barely moves when other work shares the machine, so it tells builds apart
// on a busy box. Prints wakelink beside the minimal JavaScript baseline, same run.
//   node bench/cpu.mjs [--requests 20000] [--rounds 3] [--compare DIR]
// --compare DIR also measures the edge worker built in another checkout (DIR/build/index.js).
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { workerdCpu } from './workerd-cpu.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' }, compare: { type: 'string' } },
});
const requests = Number(args.requests);
const rounds = Number(args.rounds);
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const { landing: _page, ...plain } = JSON.parse(readFileSync(join(root, 'seed', 'demo-link.json'), 'utf8'));
const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));


async function measure(name, opts) {
  const mf = new Miniflare({
    kvNamespaces: { LINKS: 'cpu-links' },
    queueProducers: { EVENTS: { queueName: 'cpu-events' } },
    host: '127.0.0.1',
    port: 0,
    compatibilityDate: workerOptions.compatibilityDate,
    ...opts,
  });
  const url = new URL('/demo', await mf.ready).href;
  await (await mf.getKVNamespace('LINKS')).put('link:demo', JSON.stringify(plain));
  const check = await fetch(url, { headers: { 'user-agent': UA }, redirect: 'manual' });
  if (check.status !== 302) throw new Error(`${name} answered ${check.status}`);
  const run = () => new Promise((ok, no) => autocannon({ url, connections: 8, amount: requests, headers: { 'user-agent': UA } }, (e, r) => (e ? no(e) : ok(r))));
  await run(); // warm-up
  const per = [];
  for (let i = 0; i < rounds; i++) {
    const c0 = workerdCpu();
    await run();
    per.push(((workerdCpu() - c0) / requests) * 1e6);
  }
  await mf.dispose();
  return per;
}

const wasmFile = 'index_bg.wasm'; // the edge worker's
const wakelink = (dir) => ({
  modules: true,
  modulesRoot: dir,
  scriptPath: join(dir, 'build', 'index.js'),
  // The entry (src/worker/fence.js) imports the module worker-build made.
  modulesRules: [
    { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
    { type: 'CompiledWasm', include: ['**/*.wasm'], fallthrough: true },
  ],
  d1Databases: { DB: 'cpu-db' },
  bindings: { ...workerOptions.bindings, API_KEYS: 'bench-key-0123456789abcdef' },
});
const results = {
  wakelink: await measure('wakelink', wakelink(root)),
  'js-baseline': await measure('js-baseline', { modules: true, scriptPath: join(root, 'bench', 'baseline-worker.js') }),
  ...(args.compare ? { compared: await measure('compared', wakelink(args.compare)) } : {}),
};
console.log(`\nworkerd CPU per redirect, ${requests} requests x ${rounds} rounds (${String(wasmFile)})`);
for (const [name, per] of Object.entries(results)) {
  const sorted = [...per].sort((a, b) => a - b);
  console.log(`${name.padEnd(12)} median ${sorted[sorted.length >> 1].toFixed(0).padStart(5)} µs   rounds ${per.map((x) => x.toFixed(0)).join(' ')}`);
}
