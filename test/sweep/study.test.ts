/** Sweeps, the study folder, and comparisons, through the library API on small scenarios. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runSweep, type SweepResult } from '../../src/sweep/sweep.js';
import { runComparison, mergePatch, variantsFromBlock, variantsFromFiles } from '../../src/sweep/compare.js';
import { StudyFolder, differences } from '../../src/sweep/store.js';
import { capitalEfficiency } from '../../src/sweep/capital.js';

const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-study-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL = {
  name: 'study',
  seed: 5,
  paths: 120,
  horizonSteps: 240,
  market: { priceModel: { kind: 'gbm', volatilityAnnual: 1.2 }, impact: { kind: 'linear', depthUsdPerPercent: 300_000 } },
  traders: { count: 200 },
  policy: { maxLeverage: 20, maintenance: { kind: 'fixed', mmr: 0.02 }, insuranceFund: { initialUsd: 1000 } },
  output: { seriesSamplePaths: 20, seriesPoints: 20 },
};
const small = parseScenario(SMALL, 'test');
const params = [{ path: 'policy.maintenance.mmr', values: [0.01, 0.02, 0.03] }];

describe('sweep', () => {
  let serial: SweepResult;
  beforeAll(async () => {
    serial = await runSweep(small, { params, workers: 0, out: path.join(dir, 'serial') });
  });

  it('gives the same points with 0 and 2 workers (paths are keyed by index, not by who ran them)', async () => {
    const pooled = await runSweep(small, { params, workers: 2 });
    const strip = (r: SweepResult) => JSON.stringify(r.points, (k, v) => (k === 'run' ? undefined : v));
    expect(strip(pooled)).toBe(strip(serial));
  });

  it('takes differences against the scenario’s own value and the previous point, consistent with the point estimates', () => {
    expect(serial.baselineIndex).toBe(1); // mmr 0.02 is the scenario's value
    expect(serial.points[1].differences.baseline).toBeNull();
    for (const p of serial.points.slice(1)) {
      const prev = p.differences.previous[0];
      expect(prev.fromIndex).toBe(p.index - 1);
      const d = prev.metrics['fractionTradersLiquidated.mean'];
      const delta = p.aggregates.fractionTradersLiquidated.mean.estimate - serial.points[p.index - 1].aggregates.fractionTradersLiquidated.mean.estimate;
      expect(d.estimate).toBeCloseTo(delta, 12);
      expect(d.n).toBe(120);
    }
    expect(serial.points[0].differences.previous).toEqual([]);
    expect(serial.crnPrecisionGain['fractionTradersLiquidated.mean']).toBeGreaterThan(1);
  });

  it('records capital efficiency per point: leverage before liquidation is 1/MMR for a fixed MMR', () => {
    for (const p of serial.points) expect(p.capital.maintenanceLeverage).toBeCloseTo(1 / p.values['policy.maintenance.mmr'], 9);
  });

  it('saves one file per finished point and reads them back instead of recomputing', async () => {
    expect(readdirSync(path.join(dir, 'serial', 'points')).filter((f) => f.endsWith('.json'))).toHaveLength(3);
    const again = await runSweep(small, { params, workers: 0, out: path.join(dir, 'serial') });
    expect(again.run.pointsResumed).toBe(3);
    expect(again.points.map((p) => p.aggregates)).toEqual(serial.points.map((p) => p.aggregates));
  });

  it('grids two parameters, first parameter outermost', async () => {
    const g = await runSweep(parseScenario({ ...SMALL, paths: 20 }, 'test'), {
      params: [
        { path: 'policy.maintenance.mmr', values: [0.01, 0.02] },
        { path: 'policy.insuranceFund.initialUsd', values: [0, 1000, 5000] },
      ],
      workers: 0,
    });
    expect(g.points.map((p) => p.grid)).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
    expect(g.baselineIndex).toBe(4);
    expect(g.points[4].differences.previous.map((d) => [d.param, d.fromIndex])).toEqual([
      ['policy.maintenance.mmr', 1],
      ['policy.insuranceFund.initialUsd', 3],
    ]);
  });
});

describe('study folder', () => {
  it('refuses a folder holding another command or other inputs, naming what changed; --fresh starts over', () => {
    const d = path.join(dir, 'folder');
    StudyFolder.open(d, { command: 'sweep', inputs: { a: 1, b: { c: 2 } } });
    expect(() => StudyFolder.open(d, { command: 'calibrate', inputs: { a: 1, b: { c: 2 } } })).toThrow(/holds a sweep study, not a calibrate/);
    expect(() => StudyFolder.open(d, { command: 'sweep', inputs: { a: 1, b: { c: 3 } } })).toThrow(/changed: b\.c/);
    expect(() => StudyFolder.open(d, { command: 'sweep', inputs: { a: 1, b: { c: 3 } } }, { fresh: true })).not.toThrow();
    const other = path.join(dir, 'not-a-study');
    rmSync(other, { recursive: true, force: true });
    StudyFolder.open(path.join(other, 'x'), { command: 'sweep', inputs: {} });
    writeFileSync(path.join(other, 'file.txt'), 'hello');
    expect(() => StudyFolder.open(other, { command: 'sweep', inputs: {} })).toThrow(/not a marginlab sweep folder/);
  });

  it('ignores an unreadable point file (it is recomputed)', () => {
    const d = path.join(dir, 'corrupt');
    const f = StudyFolder.open(d, { command: 'sweep', inputs: {} });
    writeFileSync(path.join(d, 'points', 'abc-0-10.json'), '{"format": "marginlab.paths/1", trunc');
    expect(f.readChunk('abc', 0, 10)).toBeUndefined();
  });

  it('differences lists dotted paths', () => {
    expect(differences({ a: { b: [1, 2] }, c: 1 }, { a: { b: [1, 3] }, c: 1 })).toEqual(['a.b[1]']);
    expect(differences({ x: 1 }, { x: 1 })).toEqual([]);
  });
});

describe('comparison', () => {
  const withVariants = parseScenario(
    {
      ...SMALL,
      paths: 300, // a seasoned book already holds fewer accounts near the higher rate's threshold, so the difference needs more paths
      sampling: { pathsPerBook: 'all' }, // one book: the policies compared on this book (the sharpest paired comparison)
      variants: [
        { name: 'base', override: {} },
        { name: 'same', override: { policy: { maintenance: { mmr: 0.02 } } } },
        { name: 'higher', override: { policy: { maintenance: { mmr: 0.024 } } } },
        { name: 'tiered', override: { policy: { maintenance: { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.015 }, { notionalFloorUsd: 20_000, mmr: 0.03 }] } } } },
      ],
    },
    'test',
  );

  it('merges patches field by field and replaces an object whose kind changes', () => {
    expect(mergePatch({ a: { kind: 'x', p: 1, q: 2 }, r: [1, 2] }, { a: { p: 5 }, r: [3] })).toEqual({ a: { kind: 'x', p: 5, q: 2 }, r: [3] });
    expect(mergePatch({ a: { kind: 'x', p: 1 } }, { a: { kind: 'y', z: 1 } })).toEqual({ a: { kind: 'y', z: 1 } });
    const v = variantsFromBlock(withVariants, 'test.yaml');
    expect(v.map((x) => x.name)).toEqual(['base', 'same', 'higher', 'tiered']);
    expect(v[3].scenario.policy.maintenance.kind).toBe('tiered');
    expect(v[3].scenario.policy.insuranceFund.initialUsd).toBe(1000);
  });

  it('rejects a variant that changes the seed, duplicate names, and invalid patches', () => {
    const bad = (variants: unknown) => () => variantsFromBlock(parseScenario({ ...SMALL, variants }, 'test'), 'f.yaml');
    expect(bad([{ name: 'a' }, { name: 'b', override: { seed: 3 } }])).toThrow(/override\.seed: not allowed/);
    expect(bad([{ name: 'a' }, { name: 'a' }])).toThrow(/used twice/);
    expect(bad([{ name: 'a' }, { name: 'b', override: { policy: { maintenance: { mmr: 0.5 } } } }])).toThrow(/variants\[1\] \(b\): policy\.maintenance\.mmr/);
  });

  it('an identical policy differs by exactly zero; a higher MMR liquidates significantly more traders on the same shocks', async () => {
    const r = await runComparison(variantsFromBlock(withVariants, 'test.yaml'), { workers: 0 });
    // every policy faces the baseline's opening book (issue 23 item 2): no account differs, no warning
    expect(r.warnings).toEqual([]);
    for (const b of r.bookDifferences!) expect(b.difference!.accountsDiffering, b.variant).toBe(0);
    const same = r.differences.find((d) => d.variant === 'same')!;
    for (const d of Object.values(same.metrics)) expect([d.estimate, d.standardError, d.significant]).toEqual([0, 0, false]);
    const higher = r.differences.find((d) => d.variant === 'higher')!.metrics['fractionTradersLiquidated.mean'];
    expect(higher.estimate).toBeGreaterThan(0);
    expect(higher.significantHolm, JSON.stringify(higher)).toBe(true);
    // capital efficiency of each policy on the book it faced: the baseline's (bookRules), under its own rules
    expect(r.variants.map((v) => v.capital.maintenanceLeverage)).toEqual(r.variants.map((v) => capitalEfficiency(v.scenario).maintenanceLeverage));
    expect(r.variants.slice(1).every((v) => v.scenario.bookRules !== undefined)).toBe(true);
    expect(r.variants[0].distributions.badDebtUsd).toHaveLength(201);
  });

  it('warns when a variant changes the exogenous price stream or the trader book, and forces one seed and path count', async () => {
    const a = parseScenario({ ...SMALL, paths: 30 }, 'a.yaml');
    const b = parseScenario({ ...SMALL, seed: 99, paths: 40, market: { ...SMALL.market, priceModel: { kind: 'gbm', volatilityAnnual: 0.9 } }, traders: { count: 150 } }, 'b.yaml');
    const r = await runComparison(variantsFromFiles([{ scenario: a, source: 'a.yaml' }, { scenario: b, source: 'b.yaml' }]), { workers: 0 });
    expect(r.seed).toBe(5);
    expect(r.paths).toBe(30);
    expect(r.variants.map((v) => v.name)).toEqual(['study', 'study-2']);
    expect(r.warnings.join('\n')).toMatch(/study-2: seed 99 replaced by the baseline's seed 5/);
    expect(r.warnings.join('\n')).toMatch(/study-2: changes the exogenous price stream \(markets\[0\]\.priceModel\.volatilityAnnual\)/);
    expect(r.warnings.join('\n')).toMatch(/study-2: has a different trader book \(traders\.count\)/);
  });
});
