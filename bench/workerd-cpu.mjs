// CPU time of the local runtime: the workerd processes this Node process started (Miniflare),
// read from Linux /proc (user + system). The benchmarks report work per CPU second beside
// wall time, since a machine shared with other work moves the second far less than the first.
import { readFileSync, readdirSync } from 'node:fs';

const TICK = 100; // clock ticks per second on Linux (getconf CLK_TCK)

/** CPU seconds used so far by each workerd child of this process, by pid. */
export function workerdCpuByProcess() {
  const out = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (comm.startsWith('workerd') && Number(f[1]) === process.pid) {
      out.set(pid, (Number(f[11]) + Number(f[12])) / TICK);
    }
  }
  return out;
}

/** CPU seconds used so far by this process's workerd children together. */
export function workerdCpu() {
  let total = 0;
  for (const s of workerdCpuByProcess().values()) total += s;
  return total;
}
