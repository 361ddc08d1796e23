/**
 * marginlab's library API. Researchers can call these from their own scripts:
 *
 *   import { loadScenarioFile, runScenario } from 'marginlab';
 *   const results = await runScenario(loadScenarioFile('scenarios/default.yaml'), { workers: 2 });
 */
export { runScenario, runScenarioRecords, resultsOf, summaryOf, type Results, type RunOptions, type PrecisionRecord, type PrecisionStage, RESULTS_FORMAT } from './api/run.js';
export { runShard, mergeShards, shardRange, encodeShard, decodeShard, scenarioHash, type Shard, type ShardHeader } from './api/shard.js';
export { runOnFleet, startFleetWorker, fleetRunner, checkRedis } from './api/fleet.js';
export { PathTable } from './mc/table.js';
export { pathExports } from './report/exports.js';
export { loadScenarioFile, parseScenario, parseScenarioText } from './scenario/load.js';
export { ScenarioSchema, type Scenario, type ScenarioInput } from './scenario/schema.js';
export { runPaths, runPathsSerial, type MonteCarloOutput } from './mc/runner.js';
export { simulatePath, PathBuffers, type PathSummary, type PathSeries } from './engine/path.js';
export { createRunContext, type RunContext } from './engine/context.js';
export { aggregate, seriesBands, type Aggregates } from './stats/aggregate.js';
export { meanCi, proportionCi, quantileCiSorted, expectedShortfallCiSorted, normalCdf, normalQuantile, type Estimate } from './stats/ci.js';
export { writeRunOutputs } from './report/write.js';
export { UserError, ConservationError } from './errors.js';
export { VERSION } from './version.js';
export { runSweep, type SweepResult, type SweepOptions, type SweepPoint } from './sweep/sweep.js';
export { runCalibration, type CalibrationResult, type CalibrateOptions } from './sweep/calibrate.js';
export { runComparison, variantsFromBlock, variantsFromFiles, type ComparisonResult, type CompareOptions, type VariantInput } from './sweep/compare.js';
export { METRICS, HEADLINE_METRICS } from './sweep/metrics.js';
export { pairedDifference, holm, type PairedDifference } from './stats/paired.js';
export { CATALOGUE, QUANTITIES, evaluateFunctional, type MetricDef as CatalogueMetric, type Worse } from './stats/metrics.js';
export { PATH_FIELDS, PATH_FIELD_LIST, fieldsOfScenario, type FieldDef, type PathFieldName } from './engine/fields.js';
export { parseParamFlag, paramsFromSweepBlock, numericPaths, type ParamSpec } from './sweep/params.js';
export { capitalEfficiency, type CapitalEfficiency } from './sweep/capital.js';
