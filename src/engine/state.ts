/**
 * The explicit state of one path, shared by every phase: the book (struct of arrays, reused per
 * worker), the books (money), the markets, the random streams, the step's work lists and what the
 * phases record. Phases are plain functions of this state (src/engine/step.ts lists them in order),
 * so each can be run alone on a hand-built state.
 */
import { FundingState } from './funding.js';
import type { Policy, Scenario } from '../scenario/schema.js';
import type { Population } from '../agents/population.js';
import { stream, type Rng } from '../rng/streams.js';
import { normalSampler } from '../rng/distributions.js';
import { createPriceProcess, type PriceProcess } from '../price/process.js';
import { maxMaintenanceRate, type MaintenanceModel } from '../margin/maintenance.js';
import type { ImpactModel } from '../liquidation/impact.js';
import type { RunContext } from './context.js';
import type { PathBuffers } from './book.js';
import { Books } from './books.js';
import { createMarkRule, type MarkRule } from './mark.js';
import { SERIES_GENERATION_CLASSES, TRACKED_GENERATIONS } from './results.js';
import { LendingPath } from './lending.js';

/** Per-market prices, impact, liquidity and open interest. Index m: 0 = `market`, then `otherMarkets`. */
export class MarketState {
  /** Log fundamental (index) price. */
  readonly logF: Float64Array;
  /** Fundamental (index) price, e^logF. */
  readonly indexPx: Float64Array;
  /** Log index at step 0 (the index's range is measured from it). */
  readonly logF0: Float64Array;
  /** This step's exogenous log return. */
  readonly ret: Float64Array;
  /** Impact state x: market = fundamental · e^x. */
  readonly impactState: Float64Array;
  /** Market (book) price. */
  readonly market: Float64Array;
  /** Mark price used by margin checks and trigger orders. */
  readonly markPx: Float64Array;
  /** Mark at the end of the previous step. */
  readonly prevMark: Float64Array;
  /** EWMA variance of the mark's one-step log return. */
  readonly ewmaVar: Float64Array;
  readonly ewmaLambda: Float64Array;
  /** Depth multiplier (≤ 1 when liquidity has withdrawn in stress). */
  readonly depthMult: Float64Array;
  readonly stressElasticity: Float64Array;
  /** Open interest in units, by side. */
  readonly oiLong: Float64Array;
  readonly oiShort: Float64Array;
  readonly spiking: Uint8Array;
  readonly deleverageDue: Uint8Array;
  /** Arbitrage capacity per step and what is left of it this step (USD). */
  readonly arbitrageCapacity: Float64Array;
  readonly arbitrageLeft: Float64Array;
  /** This step's liquidator capital used and liquidated notional (per-step caps). */
  readonly liquidatorUsed: Float64Array;
  readonly marketLiqUsed: Float64Array;
  /** Ring buffer of log marks over the momentum lookback. */
  readonly logMarkHistory: Float64Array[];
  /** A block of net flow per market (USD, + buy) and its average fill price. */
  readonly flow: Float64Array;
  readonly fill: Float64Array;
  readonly marks: MarkRule[];
  readonly impact: readonly ImpactModel[];
  readonly nominalVolPerStep: readonly number[];
  /**
   * The drift clock: Σ over every mark change of |Δ log mark| (all markets). It advances at any mark
   * change: multi-market accounts without a price box are due at its next advance (src/engine/triggers.ts).
   */
  driftClock = 0;

  constructor(sc: Scenario, ctx: RunContext) {
    const markets = [sc.market, ...sc.otherMarkets];
    const K = markets.length;
    this.logF = Float64Array.from(markets, (m) => Math.log(m.initialPriceUsd));
    this.indexPx = Float64Array.from(markets, (m) => m.initialPriceUsd);
    this.logF0 = Float64Array.from(this.logF);
    this.ret = new Float64Array(K);
    this.impactState = new Float64Array(K);
    this.market = Float64Array.from(markets, (m) => m.initialPriceUsd);
    this.markPx = Float64Array.from(this.market);
    this.prevMark = Float64Array.from(this.market);
    this.ewmaVar = Float64Array.from(ctx.openingEwmaVar);
    this.ewmaLambda = Float64Array.from(markets, (m) => Math.pow(2, -1 / m.volatilityHalfLifeSteps));
    this.depthMult = new Float64Array(K).fill(1);
    this.stressElasticity = Float64Array.from(markets, (m) => m.impact.stressElasticity);
    this.oiLong = new Float64Array(K);
    this.oiShort = new Float64Array(K);
    this.spiking = new Uint8Array(K);
    this.deleverageDue = new Uint8Array(K);
    this.arbitrageCapacity = Float64Array.from(markets, (m) => m.impact.arbitrageUsdPerStep ?? m.impact.depthUsdPerPercent);
    this.arbitrageLeft = new Float64Array(K);
    this.liquidatorUsed = new Float64Array(K);
    this.marketLiqUsed = new Float64Array(K);
    const L = sc.traders.arrivals.momentumLookbackSteps;
    this.logMarkHistory = markets.map((m) => new Float64Array(L + 1).fill(Math.log(m.initialPriceUsd)));
    this.flow = new Float64Array(K);
    this.fill = new Float64Array(K);
    this.marks = markets.map((_, m) => createMarkRule(ctx.rules[m].policy.markPrice));
    this.marks.forEach((r, m) => r.reset(this.market[m], ctx.warmupIndex?.[m]));
    this.impact = ctx.impact;
    this.nominalVolPerStep = ctx.nominalVolPerStep;
  }
}

/** Counts of events, by kind, over the path (the summary is built from them at the end). */
export class EventCounts {
  /** Per market (index m; absent = 0): the bad debt left by shortfalls that arose in it (cents), for `paths.badDebtByMarketUsd`. */
  readonly badDebtByMarketCents: number[] = [];
  /** Per market (absent = 0): the shortfalls that arose in it and reached its fund, after any backstop takeover (cents), for `paths.shortfallByMarketUsd`. */
  readonly shortfallByMarketCents: number[] = [];
  liquidations = 0;
  tradersLiquidated = 0;
  cascades = 0;
  stopLosses = 0;
  takeProfits = 0;
  deleverages = 0;
  topUps = 0;
  topUpUsd = 0;
  arrivals = 0;
  momentumArrivals = 0;
  arrivalsDropped = 0;
  marginCalls = 0;
  marginCallsSurvived = 0;
  liquidationsDeferred = 0;
  liquidatorDeclined = 0;
  liquidatorPnlUsd = 0;
  backstopTakeovers = 0;
  backstopPnlUsd = 0;
  fundPaidUsd = 0;
  /** The loss waterfall, in cents: liquidation fees collected, shortfalls entering it, the part the backstop vault paid. */
  feesCents = 0;
  /** Trading fees charged (cents), funding paid in total and net by longs (cents), profit withdrawn (cents). */
  tradingFeesCents = 0;
  /** Venue recapitalisation of the funds: fee share and injections (cents); trader injections and rebalancing. */
  fundFromFeesCents = 0;
  fundInjectedCents = 0;
  injections = 0;
  injectedCents = 0;
  rebalances = 0;
  rebalancedCents = 0;
  fundingPaidCents = 0;
  /** Funding received by the simulated accounts (cents), and funding due that cash and collateral could not pay. */
  fundingReceivedCents = 0;
  fundingUnpaidCents = 0;
  fundingByLongsCents = 0;
  profitWithdrawnCents = 0;
  shortfallCents = 0;
  backstopCoveredCents = 0;
  fundExhausted = false;
  adlNotionalUsd = 0;
  adlAccounts = 0;
  adlProfitTakenUsd = 0;
  /** Bankrupt positions matched against winners by ADL (never traded), notional at the mark. */
  adlMatchedNotionalUsd = 0;
  /** The unrealised profit, at the mark, of the winners' positions ADL closed. */
  adlPnlClosedUsd = 0;
  /** Volatile collateral sold (liquidations and voluntary closes): sales and proceeds (cents). */
  collateralSales = 0;
  collateralSoldCents = 0;
  /** Lending: liquidations, debt repaid, liquidators' sale proceeds and PnL, interest accrued, deficits (cents; the protocol's fee at the mark in USD). */
  lendingLiquidations = 0;
  lendingRepaidCents = 0;
  lendingSoldCents = 0;
  lendingLiquidatorPnlCents = 0;
  lendingInterestCents = 0;
  lendingDeficitCents = 0;
  lendingDeficits = 0;
  lendingProtocolFeeUsd = 0;
  /** Lending: liquidations no amount could make without leaving dust (MUST_NOT_LEAVE_DUST; the borrower waited). Not a per-path field. */
  lendingDustBlocked = 0;
  socialisedLossUsd = 0;
  socialisedAccounts = 0;
  maxMmr = 0;
}

/** What this step's liquidation rounds did (read by the records phase, reset every step). */
export class StepLiquidations {
  accounts = 0;
  notionalUsd = 0;
  generations = 0;
  /** Log move of market 0 caused by liquidation flow this step. */
  impactLog0 = 0;
  longUsd = 0;
  shortUsd = 0;
  /** Liquidated notional by generation class (1, 2, 3, 4+). */
  readonly byClass = new Float64Array(SERIES_GENERATION_CLASSES);
  /** Liquidated notional by generation over the whole path (not reset). */
  readonly byGeneration = new Float64Array(TRACKED_GENERATIONS);
  /** Liquidated notional and positions closed, per market. */
  readonly byMarketUsd: Float64Array;
  readonly byMarketPositions: Float64Array;

  constructor(markets: number) {
    this.byMarketUsd = new Float64Array(markets);
    this.byMarketPositions = new Float64Array(markets);
  }

  reset(): void {
    if (this.accounts > 0) {
      this.byMarketUsd.fill(0);
      this.byMarketPositions.fill(0);
    }
    this.accounts = 0;
    this.notionalUsd = 0;
    this.generations = 0;
    this.impactLog0 = 0;
    this.longUsd = 0;
    this.shortUsd = 0;
    this.byClass.fill(0);
  }
}

/** The ADL ranking built for one (step, prices, market, side), reused by every bankrupt account of a round. */
export interface AdlRanking {
  t: number;
  clock: number;
  m: number;
  side: number;
  positions: number;
  /** Candidates ranked, in the book's ADL buffers (b.adlBuffers().order[0 … n)). */
  n: number;
  cursor: number;
  /** order[0 … ranked) is final; the rest waits in b.adlBuffers().perm as a heap of `heaped` (a scored ranking read from its head). */
  ranked: number;
  heaped: number;
}

/**
 * The highest balance of an insurance fund over the last `window` steps (a monotone queue of step-start
 * balances), for ADL's drawdown trigger. O(1) amortised per step.
 */
export class FundPeak {
  private readonly vals: Float64Array;
  private readonly steps: Int32Array;
  private head = 0;
  private len = 0;

  constructor(
    /** The fund it follows. */
    readonly fund: number,
    /** Window length (steps). */
    readonly window: number,
  ) {
    this.vals = new Float64Array(window + 1);
    this.steps = new Int32Array(window + 1);
  }

  /** Records the fund's balance at the start of step t. */
  push(t: number, cents: number): void {
    const cap = this.vals.length;
    while (this.len > 0 && this.vals[(this.head + this.len - 1) % cap] <= cents) this.len--;
    const at = (this.head + this.len) % cap;
    this.vals[at] = cents;
    this.steps[at] = t;
    this.len++;
    while (this.steps[this.head] <= t - this.window) {
      this.head = (this.head + 1) % cap;
      this.len--;
    }
  }

  /** Highest recorded balance within the window (0 before the first record). */
  get peak(): number {
    return this.len > 0 ? this.vals[this.head] : 0;
  }
}

/**
 * What the last close left for the loss waterfall (src/engine/waterfall.ts `lossWaterfall`): its
 * shortfall not yet covered, where it arose, and, for a backstop takeover, the vault's capital before
 * it. Written by `closePositions`, consumed by the next `lossWaterfall`.
 */
export class PendingLoss {
  /** A close is waiting for the waterfall. */
  pending = false;
  /** Shortfall (cents, ≥ 0): what the account's margin could not pay, and for a takeover the vault's unwind loss it could not pay. */
  shortfall = 0;
  /** Market and side of the largest position the close closed, and the units it closed (ADL prices the deficit per unit of it). */
  market = 0;
  side: 1 | -1 = 1;
  units = 0;
  /** The account that closed. */
  account = -1;
  /** The backstop vault took the account over; its capital before the takeover (cents). */
  takeover = false;
  vaultBefore = 0;
}

/** The policy that governs account a: its market's for a single position, the scenario's for an account over several markets. */
export function accountPolicy(st: PathState, a: number): Policy {
  const b = st.b;
  if (b.nPos[a] !== 1) return st.ctx.policy;
  // one market: its position's market is market 0 (two fewer reads of the account's arrays)
  return st.ctx.rules[st.K === 1 ? 0 : b.posMarket[b.firstPos[a]]].policy;
}

export class PathState {
  readonly sc: Scenario;
  readonly pop: Population;
  /** Markets. */
  readonly K: number;
  /** Horizon (steps). */
  readonly H: number;
  readonly b: PathBuffers;
  readonly books: Books;
  readonly mkt: MarketState;
  /** Maintenance model per market (dynamic models hold per-path state). */
  readonly mm: MaintenanceModel[];
  readonly prices: PriceProcess;
  /** Trader behaviour stream (top-up decisions, random ADL order). */
  readonly behaviour: Rng;
  readonly arrivalsRng: Rng;
  readonly arrivalsNormal: () => number;
  /** Highest rate any maintenance schedule can reach (the price boxes' bound). */
  readonly rMax: number;
  /** The widest personal top-up trigger in the book (triggers are drawn within ±25% of the excess). */
  readonly topUpTriggerMax: number;
  /** Arrival weights by market. */
  readonly marketWeights: readonly number[];
  readonly events = new EventCounts();
  readonly stepLiq: StepLiquidations;
  /** The current step (0 while the book opens). */
  t = 0;
  /** Why and at which step the path stopped early (src/engine/limits.ts; 0 and −1: it did not). */
  halt = 0;
  haltedAtStep = -1;
  /** Accounts and positions in use (opening book + arrivals so far). */
  nAccounts: number;
  nPositions: number;
  /** Accounts postponed to the next step (b.requeue), accounts in a grace period (b.grace), flagged this step (b.marked). */
  nRequeue = 0;
  nGrace = 0;
  nMarked = 0;
  /** This step's liquidation work: accounts re-queued from the last step (b.requeue[0 … stepRequeued)), float ties (b.deferred), capped accounts (b.tracked). */
  stepRequeued = 0;
  nDeferred = 0;
  nTracked = 0;
  /** Pending top-up node pool: free list head and nodes handed out. */
  dueFree = -1;
  dueNodes = 0;
  adlRanking?: AdlRanking;
  /** Quantity the last auto-deleveraging matched (units of the bankrupt position). */
  adlMatchedQty = 0;
  /** The last close's shortfall, waiting for the loss waterfall. */
  readonly loss = new PendingLoss();
  /** Per market: the peak tracker of its fund when its ADL trigger watches the fund's drawdown. */
  readonly fundPeaks: (FundPeak | undefined)[];
  /** Funding and variation margin (absent when no market has either). */
  readonly funding?: FundingState;
  /** What the venue has injected into each fund so far (cents), against its recapitalisation budget. */
  readonly fundInjected: Float64Array;
  /** Volatile collateral assets (0: every account's collateral is cash). */
  readonly collateralAssets: number;
  /** Lending positions (absent without scenario `lending`). */
  readonly lending?: LendingPath;

  constructor(
    readonly ctx: RunContext,
    readonly pathIndex: number,
    buffers: PathBuffers,
  ) {
    const sc = (this.sc = ctx.scenario);
    this.pop = ctx.population;
    this.K = ctx.markets;
    this.H = sc.horizonSteps;
    this.b = buffers;
    this.mm = Array.from({ length: this.K }, (_, m) => ctx.maintenanceFor(m));
    this.mkt = new MarketState(sc, ctx);
    this.stepLiq = new StepLiquidations(this.K);
    this.rMax = Math.max(...ctx.rules.map((r) => maxMaintenanceRate(r.policy.maintenance, r.policy.maxLeverage)));
    this.topUpTriggerMax = 1 + 1.25 * (sc.traders.topUp.triggerMarginRatio - 1);
    this.marketWeights = sc.traders.marketWeights ?? Array.from({ length: this.K }, () => 1);
    this.prices = createPriceProcess(sc, pathIndex, ctx.priceData, ctx.warmupEndState, ctx.importanceShift ?? undefined);
    this.behaviour = stream(sc.seed, pathIndex, 'behaviour');
    this.arrivalsRng = stream(sc.seed, pathIndex, 'arrivals');
    this.arrivalsNormal = normalSampler(this.arrivalsRng);
    const fundCents = ctx.funds.map((f) => Math.round(f.initialUsd * 100));
    // one backstop vault: the scenario's, or the first market's that enables one
    const backstop = [ctx.policy, ...ctx.rules.map((r) => r.policy)].find((p) => p.liquidation.backstop.enabled)?.liquidation.backstop;
    this.collateralAssets = ctx.collateral?.assets.length ?? 0;
    if (ctx.lending) this.lending = new LendingPath(ctx.lending);
    this.books = new Books(buffers.margin, buffers.reserve, fundCents, backstop ? Math.round(backstop.capitalUsd * 100) : 0, buffers.collateral, this.collateralAssets);
    this.nAccounts = this.pop.accounts;
    this.nPositions = this.pop.positions;
    this.fundInjected = new Float64Array(ctx.funds.length);
    this.funding = FundingState.of(ctx.rules, sc.stepSeconds);
    this.fundPeaks = ctx.rules.map((r) => {
      const dd = r.waterfall.afterInsuranceFund === 'adl' ? r.waterfall.adlTrigger.drawdown : undefined;
      return dd ? new FundPeak(r.fund, Math.max(1, Math.ceil(dd.windowSeconds / sc.stepSeconds - 1e-9))) : undefined;
    });
  }
}
