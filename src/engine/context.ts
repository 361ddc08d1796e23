/**
 * Everything a path needs that is the same for every path of a run: the resolved scenario, the
 * trader book, per-market impact models and nominal volatilities. Built once per worker (and cached).
 */
import type { LiquidationConfig, Policy, Scenario } from '../scenario/schema.js';
import { bookScenario, insuranceFunds, marketPolicy, stepPolicy, type FundConfig } from '../scenario/market-policy.js';
import { initialMarginRule, type InitialMarginRule } from '../margin/initial.js';
import { marketConfigs, type Population } from '../agents/population.js';
import { generatePopulation } from '../agents/seasoning.js';
import { snapshotPopulation } from '../agents/snapshot.js';
import { createMaintenanceModel, type MaintenanceModel } from '../margin/maintenance.js';
import { createImpactModel, type ImpactModel } from '../liquidation/impact.js';
import { nominalVolatilityAnnual } from '../price/nominal.js';
import { SECONDS_PER_YEAR } from '../price/models.js';
import { loadPriceData, type PriceData } from '../price/process.js';
import { warmupHistory, warmupSteps } from '../price/warmup.js';
import { stream } from '../rng/streams.js';
import { importanceShifts } from './importance.js';
import { collateralPlan, type CollateralPlan } from './collateral.js';
import { lendingBook, type LendingBook } from './lending.js';

/** The rules one market runs under (its own policy merged over the scenario's). */
export interface MarketRules {
  readonly policy: Policy;
  readonly liquidation: LiquidationConfig;
  readonly waterfall: Policy['waterfall'];
  readonly initialMargin: InitialMarginRule;
  /** The insurance fund this market's shortfalls and fees go to (an index into `funds`). */
  readonly fund: number;
}

export interface RunContext {
  readonly scenario: Scenario;
  readonly population: Population;
  /** Market 0's maintenance model as it stands at the start of a path (for capital-efficiency measures). */
  readonly maintenance: MaintenanceModel;
  readonly impact: readonly ImpactModel[];
  readonly markets: number;
  readonly stepsPerYear: number;
  /** Nominal one-step volatility of each market's log price. */
  readonly nominalVolPerStep: readonly number[];
  /** Builds the maintenance model of market m for one path (dynamic models hold per-path state). */
  maintenanceFor(m: number): MaintenanceModel;
  /** Positions of the opening book whose account deleverages on volatility spikes, per market. */
  readonly deleveragers: readonly Int32Array[];
  /**
   * The opening book's positions by market and side, ascending: index 2m for market m's shorts, 2m + 1
   * for its longs (ADL scans one; arrivals follow the opening book).
   */
  readonly positionsBySide: readonly Int32Array[];
  /** Data the price process reads (CSV returns, Cholesky factor), loaded once per run. */
  readonly priceData: PriceData;
  /** Per market: its rules. Accounts holding several markets follow the scenario's `policy` (`policy`). */
  readonly rules: readonly MarketRules[];
  /** The scenario's policy as the engine runs it (cooldowns and caps in steps). */
  readonly policy: Policy;
  /** Accounts that withdraw settled profit (traders.withdrawProfitShare), by account index; absent when none do. */
  readonly withdrawers?: Uint8Array;
  /** Accounts that inject fresh capital after a margin call (traders.injection.share); absent when none do. */
  readonly injectors?: Uint8Array;
  /** Each opening isolated account's paired account of the same trader (traders.rebalancing), or −1; absent when none are paired. */
  readonly siblings?: Int32Array;
  /** The insurance funds (index 0 the scenario's shared fund, then one per group a market names). */
  readonly funds: readonly FundConfig[];
  /** The warm-up history of each market's index, oldest first, ending at its initial price (traders.warmup: history). */
  readonly warmupIndex?: readonly Float64Array[];
  /** Where the warm-up left each price model (paths continue from it). */
  readonly warmupEndState?: readonly (Float64Array | undefined)[];
  /** Each market's EWMA variance of one-step index returns at the end of the warm-up (else the nominal). */
  readonly openingEwmaVar: readonly number[];
  /** The book this context's paths run on (⌊path / pathsPerBook⌋ with books redrawn per block, the default; 0 with `pathsPerBook: all`). */
  readonly book: number;
  /** Importance sampling: the shift θ_m of each market's normal shock per step (src/engine/importance.ts); null without. */
  readonly importanceShift: readonly number[] | null;
  /** Volatile collateral: which opening accounts post which assets (traders.collateral); absent when none do. */
  readonly collateral?: CollateralPlan;
  /** The opening lending book (scenario `lending`); absent without lending. */
  readonly lending?: LendingBook;
}

/**
 * Builds the run context; pass `population` to reuse a book already drawn for this scenario and book
 * (e.g. shared by the main thread). `book` (books redrawn per block of paths): which book — its
 * accounts and warm-up history are drawn from the seed's book-`book` streams (rng/streams.ts
 * `bookStreamPath`); book 0 is the run's one book with `sampling.pathsPerBook: all`.
 */
export function createRunContext(scenario: Scenario, population?: Population, book = 0): RunContext {
  const markets = marketConfigs(scenario);
  const stepsPerYear = SECONDS_PER_YEAR / scenario.stepSeconds;
  const nominalVolPerStep = markets.map((m) => nominalVolatilityAnnual(m.priceModel as never) / Math.sqrt(stepsPerYear));
  const maintenanceFor = (m: number) => {
    const p = marketPolicy(scenario, m);
    return createMaintenanceModel(p.maintenance, { maxLeverage: p.maxLeverage, nominalVolPerStep: nominalVolPerStep[m], stepsPerYear });
  };
  const { funds, fundOfMarket } = insuranceFunds(scenario);
  const rules: MarketRules[] = markets.map((_, m) => {
    const p = stepPolicy(marketPolicy(scenario, m), scenario.stepSeconds);
    return { policy: p, liquidation: p.liquidation, waterfall: p.waterfall, initialMargin: initialMarginRule(scenario, m), fund: fundOfMarket[m] };
  });
  const opening = markets.map((_, m) => maintenanceFor(m));
  const priceData = loadPriceData(scenario);
  const W = warmupSteps(scenario);
  const warm = W > 0 ? warmupHistory(scenario, priceData, W, book) : undefined;
  // the opening book is drawn under `bookRules` when given (a comparison holding the baseline's book), else under the scenario's own rules
  const drawFrom = bookScenario(scenario);
  const drawMaintenance =
    drawFrom === scenario
      ? opening
      : markets.map((_, m) => {
          const p = marketPolicy(drawFrom, m);
          return createMaintenanceModel(p.maintenance, { maxLeverage: p.maxLeverage, nominalVolPerStep: nominalVolPerStep[m], stepsPerYear });
        });
  const pop = population ?? (scenario.traders.snapshot ? snapshotPopulation(scenario, opening) : generatePopulation(drawFrom, drawMaintenance, warm?.prices, book));
  // the volatility estimate each path starts from: run over the warm-up's returns
  const openingEwmaVar = markets.map((mk, m) => {
    let v = nominalVolPerStep[m] ** 2;
    const h = warm?.prices[m];
    if (!h) return v;
    const lam = Math.pow(2, -1 / mk.volatilityHalfLifeSteps);
    for (let j = 1; j < h.length; j++) {
      const r = Math.log(h[j] / h[j - 1]);
      v = lam * v + (1 - lam) * r * r;
    }
    return v;
  });
  const positionsBySide = Array.from({ length: 2 * markets.length }, (_, k) => {
    const ids: number[] = [];
    for (let p = 0; p < pop.positions; p++) if (2 * pop.posMarket[p] + (pop.posSide[p] > 0 ? 1 : 0) === k) ids.push(p);
    return Int32Array.from(ids);
  });
  const deleveragers = markets.map((_, m) => {
    const ids: number[] = [];
    for (let p = 0; p < pop.positions; p++) {
      if (pop.posMarket[p] === m && pop.acctDeleverage[pop.posAccount[p]]) ids.push(p);
    }
    return Int32Array.from(ids);
  });
  return {
    scenario,
    population: pop,
    maintenance: opening[0],
    impact: markets.map((m) => createImpactModel(m.impact)),
    markets: markets.length,
    stepsPerYear,
    nominalVolPerStep,
    maintenanceFor,
    deleveragers,
    positionsBySide,
    priceData,
    rules,
    policy: stepPolicy(scenario.policy, scenario.stepSeconds),
    withdrawers: accountFlags(scenario, pop.accountCapacity, scenario.traders.withdrawProfitShare, 'withdrawals'),
    injectors: accountFlags(scenario, pop.accountCapacity, scenario.traders.injection.share, 'injections'),
    siblings: pairAccounts(scenario, pop),
    funds,
    warmupIndex: warm?.prices,
    warmupEndState: warm?.endState,
    openingEwmaVar,
    book,
    importanceShift: importanceShifts(scenario, pop, (m) => opening[m]),
    collateral: collateralPlan(scenario, pop),
    lending: lendingBook(scenario),
  };
}

/** The book path `pathIndex` runs on: ⌊pathIndex / pathsPerBook⌋ when books are redrawn per block (`pathsPerBookOf(scenario)`, src/scenario/sampling.ts), else 0. */
export function bookOf(pathIndex: number, pathsPerBook: number | undefined): number {
  return pathsPerBook ? Math.floor(pathIndex / pathsPerBook) : 0;
}

/** Which accounts have a trait held by `share` of them: a draw per account index from the scenario's own stream `name` (the same on every path). */
function accountFlags(sc: Scenario, capacity: number, share: number, name: string): Uint8Array | undefined {
  if (!(share > 0)) return undefined;
  const rng = stream(sc.seed, -1, name);
  return Uint8Array.from({ length: capacity }, () => (rng() < share ? 1 : 0));
}

/**
 * One trader's two isolated positions (traders.rebalancing.share): each of the opening book's isolated
 * single-position accounts is drawn in with probability `share`, and consecutive drawn accounts are
 * paired. Returns each account's pair (−1: none), or undefined when the share is 0.
 */
function pairAccounts(sc: Scenario, pop: Population): Int32Array | undefined {
  const share = sc.traders.rebalancing.share;
  if (!(share > 0)) return undefined;
  const rng = stream(sc.seed, -1, 'rebalancing');
  const pair = new Int32Array(pop.accountCapacity).fill(-1);
  let waiting = -1;
  for (let a = 0; a < pop.accounts; a++) {
    if (pop.acctNPos[a] !== 1 || pop.acctCross[a] || !(rng() < share)) continue;
    if (waiting < 0) waiting = a;
    else {
      pair[a] = waiting;
      pair[waiting] = a;
      waiting = -1;
    }
  }
  return pair;
}
