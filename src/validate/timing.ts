/**
 * Liquidation timing against the record: when liquidations and the first ADL happen relative to the steepest
 * fall, and on which side, in a simulated scenario and on Hyperliquid on 10 October 2025 (src/validate/record.ts).
 *
 * The record covers a window of the day: Hyperliquid's events from the first liquidation of the burst
 * (21:15:03 UTC, 3 min 57 s before the start of the steepest one-minute fall on Binance, 21:19) to the last
 * bucket about 12 minutes later. A simulated path is read over the same window placed around its own steepest
 * one-minute fall of the first market's index: from `beforeSeconds` before the start of that minute to
 * `afterSeconds` after it. Within the window:
 *   events        liquidation closes (each account closed, a partial slice included) plus accounts
 *                 auto-deleveraged, per step — the record's bucket counts include ADL fills too;
 *   span 98%      from the first step with an event to the first step by which 98% of the window's events have
 *                 happened (steps of stepSeconds: a 15-second step cannot resolve the record's 6-second buckets);
 *   end vs fall   that step relative to the start of the steepest minute;
 *   ADL delay     from the first step with an event to the first step with ADL (null: none in the window),
 *                 and from the start of the steepest minute to that step;
 *   long share    accounts liquidated for the first time in the window that hold a position in the first
 *                 market, long / all, by count (the record: liquidated BTC positions touched in its window).
 * Any scenario runs (a scripted replay, a replay of real candles): the steps must divide a minute.
 */
import { pathsPerBookOf } from '../scenario/sampling.js';
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import { loadScenarioFile } from '../scenario/load.js';
import { readCandleCsv } from '../scenario/candle-csv.js';
import { bookOf } from '../engine/context.js';
import { simulatePath } from '../engine/path.js';
import type { PathState } from '../engine/state.js';
import { contextFor } from '../mc/chunk.js';
import { minuteCandles, type MinuteCandles } from './replay-shape.js';
import { readCascadeTiming, readRecordPositions, recordTimingFigures, spanHolding, type CascadeTimingRecord, type TimingFigures } from './record.js';
import { validationRow, type ValidationRow } from './rows.js';
import { median } from '../stats/median.js';

/** Where the record's window lies around the steepest minute. */
export interface TimingWindow {
  /** Seconds from the window's start to the start of the steepest one-minute fall. */
  readonly beforeSeconds: number;
  /** Seconds from the start of the steepest minute to the window's end. */
  readonly afterSeconds: number;
}

/** The figures of one path (or of the record), with where the 98% point falls relative to the steepest minute. */
export interface PathTiming extends TimingFigures {
  /** Seconds from the start of the steepest one-minute fall to the step (bucket) by which 98% of events happened. */
  readonly end98VsSteepestSeconds: number;
  /** The same span measured on liquidated notional instead of events (null for the record: it has no notional). */
  readonly span98NotionalSeconds: number | null;
  /** Seconds from the start of the steepest one-minute fall to the first ADL (negative: before it); null: none. */
  readonly firstAdlVsSteepestSeconds: number | null;
}

/** Index of the minute with the steepest close-to-close fall (minute i runs from close i − 1 to close i). O(n). */
export function steepestMinute(c: MinuteCandles): number {
  let best = 1;
  for (let i = 2; i < c.close.length; i++) if (c.close[i] / c.close[i - 1] < c.close[best] / c.close[best - 1]) best = i;
  return best;
}

/** The record's window around its steepest minute (Binance one-minute candles, open times in unix seconds). */
export function recordWindow(timing: CascadeTimingRecord, candles: { timesSeconds: Float64Array; close: Float64Array; high: Float64Array; low: Float64Array }): TimingWindow & { steepestStartSeconds: number } {
  // the candle at index i opens at timesSeconds[i]: the minute from close i − 1 to close i starts then
  const i = steepestMinute(candles);
  const steepestStartSeconds = candles.timesSeconds[i];
  const b = timing.buckets;
  const width = b.length > 1 ? (b[b.length - 1].second - b[0].second) / (b.length - 1) : 0;
  return {
    steepestStartSeconds,
    beforeSeconds: steepestStartSeconds - timing.firstLiquidationSeconds,
    afterSeconds: timing.firstLiquidationSeconds + b[b.length - 1].second + width - steepestStartSeconds,
  };
}

/** The record's figures, the 98% point placed relative to the steepest minute of the candles. */
export function recordTiming(timing: CascadeTimingRecord, positions: Parameters<typeof recordTimingFigures>[1], candles: Parameters<typeof recordWindow>[1], asset: string): PathTiming {
  const f = recordTimingFigures(timing, positions, asset);
  const w = recordWindow(timing, candles);
  return {
    ...f,
    end98VsSteepestSeconds: f.span98Seconds - w.beforeSeconds,
    span98NotionalSeconds: null,
    firstAdlVsSteepestSeconds: timing.firstAdlSeconds - w.steepestStartSeconds,
  };
}

/** What a path records per step for the timing figures. */
interface StepLog {
  logF0: Float64Array;
  events: Float64Array;
  notional: Float64Array;
  adl: Uint8Array;
  long: Uint32Array;
  short: Uint32Array;
}

/**
 * Runs path `pathIndex` of `sc` through the engine (the same function a run uses, with a read-only observer)
 * and returns its timing figures over `window`; null when the window holds no liquidation. O(H · accounts).
 * @throws UserError when the scenario's step does not divide a minute
 */
export function simulatePathTiming(sc: Scenario, pathIndex: number, window: TimingWindow): PathTiming | null {
  const k = 60 / sc.stepSeconds;
  if (!(Number.isInteger(k) && k >= 1)) throw new UserError(`stepSeconds: ${sc.stepSeconds} is not allowed for the liquidation-timing comparison — it needs steps of 60 s or a divisor of 60 (the record is read minute by minute)`);
  const H = sc.horizonSteps;
  const log: StepLog = { logF0: new Float64Array(H + 1), events: new Float64Array(H + 1), notional: new Float64Array(H + 1), adl: new Uint8Array(H + 1), long: new Uint32Array(H + 1), short: new Uint32Array(H + 1) };
  const { ctx, buffers } = contextFor(sc, undefined, bookOf(pathIndex, pathsPerBookOf(sc)));
  let seen = new Uint8Array(0);
  let adlBefore = 0;
  log.logF0[0] = Math.log(sc.market.initialPriceUsd);
  const observe = (st: Readonly<PathState>): void => {
    const t = st.t;
    const { b } = st;
    log.logF0[t] = st.mkt.logF[0];
    const adl = st.events.adlAccounts - adlBefore;
    adlBefore = st.events.adlAccounts;
    log.events[t] = st.stepLiq.accounts + adl;
    log.notional[t] = st.stepLiq.notionalUsd;
    log.adl[t] = adl > 0 ? 1 : 0;
    if (seen.length < st.nAccounts) {
      const grown = new Uint8Array(Math.max(st.nAccounts, 2 * seen.length));
      grown.set(seen);
      seen = grown;
    }
    if (st.stepLiq.accounts === 0) return;
    // accounts liquidated for the first time this step, by the side of their position in the first market
    for (let a = 0; a < st.nAccounts; a++) {
      if (!b.liquidated[a] || seen[a]) continue;
      seen[a] = 1;
      for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
        if (b.posMarket[q] !== 0) continue;
        if (b.posSide[q] === 1) log.long[t]++;
        else log.short[t]++;
      }
    }
  };
  const result = simulatePath(ctx, pathIndex, buffers, false, observe);
  const last = result.summary.haltedAtStep > 0 ? result.summary.haltedAtStep : H;
  const px = Array.from(log.logF0.subarray(0, last + 1), Math.exp);
  const steep = steepestMinute(minuteCandles(px, sc.stepSeconds));
  const s0 = (steep - 1) * k; // the steepest minute runs over steps (s0, s0 + k]
  const from = Math.max(1, s0 + 1 - Math.round(window.beforeSeconds / sc.stepSeconds));
  const to = Math.min(last, s0 + Math.round(window.afterSeconds / sc.stepSeconds));
  const steps: number[] = [];
  for (let t = from; t <= to; t++) steps.push(t);
  const events = steps.map((t) => log.events[t]);
  if (!events.some((e) => e > 0)) return null;
  const first = steps[events.findIndex((e) => e > 0)];
  const span = spanHolding(steps, events);
  const notional = steps.map((t) => log.notional[t]);
  const firstAdl = steps.find((t) => t >= first && log.adl[t] === 1);
  let long = 0;
  let short = 0;
  for (const t of steps) {
    long += log.long[t];
    short += log.short[t];
  }
  const dt = sc.stepSeconds;
  return {
    span98Seconds: span * dt,
    span98NotionalSeconds: notional.some((v) => v > 0) ? spanHolding(steps, notional) * dt : null,
    end98VsSteepestSeconds: (first + span - (s0 + 1)) * dt,
    firstAdlDelaySeconds: firstAdl === undefined ? null : (firstAdl - first) * dt,
    firstAdlVsSteepestSeconds: firstAdl === undefined ? null : (firstAdl - (s0 + 1)) * dt,
    longShareByCount: long + short > 0 ? long / (long + short) : null,
    liquidatedLong: long,
    liquidatedShort: short,
  };
}

/** Bands the simulated medians must fall in (inclusive), per figure. */
export interface TimingBands {
  readonly span98Seconds: readonly [number, number];
  readonly end98VsSteepestSeconds: readonly [number, number];
  readonly firstAdlDelaySeconds: readonly [number, number];
  readonly firstAdlVsSteepestSeconds: readonly [number, number];
  readonly longShareByCount: readonly [number, number];
}

/**
 * The bands the 10 Oct 2025 replay under Hyperliquid's rules is held to (test/validate/timing.test.ts and
 * `marginlab validate`). Wide on purpose: the book is a stand-in for Hyperliquid's, and a 15-second step cannot
 * resolve the record's 6-second buckets (docs/methodology.md §11).
 */
export const HYPERLIQUID_TIMING_BANDS: TimingBands = {
  span98Seconds: [180, 540],
  end98VsSteepestSeconds: [0, 300],
  firstAdlDelaySeconds: [0, 300],
  firstAdlVsSteepestSeconds: [-300, 60],
  longShareByCount: [0.85, 1.0],
};

/** One row per figure: the record's value, the median over the simulated paths (paths without the figure left out), the band. */
export function timingRows(group: string, real: PathTiming, sims: readonly (PathTiming | null)[], bands: TimingBands): ValidationRow[] {
  const ok = sims.filter((s): s is PathTiming => s !== null);
  const of = (f: (s: PathTiming) => number | null): number[] => ok.map(f).filter((v): v is number => v !== null);
  const n = sims.length;
  const row = (figure: string, unit: ValidationRow['unit'], realValue: number | null, values: number[], band: readonly [number, number], note: string): ValidationRow =>
    validationRow({ group, figure, real: realValue ?? NaN, simulated: median(values), unit, band: { lo: band[0], hi: band[1] }, note: `${note}; median of ${values.length} of ${n} paths` });
  const spanNotional = median(of((s) => s.span98NotionalSeconds));
  return [
    row('time from the first liquidation to 98% of liquidation events', 'seconds', real.span98Seconds, of((s) => s.span98Seconds), bands.span98Seconds, `events = liquidation closes + ADL fills; the simulated span on liquidated notional is ${spanNotional === null ? 'n/a' : `${spanNotional} s`}`),
    row('98% of liquidation events done, after the start of the steepest one-minute fall', 'seconds', real.end98VsSteepestSeconds, of((s) => s.end98VsSteepestSeconds), bands.end98VsSteepestSeconds, 'negative: before it'),
    row('first ADL after the first liquidation', 'seconds', real.firstAdlDelaySeconds, of((s) => s.firstAdlDelaySeconds), bands.firstAdlDelaySeconds, 'paths without ADL in the window left out'),
    row('first ADL after the start of the steepest one-minute fall', 'seconds', real.firstAdlVsSteepestSeconds, of((s) => s.firstAdlVsSteepestSeconds), bands.firstAdlVsSteepestSeconds, 'negative: before it; the record counts ADL on all 171 coins'),
    row('liquidated positions of the first market (BTC) that were long, by count', 'share', real.longShareByCount, of((s) => s.longShareByCount), bands.longShareByCount, `record ${real.liquidatedLong} long, ${real.liquidatedShort} short`),
  ];
}

/** The record's files: Hyperliquid's cascade timing and positions, and the day's one-minute candles. */
export interface TimingRecordFiles {
  readonly timing: string;
  readonly positions: string;
  readonly candles: string;
  /** The asset of the positions file the first market stands for. */
  readonly asset: string;
}

/**
 * The whole comparison for any scenario file: the record's figures, `paths` simulated paths of the scenario
 * over the record's window around each path's steepest minute, one row per figure. O(paths · H · accounts).
 */
export function liquidationTimingRows(scenarioFile: string, files: TimingRecordFiles, paths: number, bands: TimingBands, group = '10 Oct 2025 liquidation timing (Hyperliquid)'): { rows: ValidationRow[]; real: PathTiming; sims: (PathTiming | null)[] } {
  const timing = readCascadeTiming(files.timing);
  const candles = readCandleCsv(files.candles);
  const real = recordTiming(timing, readRecordPositions(files.positions), candles, files.asset);
  const window = recordWindow(timing, candles);
  const sc = loadScenarioFile(scenarioFile);
  const sims = Array.from({ length: paths }, (_, p) => simulatePathTiming(sc, p, window));
  return { rows: timingRows(group, real, sims, bands), real, sims };
}
