/**
 * Everything a path needs that is the same for every path of a run: the resolved scenario, the
 * trader book and the policy models. Built once per worker (and cached by the worker).
 */
import type { Scenario } from '../scenario/schema.js';
import { generatePopulation, type Population } from '../agents/population.js';
import { createMaintenanceModel, type MaintenanceModel } from '../margin/maintenance.js';
import { createImpactModel, type ImpactModel } from '../liquidation/impact.js';

export interface RunContext {
  readonly scenario: Scenario;
  readonly population: Population;
  readonly maintenance: MaintenanceModel;
  readonly impact: ImpactModel;
}

export function createRunContext(scenario: Scenario): RunContext {
  const maintenance = createMaintenanceModel(scenario.policy.maintenance);
  const population = generatePopulation(scenario.traders, {
    seed: scenario.seed,
    initialPriceUsd: scenario.market.initialPriceUsd,
    maxLeverage: scenario.policy.maxLeverage,
    maintenance,
  });
  return { scenario, population, maintenance, impact: createImpactModel(scenario.market.impact) };
}
