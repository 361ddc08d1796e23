/**
 * Loading a scenario file for a command: the file under the path policy (`--allow-any-path`), and
 * its study blocks (`variants:`, `sweep:`, `calibrate:`, `recommend:`) validated the way `compare`, `sweep` and
 * `calibrate` validate them, so every command refuses a scenario one of them would refuse.
 */
import path from 'node:path';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { variantsFromBlock } from '../sweep/compare.js';
import { paramsFromSweepBlock, pointScenario, stripStudy } from '../sweep/params.js';
import { checkCalibrateBlock } from '../sweep/calibrate.js';
import { checkRecommendBlock } from '../sweep/recommend.js';

export interface LoadFlags {
  allowAnyPath?: boolean;
}

export function loadForCommand(file: string, flags: LoadFlags): Scenario {
  const scenario = loadScenarioFile(file, { allowAnyPath: flags.allowAnyPath });
  if (scenario.variants) variantsFromBlock(scenario, file, { baseDir: path.dirname(path.resolve(file)), allowAnyPath: flags.allowAnyPath });
  checkStudyBlocks(scenario, file, { allowAnyPath: flags.allowAnyPath });
  return scenario;
}

/**
 * The `sweep:` and `calibrate:` blocks checked as `sweep` and `calibrate` check them — paths, ranges, targets and
 * every value each would run — so `run` (and every other command) refuses a file those commands would refuse,
 * naming the file and the field, before anything is simulated.
 */
export function checkStudyBlocks(scenario: Scenario, file: string, opts: { allowAnyPath?: boolean } = {}): void {
  const params = paramsFromSweepBlock(scenario, file);
  if (params.length > 0) {
    const base = stripStudy(scenario);
    for (const p of params) for (const v of p.values) pointScenario(base, { [p.path]: v }, scenario.paths, `${file}: sweep value`);
  }
  checkCalibrateBlock(scenario, file);
  checkRecommendBlock(scenario, file, opts);
}
