/**
 * One Monte Carlo path: H steps of the model in DESIGN.md §2, in the fixed order written out in
 * `step()`. Traders live in typed arrays; per-trader work happens only for accounts whose trigger a
 * price move crossed (four indexed heaps keyed by trigger price), so a quiet step costs O(1) in the
 * number of traders. Every money movement goes through the ledger (`applyClose`, `topUp`), and the
 * path ends with the ledger's exact conservation check.
 */
import { Ledger } from '../ledger/ledger.js';
import { stream, type Rng } from '../rng/streams.js';
import { createPriceModel, type PriceModel } from '../price/models.js';
import { closeOutcome, partialCloseSize } from '../liquidation/close.js';
import { IndexedMaxHeap } from './heap.js';
import type { RunContext } from './context.js';

/** Cascade-size histograms: bin b of `accounts` holds cascades with 2^b ≤ accounts < 2^(b+1). */
export const CASCADE_ACCOUNT_BINS = 24;
/** Bin b of `notional` holds cascades with 10^(2 + b/4) ≤ notional < 10^(2 + (b+1)/4) USD. */
export const CASCADE_NOTIONAL_BINS = 48;
/** Generations per cascade: bin g holds cascades with g + 1 generations (last bin: that many or more). */
export const CASCADE_GENERATION_BINS = 32;

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
  /** Log price move caused by liquidation flow within that step (≤ 0 for a long cascade). */
  largestCascadeImpactLog: number;
  cascadeCount: number;
  maxDrawdownExogenous: number;
  maxDrawdownRealised: number;
  /** Most negative and most positive impact state (log market − log fundamental) on the path. */
  minImpactLog: number;
  maxImpactLog: number;
  stopLossCount: number;
  topUpCount: number;
  topUpUsd: number;
  finalFundamentalUsd: number;
  finalMarkUsd: number;
}

/** Per-path histograms, summed across paths by the aggregator. */
export interface PathHistograms {
  cascadeAccounts: Uint32Array;
  cascadeNotional: Uint32Array;
  cascadeGenerations: Uint32Array;
}

/** Time series of a sampled path, bucketed to `points` time points. */
export interface PathSeries {
  /** Step index of each point (0 … horizonSteps). */
  steps: Int32Array;
  fundamentalUsd: Float64Array;
  markUsd: Float64Array;
  /** Liquidated notional since the previous point. */
  liquidatedLongUsd: Float64Array;
  liquidatedShortUsd: Float64Array;
  openInterestUsd: Float64Array;
  insuranceFundUsd: Float64Array;
  /** Liquidated notional by cascade generation over the whole path (index = generation). */
  liquidatedByGenerationUsd: Float64Array;
}

export interface PathResult {
  summary: PathSummary;
  histograms: PathHistograms;
  series?: PathSeries;
}

/** Reusable per-worker buffers, so a path allocates nothing proportional to the book. */
export class PathBuffers {
  readonly size: Float64Array;
  readonly margin: Float64Array;
  readonly reserve: Float64Array;
  readonly pendingNext: Int32Array;
  readonly pendingDue: Int32Array;
  readonly liquidated: Uint8Array;
  readonly liqLong: IndexedMaxHeap;
  readonly liqShort: IndexedMaxHeap;
  readonly decLong: IndexedMaxHeap;
  readonly decShort: IndexedMaxHeap;
  readonly scratch: Int32Array;
  readonly scratchSize: Float64Array;
  readonly deferred: Int32Array;
  /** The four heaps as they stand when the book opens (identical for every path of a run). */
  template?: { liqLong: IndexedMaxHeap; liqShort: IndexedMaxHeap; decLong: IndexedMaxHeap; decShort: IndexedMaxHeap };
  constructor(readonly n: number) {
    this.size = new Float64Array(n);
    this.margin = new Float64Array(n);
    this.reserve = new Float64Array(n);
    this.pendingNext = new Int32Array(n);
    this.pendingDue = new Int32Array(n);
    this.liquidated = new Uint8Array(n);
    this.liqLong = new IndexedMaxHeap(n);
    this.liqShort = new IndexedMaxHeap(n);
    this.decLong = new IndexedMaxHeap(n);
    this.decShort = new IndexedMaxHeap(n);
    this.scratch = new Int32Array(n);
    this.scratchSize = new Float64Array(n);
    this.deferred = new Int32Array(n);
  }
}

const MAX_GENERATIONS_PER_STEP = 10_000;

/** Simulates path `pathIndex` of the run described by `ctx`. */
export function simulatePath(ctx: RunContext, pathIndex: number, buffers: PathBuffers, wantSeries: boolean): PathResult {
  return new PathSim(ctx, pathIndex, buffers, wantSeries).run();
}

class PathSim {
  // configuration
  private readonly pop;
  private readonly mm;
  private readonly impact;
  private readonly feeRate: number;
  private readonly partial: boolean;
  private readonly bufferFraction: number;
  private readonly H: number;
  private readonly topUpTarget: number;
  private readonly topUpDelay: number;
  private readonly topUpProb: number;
  // random streams
  private readonly priceModel: PriceModel;
  private readonly behaviour: Rng;
  // state
  private readonly b: PathBuffers;
  private readonly ledger = new Ledger();
  private logFundamental: number;
  private impactState = 0;
  private market: number;
  private mark: number;
  private fundCents: number;
  private walletCents = 0;
  private oiLong = 0;
  private oiShort = 0;
  private readonly dueHead: Int32Array;
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
  private peakFundamental: number;
  private peakMarket: number;

  constructor(
    private readonly ctx: RunContext,
    private readonly pathIndex: number,
    buffers: PathBuffers,
    wantSeries: boolean,
  ) {
    const sc = ctx.scenario;
    this.pop = ctx.population;
    this.mm = ctx.maintenance;
    this.impact = ctx.impact;
    this.feeRate = sc.policy.liquidation.feeRate;
    this.partial = sc.policy.liquidation.kind === 'partial';
    this.bufferFraction = sc.policy.liquidation.bufferFraction;
    this.H = sc.horizonSteps;
    this.topUpTarget = sc.traders.topUp.targetMarginRatio;
    this.topUpDelay = sc.traders.topUp.reactionDelaySteps;
    this.topUpProb = sc.traders.topUp.actProbabilityPerStep;
    this.priceModel = createPriceModel(sc.market.priceModel, sc.stepSeconds, stream(sc.seed, pathIndex, 'price'));
    this.behaviour = stream(sc.seed, pathIndex, 'behaviour');
    this.b = buffers;
    const s0 = sc.market.initialPriceUsd;
    this.logFundamental = Math.log(s0);
    this.market = s0;
    this.mark = s0;
    this.peakFundamental = s0;
    this.peakMarket = s0;
    this.fundCents = Math.round(sc.policy.insuranceFund.initialUsd * 100);
    this.dueHead = new Int32Array(this.H + 2).fill(-1);
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
      topUpCount: 0,
      topUpUsd: 0,
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
    b.size.set(pop.size);
    b.margin.set(pop.marginCents);
    b.reserve.set(pop.reserveCents);
    b.pendingDue.fill(-1);
    b.liquidated.fill(0);
    let margin = 0;
    let reserve = 0;
    for (let i = 0; i < pop.count; i++) {
      margin += pop.marginCents[i];
      reserve += pop.reserveCents[i];
      if (pop.side[i] === 1) this.oiLong += pop.size[i];
      else this.oiShort += pop.size[i];
    }
    ledger.deposit('margin', margin);
    if (reserve > 0) ledger.deposit('reserve', reserve);
    if (this.fundCents > 0) ledger.deposit('insurance', this.fundCents);
    // The opening heaps depend only on the book, so they are built once per run and copied per path.
    const heaps = ['liqLong', 'liqShort', 'decLong', 'decShort'] as const;
    if (!b.template) {
      for (const h of heaps) b[h].clear();
      for (let i = 0; i < pop.count; i++) this.rekey(i);
      const n = pop.count;
      b.template = { liqLong: new IndexedMaxHeap(n), liqShort: new IndexedMaxHeap(n), decLong: new IndexedMaxHeap(n), decShort: new IndexedMaxHeap(n) };
      for (const h of heaps) b.template[h].copyFrom(b[h]);
    } else {
      for (const h of heaps) b[h].copyFrom(b.template[h]);
    }
    this.recordSeriesPoint(0);
  }

  /**
   * One step, in the order of DESIGN.md §2. Each phase is a method.
   */
  private step(): void {
    this.exogenousMove(); // 1. fundamental price
    this.updateMarket(); //  2. impact decay → market price → mark price
    this.traderDecisions(); // 3. top-ups due, stop-losses and top-up triggers crossed
    this.liquidationCascade(); // 4–6. maintenance check, liquidation rounds with impact, loss waterfall
    this.record(); //         7. per-step records
    this.ledger.settle(); //  the step's bookings into the decimal books
  }

  // ------------------------------------------------------------------ phases

  private exogenousMove(): void {
    this.logFundamental += this.priceModel.nextLogReturn();
  }

  private updateMarket(): void {
    this.impactState *= this.impact.decayPerStep;
    this.setMarketFromState();
  }

  private setMarketFromState(): void {
    this.market = Math.exp(this.logFundamental + this.impactState);
    this.mark = this.market;
  }

  private traderDecisions(): void {
    const { b } = this;
    // a) top-ups whose reaction delay has passed
    let i = this.dueHead[this.t];
    this.dueHead[this.t] = -1;
    while (i >= 0) {
      const next = b.pendingNext[i];
      b.pendingDue[i] = -1;
      this.attemptTopUp(i);
      i = next;
    }
    // b) decision triggers crossed by the mark: stop-losses close (as one block of flow), top-up
    //    triggers start the reaction delay
    let nStops = 0;
    const stops = b.scratch;
    const pullDecisions = (heap: IndexedMaxHeap, x: number) => {
      while (heap.topKey() > x) {
        const id = heap.pop();
        const side = this.pop.side[id];
        const stop = this.pop.stopPrice[id];
        if (stop === stop && (side === 1 ? this.mark <= stop : this.mark >= stop)) {
          stops[nStops++] = id;
        } else {
          if (b.pendingDue[id] < 0) this.schedule(id, this.t + this.topUpDelay);
          this.rekey(id); // keeps the stop-loss trigger while the top-up is pending
        }
      }
    };
    pullDecisions(b.decLong, this.mark);
    pullDecisions(b.decShort, -this.mark);
    if (nStops > 0) {
      let flow = 0;
      for (let k = 0; k < nStops; k++) {
        const id = stops[k];
        flow -= this.pop.side[id] * b.size[id] * this.market;
      }
      const fill = this.applyFlow(flow);
      for (let k = 0; k < nStops; k++) {
        this.applyClose(stops[k], b.size[stops[k]], fill, 0, -1);
        this.s.stopLossCount++;
      }
    }
  }

  /** Rounds of liquidation until no account is in breach; each round is one generation. */
  private liquidationCascade(): void {
    const { b } = this;
    const ids = b.scratch;
    const closeSizes = b.scratchSize;
    let nDeferred = 0;
    let stepAccounts = 0;
    let stepNotional = 0;
    let generations = 0;
    let stepImpact = 0;
    for (let gen = 0; gen < MAX_GENERATIONS_PER_STEP; gen++) {
      let n = 0;
      const pull = (heap: IndexedMaxHeap, x: number) => {
        while (heap.topKey() > x) {
          const id = heap.pop();
          if (this.inBreach(id)) ids[n++] = id;
          else b.deferred[nDeferred++] = id; // float tie at the threshold: re-keyed after the cascade
        }
      };
      pull(b.liqLong, this.mark);
      pull(b.liqShort, -this.mark);
      if (n === 0) break;
      // sizes to close, priced at the pre-round market; their net flow moves the price
      let flow = 0;
      for (let k = 0; k < n; k++) {
        const id = ids[k];
        const q = this.partial ? this.partialSize(id, this.market) : b.size[id];
        closeSizes[k] = q;
        flow -= this.pop.side[id] * q * this.market;
      }
      const before = this.impactState;
      const fill = this.applyFlow(flow);
      stepImpact += this.impactState - before;
      for (let k = 0; k < n; k++) {
        const id = ids[k];
        const notional = closeSizes[k] * fill;
        if (this.pop.side[id] === 1) this.stepLiqLong += notional;
        else this.stepLiqShort += notional;
        stepNotional += notional;
        this.byGeneration[Math.min(gen, this.byGeneration.length - 1)] += notional;
        if (!b.liquidated[id]) {
          b.liquidated[id] = 1;
          this.s.tradersLiquidated++;
        }
        this.applyClose(id, closeSizes[k], fill, this.feeRate, gen);
      }
      stepAccounts += n;
      generations = gen + 1;
    }
    for (let k = 0; k < nDeferred; k++) this.rekey(b.deferred[k]);
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
        s.largestCascadeImpactLog = stepImpact;
      }
    }
  }

  private record(): void {
    const s = this.s;
    const f = Math.exp(this.logFundamental);
    if (f > this.peakFundamental) this.peakFundamental = f;
    if (this.market > this.peakMarket) this.peakMarket = this.market;
    s.maxDrawdownExogenous = Math.max(s.maxDrawdownExogenous, 1 - f / this.peakFundamental);
    s.maxDrawdownRealised = Math.max(s.maxDrawdownRealised, 1 - this.market / this.peakMarket);
    if (this.impactState < s.minImpactLog) s.minImpactLog = this.impactState;
    if (this.impactState > s.maxImpactLog) s.maxImpactLog = this.impactState;
    s.liquidatedLongNotionalUsd += this.stepLiqLong;
    s.liquidatedShortNotionalUsd += this.stepLiqShort;
    this.bucketLiqLong += this.stepLiqLong;
    this.bucketLiqShort += this.stepLiqShort;
    this.stepLiqLong = 0;
    this.stepLiqShort = 0;
    if (this.series && this.seriesSteps![this.seriesCursor] === this.t) this.recordSeriesPoint(this.seriesCursor++);
  }

  private recordSeriesPoint(j: number): void {
    const ser = this.series;
    if (!ser) return;
    ser.fundamentalUsd[j] = Math.exp(this.logFundamental);
    ser.markUsd[j] = this.mark;
    ser.liquidatedLongUsd[j] = this.bucketLiqLong;
    ser.liquidatedShortUsd[j] = this.bucketLiqShort;
    ser.openInterestUsd[j] = (this.oiLong + this.oiShort) * this.mark;
    ser.insuranceFundUsd[j] = this.fundCents / 100;
    this.bucketLiqLong = 0;
    this.bucketLiqShort = 0;
  }

  // ------------------------------------------------------------------ mechanics

  /** Equity (USD) of trader i at the mark. */
  private equity(i: number): number {
    return this.b.margin[i] / 100 + this.pop.side[i] * this.b.size[i] * (this.mark - this.pop.entry[i]);
  }

  private inBreach(i: number): boolean {
    const q = this.b.size[i];
    return q > 0 && this.equity(i) < this.mm.mm(q * this.mark);
  }

  private partialSize(i: number, price: number): number {
    const q = this.b.size[i];
    const n = q * price;
    const eq = this.b.margin[i] / 100 + this.pop.side[i] * q * (price - this.pop.entry[i]);
    return partialCloseSize(q, price, eq, this.mm.mm(n) / n, this.bufferFraction, this.feeRate);
  }

  /**
   * Applies a block of net flow (USD, + buy) to the market: moves the impact state and returns the
   * block's average fill price.
   */
  private applyFlow(flowUsd: number): number {
    const dx = this.impact.delta(flowUsd);
    const fill = this.market * Math.exp(this.impact.fillFraction * dx);
    this.impactState += dx;
    this.setMarketFromState();
    return fill;
  }

  /**
   * The only place a position and its collateral change together. Closes `closeSize` of trader i at
   * `fillPrice`, books realised PnL with the market, the fee into the insurance fund, returns what is
   * left of a fully closed position to the trader's wallet, and runs the loss waterfall on a shortfall.
   * `generation` ≥ 0 marks a liquidation; −1 a voluntary close.
   */
  private applyClose(i: number, closeSize: number, fillPrice: number, feeRate: number, generation: number): void {
    const { b, ledger } = this;
    const side = this.pop.side[i] as 1 | -1;
    const entry = this.pop.entry[i];
    const q = b.size[i];
    let full = closeSize >= q * (1 - 1e-12);
    const dq = full ? q : closeSize;
    const remaining = full ? 0 : q - dq;
    const out = closeOutcome(side, dq, entry, fillPrice, b.margin[i], feeRate, side * remaining * (fillPrice - entry));
    if (!full && out.collateralAfterCents < 0) {
      this.applyClose(i, q, fillPrice, feeRate, generation);
      return;
    }
    void generation;
    ledger.recordRealisedPnl(out.pnlCents);
    const margin = b.margin[i];
    let shortfall = 0;
    if (out.pnlCents >= 0) {
      ledger.transfer('market', 'margin', out.pnlCents);
    } else {
      const loss = -out.pnlCents;
      const paid = Math.min(loss, margin);
      ledger.transfer('margin', 'market', paid);
      shortfall = loss - paid;
    }
    ledger.transfer('margin', 'insurance', out.feeCents);
    this.fundCents += out.feeCents;
    const after = Math.max(0, out.collateralAfterCents);
    if (side === 1) this.oiLong -= dq;
    else this.oiShort -= dq;
    if (full) {
      if (after > 0) ledger.transfer('margin', 'wallet', after);
      this.walletCents += after;
      b.margin[i] = 0;
      b.size[i] = 0;
      b.liqLong.remove(i);
      b.liqShort.remove(i);
      b.decLong.remove(i);
      b.decShort.remove(i);
    } else {
      b.margin[i] = after;
      b.size[i] = remaining;
      this.rekey(i);
    }
    if (shortfall > 0) this.coverShortfall(shortfall);
  }

  /** Loss waterfall after the fee: insurance fund, then bad debt. */
  private coverShortfall(shortfallCents: number): void {
    const fromFund = Math.min(this.fundCents, shortfallCents);
    if (fromFund > 0) {
      this.ledger.transfer('insurance', 'market', fromFund);
      this.fundCents -= fromFund;
      this.s.fundPaidUsd += fromFund / 100;
    }
    const rest = shortfallCents - fromFund;
    if (rest > 0) {
      this.ledger.recordBadDebt(rest);
      this.s.badDebtUsd += rest / 100;
      this.s.fundExhausted = true;
    }
  }

  private schedule(i: number, due: number): void {
    if (due > this.H) {
      this.b.pendingDue[i] = this.H + 1; // too late to act within the horizon
      return;
    }
    if (due <= this.t) {
      this.attemptTopUp(i);
      return;
    }
    this.b.pendingDue[i] = due;
    this.b.pendingNext[i] = this.dueHead[due];
    this.dueHead[due] = i;
  }

  /** A due top-up: if still below the trigger, acts with the configured probability. */
  private attemptTopUp(i: number): void {
    const { b, pop } = this;
    if (b.size[i] === 0 || b.reserve[i] === 0) return;
    const mmUsd = this.mm.mm(b.size[i] * this.mark);
    const eq = this.equity(i);
    if (eq >= pop.topUpTrigger[i] * mmUsd) {
      this.rekey(i);
      return;
    }
    if (this.behaviour() >= this.topUpProb) {
      this.schedule(i, this.t + 1);
      return;
    }
    const wantCents = Math.ceil((this.topUpTarget * mmUsd - eq) * 100);
    const amount = Math.min(b.reserve[i], Math.max(0, wantCents));
    if (amount > 0) {
      this.ledger.transfer('reserve', 'margin', amount);
      b.reserve[i] -= amount;
      b.margin[i] += amount;
      this.s.topUpCount++;
      this.s.topUpUsd += amount / 100;
    }
    this.rekey(i);
  }

  /** Recomputes trader i's liquidation and decision trigger prices. */
  private rekey(i: number): void {
    const { b, pop } = this;
    const q = b.size[i];
    if (q === 0) return;
    const side = pop.side[i] as 1 | -1;
    const c = b.margin[i] / 100;
    const liq = this.mm.thresholdPrice(side, q, pop.entry[i], c, 1);
    let dec = side === 1 ? -Infinity : Infinity;
    if (pop.topUp[i] && b.reserve[i] > 0 && b.pendingDue[i] < 0) {
      dec = this.mm.thresholdPrice(side, q, pop.entry[i], c, pop.topUpTrigger[i]);
    }
    const stop = pop.stopPrice[i];
    if (stop === stop) dec = side === 1 ? Math.max(dec, stop) : Math.min(dec, stop);
    if (side === 1) {
      b.liqLong.set(i, liq);
      if (dec > -Infinity) b.decLong.set(i, dec);
      else b.decLong.remove(i);
    } else {
      b.liqShort.set(i, -liq);
      if (dec < Infinity) b.decShort.set(i, -dec);
      else b.decShort.remove(i);
    }
  }

  private finish(): PathResult {
    const { b, pop, s } = this;
    let margin = 0;
    let reserve = 0;
    for (let i = 0; i < pop.count; i++) {
      margin += b.margin[i];
      reserve += b.reserve[i];
    }
    this.ledger.checkConservation(
      { margin, reserve, wallet: this.walletCents, insurance: this.fundCents },
      `path ${this.pathIndex}`,
    );
    s.fundEndUsd = this.fundCents / 100;
    s.finalFundamentalUsd = Math.exp(this.logFundamental);
    s.finalMarkUsd = this.mark;
    s.badDebtUsd = this.ledger.badDebtCents().div(100).toNumber();
    s.liquidatedNotionalUsd = s.liquidatedLongNotionalUsd + s.liquidatedShortNotionalUsd;
    return { summary: s, histograms: this.hist, series: this.series };
  }
}
