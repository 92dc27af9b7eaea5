// Runs the built workers (edge build/index.js, ops build/ops/index.js) in Miniflare — the real
// workerd runtime — with the bindings wrangler.toml and wrangler.ops.toml declare: local KV,
// Queue (producer + consumer), D1, the service binding between them, and cron.
import { Miniflare, Log, LogLevel } from 'miniflare';
import { unstable_splitSqlQuery } from 'wrangler';
import { workers, root, OPS } from '../../scripts/workers.mjs';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `t.mf.getWorker(OPS)` reaches the ops worker's queue and scheduled handlers. */
export { root, OPS };
export const API_KEY = 'wl_test_0123456789abcdef0123';
// Test-only keys (never used anywhere else): key id 1 mints, key id 2 still verifies.
export const SIGNING_KEYS = `1:${'42'.repeat(32)},2:${'43'.repeat(32)}`;
export const UA = {
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  pixel: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  huawei: 'Mozilla/5.0 (Linux; Android 10; HarmonyOS; ELS-AN00; HMSCore 6.11.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.0.322 Mobile Safari/537.36',
  xiaomi: 'Mozilla/5.0 (Linux; U; Android 13; zh-cn; 2211133C Build/TKQ1.220905.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.127 Mobile Safari/537.36 XiaoMi/MiuiBrowser/17.7.220',
  oppo: 'Mozilla/5.0 (Linux; Android 13; PHB110 Build/TP1A.220905.001) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.5414.86 Mobile Safari/537.36 HeyTapBrowser/40.8.40.1',
  vivo: 'Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/87.0.4280.141 Mobile Safari/537.36 VivoBrowser/16.9.2.0',
  samsung: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
  windows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  mac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  wechatIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN',
  facebookIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/458.0.0.38.108;FBBV/576336493;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.4;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
  slack: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  whatsapp: 'WhatsApp/2.23.20.0',
  curl: 'curl/8.5.0',
};

/** The seeded demo link without its landing section (landing tests add their own). */
export const demoLink = () => {
  const { landing: _page, ...link } = JSON.parse(readFileSync(join(root, 'seed', 'demo-link.json'), 'utf8'));
  return link;
};

// The state directories start() made, removed when the test process exits (a test may start
// again on a disposed instance's directory, so not at dispose).
const madeDirs = [];
function made(dir) {
  if (!madeDirs.length) {
    process.on('exit', () => madeDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  }
  madeDirs.push(dir);
  return dir;
}

/**
 * Starts wakelink as deployed: the edge worker (build/index.js, first, so requests reach it)
 * and the ops worker (build/ops/index.js) behind its OPS service binding, sharing KV, Queue
 * and D1. `queue: false` leaves the Queue producers unbound, so sends fail the way they do
 * when the Queue is unreachable. `persist` shares KV and D1 state between instances.
 */
export async function start({ queue = true, persist, signingKeys = SIGNING_KEYS, vars = {}, http = false, scripts, consumers = {}, inspectorPort, storesApart = false, storesPersist, extraWorkers = [] } = {}) {
  // Secrets come from the test, never from a developer's local .dev.vars.
  const bindings = { API_KEYS: API_KEY, ...(signingKeys ? { WAKELINK_SIGNING_KEYS: signingKeys } : {}), ...vars };
  // Deliver at once in tests (production batches for up to a second).
  const consumer = { maxBatchSize: 100, maxBatchTimeout: 0, maxRetries: 3 };
  const dir = persist ?? made(mkdtempSync(join(tmpdir(), 'wakelink-e2e-')));
  const listen = http ? { host: '127.0.0.1', port: 0 } : {};
  const all = withScripts(workers({ bindings, queue, consumer }), scripts, consumers);
  const apart = storesApart ? await storesProcess(all[1], dir, storesPersist) : null;
  const mf = new Miniflare({
    // `extraWorkers`: a benchmark's own workers, after wakelink's two (the edge stays first).
    workers: [...all, ...extraWorkers],
    ...listen,
    ...(apart ? { unsafeDevRegistryPath: apart.registry } : {}),
    kvPersist: join(dir, 'kv'),
    d1Persist: join(dir, 'd1'),
    r2Persist: join(dir, 'r2'),
    cachePersist: false,
    // Where the Durable Objects keep their SQLite files (default: the runtime's temporary
    // directory, emptied at dispose).
    ...(storesPersist ? { durableObjectsPersist: storesPersist } : {}),
    // WAKELINK_MF_LOG=debug|info|warn shows the runtime's own log (queue deliveries, retries).
    ...(process.env.WAKELINK_MF_LOG ? { log: new Log(LogLevel[process.env.WAKELINK_MF_LOG.toUpperCase()]) } : {}),
    ...(inspectorPort ? { inspectorPort } : {}),
  });
  const url = await mf.ready;
  const db = await mf.getD1Database('DB');
  await migrate(db);
  const kv = await mf.getKVNamespace('LINKS');
  const base = http ? url.origin : 'http://wakelink.test';
  const api = (path, init = {}) =>
    mf.dispatchFetch(base + path, {
      ...init,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
  return { mf, db, kv, dir, base, api, stores: apart?.mf, fetch: (path, init) => mf.dispatchFetch(base + path, { redirect: 'manual', ...init }) };
}

/** The worker that hosts the campaign stores when they run in a process of their own. */
export const STORES = 'wakelink-stores';

/**
 * `storesApart`: the campaign stores (Durable Object class `CampaignStore`) run in a second
 * workerd process, reached through Miniflare's dev registry. Locally one workerd runs every
 * isolate, D1 and every Durable Object on one thread; in production each store runs apart
 * from the consumer, which is what this lets a benchmark measure on a machine with two cores.
 * The same ops build hosts them; the ops worker's binding points at it.
 */
async function storesProcess(ops, dir, persist) {
  const registry = join(dir, 'registry');
  const designator = ops.durableObjects.CAMPAIGNS;
  const className = typeof designator === 'string' ? designator : designator.className;
  const mf = new Miniflare({
    workers: [{
      name: STORES,
      modules: true,
      modulesRoot: ops.modulesRoot,
      scriptPath: ops.scriptPath,
      modulesRules: ops.modulesRules,
      compatibilityDate: ops.compatibilityDate,
      compatibilityFlags: ops.compatibilityFlags,
      bindings: ops.bindings,
      durableObjects: { CAMPAIGNS: { className, useSQLite: true } },
    }],
    unsafeDevRegistryPath: registry,
    cachePersist: false,
    ...(persist ? { durableObjectsPersist: persist } : {}),
  });
  await mf.ready;
  ops.durableObjects = { ...ops.durableObjects, CAMPAIGNS: { className, scriptName: STORES, useSQLite: true } };
  return { mf, registry };
}

/**
 * `scripts` ({ edge, ops }: paths under the repository) runs other entry modules in place of
 * the built ones (the fault-injection wrappers, see tests/e2e/faults.mjs); `consumers`
 * overrides the ops worker's Queue consumer settings per queue.
 */
function withScripts([edge, ops], scripts, consumers) {
  for (const [w, script] of [[edge, scripts?.edge], [ops, scripts?.ops]]) {
    if (!script) continue;
    w.scriptPath = join(root, script);
  }
  for (const [q, c] of Object.entries(consumers)) {
    if (ops.queueConsumers?.[q]) ops.queueConsumers[q] = { ...ops.queueConsumers[q], ...c };
  }
  return [edge, ops];
}

/**
 * Whether the queue handler's outcome (workerd's `Fetcher.queue()` result) says every one of
 * `count` messages was acknowledged: nothing retried, whole batch or one by one.
 */
export function batchWritten(out, count) {
  if (out?.outcome !== 'ok' || out.retryBatch?.retry || out.retryMessages?.length) return false;
  return out.ackAll === true || out.explicitAcks?.length === count;
}

/**
 * A function that hands events (objects, as the edge queues them) straight to the ops worker's
 * consumer (`queue()`) as one batch, in the order given, and fails unless every message was
 * written: for tests that choose the order and grouping of deliveries themselves.
 */
export async function deliverer(t) {
  const ops = await t.mf.getWorker(OPS);
  let m = 0;
  return async (...events) => {
    const out = await ops.queue('wakelink-events', events.map((e) => ({ id: `m${m++}`, timestamp: new Date(), attempts: 1, body: JSON.stringify(e) })));
    if (!batchWritten(out, events.length)) {
      throw new Error(`batch not written: ${JSON.stringify(out)}`);
    }
  };
}

/** Applies migrations/*.sql in order (idempotent for a shared persisted database). */
async function migrate(db) {
  const done = await db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='events'").first();
  if (done) return;
  for (const file of readdirSync(join(root, 'migrations')).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = readFileSync(join(root, 'migrations', file), 'utf8');
    for (const stmt of unstable_splitSqlQuery(sql)) await db.prepare(stmt).run();
  }
}

/** Polls until `fn` returns a truthy value (queue delivery is asynchronous). */
export async function eventually(fn, { timeout = 8000, interval = 50 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function putLink(t, code, body = demoLink()) {
  const r = await t.api(`/api/v1/links/${code}`, { method: 'PUT', body: JSON.stringify(body) });
  if (r.status >= 300) throw new Error(`PUT ${code}: ${r.status} ${await r.text()}`);
  return r;
}

export const rows = async (db, sql, ...args) => (await db.prepare(sql).bind(...args).all()).results;

/**
 * A click id as the edge signs it (layout in src/domain/clickid.rs), written out here
 * independently: the key id's secret, derived under "wakelink/click-id/v1", a 96-bit tag.
 */
export function signClickId(eventId, code, seq, [kid, hex] = SIGNING_KEYS.split(',')[0].split(':')) {
  const derived = createHmac('sha256', Buffer.from(hex, 'hex')).update('wakelink/click-id/v1').digest();
  const tag = createHmac('sha256', derived).update(`${eventId}\0${code}\0${seq ?? '-'}`).digest().subarray(0, 12).toString('base64url');
  return [eventId, code, ...(seq == null ? [] : [String(seq)]), `${kid}${tag}`].join('.');
}
