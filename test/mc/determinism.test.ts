/**
 * Same scenario and seed ⇒ identical results whatever the worker count. Uses the compiled worker
 * from dist/ (`npm test` builds first).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/api/run.js';
import { resultsJson } from '../../src/report/write.js';
import { small } from '../helpers/scenarios.js';

function withoutTiming(json: string): unknown {
  const r = JSON.parse(json);
  delete r.run;
  return r;
}

describe('determinism across worker counts', () => {
  it('results.json (minus timing) is byte-identical for --workers 1, 2 and serial', async () => {
    const sc = small({ paths: 37 }); // not a multiple of any chunk size
    const serial = resultsJson(await runScenario(sc, { workers: 0 }));
    const one = resultsJson(await runScenario(sc, { workers: 1 }));
    const two = resultsJson(await runScenario(sc, { workers: 2, chunkSize: 3 }));
    expect(JSON.stringify(withoutTiming(one))).toBe(JSON.stringify(withoutTiming(serial)));
    expect(JSON.stringify(withoutTiming(two))).toBe(JSON.stringify(withoutTiming(one)));
  });
  it('a different seed gives different results', async () => {
    const a = await runScenario(small({ paths: 8 }), { workers: 0, drilldown: false });
    const b = await runScenario(small({ paths: 8, seed: 12 }), { workers: 0, drilldown: false });
    expect(a.paths.liquidatedNotionalUsd).not.toEqual(b.paths.liquidatedNotionalUsd);
  });
});
