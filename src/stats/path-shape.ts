/**
 * The shape of a price path, in the figures a risk committee quotes about a crash: drawdown on closes and
 * intrabar, the worst fall within a window, the largest one-step move, the widest one-step range, the rebound
 * after the trough. The same functions measure the record (real one-minute candles) and the model's paths, so a
 * replay or a calm scenario can be checked against the market figure by figure.
 *
 * Conventions: `close[i]` is the price at the end of step i; `high[i]`/`low[i]` the extremes within step i
 * (pass the closes again when a path has no intrabar extremes). Windows are in steps. Moves are simple returns
 * (−0.10 is a 10% fall). Every function is O(n) or O(n·k) in the number of steps n and the window k, and throws a
 * RangeError on fewer than two prices or a window below 1.
 */

/** A fall from a peak to a later trough: where, and how deep (a simple return, ≤ 0). */
export interface Fall {
  /** Step of the peak. */
  readonly peak: number;
  /** Step of the trough (≥ peak). */
  readonly trough: number;
  /** trough price / peak price − 1 (0 when the series never falls). */
  readonly move: number;
}

function checkSeries(name: string, x: ArrayLike<number>): void {
  if (x.length < 2) throw new RangeError(`${name}: at least two prices are needed, got ${x.length}`);
}

function checkWindow(k: number): void {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`window must be a whole number of steps ≥ 1, got ${k}`);
}

/**
 * The largest peak-to-trough fall: max over i ≤ j of 1 − low[j] / high[i] (on closes, pass the closes for both).
 * O(n).
 * @example maxDrawdown([100, 90, 95, 80, 120]) // { peak: 0, trough: 3, move: -0.2 }
 */
export function maxDrawdown(high: ArrayLike<number>, low: ArrayLike<number> = high): Fall {
  checkSeries('maxDrawdown', high);
  let peak = 0;
  let best: Fall = { peak: 0, trough: 0, move: 0 };
  for (let j = 0; j < low.length; j++) {
    if (high[j] > high[peak]) peak = j;
    // A step's own low can follow its own high: the intrabar drawdown counts it (peak ≤ trough).
    const move = low[j] / high[peak] - 1;
    if (move < best.move) best = { peak, trough: j, move };
  }
  return best;
}

/**
 * The worst fall within any window of at most k steps: min over t and 1 ≤ s ≤ k of close[t + s] / close[t] − 1,
 * with where it starts and ends ("the worst 45 minutes fell 11.6%, in 36 minutes"). O(n·k).
 */
export function worstFallWithin(close: ArrayLike<number>, k: number): Fall {
  checkSeries('worstFallWithin', close);
  checkWindow(k);
  let best: Fall = { peak: 0, trough: 0, move: 0 };
  for (let t = 0; t < close.length - 1; t++) {
    const end = Math.min(close.length - 1, t + k);
    for (let s = t + 1; s <= end; s++) {
      const move = close[s] / close[t] - 1;
      if (move < best.move) best = { peak: t, trough: s, move };
    }
  }
  return best;
}

/**
 * The largest rise within any window of at most k steps (the mirror of `worstFallWithin`: a short squeeze).
 * O(n·k).
 */
export function largestRiseWithin(close: ArrayLike<number>, k: number): { readonly from: number; readonly to: number; readonly move: number } {
  checkSeries('largestRiseWithin', close);
  checkWindow(k);
  let best = { from: 0, to: 0, move: 0 };
  for (let t = 0; t < close.length - 1; t++) {
    const end = Math.min(close.length - 1, t + k);
    for (let s = t + 1; s <= end; s++) {
      const move = close[s] / close[t] - 1;
      if (move > best.move) best = { from: t, to: s, move };
    }
  }
  return best;
}

/** The largest one-step moves close to close: the worst fall (≤ 0) and the largest rise (≥ 0). O(n). */
export function largestStepMoves(close: ArrayLike<number>): { readonly down: number; readonly up: number } {
  checkSeries('largestStepMoves', close);
  let down = 0;
  let up = 0;
  for (let i = 1; i < close.length; i++) {
    const r = close[i] / close[i - 1] - 1;
    if (r < down) down = r;
    if (r > up) up = r;
  }
  return { down, up };
}

/** The widest range within one step: max of high[i] / low[i] − 1 (0 on closes alone). O(n). */
export function widestStepRange(high: ArrayLike<number>, low: ArrayLike<number>): number {
  checkSeries('widestStepRange', high);
  let w = 0;
  for (let i = 0; i < high.length; i++) w = Math.max(w, high[i] / low[i] - 1);
  return w;
}

/**
 * The share of a fall regained within k steps of its trough, on closes: (max close in (trough, trough + k] −
 * trough close) / (peak close − trough close); 0 for no fall or no step after the trough, and it may exceed 1.
 * O(k).
 */
export function reboundWithin(close: ArrayLike<number>, fall: Fall, k: number): number {
  checkWindow(k);
  const depth = close[fall.peak] - close[fall.trough];
  if (!(depth > 0)) return 0;
  let top = close[fall.trough];
  const end = Math.min(close.length - 1, fall.trough + k);
  for (let s = fall.trough + 1; s <= end; s++) top = Math.max(top, close[s]);
  return (top - close[fall.trough]) / depth;
}

/** The figures of one crash, as the README and the validation page quote them. */
export interface CrashShape {
  /** Peak-to-trough fall on closes and intrabar (simple returns, ≤ 0). */
  readonly drawdownClose: Fall;
  readonly drawdownIntrabar: Fall;
  /** Worst falls within 15 and 45 steps. */
  readonly worst15: Fall;
  readonly worst45: Fall;
  /** Largest one-step fall and rise, close to close. */
  readonly stepMoves: { readonly down: number; readonly up: number };
  /** Widest one-step range, high / low − 1. */
  readonly widestRange: number;
  /** Share of the close-to-close fall regained within 30 and 120 steps of the trough. */
  readonly rebound30: number;
  readonly rebound120: number;
}

/** All of `CrashShape` at once, for candles (or closes: pass them for high and low). O(n·45). */
export function crashShape(close: ArrayLike<number>, high: ArrayLike<number> = close, low: ArrayLike<number> = close): CrashShape {
  const drawdownClose = maxDrawdown(close);
  return {
    drawdownClose,
    drawdownIntrabar: maxDrawdown(high, low),
    worst15: worstFallWithin(close, 15),
    worst45: worstFallWithin(close, 45),
    stepMoves: largestStepMoves(close),
    widestRange: widestStepRange(high, low),
    rebound30: reboundWithin(close, drawdownClose, 30),
    rebound120: reboundWithin(close, drawdownClose, 120),
  };
}
