/**
 * Maintenance-margin models (docs/design.md §3). Notation: Q = |q| size, E entry price, P mark price,
 * N = Q·P notional, C collateral, eq = C + q·(P − E).
 *
 * A model answers two questions: the maintenance margin MM(N) of a notional, and the price at which
 * a position's equity equals k·MM (k = 1: liquidation price; k > 1: a margin-ratio trigger such as a
 * top-up). The engine keys its trigger heaps by these prices, so a step only touches accounts whose
 * trigger was crossed.
 */
import type { MaintenanceConfig } from '../scenario/schema.js';
import { normalQuantile } from '../math/normal.js';

export interface MaintenanceModel {
  readonly kind: string;
  /**
   * True when the rate moves over time (volatility-adaptive). A dynamic model's rate is the same for
   * every position of its market, `rate()`, so accounts keep their order by bankruptcy price.
   */
  readonly dynamic: boolean;
  /** Maintenance margin (USD) of a position with notional N (USD) and size Q (units). O(brackets). */
  mm(notional: number, size?: number): number;
  /** Dynamic models: the current rate. Static models: NaN. */
  rate(): number;
  /** Dynamic models: feeds the one-step log return of the mark price (end of each step). */
  observe(markLogReturn: number): void;
  /**
   * Price at which eq = k·MM for an isolated position of `side` (+1 long, −1 short), size Q > 0,
   * entry E and collateral C (USD). A long is at or below the threshold when P ≤ result; a short
   * when P ≥ result. Returns 0 for a long that can never reach it and +∞ for such a short.
   */
  thresholdPrice(side: 1 | -1, size: number, entry: number, collateral: number, k: number): number;
}

/** A bracket of a tiered schedule, with its continuous maintenance amount A. */
export interface Bracket {
  readonly floor: number;
  readonly mmr: number;
  readonly amount: number;
}

/**
 * Maintenance amounts for brackets (floor_k, mmr_k): A_1 = 0,
 * A_k = A_{k−1} + floor_k·(mmr_k − mmr_{k−1}); this keeps MM = N·mmr_k − A_k continuous in N.
 */
export function bracketsWithAmounts(tiers: ReadonlyArray<{ notionalFloorUsd: number; mmr: number }>): Bracket[] {
  const out: Bracket[] = [];
  let amount = 0;
  tiers.forEach((t, k) => {
    if (k > 0) amount += t.notionalFloorUsd * (t.mmr - tiers[k - 1].mmr);
    out.push({ floor: t.notionalFloorUsd, mmr: t.mmr, amount });
  });
  return out;
}

/** MM = N·mmr_k − A_k for the bracket k with floor_k ≤ N < floor_{k+1}. */
export function tieredMm(brackets: ReadonlyArray<Bracket>, notional: number): number {
  let k = 0;
  while (k + 1 < brackets.length && notional >= brackets[k + 1].floor) k++;
  return notional * brackets[k].mmr - brackets[k].amount;
}

/**
 * Threshold price for a piecewise-linear MM. Solves eq(P) = k·(Q·P·m_j − A_j) in each bracket j and
 * keeps the root whose notional lies in that bracket. eq − k·MM is monotone in P when k·m_j < 1 for
 * every bracket, so the root is unique; otherwise the outermost root is the conservative answer.
 */
function piecewiseThreshold(
  brackets: ReadonlyArray<Bracket>,
  side: 1 | -1,
  size: number,
  entry: number,
  collateral: number,
  k: number,
): number {
  let best = side === 1 ? 0 : Infinity;
  for (let j = 0; j < brackets.length; j++) {
    const b = brackets[j];
    const lo = b.floor;
    const hi = j + 1 < brackets.length ? brackets[j + 1].floor : Infinity;
    let p: number;
    if (side === 1) {
      const denom = size * (1 - k * b.mmr);
      if (denom <= 0) {
        // eq − k·MM is non-increasing here: the whole bracket is in breach if its low end is.
        const pLo = lo / size;
        const f = collateral + size * (pLo - entry) - k * (lo * b.mmr - b.amount);
        if (f < 0) best = Math.max(best, hi / size);
        continue;
      }
      p = (size * entry - collateral - k * b.amount) / denom;
    } else {
      p = (collateral + size * entry + k * b.amount) / (size * (1 + k * b.mmr));
    }
    const n = p * size;
    if (p > 0 && n >= lo * (1 - 1e-12) && n < hi * (1 + 1e-12)) {
      best = side === 1 ? Math.max(best, p) : Math.min(best, p);
    }
  }
  return best;
}

const staticParts = { dynamic: false, rate: () => NaN, observe: () => {} } as const;

/** Price where eq = k·rate·Q·P for a constant rate: long B/(1 − k·rate), short B/(1 + k·rate) (0 / ∞ when unreachable). */
function fixedRateThreshold(rate: number, side: 1 | -1, size: number, entry: number, collateral: number, k: number): number {
  if (side === 1) {
    const denom = 1 - k * rate;
    const num = entry - collateral / size;
    if (denom <= 0) return num > 0 || collateral < 0 ? Infinity : 0;
    const p = num / denom;
    return p > 0 ? p : 0;
  }
  const p = (entry + collateral / size) / (1 + k * rate);
  return p > 0 ? p : Infinity;
}

/** Fixed MMR: MM = mmr·N. Long threshold B/(1 − k·mmr), short B/(1 + k·mmr), B the bankruptcy price. */
export function fixedMaintenance(mmr: number): MaintenanceModel {
  return {
    kind: 'fixed',
    ...staticParts,
    mm: (n) => mmr * n,
    thresholdPrice: (side, size, entry, collateral, k) => fixedRateThreshold(mmr, side, size, entry, collateral, k),
  };
}

/** Tiered (bracket) MMR by notional with continuous maintenance amounts. */
export function tieredMaintenance(tiers: ReadonlyArray<{ notionalFloorUsd: number; mmr: number }>): MaintenanceModel {
  const brackets = bracketsWithAmounts(tiers);
  return {
    kind: 'tiered',
    ...staticParts,
    mm: (n) => tieredMm(brackets, n),
    thresholdPrice: (side, size, entry, collateral, k) => piecewiseThreshold(brackets, side, size, entry, collateral, k),
  };
}

/**
 * Size-scaled MMR (rate depends on position size Q in units, so it is constant between a position's
 * events): linear MMR = base + slope·Q; sqrt MMR = max(base, multiplier·base + coefficient·√Q); capped.
 */
export function sizeScaledMaintenance(cfg: {
  mode: 'linear' | 'sqrt';
  baseMmr: number;
  slopePerUnitSize: number;
  baseMultiplier: number;
  sqrtCoefficient: number;
  maxMmr: number;
}): MaintenanceModel & { rateFor(size: number): number } {
  const rateFor = (q: number) =>
    Math.min(
      cfg.maxMmr,
      cfg.mode === 'linear' ? cfg.baseMmr + cfg.slopePerUnitSize * q : Math.max(cfg.baseMmr, cfg.baseMultiplier * cfg.baseMmr + cfg.sqrtCoefficient * Math.sqrt(q)),
    );
  return {
    kind: 'size-scaled',
    ...staticParts,
    rateFor,
    mm: (n, q) => rateFor(q ?? 0) * n,
    thresholdPrice: (side, size, entry, collateral, k) => fixedRateThreshold(rateFor(size), side, size, entry, collateral, k),
  };
}

/**
 * Volatility-adaptive MMR: MMR_t = min(max, max(floor, (1−w)·z·σ̂_t·√h + w·z·σ_stress·√h)), σ̂²_t an EWMA of
 * squared one-step mark log returns seeded at the market's nominal per-step variance. One instance per
 * market per path (it holds the path's estimate).
 */
export function volatilityAdaptiveMaintenance(cfg: {
  ewmaHalfLifeSteps: number;
  holdingHorizonSteps: number;
  confidence: number;
  floorMmr: number;
  maxMmr: number;
  stressedVolatilityAnnual: number;
  stressedWeight: number;
}, nominalVolPerStep: number, stepsPerYear: number): MaintenanceModel {
  const lambda = Math.pow(2, -1 / cfg.ewmaHalfLifeSteps);
  const z = normalQuantile(cfg.confidence);
  const sqrtH = Math.sqrt(cfg.holdingHorizonSteps);
  const stressed = cfg.stressedWeight * z * (cfg.stressedVolatilityAnnual / Math.sqrt(stepsPerYear)) * sqrtH;
  let variance = nominalVolPerStep * nominalVolPerStep;
  let current = 0;
  const recompute = () => {
    const m = (1 - cfg.stressedWeight) * z * Math.sqrt(variance) * sqrtH + stressed;
    current = Math.min(cfg.maxMmr, Math.max(cfg.floorMmr, m));
  };
  recompute();
  return {
    kind: 'volatility-adaptive',
    dynamic: true,
    rate: () => current,
    observe: (r) => {
      variance = lambda * variance + (1 - lambda) * r * r;
      recompute();
    },
    mm: (n) => current * n,
    thresholdPrice: (side, size, entry, collateral, k) => fixedRateThreshold(current, side, size, entry, collateral, k),
  };
}

/** The highest maintenance rate a schedule can ever ask (an upper bound used to skip safe accounts). */
export function maxMaintenanceRate(cfg: MaintenanceConfig, maxLeverage: number): number {
  switch (cfg.kind) {
    case 'fixed':
      return cfg.mmr;
    case 'tiered':
      return Math.max(...cfg.tiers.map((t) => t.mmr));
    case 'size-scaled':
      return cfg.maxMmr;
    case 'fraction-of-imr':
      return cfg.fraction / maxLeverage;
    case 'volatility-adaptive':
      return cfg.maxMmr;
  }
}

/**
 * Builds the maintenance model of one market for one path. `nominalVolPerStep` seeds a
 * volatility-adaptive estimate; static models ignore it.
 */
export function createMaintenanceModel(
  cfg: MaintenanceConfig,
  opts: { maxLeverage: number; nominalVolPerStep: number; stepsPerYear: number },
): MaintenanceModel {
  switch (cfg.kind) {
    case 'fixed':
      return fixedMaintenance(cfg.mmr);
    case 'tiered':
      return tieredMaintenance(cfg.tiers);
    case 'size-scaled':
      return sizeScaledMaintenance(cfg);
    case 'fraction-of-imr':
      return fixedMaintenance(cfg.fraction / opts.maxLeverage);
    case 'volatility-adaptive':
      return volatilityAdaptiveMaintenance(cfg, opts.nominalVolPerStep, opts.stepsPerYear);
  }
}

/** Bankruptcy price: where equity is 0. Long E − C/Q, short E + C/Q. */
export function bankruptcyPrice(side: 1 | -1, size: number, entry: number, collateral: number): number {
  return entry - (side * collateral) / size;
}
