/**
 * Reading a user's CSV of prices (`timestamp,price`) for the `csv` price model, with one clear error
 * per malformed file: the file, the line number and what is wrong.
 *
 * Format: a header row naming the columns (at least `timestamp` and `price`, in any order; other
 * columns are ignored; names are case-insensitive), then one row per observation. Timestamps are
 * ISO-8601 (`2020-03-12T00:00:00Z`; a date-time without an offset is read as UTC) or unix seconds
 * (`1584000000`, decimals allowed), milliseconds or microseconds (told apart by magnitude, as exchanges
 * publish them: `parseTimestamp`); they must strictly increase. Prices must be positive finite
 * numbers. Blank lines are skipped; a UTF-8 byte-order mark and CRLF line ends are accepted.
 *
 * Messages never echo the file: they name the line and column, and quote at most a short excerpt of
 * one cell with control characters escaped (`excerpt`). Files above `MAX_CSV_BYTES` and anything
 * that is not a regular file are refused before parsing.
 *
 * The parsed file is cached by (absolute path, size, modification time), so a sweep that re-validates
 * the scenario at every point reads the file once.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { MIB, readBoundedFile, rethrowFs } from '../io/files.js';

/** Largest price CSV read (64 MiB ≈ two million rows; a year of one-minute prices is about 16 MiB). */
export const MAX_CSV_BYTES = 64 * MIB;
/** Most returns a CSV may span on the step grid (the resampled history is held in memory: 8 bytes each). */
export const MAX_GRID_RETURNS = 10_000_000;

/**
 * A cell quoted for a message: at most `max` characters, every character outside printable ASCII
 * escaped (`\x00`, `\u2028`), `…` when cut. Never more than about `max` + 8 characters.
 */
export function excerpt(cell: string, max = 40): string {
  let out = '';
  let n = 0;
  for (const ch of cell) {
    if (n === max) return `"${out}…"`;
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c < 0x7f) out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    else out += c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u{${c.toString(16)}}`;
    n++;
  }
  return `"${out}"`;
}

export interface PriceCsv {
  /** The absolute path the data was read from. */
  readonly file: string;
  /** SHA-256 (hex) of the file's bytes: what a study's resume key holds. */
  readonly sha256: string;
  /** Unix seconds, strictly increasing. */
  readonly timesSeconds: Float64Array;
  /** Positive prices. */
  readonly prices: Float64Array;
}

/** Unix seconds above this are almost certainly milliseconds (year 5138). */
const MAX_UNIX_SECONDS = 1e11;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Parses one timestamp cell to unix seconds, or returns a description of what is wrong. A number is read by
 * its magnitude, as exchanges publish times: below 1e11 unix seconds, below 1e14 milliseconds (Binance klines),
 * below 1e17 microseconds (Binance spot dumps since 2025); nanoseconds are refused.
 */
export function parseTimestamp(cell: string): number | string {
  if (NUMBER.test(cell)) {
    const t = Number(cell);
    if (!Number.isFinite(t)) return `timestamp ${excerpt(cell)} is not a finite number`;
    const a = Math.abs(t);
    if (a < MAX_UNIX_SECONDS) return t;
    if (a < MAX_UNIX_SECONDS * 1e3) return t / 1e3;
    if (a < MAX_UNIX_SECONDS * 1e6) return t / 1e6;
    return `timestamp ${excerpt(cell)} looks like nanoseconds — use unix seconds, milliseconds, microseconds or ISO-8601`;
  }
  const m = ISO.exec(cell);
  if (m) {
    // A calendar date that does not exist (2023-02-30) is refused: Date.parse would roll it into March.
    const [y, mo, d] = cell.slice(0, 10).split('-').map(Number);
    if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) {
      return `timestamp ${excerpt(cell)} is not a calendar date`;
    }
    // A date-time without an offset is UTC here (Date.parse would read it as local time).
    const hasTime = /[T ]\d/.test(cell);
    const text = hasTime && !m[1] ? `${cell.replace(' ', 'T')}Z` : cell.replace(' ', 'T');
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  return `timestamp ${excerpt(cell)} is neither ISO-8601 (e.g. 2020-03-12T00:00:00Z) nor unix seconds`;
}

/**
 * The start every CSV reader shares: a byte-order mark dropped, the text split into lines, the first
 * non-blank line read as the header (cells trimmed, lower-cased, unquoted), and `fail(line, what)`,
 * which throws the one-line UserError naming the file and line. An empty file fails with `emptyMessage`.
 */
export function csvHeader(text: string, file: string, emptyMessage: string): { lines: string[]; headerIndex: number; header: string[]; fail: (line: number, what: string) => never } {
  const fail = (line: number, what: string): never => {
    throw new UserError(`${file} line ${line}: ${what}`);
  };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  let li = 0;
  while (li < lines.length && lines[li].trim() === '') li++;
  if (li === lines.length) fail(1, emptyMessage);
  const header = lines[li].split(',').map((h) => h.trim().toLowerCase().replace(/^"(.*)"$/, '$1'));
  return { lines, headerIndex: li, header, fail };
}

/**
 * Parses CSV text. `file` is only used in messages.
 * O(n) in the number of rows.
 * @throws UserError naming the file and line of the first problem
 */
export function parsePriceCsv(text: string, file: string, sha256 = createHash('sha256').update(text).digest('hex')): PriceCsv {
  const { lines, headerIndex: li, header, fail } = csvHeader(text, file, 'the file is empty — expected a header row "timestamp,price" and at least two rows of prices');
  const ti = header.indexOf('timestamp');
  const pi = header.indexOf('price');
  if (ti < 0 || pi < 0) {
    const missing = ti < 0 && pi < 0 ? 'timestamp and price' : ti < 0 ? 'timestamp' : 'price';
    fail(li + 1, `the header row (${header.length} column${header.length === 1 ? '' : 's'}) has no column named ${missing} — the first row must name the columns, e.g. "timestamp,price"`);
  }
  const times: number[] = [];
  const prices: number[] = [];
  let lastLine = 0;
  for (let k = li + 1; k < lines.length; k++) {
    const raw = lines[k];
    if (raw.trim() === '') continue;
    const line = k + 1;
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length !== header.length) {
      fail(line, `expected ${header.length} comma-separated values (${excerpt(header.join(','), 80).slice(1, -1)}), found ${cells.length}`);
    }
    const t = parseTimestamp(cells[ti]);
    if (typeof t === 'string') fail(line, `column ${ti + 1}: ${t}`);
    const pText = cells[pi];
    const p = NUMBER.test(pText) ? Number(pText) : NaN;
    if (!(Number.isFinite(p) && p > 0)) fail(line, `column ${pi + 1}: price ${excerpt(pText)} is not allowed — prices must be positive numbers`);
    if (times.length > 0 && !((t as number) > times[times.length - 1])) {
      fail(line, `column ${ti + 1}: timestamp ${excerpt(cells[ti])} is not after the previous row's (line ${lastLine}) — timestamps must strictly increase`);
    }
    times.push(t as number);
    prices.push(p);
    lastLine = line;
  }
  if (times.length < 2) fail(lastLine || li + 1, `found ${times.length} row${times.length === 1 ? '' : 's'} of prices — at least two are needed for one return`);
  return { file, sha256, timesSeconds: Float64Array.from(times), prices: Float64Array.from(prices) };
}

/**
 * Reads and parses a CSV of prices (cached by path, size and modification times). Refuses a file
 * above `MAX_CSV_BYTES` or one that is not a regular file, before parsing.
 * @throws UserError if the file cannot be read or is malformed
 */
export function readPriceCsv(absFile: string): PriceCsv {
  return readPriceFile(absFile, (text, sha256) => parsePriceCsv(text, absFile, sha256));
}
const readPriceFile = cachedFileReader<PriceCsv>('price CSV', MAX_CSV_BYTES);

/**
 * A reader of one kind of data file (`what`: "price CSV", "depth CSV" …) through a cache keyed by the path, the
 * file's size and modification times (and `extraKey`): a missing file is `<file>: <what> file not found`, one that is
 * not a regular file or is above `maxBytes` is refused before parsing, and `parse(text, sha256)` runs only when the
 * file changed — so a sweep that re-validates its scenario at every point reads each file once.
 * @throws UserError if the file cannot be read, and whatever `parse` throws
 */
export function cachedFileReader<T>(what: string, maxBytes: number): (absFile: string, parse: (text: string, sha256: string) => T, extraKey?: string) => T {
  const cache = new Map<string, { key: string; value: T }>();
  return (absFile, parse, extraKey = '') => {
    let key: string;
    try {
      const st = statSync(absFile);
      key = `${st.size}/${st.mtimeMs}/${st.ctimeMs}/${st.ino}/${extraKey}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${absFile}: ${what} file not found`);
      return rethrowFs(e, absFile, `cannot read the ${what}`);
    }
    const hit = cache.get(absFile);
    if (hit && hit.key === key) return hit.value;
    const bytes = readBoundedFile(absFile, maxBytes, what);
    const value = parse(bytes.toString('utf8'), createHash('sha256').update(bytes).digest('hex'));
    cache.set(absFile, { key, value });
    return value;
  };
}

/**
 * Number of log returns after resampling to a grid of `stepSeconds` from the first timestamp:
 * ⌊(t_last − t_first) / stepSeconds⌋.
 */
export function gridReturnCount(csv: PriceCsv, stepSeconds: number): number {
  const t = csv.timesSeconds;
  return Math.floor((t[t.length - 1] - t[0]) / stepSeconds + 1e-9);
}

/**
 * Median spacing of the timestamps, in seconds. O(n log n). Written out rather than simple-statistics'
 * `median` (a + ½(b − a) for an even count, which can differ from ½(a + b) in the last bit): the spacing
 * is `marginlab fit`'s default step and is quoted by the price-file checks. (src/stats/median.ts is a
 * higher layer.)
 */
export function medianSpacingSeconds(csv: PriceCsv): number {
  const t = csv.timesSeconds;
  const d = new Float64Array(t.length - 1);
  for (let i = 1; i < t.length; i++) d[i - 1] = t[i] - t[i - 1];
  d.sort();
  const n = d.length;
  return n % 2 ? d[(n - 1) / 2] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
}

/**
 * Log returns of the prices resampled to the step grid g_k = t_0 + k·stepSeconds, k = 0 … K
 * (K = gridReturnCount): the price at g_k is the last observation at or before g_k, and
 * r_k = ln(P(g_{k+1}) / P(g_k)). O(n + K).
 */
export function gridLogReturns(csv: PriceCsv, stepSeconds: number): Float64Array {
  const t = csv.timesSeconds;
  const p = csv.prices;
  const K = gridReturnCount(csv, stepSeconds);
  const out = new Float64Array(K);
  let j = 0;
  let prevLog = Math.log(p[0]);
  for (let k = 1; k <= K; k++) {
    const g = t[0] + k * stepSeconds;
    while (j + 1 < t.length && t[j + 1] <= g + 1e-9) j++;
    const lp = Math.log(p[j]);
    out[k - 1] = lp - prevLog;
    prevLog = lp;
  }
  return out;
}
