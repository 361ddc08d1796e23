/**
 * Every scenario file in scenarios/ loads, validates against the JSON Schema's source, and runs; a scenario whose
 * data the user supplies (scenarios/replay/) runs on the same file in ../shared/data, and is skipped where it is absent.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/api/run.js';
import { SCENARIOS_DIR as DIR, loadShippedScenario, scenarioFiles, userDataOf } from '../helpers/files.js';

describe('scenario files', () => {
  const files = scenarioFiles(DIR, { userData: true });
  it('include the default and at least three more', () => {
    expect(files.map((f) => path.basename(f))).toContain('default.yaml');
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  for (const f of files) {
    const data = userDataOf(f);
    it.skipIf(data !== undefined && !existsSync(data))(`${path.relative(DIR, f)} loads and smoke-runs${data ? ' (on ../shared/data)' : ''}`, async () => {
      const sc = loadShippedScenario(f)!;
      expect(sc.description.length).toBeGreaterThan(20);
      // a smoke run: the real book and horizon, few paths
      const r = await runScenario(parseScenario({ ...sc, paths: 3 }), { workers: 0, drilldown: false });
      expect(r.aggregates.paths).toBe(3);
    });
  }
});
