/**
 * Price models from a user's history: the log returns r_0 … r_{N−1} of a CSV of prices or candles on
 * the step grid (src/scenario/market-csv.ts). Both ignore the shock z (a replayed history cannot be
 * correlated with other markets' shocks), and both apply the returns from market.initialPriceUsd.
 *
 * - replay: step t (1-based) returns r_{o + t − 1}. The offset o is 0 (`replayStart: first`, every path
 *   sees the same history from the file's first row or from `replayFrom`) or uniform over the multiples of
 *   s in {0, …, N − H} per path (`replayStart: random`; s = steps per row of the file, 3 for candles
 *   replayed intrabar so a path starts on a candle's open, else 1). A history shorter than the horizon is
 *   a load-time error; replay never wraps.
 * - block-bootstrap, fixed blocks (Künsch): the path is a concatenation of blocks of L consecutive
 *   returns, each starting at a uniform index in {0, …, N − L}; the last block is cut at the horizon.
 * - block-bootstrap, stationary (Politis–Romano): each step starts a new block with probability 1/L
 *   (the first step always does) at a uniform index in {0, …, N − 1}, else continues with the next
 *   return, wrapping from r_{N−1} to r_0; block lengths are geometric with mean L.
 *
 * With `demean`, the sample mean r̄ is subtracted from every return.
 */
import type { Rng } from '../rng/streams.js';
import type { MarketPriceModel } from './models.js';

function shifted(returns: Float64Array, demean: boolean): Float64Array {
  if (!demean) return returns;
  let m = 0;
  for (let i = 0; i < returns.length; i++) m += returns[i];
  m /= returns.length;
  return Float64Array.from(returns, (r) => r - m);
}

/** @throws RangeError if the history holds fewer than `horizonSteps` returns (checked at load time). */
export function csvReplay(
  returns: Float64Array,
  cfg: { replayStart: 'first' | 'random'; demean: boolean },
  horizonSteps: number,
  rng: Rng,
  stepsPerRow = 1,
): MarketPriceModel {
  const r = shifted(returns, cfg.demean);
  const N = r.length;
  if (horizonSteps > N) throw new RangeError(`replay needs at least ${horizonSteps} returns, the history has ${N}`);
  let i = cfg.replayStart === 'random' ? stepsPerRow * Math.floor(rng() * (Math.floor((N - horizonSteps) / stepsPerRow) + 1)) : 0;
  return {
    kind: 'csv',
    nextLogReturn: () => r[i++],
  };
}

export function blockBootstrap(
  returns: Float64Array,
  cfg: { blockSteps: number; blocks: 'fixed' | 'stationary'; demean: boolean },
  rng: Rng,
): MarketPriceModel {
  const r = shifted(returns, cfg.demean);
  const N = r.length;
  const L = cfg.blockSteps;
  if (!(L >= 1 && L <= N)) throw new RangeError(`blockSteps must be between 1 and ${N}, got ${L}`);
  let i = 0;
  let left = 0;
  if (cfg.blocks === 'fixed') {
    return {
      kind: 'csv',
      nextLogReturn: () => {
        if (left === 0) {
          i = Math.floor(rng() * (N - L + 1));
          left = L;
        }
        left--;
        return r[i++];
      },
    };
  }
  const pNew = 1 / L;
  let first = true;
  return {
    kind: 'csv',
    nextLogReturn: () => {
      if (first || rng() < pNew) {
        i = Math.floor(rng() * N);
        first = false;
      }
      const x = r[i];
      i = i + 1 === N ? 0 : i + 1;
      return x;
    },
  };
}
