/**
 * A stress replay's price path against the record's, figure by figure: the same path-shape statistics
 * (src/stats/path-shape.ts) on the real one-minute candles and on the replay's exogenous (index) paths resampled
 * to one-minute candles.
 *
 * A model path has no candles: its one-minute candle is made of the path's own points within the minute (the
 * open, the end of each step, the close), so "intrabar" on a model path means the path at its own step
 * resolution — four points a minute at 15-second steps, none beyond the close at one-minute steps (then the
 * intrabar figures equal the close figures and the widest range is the largest one-minute move).
 *
 * Figures (windows in minutes, moves as simple returns, rebounds as shares of the fall):
 *   drawdown-close, drawdown-intrabar   peak-to-trough fall on closes and on highs/lows
 *   worst-15m, worst-45m                worst fall within 15 and 45 minutes; worst-45m-minutes: how long it took
 *   largest-1m-fall, largest-1m-rise    largest one-minute moves, close to close
 *   widest-1m-range                     widest one-minute range, high / low − 1
 *   rebound-30m, rebound-120m           share of the close-to-close fall regained within 30 and 120 minutes
 *   (two-leg crashes)
 *   fast-fall-minutes                   how long the worst 15 minutes took
 *   leg1                                fall from the highest close before the worst 15 minutes to their trough
 *   plateau-minutes                     from that trough to the start of leg 2
 *   leg2, leg2-minutes                  fall from the highest close within the 300 minutes before the overall
 *                                       trough (close) to that trough, and how long it took
 */
import type { Scenario } from '../scenario/schema.js';
import { createPriceProcess, loadPriceData } from '../price/process.js';
import { crashShape, maxDrawdown } from '../stats/path-shape.js';
import { validationRow, type ValidationRow, type ValidationUnit } from './rows.js';
import { median } from '../stats/median.js';

/** One-minute candles: index 0 is the opening price (a candle of one point), index i the i-th minute. */
export interface MinuteCandles {
  readonly close: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
}

/**
 * Groups a path's prices (prices[0] the start, prices[t] after step t) into one-minute candles. The step must
 * divide a minute (1 … 60 s, a divisor of 60); trailing steps that do not fill a minute are dropped. O(n).
 * @throws RangeError for a step that does not divide a minute
 */
export function minuteCandles(prices: ArrayLike<number>, stepSeconds: number): MinuteCandles {
  const k = 60 / stepSeconds;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`minuteCandles: a step of ${stepSeconds} s does not divide a minute — the one-minute figures need steps of 60 s or a divisor of 60`);
  const n = Math.floor((prices.length - 1) / k);
  const close = new Float64Array(n + 1);
  const high = new Float64Array(n + 1);
  const low = new Float64Array(n + 1);
  close[0] = high[0] = low[0] = prices[0];
  for (let i = 1; i <= n; i++) {
    let hi = prices[(i - 1) * k];
    let lo = hi;
    for (let s = (i - 1) * k + 1; s <= i * k; s++) {
      if (prices[s] > hi) hi = prices[s];
      if (prices[s] < lo) lo = prices[s];
    }
    close[i] = prices[i * k];
    high[i] = hi;
    low[i] = lo;
  }
  return { close, high, low };
}

/** Market `market`'s exogenous (index) price after each step 0 … horizonSteps of path `pathIndex`. O(H·K). */
export function exogenousPrices(sc: Scenario, pathIndex: number, market = 0, data = loadPriceData(sc)): Float64Array {
  const markets = [sc.market, ...sc.otherMarkets];
  const proc = createPriceProcess(sc, pathIndex, data);
  const out = new Float64Array(markets.length);
  const px = new Float64Array(sc.horizonSteps + 1);
  let x = Math.log(markets[market].initialPriceUsd);
  px[0] = Math.exp(x);
  for (let t = 1; t <= sc.horizonSteps; t++) {
    proc.next(out);
    x += out[market];
    px[t] = Math.exp(x);
  }
  return px;
}

export type ShapeFigure =
  | 'drawdown-close'
  | 'drawdown-intrabar'
  | 'worst-15m'
  | 'worst-45m'
  | 'worst-45m-minutes'
  | 'largest-1m-fall'
  | 'largest-1m-rise'
  | 'widest-1m-range'
  | 'rebound-30m'
  | 'rebound-120m'
  | 'fast-fall-minutes'
  | 'leg1'
  | 'plateau-minutes'
  | 'leg2'
  | 'leg2-minutes';

export const SHAPE_FIGURES: Record<ShapeFigure, { readonly words: string; readonly unit: ValidationUnit }> = {
  'drawdown-close': { words: 'peak-to-trough fall, closes', unit: 'pct' },
  'drawdown-intrabar': { words: 'peak-to-trough fall, intrabar', unit: 'pct' },
  'worst-15m': { words: 'worst 15-minute fall', unit: 'pct' },
  'worst-45m': { words: 'worst 45-minute fall', unit: 'pct' },
  'worst-45m-minutes': { words: 'minutes the worst 45-minute fall took', unit: 'minutes' },
  'largest-1m-fall': { words: 'largest one-minute fall', unit: 'pct' },
  'largest-1m-rise': { words: 'largest one-minute rise', unit: 'pct' },
  'widest-1m-range': { words: 'widest one-minute range', unit: 'pct' },
  'rebound-30m': { words: 'share of the fall regained within 30 minutes', unit: 'share' },
  'rebound-120m': { words: 'share of the fall regained within 120 minutes', unit: 'share' },
  'fast-fall-minutes': { words: 'minutes the worst 15-minute fall took', unit: 'minutes' },
  leg1: { words: 'leg 1: fall to the end of the fast fall', unit: 'pct' },
  'plateau-minutes': { words: 'plateau: minutes from leg 1’s trough to leg 2’s start', unit: 'minutes' },
  leg2: { words: 'leg 2: fall within the 300 minutes before the trough', unit: 'pct' },
  'leg2-minutes': { words: 'minutes leg 2 took', unit: 'minutes' },
};

/** Minutes before the overall trough in which leg 2's start is looked for. */
export const LEG2_LOOKBACK_MINUTES = 300;

/** Every figure of one path's (or the record's) one-minute candles. O(n·45). */
export function shapeFigures(c: MinuteCandles): Record<ShapeFigure, number> {
  const s = crashShape(c.close, c.high, c.low);
  // two-leg figures: leg 1 ends at the worst 15 minutes' trough; leg 2 ends at the overall trough
  const fast = s.worst15;
  const leg1 = maxDrawdown(c.close.subarray(0, fast.trough + 1));
  const end = s.drawdownClose.trough;
  let start = Math.max(fast.trough, end - LEG2_LOOKBACK_MINUTES);
  for (let i = start; i <= end; i++) if (c.close[i] > c.close[start]) start = i;
  return {
    'drawdown-close': s.drawdownClose.move,
    'drawdown-intrabar': s.drawdownIntrabar.move,
    'worst-15m': s.worst15.move,
    'worst-45m': s.worst45.move,
    'worst-45m-minutes': s.worst45.trough - s.worst45.peak,
    'largest-1m-fall': s.stepMoves.down,
    'largest-1m-rise': s.stepMoves.up,
    'widest-1m-range': s.widestRange,
    'rebound-30m': s.rebound30,
    'rebound-120m': s.rebound120,
    'fast-fall-minutes': fast.trough - fast.peak,
    leg1: leg1.move,
    'plateau-minutes': start - fast.trough,
    leg2: c.close[end] / c.close[start] - 1,
    'leg2-minutes': end - start,
  };
}

/** A band a figure must fall in (inclusive, two-sided). */
export interface ShapeBand {
  readonly figure: ShapeFigure;
  readonly lo: number;
  readonly hi: number;
}

/**
 * The bands a scenario file states in its comments, one a line: `# record-band: <figure> <lo> <hi>`.
 * @throws RangeError on an unknown figure or lo > hi
 */
export function bandsOf(text: string): ShapeBand[] {
  return [...text.matchAll(/^# record-band: (\S+) (-?[\d.]+) (-?[\d.]+)\s*$/gm)].map((m) => {
    const figure = m[1] as ShapeFigure;
    if (!(figure in SHAPE_FIGURES)) throw new RangeError(`record-band: unknown figure ${m[1]} (allowed: ${Object.keys(SHAPE_FIGURES).join(', ')})`);
    const lo = Number(m[2]);
    const hi = Number(m[3]);
    if (!(lo <= hi)) throw new RangeError(`record-band ${figure}: ${lo} > ${hi}`);
    return { figure, lo, hi };
  });
}


/** The figures of the first market's exogenous path on paths 0 … paths − 1 of a replay. O(paths·H·45). */
export function replayFigures(sc: Scenario, paths: number): Record<ShapeFigure, number>[] {
  const data = loadPriceData(sc);
  return Array.from({ length: paths }, (_, p) => shapeFigures(minuteCandles(exogenousPrices(sc, p, 0, data), sc.stepSeconds)));
}

/**
 * One validation row per band: the record's figure, the replay's median over paths, the band, and in the note
 * the share of paths inside the band.
 */
export function replayShapeRows(group: string, record: MinuteCandles, perPath: readonly Record<ShapeFigure, number>[], bands: readonly ShapeBand[]): ValidationRow[] {
  const real = shapeFigures(record);
  return bands.map(({ figure, lo, hi }) => {
    const values = perPath.map((f) => f[figure]);
    const inside = values.filter((v) => v >= lo && v <= hi).length;
    return validationRow({
      group,
      figure: SHAPE_FIGURES[figure].words,
      real: real[figure],
      simulated: values.length ? median(values) : null,
      unit: SHAPE_FIGURES[figure].unit,
      band: { lo, hi },
      note: `median of ${values.length} exogenous paths; ${inside} of ${values.length} inside the band`,
    });
  });
}
