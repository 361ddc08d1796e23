/**
 * The `csv` price model's history on the step grid, from either kind of file it reads:
 *
 * - prices (`timestamp,price`, src/scenario/price-csv.ts): resampled to the grid g_k = t_0 + k·stepSeconds
 *   (last price at or before each point), exactly as before candles were accepted;
 * - candles (OHLC, src/scenario/candle-csv.ts), `candles: intrabar` (the default): each candle of interval Δ
 *   is three steps of Δ/3 — open → first extreme → second extreme → close, the low first when close ≥ open
 *   and the high first otherwise — so the path visits every candle's low and high. A missing candle (a gap
 *   of whole intervals) is three flat steps per interval; the next candle's first step carries the jump from
 *   the last close to its first extreme;
 * - candles, `candles: closes`: the closes alone, at each candle's close time (open time + Δ), after the first
 *   candle's open at its open time, resampled to a grid of stepSeconds ≥ Δ like prices.
 *
 * `replayFrom` starts the history at the first candle (or price) at or after the given time.
 *
 * The file's layout is read from its first non-blank line (`csvLayout`): Binance kline rows without a header,
 * or a header naming open, high, low and close, are candles; anything else is read as prices.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { rethrowFs } from '../io/files.js';
import { readCandleCsv, type Candles } from './candle-csv.js';
import { excerpt, gridLogReturns, gridReturnCount, MAX_GRID_RETURNS, medianSpacingSeconds, parseTimestamp, readPriceCsv, type PriceCsv } from './price-csv.js';
import type { Scenario } from './schema.js';

/** A file the csv model reads: prices or candles. */
export type MarketCsv = { readonly layout: 'prices'; readonly prices: PriceCsv } | { readonly layout: 'candles'; readonly candles: Candles };

type CsvConfig = Extract<Scenario['market']['priceModel'], { kind: 'csv' }>;
type Fail = (field: string, value: unknown, allowed: string) => never;

/** Steps per candle in the intrabar replay: open → first extreme, → second extreme, → close. */
export const STEPS_PER_CANDLE = 3;

/**
 * 'candles' when the first non-blank line starts with a number (Binance klines without a header) or is a
 * header naming `open`, `high`, `low` and `close` but no `price`; else 'prices' (whose reader explains a
 * header it cannot read).
 */
export function csvLayout(firstBytes: string): 'prices' | 'candles' {
  const text = firstBytes.charCodeAt(0) === 0xfeff ? firstBytes.slice(1) : firstBytes;
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const header = line.split(',').map((h) => h.trim().toLowerCase().replace(/^"(.*)"$/, '$1'));
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(header[0])) return 'candles';
  const ohlc = ['open', 'high', 'low', 'close'].every((c) => header.includes(c));
  return ohlc && !header.includes('price') ? 'candles' : 'prices';
}

/**
 * Reads a csv model's file as prices or candles (each reader caches by path, size and times). `source`, when
 * given, is added to the missing-file message: where to get the file.
 * @throws UserError when the file is missing, unreadable or malformed
 */
export function readMarketCsv(absFile: string, source?: string): MarketCsv {
  let head: string | undefined;
  try {
    // a device, pipe or socket is never opened here: the price reader refuses it with its own message
    if (statSync(absFile).isFile()) {
      const fd = openSync(absFile, 'r');
      try {
        const buf = Buffer.alloc(4096);
        head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`${absFile}: price CSV file not found${source ? ` — this scenario replays data you supply: ${source}` : ''}`);
    }
    return rethrowFs(e, absFile, 'cannot read the price CSV');
  }
  return head === undefined || csvLayout(head) === 'prices' ? { layout: 'prices', prices: readPriceCsv(absFile) } : { layout: 'candles', candles: readCandleCsv(absFile) };
}

/** The candle interval Δ: the median spacing of the open times, in seconds. O(n log n). */
export function candleIntervalSeconds(c: Candles): number {
  return medianSpacingSeconds({ file: c.file, sha256: c.sha256, timesSeconds: c.timesSeconds, prices: c.close });
}

/** The closes of candles as prices at their close times (open time + Δ): what `fit` reads from a candle file. O(n). */
export function candleCloses(c: Candles): PriceCsv {
  const dt = candleIntervalSeconds(c);
  return { file: c.file, sha256: c.sha256, timesSeconds: c.timesSeconds.map((t) => t + dt), prices: c.close };
}

/** The prices of a csv file: its prices, or its candles' closes (`candleCloses`). */
export function pricesOf(csv: MarketCsv): PriceCsv {
  return csv.layout === 'prices' ? csv.prices : candleCloses(csv.candles);
}

/** An ISO-8601 or unix-seconds time as unix seconds. */
function timeSeconds(text: string, at: string, fail: Fail): number {
  const t = parseTimestamp(text.trim());
  if (typeof t === 'string') fail(`${at}.replayFrom`, text, `must be a time in ISO-8601 (e.g. 2025-10-10T20:00:00Z) or unix seconds: ${t}`);
  return t as number;
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/** Index of the first time ≥ from, or fail naming the file's span. */
function firstAtOrAfter(times: Float64Array, from: number, text: string, at: string, fail: Fail): number {
  let i = 0;
  while (i < times.length && times[i] < from - 1e-9) i++;
  if (i >= times.length - 1) {
    fail(`${at}.replayFrom`, text, `must be a time before the file's last row: ${at}.file spans ${iso(times[0])} to ${iso(times[times.length - 1])}`);
  }
  return i;
}

/** The csv model's history on the step grid, from the replay's start. */
export interface CsvHistory {
  /** Log returns r_0 … r_{N−1}: r_k moves the price from step k to step k + 1. */
  readonly returns: Float64Array;
  /** Steps per row of the file: 3 for intrabar candles (a random replay start lands on a whole candle), else 1. */
  readonly stepsPerRow: number;
}

/**
 * The history of `csv` under the model `pm` at `stepSeconds`, checked: `candles` only with a candle file;
 * intrabar needs stepSeconds = Δ/3 and open times on the Δ grid, closes needs stepSeconds ≥ Δ; replayFrom only
 * with replay from the first step; at most `MAX_GRID_RETURNS` steps. `at` is the model's field
 * (market.priceModel). O(n + N).
 * @throws UserError (through `fail`) naming the field, the value and what is allowed
 */
export function csvHistory(csv: MarketCsv, pm: CsvConfig, stepSeconds: number, at: string, fail: Fail): CsvHistory {
  if (pm.replayFrom !== undefined && (pm.mode !== 'replay' || pm.replayStart !== 'first')) {
    fail(`${at}.replayFrom`, pm.replayFrom, `is read only with mode: replay and replayStart: first (here mode ${pm.mode}, replayStart ${pm.replayStart}); remove it or replay from a given time`);
  }
  const from = pm.replayFrom === undefined ? undefined : timeSeconds(pm.replayFrom, at, fail);
  if (csv.layout === 'prices') {
    if (pm.candles !== undefined) fail(`${at}.candles`, pm.candles, `is read only with a file of OHLC candles, and ${at}.file holds timestamp,price rows; remove it`);
    let p = csv.prices;
    checkSpacing(medianSpacingSeconds(p), stepSeconds, 'the prices', at, fail);
    if (from !== undefined) {
      const i = firstAtOrAfter(p.timesSeconds, from, pm.replayFrom!, at, fail);
      p = { ...p, timesSeconds: p.timesSeconds.subarray(i), prices: p.prices.subarray(i) };
    }
    checkCount(gridReturnCount(p, stepSeconds), stepSeconds, at, fail);
    return { returns: gridLogReturns(p, stepSeconds), stepsPerRow: 1 };
  }
  const c = csv.candles;
  const dt = candleIntervalSeconds(c);
  const t = c.timesSeconds;
  const start = from === undefined ? 0 : firstAtOrAfter(t, from, pm.replayFrom!, at, fail);
  if ((pm.candles ?? 'intrabar') === 'closes') {
    checkSpacing(dt, stepSeconds, 'the candles', at, fail);
    const n = c.close.length - start;
    const times = new Float64Array(n + 1);
    const prices = new Float64Array(n + 1);
    times[0] = t[start];
    prices[0] = c.open[start];
    for (let i = 0; i < n; i++) {
      times[i + 1] = t[start + i] + dt;
      prices[i + 1] = c.close[start + i];
    }
    const p: PriceCsv = { file: c.file, sha256: c.sha256, timesSeconds: times, prices };
    checkCount(gridReturnCount(p, stepSeconds), stepSeconds, at, fail);
    return { returns: gridLogReturns(p, stepSeconds), stepsPerRow: 1 };
  }
  const sub = dt / STEPS_PER_CANDLE;
  if (Math.abs(stepSeconds - sub) > 1e-6 * dt) {
    fail(
      'stepSeconds',
      stepSeconds,
      `must be the candle interval / 3 = ${sub} s: ${at}.file holds ${dt}-second candles, each replayed as three steps (open → first extreme → second extreme → close); or set ${at}.candles: closes to replay the closes on a grid of stepSeconds ≥ ${dt}`,
    );
  }
  // whole candle slots from the replay's first candle; open times must sit on the interval grid
  const slots = new Float64Array(t.length - start);
  for (let i = start; i < t.length; i++) {
    const k = (t[i] - t[start]) / dt;
    const r = Math.round(k);
    if (Math.abs(k - r) > 1e-6) fail(`${at}.file`, iso(t[i]), `every candle must open a whole number of intervals (${dt} s, the median spacing) after the first: the candle at this time does not — a file mixing intervals cannot be replayed intrabar`);
    slots[i - start] = r;
  }
  const N = (slots[slots.length - 1] + 1) * STEPS_PER_CANDLE;
  checkCount(N, stepSeconds, at, fail);
  const out = new Float64Array(N);
  let prev = Math.log(c.open[start]);
  for (let i = start; i < t.length; i++) {
    const k = slots[i - start] * STEPS_PER_CANDLE;
    const lowFirst = c.close[i] >= c.open[i];
    const a = Math.log(lowFirst ? c.low[i] : c.high[i]);
    const b = Math.log(lowFirst ? c.high[i] : c.low[i]);
    const z = Math.log(c.close[i]);
    out[k] = a - prev;
    out[k + 1] = b - a;
    out[k + 2] = z - b;
    prev = z;
  }
  return { returns: out, stepsPerRow: STEPS_PER_CANDLE };
}

function checkSpacing(spacing: number, stepSeconds: number, what: string, at: string, fail: Fail): void {
  if (stepSeconds < spacing * (1 - 1e-9)) {
    fail('stepSeconds', stepSeconds, `must be at least the median spacing of ${what} in ${at}.file (${spacing} s); the CSV is resampled to the step grid, never interpolated`);
  }
}

function checkCount(n: number, stepSeconds: number, at: string, fail: Fail): void {
  if (!(n <= MAX_GRID_RETURNS)) {
    fail(
      `${at}.file`,
      `${n} steps`,
      `the prices span ${n} steps of stepSeconds = ${stepSeconds} from the first to the last timestamp, and at most ${MAX_GRID_RETURNS} are allowed (the history is resampled to the step grid in memory) — look for a gap or a wrong timestamp, or use a larger stepSeconds`,
    );
  }
}

/** A fail that throws the one-line UserError `field: value is not allowed — allowed` (as scenario checks do). */
export function failUser(field: string, value: unknown, allowed: string): never {
  throw new UserError(`${field}: ${typeof value === 'string' ? excerpt(value, 80) : String(value)} is not allowed — ${allowed}`);
}
