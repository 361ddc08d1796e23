/**
 * Golden files (test/golden/): how they are written and how two versions are compared. Shared by the
 * golden test (test/engine/golden.test.ts, through test/helpers/golden.ts) and `npm run golden`
 * (scripts/golden.mjs). Plain JavaScript so that both vitest and node run it; types in golden-lib.d.mts.
 *
 * - `goldenJson(value)`: pretty-printed JSON, two-space indent, one key a line; an array of numbers,
 *   strings, booleans or nulls is packed into lines of at most 100 characters, so a diff shows the
 *   few values that moved. Numbers keep every bit (JSON's shortest round-trip form of each double).
 * - `differences(old, new)`: every key path whose value differs, deep, in JSON value (key order and
 *   layout do not count), as `{ path, old, new }`; an added or removed key has `undefined` on its
 *   missing side, an array whose length changed is one difference at the array (its lengths) plus its
 *   first differing elements.
 * - `describeDifference(d)`: `paths[0].summary.badDebtUsd: 1234.5 → 1250 (+1.26%)`.
 */

const WIDTH = 100;

function isScalar(v) {
  return v === null || typeof v !== 'object';
}

/** `v` as golden JSON at nesting depth `indent`, after `lead` characters on its first line. */
function format(v, indent, lead) {
  if (isScalar(v)) return JSON.stringify(v) ?? 'null';
  const pad = '  '.repeat(indent + 1);
  const end = '  '.repeat(indent);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every(isScalar)) {
      const items = v.map((x) => JSON.stringify(x) ?? 'null');
      const one = `[${items.join(', ')}]`;
      if (lead + one.length + 1 <= WIDTH) return one;
      const lines = [];
      let line = '';
      for (const it of items) {
        // ', ' before the item and the ',' that ends a full line
        if (line && pad.length + line.length + 2 + it.length + 1 > WIDTH) {
          lines.push(line + ',');
          line = it;
        } else line = line ? `${line}, ${it}` : it;
      }
      lines.push(line);
      return `[\n${lines.map((l) => pad + l).join('\n')}\n${end}]`;
    }
    return `[\n${v.map((x) => pad + format(x, indent + 1, pad.length)).join(',\n')}\n${end}]`;
  }
  const keys = Object.keys(v).filter((k) => v[k] !== undefined && typeof v[k] !== 'function');
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)}: ${format(v[k], indent + 1, pad.length + JSON.stringify(k).length + 2)}`).join(',\n')}\n${end}}`;
}

/** A value as a golden file holds it: pretty-printed JSON ending in a newline (see the module comment). */
export function goldenJson(value) {
  return format(JSON.parse(JSON.stringify(value)), 0, 0) + '\n';
}

function keyPath(base, key) {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`;
}

function kind(v) {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function walk(a, b, path, out, limit) {
  if (out.length >= limit) return;
  const ka = kind(a);
  const kb = kind(b);
  if (ka !== kb || (ka !== 'array' && ka !== 'object')) {
    if (a !== b) out.push({ path: path || '(root)', old: a, new: b });
    return;
  }
  if (ka === 'array') {
    if (a.length !== b.length) out.push({ path: `${path}.length`, old: a.length, new: b.length });
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n && out.length < limit; i++) walk(a[i], b[i], keyPath(path, i), out, limit);
    return;
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    if (out.length >= limit) return;
    walk(a[k], b[k], keyPath(path, k), out, limit);
  }
}

/** Every differing key path between two JSON values, at most `limit` (see the module comment). */
export function differences(oldValue, newValue, limit = Infinity) {
  const out = [];
  walk(JSON.parse(JSON.stringify(oldValue ?? null)), JSON.parse(JSON.stringify(newValue ?? null)), '', out, limit);
  return out;
}

function shown(v) {
  if (v === undefined) return '(absent)';
  if (isScalar(v)) return JSON.stringify(v);
  const text = JSON.stringify(v);
  return text.length <= 60 ? text : `${Array.isArray(v) ? `array of ${v.length}` : `object of ${Object.keys(v).length} keys`}`;
}

/** The relative change from old to new, or null when it is not a change between two numbers with old ≠ 0. */
export function relativeChange(d) {
  return typeof d.old === 'number' && typeof d.new === 'number' && d.old !== 0 ? (d.new - d.old) / Math.abs(d.old) : null;
}

/** One difference as a line: `key.path: old → new (+1.26%)`. */
export function describeDifference(d) {
  const r = relativeChange(d);
  let rel = '';
  if (r !== null) {
    const p = 100 * r;
    const digits = Math.abs(p) >= 10 ? 1 : Math.abs(p) >= 0.01 ? 2 : 1;
    rel = ` (${p > 0 ? '+' : p < 0 ? '\u2212' : ''}${Math.abs(p) >= 0.01 || p === 0 ? Math.abs(p).toFixed(digits) : Math.abs(p).toExponential(digits)}%)`;
  } else if (typeof d.old === 'number' && typeof d.new === 'number') rel = ' (from 0)';
  return `${d.path}: ${shown(d.old)} \u2192 ${shown(d.new)}${rel}`;
}

/** The golden file of mechanism case k, relative to test/golden/: `mechanisms/case-07.json`. */
export function mechanismCaseFile(k) {
  return `mechanisms/case-${String(k).padStart(2, '0')}.json`;
}
