/**
 * The warm-up history the opening book is seasoned on (traders.warmup, docs/methodology.md §2): each
 * market's price at steps −W … 0, ending at its initial price, drawn once per book (shared by the
 * paths of its block: `sampling.pathsPerBook`, by default about 50 books a run, so a run averages over
 * the market states its histories leave) from the scenario's own price models on the book's price
 * streams (book b: path index −1 − b):
 *   - gbm, merton, garch, regime-switching: the model itself, with its drift set to 0 (the warm-up
 *     stands for ordinary trading before the path, not for the path's trend);
 *   - scripted-drawdown: its noise (GBM at its volatility), without the scripted legs;
 *   - csv: a driftless GBM at the model's `warmupVolatilityAnnual` when it names one (a replayed crash
 *     should not season the book on the crash itself), else a stationary block bootstrap of the returns
 *     the path replays (the file holds the episode the path replays, so the history before it is drawn from it).
 * Correlated markets stay correlated (the same multi-market process).
 */
import type { Scenario } from '../scenario/schema.js';
import { createPriceProcess, type PriceData } from './process.js';
import { bookStreamPath } from '../rng/streams.js';

/** Warm-up steps of a scenario (0 with `warmup: none`). */
export function warmupSteps(sc: Scenario): number {
  const w = sc.traders.warmup;
  if (w.kind !== 'history') return 0;
  return Math.max(1, Math.ceil(((w.lengthHours ?? 5 * w.meanHoldingHours) * 3600) / sc.stepSeconds));
}

/** The scenario whose price process draws the warm-up (same markets and correlation, no drift, no scripted legs). */
function warmupScenario(sc: Scenario, steps: number, data: PriceData): Scenario {
  const calm = (m: Scenario['market'], k: number): Scenario['market'] => {
    const pm = m.priceModel;
    switch (pm.kind) {
      case 'scripted-drawdown':
        return { ...m, priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: pm.volatilityAnnual } };
      case 'csv': {
        if (pm.warmupVolatilityAnnual !== undefined) return { ...m, priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: pm.warmupVolatilityAnnual } };
        // blocks no longer than the history itself (a short file can still season a book)
        const n = data.csvReturns[k]?.length ?? pm.blockSteps;
        return { ...m, priceModel: { ...pm, mode: 'block-bootstrap', blocks: 'stationary', blockSteps: Math.max(1, Math.min(pm.blockSteps, n)) } };
      }
      case 'regime-switching':
        return { ...m, priceModel: { ...pm, initialState: 'stationary', states: pm.states.map((s) => ({ ...s, driftAnnual: 0 })) } };
      default:
        return { ...m, priceModel: { ...pm, driftAnnual: 0 } } as Scenario['market'];
    }
  };
  return { ...sc, horizonSteps: steps, market: calm(sc.market, 0), otherMarkets: sc.otherMarkets.map((m, k) => calm(m, k + 1)) };
}

/** A warm-up history and where it left each price model. */
export interface WarmupHistory {
  /** Per market: prices at warm-up steps 0 … W (index W is step 0 of every path, the initial price). */
  readonly prices: Float64Array[];
  /** Per market: the model's state after the history (GARCH variance, regime), for paths to continue from. */
  readonly endState: (Float64Array | undefined)[];
}

/**
 * Draws the warm-up history of W steps. O(W·K). Book b (books redrawn per block of paths,
 * `sampling.pathsPerBook`) draws it from path index −1 − b's price streams: book 0's is the one
 * history of a run with `pathsPerBook: all`, and every book's is the same under every policy on the
 * seed (common random numbers).
 */
export function warmupHistory(sc: Scenario, data: PriceData, steps: number, book = 0): WarmupHistory {
  const markets = [sc.market, ...sc.otherMarkets];
  const K = markets.length;
  const process = createPriceProcess(warmupScenario(sc, steps, data), bookStreamPath(book), data);
  const returns = markets.map(() => new Float64Array(steps));
  const r = new Float64Array(K);
  for (let t = 0; t < steps; t++) {
    process.next(r);
    for (let m = 0; m < K; m++) returns[m][t] = r[m];
  }
  const prices = markets.map((mk, m) => {
    const h = new Float64Array(steps + 1);
    h[steps] = mk.initialPriceUsd;
    for (let j = steps; j > 0; j--) h[j - 1] = h[j] * Math.exp(-returns[m][j - 1]);
    return h;
  });
  return { prices, endState: process.snapshot() };
}
