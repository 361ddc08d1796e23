/**
 * Whether a run's headline figures are known to a stated precision (`run --precision`, scenario
 * `sampling.precision`), and how many paths would get them there.
 *
 * The headline figures are the run verdict's scorecard: P(bad debt), mean bad debt, bad-debt VaR 99% and
 * ES 99%, P(insurance fund exhausted), the mean share of traders liquidated and the mean liquidated
 * notional. Each is classified:
 *
 *   met    its 95% interval is closed, it is not thin, and its relative half-width
 *          max(upper − estimate, estimate − lower) / |estimate| is at most the target
 *          (an interval of zero width, e.g. VaR 99% = 0 bounded by 0, is met);
 *   zero   no path of the run has the event the figure measures (no bad debt, the fund never ran out):
 *          a relative precision does not apply to a zero, and the figure's probability's upper bound is
 *          what the run can say — it does not hold the run back;
 *   thin   it rests on too few tail or non-zero paths, or a bound is open (src/stats/ci.ts `TailCount`);
 *   wide   bounded, but wider than the target.
 *
 * A run is at its target when no figure is thin or wide. The paths a figure needs are projected from the
 * 1/√n law (n·(h/target)² for a wide one, h its relative half-width) or, for a thin one, the count its
 * tail needs (`TailCount.pathsNeeded`). O(1) per figure.
 */
import type { Aggregates } from './aggregate.js';
import type { Estimate } from './ci.js';

export type PrecisionStatus = 'met' | 'zero' | 'thin' | 'wide';

export interface FigurePrecision {
  /** Dotted key of the figure in `aggregates` (as the run summary names it). */
  key: string;
  label: string;
  estimate: number;
  lower: number | null;
  upper: number | null;
  /** max(upper − estimate, estimate − lower) / |estimate|; null when a bound is open or the estimate is 0. */
  relativeHalfWidth: number | null;
  status: PrecisionStatus;
  /** Paths the run would need for this figure (projected); null when met or zero. */
  pathsNeeded: number | null;
}

export interface PrecisionCheck {
  /** True when no figure is thin or wide. */
  met: boolean;
  figures: FigurePrecision[];
  /** The largest projection over the figures that are not met; null when met. */
  pathsNeeded: number | null;
}

/** The headline figures, in the order the run's scorecard lists them. */
export const HEADLINE_FIGURES: readonly { key: string; label: string; of: (a: Aggregates) => Estimate; event: 'badDebt' | 'fund' | null }[] = [
  { key: 'probBadDebt', label: 'P(bad debt > 0)', of: (a) => a.probBadDebt, event: 'badDebt' },
  { key: 'badDebtUsd.mean', label: 'mean bad debt per path', of: (a) => a.badDebtUsd.mean, event: 'badDebt' },
  { key: 'badDebtUsd.var99', label: 'bad-debt VaR 99%', of: (a) => a.badDebtUsd.var99, event: 'badDebt' },
  { key: 'badDebtUsd.es99', label: 'bad-debt ES 99%', of: (a) => a.badDebtUsd.es99, event: 'badDebt' },
  { key: 'probFundExhausted', label: 'P(insurance fund exhausted)', of: (a) => a.probFundExhausted, event: 'fund' },
  { key: 'fractionTradersLiquidated.mean', label: 'traders liquidated (mean share)', of: (a) => a.fractionTradersLiquidated.mean, event: null },
  { key: 'liquidatedNotionalUsd.mean', label: 'liquidated notional per path', of: (a) => a.liquidatedNotionalUsd.mean, event: null },
];

/** Relative half-width of an estimate's interval: the larger side over |estimate|; 0 for a zero-width interval; null when open or the estimate is 0 with width. */
export function relativeHalfWidth(e: Pick<Estimate, 'estimate' | 'lower' | 'upper'>): number | null {
  if (e.lower === null || e.upper === null) return null;
  const h = Math.max(e.upper - e.estimate, e.estimate - e.lower, 0);
  if (h === 0) return 0;
  return e.estimate === 0 ? null : h / Math.abs(e.estimate);
}

/**
 * Classifies every headline figure of `a` against `target` (a relative half-width in (0, 1]).
 * @throws RangeError when the target is not in (0, 1]
 */
export function checkPrecision(a: Aggregates, target: number): PrecisionCheck {
  if (!(target > 0 && target <= 1)) throw new RangeError(`checkPrecision: target must be in (0, 1], got ${target}`);
  const n = a.paths;
  const none = { badDebt: (a.probBadDebt.tail?.nonZero ?? 1) === 0 && a.probBadDebt.estimate === 0, fund: (a.probFundExhausted.tail?.nonZero ?? 1) === 0 && a.probFundExhausted.estimate === 0 };
  const figures = HEADLINE_FIGURES.map(({ key, label, of, event }): FigurePrecision => {
    const e = of(a);
    const rhw = relativeHalfWidth(e);
    const base = { key, label, estimate: e.estimate, lower: e.lower, upper: e.upper, relativeHalfWidth: rhw };
    if (event !== null && none[event]) return { ...base, status: 'zero', pathsNeeded: null };
    if (e.tail?.thin || rhw === null) {
      const need = e.tail?.pathsNeeded ?? null;
      return { ...base, status: 'thin', pathsNeeded: need !== null && need > n ? need : 2 * n };
    }
    if (rhw <= target) return { ...base, status: 'met', pathsNeeded: null };
    return { ...base, status: 'wide', pathsNeeded: Math.ceil(n * (rhw / target) ** 2) };
  });
  const open = figures.filter((f) => f.status === 'thin' || f.status === 'wide');
  return { met: open.length === 0, figures, pathsNeeded: open.length ? Math.max(...open.map((f) => f.pathsNeeded!)) : null };
}
