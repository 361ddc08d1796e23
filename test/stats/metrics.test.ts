/**
 * The metric catalogue (src/stats/metrics.ts) is the one list of metrics: every Distribution in
 * `aggregates` is one of its quantities (and each quantity is one Distribution), in the order
 * `aggregates` lists them; every metric says which direction is worse.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runPaths } from '../../src/mc/runner.js';
import { aggregate } from '../../src/stats/aggregate.js';
import { CATALOGUE, QUANTITIES } from '../../src/stats/metrics.js';

/** Dotted keys of every Distribution (mean, quantiles, min, max) under `v`, skipping the named subtrees. */
function distributionKeys(v: unknown, prefix = '', skip: string[] = []): string[] {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return [];
  const o = v as Record<string, unknown>;
  if ('mean' in o && 'quantiles' in o && 'min' in o && 'max' in o) return [prefix];
  return Object.entries(o).flatMap(([k, x]) => (skip.includes(k) ? [] : distributionKeys(x, prefix ? `${prefix}.${k}` : k)));
}

describe('the metric catalogue', () => {
  it('every Distribution in aggregates is a catalogue quantity and every quantity is in aggregates, in order', async () => {
    const s = parseScenario({ name: 'c', paths: 6, horizonSteps: 60, traders: { count: 60 } });
    const agg = aggregate((await runPaths(s, { workers: 0, series: false })).summaries, s.traders.count);
    expect(distributionKeys(agg, '', ['lossWaterfall', 'bookVariance'])).toEqual(QUANTITIES.map((q) => q.key));
  });

  it('the check sees a Distribution the catalogue lacks (it can fail)', () => {
    const d = { mean: {}, quantiles: {}, min: 0, max: 0 };
    expect(distributionKeys({ a: d, g: { b: d } })).toEqual(['a', 'g.b']);
  });

  it('every metric has a label, a unit, a functional and a direction that is worse', () => {
    expect(CATALOGUE.size).toBe(QUANTITIES.length + 8);
    for (const [key, m] of CATALOGUE) {
      expect(m.key).toBe(key);
      expect(m.label.length, key).toBeGreaterThan(3);
      expect(['higher', 'lower', 'neither'], key).toContain(m.worse);
      expect(['mean', 'proportion', 'var', 'es'], key).toContain(m.functional.kind);
    }
    expect(CATALOGUE.get('badDebtUsd.es99')!.worse).toBe('higher');
    expect(CATALOGUE.get('fundEndUsd.mean')!.worse).toBe('lower');
  });
});
