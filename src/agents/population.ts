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
import { initialMarginRule, maxNotionalFor, type InitialMarginRule } from '../margin/initial.js';
import { bookStreamPath, stream, type Rng } from '../rng/streams.js';
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
  /** Seasoned books: steps since the account's positions opened (its age at step 0), and how many times its slot was renewed in the warm-up. */
  readonly acctAgeSteps: Int32Array;
  readonly acctRenewals: Uint16Array;
  /**
   * Seasoned books: a top-up the warm-up left pending at step 0 (its trigger crossed, the reaction
   * delay not yet over) — the path step at which it falls due; 0 = none. A path schedules it as its own.
   */
  readonly acctTopUpDue?: Int32Array;
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
  /** How the warm-up seasoned the book (absent with `warmup: none`). */
  readonly warmup?: import('./seasoning.js').WarmupSummary;
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
  // rounding at the end of the list: the last market with a positive weight
  let k = weights.length - 1;
  while (k > 0 && !(weights[k] > 0)) k--;
  return k;
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

/** Everything drawn for one account, before it is placed at an entry price. Reused (no allocation per account). */
export interface AccountDraw {
  leverage: number;
  collateralUsd: number;
  cross: boolean;
  /** Positions (1, or crossPerAccount for a cross account) and their markets and sides. */
  count: number;
  readonly market: Int32Array;
  readonly side: Int8Array;
  /** Standard normal for the entry spread (`warmup: none`). */
  readonly z: Float64Array;
  /** Stop-loss / take-profit loss or gain fraction of collateral; NaN = none. */
  readonly stopFraction: Float64Array;
  readonly takeProfitFraction: Float64Array;
  topUp: boolean;
  topUpTrigger: number;
  deleverage: boolean;
}

export function newAccountDraw(maxPositions: number): AccountDraw {
  return {
    leverage: 0,
    collateralUsd: 0,
    cross: false,
    count: 0,
    market: new Int32Array(maxPositions),
    side: new Int8Array(maxPositions),
    z: new Float64Array(maxPositions),
    stopFraction: new Float64Array(maxPositions),
    takeProfitFraction: new Float64Array(maxPositions),
    topUp: false,
    topUpTrigger: 0,
    deleverage: false,
  };
}

/** What the draws of an account need from the scenario. */
export interface BookShape {
  cfg: TradersConfig;
  K: number;
  maxLeverage: number;
  /** Each market's initial-margin rule (its own maximum leverage and brackets). */
  imRules: InitialMarginRule[];
  crossPerAccount: number;
  weights: readonly number[];
}

export function bookShape(sc: Scenario): BookShape {
  const markets = marketConfigs(sc);
  const K = markets.length;
  const cfg = sc.traders;
  return {
    cfg,
    K,
    maxLeverage: sc.policy.maxLeverage,
    imRules: markets.map((_, m) => initialMarginRule(sc, m)),
    crossPerAccount: K === 1 ? 1 : Math.min(K, cfg.crossMarketsPerAccount ?? K),
    weights: cfg.marketWeights ?? markets.map(() => 1),
  };
}

/**
 * Draws one account's traits from `rng` into `out`, in a fixed order (leverage, collateral, margin
 * mode, markets, then per position side, entry spread, stop, take-profit; then top-up and
 * deleveraging behaviour), so a stream gives the same accounts however they are later placed.
 */
export function drawAccount(shape: BookShape, rng: Rng, normal: () => number, out: AccountDraw): void {
  const { cfg, K, crossPerAccount, weights } = shape;
  out.leverage = drawLeverage(cfg, rng, normal, shape.maxLeverage);
  out.collateralUsd = drawCollateralUsd(cfg, rng, normal);
  out.cross = rng() < cfg.crossMarginShare;
  // which markets: an isolated account trades one; a cross account `crossPerAccount` distinct ones
  const count = out.cross ? crossPerAccount : 1;
  out.count = count;
  if (count === 1) out.market[0] = K === 1 ? 0 : pickWeighted(weights, rng);
  else {
    let have = 0;
    while (have < count) {
      const m = count === K ? have : pickWeighted(weights, rng);
      let dup = false;
      for (let k = 0; k < have; k++) if (out.market[k] === m) dup = true;
      if (!dup) out.market[have++] = m;
    }
  }
  for (let k = 0; k < count; k++) {
    out.side[k] = rng() < cfg.longShare ? 1 : -1;
    out.z[k] = normal();
    const sl = cfg.stopLoss;
    out.stopFraction[k] = rng() < sl.share ? sl.lossFractionOfCollateralMin + (sl.lossFractionOfCollateralMax - sl.lossFractionOfCollateralMin) * rng() : NaN;
    const tp = cfg.takeProfit;
    out.takeProfitFraction[k] = rng() < tp.share ? tp.gainFractionOfCollateralMin + (tp.gainFractionOfCollateralMax - tp.gainFractionOfCollateralMin) * rng() : NaN;
  }
  const cCents = Math.round(out.collateralUsd * 100);
  const resCents = Math.round(cCents * cfg.topUp.reserveMultipleOfCollateral);
  const wantsTopUp = rng() < cfg.topUp.share;
  out.topUp = wantsTopUp && !out.cross && resCents > 0;
  // personal trigger: ±25% around the scenario's trigger excess over 1
  out.topUpTrigger = out.topUp ? 1 + (cfg.topUp.triggerMarginRatio - 1) * (0.75 + 0.5 * rng()) : 0;
  out.deleverage = rng() < cfg.volatilityDeleverage.share;
}

/** An account placed in the book: its positions' sizes, entries and orders. Reused per account. */
export interface PlacedAccount {
  marginCents: number;
  /** Seasoned books: the path step a top-up pending at step 0 falls due (0 = none). */
  topUpDue: number;
  reserveCents: number;
  /** Capped by the initial margin, per position. */
  capped: number;
  totalNotionalUsd: number;
  readonly size: Float64Array;
  readonly entry: Float64Array;
  readonly stop: Float64Array;
  readonly takeProfit: Float64Array;
}

export function newPlacedAccount(maxPositions: number): PlacedAccount {
  return {
    marginCents: 0,
    topUpDue: 0,
    reserveCents: 0,
    capped: 0,
    totalNotionalUsd: 0,
    size: new Float64Array(maxPositions),
    entry: new Float64Array(maxPositions),
    stop: new Float64Array(maxPositions),
    takeProfit: new Float64Array(maxPositions),
  };
}

/**
 * Places a drawn account at the given prices: `priceNow[m]` is each market's price when it opens
 * (the initial-margin check and the order rules use it); `entryOf(k, pNow)` gives position k's entry.
 * Each position is sized on its share of the collateral at leverage L, capped by the initial margin.
 * A stop or take-profit the price has already passed is placed at half its distance from here.
 */
export function placeAccount(
  shape: BookShape,
  d: AccountDraw,
  priceNow: ArrayLike<number>,
  maintenance: readonly MaintenanceModel[],
  entryOf: (k: number, pNow: number, notional: number, postedShare: number) => number,
  out: PlacedAccount,
): void {
  const cfg = shape.cfg;
  const cCents = Math.round(d.collateralUsd * 100);
  const resCents = Math.round(cCents * cfg.topUp.reserveMultipleOfCollateral);
  const postedCents = d.cross ? cCents + resCents : cCents;
  out.marginCents = postedCents;
  out.topUpDue = 0;
  out.reserveCents = d.cross ? 0 : resCents;
  out.capped = 0;
  out.totalNotionalUsd = 0;
  const count = d.count;
  for (let k = 0; k < count; k++) {
    const m = d.market[k];
    const pNow = priceNow[m];
    const side = d.side[k];
    // initial-margin check on the opening order (each position sized on its share of the collateral)
    const share = d.collateralUsd / count;
    let notional = share * d.leverage;
    const maxN = maxNotionalFor(share, pNow, shape.imRules[m], maintenance[m]);
    if (notional > maxN) {
      notional = maxN;
      out.capped++;
    }
    const postedShare = postedCents / 100 / count;
    const e = entryOf(k, pNow, notional, postedShare);
    out.entry[k] = e;
    out.size[k] = notional / e;
    out.totalNotionalUsd += notional;
    out.stop[k] = NaN;
    out.takeProfit[k] = NaN;
    const sf = d.stopFraction[k];
    if (sf === sf) {
      const lossPerUnit = (sf * postedShare) / out.size[k];
      let stop = e - side * lossPerUnit;
      // a stop the price has already passed would fire at once: place it at half that loss from here
      if (side === 1 ? stop >= pNow : stop <= pNow) stop = pNow - side * lossPerUnit * 0.5;
      out.stop[k] = stop > 0 ? stop : NaN;
    }
    const tf = d.takeProfitFraction[k];
    if (tf === tf) {
      const gainPerUnit = (tf * postedShare) / out.size[k];
      let tp = e + side * gainPerUnit;
      if (side === 1 ? tp <= pNow : tp >= pNow) tp = pNow + side * gainPerUnit * 0.5;
      out.takeProfit[k] = tp > 0 ? tp : NaN;
    }
  }
}

/**
 * Entry at t = 0 without a warm-up (`warmup: none`): opened earlier at a nearby price, s0·e^{spread·z}.
 * An entry whose loss at s0 would exceed 40% of the position's collateral is pulled halfway towards
 * s0 until it does not (the book at t = 0 has survived so far). The rule and the draws (one per
 * position) do not depend on the margin policy, so books under different policies are identical.
 */
function spreadEntry(cfg: TradersConfig, d: AccountDraw) {
  return (k: number, s0: number, notional: number, postedShare: number): number => {
    let e = s0;
    const side = d.side[k];
    for (let it = 0, shrink = 1; it < 20 && cfg.entryPriceSpreadLog > 0; it++, shrink *= 0.5) {
      const cand = s0 * Math.exp(cfg.entryPriceSpreadLog * d.z[k] * shrink);
      const q = notional / cand;
      const eq = postedShare + side * q * (s0 - cand);
      if (eq >= 0.6 * postedShare) {
        e = cand;
        break;
      }
    }
    return e;
  };
}

/** The book's typed arrays, sized for the opening accounts and the arrivals' spare capacity. */
export class BookWriter {
  readonly acctCross: Uint8Array;
  readonly acctMargin: Float64Array;
  readonly acctReserve: Float64Array;
  readonly acctTopUp: Uint8Array;
  readonly acctTopUpTrigger: Float64Array;
  readonly acctDeleverage: Uint8Array;
  readonly acctFirstPos: Int32Array;
  readonly acctNPos: Int32Array;
  readonly acctLeverage: Float64Array;
  readonly acctAgeSteps: Int32Array;
  readonly acctRenewals: Uint16Array;
  readonly acctTopUpDue: Int32Array;
  readonly posAccount: Int32Array;
  readonly posMarket: Int32Array;
  readonly posSide: Int8Array;
  readonly posSize: Float64Array;
  readonly posEntry: Float64Array;
  readonly posStop: Float64Array;
  readonly posTakeProfit: Float64Array;
  accounts = 0;
  positions = 0;
  capped = 0;
  deposits = 0;

  constructor(
    readonly accountCapacity: number,
    readonly positionCapacity: number,
    readonly markets: number,
  ) {
    this.acctCross = new Uint8Array(accountCapacity);
    this.acctMargin = new Float64Array(accountCapacity);
    this.acctReserve = new Float64Array(accountCapacity);
    this.acctTopUp = new Uint8Array(accountCapacity);
    this.acctTopUpTrigger = new Float64Array(accountCapacity);
    this.acctDeleverage = new Uint8Array(accountCapacity);
    this.acctFirstPos = new Int32Array(accountCapacity);
    this.acctNPos = new Int32Array(accountCapacity);
    this.acctLeverage = new Float64Array(accountCapacity);
    this.acctAgeSteps = new Int32Array(accountCapacity);
    this.acctRenewals = new Uint16Array(accountCapacity);
    this.acctTopUpDue = new Int32Array(accountCapacity);
    this.posAccount = new Int32Array(positionCapacity);
    this.posMarket = new Int32Array(positionCapacity);
    this.posSide = new Int8Array(positionCapacity);
    this.posSize = new Float64Array(positionCapacity);
    this.posEntry = new Float64Array(positionCapacity);
    this.posStop = new Float64Array(positionCapacity).fill(NaN);
    this.posTakeProfit = new Float64Array(positionCapacity).fill(NaN);
  }

  /** Appends a placed account as the next account of the book (its age and warm-up renewals, if seasoned). */
  add(d: AccountDraw, placed: PlacedAccount, ageSteps = 0, renewals = 0): void {
    const a = this.accounts++;
    this.acctAgeSteps[a] = ageSteps;
    this.acctRenewals[a] = Math.min(renewals, 65_535);
    this.acctTopUpDue[a] = placed.topUpDue;
    let p = this.positions;
    this.acctCross[a] = d.cross ? 1 : 0;
    this.acctMargin[a] = placed.marginCents;
    this.acctReserve[a] = placed.reserveCents;
    this.deposits += placed.marginCents + placed.reserveCents;
    this.acctFirstPos[a] = p;
    this.acctNPos[a] = d.count;
    for (let k = 0; k < d.count; k++) {
      this.posAccount[p] = a;
      this.posMarket[p] = d.market[k];
      this.posSide[p] = d.side[k];
      this.posEntry[p] = placed.entry[k];
      this.posSize[p] = placed.size[k];
      this.posStop[p] = placed.stop[k];
      this.posTakeProfit[p] = placed.takeProfit[k];
      p++;
    }
    this.positions = p;
    this.capped += placed.capped;
    this.acctLeverage[a] = placed.totalNotionalUsd / d.collateralUsd;
    if (d.topUp) {
      this.acctTopUp[a] = 1;
      this.acctTopUpTrigger[a] = d.topUpTrigger;
    }
    if (d.deleverage) this.acctDeleverage[a] = 1;
  }

  finish(): Population {
    return {
      accounts: this.accounts,
      accountCapacity: this.accountCapacity,
      positions: this.positions,
      positionCapacity: this.positionCapacity,
      markets: this.markets,
      acctCross: this.acctCross,
      acctMargin: this.acctMargin,
      acctReserve: this.acctReserve,
      acctTopUp: this.acctTopUp,
      acctTopUpTrigger: this.acctTopUpTrigger,
      acctDeleverage: this.acctDeleverage,
      acctFirstPos: this.acctFirstPos,
      acctNPos: this.acctNPos,
      acctLeverage: this.acctLeverage,
      acctAgeSteps: this.acctAgeSteps,
      acctRenewals: this.acctRenewals,
      acctTopUpDue: this.acctTopUpDue,
      posAccount: this.posAccount,
      posMarket: this.posMarket,
      posSide: this.posSide,
      posSize: this.posSize,
      posEntry: this.posEntry,
      posStop: this.posStop,
      posTakeProfit: this.posTakeProfit,
      cappedByInitialMargin: this.capped,
      depositsCents: this.deposits,
    };
  }
}

/** A book with room for `n` opening accounts and the scenario's arrivals. */
export function bookWriter(sc: Scenario, shape: BookShape): BookWriter {
  const extra = arrivalCapacity(sc);
  const n = sc.traders.count;
  return new BookWriter(n + extra, n * shape.crossPerAccount + extra, shape.K);
}

/**
 * The opening book without a warm-up (`traders.warmup: none`): every account drawn from the shared
 * "population" stream, positions opened near the initial price (`spreadEntry`).
 */
export function generateUnseasonedPopulation(sc: Scenario, maintenance: readonly MaintenanceModel[], bookIndex = 0): Population {
  const shape = bookShape(sc);
  const s0 = marketConfigs(sc).map((m) => m.initialPriceUsd);
  const rng = stream(sc.seed, bookStreamPath(bookIndex), 'population');
  const normal = normalSampler(rng);
  const book = bookWriter(sc, shape);
  const d = newAccountDraw(shape.crossPerAccount);
  const placed = newPlacedAccount(shape.crossPerAccount);
  const entry = spreadEntry(shape.cfg, d);
  for (let a = 0; a < sc.traders.count; a++) {
    drawAccount(shape, rng, normal, d);
    placeAccount(shape, d, s0, maintenance, entry, placed);
    book.add(d, placed);
  }
  return book.finish();
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
