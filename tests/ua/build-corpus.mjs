#!/usr/bin/env node
// Builds the labelled user-agent corpus that `tests/ua_corpus.rs` measures the bot flag on.
//
//   node tests/ua/build-corpus.mjs /tmp/corpus.tsv
//   WAKELINK_UA_CORPUS=/tmp/corpus.tsv cargo test --test ua_corpus -- --nocapture
//
// Output: `label<TAB>source<TAB>user_agent`, label `bot` or `human`, one header line.
// Sources (all installed devDependencies, no network):
//   - crawler-user-agents: every `instances` entry of crawler-user-agents.json      -> bot
//   - user-agents: every distinct `userAgent` of its data file (real browser traffic) -> human
//   - tests/fixtures/user_agents.tsv: every row; `human` stays human, a bot reason -> bot
//
// Deduplication: a user agent is written once. When sources disagree on its label, the
// hand-checked fixture wins, then crawler-user-agents, then user-agents; such conflicts are
// counted and printed. Rows that cannot be written as one TSV field (a tab or a newline in the
// string) or are empty are excluded, counted and printed. Nothing else is excluded.

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

const out = process.argv[2];
if (!out) {
  console.error('usage: node tests/ua/build-corpus.mjs <out.tsv>');
  process.exit(2);
}

/** Reads a JSON file that may be shipped gzipped. */
function readJson(path) {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return JSON.parse(text);
}

/** Finds the first existing file among candidates inside an installed package. (The packages'
 * `exports` maps hide their data files from `require.resolve`, so look in node_modules.) */
function packageFile(pkg, candidates) {
  const base = join(root, 'node_modules', pkg);
  for (const candidate of candidates) {
    const path = join(base, candidate);
    if (existsSync(path)) return path;
  }
  throw new Error(`${pkg}: none of ${candidates.join(', ')} found under ${base}`);
}

const rows = new Map(); // user agent -> { label, source }
const stats = {}; // source -> { read, written, duplicates, conflicts, excluded }
const priority = { fixture: 0, 'crawler-user-agents': 1, 'user-agents': 2 };
const conflicts = []; // { ua, kept, dropped }

function stat(source) {
  return (stats[source] ??= { read: 0, written: 0, duplicates: 0, conflicts: 0, excluded: 0 });
}

function add(source, label, ua) {
  const s = stat(source);
  s.read += 1;
  if (typeof ua !== 'string' || ua.length === 0 || /[\t\r\n]/.test(ua)) {
    s.excluded += 1;
    return;
  }
  const seen = rows.get(ua);
  if (!seen) {
    rows.set(ua, { label, source });
    s.written += 1;
    return;
  }
  if (seen.label === label) {
    s.duplicates += 1;
    return;
  }
  s.conflicts += 1;
  if (priority[source] < priority[seen.source]) {
    stat(seen.source).written -= 1;
    rows.set(ua, { label, source });
    s.written += 1;
    conflicts.push({ ua, kept: `${source}:${label}`, dropped: `${seen.source}:${seen.label}` });
  } else {
    conflicts.push({ ua, kept: `${seen.source}:${seen.label}`, dropped: `${source}:${label}` });
  }
}

// 1. The hand-checked fixture table (first, so it wins conflicts).
const fixture = join(root, 'tests', 'fixtures', 'user_agents.tsv');
for (const line of readFileSync(fixture, 'utf8').split('\n')) {
  if (!line.trim() || line.startsWith('#') || line.startsWith('expect_bot\t')) continue;
  const cols = line.split('\t');
  if (cols.length < 5) throw new Error(`fixture line has ${cols.length} columns: ${line}`);
  const ua = cols.slice(4).join('\t');
  add('fixture', cols[0] === 'human' ? 'human' : 'bot', ua);
}

// 2. crawler-user-agents: real bot strings collected per pattern.
const crawlers = readJson(
  packageFile('crawler-user-agents', ['crawler-user-agents.json', 'crawler-user-agents.json.gz']),
);
for (const entry of crawlers) {
  for (const ua of entry.instances ?? []) add('crawler-user-agents', 'bot', ua);
}

// 3. user-agents: real browser user agents with traffic weights.
const browsers = readJson(
  packageFile('user-agents', [
    'dist/user-agents.json.gz',
    'dist/user-agents.json',
    'src/user-agents.json.gz',
    'src/user-agents.json',
  ]),
);
for (const entry of browsers) add('user-agents', 'human', entry.userAgent);

const lines = ['label\tsource\tuser_agent'];
for (const [ua, { label, source }] of rows) lines.push(`${label}\t${source}\t${ua}`);
writeFileSync(out, lines.join('\n') + '\n');

const labels = { bot: 0, human: 0 };
for (const { label } of rows.values()) labels[label] += 1;
for (const [source, s] of Object.entries(stats)) {
  console.log(
    `${source.padEnd(20)} read ${String(s.read).padStart(6)}  written ${String(s.written).padStart(6)}` +
      `  duplicates ${s.duplicates}  label conflicts ${s.conflicts}  excluded (empty/tab/newline) ${s.excluded}`,
  );
}
for (const c of conflicts) console.log(`label conflict: kept ${c.kept}, not ${c.dropped}: ${c.ua}`);
console.log(`total ${rows.size} rows (${labels.bot} bot, ${labels.human} human) -> ${out}`);
