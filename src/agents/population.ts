/**
 * The trader population ("the book"): heterogeneous accounts drawn from the scenario's
 * distributions, stored as structs of typed arrays — one set for accounts (money, behaviours), one for
 * positions (market, side, size, entry, orders). An isolated account holds one position; a
 * cross-margin account holds one position per market it trades, all backed by one margin balance.
 *
 * The book is drawn once per run from the shared "population" stream, so every path (and every policy
 * compared on the same seed) faces the same traders; paths differ in prices and behavioural draws.
 * Arrays have spare capacity for traders who arrive during a path. Money is in integer cents.
 */
import type { Scenario, TradersConfig } from '../scenario/schema.js';
import type { MaintenanceModel } from '../margin/maintenance.js';
import { sharedStream, type Rng } from '../rng/streams.js';
import { lognormal, normalSampler, pareto } from '../rng/distributions.js';

export interface Population {
  /** Accounts in the opening book, and the capacity including arrivals. */
  readonly accounts: number;
  readonly accountCapacity: number;
  readonly positions: number;
  readonly positionCapacity: number;
  readonly markets: number;
  // ---- accounts
  /** 1 = cross margin (reserve pooled into margin), 0 = isolated. */
  readonly acctCross: Uint8Array;
  /** Margin (cents): the isolated position's collateral, or the cross account's balance. */
  readonly acctMargin: Float64Array;
  /** Reserve outside the position (cents); 0 for cross accounts. */
  readonly acctReserve: Float64Array;
  /** 1 = tops up from reserve when its margin ratio falls below its trigger. */
  readonly acctTopUp: Uint8Array;
  /** Personal top-up trigger (margin ratio); 0 when the trader does not top up. */
  readonly acctTopUpTrigger: Float64Array;
  /** 1 = cuts positions when volatility spikes. */
  readonly acctDeleverage: Uint8Array;
  readonly acctFirstPos: Int32Array;
  readonly acctNPos: Int32Array;
  /** Leverage at entry (notional / own collateral), after the initial-margin cap. */
  readonly acctLeverage: Float64Array;
  // ---- positions
  readonly posAccount: Int32Array;
  readonly posMarket: Int32Array;
  /** +1 long, −1 short. */
  readonly posSide: Int8Array;
  /** Size in units of the asset (> 0 while open). */
  readonly posSize: Float64Array;
  readonly posEntry: Float64Array;
  /** Stop-loss price; NaN = none. */
  readonly posStop: Float64Array;
  /** Take-profit price; NaN = none. */
  readonly posTakeProfit: Float64Array;
  /** Number of positions whose drawn size was cut to pass the initial-margin check. */
  readonly cappedByInitialMargin: number;
  /** Σ opening deposits (cents): margins + reserves. */
  readonly depositsCents: number;
}

/**
 * Initial margin of notional N: max(N / maxLeverage, 2·MM(N)) — the maximum-leverage rule, and for
 * steep tiered schedules the usual IM = 2·MM relation (e.g. Hyperliquid's MMR = 1/(2·max leverage)).
 */
export function initialMargin(notional: number, size: number, maxLeverage: number, mm: MaintenanceModel): number {
  return Math.max(notional / maxLeverage, 2 * mm.mm(notional, size));
}

/** Largest notional (at `price`) whose initial margin fits in `collateral` (bisection; IM increases with N). */
export function maxNotionalFor(collateral: number, price: number, maxLeverage: number, mm: MaintenanceModel): number {
  let lo = 0;
  let hi = collateral * maxLeverage;
  if (initialMargin(hi, hi / price, maxLeverage, mm) <= collateral) return hi;
  for (let it = 0; it < 80; it++) {
    const mid = 0.5 * (lo + hi);
    if (initialMargin(mid, mid / price, maxLeverage, mm) <= collateral) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Σ weights of a tier list, summed once per list (in list order, so the value is the same as a fresh sum). */
const tierTotals = new WeakMap<object, number>();
function tierTotal(tiers: ReadonlyArray<{ weight: number }>): number {
  let total = tierTotals.get(tiers);
  if (total === undefined) {
    total = 0;
    for (const t of tiers) total += t.weight;
    tierTotals.set(tiers, total);
  }
  return total;
}

/** Draws a leverage from the scenario's distribution (capped at maxLeverage, floored at 1). */
export function drawLeverage(cfg: TradersConfig, rng: Rng, normal: () => number, maxLeverage: number): number {
  const lev = cfg.leverage;
  if (lev.kind === 'tiers') {
    let u = rng() * tierTotal(lev.tiers);
    for (const t of lev.tiers) {
      if (u < t.weight) return t.leverage;
      u -= t.weight;
    }
    return lev.tiers[lev.tiers.length - 1].leverage;
  }
  return Math.min(maxLeverage, Math.max(1, lognormal(normal, lev.median, lev.sigmaLog)));
}

/** Draws a collateral (USD, whole cents, at least $1). */
export function drawCollateralUsd(cfg: TradersConfig, rng: Rng, normal: () => number): number {
  const col = cfg.collateralUsd;
  const x = col.kind === 'lognormal' ? lognormal(normal, col.medianUsd, col.sigmaLog) : Math.min(col.maxUsd, pareto(rng, col.minUsd, col.alpha));
  return Math.max(1, Math.round(x * 100) / 100);
}

/** Picks an index with probability proportional to `weights`. */
export function pickWeighted(weights: readonly number[], rng: Rng): number {
  let total = 0;
  for (const w of weights) total += w;
  let u = rng() * total;
  for (let k = 0; k < weights.length; k++) {
    if (u < weights[k]) return k;
    u -= weights[k];
  }
  return weights.length - 1;
}

/** Upper bound on arrivals within a horizon (Poisson mean + 8 SD + slack); beyond it arrivals are dropped and counted. */
export function arrivalCapacity(sc: Scenario): number {
  const a = sc.traders.arrivals;
  const rate = a.perStep + a.momentumPerStep * a.momentumZCap;
  if (rate === 0) return 0;
  const mean = rate * sc.horizonSteps;
  return Math.ceil(mean + 8 * Math.sqrt(mean) + 16);
}

export function marketConfigs(sc: Scenario): Scenario['market'][] {
  return [sc.market, ...sc.otherMarkets];
}

export function generatePopulation(sc: Scenario, maintenance: readonly MaintenanceModel[]): Population {
  const cfg = sc.traders;
  const markets = marketConfigs(sc);
  const K = markets.length;
  const maxLeverage = sc.policy.maxLeverage;
  const n = cfg.count;
  const extra = arrivalCapacity(sc);
  const crossPerAccount = K === 1 ? 1 : Math.min(K, cfg.crossMarketsPerAccount ?? K);
  const accountCapacity = n + extra;
  const positionCapacity = n * crossPerAccount + extra;
  const weights = cfg.marketWeights ?? markets.map(() => 1);

  const rng = sharedStream(sc.seed, 'population');
  const normal = normalSampler(rng);
  const acctCross = new Uint8Array(accountCapacity);
  const acctMargin = new Float64Array(accountCapacity);
  const acctReserve = new Float64Array(accountCapacity);
  const acctTopUp = new Uint8Array(accountCapacity);
  const acctTopUpTrigger = new Float64Array(accountCapacity);
  const acctDeleverage = new Uint8Array(accountCapacity);
  const acctFirstPos = new Int32Array(accountCapacity);
  const acctNPos = new Int32Array(accountCapacity);
  const acctLeverage = new Float64Array(accountCapacity);
  const posAccount = new Int32Array(positionCapacity);
  const posMarket = new Int32Array(positionCapacity);
  const posSide = new Int8Array(positionCapacity);
  const posSize = new Float64Array(positionCapacity);
  const posEntry = new Float64Array(positionCapacity);
  const posStop = new Float64Array(positionCapacity).fill(NaN);
  const posTakeProfit = new Float64Array(positionCapacity).fill(NaN);
  let capped = 0;
  let deposits = 0;
  let p = 0;
  const one = [0];

  for (let a = 0; a < n; a++) {
    const L = drawLeverage(cfg, rng, normal, maxLeverage);
    const collateralUsd = drawCollateralUsd(cfg, rng, normal);
    const cCents = Math.round(collateralUsd * 100);
    const isCross = rng() < cfg.crossMarginShare;
    const resCents = Math.round(cCents * cfg.topUp.reserveMultipleOfCollateral);
    const postedCents = isCross ? cCents + resCents : cCents;
    acctCross[a] = isCross ? 1 : 0;
    acctMargin[a] = postedCents;
    acctReserve[a] = isCross ? 0 : resCents;
    deposits += cCents + resCents;

    // which markets: an isolated account trades one; a cross account `crossPerAccount` distinct ones
    const count = isCross ? crossPerAccount : 1;
    let mk = one;
    if (count === 1) one[0] = K === 1 ? 0 : pickWeighted(weights, rng);
    else {
      mk = [];
      while (mk.length < count) {
        const m = count === K ? mk.length : pickWeighted(weights, rng);
        if (!mk.includes(m)) mk.push(m);
      }
    }
    acctFirstPos[a] = p;
    acctNPos[a] = count;
    let totalNotional = 0;
    for (const m of mk) {
      const s0 = markets[m].initialPriceUsd;
      const side = rng() < cfg.longShare ? 1 : -1;
      // initial-margin check on the opening order (each position sized on its share of the collateral)
      const share = collateralUsd / count;
      let notional = share * L;
      const maxN = maxNotionalFor(share, s0, maxLeverage, maintenance[m]);
      if (notional > maxN) {
        notional = maxN;
        capped++;
      }
      // entry: opened earlier at a nearby price, s0·e^{spread·z}. An entry whose loss at s0 would
      // exceed 40% of the position's collateral is pulled halfway towards s0 until it does not (the
      // book at t = 0 has survived so far). The rule and the draws (one per position) do not depend on
      // the margin policy, so books under different policies are identical (common random numbers).
      let e = s0;
      const postedShare = postedCents / 100 / count;
      const z = normal();
      for (let k = 0, shrink = 1; k < 20 && cfg.entryPriceSpreadLog > 0; k++, shrink *= 0.5) {
        const cand = s0 * Math.exp(cfg.entryPriceSpreadLog * z * shrink);
        const q = notional / cand;
        const eq = postedShare + side * q * (s0 - cand);
        if (eq >= 0.6 * postedShare) {
          e = cand;
          break;
        }
      }
      posAccount[p] = a;
      posMarket[p] = m;
      posSide[p] = side;
      posEntry[p] = e;
      posSize[p] = notional / e;
      totalNotional += notional;
      if (rng() < cfg.stopLoss.share) {
        const f = cfg.stopLoss.lossFractionOfCollateralMin + (cfg.stopLoss.lossFractionOfCollateralMax - cfg.stopLoss.lossFractionOfCollateralMin) * rng();
        const lossPerUnit = (f * postedShare) / posSize[p];
        let stop = e - side * lossPerUnit;
        // a stop the price has already passed would fire at once: place it at half that loss from here
        if (side === 1 ? stop >= s0 : stop <= s0) stop = s0 - side * lossPerUnit * 0.5;
        posStop[p] = stop > 0 ? stop : NaN;
      }
      if (rng() < cfg.takeProfit.share) {
        const f = cfg.takeProfit.gainFractionOfCollateralMin + (cfg.takeProfit.gainFractionOfCollateralMax - cfg.takeProfit.gainFractionOfCollateralMin) * rng();
        const gainPerUnit = (f * postedShare) / posSize[p];
        let tp = e + side * gainPerUnit;
        if (side === 1 ? tp <= s0 : tp >= s0) tp = s0 + side * gainPerUnit * 0.5;
        posTakeProfit[p] = tp > 0 ? tp : NaN;
      }
      p++;
    }
    acctLeverage[a] = totalNotional / collateralUsd;

    const wantsTopUp = rng() < cfg.topUp.share;
    if (wantsTopUp && !isCross && resCents > 0) {
      acctTopUp[a] = 1;
      // personal trigger: ±25% around the scenario's trigger excess over 1
      const excess = cfg.topUp.triggerMarginRatio - 1;
      acctTopUpTrigger[a] = 1 + excess * (0.75 + 0.5 * rng());
    }
    if (rng() < cfg.volatilityDeleverage.share) acctDeleverage[a] = 1;
  }
  return {
    accounts: n,
    accountCapacity,
    positions: p,
    positionCapacity,
    markets: K,
    acctCross,
    acctMargin,
    acctReserve,
    acctTopUp,
    acctTopUpTrigger,
    acctDeleverage,
    acctFirstPos,
    acctNPos,
    acctLeverage,
    posAccount,
    posMarket,
    posSide,
    posSize,
    posEntry,
    posStop,
    posTakeProfit,
    cappedByInitialMargin: capped,
    depositsCents: deposits,
  };
}

/**
 * A copy of the book whose typed arrays live in SharedArrayBuffers, so worker threads can read the
 * one book the main thread drew instead of each drawing it again (structured cloning shares the
 * memory). The book is never written during a path (paths copy what they change), so sharing is safe.
 */
export function sharedPopulation(pop: Population): Population {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(pop)) {
    if (ArrayBuffer.isView(v) && !(v.buffer instanceof SharedArrayBuffer)) {
      const arr = v as unknown as { constructor: new (b: SharedArrayBuffer) => Uint8Array; byteLength: number; length: number } & Uint8Array;
      const copy = new arr.constructor(new SharedArrayBuffer(arr.byteLength));
      copy.set(arr);
      out[k] = copy;
    } else out[k] = v;
  }
  return out as unknown as Population;
}
