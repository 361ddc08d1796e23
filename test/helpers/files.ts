/**
 * Every scenario file under scenarios/ (YAML), recursively, sorted — and the shipped scenarios whose data the
 * user supplies (scenarios/replay/: real candles that may not be copied into the repository), which the tests
 * run on the same file in ../shared/data where it is present and skip where it is absent.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { REAL } from './real-data.js';

export const SCENARIOS_DIR = path.resolve(__dirname, '../../scenarios');

/** Scenarios (path under scenarios/) whose csv data the user supplies, and the file of ../shared/data each is run on in tests. */
export const USER_DATA_SCENARIOS: Readonly<Record<string, string>> = {
  'replay/2020-03-12-binance-1m.yaml': REAL.mar2020,
  'replay/2025-10-10-binance-1m.yaml': REAL.oct2025,
};

const relName = (f: string) => path.relative(SCENARIOS_DIR, f).split(path.sep).join('/');

/** The ../shared/data file a user-data scenario runs on in tests, else undefined (an ordinary scenario). */
export function userDataOf(f: string): string | undefined {
  return USER_DATA_SCENARIOS[relName(f)];
}

/**
 * The scenario files under `dir`. Scenarios whose data the user supplies are left out unless `userData` is set
 * (golden outputs, bounds and fuzzing cover the scenarios that run anywhere; a result computed from the real
 * data must not be frozen into the repository).
 */
export function scenarioFiles(dir = SCENARIOS_DIR, opts: { userData?: boolean } = {}): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) return scenarioFiles(p, opts);
      if (!/\.ya?ml$/.test(f)) return [];
      return opts.userData || userDataOf(p) === undefined ? [p] : [];
    });
}

/**
 * A shipped scenario, loaded as a user would load it; a user-data scenario with its csv `file` pointed at its
 * ../shared/data file (undefined where that file is absent: the caller skips).
 */
export function loadShippedScenario(f: string): Scenario | undefined {
  const data = userDataOf(f);
  if (data === undefined) return loadScenarioFile(f);
  if (!existsSync(data)) return undefined;
  const raw = parseYaml(readFileSync(f, 'utf8')) as { market: { priceModel: { file: string } } };
  raw.market.priceModel.file = data;
  return parseScenario(raw, f, { baseDir: path.dirname(f), allowAnyPath: true });
}

/** A saved results.json (or study JSON) as text without its `run` block (timing, workers): what two runs of the same work share. */
export function withoutTiming(file: string): string {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  delete r.run;
  return JSON.stringify(r);
}
