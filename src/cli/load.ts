/**
 * Loading a scenario file for a command: the file under the path policy (`--allow-any-path`), and
 * its `variants:` block validated the way `compare` validates it, so every command refuses a
 * scenario `compare` would refuse.
 */
import path from 'node:path';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { variantsFromBlock } from '../sweep/compare.js';

export interface LoadFlags {
  allowAnyPath?: boolean;
}

export function loadForCommand(file: string, flags: LoadFlags): Scenario {
  const scenario = loadScenarioFile(file, { allowAnyPath: flags.allowAnyPath });
  if (scenario.variants) variantsFromBlock(scenario, file, { baseDir: path.dirname(path.resolve(file)), allowAnyPath: flags.allowAnyPath });
  return scenario;
}
