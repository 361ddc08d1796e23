/**
 * The one formatter of a zod issue into a message line, for every input checked with zod: a scenario
 * (`traders.count: -5 is not allowed — too small: expected number to be >0`) and a saved file read back
 * (results.json, sweep.json …: `field "run.workers" must be a JSON number, got string`). Both name the
 * field, what was there and what is allowed; the caller adds the file name and throws `UserError`.
 */
import type { z } from 'zod';

type Path = ReadonlyArray<PropertyKey>;

/** `a.b[2].c` from a zod issue path. */
function formatPath(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** The value at `path` inside `root`, or undefined where the path leaves it. */
export function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p as string];
  }
  return v;
}

/**
 * A value for a message: JSON, except that NaN, Infinity, −Infinity and −0 print as such (JSON would
 * print null or 0), cut to 60 characters.
 */
export function show(v: unknown): string {
  if (v === undefined) return '(missing)';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  const mark = '\u0000num:';
  let s: string | undefined;
  try {
    s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0)) ? `${mark}${Object.is(x, -0) ? '-0' : String(x)}` : x));
  } catch {
    return '(a value that contains itself)';
  }
  if (s === undefined) return String(v);
  const t = s.replace(/"\\u0000num:([^"]*)"/g, '$1');
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** `null`, `array`, `object`, `number` … : the JSON type of a value. */
export function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function lowerFirst(s: string): string {
  return s.length ? s[0].toLowerCase() + s.slice(1) : s;
}

/**
 * How an issue is worded: `scenario` — `field: value is not allowed — rule`, an unknown key listed
 * with the keys allowed there (`knownKeys`: the keys the schema accepts at a path); `saved file` —
 * `field "a.b" rule`, a wrong type worded in JSON's terms (`must be a JSON object, got array`).
 */
export type IssueStyle =
  | { kind: 'scenario'; knownKeys: (path: Path, input: unknown) => string[] }
  | { kind: 'saved file' };

/** One line for a zod issue found in `input`: the field, the value (or its type) and what is allowed. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown, style: IssueStyle): string {
  const where = formatPath(issue.path);
  const v = valueAt(input, issue.path);
  if (style.kind === 'saved file') {
    const what = issue.code === 'invalid_type'
      ? `must be a JSON ${issue.expected === 'record' ? 'object' : issue.expected}, got ${v === undefined ? 'nothing (missing)' : jsonType(v)}`
      : issue.message;
    return `field "${where}" ${what}`;
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const parent = issue.path.length === 0 ? '' : `${where}.`;
      const known = style.knownKeys(issue.path, input);
      return `${parent}${issue.keys.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}` +
        (known.length ? ` (allowed here: ${known.join(', ')})` : '');
    }
    case 'invalid_union':
      return `${where}: ${show(v)} is not valid — ${issue.message}`;
    default:
      return `${where}: ${show(v)} is not allowed — ${lowerFirst(issue.message)}`;
  }
}
