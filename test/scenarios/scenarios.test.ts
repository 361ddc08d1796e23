/** Every scenario file in scenarios/ loads, validates against the JSON Schema's source, and runs. */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/api/run.js';

import { SCENARIOS_DIR as DIR, scenarioFiles } from '../helpers/files.js';

describe('scenario files', () => {
  const files = scenarioFiles();
  it('include the default and at least three more', () => {
    expect(files.map((f) => path.basename(f))).toContain('default.yaml');
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  for (const f of files) {
    it(`${path.relative(DIR, f)} loads and smoke-runs`, async () => {
      const sc = loadScenarioFile(f);
      expect(sc.description.length).toBeGreaterThan(20);
      // a smoke run: the real book and horizon, few paths
      const r = await runScenario(parseScenario({ ...sc, paths: 3 }), { workers: 0, drilldown: false });
      expect(r.aggregates.paths).toBe(3);
    });
  }
});
