/**
 * Book health: how fragile the opening book is before any path runs (results.json
 * `population.bookHealth`, the report's "Opening book" section). Every account is valued at step 0's
 * prices, then every market's price is moved by the same fraction x (a market-wide move):
 *
 * - distance to liquidation of an account: the x nearest to 0 at which equity < maintenance margin —
 *   below 0 for a long (a fall liquidates it), above for a short. Single-position accounts have it in
 *   closed form (the maintenance model's threshold price); multi-market cross accounts by bisection on
 *   each side (the nearer crossing is kept);
 * - liquidation map: for x on a grid of ±30% (0.5% apart), the open interest (USD at the opening
 *   prices) of accounts liquidatable at x, by side — cumulative: a larger move liquidates all a smaller
 *   one does (for single-position accounts exactly; for multi-market accounts beyond their nearest crossing);
 * - by side and leverage bucket (leverage at step 0 = notional / equity): accounts, notional and
 *   quantiles of the distance.
 * O(accounts · (grid + bisection)).
 */
import { quantileSorted } from 'simple-statistics';
import type { RunContext } from '../engine/context.js';

export interface DistanceRow {
  /** long, short, or mixed (a cross account holding both sides). */
  side: 'long' | 'short' | 'mixed';
  /** Leverage at step 0 (notional / equity) bucket, e.g. "5–10x". */
  leverage: string;
  accounts: number;
  notionalUsd: number;
  /** Quantiles of |distance to liquidation| (fraction of the price: 0.05 = a 5% move). */
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
}

export interface BookHealth {
  /** Grid of market-wide price moves (fractions of the price, −0.30 … +0.30, 0.005 apart). */
  priceMove: number[];
  /** Open interest (USD at the opening prices) of the long / short positions of accounts liquidatable at each move. */
  longNotionalUsd: number[];
  shortNotionalUsd: number[];
  /** Share of open interest (at step 0) whose account is liquidated by a move of at most 1%, 2%, 5%, 10%, 20% (either way). */
  withinMove: { move: number; shareOfOpenInterest: number; accounts: number }[];
  distance: DistanceRow[];
  /** Accounts with no liquidating move within ±100% (e.g. 1x longs). */
  farAccounts: number;
}

const BUCKETS: [number, string][] = [
  [2, '<2x'],
  [5, '2–5x'],
  [10, '5–10x'],
  [20, '10–20x'],
  [50, '20–50x'],
  [Infinity, '≥50x'],
];

export function bookHealth(ctx: RunContext): BookHealth {
  const pop = ctx.population;
  const sc = ctx.scenario;
  const prices = [sc.market, ...sc.otherMarkets].map((m) => m.initialPriceUsd);
  const mm = ctx.markets > 0 ? Array.from({ length: ctx.markets }, (_, m) => ctx.maintenanceFor(m)) : [];
  const grid: number[] = [];
  for (let k = -60; k <= 60; k++) grid.push(k / 200);
  const longAt = new Float64Array(grid.length);
  const shortAt = new Float64Array(grid.length);
  const levels = [0.01, 0.02, 0.05, 0.1, 0.2];
  const within = levels.map(() => ({ notional: 0, accounts: 0 }));
  const groups = new Map<string, { side: DistanceRow['side']; leverage: string; d: number[]; notional: number }>();
  let oi = 0;
  let far = 0;

  /** equity − MM of account a with every price moved by x. */
  const slack = (a: number, x: number): number => {
    let eq = pop.acctMargin[a] / 100;
    let mmv = 0;
    for (let p = pop.acctFirstPos[a]; p < pop.acctFirstPos[a] + pop.acctNPos[a]; p++) {
      const P = prices[pop.posMarket[p]] * (1 + x);
      const q = pop.posSize[p];
      eq += pop.posSide[p] * q * (P - pop.posEntry[p]);
      mmv += mm[pop.posMarket[p]].mm(q * P, q);
    }
    return eq - mmv;
  };
  /** The nearest liquidating move in direction dir (±1) within 100%, by bisection; NaN if none. */
  const crossing = (a: number, dir: 1 | -1): number => {
    const end = dir === 1 ? 1 : -0.999;
    if (slack(a, end) >= 0) {
      // not liquidated at the far end; scan for a liquidated pocket on the way (rare: mixed books)
      let hit = NaN;
      for (let k = 1; k <= 100 && Number.isNaN(hit); k++) if (slack(a, (end * k) / 100) < 0) hit = (end * k) / 100;
      if (Number.isNaN(hit)) return NaN;
      return bisect(a, 0, hit);
    }
    return bisect(a, 0, end);
  };
  const bisect = (a: number, safe: number, unsafe: number): number => {
    for (let it = 0; it < 60; it++) {
      const mid = 0.5 * (safe + unsafe);
      if (slack(a, mid) < 0) unsafe = mid;
      else safe = mid;
    }
    return unsafe;
  };

  for (let a = 0; a < pop.accounts; a++) {
    const first = pop.acctFirstPos[a];
    const n = pop.acctNPos[a];
    let notional = 0;
    let longN = 0;
    let sides = 0;
    let eq = pop.acctMargin[a] / 100;
    for (let p = first; p < first + n; p++) {
      const v = pop.posSize[p] * prices[pop.posMarket[p]];
      notional += v;
      if (pop.posSide[p] === 1) longN += v;
      sides |= pop.posSide[p] === 1 ? 1 : 2;
      eq += pop.posSide[p] * pop.posSize[p] * (prices[pop.posMarket[p]] - pop.posEntry[p]);
    }
    if (notional <= 0) continue;
    oi += notional;
    // the liquidating moves: below (down ≤ 0) and above (up ≥ 0)
    let down = NaN;
    let up = NaN;
    if (n === 1) {
      const side = pop.posSide[first] as 1 | -1;
      const m = pop.posMarket[first];
      const liq = mm[m].thresholdPrice(side, pop.posSize[first], pop.posEntry[first], pop.acctMargin[a] / 100, 1);
      const x = liq / prices[m] - 1;
      if (side === 1) down = liq > 0 ? Math.min(0, x) : NaN;
      else up = Number.isFinite(liq) ? Math.max(0, x) : NaN;
    } else if (slack(a, 0) < 0) {
      down = 0;
      up = 0;
    } else {
      down = crossing(a, -1);
      up = crossing(a, 1);
    }
    const dist = Math.min(Number.isNaN(down) ? Infinity : -down, Number.isNaN(up) ? Infinity : up);
    // the map: liquidatable at every move beyond the nearest crossing on each side
    for (let k = 0; k < grid.length; k++) {
      const x = grid[k];
      if ((x <= 0 && !Number.isNaN(down) && x <= down) || (x >= 0 && !Number.isNaN(up) && x >= up)) {
        longAt[k] += longN;
        shortAt[k] += notional - longN;
      }
    }
    if (!Number.isFinite(dist)) {
      far++;
      continue;
    }
    levels.forEach((lv, i) => {
      if (dist <= lv) {
        within[i].notional += notional;
        within[i].accounts++;
      }
    });
    const side: DistanceRow['side'] = sides === 1 ? 'long' : sides === 2 ? 'short' : 'mixed';
    const lev = eq > 0 ? notional / eq : Infinity;
    const bucket = BUCKETS.find(([hi]) => lev < hi)?.[1] ?? '≥50x';
    const key = `${side}|${bucket}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { side, leverage: bucket, d: [], notional: 0 }));
    g.d.push(dist);
    g.notional += notional;
  }
  const order = (r: { side: string; leverage: string }) => ['long', 'short', 'mixed'].indexOf(r.side) * 10 + BUCKETS.findIndex(([, l]) => l === r.leverage);
  const distance = [...groups.values()]
    .map((g) => {
      // simple-statistics' quantileSorted is type 7, x[⌊h⌋] + (h − ⌊h⌋)(x[⌈h⌉] − x[⌊h⌋]), h = (n − 1)q — the
      // interpolation this used to write out by hand; d is non-empty and finite (infinite distances are counted apart)
      const d = g.d.sort((x, y) => x - y);
      return {
        side: g.side,
        leverage: g.leverage,
        accounts: d.length,
        notionalUsd: g.notional,
        p10: quantileSorted(d, 0.1),
        p25: quantileSorted(d, 0.25),
        p50: quantileSorted(d, 0.5),
        p75: quantileSorted(d, 0.75),
        p90: quantileSorted(d, 0.9),
      };
    })
    .sort((x, y) => order(x) - order(y));
  return {
    priceMove: grid,
    longNotionalUsd: Array.from(longAt),
    shortNotionalUsd: Array.from(shortAt),
    withinMove: levels.map((move, i) => ({ move, shareOfOpenInterest: oi > 0 ? within[i].notional / oi : 0, accounts: within[i].accounts })),
    distance,
    farAccounts: far,
  };
}
