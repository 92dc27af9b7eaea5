// Test-only wrapper workers: run a built wakelink worker inside workerd with its real bindings
// wrapped, to inject the failures the platform can produce and to count the KV and D1
// operations of every invocation against the production limits. Never part of a deployed
// worker: tests/e2e/faults.mjs points Miniflare at fault-edge.mjs and fault-ops.mjs (which
// wrap build/index.js and build/ops/index.js) instead of the built entry points. Each worker
// keeps its own settings and counters. Control: POST /__faults (JSON settings), GET
// /__faults (counters), on each worker.
import { WorkerEntrypoint } from 'cloudflare:workers';

// Production limits per invocation (Workers paid plan; D1 on the free plan: 50). Durable
// Object calls are subrequests: 1,000 per invocation on the paid plan, 50 on the free one.
const LIMITS = { kv: 1000, d1: 1000, d1Free: 50, sub: 1000, subFree: 50 };

const fresh = () => ({
  seed: 1,
  queueSendFailRate: 0, // fraction of Queue send / sendBatch calls that throw
  kvFailRate: 0, // fraction of KV calls that throw
  kvStallMs: 0, // every KV call waits this long first
  kvDownUntil: 0, // Date.now() before which every KV call throws
  d1FailBatches: 0, // the next N consumer batches find D1 failing
  d1TimeoutMs: 0, // with d1FailBatches: calls hang this long, then fail (a timeout)
  crashAfterWrite: 0, // the next N consumer batches write, then crash before acking
  panicNextFetches: 0, // the next N redirects panic inside the Rust handler (see below)
  storeFailAfter: 0, // when set, a fetch invocation's Durable Object calls after the first N throw
});
let faults = fresh();
let rand = prng(1);
let stats = freshStats();

function freshStats() {
  return {
    invocations: { fetch: 0, queue: 0, scheduled: 0 },
    max: { fetch: { kv: 0, d1: 0, sub: 0 }, queue: { kv: 0, d1: 0, sub: 0 }, scheduled: { kv: 0, d1: 0, sub: 0 } },
    overLimit: [], // invocations above a paid-plan limit
    overFreeD1: { fetch: 0, queue: 0, scheduled: 0 }, // invocations above the free plan's 50
    injected: { queueSend: 0, kv: 0, d1: 0, crash: 0, store: 0 },
    queueSends: 0,
    consumerBatches: 0,
    consumerReturned: 0, // queue invocations whose handler returned or threw
    consumerSettled: 0, // ... and whose waitUntil tail settled too
    messagesSeen: 0,
    maxBatch: 0,
    backlog: 0, // the Queue's backlog as the last batch's metadata reported it
  };
}

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const injected = (what) => new Error(`${what} (injected fault)`);

// ---- KV: counted, and failing or stalling on demand ----
class FaultyKv {
  constructor(inner, inv) {
    this.inner = inner;
    this.inv = inv;
  }
  async gate() {
    this.inv.kv++;
    if (faults.kvStallMs) await sleep(faults.kvStallMs);
    if (Date.now() < faults.kvDownUntil || (faults.kvFailRate && rand() < faults.kvFailRate)) {
      stats.injected.kv++;
      throw injected('KV unavailable');
    }
  }
  async get(...a) { await this.gate(); return this.inner.get(...a); }
  async getWithMetadata(...a) { await this.gate(); return this.inner.getWithMetadata(...a); }
  async put(...a) { await this.gate(); return this.inner.put(...a); }
  async list(...a) { await this.gate(); return this.inner.list(...a); }
  async delete(...a) { await this.gate(); return this.inner.delete(...a); }
}

// ---- Queue producer: a fraction of sends fail. The class name is what workers-rs checks. ----
class WorkerQueue {
  constructor(inner) {
    this.inner = inner;
  }
  gate() {
    stats.queueSends++;
    if (faults.queueSendFailRate && rand() < faults.queueSendFailRate) {
      stats.injected.queueSend++;
      throw injected('Queue send failed');
    }
  }
  async send(...a) { this.gate(); return this.inner.send(...a); }
  async sendBatch(...a) { this.gate(); return this.inner.sendBatch(...a); }
}

// ---- D1: every statement counted (a batch counts each of its statements) ----
class D1PreparedStatement {
  constructor(inner, db) {
    this.inner = inner;
    this.db = db;
  }
  bind(...a) { return new D1PreparedStatement(this.inner.bind(...a), this.db); }
  async first(...a) { await this.db.gate(1); return this.inner.first(...a); }
  async all(...a) { await this.db.gate(1); return this.inner.all(...a); }
  async run(...a) { await this.db.gate(1); return this.inner.run(...a); }
  async raw(...a) { await this.db.gate(1); return this.inner.raw(...a); }
}

class D1Database {
  constructor(inner, inv, failing, crashAfterWrite) {
    this.inner = inner;
    this.inv = inv;
    this.failing = failing;
    this.crashAfterWrite = crashAfterWrite;
  }
  async gate(n) {
    this.inv.d1 += n;
    if (this.failing) {
      stats.injected.d1++;
      if (faults.d1TimeoutMs) await sleep(faults.d1TimeoutMs);
      throw injected('D1_ERROR: database unavailable');
    }
  }
  prepare(sql) { return new D1PreparedStatement(this.inner.prepare(sql), this); }
  async batch(stmts) {
    await this.gate(stmts.length);
    const out = await this.inner.batch(stmts.map((s) => s.inner));
    // Crash in the middle of the batch's work: the write committed, then the isolate died.
    if (this.crashAfterWrite && stmts.some((s) => /INSERT INTO events/i.test(s.inner.statement ?? ''))) {
      this.crashed = true;
    }
    return out;
  }
  async exec(sql) { await this.gate(1); return this.inner.exec(sql); }
  withSession(...a) { return this.inner.withSession(...a); }
}

// ---- Durable Objects: every call to a stub counted as a subrequest. The class name is what
// workers-rs checks. ----
class DurableObjectNamespace {
  constructor(inner, inv) {
    this.inner = inner;
    this.inv = inv;
  }
  stub(s) {
    const inv = this.inv;
    return {
      fetch: async (...a) => {
        inv.sub++;
        if (inv.kind === 'fetch' && faults.storeFailAfter && inv.sub > faults.storeFailAfter) {
          stats.injected.store++;
          throw injected('Durable Object unavailable');
        }
        return s.fetch(...a);
      },
    };
  }
  idFromName(...a) { return this.inner.idFromName(...a); }
  idFromString(...a) { return this.inner.idFromString(...a); }
  newUniqueId(...a) { return this.inner.newUniqueId(...a); }
  get(...a) { return this.stub(this.inner.get(...a)); }
  getByName(...a) { return this.stub(this.inner.getByName(...a)); }
}

/**
 * A request whose edge metadata throws when read: workers-rs unwraps that read, so the Rust
 * redirect handler panics mid-request. No real request can do this; it stands in for "a bug
 * that panics" without putting a panic switch into the product.
 */
function panicking(request) {
  const cf = {
    get country() {
      throw injected('edge metadata unreadable');
    },
  };
  return new Proxy(request, {
    get(target, prop) {
      if (prop === 'cf') return cf;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

function wrapEnv(env, inv, { d1Failing = false, crashAfterWrite = false } = {}) {
  const wrapped = Object.create(null);
  for (const k of Object.keys(env)) wrapped[k] = env[k];
  const db = new D1Database(env.DB, inv, d1Failing, crashAfterWrite);
  wrapped.LINKS = new FaultyKv(env.LINKS, inv);
  if (env.EVENTS) wrapped.EVENTS = new WorkerQueue(env.EVENTS);
  if (env.CAMPAIGNS) wrapped.CAMPAIGNS = new DurableObjectNamespace(env.CAMPAIGNS, inv);
  wrapped.DB = db;
  return { env: wrapped, db };
}

/** Runs `body` as one invocation and records its operation counts once its tail settled. */
async function invocation(kind, ctx, body) {
  const inv = { kind, kv: 0, d1: 0, sub: 0 };
  const pending = [];
  const innerCtx = {
    waitUntil: (p) => {
      pending.push(p);
      ctx.waitUntil(p);
    },
    passThroughOnException: () => ctx.passThroughOnException(),
    props: ctx.props,
  };
  const done = async () => {
    await Promise.allSettled(pending);
    stats.invocations[kind]++;
    if (kind === 'queue') stats.consumerSettled++;
    const m = stats.max[kind];
    m.kv = Math.max(m.kv, inv.kv);
    m.d1 = Math.max(m.d1, inv.d1);
    m.sub = Math.max(m.sub, inv.sub);
    if (inv.kv > LIMITS.kv || inv.d1 > LIMITS.d1 || inv.sub > LIMITS.sub) stats.overLimit.push({ kind, ...inv });
    if (inv.d1 > LIMITS.d1Free) stats.overFreeD1[kind]++;
  };
  try {
    return await body(inv, innerCtx);
  } finally {
    ctx.waitUntil(done());
  }
}

const json = (v, status = 200) =>
  new Response(JSON.stringify(v), { status, headers: { 'content-type': 'application/json' } });

/** The wrapper around `App` (a built worker's default export). */
export function faultWrapper(App) {
  return class FaultWrapper extends WorkerEntrypoint {
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === '/__faults') {
        if (request.method === 'POST') {
          const body = await request.json();
          if (body.reset) {
            faults = fresh();
            stats = freshStats();
          }
          Object.assign(faults, body.set ?? {});
          if (body.set?.seed) rand = prng(body.set.seed);
          return json({ faults });
        }
        return json({ faults, stats, limits: LIMITS });
      }
      if (faults.panicNextFetches > 0) {
        faults.panicNextFetches--;
        request = panicking(request);
      }
      return invocation('fetch', this.ctx, async (inv, ctx) => {
        const { env } = wrapEnv(this.env, inv);
        const r = await new App(ctx, env).fetch(request);
        if (!r.body) return r;
        // A streamed body keeps querying after the response went out: the invocation ends
        // when its body has been read to the end.
        const { readable, writable } = new TransformStream();
        ctx.waitUntil(r.body.pipeTo(writable).catch(() => {}));
        return new Response(readable, r);
      });
    }

    async queue(batch) {
      stats.consumerBatches++;
      stats.messagesSeen += batch.messages.length;
      stats.maxBatch = Math.max(stats.maxBatch, batch.messages.length);
      if (batch.queue === 'wakelink-events') stats.backlog = batch.metadata?.metrics?.backlogCount ?? stats.backlog;
      // D1 faults hit the events consumer; the dead-letter consumer (parking) sees a working D1.
      const d1Failing = batch.queue === 'wakelink-events' && faults.d1FailBatches > 0;
      if (d1Failing) faults.d1FailBatches--;
      const crashAfterWrite = batch.queue === 'wakelink-events' && !d1Failing && faults.crashAfterWrite > 0;
      return invocation('queue', this.ctx, async (inv, ctx) => {
        try {
          return await this.consume(batch, inv, ctx, d1Failing, crashAfterWrite);
        } finally {
          stats.consumerReturned++;
        }
      });
    }

    async consume(batch, inv, ctx, d1Failing, crashAfterWrite) {
      const { env, db } = wrapEnv(this.env, inv, { d1Failing, crashAfterWrite });
      if (!crashAfterWrite) return new App(ctx, env).queue(batch);
      // The consumer's acks and retries are held back; if the write went through, the
      // "isolate" dies before they reach the Queue, which then redelivers the whole batch.
      const held = [];
      const messages = batch.messages.map((m) => ({
        get id() { return m.id; },
        get timestamp() { return m.timestamp; },
        get body() { return m.body; },
        get attempts() { return m.attempts; },
        ack: () => held.push(() => m.ack()),
        retry: (o) => held.push(() => m.retry(o)),
      }));
      const proxy = {
        get queue() { return batch.queue; },
        get messages() { return messages; },
        ackAll: () => held.push(() => batch.ackAll()),
        retryAll: (o) => held.push(() => batch.retryAll(o)),
      };
      await new App(ctx, env).queue(proxy);
      if (db.crashed) {
        faults.crashAfterWrite--;
        stats.injected.crash++;
        throw injected('consumer crashed after its write, before acknowledging');
      }
      held.forEach((f) => f());
    }

    async scheduled(controller) {
      return invocation('scheduled', this.ctx, async (inv, ctx) => {
        const { env } = wrapEnv(this.env, inv);
        return new App(ctx, env).scheduled(controller);
      });
    }
  };
}
