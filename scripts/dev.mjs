// Runs wakelink locally as deployed: the edge and ops workers in workerd (Miniflare), joined
// by the OPS service binding, with local KV, Queue and D1 persisted in .wrangler/state (where
// `wrangler … --local` commands read and write too) and the ops worker's cron triggers fired
// on schedule. scripts/dev.sh builds, migrates and seeds first, then runs this.
//   node scripts/dev.mjs [--port 8787]
import { Miniflare } from 'miniflare';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { workers, crons, root, OPS } from './workers.mjs';
import { seedDemo } from './seed-demo.mjs';

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '8787' }, 'no-seed': { type: 'boolean' } } });

/** Secrets from .dev.vars (KEY="value" lines), as wrangler reads them. */
function devVars() {
  const file = join(root, '.dev.vars');
  if (!existsSync(file)) return {};
  const out = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Whether a five-field cron expression matches a UTC minute (`*`, lists, ranges, steps). */
export function cronMatches(expr, d) {
  const now = [d.getUTCMinutes(), d.getUTCHours(), d.getUTCDate(), d.getUTCMonth() + 1, d.getUTCDay()];
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  return fields.every((field, i) =>
    field.split(',').some((part) => {
      const [range, step = '1'] = part.split('/');
      const [lo, hi] = range === '*' ? [0, 59] : range.split('-').map(Number);
      const top = hi ?? (part.includes('/') ? 59 : lo);
      return now[i] >= lo && now[i] <= top && (now[i] - lo) % Number(step) === 0;
    }),
  );
}

const state = join(root, '.wrangler', 'state', 'v3');
const secrets = devVars();
const mf = new Miniflare({
  workers: workers({ bindings: secrets }),
  host: '127.0.0.1',
  port: Number(args.port),
  kvPersist: join(state, 'kv'),
  d1Persist: join(state, 'd1'),
  r2Persist: join(state, 'r2'),
  cachePersist: join(state, 'cache'),
});
const url = await mf.ready;
console.error(`[dev] edge worker listening on ${url.origin} (ops worker behind the OPS binding)`);
// The demo campaign (once per state directory), through the public API and links.
const apiKey = secrets.API_KEYS?.split(',')[0];
if (!args['no-seed'] && apiKey) {
  seedDemo(url.origin, apiKey).catch((e) => console.error(`[dev] seeding the demo campaign failed: ${e.message}`));
}

const schedules = crons();
const ops = await mf.getWorker(OPS);
const tick = async () => {
  const at = new Date();
  at.setUTCSeconds(0, 0);
  for (const cron of schedules.filter((c) => cronMatches(c, at))) {
    try {
      await ops.scheduled({ cron, scheduledTime: at });
    } catch (e) {
      console.error(`[dev] cron ${cron} failed: ${e.message}`);
    }
  }
};
// Fire on each minute boundary, as the platform does.
setTimeout(() => {
  tick();
  setInterval(tick, 60_000);
}, 60_000 - (Date.now() % 60_000));

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await mf.dispose();
    process.exit(0);
  });
}
