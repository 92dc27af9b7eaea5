// Benchmark: what one click row costs the local D1 click log, with and without the indexes
// re-judging reads through. Each variant gets a fresh runtime (workerd via Miniflare, D1 on
// tmpfs) with the schema the migrations build, less the index the variant drops; the log is
// filled with `--before` click rows, then `--rows` more are timed. Rows go in as the consumer
// writes them (`sql::INSERT_EVENTS`, 100 a statement, 17 columns each: one link of four, a
// recipient of 100,000, a network of 65,536, a phone's user agent) and the runtime's CPU per
// row is reported, less the CPU of the same payloads through a statement that writes nothing
// (the cost of the call itself; the same payloads with every column read out of their JSON,
// nothing written, are timed too). Variants alternate round by round; the figure is each
// variant's lowest, since a shared machine only ever adds time.
//   node bench/log-insert.mjs [--before 200000] [--rows 40000] [--rounds 3]
import { parseArgs } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { start, root } from '../tests/e2e/harness.mjs';
import { workerdCpu as runtimeCpu } from './workerd-cpu.mjs';

const { values: args } = parseArgs({
  options: {
    before: { type: 'string', default: '200000' },
    rows: { type: 'string', default: '40000' },
    rounds: { type: 'string', default: '3' },
  },
});
const BEFORE = Number(args.before);
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);

const src = readFileSync(join(root, 'src', 'worker', 'sql.rs'), 'utf8');
const INSERT = src.match(/pub const INSERT_EVENTS: &str =\s*"([\s\S]*?)";/)[1].replace(/\\\n\s*/g, '').replace(/\\"/g, '"');
// The same payload, read and dropped: what a call with 100 rows costs without the write.
const NOTHING = 'SELECT count(*) AS n FROM json_each(?1) WHERE ?2 IS NOT NULL';
// The same payload with every column read out of it as the insert does, nothing written.
const READ_ONLY = `SELECT count(*) AS n FROM (${INSERT.slice(INSERT.indexOf('SELECT'), INSERT.indexOf('WHERE true'))})`;

const VARIANTS = [
  ['every index (the schema)', null],
  ['without events_clicks_by_recipient', 'events_clicks_by_recipient'],
  ['without events_by_link_network', 'events_by_link_network'],
];

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const LINKS = ['ba-sms', 'ba-mail', 'bb-sms', 'bb-mail'];

/** Click rows in time order (one every 400 ms), the same sequence for every variant. */
function rows() {
  let n = 0;
  let seed = 1;
  const rnd = (k) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % k;
  };
  const id = (ts) => {
    let s = '';
    for (let i = 0, t = ts; i < 10; i++, t = Math.floor(t / 32)) s = CROCKFORD[t % 32] + s;
    for (let i = 0; i < 16; i++) s += CROCKFORD[rnd(32)];
    return s;
  };
  return (count) => Array.from({ length: count }, () => {
    const i = n++;
    const ts = 1763884800000 + i * 400;
    return [id(ts), ts, LINKS[i % 4], 'bench-recall', 'A', rnd(100000), 'get', 'redirect', 'app-store',
      'ios', null, null, 0, null, 'CN', `100.${64 + rnd(64)}.${rnd(256)}.0/24`, UA];
  });
}

async function measure(drop) {
  const dir = mkdtempSync('/dev/shm/wakelink-log-insert-');
  const t = await start({ persist: dir });
  try {
    if (drop) await t.db.prepare(`DROP INDEX ${drop}`).run();
    const next = rows();
    const put = async (count, sql) => {
      for (let k = 0; k < count; k += 100) {
        await t.db.batch([t.db.prepare(sql).bind(JSON.stringify(next(Math.min(100, count - k))), Date.now())]);
      }
    };
    await put(BEFORE, INSERT);
    let c = runtimeCpu();
    await put(ROWS, INSERT);
    const insert = runtimeCpu() - c;
    c = runtimeCpu();
    await put(ROWS, NOTHING);
    const call = runtimeCpu() - c;
    c = runtimeCpu();
    await put(ROWS, READ_ONLY);
    const read = runtimeCpu() - c;
    return { perRow: (insert / ROWS) * 1e6, callPerRow: (call / ROWS) * 1e6, readPerRow: (read / ROWS) * 1e6 };
  } finally {
    await t.mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${BEFORE.toLocaleString('en-US')} click rows in the log, then ${ROWS.toLocaleString('en-US')} timed; ${ROUNDS} rounds`);
const best = new Map();
for (let r = 1; r <= ROUNDS; r++) {
  for (const [name, drop] of VARIANTS) {
    const m = await measure(drop);
    const net = m.perRow - m.callPerRow;
    console.log(`  round ${r}, ${name}: ${m.perRow.toFixed(1)} µs CPU a row, of which the call ${m.callPerRow.toFixed(1)}: ${net.toFixed(1)} µs writing ` +
      `(the call reading every column, nothing written: ${m.readPerRow.toFixed(1)})`);
    if (!best.has(name) || best.get(name) > net) best.set(name, net);
  }
}
console.log('\nwriting one click row (lowest of the rounds, µs of runtime CPU):');
const all = best.get(VARIANTS[0][0]);
for (const [name] of VARIANTS) {
  const v = best.get(name);
  console.log(`  ${name.padEnd(38)} ${v.toFixed(1).padStart(6)}${name === VARIANTS[0][0] ? '' : `  (${(all - v).toFixed(1)} less)`}`);
}
