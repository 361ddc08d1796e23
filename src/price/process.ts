/**
 * The multi-market exogenous price process of one path: K markets, in the order
 * [market, ...otherMarkets], each with its own price model, driven by correlated standard normal
 * shocks.
 *
 * Each step: draw K independent N(0, 1) variates n_m, one from each market's shock stream; correlate
 * them, z = L·n with L the Cholesky factor of the scenario's `correlation` (C = L·Lᵀ; none given =
 * independent, z = n); market m's model turns z_m into its log return (drawing anything else it needs
 * from its own stream).
 *
 * Streams (docs/design.md §6: every draw depends only on seed, path index and stream name):
 *   shock of market 0      stream(seed, path, 'price')
 *   shock of market m ≥ 1  stream(seed, path, 'price:m:shock')
 *   model randomness of m  stream(seed, path, 'price:m')   (jumps, χ², regime transitions, blocks)
 * Because L is lower-triangular, market m's shocks depend only on markets 0 … m: adding a market at
 * the end never changes the paths of the markets before it (common random numbers across variants
 * with different market lists), and a single market is exactly the backbone's one 'price' stream of
 * normals (plus 'price:0' for a model's other draws).
 */
import type { Scenario } from '../scenario/schema.js';
import { UserError } from '../errors.js';
import { stream } from '../rng/streams.js';
import { normalSampler } from '../rng/distributions.js';
import { choleskyPsd } from '../scenario/correlation.js';
import { marketField, marketsOf } from '../scenario/price-checks.js';
import { csvHistory, failUser, readMarketCsv } from '../scenario/market-csv.js';
import { createMarketPriceModel, SECONDS_PER_YEAR, type MarketPriceModel } from './models.js';

export interface PriceProcess {
  /** Number of markets K. */
  readonly markets: number;
  /** Writes each market's exogenous one-step log return into out[0 … K−1]. Allocates nothing. */
  next(out: Float64Array): void;
  /**
   * Importance sampling: ln of the likelihood ratio dP/dQ of the shocks drawn so far (0 without a
   * tilt). Each shifted shock n = u + θ (u the stream's N(0, 1) draw) adds ln φ(n)/φ(n − θ) = −θu − θ²/2.
   */
  logLikelihoodRatio(): number;
  /** Each market model's state beyond its price (undefined for models without one). */
  snapshot(): (Float64Array | undefined)[];
}

/** What every path of a run shares: loaded once per run (per worker) by `loadPriceData`. */
export interface PriceData {
  /** Per market: the csv model's log returns on the step grid, else undefined. */
  readonly csvReturns: ReadonlyArray<Float64Array | undefined>;
  /** Per market: steps per row of the csv model's file (3 for candles replayed intrabar, else 1), else undefined. */
  readonly csvStepsPerRow?: ReadonlyArray<number | undefined>;
  /** Row-major K×K lower Cholesky factor of `correlation`; undefined = independent markets. */
  readonly choleskyLower?: Float64Array;
}

/** Name of market m's shock stream. */
function shockStreamName(m: number): string {
  return m === 0 ? 'price' : `price:${m}:shock`;
}

/** Name of market m's model stream (everything but the shock). */
function modelStreamName(m: number): string {
  return `price:${m}`;
}

/**
 * Loads what the price models need from disk (csv histories on the step grid, src/scenario/market-csv.ts) and
 * factors the correlation matrix. Call once per run or worker; the result is read-only.
 * @throws UserError if a CSV cannot be read or the correlation matrix is not positive semi-definite
 *   (both are caught earlier by `parseScenario` for a scenario that went through it)
 */
export function loadPriceData(scenario: Scenario): PriceData {
  const histories = marketsOf(scenario).map((mk, m) => {
    const pm = mk.priceModel;
    if (pm.kind !== 'csv') return undefined;
    return csvHistory(readMarketCsv(pm.file, pm.source), pm, scenario.stepSeconds, `${marketField(m)}.priceModel`, failUser);
  });
  const csvReturns = histories.map((h) => h?.returns);
  const csvStepsPerRow = histories.map((h) => h?.stepsPerRow);
  let choleskyLower: Float64Array | undefined;
  if (scenario.correlation) {
    const r = choleskyPsd(scenario.correlation);
    if (!r.ok) throw new UserError(`correlation[${r.row}][${r.col}]: the matrix is not positive semi-definite`);
    choleskyLower = r.lower;
  }
  return { csvReturns, csvStepsPerRow, choleskyLower };
}

/**
 * The price process of path `pathIndex`. O(K²) per step with a correlation matrix, O(K) without.
 * `resumeFrom` (a warm-up's `snapshot()`): each model starts from that state — a GARCH from the
 * warm-up's conditional variance, a regime chain from its regime unless the model names an
 * `initialState`.
 *
 * `shift` (importance sampling, scenario `sampling.importance`): market m's independent standard
 * normal shock is drawn from N(θ_m, 1) instead of N(0, 1) — the same stream draw u, shifted, n = u + θ_m,
 * before the correlation — and the process accumulates the log likelihood ratio Σ(−θ_m·u − θ_m²/2) of
 * the path's shocks. Only the normal shocks are tilted: a model's own draws (jumps, χ², regimes,
 * bootstrap blocks) keep their law. Without a shift (or with θ = 0) the draws are exactly the plain ones.
 */
export function createPriceProcess(
  scenario: Scenario,
  pathIndex: number,
  data: PriceData,
  resumeFrom?: readonly (Float64Array | undefined)[],
  shift?: readonly number[],
): PriceProcess {
  const markets = marketsOf(scenario);
  const K = markets.length;
  const dtYears = scenario.stepSeconds / SECONDS_PER_YEAR;
  const shocks = markets.map((_, m) => normalSampler(stream(scenario.seed, pathIndex, shockStreamName(m))));
  const models: MarketPriceModel[] = markets.map((mk, m) =>
    createMarketPriceModel(mk.priceModel, {
      dtYears,
      rng: stream(scenario.seed, pathIndex, modelStreamName(m)),
      horizonSteps: scenario.horizonSteps,
      csvReturns: data.csvReturns[m],
      csvStepsPerRow: data.csvStepsPerRow?.[m],
    }),
  );
  if (resumeFrom) {
    models.forEach((model, m) => {
      const saved = resumeFrom[m];
      const pm = markets[m].priceModel;
      const named = pm.kind === 'regime-switching' && pm.initialState !== undefined && pm.initialState !== 'stationary';
      if (saved && model.resume && !named) model.resume(saved);
    });
  }
  const snapshot = () => models.map((model) => model.snapshot?.());
  const L = data.choleskyLower;
  if (L && L.length !== K * K) throw new Error(`correlation factor is ${Math.sqrt(L.length)}×${Math.sqrt(L.length)}, expected ${K}×${K}`);
  const n = new Float64Array(K);
  const theta = Float64Array.from({ length: K }, (_, m) => shift?.[m] ?? 0);
  const tilted = theta.some((t) => t !== 0);
  let halfThetaSq = 0;
  for (const t of theta) halfThetaSq += 0.5 * t * t;
  let logLr = 0;
  const logLikelihoodRatio = () => logLr;
  if (K === 1 && !L) {
    const m0 = models[0];
    const s0 = shocks[0];
    if (!tilted) return { markets: 1, next: (out) => void (out[0] = m0.nextLogReturn(s0())), snapshot, logLikelihoodRatio };
    const t0 = theta[0];
    return {
      markets: 1,
      next: (out) => {
        const u = s0();
        logLr -= t0 * u + halfThetaSq;
        out[0] = m0.nextLogReturn(u + t0);
      },
      snapshot,
      logLikelihoodRatio,
    };
  }
  return {
    markets: K,
    snapshot,
    logLikelihoodRatio,
    next(out: Float64Array): void {
      for (let m = 0; m < K; m++) n[m] = shocks[m]();
      if (tilted) {
        for (let m = 0; m < K; m++) {
          logLr -= theta[m] * n[m];
          n[m] += theta[m];
        }
        logLr -= halfThetaSq;
      }
      for (let m = 0; m < K; m++) {
        let z = n[m];
        if (L) {
          z = 0;
          const row = m * K;
          for (let k = 0; k <= m; k++) z += L[row + k] * n[k];
        }
        out[m] = models[m].nextLogReturn(z);
      }
    },
  };
}
