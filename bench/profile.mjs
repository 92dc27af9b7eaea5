// CPU profiles of a worker's isolate in the local runtime (workerd's V8 inspector), for the
// benchmarks' `--profile` flag: where an isolate spends its time, by function (self time),
// and who calls the hottest ones. Start Miniflare with `inspectorPort`, then:
//   const p = await profiler(port, 'wakelink-ops'); await p.start(); ...; print(await p.stop());
import WebSocket from 'ws';

export async function profiler(port, worker, { intervalUs = 200 } = {}) {
  const list = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  // A worker of the project by name, or one of the runtime's own by its full name (`d1:db`).
  const want = worker.includes(':') ? ` ${worker}` : `core:user:${worker}`;
  const target = list.find((x) => (x.title ?? '').endsWith(want));
  if (!target) throw new Error(`no inspector target for ${worker}: ${list.map((x) => x.title).join(', ')}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, fail) => { ws.once('open', ok); ws.once('error', fail); });
  let n = 0;
  const pending = new Map();
  ws.on('message', (m) => {
    const j = JSON.parse(m);
    if (pending.has(j.id)) { pending.get(j.id)(j.result); pending.delete(j.id); }
  });
  const send = (method, params = {}) => new Promise((ok) => { const id = ++n; pending.set(id, ok); ws.send(JSON.stringify({ id, method, params })); });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: intervalUs });
  return {
    start: () => send('Profiler.start'),
    stop: async () => { const { profile } = await send('Profiler.stop'); ws.close(); return profile; },
  };
}

/** The top functions by self time (ms) and, for the hottest few, their callers. */
export function summary(profile, { top = 25, callers = 4 } = {}) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const parent = new Map();
  for (const nd of profile.nodes) for (const c of nd.children ?? []) parent.set(c, nd.id);
  const name = (nd) => {
    const f = nd.callFrame;
    return `${f.functionName || '(anonymous)'}${f.url ? ` ${f.url.split('/').pop()}:${f.lineNumber}:${f.columnNumber}` : ''}`;
  };
  const time = new Map();
  profile.samples.forEach((s, i) => time.set(s, (time.get(s) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map();
  let total = 0;
  for (const [id, t] of time) {
    const k = name(byId.get(id));
    self.set(k, (self.get(k) ?? 0) + t);
    total += t;
  }
  const lines = [`sampled ${(total / 1000).toFixed(0)} ms; self time by function:`];
  const ranked = [...self].sort((a, b) => b[1] - a[1]);
  for (const [k, t] of ranked.slice(0, top)) lines.push(`${(t / 1000).toFixed(1).padStart(9)} ms ${(100 * t / total).toFixed(1).padStart(5)} %  ${k}`);
  for (const [hot] of ranked.filter(([k]) => !k.startsWith('(')).slice(0, callers)) {
    const chains = new Map();
    for (const [id, t] of time) {
      if (name(byId.get(id)) !== hot) continue;
      const chain = [];
      for (let p = parent.get(id), d = 0; p && d < 4; p = parent.get(p), d++) chain.push(name(byId.get(p)));
      const k = chain.join(' < ');
      chains.set(k, (chains.get(k) ?? 0) + t);
    }
    lines.push(`callers of ${hot}:`);
    for (const [k, t] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 3)) lines.push(`${(t / 1000).toFixed(1).padStart(9)} ms  < ${k}`);
  }
  return lines.join('\n');
}
