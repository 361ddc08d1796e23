/**
 * Reading Hyperliquid's record of 10 October 2025 (research data in ../shared/data, never copied into the
 * repository) and the liquidation-timing figures it gives:
 *
 * - the cascade timing (JSON): `event_start`, `first_liquidation`, `first_adl` (ISO-8601), `delay_seconds`, and
 *   a `timeline` of buckets of about 6 s, `{ second, liquidations, adls }`, `second` counted from `event_start`
 *   (all coins; a bucket's `liquidations` counts the ADL fills of that bucket too: the 61 s bucket holds 11,279
 *   of each);
 * - the positions (CSV with a header): one row per user and asset touched 21:15–21:27 UTC, with `asset`,
 *   `side` (LONG/SHORT), `was_liquidated` and `was_adl` (True/False).
 *
 * Figures: the time from the first liquidation until 98% of the record's liquidation events have happened
 * (the start of the first bucket where the cumulative share reaches 98%), the delay from the first liquidation
 * to the first ADL, and the long share by count of an asset's liquidated positions.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { readBoundedFile, rethrowFs } from '../io/files.js';
import { csvHeader, excerpt, MAX_CSV_BYTES } from '../scenario/price-csv.js';

export interface TimingBucket {
  /** Seconds from the record's first event to the bucket's start. */
  readonly second: number;
  readonly liquidations: number;
  readonly adls: number;
}

export interface CascadeTimingRecord {
  /** Unix seconds (fractional) of the first liquidation. */
  readonly firstLiquidationSeconds: number;
  /** Unix seconds of the first ADL. */
  readonly firstAdlSeconds: number;
  readonly buckets: readonly TimingBucket[];
}

const TimingFileSchema = z.object({
  event_start: z.string(),
  first_liquidation: z.string(),
  first_adl: z.string(),
  delay_seconds: z.number().finite().nonnegative(),
  timeline: z
    .array(z.object({ second: z.number().finite().nonnegative(), liquidations: z.number().int().nonnegative(), adls: z.number().int().nonnegative() }))
    .min(1),
});

function readText(file: string, kind: string): string {
  try {
    return readBoundedFile(file, MAX_CSV_BYTES, kind).toString('utf8');
  } catch (e) {
    return rethrowFs(e, file, `cannot read the ${kind}`);
  }
}

function isoSeconds(file: string, field: string, v: string): number {
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new UserError(`${file}: ${field} ${excerpt(v)} is not an ISO-8601 time`);
  // Date.parse keeps milliseconds; the record gives microseconds: add what it dropped
  const micro = /\.(\d{4,6})/.exec(v);
  return ms / 1000 + (micro ? (Number(micro[1].padEnd(6, '0')) % 1000) / 1e6 : 0);
}

/**
 * Reads the cascade-timing file. O(buckets).
 * @throws UserError naming the file and what is wrong (not JSON, a missing or malformed field, buckets out of order)
 */
export function readCascadeTiming(file: string): CascadeTimingRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file, 'cascade-timing file'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: not JSON — expected Hyperliquid's cascade timing (event_start, first_liquidation, first_adl, delay_seconds, timeline)`);
  }
  const r = TimingFileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UserError(`${file}: ${i.path.join('.') || '(top level)'}: ${i.message} — expected event_start, first_liquidation, first_adl, delay_seconds and a timeline of { second, liquidations, adls }`);
  }
  const d = r.data;
  for (let k = 1; k < d.timeline.length; k++) {
    if (!(d.timeline[k].second > d.timeline[k - 1].second)) throw new UserError(`${file}: timeline[${k}].second ${d.timeline[k].second} is not after the previous bucket's — buckets must be in time order`);
  }
  return {
    firstLiquidationSeconds: isoSeconds(file, 'first_liquidation', d.first_liquidation),
    firstAdlSeconds: isoSeconds(file, 'first_adl', d.first_adl),
    buckets: d.timeline,
  };
}

export interface RecordPosition {
  readonly asset: string;
  readonly side: 1 | -1;
  readonly liquidated: boolean;
  readonly adl: boolean;
}

/**
 * Reads the positions file (header row; columns asset, side, was_liquidated, was_adl, others ignored). O(rows).
 * @throws UserError naming the file and line of the first problem
 */
export function readRecordPositions(file: string): RecordPosition[] {
  const text = readText(file, 'positions CSV');
  const { lines, headerIndex, header, fail } = csvHeader(text, file, 'the file is empty — expected a header with asset, side, was_liquidated, was_adl');
  const col = (n: string): number => {
    const i = header.indexOf(n);
    if (i < 0) fail(headerIndex + 1, `the header has no ${n} column — expected asset, side, was_liquidated, was_adl`);
    return i;
  };
  const [ai, si, li, di] = ['asset', 'side', 'was_liquidated', 'was_adl'].map(col);
  const bool = (cell: string, line: number, name: string): boolean => {
    if (/^true$/i.test(cell)) return true;
    if (/^false$/i.test(cell) || cell === '') return false;
    return fail(line, `${name} ${excerpt(cell)} is not True or False`);
  };
  const out: RecordPosition[] = [];
  for (let k = headerIndex + 1; k < lines.length; k++) {
    if (lines[k].trim() === '') continue;
    const cells = lines[k].split(',');
    const line = k + 1;
    if (cells.length !== header.length) fail(line, `expected ${header.length} comma-separated values, found ${cells.length}`);
    const side = cells[si].trim().toUpperCase();
    if (side !== 'LONG' && side !== 'SHORT') fail(line, `side ${excerpt(cells[si])} is not LONG or SHORT`);
    out.push({ asset: cells[ai].trim(), side: side === 'LONG' ? 1 : -1, liquidated: bool(cells[li].trim(), line, 'was_liquidated'), adl: bool(cells[di].trim(), line, 'was_adl') });
  }
  return out;
}

/** The liquidation-timing figures, in seconds and shares; the same shape for the record and a simulated path. */
export interface TimingFigures {
  /** From the first liquidation event to the start of the bucket (or step) in which 98% of the events have happened. */
  readonly span98Seconds: number;
  /** From the first liquidation event to the first ADL; null when there was none. */
  readonly firstAdlDelaySeconds: number | null;
  /** Liquidated positions of the asset (market) that were long, by count; null when none was liquidated. */
  readonly longShareByCount: number | null;
  /** Counts behind the long share. */
  readonly liquidatedLong: number;
  readonly liquidatedShort: number;
}

/** The share of events the span covers. */
export const SPAN_SHARE = 0.98;

/**
 * Time from the first event to the start of the first bucket whose cumulative count reaches `share` of all
 * events: buckets are (time from the first event's bucket, count). O(n).
 * @throws RangeError when there are no events
 */
export function spanHolding(times: readonly number[], counts: readonly number[], share = SPAN_SHARE): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('spanHolding: no events');
  const first = counts.findIndex((c) => c > 0);
  let cum = 0;
  for (let i = first; i < counts.length; i++) {
    cum += counts[i];
    if (cum >= share * total * (1 - 1e-12)) return times[i] - times[first];
  }
  return times[times.length - 1] - times[first];
}

/** The record's figures for one asset's positions (BTC on the day). O(buckets + positions). */
export function recordTimingFigures(timing: CascadeTimingRecord, positions: readonly RecordPosition[], asset: string): TimingFigures {
  const liq = positions.filter((p) => p.asset === asset && p.liquidated);
  const long = liq.filter((p) => p.side === 1).length;
  return {
    span98Seconds: spanHolding(
      timing.buckets.map((b) => b.second),
      timing.buckets.map((b) => b.liquidations),
    ),
    firstAdlDelaySeconds: timing.firstAdlSeconds - timing.firstLiquidationSeconds,
    longShareByCount: liq.length ? long / liq.length : null,
    liquidatedLong: long,
    liquidatedShort: liq.length - long,
  };
}
