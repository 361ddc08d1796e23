/**
 * Market impact of net order flow and its decay (resilience). The impact state x is a log-price
 * offset: market = fundamental · e^x. A net flow F (USD notional, + = buying) moves x by
 *   linear: Δx = 0.01 · F / D          sqrt: Δx = 0.01 · sign(F) · √(|F| / D)
 * with D = depthUsdPerPercent (the flow that moves the price 1%). Between steps x decays with a
 * half-life: x ← x · 2^(−1/halfLifeSteps).
 *
 * A block of flow that walks the book fills on average part-way along the move: the fill price is
 * market · e^{φ·Δx} with φ = 1/2 for linear impact and 2/3 for square-root impact (the mean of the
 * marginal price over the block).
 *
 * curve: the venue's depth table (src/scenario/depth-csv.ts): D(p) the USD resting within p% of mid
 * on the side a flow takes (asks for buys, bids for sells), interpolated linearly between rows and
 * extended beyond the last row with the last segment's slope. A flow F walks the book to the distance
 * p with D(p)·m = |F| (m the depth multiplier), Δx = ±0.01·p. The block fills at the mean marginal log
 * price over its flow: φ = ∫₀^|F| x(g) dg / (|F|·Δx), exact for the piecewise-linear table (½ within
 * the first row, as for linear impact). Like linear and sqrt impact, each block walks the table from
 * the current book price (the book re-forms around the price it moved to).
 */
import type { ImpactConfig } from '../scenario/schema.js';
import { readDepthCsv, type DepthTable } from '../scenario/depth-csv.js';

export interface ImpactModel {
  readonly kind: ImpactConfig['kind'];
  /**
   * Change in log price caused by net flow F (USD, + buy), with the depth scaled by
   * `depthMultiplier` (≤ 1 when liquidity has withdrawn; default 1).
   */
  delta(flowUsd: number, depthMultiplier?: number): number;
  /** The net flow (USD, + buy) that moves the log price by `dx` — the inverse of `delta` (0 for none). */
  flowFor(dx: number, depthMultiplier?: number): number;
  /** Fraction φ of Δx at which the block fills on average (the linear and sqrt models' constant; see fillFractionFor). */
  readonly fillFraction: number;
  /** φ for a block of flow F at depth multiplier m: the constant fillFraction except for a depth curve, whose shape sets it. */
  fillFractionFor(flowUsd: number, depthMultiplier?: number): number;
  /** Per-step decay factor of the impact state. */
  readonly decayPerStep: number;
}

export function createImpactModel(cfg: ImpactConfig): ImpactModel {
  const decayPerStep = Math.pow(2, -1 / cfg.halfLifeSteps);
  const d = cfg.depthUsdPerPercent;
  switch (cfg.kind) {
    case 'none':
      return { kind: 'none', delta: () => 0, flowFor: () => 0, fillFraction: 0, fillFractionFor: () => 0, decayPerStep };
    case 'linear':
      return { kind: 'linear', delta: (f, mult = 1) => (0.01 * f) / (d * mult), flowFor: (dx, mult = 1) => (dx / 0.01) * d * mult, fillFraction: 0.5, fillFractionFor: () => 0.5, decayPerStep };
    case 'sqrt':
      return {
        kind: 'sqrt',
        delta: (f, mult = 1) => 0.01 * Math.sign(f) * Math.sqrt(Math.abs(f) / (d * mult)),
        flowFor: (dx, mult = 1) => Math.sign(dx) * (dx / 0.01) ** 2 * d * mult,
        fillFraction: 2 / 3,
        fillFractionFor: () => 2 / 3,
        decayPerStep,
      };
    case 'curve': {
      if (cfg.file === undefined) throw new Error('impact kind curve without a file (checked at load)');
      return curveImpact(readDepthCsv(cfg.file), decayPerStep);
    }
  }
}

/** Index k of the segment [x_k, x_{k+1}] holding v (the last segment beyond the table). O(log n). */
function segment(xs: Float64Array, v: number): number {
  let lo = 0;
  let hi = xs.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Impact from a depth table. The arithmetic is ordered so that a one-row table (0, 0) → (1%, d)
 * gives bit for bit the linear model with depthUsdPerPercent = d: within segment k,
 * |Δx| = 0.01·(|F| − m·D_k)·Δp / (ΔD·m) + 0.01·p_k, and the flow for |Δx| is (p − p_k)·(ΔD/Δp)·m + D_k·m.
 */
export function curveImpact(table: DepthTable, decayPerStep: number): ImpactModel {
  const p = table.distancePercent;
  const sides = [table.bidDepthUsd, table.askDepthUsd];
  const walk = (D: Float64Array, F: number, mult: number): number => {
    const k = segment(D, F / mult);
    return (0.01 * (F - mult * D[k]) * (p[k + 1] - p[k])) / ((D[k + 1] - D[k]) * mult) + 0.01 * p[k];
  };
  const delta = (f: number, mult = 1): number => (f > 0 ? walk(sides[1], f, mult) : f < 0 ? -walk(sides[0], -f, mult) : 0);
  const flowFor = (dx: number, mult = 1): number => {
    if (dx === 0) return 0;
    const D = dx > 0 ? sides[1] : sides[0];
    const q = Math.abs(dx / 0.01);
    const k = segment(p, q);
    const flow = (q - p[k]) * ((D[k + 1] - D[k]) / (p[k + 1] - p[k])) * mult + D[k] * mult;
    return dx > 0 ? flow : -flow;
  };
  const fillFractionFor = (f: number, mult = 1): number => {
    if (f === 0) return 0.5;
    const D = f > 0 ? sides[1] : sides[0];
    const F = Math.abs(f);
    const k = segment(D, F / mult);
    if (k === 0) return 0.5; // x(g) is linear in g from the origin
    // trapezoids of x(g) over the full segments below k, then the partial segment up to F
    let area = 0;
    for (let j = 0; j < k; j++) area += mult * (D[j + 1] - D[j]) * 0.005 * (p[j] + p[j + 1]);
    const x = walk(D, F, mult);
    area += (F - mult * D[k]) * 0.5 * (0.01 * p[k] + x);
    return area / (F * x);
  };
  return { kind: 'curve', delta, flowFor, fillFraction: 0.5, fillFractionFor, decayPerStep };
}
