// wakelink's two workers as Miniflare options, read from wrangler.toml (edge) and
// wrangler.ops.toml (ops) so the wrangler files stay the one source of truth. Used by the
// local runner (scripts/dev.mjs) and the end-to-end harness (tests/e2e/harness.mjs).
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const EDGE = 'wakelink';
export const OPS = 'wakelink-ops';

/**
 * `[edge, ops]` worker options for `new Miniflare({ workers })`; the edge comes first, so it
 * receives requests. `bindings` replaces the declared secrets (never read from files here);
 * `queue: false` leaves the Queue producers unbound; `consumer` overrides the ops worker's
 * Queue consumer settings.
 */
export function workers({ bindings = {}, queue = true, consumer } = {}) {
  const edge = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml')).workerOptions;
  const ops = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.ops.toml')).workerOptions;
  if (JSON.stringify(edge.bindings) !== JSON.stringify(ops.bindings)) {
    throw new Error('wrangler.toml and wrangler.ops.toml declare different [vars]');
  }
  const { API_KEYS, WAKELINK_SIGNING_KEYS, IP_HASH_KEY, ...declared } = edge.bindings ?? {};
  const worker = (options, name, script) => {
    const w = {
      ...options,
      name,
      modules: true,
      modulesRoot: root,
      scriptPath: join(root, script),
      // The edge's entry (src/worker/fence.js) imports the module worker-build made.
      modulesRules: [
        { type: 'ESModule', include: ['**/*.js', '**/*.mjs'] },
        { type: 'CompiledWasm', include: ['**/*.wasm'], fallthrough: true },
      ],
      bindings: { ...declared, ...bindings },
    };
    if (!queue) delete w.queueProducers;
    return w;
  };
  const o = worker(ops, OPS, 'build/ops/index.js');
  if (consumer) {
    o.queueConsumers = Object.fromEntries(Object.entries(o.queueConsumers ?? {}).map(([q, c]) => [q, { ...c, ...consumer }]));
  }
  return [worker(edge, EDGE, 'build/index.js'), o];
}

/** The ops worker's cron schedules (wrangler.ops.toml `[triggers] crons`). */
export function crons() {
  return unstable_readConfig({ config: join(root, 'wrangler.ops.toml') }).triggers?.crons ?? [];
}
