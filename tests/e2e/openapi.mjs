// A small checker for docs/openapi.json: finds the operation a request matched and checks a
// value against a schema. It knows the keywords the file uses — $ref, type (one or a list;
// "integer" is a whole number), enum, required, properties, additionalProperties: false,
// items, pattern, minimum/maximum, minItems/maxItems, minLength/maxLength — and fails on any
// other keyword, so the file cannot quietly say more than the tests check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './harness.mjs';

export const spec = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));

const ANNOTATIONS = new Set(['description', 'format', 'default', 'title', 'example']);
const KNOWN = new Set(['$ref', 'type', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'pattern',
  'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', ...ANNOTATIONS]);

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const matchesType = (t, v) => (t === 'integer' ? Number.isInteger(v) : t === 'number' ? typeof v === 'number' : typeOf(v) === t);

function resolve(schema) {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const s = spec.components.schemas[name];
  if (!s) throw new Error(`unknown $ref ${schema.$ref}`);
  return s;
}

/** The ways `value` breaks `schema`, as `path: reason` strings (empty when it conforms). */
export function check(schema, value, path = '$') {
  const s = resolve(schema);
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`schema keyword the checker doesn't know: ${k} at ${path}`);
  const errors = [];
  if (s.type) {
    const types = [s.type].flat();
    if (!types.some((t) => matchesType(t, value))) return [`${path}: ${typeOf(value)} is not ${types.join(' | ')}`];
  }
  if (s.enum && !s.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${s.enum.join(', ')}`);
  if (typeof value === 'string') {
    if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${path}: does not match ${s.pattern}`);
    if (s.maxLength != null && [...value].length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
    if (s.minLength != null && [...value].length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
  }
  if (typeof value === 'number') {
    if (s.minimum != null && value < s.minimum) errors.push(`${path}: below ${s.minimum}`);
    if (s.maximum != null && value > s.maximum) errors.push(`${path}: above ${s.maximum}`);
  }
  if (Array.isArray(value)) {
    if (s.minItems != null && value.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
    if (s.maxItems != null && value.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
    if (s.items) value.forEach((v, i) => errors.push(...check(s.items, v, `${path}[${i}]`)));
  }
  if (typeOf(value) === 'object') {
    for (const r of s.required ?? []) if (!(r in value)) errors.push(`${path}: missing ${r}`);
    for (const [k, v] of Object.entries(value)) {
      if (s.properties?.[k]) errors.push(...check(s.properties[k], v, `${path}.${k}`));
      else if (s.additionalProperties === false) errors.push(`${path}: field ${k} is not in the schema`);
    }
  }
  return errors;
}

const templates = Object.keys(spec.paths).map((p) => ({
  template: p,
  re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** The path template and operation a request matches, or null. */
export function operation(method, pathname) {
  const hit = templates.find((t) => t.re.test(pathname));
  const op = hit && spec.paths[hit.template][method.toLowerCase()];
  return op ? { template: hit.template, op } : null;
}
