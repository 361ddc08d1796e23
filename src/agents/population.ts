/**
 * The trader population ("the book"): heterogeneous traders drawn from the scenario's distributions,
 * stored as a struct of typed arrays. The book is drawn once per run from the shared "population"
 * stream, so every path (and every policy compared on the same seed) faces the same traders; the
 * paths differ in prices and in traders' behavioural draws.
 *
 * Money is held in integer cents (exact in float64).
 */
import type { TradersConfig } from '../scenario/schema.js';
import type { MaintenanceModel } from '../margin/maintenance.js';
import { sharedStream } from '../rng/streams.js';
import { lognormal, normalSampler, pareto } from '../rng/distributions.js';

export interface Population {
  readonly count: number;
  /** +1 long, −1 short. */
  readonly side: Int8Array;
  /** Position size in units of the asset (> 0). */
  readonly size: Float64Array;
  /** Entry price (USD). */
  readonly entry: Float64Array;
  /** Initial position collateral (cents); for cross accounts includes the reserve. */
  readonly marginCents: Float64Array;
  /** Reserve outside the position (cents); 0 for cross accounts. */
  readonly reserveCents: Float64Array;
  /** 1 = cross margin (reserve pooled into margin), 0 = isolated. */
  readonly cross: Uint8Array;
  /** 1 = tops up from reserve when its margin ratio falls below its trigger. */
  readonly topUp: Uint8Array;
  /** Personal top-up trigger (margin ratio); 0 when the trader does not top up. */
  readonly topUpTrigger: Float64Array;
  /** Stop-loss price (USD); NaN = none. */
  readonly stopPrice: Float64Array;
  /** Leverage at entry, after the initial-margin cap. */
  readonly leverage: Float64Array;
  /** Number of traders whose drawn size was cut to pass the initial-margin check. */
  readonly cappedByInitialMargin: number;
  /** Σ deposits (cents): margins + reserves. */
  readonly depositsCents: number;
}

/**
 * Initial margin of notional N: max(N / maxLeverage, 2·MM(N)) — the maximum-leverage rule, and for
 * steep tiered schedules the usual IM = 2·MM relation (e.g. Hyperliquid's MMR = 1/(2·max leverage)).
 */
export function initialMargin(notional: number, maxLeverage: number, mm: MaintenanceModel): number {
  return Math.max(notional / maxLeverage, 2 * mm.mm(notional));
}

/** Largest notional whose initial margin fits in `collateral` (bisection; IM is increasing in N). */
export function maxNotionalFor(collateral: number, maxLeverage: number, mm: MaintenanceModel): number {
  let lo = 0;
  let hi = collateral * maxLeverage;
  if (initialMargin(hi, maxLeverage, mm) <= collateral) return hi;
  for (let it = 0; it < 80; it++) {
    const mid = 0.5 * (lo + hi);
    if (initialMargin(mid, maxLeverage, mm) <= collateral) lo = mid;
    else hi = mid;
  }
  return lo;
}

export function generatePopulation(
  cfg: TradersConfig,
  opts: { seed: number; initialPriceUsd: number; maxLeverage: number; maintenance: MaintenanceModel },
): Population {
  const n = cfg.count;
  const rng = sharedStream(opts.seed, 'population');
  const normal = normalSampler(rng);
  const side = new Int8Array(n);
  const size = new Float64Array(n);
  const entry = new Float64Array(n).fill(opts.initialPriceUsd);
  const marginCents = new Float64Array(n);
  const reserveCents = new Float64Array(n);
  const cross = new Uint8Array(n);
  const topUp = new Uint8Array(n);
  const topUpTrigger = new Float64Array(n);
  const stopPrice = new Float64Array(n).fill(NaN);
  const leverage = new Float64Array(n);
  let capped = 0;
  let deposits = 0;

  const lev = cfg.leverage;
  const tierCum: number[] = [];
  if (lev.kind === 'tiers') {
    let acc = 0;
    for (const t of lev.tiers) tierCum.push((acc += t.weight));
  }
  const totalWeight = tierCum.length ? tierCum[tierCum.length - 1] : 1;

  for (let i = 0; i < n; i++) {
    side[i] = rng() < cfg.longShare ? 1 : -1;
    // leverage
    let L: number;
    if (lev.kind === 'tiers') {
      const u = rng() * totalWeight;
      let k = 0;
      while (k < tierCum.length - 1 && u >= tierCum[k]) k++;
      L = lev.tiers[k].leverage;
    } else {
      L = Math.min(opts.maxLeverage, Math.max(1, lognormal(normal, lev.median, lev.sigmaLog)));
    }
    // collateral
    const col = cfg.collateralUsd;
    let collateralUsd =
      col.kind === 'lognormal' ? lognormal(normal, col.medianUsd, col.sigmaLog) : Math.min(col.maxUsd, pareto(rng, col.minUsd, col.alpha));
    collateralUsd = Math.max(1, Math.round(collateralUsd * 100) / 100);
    const cCents = Math.round(collateralUsd * 100);
    const isCross = rng() < cfg.crossMarginShare;
    const resCents = Math.round(cCents * cfg.topUp.reserveMultipleOfCollateral);
    const postedCents = isCross ? cCents + resCents : cCents;
    // initial-margin check on the opening order; the position itself is sized on the trader's
    // chosen collateral, and a cross account's reserve only adds to its margin
    let notional = collateralUsd * L;
    const maxN = maxNotionalFor(collateralUsd, opts.maxLeverage, opts.maintenance);
    if (notional > maxN) {
      notional = maxN;
      capped++;
    }
    // entry price: opened earlier at a nearby price; redraw entries already close to maintenance
    const s0 = opts.initialPriceUsd;
    let e = s0;
    for (let attempt = 0; attempt < 20 && cfg.entryPriceSpreadLog > 0; attempt++) {
      const cand = s0 * Math.exp(cfg.entryPriceSpreadLog * normal());
      const q = notional / cand;
      const eq = postedCents / 100 + side[i] * q * (s0 - cand);
      if (eq >= 1.1 * opts.maintenance.mm(q * s0)) {
        e = cand;
        break;
      }
    }
    entry[i] = e;
    size[i] = notional / e;
    leverage[i] = notional / collateralUsd;
    marginCents[i] = postedCents;
    reserveCents[i] = isCross ? 0 : resCents;
    cross[i] = isCross ? 1 : 0;
    deposits += cCents + resCents;

    const wantsTopUp = rng() < cfg.topUp.share;
    if (wantsTopUp && !isCross && resCents > 0) {
      topUp[i] = 1;
      // personal trigger: ±25% around the scenario's trigger excess over 1
      const excess = cfg.topUp.triggerMarginRatio - 1;
      topUpTrigger[i] = 1 + excess * (0.75 + 0.5 * rng());
    } else if (wantsTopUp) {
      rng(); // keep the stream aligned whatever the branch
    }
    if (rng() < cfg.stopLoss.share) {
      const f = cfg.stopLoss.lossFractionOfCollateralMin + (cfg.stopLoss.lossFractionOfCollateralMax - cfg.stopLoss.lossFractionOfCollateralMin) * rng();
      const lossPerUnit = (f * (postedCents / 100)) / size[i];
      stopPrice[i] = entry[i] - side[i] * lossPerUnit;
      // a stop the price has already passed would fire at once: place it at the same loss from here
      if (side[i] === 1 ? stopPrice[i] >= opts.initialPriceUsd : stopPrice[i] <= opts.initialPriceUsd) {
        stopPrice[i] = opts.initialPriceUsd - side[i] * lossPerUnit * 0.5;
      }
      if (!(stopPrice[i] > 0)) stopPrice[i] = NaN;
    }
  }
  return { count: n, side, size, entry, marginCents, reserveCents, cross, topUp, topUpTrigger, stopPrice, leverage, cappedByInitialMargin: capped, depositsCents: deposits };
}
