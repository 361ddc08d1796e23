/**
 * Everything a path needs that is the same for every path of a run: the resolved scenario, the
 * trader book, per-market impact models and nominal volatilities. Built once per worker (and cached).
 */
import type { Scenario } from '../scenario/schema.js';
import { marketConfigs, type Population } from '../agents/population.js';
import { generatePopulation } from '../agents/seasoning.js';
import { createMaintenanceModel, type MaintenanceModel } from '../margin/maintenance.js';
import { createImpactModel, type ImpactModel } from '../liquidation/impact.js';
import { nominalVolatilityAnnual } from '../price/nominal.js';
import { SECONDS_PER_YEAR } from '../price/models.js';
import { loadPriceData, type PriceData } from '../price/process.js';

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
  /** Data the price process reads (CSV returns, Cholesky factor), loaded once per run. */
  readonly priceData: PriceData;
}

/** Builds the run context; pass `population` to reuse a book already drawn for this scenario (e.g. shared by the main thread). */
export function createRunContext(scenario: Scenario, population?: Population): RunContext {
  const markets = marketConfigs(scenario);
  const stepsPerYear = SECONDS_PER_YEAR / scenario.stepSeconds;
  const nominalVolPerStep = markets.map((m) => nominalVolatilityAnnual(m.priceModel as never) / Math.sqrt(stepsPerYear));
  const maintenanceFor = (m: number) =>
    createMaintenanceModel(scenario.policy.maintenance, { maxLeverage: scenario.policy.maxLeverage, nominalVolPerStep: nominalVolPerStep[m], stepsPerYear });
  const opening = markets.map((_, m) => maintenanceFor(m));
  const priceData = loadPriceData(scenario);
  const book = population ?? generatePopulation(scenario, opening, priceData);
  const deleveragers = markets.map((_, m) => {
    const ids: number[] = [];
    for (let p = 0; p < book.positions; p++) {
      if (book.posMarket[p] === m && book.acctDeleverage[book.posAccount[p]]) ids.push(p);
    }
    return Int32Array.from(ids);
  });
  return {
    scenario,
    population: book,
    maintenance: opening[0],
    impact: markets.map((m) => createImpactModel(m.impact)),
    markets: markets.length,
    stepsPerYear,
    nominalVolPerStep,
    maintenanceFor,
    deleveragers,
    priceData,
  };
}
