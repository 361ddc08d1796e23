/**
 * Maintenance-margin models (DESIGN.md §3). Notation: Q = |q| size, E entry price, P mark price,
 * N = Q·P notional, C collateral, eq = C + q·(P − E).
 *
 * A model answers two questions: the maintenance margin MM(N) of a notional, and the price at which
 * a position's equity equals k·MM (k = 1: liquidation price; k > 1: a margin-ratio trigger such as a
 * top-up). The engine keys its trigger heaps by these prices, so a step only touches accounts whose
 * trigger was crossed.
 */
import type { MaintenanceConfig } from '../scenario/schema.js';

export interface MaintenanceModel {
  readonly kind: string;
  /** Maintenance margin (USD) of a position with notional N (USD). O(brackets). */
  mm(notional: number): number;
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
export function piecewiseThreshold(
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

/** Fixed MMR: MM = mmr·N. Long threshold B/(1 − k·mmr), short B/(1 + k·mmr), B the bankruptcy price. */
export function fixedMaintenance(mmr: number): MaintenanceModel {
  const brackets = [{ floor: 0, mmr, amount: 0 }];
  return {
    kind: 'fixed',
    mm: (n) => mmr * n,
    thresholdPrice: (side, size, entry, collateral, k) => piecewiseThreshold(brackets, side, size, entry, collateral, k),
  };
}

/** Tiered (bracket) MMR by notional with continuous maintenance amounts. */
export function tieredMaintenance(tiers: ReadonlyArray<{ notionalFloorUsd: number; mmr: number }>): MaintenanceModel {
  const brackets = bracketsWithAmounts(tiers);
  return {
    kind: 'tiered',
    mm: (n) => tieredMm(brackets, n),
    thresholdPrice: (side, size, entry, collateral, k) => piecewiseThreshold(brackets, side, size, entry, collateral, k),
  };
}

export function createMaintenanceModel(cfg: MaintenanceConfig): MaintenanceModel {
  switch (cfg.kind) {
    case 'fixed':
      return fixedMaintenance(cfg.mmr);
    case 'tiered':
      return tieredMaintenance(cfg.tiers);
  }
}

/** Bankruptcy price: where equity is 0. Long E − C/Q, short E + C/Q. */
export function bankruptcyPrice(side: 1 | -1, size: number, entry: number, collateral: number): number {
  return entry - (side * collateral) / size;
}
