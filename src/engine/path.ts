/**
 * One Monte Carlo path: H steps of the model in DESIGN.md §2, in the fixed order written out in
 * `step()`. Accounts and positions live in typed arrays. Per-trader work happens only for positions
 * whose trigger a price move crossed — per market, four indexed heaps keyed by trigger price
 * (liquidations and orders, for falls and for rises) — so a quiet step costs O(markets), not
 * O(traders). Cross-margin accounts spanning several markets have no single trigger price; they are
 * checked when the drift clock says prices could have moved them into breach (`scheduleMulti`). Every money movement goes through the ledger, and the
 * path ends with the ledger's exact conservation check.
 */
import { Ledger } from '../ledger/ledger.js';
import { stream, type Rng } from '../rng/streams.js';
import { poisson, normalSampler } from '../rng/distributions.js';
import { createPriceProcess, type PriceProcess } from '../price/process.js';
import { partialCloseSize } from '../liquidation/close.js';
import { adlOrder, allocateProRata, type AdlCandidate } from '../liquidation/waterfall.js';
import { maxMaintenanceRate, type MaintenanceModel } from '../margin/maintenance.js';
import { drawCollateralUsd, drawLeverage, maxNotionalFor, pickWeighted } from '../agents/population.js';
import { IndexedMaxHeap } from './heap.js';
import { createMarkRule, type MarkRule } from './mark.js';
import type { RunContext } from './context.js';

/** Cascade-size histograms: bin b of `accounts` holds cascades with 2^b ≤ accounts < 2^(b+1). */
export const CASCADE_ACCOUNT_BINS = 24;
/** Bin b of `notional` holds cascades with 10^(2 + b/4) ≤ notional < 10^(2 + (b+1)/4) USD. */
export const CASCADE_NOTIONAL_BINS = 48;
/** Generations per cascade: bin g holds cascades with g + 1 generations (last bin: that many or more). */
export const CASCADE_GENERATION_BINS = 32;
/** Generation classes of the per-interval series: generation 1, 2, 3, and 4 or later. */
export const SERIES_GENERATION_CLASSES = 4;

/** Compact summary of one path (what workers send back for every path). */
export interface PathSummary {
  pathIndex: number;
  badDebtUsd: number;
  liquidationCount: number;
  liquidatedNotionalUsd: number;
  liquidatedLongNotionalUsd: number;
  liquidatedShortNotionalUsd: number;
  tradersLiquidated: number;
  fundStartUsd: number;
  fundEndUsd: number;
  fundPaidUsd: number;
  fundExhausted: boolean;
  /** The step with the largest liquidated notional. */
  largestCascadeAccounts: number;
  largestCascadeNotionalUsd: number;
  largestCascadeGenerations: number;
  /** Log price move (market 0) caused by liquidation flow within that step (≤ 0 for a long cascade). */
  largestCascadeImpactLog: number;
  cascadeCount: number;
  /** Market 0's maximum drawdown, exogenous (fundamental) and realised (market price, with impact). */
  maxDrawdownExogenous: number;
  maxDrawdownRealised: number;
  /** Most negative and most positive impact state (log market − log fundamental) of market 0. */
  minImpactLog: number;
  maxImpactLog: number;
  stopLossCount: number;
  takeProfitCount: number;
  deleverageCount: number;
  topUpCount: number;
  topUpUsd: number;
  arrivals: number;
  momentumArrivals: number;
  arrivalsDropped: number;
  marginCalls: number;
  marginCallsSurvived: number;
  /** Liquidations postponed to a later step by a per-step cap, a cooldown, or liquidators declining. */
  liquidationsDeferred: number;
  liquidatorDeclined: number;
  liquidatorPnlUsd: number;
  backstopTakeovers: number;
  backstopPnlUsd: number;
  adlNotionalUsd: number;
  adlAccounts: number;
  adlProfitTakenUsd: number;
  socialisedLossUsd: number;
  socialisedAccounts: number;
  /** Highest maintenance rate reached (volatility-adaptive MMR; 0 for static schedules). */
  maxMmr: number;
  finalFundamentalUsd: number;
  finalMarkUsd: number;
}

/** Per-path histograms, summed across paths by the aggregator. */
export interface PathHistograms {
  cascadeAccounts: Uint32Array;
  cascadeNotional: Uint32Array;
  cascadeGenerations: Uint32Array;
}

/** Time series of a sampled path, bucketed to `points` time points (prices are market 0's). */
export interface PathSeries {
  /** Step index of each point (0 … horizonSteps). */
  steps: Int32Array;
  fundamentalUsd: Float64Array;
  markUsd: Float64Array;
  /** Liquidated notional since the previous point (all markets). */
  liquidatedLongUsd: Float64Array;
  liquidatedShortUsd: Float64Array;
  openInterestUsd: Float64Array;
  insuranceFundUsd: Float64Array;
  /** Liquidated notional by cascade generation over the whole path (index = generation). */
  liquidatedByGenerationUsd: Float64Array;
  /** [c][j]: liquidated notional of generation class c (1, 2, 3, 4+) since the previous point. */
  liquidatedByGenerationClassUsd: Float64Array[];
}

export interface PathResult {
  summary: PathSummary;
  histograms: PathHistograms;
  series?: PathSeries;
}

interface MarketHeaps {
  liqDown: IndexedMaxHeap;
  liqUp: IndexedMaxHeap;
  decDown: IndexedMaxHeap;
  decUp: IndexedMaxHeap;
  /** Dynamic (volatility-adaptive) rate only: top-up triggers keyed by bankruptcy price. */
  topDown: IndexedMaxHeap;
  topUp: IndexedMaxHeap;
}

const HEAP_NAMES = ['liqDown', 'liqUp', 'decDown', 'decUp', 'topDown', 'topUp'] as const;

function makeHeaps(cap: number): MarketHeaps {
  const h = () => new IndexedMaxHeap(cap);
  return { liqDown: h(), liqUp: h(), decDown: h(), decUp: h(), topDown: h(), topUp: h() };
}

/** Reusable per-worker buffers, so a path allocates nothing proportional to the book. */
export class PathBuffers {
  // accounts
  readonly margin: Float64Array;
  readonly reserve: Float64Array;
  readonly cross: Uint8Array;
  readonly topUp: Uint8Array;
  readonly topUpTrigger: Float64Array;
  readonly firstPos: Int32Array;
  readonly nPos: Int32Array;
  readonly pendingDue: Int32Array;
  readonly liquidated: Uint8Array;
  readonly graceUntil: Int32Array;
  readonly cooldownUntil: Int32Array;
  readonly liqThisStep: Float64Array;
  readonly mark: Uint8Array;
  /** 1 = a liquidation cut short by a per-step cap continues next step, breach or not. */
  readonly queued: Uint8Array;
  // positions
  readonly posAccount: Int32Array;
  readonly posMarket: Int32Array;
  readonly posSide: Int8Array;
  readonly size: Float64Array;
  readonly entry: Float64Array;
  readonly stop: Float64Array;
  readonly takeProfit: Float64Array;
  readonly closeSize: Float64Array;
  readonly scratchPos: Int32Array;
  readonly parkKey: Float64Array;
  /** Multi-market cross accounts: next check is due when the drift clock reaches this (see `driftClock`). */
  readonly multiDue: IndexedMaxHeap;
  // work lists
  readonly heaps: MarketHeaps[];
  /** The heaps as they stand when the book opens (identical for every path of a run). */
  template?: MarketHeaps[];
  /** The opening book's totals, computed on the first path. */
  opening?: { margin: number; reserve: number; oiLong: Float64Array; oiShort: Float64Array };
  /** Accounts and positions the last path used (arrivals fill slots past the opening book). */
  usedAccounts = 0;
  usedPositions = 0;
  readonly multi: Int32Array;
  readonly list: Int32Array;
  readonly list2: Int32Array;
  readonly requeue: Int32Array;
  readonly grace: Int32Array;
  /** Accounts popped at a float tie with their threshold, re-keyed after the cascade. */
  readonly deferred: Int32Array;
  readonly tracked: Int32Array;
  /** How each account closing in the current round leaves the book (a Route). */
  readonly route: Uint8Array;
  constructor(ctx: RunContext) {
    const pop = ctx.population;
    const A = pop.accountCapacity;
    const P = pop.positionCapacity;
    this.margin = new Float64Array(A);
    this.reserve = new Float64Array(A);
    this.cross = new Uint8Array(A);
    this.topUp = new Uint8Array(A);
    this.topUpTrigger = new Float64Array(A);
    this.firstPos = new Int32Array(A);
    this.nPos = new Int32Array(A);
    this.pendingDue = new Int32Array(A);
    this.liquidated = new Uint8Array(A);
    this.graceUntil = new Int32Array(A);
    this.cooldownUntil = new Int32Array(A);
    this.liqThisStep = new Float64Array(A);
    this.mark = new Uint8Array(A);
    this.queued = new Uint8Array(A);
    this.posAccount = new Int32Array(P);
    this.posMarket = new Int32Array(P);
    this.posSide = new Int8Array(P);
    this.size = new Float64Array(P);
    this.entry = new Float64Array(P);
    this.stop = new Float64Array(P);
    this.takeProfit = new Float64Array(P);
    this.closeSize = new Float64Array(P);
    this.scratchPos = new Int32Array(P);
    this.parkKey = new Float64Array(P);
    this.multiDue = new IndexedMaxHeap(A);
    this.heaps = Array.from({ length: ctx.markets }, () => makeHeaps(P));
    const multi: number[] = [];
    for (let a = 0; a < pop.accounts; a++) if (pop.acctNPos[a] > 1) multi.push(a);
    this.multi = Int32Array.from(multi);
    this.list = new Int32Array(A);
    this.list2 = new Int32Array(A);
    this.requeue = new Int32Array(A);
    this.grace = new Int32Array(A);
    this.deferred = new Int32Array(A);
    this.tracked = new Int32Array(A);
    this.route = new Uint8Array(A);
  }
}

const MAX_GENERATIONS_PER_STEP = 10_000;

let exhaustiveMultiChecks = false;
/**
 * Test hook: check multi-market cross accounts at every price change instead of skipping the ones
 * the drift clock proves safe. Results must be identical either way.
 */
export function setExhaustiveMultiChecks(on: boolean): void {
  exhaustiveMultiChecks = on;
}

/** Simulates path `pathIndex` of the run described by `ctx`. */
export function simulatePath(ctx: RunContext, pathIndex: number, buffers: PathBuffers, wantSeries: boolean): PathResult {
  return new PathSim(ctx, pathIndex, buffers, wantSeries).run();
}

/** How a liquidated account's positions leave the book. */
const enum Route {
  Market = 0,
  Liquidator = 1,
  Backstop = 2,
}

class PathSim {
  private readonly sc;
  private readonly pop;
  private readonly K: number;
  private readonly H: number;
  private readonly mm: MaintenanceModel[];
  private readonly marks: MarkRule[];
  private readonly prices: PriceProcess;
  private readonly behaviour: Rng;
  private readonly arrivalsRng: Rng;
  private readonly arrivalsNormal: () => number;
  private readonly ledger = new Ledger();
  private readonly b: PathBuffers;
  // per-market state
  private readonly logF: Float64Array;
  private readonly ret: Float64Array;
  private readonly impactState: Float64Array;
  private readonly market: Float64Array;
  private readonly markPx: Float64Array;
  private readonly prevMark: Float64Array;
  private readonly ewmaVar: Float64Array;
  private readonly ewmaLambda: Float64Array;
  private readonly depthMult: Float64Array;
  private readonly oiLong: Float64Array;
  private readonly oiShort: Float64Array;
  private readonly spiking: Uint8Array;
  private readonly deleverageDue: Uint8Array;
  private readonly liquidatorUsed: Float64Array;
  private readonly marketLiqUsed: Float64Array;
  private readonly logMarkHistory: Float64Array[];
  private readonly flow: Float64Array;
  private readonly fill: Float64Array;
  // accounts in use (opening book + arrivals so far)
  private nAccounts: number;
  private nPositions: number;
  private fundCents: number;
  private fundPaidThisStep = 0;
  private backstopCents: number;
  private walletCents = 0;
  /** Accounts whose top-up falls due at each step (entries whose pendingDue no longer matches are skipped). */
  private readonly dueLists: (number[] | undefined)[];
  private nRequeue = 0;
  private nGrace = 0;
  private t = 0;
  // outputs
  private readonly s: PathSummary;
  private readonly hist: PathHistograms;
  private readonly series?: PathSeries;
  private readonly seriesSteps?: Int32Array;
  private seriesCursor = 1;
  private stepLiqLong = 0;
  private stepLiqShort = 0;
  private bucketLiqLong = 0;
  private bucketLiqShort = 0;
  private readonly byGeneration = new Float64Array(64);
  private readonly stepByClass = new Float64Array(SERIES_GENERATION_CLASSES);
  private readonly bucketByClass = new Float64Array(SERIES_GENERATION_CLASSES);
  private peakFundamental: number;
  private peakMarket: number;
  private readonly adlHit = new Set<number>();
  private readonly socialisedHit = new Set<number>();
  private readonly marked: number[] = [];
  private adlCache?: { t: number; clock: number; m: number; side: number; positions: number; order: number[]; cursor: number };
  /**
   * The drift clock: Σ over every mark change of |Δ log mark| (all markets). A multi-market cross
   * account with slack eq − MM = S and notional N cannot breach before the clock has advanced by
   * log(1 + S / (N·(1 + r_max))) — every price has moved by at most e^{Δclock} − 1 — so it is checked
   * only then (DESIGN.md §6: per-step cost grows with accounts near a threshold).
   */
  private driftClock = 0;
  private readonly rMax: number;
  /** The widest personal top-up trigger in the book (triggers are drawn within ±25% of the excess). */
  private readonly topUpTriggerMax: number;

  constructor(
    private readonly ctx: RunContext,
    private readonly pathIndex: number,
    buffers: PathBuffers,
    wantSeries: boolean,
  ) {
    const sc = (this.sc = ctx.scenario);
    this.pop = ctx.population;
    this.K = ctx.markets;
    this.H = sc.horizonSteps;
    this.b = buffers;
    const K = this.K;
    this.mm = Array.from({ length: K }, (_, m) => ctx.maintenanceFor(m));
    this.marks = Array.from({ length: K }, () => createMarkRule(sc.policy.markPrice));
    this.rMax = maxMaintenanceRate(sc.policy.maintenance, sc.policy.maxLeverage);
    this.topUpTriggerMax = 1 + 1.25 * (sc.traders.topUp.triggerMarginRatio - 1);
    this.prices = createPriceProcess(sc, pathIndex, ctx.priceData);
    this.behaviour = stream(sc.seed, pathIndex, 'behaviour');
    this.arrivalsRng = stream(sc.seed, pathIndex, 'arrivals');
    this.arrivalsNormal = normalSampler(this.arrivalsRng);
    const markets = [sc.market, ...sc.otherMarkets];
    this.logF = Float64Array.from(markets, (m) => Math.log(m.initialPriceUsd));
    this.ret = new Float64Array(K);
    this.impactState = new Float64Array(K);
    this.market = Float64Array.from(markets, (m) => m.initialPriceUsd);
    this.markPx = Float64Array.from(this.market);
    this.prevMark = Float64Array.from(this.market);
    this.ewmaVar = Float64Array.from(ctx.nominalVolPerStep, (v) => v * v);
    this.ewmaLambda = Float64Array.from(markets, (m) => Math.pow(2, -1 / m.volatilityHalfLifeSteps));
    this.depthMult = new Float64Array(K).fill(1);
    this.oiLong = new Float64Array(K);
    this.oiShort = new Float64Array(K);
    this.spiking = new Uint8Array(K);
    this.deleverageDue = new Uint8Array(K);
    this.liquidatorUsed = new Float64Array(K);
    this.marketLiqUsed = new Float64Array(K);
    const L = sc.traders.arrivals.momentumLookbackSteps;
    this.logMarkHistory = markets.map((m) => new Float64Array(L + 1).fill(Math.log(m.initialPriceUsd)));
    this.flow = new Float64Array(K);
    this.fill = new Float64Array(K);
    this.marks.forEach((r, m) => r.reset(this.market[m]));
    this.nAccounts = this.pop.accounts;
    this.nPositions = this.pop.positions;
    this.peakFundamental = this.market[0];
    this.peakMarket = this.market[0];
    this.fundCents = Math.round(sc.policy.insuranceFund.initialUsd * 100);
    this.backstopCents = sc.policy.liquidation.backstop.enabled ? Math.round(sc.policy.liquidation.backstop.capitalUsd * 100) : 0;
    this.dueLists = new Array(this.H + 2);
    const s0 = this.market[0];
    this.s = {
      pathIndex,
      badDebtUsd: 0,
      liquidationCount: 0,
      liquidatedNotionalUsd: 0,
      liquidatedLongNotionalUsd: 0,
      liquidatedShortNotionalUsd: 0,
      tradersLiquidated: 0,
      fundStartUsd: this.fundCents / 100,
      fundEndUsd: 0,
      fundPaidUsd: 0,
      fundExhausted: false,
      largestCascadeAccounts: 0,
      largestCascadeNotionalUsd: 0,
      largestCascadeGenerations: 0,
      largestCascadeImpactLog: 0,
      cascadeCount: 0,
      maxDrawdownExogenous: 0,
      maxDrawdownRealised: 0,
      minImpactLog: 0,
      maxImpactLog: 0,
      stopLossCount: 0,
      takeProfitCount: 0,
      deleverageCount: 0,
      topUpCount: 0,
      topUpUsd: 0,
      arrivals: 0,
      momentumArrivals: 0,
      arrivalsDropped: 0,
      marginCalls: 0,
      marginCallsSurvived: 0,
      liquidationsDeferred: 0,
      liquidatorDeclined: 0,
      liquidatorPnlUsd: 0,
      backstopTakeovers: 0,
      backstopPnlUsd: 0,
      adlNotionalUsd: 0,
      adlAccounts: 0,
      adlProfitTakenUsd: 0,
      socialisedLossUsd: 0,
      socialisedAccounts: 0,
      maxMmr: 0,
      finalFundamentalUsd: s0,
      finalMarkUsd: s0,
    };
    this.hist = {
      cascadeAccounts: new Uint32Array(CASCADE_ACCOUNT_BINS),
      cascadeNotional: new Uint32Array(CASCADE_NOTIONAL_BINS),
      cascadeGenerations: new Uint32Array(CASCADE_GENERATION_BINS),
    };
    if (wantSeries) {
      const P = Math.min(sc.output.seriesPoints, this.H + 1);
      const steps = new Int32Array(P);
      for (let j = 0; j < P; j++) steps[j] = Math.round((j * this.H) / (P - 1));
      this.seriesSteps = steps;
      this.series = {
        steps,
        fundamentalUsd: new Float64Array(P),
        markUsd: new Float64Array(P),
        liquidatedLongUsd: new Float64Array(P),
        liquidatedShortUsd: new Float64Array(P),
        openInterestUsd: new Float64Array(P),
        insuranceFundUsd: new Float64Array(P),
        liquidatedByGenerationUsd: this.byGeneration,
        liquidatedByGenerationClassUsd: Array.from({ length: SERIES_GENERATION_CLASSES }, () => new Float64Array(P)),
      };
    }
  }

  run(): PathResult {
    this.open();
    for (this.t = 1; this.t <= this.H; this.t++) this.step();
    return this.finish();
  }

  /** Opens the book: deposits, positions, trigger heaps. */
  private open(): void {
    const { pop, b, ledger } = this;
    const A = pop.accounts;
    const P = pop.positions;
    if (!b.opening) {
      // first path on these buffers: everything, and the book's totals
      b.cross.set(pop.acctCross);
      b.topUp.set(pop.acctTopUp);
      b.topUpTrigger.set(pop.acctTopUpTrigger);
      b.firstPos.set(pop.acctFirstPos);
      b.nPos.set(pop.acctNPos);
      b.posAccount.set(pop.posAccount);
      b.posMarket.set(pop.posMarket);
      b.posSide.set(pop.posSide);
      b.entry.set(pop.posEntry);
      b.stop.set(pop.posStop);
      b.takeProfit.set(pop.posTakeProfit);
      let margin = 0;
      let reserve = 0;
      for (let a = 0; a < A; a++) {
        margin += pop.acctMargin[a];
        reserve += pop.acctReserve[a];
      }
      const oiLong = new Float64Array(this.K);
      const oiShort = new Float64Array(this.K);
      for (let p = 0; p < P; p++) {
        if (pop.posSide[p] === 1) oiLong[pop.posMarket[p]] += pop.posSize[p];
        else oiShort[pop.posMarket[p]] += pop.posSize[p];
      }
      b.opening = { margin, reserve, oiLong, oiShort };
    } else {
      // later paths: only what a path changes. The opening book's static fields are never written
      // during a path; arrivals write slots past it, which are restored here.
      const restore = <T extends Float64Array | Int32Array | Uint8Array | Int8Array>(dst: T, src: T, from: number, to: number) => {
        if (to > from) dst.set(src.subarray(from, to), from);
      };
      restore(b.cross, pop.acctCross, A, b.usedAccounts);
      restore(b.topUp, pop.acctTopUp, A, b.usedAccounts);
      restore(b.topUpTrigger, pop.acctTopUpTrigger, A, b.usedAccounts);
      restore(b.firstPos, pop.acctFirstPos, A, b.usedAccounts);
      restore(b.nPos, pop.acctNPos, A, b.usedAccounts);
      restore(b.posAccount, pop.posAccount, P, b.usedPositions);
      restore(b.posMarket, pop.posMarket, P, b.usedPositions);
      restore(b.posSide, pop.posSide, P, b.usedPositions);
      restore(b.entry, pop.posEntry, P, b.usedPositions);
      restore(b.stop, pop.posStop, P, b.usedPositions);
      restore(b.takeProfit, pop.posTakeProfit, P, b.usedPositions);
    }
    b.margin.set(pop.acctMargin);
    b.reserve.set(pop.acctReserve);
    b.size.set(pop.posSize);
    b.pendingDue.fill(-1);
    b.graceUntil.fill(-1);
    b.cooldownUntil.fill(-1);
    b.liquidated.fill(0);
    b.liqThisStep.fill(0);
    b.mark.fill(0);
    b.queued.fill(0);
    const { margin, reserve } = b.opening;
    this.oiLong.set(b.opening.oiLong);
    this.oiShort.set(b.opening.oiShort);
    ledger.deposit('margin', margin);
    if (reserve > 0) ledger.deposit('reserve', reserve);
    if (this.fundCents > 0) ledger.deposit('insurance', this.fundCents);
    if (this.backstopCents > 0) ledger.deposit('backstop', this.backstopCents);
    // The opening heaps depend only on the book, so they are built once per run and copied per path.
    if (!b.template) {
      for (const h of b.heaps) for (const k of HEAP_NAMES) h[k].clear();
      for (let p = 0; p < pop.positions; p++) this.rekeyPosition(p);
      b.template = b.heaps.map((h) => {
        const c = makeHeaps(pop.positionCapacity);
        for (const k of HEAP_NAMES) c[k].copyFrom(h[k]);
        return c;
      });
    } else {
      b.heaps.forEach((h, m) => {
        for (const k of HEAP_NAMES) h[k].copyFrom(b.template![m][k]);
      });
    }
    for (let m = 0; m < this.K; m++) if (this.mm[m].dynamic) this.s.maxMmr = Math.max(this.s.maxMmr, this.mm[m].rate());
    b.multiDue.clear();
    for (let k = 0; k < b.multi.length; k++) b.multiDue.set(b.multi[k], 0);
    this.recordSeriesPoint(0);
  }

  /**
   * One step, in the order of DESIGN.md §2. Each phase is a method.
   */
  private step(): void {
    this.exogenousMove(); //   1. fundamental prices (all markets, correlated shocks)
    this.updateMarket(); //    2. impact decay → market price → mark price; liquidity in stress
    this.traderDecisions(); // 3. top-ups due, orders triggered, spike deleveraging, new entries (IM-checked)
    this.liquidationCascade(); // 4–6. maintenance check (grace, caps, liquidators, backstop), rounds with impact, loss waterfall
    this.endOfStep(); //       7. records; mark history, volatility estimates, adaptive MMR
  }

  // ------------------------------------------------------------------ phases

  private exogenousMove(): void {
    this.prices.next(this.ret);
    for (let m = 0; m < this.K; m++) this.logF[m] += this.ret[m];
  }

  private updateMarket(): void {
    for (let m = 0; m < this.K; m++) {
      this.impactState[m] *= this.ctx.impact[m].decayPerStep;
      const el = this.sc.market.impact.stressElasticity;
      const cfgEl = m === 0 ? el : this.sc.otherMarkets[m - 1].impact.stressElasticity;
      if (cfgEl > 0) {
        const ratio = this.ctx.nominalVolPerStep[m] / Math.sqrt(this.ewmaVar[m]);
        this.depthMult[m] = Math.pow(Math.min(1, ratio), cfgEl);
      }
      this.setMarketFromState(m);
    }
    this.marketLiqUsed.fill(0);
    this.liquidatorUsed.fill(0);
    this.fundPaidThisStep = 0;
  }

  private setMarketFromState(m: number): void {
    this.market[m] = Math.exp(this.logF[m] + this.impactState[m]);
    const old = this.markPx[m];
    this.markPx[m] = this.marks[m].onMarket(this.market[m]);
    this.driftClock += Math.abs(Math.log(this.markPx[m] / old));
  }

  /** Schedules the next check of multi-market cross account a on the drift clock. */
  private scheduleMulti(a: number): void {
    const N = this.notional(a);
    const dyn = this.mm[0].dynamic;
    const slack = this.equity(a) - (dyn ? this.rMax * N : this.maintenance(a));
    const due = slack > 0 && N > 0 && !exhaustiveMultiChecks ? this.driftClock + Math.log1p(slack / (N * (1 + this.rMax))) : this.driftClock + 1e-12;
    this.b.multiDue.set(a, -due);
  }

  /** Marks a multi-market cross account for a check at the next opportunity. */
  private touchMulti(a: number): void {
    if (this.b.nPos[a] > 1) this.b.multiDue.set(a, -this.driftClock);
  }

  private traderDecisions(): void {
    const { b } = this;
    // a) top-ups whose reaction delay has passed
    const due = this.dueLists[this.t];
    this.dueLists[this.t] = undefined;
    if (due) {
      for (const a of due) {
        if (b.pendingDue[a] !== this.t) continue; // cancelled (lazy removal)
        b.pendingDue[a] = -1;
        this.attemptTopUp(a);
      }
    }
    // b) orders triggered by the mark: stop-losses and take-profits close (one block of flow per
    //    market), top-up triggers start the reaction delay
    let n = 0;
    const ids = b.list2;
    for (let m = 0; m < this.K; m++) {
      const h = b.heaps[m];
      const P = this.markPx[m];
      for (let dir = 0; dir < 2; dir++) {
        const heap = dir === 0 ? h.decDown : h.decUp; // orders hit by a fall, then by a rise
        const x = dir === 0 ? P : -P;
        while (heap.topKey() > x) {
          const p = heap.pop();
          const side = b.posSide[p];
          const stop = b.stop[p];
          const tp = b.takeProfit[p];
          const acct = b.posAccount[p];
          if (stop === stop && (side === 1 ? P <= stop : P >= stop)) {
            ids[n++] = p;
            b.closeSize[p] = b.size[p];
            this.s.stopLossCount++;
          } else if (tp === tp && (side === 1 ? P >= tp : P <= tp)) {
            ids[n++] = p;
            b.closeSize[p] = b.size[p];
            this.s.takeProfitCount++;
          } else {
            if (b.pendingDue[acct] < 0) this.schedule(acct, this.t + this.sc.traders.topUp.reactionDelaySteps);
            this.rekeyPosition(p); // keeps the other orders while the top-up is pending
          }
        }
      }
    }
    // b') dynamic rate: top-up candidates are positions with P·(1 ∓ k_max·rate) past their
    //     bankruptcy price; each is checked exactly, and those not yet at their own trigger wait
    //     (they stay in the heap and are looked at again next step)
    for (let m = 0; m < this.K; m++) {
      if (!this.mm[m].dynamic) continue;
      const h = b.heaps[m];
      const rate = this.mm[m].rate();
      const P = this.markPx[m];
      let parked = 0;
      const park = b.scratchPos;
      for (let dir = 0; dir < 2; dir++) {
        const heap = dir === 0 ? h.topDown : h.topUp;
        const x = dir === 0 ? P * (1 - this.topUpTriggerMax * rate) : -P * (1 + this.topUpTriggerMax * rate);
        while (heap.topKey() > x) {
          const key = heap.topKey();
          const p = heap.pop();
          const acct = b.posAccount[p];
          if (this.equity(acct) < b.topUpTrigger[acct] * this.maintenance(acct)) {
            if (b.pendingDue[acct] < 0) this.schedule(acct, this.t + this.sc.traders.topUp.reactionDelaySteps);
            this.rekeyPosition(p);
          } else {
            park[parked] = p;
            b.parkKey[parked++] = key;
          }
        }
        for (let i = 0; i < parked; i++) heap.set(park[i], b.parkKey[i]);
        parked = 0;
      }
    }
    // c) volatility-spike deleveraging
    for (let m = 0; m < this.K; m++) {
      if (!this.deleverageDue[m]) continue;
      this.deleverageDue[m] = 0;
      const f = this.sc.traders.volatilityDeleverage.reduceFraction;
      for (const p of this.ctx.deleveragers[m]) {
        if (b.size[p] <= 0 || b.mark[b.posAccount[p]]) continue;
        b.closeSize[p] = b.size[p] * f;
        ids[n++] = p;
        this.s.deleverageCount++;
      }
    }
    if (n > 0) this.voluntaryCloses(ids, n);
    // d) new entries
    this.arrivals();
  }

  /** Closes b.closeSize[p] of each listed position at the market, as one block of flow per market. */
  private voluntaryCloses(ids: Int32Array, n: number): void {
    const { b } = this;
    this.flow.fill(0);
    for (let k = 0; k < n; k++) {
      const p = ids[k];
      this.flow[b.posMarket[p]] -= b.posSide[p] * b.closeSize[p] * this.market[b.posMarket[p]];
    }
    for (let m = 0; m < this.K; m++) this.fill[m] = this.applyFlow(m, this.flow[m]);
    for (let k = 0; k < n; k++) {
      const p = ids[k];
      if (b.size[p] > 0) this.closePositions(b.posAccount[p], p, 0, Route.Market);
    }
  }

  /** Poisson arrivals (base and momentum-driven); their opening orders are one block of flow per market. */
  private arrivals(): void {
    const cfg = this.sc.traders.arrivals;
    if (cfg.perStep === 0 && cfg.momentumPerStep === 0) return;
    const rng = this.arrivalsRng;
    const weights = this.sc.traders.marketWeights ?? Array.from({ length: this.K }, () => 1);
    const orders: { m: number; side: 1 | -1; notional: number; cents: number; momentum: boolean }[] = [];
    const add = (m: number, side: 1 | -1, momentum: boolean) => {
      if (this.nAccounts + orders.length >= this.pop.accountCapacity || this.nPositions + orders.length >= this.pop.positionCapacity) {
        this.s.arrivalsDropped++; // beyond the book's spare capacity: not placed, no flow
        return;
      }
      const collateralUsd = drawCollateralUsd(this.sc.traders, rng, this.arrivalsNormal);
      const L = momentum ? cfg.momentumLeverage : drawLeverage(this.sc.traders, rng, this.arrivalsNormal, this.sc.policy.maxLeverage);
      // initial-margin check at the current mark
      const notional = Math.min(collateralUsd * L, maxNotionalFor(collateralUsd, this.markPx[m], this.sc.policy.maxLeverage, this.mm[m]));
      orders.push({ m, side, notional, cents: Math.round(collateralUsd * 100), momentum });
    };
    const nBase = poisson(rng, cfg.perStep);
    for (let k = 0; k < nBase; k++) add(pickWeighted(weights, rng), rng() < this.sc.traders.longShare ? 1 : -1, false);
    if (cfg.momentumPerStep > 0) {
      const L = cfg.momentumLookbackSteps;
      for (let m = 0; m < this.K; m++) {
        const hist = this.logMarkHistory[m];
        const r = hist[(this.t - 1) % (L + 1)] - hist[this.t % (L + 1)];
        const z = r / (this.ctx.nominalVolPerStep[m] * Math.sqrt(L));
        const nMom = poisson(rng, cfg.momentumPerStep * Math.min(Math.abs(z), cfg.momentumZCap));
        for (let k = 0; k < nMom; k++) add(m, z >= 0 ? 1 : -1, true);
      }
    }
    if (orders.length === 0) return;
    this.flow.fill(0);
    for (const o of orders) this.flow[o.m] += o.side * o.notional;
    for (let m = 0; m < this.K; m++) this.fill[m] = this.applyFlow(m, this.flow[m]);
    const { b } = this;
    for (const o of orders) {
      const a = this.nAccounts++;
      const p = this.nPositions++;
      const px = this.fill[o.m];
      b.margin[a] = o.cents;
      b.reserve[a] = 0;
      b.cross[a] = 0;
      b.topUp[a] = 0;
      b.firstPos[a] = p;
      b.nPos[a] = 1;
      b.posAccount[p] = a;
      b.posMarket[p] = o.m;
      b.posSide[p] = o.side;
      b.entry[p] = px;
      b.size[p] = o.notional / px;
      b.stop[p] = NaN;
      b.takeProfit[p] = NaN;
      this.ledger.deposit('margin', o.cents);
      if (o.side === 1) this.oiLong[o.m] += b.size[p];
      else this.oiShort[o.m] += b.size[p];
      this.s.arrivals++;
      if (o.momentum) this.s.momentumArrivals++;
      this.rekeyPosition(p);
    }
  }

  /** Rounds of liquidation until no account is in breach; each round is one generation. */
  private liquidationCascade(): void {
    const { b } = this;
    const liqCfg = this.sc.policy.liquidation;
    // accounts postponed last step (caps, cooldowns, declined) are looked at again
    const nReq = this.nRequeue;
    this.nRequeue = 0;
    for (let k = 0; k < nReq; k++) {
      const a = b.requeue[k];
      if (b.nPos[a] === 1 && this.isOpen(a) && !b.queued[a]) this.rekeyPosition(b.firstPos[a]);
    }
    // b.requeue[0 … nReq) is read once more in round 0 (pass (c)) before this step postpones anything.
    let nDeferred = 0;
    const deferred = b.deferred;
    let stepAccounts = 0;
    let stepNotional = 0;
    let generations = 0;
    let stepImpact0 = 0;
    const ids = b.list;
    const caps = liqCfg.caps;
    let nTracked = 0; // accounts with liquidated notional this step (per-account cap bookkeeping)
    for (let gen = 0; gen < MAX_GENERATIONS_PER_STEP; gen++) {
      let n = 0;
      // (a) accounts whose liquidation trigger the mark crossed
      for (let m = 0; m < this.K; m++) {
        const h = b.heaps[m];
        const P = this.markPx[m];
        const dyn = this.mm[m].dynamic;
        const rate = dyn ? this.mm[m].rate() : 0;
        const xDown = dyn ? P * (1 - rate) : P;
        const xUp = dyn ? -P * (1 + rate) : -P;
        for (let dir = 0; dir < 2; dir++) {
          const heap = dir === 0 ? h.liqDown : h.liqUp; // longs breach on a fall, shorts on a rise
          const x = dir === 0 ? xDown : xUp;
          while (heap.topKey() > x) {
            const p = heap.pop();
            const a = b.posAccount[p];
            if (b.mark[a]) continue;
            if (this.inBreach(a)) {
              this.setMark(a, 1);
              ids[n++] = a;
            } else deferred[nDeferred++] = a; // float tie at the threshold: re-keyed after the cascade
          }
        }
      }
      // (b) cross-margin accounts over several markets whose check is due on the drift clock
      const due = b.multiDue;
      while (due.size > 0 && due.topKey() >= -this.driftClock) {
        const a = due.pop();
        if (!this.isOpen(a) || b.graceUntil[a] >= 0) continue; // closed, or watched by the grace list
        if (b.mark[a]) continue; // handled this step already; re-scheduled after the cascade
        if (this.inBreach(a)) {
          this.setMark(a, 1);
          ids[n++] = a;
        } else this.scheduleMulti(a);
      }
      // (c) liquidations a per-step cap cut short: they continue, breach or not
      if (gen === 0) {
        for (let k = 0; k < nReq; k++) {
          const a = b.requeue[k];
          if (!b.queued[a]) continue;
          b.queued[a] = 0;
          if (b.mark[a] || !this.isOpen(a)) continue;
          this.setMark(a, 1);
          ids[n++] = a;
        }
      }
      // (d) accounts in a margin-call grace period
      for (let k = 0; k < this.nGrace; k++) {
        const a = b.grace[k];
        if (b.mark[a] || b.graceUntil[a] < 0 || !this.isOpen(a)) continue;
        const eq = this.equity(a);
        const mmv = this.maintenance(a);
        const expired = this.t >= b.graceUntil[a];
        if (eq < liqCfg.marginCall.liquidateBelowEquityFractionOfMm * mmv || (expired && eq < mmv)) {
          this.setMark(a, 1);
          ids[n++] = a;
        }
      }
      this.compactGrace();
      if (n === 0) break;

      // decide each account's fate this round: grace, wait (cooldown/caps/declined), or close
      let nClose = 0;
      this.flow.fill(0);
      const route = b.route;
      for (let k = 0; k < n; k++) {
        const a = ids[k];
        const eq = this.equity(a);
        const mmv = this.maintenance(a);
        const continuing = gen === 0 && eq >= mmv; // a capped liquidation carrying on
        // margin call: a first breach opens the grace period instead of liquidating
        if (!continuing && liqCfg.marginCall.graceSteps > 0 && b.graceUntil[a] < 0 && eq >= liqCfg.marginCall.liquidateBelowEquityFractionOfMm * mmv) {
          this.openGrace(a);
          continue;
        }
        if (b.cooldownUntil[a] > this.t) {
          this.postpone(a, continuing);
          continue;
        }
        // close sizes: full, partial or fraction
        const N = this.notional(a);
        let frac = 1;
        if (continuing) {
          frac = 1; // what the cap held back: the rest of a full close (partial styles restart from the ratio)
          if (liqCfg.kind !== 'full') frac = liqCfg.kind === 'fraction' && N > liqCfg.aboveNotionalUsd ? liqCfg.closeFraction : 0;
          if (frac === 0) continue;
        } else if (liqCfg.kind === 'partial') {
          frac = N > 0 ? partialCloseSize(N, 1, eq, mmv / N, liqCfg.bufferFraction, liqCfg.feeRate) / N : 1;
        } else if (liqCfg.kind === 'fraction' && N > liqCfg.aboveNotionalUsd) {
          frac = liqCfg.closeFraction;
        }
        // per-step caps: what exceeds them waits
        let allowed = frac * N;
        if (caps.perAccountNotionalUsdPerStep !== undefined) allowed = Math.min(allowed, caps.perAccountNotionalUsdPerStep - b.liqThisStep[a]);
        if (caps.marketNotionalUsdPerStep !== undefined) {
          for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
            if (b.size[q] <= 0) continue;
            const m = b.posMarket[q];
            const share = (b.size[q] * this.market[m]) / N;
            allowed = Math.min(allowed, (caps.marketNotionalUsdPerStep - this.marketLiqUsed[m]) / share);
          }
        }
        if (!(allowed > 1e-9 * N)) {
          this.postpone(a, continuing);
          continue;
        }
        const capped = allowed < frac * N * (1 - 1e-12);
        if (capped) frac = allowed / N;
        if (capped) b.queued[a] = 1;
        // route: backstop takeover, liquidators, or the exchange's own market order
        let r = Route.Market;
        if (liqCfg.backstop.enabled && eq < liqCfg.backstop.equityFractionOfMm * mmv) {
          r = Route.Backstop;
        } else if (liqCfg.liquidators.enabled) {
          const closeN = frac * N;
          let ok = true;
          for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
            if (b.size[q] <= 0) continue;
            const m = b.posMarket[q];
            const qN = frac * b.size[q] * this.market[m];
            const slip = Math.abs(Math.expm1(this.ctx.impact[m].fillFraction * this.ctx.impact[m].delta(qN, this.depthMult[m])));
            if (slip > liqCfg.liquidators.bonusFraction || this.liquidatorUsed[m] + qN > liqCfg.liquidators.capitalUsdPerStep) ok = false;
          }
          if (!ok) {
            this.s.liquidatorDeclined++;
            this.postpone(a, continuing);
            continue;
          }
          r = Route.Liquidator;
          void closeN;
        }
        if (r === Route.Backstop) frac = 1; // the vault takes the whole account
        if (capped && r !== Route.Backstop) this.postpone(a, continuing);
        for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
          if (b.size[q] <= 0) continue;
          const m = b.posMarket[q];
          b.closeSize[q] = frac * b.size[q];
          const qN = b.closeSize[q] * this.market[m];
          this.flow[m] -= b.posSide[q] * qN;
          this.marketLiqUsed[m] += qN;
          if (r === Route.Liquidator) this.liquidatorUsed[m] += qN;
        }
        if (b.liqThisStep[a] === 0) b.tracked[nTracked++] = a;
        b.liqThisStep[a] += frac * N;
        route[nClose] = r;
        b.list2[nClose++] = a;
      }
      // liquidation flow moves each market's price; the round fills at the average price
      const before0 = this.impactState[0];
      for (let m = 0; m < this.K; m++) this.fill[m] = this.applyFlow(m, this.flow[m]);
      stepImpact0 += this.impactState[0] - before0;
      for (let k = 0; k < nClose; k++) {
        const a = b.list2[k];
        let notional = 0;
        for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
          if (b.size[q] <= 0 || b.closeSize[q] <= 0) continue;
          const v = b.closeSize[q] * this.fill[b.posMarket[q]];
          notional += v;
          if (b.posSide[q] === 1) this.stepLiqLong += v;
          else this.stepLiqShort += v;
        }
        stepNotional += notional;
        this.byGeneration[Math.min(gen, this.byGeneration.length - 1)] += notional;
        this.stepByClass[Math.min(gen, SERIES_GENERATION_CLASSES - 1)] += notional;
        if (!b.liquidated[a]) {
          b.liquidated[a] = 1;
          this.s.tradersLiquidated++;
        }
        if (liqCfg.kind === 'fraction' && liqCfg.cooldownSteps > 0) b.cooldownUntil[a] = this.t + liqCfg.cooldownSteps;
        this.closePositions(a, -1, liqCfg.feeRate, route[k] as Route);
        if (b.graceUntil[a] >= 0) {
          // a liquidation ends the margin call
          b.graceUntil[a] = -1;
          if (b.nPos[a] === 1 && this.isOpen(a)) this.rekeyPosition(b.firstPos[a]);
        }
        if (b.mark[a] === 1) b.mark[a] = 0;
      }
      stepAccounts += nClose;
      if (nClose > 0) generations = gen + 1;
    }
    for (let k = 0; k < nDeferred; k++) {
      const a = deferred[k];
      if (b.nPos[a] === 1 && this.isOpen(a)) this.rekeyPosition(b.firstPos[a]);
    }
    for (let k = 0; k < nTracked; k++) b.liqThisStep[b.tracked[k]] = 0;
    for (const a of this.marked) {
      b.mark[a] = 0;
      if (b.nPos[a] > 1 && b.graceUntil[a] < 0 && this.isOpen(a)) this.touchMulti(a);
    }
    this.marked.length = 0;
    if (stepAccounts > 0) {
      const s = this.s;
      s.cascadeCount++;
      s.liquidationCount += stepAccounts;
      this.hist.cascadeAccounts[Math.min(CASCADE_ACCOUNT_BINS - 1, Math.floor(Math.log2(stepAccounts)))]++;
      const nb = Math.floor(4 * (Math.log10(Math.max(stepNotional, 100)) - 2));
      this.hist.cascadeNotional[Math.min(CASCADE_NOTIONAL_BINS - 1, nb)]++;
      this.hist.cascadeGenerations[Math.min(CASCADE_GENERATION_BINS - 1, generations - 1)]++;
      if (stepNotional > s.largestCascadeNotionalUsd) {
        s.largestCascadeNotionalUsd = stepNotional;
        s.largestCascadeAccounts = stepAccounts;
        s.largestCascadeGenerations = generations;
        s.largestCascadeImpactLog = stepImpact0;
      }
    }
  }

  private endOfStep(): void {
    const s = this.s;
    for (let m = 0; m < this.K; m++) {
      // mark history and the EWMA volatility estimate of the mark's one-step log return
      this.marks[m].commit();
      const r = Math.log(this.markPx[m] / this.prevMark[m]);
      this.prevMark[m] = this.markPx[m];
      const lam = this.ewmaLambda[m];
      this.ewmaVar[m] = lam * this.ewmaVar[m] + (1 - lam) * r * r;
      const L = this.sc.traders.arrivals.momentumLookbackSteps;
      this.logMarkHistory[m][this.t % (L + 1)] = Math.log(this.markPx[m]);
      // volatility spikes (deleveraging takes effect next step)
      const spike = Math.sqrt(this.ewmaVar[m]) > this.sc.traders.volatilityDeleverage.volatilityMultiple * this.ctx.nominalVolPerStep[m];
      if (spike && !this.spiking[m]) this.deleverageDue[m] = 1;
      this.spiking[m] = spike ? 1 : 0;
      // adaptive maintenance: the new rate (liquidation and top-up keys are bankruptcy prices, so
      // nothing needs re-keying)
      const model = this.mm[m];
      if (model.dynamic) {
        model.observe(r);
        const rate = model.rate();
        s.maxMmr = Math.max(s.maxMmr, rate);
      }
    }
    const f = Math.exp(this.logF[0]);
    const mk = this.market[0];
    if (f > this.peakFundamental) this.peakFundamental = f;
    if (mk > this.peakMarket) this.peakMarket = mk;
    s.maxDrawdownExogenous = Math.max(s.maxDrawdownExogenous, 1 - f / this.peakFundamental);
    s.maxDrawdownRealised = Math.max(s.maxDrawdownRealised, 1 - mk / this.peakMarket);
    if (this.impactState[0] < s.minImpactLog) s.minImpactLog = this.impactState[0];
    if (this.impactState[0] > s.maxImpactLog) s.maxImpactLog = this.impactState[0];
    s.liquidatedLongNotionalUsd += this.stepLiqLong;
    s.liquidatedShortNotionalUsd += this.stepLiqShort;
    this.bucketLiqLong += this.stepLiqLong;
    this.bucketLiqShort += this.stepLiqShort;
    for (let c = 0; c < SERIES_GENERATION_CLASSES; c++) {
      this.bucketByClass[c] += this.stepByClass[c];
      this.stepByClass[c] = 0;
    }
    this.stepLiqLong = 0;
    this.stepLiqShort = 0;
    if (this.series && this.seriesSteps![this.seriesCursor] === this.t) this.recordSeriesPoint(this.seriesCursor++);
    this.ledger.settle(); // the step's bookings into the decimal books
  }

  private recordSeriesPoint(j: number): void {
    const ser = this.series;
    if (!ser) return;
    ser.fundamentalUsd[j] = Math.exp(this.logF[0]);
    ser.markUsd[j] = this.markPx[0];
    ser.liquidatedLongUsd[j] = this.bucketLiqLong;
    ser.liquidatedShortUsd[j] = this.bucketLiqShort;
    let oi = 0;
    for (let m = 0; m < this.K; m++) oi += (this.oiLong[m] + this.oiShort[m]) * this.markPx[m];
    ser.openInterestUsd[j] = oi;
    ser.insuranceFundUsd[j] = this.fundCents / 100;
    for (let c = 0; c < SERIES_GENERATION_CLASSES; c++) {
      ser.liquidatedByGenerationClassUsd[c][j] = this.bucketByClass[c];
      this.bucketByClass[c] = 0;
    }
    this.bucketLiqLong = 0;
    this.bucketLiqShort = 0;
  }

  // ------------------------------------------------------------------ account arithmetic

  private isOpen(a: number): boolean {
    const { b } = this;
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) if (b.size[q] > 0) return true;
    return false;
  }

  /** Equity (USD) of account a at the marks. */
  private equity(a: number): number {
    const { b } = this;
    let eq = b.margin[a] / 100;
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
      if (b.size[q] > 0) eq += b.posSide[q] * b.size[q] * (this.markPx[b.posMarket[q]] - b.entry[q]);
    }
    return eq;
  }

  /** Maintenance margin (USD) of account a at the marks. */
  private maintenance(a: number): number {
    const { b } = this;
    let mmv = 0;
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
      if (b.size[q] > 0) mmv += this.mm[b.posMarket[q]].mm(b.size[q] * this.markPx[b.posMarket[q]], b.size[q]);
    }
    return mmv;
  }

  private notional(a: number): number {
    const { b } = this;
    let n = 0;
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) if (b.size[q] > 0) n += b.size[q] * this.markPx[b.posMarket[q]];
    return n;
  }

  private inBreach(a: number): boolean {
    return this.isOpen(a) && this.equity(a) < this.maintenance(a);
  }

  /** Sets an account's per-step flag (1 = in this round's list, 2 = postponed to a later step). */
  private setMark(a: number, v: number): void {
    if (!this.b.mark[a]) this.marked.push(a);
    this.b.mark[a] = v;
  }

  private postpone(a: number, keepQueued = false): void {
    if (keepQueued) this.b.queued[a] = 1;
    if (this.b.mark[a] !== 2) {
      this.b.requeue[this.nRequeue++] = a;
      this.s.liquidationsDeferred++;
    }
    this.setMark(a, 2); // not looked at again this step
  }

  private openGrace(a: number): void {
    const { b } = this;
    const cfg = this.sc.policy.liquidation.marginCall;
    b.graceUntil[a] = this.t + cfg.graceSteps;
    b.grace[this.nGrace++] = a;
    this.setMark(a, 1);
    this.s.marginCalls++;
    // the position leaves the liquidation heaps while the call runs; the grace list watches it
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
      const h = b.heaps[b.posMarket[q]];
      h.liqDown.remove(q);
      h.liqUp.remove(q);
    }
    // traders with a reserve answer the call after their reaction delay
    if (b.topUp[a] && b.reserve[a] > 0) {
      if (b.pendingDue[a] >= 0) this.unschedule(a);
      this.schedule(a, this.t + this.sc.traders.topUp.reactionDelaySteps);
    }
  }

  /** Drops finished margin calls from the grace list (survivors are re-keyed). */
  private compactGrace(): void {
    const { b } = this;
    let w = 0;
    for (let k = 0; k < this.nGrace; k++) {
      const a = b.grace[k];
      if (b.graceUntil[a] < 0) continue; // ended by a liquidation
      if (!this.isOpen(a)) {
        b.graceUntil[a] = -1;
        continue;
      }
      if (this.t >= b.graceUntil[a] && !b.mark[a]) {
        // expired and not in breach: the call is met
        b.graceUntil[a] = -1;
        this.s.marginCallsSurvived++;
        if (b.nPos[a] === 1) this.rekeyPosition(b.firstPos[a]);
        else this.touchMulti(a);
        continue;
      }
      b.grace[w++] = a;
    }
    this.nGrace = w;
  }

  /**
   * Applies a block of net flow (USD, + buy) to market m: moves its impact state and returns the
   * block's average fill price.
   */
  private applyFlow(m: number, flowUsd: number): number {
    if (flowUsd === 0) return this.market[m];
    const imp = this.ctx.impact[m];
    const dx = imp.delta(flowUsd, this.depthMult[m]);
    const fill = this.market[m] * Math.exp(imp.fillFraction * dx);
    this.impactState[m] += dx;
    this.setMarketFromState(m);
    return fill;
  }

  // ------------------------------------------------------------------ money

  /**
   * The one place positions and account balances change together. Closes, for account a, either the
   * single position `only` (its b.closeSize) or — with only = −1 — b.closeSize[q] of each of its
   * positions, at this round's fill prices. Books realised PnL with the market, the fee into the
   * insurance fund, liquidator / backstop PnL, returns what is left of a fully closed account to the
   * trader's wallet, and sends any shortfall down the loss waterfall.
   */
  private closePositions(a: number, only: number, feeRate: number, route: Route): void {
    const { b, ledger } = this;
    const first = b.firstPos[a];
    const last = first + b.nPos[a];
    const bonus = this.sc.policy.liquidation.liquidators.bonusFraction;
    let pnlCents = 0;
    let closedNotional = 0;
    let remainingUnrealised = 0;
    let vaultPnlCents = 0;
    let liquidatorPnlCents = 0;
    let worst = -1;
    let worstDq = 0;
    let worstNotional = 0;
    for (let q = first; q < last; q++) {
      if (b.size[q] <= 0) continue;
      const m = b.posMarket[q];
      const side = b.posSide[q];
      let dq = 0;
      if (only < 0 || q === only) dq = Math.min(b.size[q], b.closeSize[q]);
      if (only >= 0 && q !== only) dq = 0;
      if (dq >= b.size[q] * (1 - 1e-12)) dq = b.size[q];
      const fill = this.fill[m];
      if (dq > 0) {
        // the trader's price: market fill; liquidators pay the mark less their bonus; the vault the mark
        let px = fill;
        if (route === Route.Liquidator) px = this.markPx[m] * (1 - side * bonus);
        else if (route === Route.Backstop) px = this.markPx[m];
        const c = Math.round(side * dq * (px - b.entry[q]) * 100);
        pnlCents += c;
        ledger.recordRealisedPnl(c);
        if (route !== Route.Market) {
          const third = Math.round(side * dq * (fill - px) * 100);
          ledger.recordRealisedPnl(third);
          if (route === Route.Liquidator) liquidatorPnlCents += third;
          else vaultPnlCents += third;
        }
        closedNotional += dq * fill;
        if (worst < 0 || dq * fill > worstNotional) {
          worst = q;
          worstDq = dq;
          worstNotional = dq * fill;
        }
        b.size[q] -= dq;
        if (b.size[q] < 1e-12 * dq) b.size[q] = 0;
        if (side === 1) this.oiLong[m] -= dq;
        else this.oiShort[m] -= dq;
      }
      if (b.size[q] > 0) remainingUnrealised += side * b.size[q] * (this.markPx[m] - b.entry[q]);
    }
    // realised PnL against the market
    const margin = b.margin[a];
    let shortfall = 0;
    if (pnlCents >= 0) ledger.transfer('market', 'margin', pnlCents);
    else {
      const paid = Math.min(-pnlCents, margin);
      ledger.transfer('margin', 'market', paid);
      shortfall = -pnlCents - paid;
    }
    let after = margin + pnlCents + shortfall; // ≥ 0
    const full = !this.isOpen(a);
    // fee, capped by the equity that exists
    const equityAfter = after - shortfall + Math.round(remainingUnrealised * 100);
    const fee = shortfall > 0 ? 0 : Math.max(0, Math.min(Math.round(feeRate * closedNotional * 100), after, equityAfter));
    if (fee > 0) {
      ledger.transfer('margin', 'insurance', fee);
      this.fundCents += fee;
      after -= fee;
    }
    // liquidator and vault PnL (against the market)
    if (liquidatorPnlCents !== 0) {
      if (liquidatorPnlCents > 0) ledger.transfer('market', 'liquidator', liquidatorPnlCents);
      else ledger.transfer('liquidator', 'market', -liquidatorPnlCents);
      this.s.liquidatorPnlUsd += liquidatorPnlCents / 100;
    }
    if (route === Route.Backstop) {
      this.s.backstopTakeovers++;
      let vaultPnl = 0;
      // the trader forfeits what is left of the margin to the vault
      if (after > 0) {
        ledger.transfer('margin', 'backstop', after);
        this.backstopCents += after;
        vaultPnl += after;
        after = 0;
      }
      // the vault's unwind PnL, then the trader's shortfall, paid from its capital; what it cannot
      // pay goes down the rest of the waterfall
      if (vaultPnlCents > 0) {
        ledger.transfer('market', 'backstop', vaultPnlCents);
        this.backstopCents += vaultPnlCents;
        vaultPnl += vaultPnlCents;
      } else if (vaultPnlCents < 0) {
        const pay = Math.min(this.backstopCents, -vaultPnlCents);
        ledger.transfer('backstop', 'market', pay);
        this.backstopCents -= pay;
        vaultPnl -= pay;
        shortfall += -vaultPnlCents - pay;
      }
      if (shortfall > 0) {
        const pay = Math.min(this.backstopCents, shortfall);
        if (pay > 0) {
          ledger.transfer('backstop', 'market', pay);
          this.backstopCents -= pay;
          vaultPnl -= pay;
          shortfall -= pay;
        }
      }
      this.s.backstopPnlUsd += vaultPnl / 100;
    }
    if (full) {
      if (after > 0) ledger.transfer('margin', 'wallet', after);
      this.walletCents += after;
      b.margin[a] = 0;
      for (let q = first; q < last; q++) this.unkey(q);
      if (b.pendingDue[a] >= 0) this.unschedule(a);
      b.graceUntil[a] = -1;
    } else {
      b.margin[a] = after;
      if (b.nPos[a] === 1) this.rekeyPosition(first);
      else this.touchMulti(a);
    }
    if (shortfall > 0) {
      // ADL prices the deficit per unit of the largest position closed: each unit matched against it
      // gives up shortfall / size (the gap between its bankruptcy price and its fill)
      const q = worst >= 0 ? worst : first;
      this.coverShortfall(shortfall, b.posMarket[q], b.posSide[q] as 1 | -1, worstDq > 0 ? shortfall / 100 / worstDq : 0);
    }
  }

  /** Loss waterfall after the fee: insurance fund (with caps) → ADL or socialised loss → bad debt. */
  private coverShortfall(shortfallCents: number, m: number, side: 1 | -1, perUnitUsd: number): void {
    const fundCfg = this.sc.policy.insuranceFund;
    let avail = Math.floor(this.fundCents * fundCfg.maxShareOfFundPerEvent);
    if (fundCfg.maxPayoutUsdPerStep !== undefined) avail = Math.min(avail, Math.max(0, Math.round(fundCfg.maxPayoutUsdPerStep * 100) - this.fundPaidThisStep));
    const fromFund = Math.max(0, Math.min(avail, shortfallCents));
    if (fromFund > 0) {
      this.ledger.transfer('insurance', 'market', fromFund);
      this.fundCents -= fromFund;
      this.fundPaidThisStep += fromFund;
      this.s.fundPaidUsd += fromFund / 100;
    }
    let rest = shortfallCents - fromFund;
    if (rest <= 0) return;
    if (this.fundCents === 0) this.s.fundExhausted = true; // ran dry (as opposed to held back by its caps)
    const wf = this.sc.policy.waterfall.afterInsuranceFund;
    if (wf === 'adl') rest -= this.autoDeleverage(rest, m, side, perUnitUsd);
    else if (wf === 'socialised') rest -= this.socialise(rest);
    if (rest > 0) this.ledger.recordBadDebt(rest);
  }

  /**
   * Auto-deleveraging: profitable positions opposite to the bankrupt one (market m) are matched against
   * it: each unit closes at the mark and gives up `perUnit` = the bankrupt position's shortfall per
   * unit (its bankruptcy price minus its fill), i.e. it trades at the bankruptcy price instead of the
   * fill. Each haircut is capped by the account's equity. Returns cents covered.
   */
  private autoDeleverage(deficitCents: number, m: number, bankruptSide: 1 | -1, perUnit: number): number {
    const { b } = this;
    const P = this.markPx[m];
    if (!(perUnit > 0)) return 0;
    const ranking = this.sc.policy.waterfall.adlRanking;
    // The ranking is built once per (step, prices, market, side) and reused by every bankrupt account
    // of the round — ADL closes at the mark move no price. Candidates are re-valued when used.
    const c = this.adlCache;
    if (!c || c.t !== this.t || c.clock !== this.driftClock || c.m !== m || c.side !== bankruptSide || c.positions !== this.nPositions) {
      const cands: AdlCandidate[] = [];
      for (let p = 0; p < this.nPositions; p++) {
        if (b.size[p] <= 0 || b.posMarket[p] !== m || b.posSide[p] !== -bankruptSide) continue;
        const pnl = b.posSide[p] * b.size[p] * (P - b.entry[p]);
        if (pnl <= 0) continue;
        const a = b.posAccount[p];
        cands.push({ id: p, pnlUsd: pnl, marginUsd: b.margin[a] / 100, notionalUsd: this.notional(a), equityUsd: this.equity(a), size: b.size[p] });
      }
      this.adlCache = { t: this.t, clock: this.driftClock, m, side: bankruptSide, positions: this.nPositions, order: adlOrder(cands, ranking, this.behaviour).map((x) => x.id), cursor: 0 };
    }
    const cache = this.adlCache!;
    const order = cache.order;
    // what each candidate can give now: size·perUnit, capped by its account's equity
    const capOf = (p: number) => {
      if (b.size[p] <= 0 || b.posSide[p] * (P - b.entry[p]) <= 0) return 0;
      return Math.max(0, Math.floor(Math.min(b.size[p] * perUnit, this.equity(b.posAccount[p])) * 100));
    };
    const targets: [number, number][] = [];
    if (ranking === 'pro-rata') {
      const caps = Float64Array.from(order, capOf);
      const w = Float64Array.from(order, (p, k) => (caps[k] > 0 ? b.size[p] : 0));
      const share = allocateProRata(deficitCents, w, caps);
      order.forEach((p, k) => share[k] > 0 && targets.push([p, share[k]]));
    } else {
      let remaining = deficitCents;
      for (let k = cache.cursor; k < order.length && remaining > 0; k++) {
        const cap = capOf(order[k]);
        if (cap <= 0) {
          if (k === cache.cursor) cache.cursor++; // exhausted at the head: never looked at again
          continue;
        }
        const take = Math.min(cap, remaining);
        targets.push([order[k], take]);
        remaining -= take;
      }
    }
    let covered = 0;
    for (const [p, cents] of targets) {
      const a = b.posAccount[p];
      const dq = Math.min(b.size[p], cents / 100 / perUnit);
      // close dq at the mark — matched against the bankrupt position, so no market flow …
      const savedFill = this.fill[m];
      this.fill[m] = P;
      b.closeSize[p] = dq;
      this.closePositions(a, p, 0, Route.Market);
      this.fill[m] = savedFill;
      // … and hand over the haircut, size·|mark − bankruptcy| (capped by the equity it had)
      let pay: number;
      if (this.isOpen(a)) {
        pay = Math.min(cents, b.margin[a]);
        b.margin[a] -= pay;
        this.ledger.transfer('margin', 'market', pay);
        if (b.nPos[a] === 1) this.rekeyPosition(b.firstPos[a]);
        else this.touchMulti(a);
      } else {
        pay = Math.min(cents, this.walletCents); // its equity just went to the wallet
        this.walletCents -= pay;
        this.ledger.transfer('wallet', 'market', pay);
      }
      covered += pay;
      this.noteAdl(a, dq * P, pay);
    }
    return covered;
  }

  private noteAdl(a: number, notional: number, cents: number): void {
    this.s.adlNotionalUsd += notional;
    this.s.adlProfitTakenUsd += cents / 100;
    if (!this.adlHit.has(a)) {
      this.adlHit.add(a);
      this.s.adlAccounts++;
    }
  }

  /** Socialised loss: the deficit is spread over open accounts pro rata (open interest or winners' profit), capped by each one's equity. */
  private socialise(deficitCents: number): number {
    const { b } = this;
    const basis = this.sc.policy.waterfall.socialisedBasis;
    const accts: number[] = [];
    const w: number[] = [];
    const caps: number[] = [];
    for (let a = 0; a < this.nAccounts; a++) {
      if (!this.isOpen(a)) continue;
      const eq = this.equity(a);
      if (eq <= 0) continue;
      let weight = 0;
      if (basis === 'open-interest') weight = this.notional(a);
      else {
        for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
          if (b.size[q] > 0) weight += b.posSide[q] * b.size[q] * (this.markPx[b.posMarket[q]] - b.entry[q]);
        }
      }
      if (weight <= 0) continue;
      accts.push(a);
      w.push(weight);
      caps.push(Math.max(0, Math.min(Math.floor(eq * 100), b.margin[a])));
    }
    if (accts.length === 0) return 0;
    const share = allocateProRata(deficitCents, w, caps);
    let total = 0;
    for (let k = 0; k < accts.length; k++) {
      const c = share[k];
      if (c <= 0) continue;
      const a = accts[k];
      b.margin[a] -= c;
      total += c;
      if (!this.socialisedHit.has(a)) {
        this.socialisedHit.add(a);
        this.s.socialisedAccounts++;
      }
      if (b.nPos[a] === 1) this.rekeyPosition(b.firstPos[a]);
      else this.touchMulti(a);
    }
    if (total > 0) this.ledger.transfer('margin', 'market', total);
    this.s.socialisedLossUsd += total / 100;
    return total;
  }

  // ------------------------------------------------------------------ top-ups

  private schedule(a: number, due: number): void {
    if (due > this.H) {
      this.b.pendingDue[a] = this.H + 1; // too late to act within the horizon
      return;
    }
    if (due <= this.t) {
      this.attemptTopUp(a);
      return;
    }
    this.b.pendingDue[a] = due;
    (this.dueLists[due] ??= []).push(a);
  }

  /** Cancels a pending top-up (the entry stays in its step's list and is skipped there). */
  private unschedule(a: number): void {
    this.b.pendingDue[a] = -1;
  }

  /** A due top-up: if still below the trigger (or in a margin call), acts with the configured probability. */
  private attemptTopUp(a: number): void {
    const { b } = this;
    if (!this.isOpen(a) || b.reserve[a] === 0) return;
    const mmv = this.maintenance(a);
    const eq = this.equity(a);
    const inCall = b.graceUntil[a] >= 0;
    if (!inCall && eq >= b.topUpTrigger[a] * mmv) {
      if (b.nPos[a] === 1) this.rekeyPosition(b.firstPos[a]);
      return;
    }
    if (this.behaviour() >= this.sc.traders.topUp.actProbabilityPerStep) {
      this.schedule(a, this.t + 1);
      return;
    }
    // target: the top-up ratio, or the initial margin when answering a margin call
    const n = this.notional(a);
    const target = inCall ? Math.max(this.sc.traders.topUp.targetMarginRatio * mmv, n / this.sc.policy.maxLeverage, 2 * mmv) : this.sc.traders.topUp.targetMarginRatio * mmv;
    const wantCents = Math.ceil((target - eq) * 100);
    const amount = Math.min(b.reserve[a], Math.max(0, wantCents));
    if (amount > 0) {
      this.ledger.transfer('reserve', 'margin', amount);
      b.reserve[a] -= amount;
      b.margin[a] += amount;
      this.s.topUpCount++;
      this.s.topUpUsd += amount / 100;
    }
    if (b.nPos[a] === 1 && !inCall) this.rekeyPosition(b.firstPos[a]);
  }

  // ------------------------------------------------------------------ trigger keys

  private unkey(p: number): void {
    const h = this.b.heaps[this.b.posMarket[p]];
    for (const k of HEAP_NAMES) h[k].remove(p);
  }

  /**
   * Recomputes position p's trigger prices. Liquidation keys: the liquidation price (static
   * schedules) or the bankruptcy price (dynamic rate; compared against P·(1 ∓ rate)). Order keys: the
   * top-up trigger and stop on the adverse side, the take-profit on the favourable side. Positions of
   * multi-market cross accounts are not keyed (checked directly).
   */
  private rekeyPosition(p: number): void {
    const { b } = this;
    const a = b.posAccount[p];
    const q = b.size[p];
    const m = b.posMarket[p];
    const h = b.heaps[m];
    if (q <= 0 || b.nPos[a] !== 1) {
      this.unkey(p);
      return;
    }
    const side = b.posSide[p] as 1 | -1;
    const c = b.margin[a] / 100;
    const model = this.mm[m];
    const inCall = b.graceUntil[a] >= 0;
    if (inCall) {
      h.liqDown.remove(p);
      h.liqUp.remove(p);
    } else if (model.dynamic) {
      const B = b.entry[p] - (side * c) / q;
      if (side === 1) h.liqDown.set(p, B);
      else h.liqUp.set(p, -B);
    } else {
      const liq = model.thresholdPrice(side, q, b.entry[p], c, 1);
      if (side === 1) h.liqDown.set(p, liq);
      else h.liqUp.set(p, -liq);
    }
    // adverse-side orders: top-up trigger, stop-loss. Under a dynamic rate the top-up trigger
    // P·(1 − k·rate) < B moves every step, so it is keyed by the bankruptcy price B in its own heap
    // and compared with the widest personal trigger (see traderDecisions).
    let adverse = side === 1 ? -Infinity : Infinity;
    const wantsTopUp = b.topUp[a] && b.reserve[a] > 0 && b.pendingDue[a] < 0 && !inCall;
    if (model.dynamic) {
      const B = b.entry[p] - (side * c) / q;
      if (wantsTopUp && side === 1) h.topDown.set(p, B);
      else h.topDown.remove(p);
      if (wantsTopUp && side === -1) h.topUp.set(p, -B);
      else h.topUp.remove(p);
    } else if (wantsTopUp) {
      adverse = model.thresholdPrice(side, q, b.entry[p], c, b.topUpTrigger[a]);
    }
    const stop = b.stop[p];
    if (stop === stop) adverse = side === 1 ? Math.max(adverse, stop) : Math.min(adverse, stop);
    const tp = b.takeProfit[p];
    if (side === 1) {
      if (adverse > -Infinity) h.decDown.set(p, adverse);
      else h.decDown.remove(p);
      if (tp === tp) h.decUp.set(p, -tp);
      else h.decUp.remove(p);
    } else {
      if (adverse < Infinity) h.decUp.set(p, -adverse);
      else h.decUp.remove(p);
      if (tp === tp) h.decDown.set(p, tp);
      else h.decDown.remove(p);
    }
  }

  private finish(): PathResult {
    const { b, s } = this;
    b.usedAccounts = this.nAccounts;
    b.usedPositions = this.nPositions;
    let margin = 0;
    let reserve = 0;
    for (let a = 0; a < this.nAccounts; a++) {
      margin += b.margin[a];
      reserve += b.reserve[a];
    }
    this.ledger.checkConservation(
      { margin, reserve, wallet: this.walletCents, insurance: this.fundCents, backstop: this.backstopCents },
      `path ${this.pathIndex}`,
    );
    s.fundEndUsd = this.fundCents / 100;
    s.finalFundamentalUsd = Math.exp(this.logF[0]);
    s.finalMarkUsd = this.markPx[0];
    s.badDebtUsd = this.ledger.badDebtCents().div(100).toNumber();
    s.liquidatedNotionalUsd = s.liquidatedLongNotionalUsd + s.liquidatedShortNotionalUsd;
    return { summary: s, histograms: this.hist, series: this.series };
  }
}
