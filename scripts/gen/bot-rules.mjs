#!/usr/bin/env node
// Generates src/domain/ua_rules/bots_generated.rs: crawler rules from a maintained bot list.
//
//   node tests/ua/build-corpus.mjs tests/.tmp/ua-corpus.tsv   # the corpus scores the rules
//   node scripts/gen/bot-rules.mjs            # rewrite the rules
//   node scripts/gen/bot-rules.mjs --check    # fail if the committed rules are stale
//
// Source: the npm package `isbot` (Unlicense), pinned in package.json; its `list` export is
// the list of patterns it matches user agents against.
//
// A pattern becomes a rule when it is a plain word that the classifier's needles can express
// (`^x` a prefix, `x\b` a word end, `\bx` a word start, `[ /]` alternatives, `\.` `\s` and
// `\/` literals; look-arounds are dropped, which widens the needle); other patterns are left
// out (counted). A
// rule is kept only if
//   - no hand-written bot needle (src/domain/ua_rules/bots.rs) already inside it catches the
//     same strings, and
//   - it flags no user agent labelled human in the *tuning* part of the corpus (the held-back
//     fifth, by the same FNV-1a hash as tests/ua_corpus.rs, is never looked at).
// Every kept rule flags as a crawler.

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { list } from 'isbot';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'src/domain/ua_rules/bots_generated.rs');
const corpusPath = join(root, 'tests/.tmp/ua-corpus.tsv');
const check = process.argv.includes('--check');
const version = JSON.parse(readFileSync(join(root, 'node_modules/isbot/package.json'), 'utf8')).version;

if (!existsSync(corpusPath)) {
  console.error(`${corpusPath} is missing: run node tests/ua/build-corpus.mjs ${corpusPath}`);
  process.exit(1);
}

// --- the hand-written needles, read from bots.rs ---
const botsRs = readFileSync(join(root, 'src/domain/ua_rules/bots.rs'), 'utf8');
const hand = [...botsRs.matchAll(/needle: (Contains|WordStart|Word|WordEnd|Prefix)\("([^"]*)"\)/g)].map(([, kind, text]) => ({
  kind,
  text,
}));

// --- patterns -> needles ---
const LITERAL = /^[a-z0-9 .\/_\-:;@&+!,'=~]+$/;
function needles(pattern) {
  // Look-arounds narrow a pattern; without them it matches more, and the corpus decides
  // whether the wider needle may stay: "(?:^|[^g])news(?!sapphire)" is tried as "news".
  let p = pattern
    .toLowerCase()
    .replace(/^\(\?<![^)]*\)/, '')
    .replace(/^\(\?:\^\|\[\^[^\]]*\]\)/, '')
    .replace(/\(\?!(?:[^()]|\([^()]*\))*\)$/, '');
  let kind = 'Contains';
  if (p.startsWith('^')) {
    kind = 'Prefix';
    p = p.slice(1);
  }
  let start = false;
  let end = false;
  if (p.startsWith('\\b')) {
    start = true;
    p = p.slice(2);
  }
  if (p.endsWith('\\b')) {
    end = true;
    p = p.slice(0, -2);
  }
  if (kind === 'Prefix' && (start || end)) return [];
  if (start && end) kind = 'Word';
  else if (start) kind = 'WordStart';
  else if (end) kind = 'WordEnd';
  // One `[ab]` class of literal characters becomes alternatives.
  const alts = [];
  const cls = /\[([^\]\\]+)\]/.exec(p);
  if (cls) {
    for (const c of cls[1]) alts.push(p.slice(0, cls.index) + c + p.slice(cls.index + cls[0].length));
  } else alts.push(p);
  const outNeedles = [];
  for (let a of alts) {
    a = a.replaceAll('\\.', '.').replaceAll('\\s', ' ').replaceAll('\\/', '/').replaceAll('\\-', '-');
    if (!LITERAL.test(a) || a.trim().length < 3) return [];
    outNeedles.push({ kind, text: a });
  }
  return outNeedles;
}

// --- matching, as src/domain/visitor.rs does it ---
const word = (c) => c !== undefined && /[a-z0-9]/.test(c);
function matches({ kind, text }, s) {
  if (kind === 'Prefix') return s.startsWith(text);
  let at = s.indexOf(text);
  while (at >= 0) {
    const endAt = at + text.length;
    const okStart = !(kind === 'WordStart' || kind === 'Word') || !word(s[at - 1]);
    const okEnd =
      kind === 'Word' ? !word(s[endAt]) : kind === 'WordEnd' ? !(s[endAt] !== undefined && /[a-z]/.test(s[endAt])) : true;
    if (okStart && okEnd) return true;
    at = s.indexOf(text, at + 1);
  }
  return false;
}
/** A hand needle that matches wherever `n` does: its text inside n's, with no stricter kind. */
function coveredByHand(n) {
  return hand.some((h) => {
    if (h.kind === 'Contains') return n.text.includes(h.text);
    if (h.kind === 'Prefix') return n.kind === 'Prefix' && n.text.startsWith(h.text);
    return h.kind === n.kind && h.text === n.text;
  });
}

// --- the tuning part of the corpus ---
function fnv1a(s) {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s, 'utf8')) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}
const people = [];
const bots = [];
for (const line of readFileSync(corpusPath, 'utf8').split('\n').slice(1)) {
  const cols = line.split('\t');
  if (cols.length < 5) continue;
  const ua = cols.slice(4).join('\t');
  if (fnv1a(ua) % 5n === 0n) continue; // held back
  const lower = Buffer.from(ua, 'utf8').subarray(0, 512).toString('utf8').toLowerCase();
  if (cols[0] === 'human') people.push(lower);
  else if (cols[0] === 'bot') bots.push(lower);
}

const kept = [];
const dropped = { 'not expressible': 0, 'already caught by a hand rule': 0, 'flags people': 0 };
const flagsPeople = [];
const seen = new Set();
for (const pattern of list) {
  const ns = needles(pattern);
  if (ns.length === 0) {
    dropped['not expressible'] += 1;
    continue;
  }
  for (const n of ns) {
    const key = `${n.kind}:${n.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (coveredByHand(n)) {
      dropped['already caught by a hand rule'] += 1;
      continue;
    }
    const hits = people.filter((s) => matches(n, s));
    if (hits.length > 0) {
      dropped['flags people'] += 1;
      flagsPeople.push(`${key} (${hits.length}, e.g. ${hits[0].slice(0, 100)})`);
      continue;
    }
    kept.push({ ...n, pattern, caught: bots.filter((s) => matches(n, s)).length });
  }
}

const kindLetter = { Contains: 'c', Prefix: 'p', WordStart: 's', WordEnd: 'e', Word: 'w' };
function chunkList(items) {
  const out = [];
  let cur = '';
  for (const it of items) {
    if (cur && cur.length + it.length + 2 > 92) {
      out.push(cur.trimEnd());
      cur = '';
    }
    cur += it + ', ';
  }
  if (cur) out.push(cur.trimEnd());
  return out;
}
function chunkText(s) {
  const out = [];
  let cur = '';
  for (const line of s.split(/(?<=\n)/)) {
    if (cur.length + line.length > 90) {
      out.push(cur);
      cur = '';
    }
    cur += line;
  }
  if (cur) out.push(cur);
  return out;
}

let rust = `// @generated by scripts/gen/bot-rules.mjs from isbot ${version} (Unlicense). Do not edit by
// hand: run \`node scripts/gen/bot-rules.mjs\` (after building the corpus).
//
// ${list.length} isbot patterns: ${kept.length} kept; left out: ${Object.entries(dropped)
  .map(([k, v]) => `${k} ${v}`)
  .join(', ')}.

//! Crawler needles generated from the isbot pattern list, each scored on the tuning corpus.
//!
//! Each needle is a kind letter (\`c\` contains, \`p\` prefix, \`s\` word start, \`e\` word end,
//! \`w\` word) then the lowercase text; [\`super::generated_bot_needles\`] reads them. Strings,
//! not a table of structs, to keep the worker's wasm small.
//!
//! isbot pattern, then how many bot strings of the tuning corpus the needle catches:
${kept.map((n) => `//   ${kindLetter[n.kind]}${n.text.padEnd(28)} ${JSON.stringify(n.pattern)}, ${n.caught}`).join('\n')}

/// Walked after [\`super::BOT_RULES\`]; every needle flags as a crawler.
#[rustfmt::skip]
pub const GENERATED_BOT_NEEDLES: &[&str] = &[
${chunkList(kept.map((n) => JSON.stringify(kindLetter[n.kind] + n.text))).map((l) => `    ${l}`).join('\n')}
];

`;

rust = rust.replace(/\n+$/, '\n');
if (check) {
  if (readFileSync(out, 'utf8') !== rust) {
    console.error('src/domain/ua_rules/bots_generated.rs is stale: run node scripts/gen/bot-rules.mjs');
    process.exit(1);
  }
  console.log('bot rules up to date');
} else {
  writeFileSync(out, rust);
  console.log(`wrote ${out}: ${kept.length} rules`, dropped);
  for (const f of flagsPeople) console.log(`  left out, flags people: ${f}`);
}
