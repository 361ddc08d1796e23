/**
 * Issue 16 part 2: price impact from a depth table (`impact: { kind: curve, file }`). A one-row
 * linear table is today's linear impact bit for bit — in the model and through whole runs with
 * stress withdrawal and arbitrage; a square-root-shaped table tracks the sqrt model within its
 * interpolation error; each side is read for its own flow; bad tables are one line naming the file,
 * line and column.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createImpactModel, curveImpact } from '../../src/liquidation/impact.js';
import { parseDepthCsv } from '../../src/scenario/depth-csv.js';
import { runPaths } from '../../src/mc/runner.js';
import { parseScenario } from '../../src/scenario/load.js';
import { merge, SMALL, small } from '../helpers/scenarios.js';
import { ImpactSchema } from '../../src/scenario/schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-depth-'));
function depthFile(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}
const D = 200_000;
const LINEAR = depthFile('linear.csv', `distancePercent,bidDepthUsd,askDepthUsd\n1,${D},${D}\n`);
const FLOWS = [1, 37.5, 1e3, -2.5e4, 1.99e5, -2e5, 3.3e5, -7.77e6, 1e8, -1e-3];
const MULTS = [1, 0.73, 0.25, 0.05];

describe('depth curve: a linear table is the linear model', () => {
  const lin = createImpactModel(ImpactSchema.parse({ kind: 'linear', depthUsdPerPercent: D, halfLifeSteps: 10 }));
  const cur = createImpactModel(ImpactSchema.parse({ kind: 'curve', file: LINEAR, halfLifeSteps: 10 }));

  it('delta, flowFor and the fill fraction are equal bit for bit for every flow and depth multiplier', () => {
    for (const f of FLOWS)
      for (const m of MULTS) {
        expect(Object.is(cur.delta(f, m), lin.delta(f, m)), `delta(${f}, ${m})`).toBe(true);
        expect(cur.fillFractionFor(f, m)).toBe(0.5);
        const dx = lin.delta(f, m);
        expect(Object.is(cur.flowFor(dx, m), lin.flowFor(dx, m)), `flowFor(${dx}, ${m})`).toBe(true);
      }
    expect(cur.decayPerStep).toBe(lin.decayPerStep);
  });

  it('a whole run (stress withdrawal, arbitrage, liquidators) gives identical per-path results', async () => {
    const over = { market: { impact: { stressElasticity: 1.5 } }, policy: { liquidation: { liquidators: { enabled: true } } }, paths: 12 };
    const a = await runPaths(small(merge(over, { market: { impact: { kind: 'linear', depthUsdPerPercent: D } } })), { workers: 0 });
    const b = await runPaths(small(merge(over, { market: { impact: { kind: 'curve', file: LINEAR, depthUsdPerPercent: 5_000_000 } } })), { workers: 0 });
    expect(a.summaries.some((s) => s.liquidationCount > 0)).toBe(true);
    expect(JSON.stringify(b.summaries)).toBe(JSON.stringify(a.summaries));
    expect(JSON.stringify(b.series)).toBe(JSON.stringify(a.series));
  });

  it('a many-row linear table agrees with the linear model to rounding (1e-12 relative)', () => {
    const rows = [0.1, 0.5, 1, 2, 3.5, 5, 10].map((p) => `${p},${D * p},${D * p}`);
    const t = parseDepthCsv(`distancePercent,bidDepthUsd,askDepthUsd\n${rows.join('\n')}\n`, 'many.csv');
    const cur = curveImpact(t, 0.9);
    for (const f of FLOWS)
      for (const m of MULTS) {
        expect(Math.abs(cur.delta(f, m) / lin.delta(f, m) - 1)).toBeLessThan(1e-12);
        expect(Math.abs(cur.fillFractionFor(f, m) - 0.5)).toBeLessThan(1e-12);
      }
  });
});

describe('depth curve: a square-root-shaped table against the sqrt model', () => {
  // D(p) = d·p² is the depth under which a flow F moves the price by 0.01·√(F/d): the sqrt model
  const rows = Array.from({ length: 200 }, (_, k) => (k + 1) * 0.05).map((p) => `${p},${D * p * p},${D * p * p}`);
  const t = parseDepthCsv(`distancePercent,bidDepthUsd,askDepthUsd\n${rows.join('\n')}\n`, 'sqrt.csv');
  const cur = curveImpact(t, 0.9);
  const sq = createImpactModel(ImpactSchema.parse({ kind: 'sqrt', depthUsdPerPercent: D }));

  it('moves of 0.5% to 10% agree within the chord-interpolation error (< 0.25%), the fill fraction within 0.5% of 2/3', () => {
    // interpolating p² linearly on a grid of h = 0.05% overstates depth by at most h²/4 per row, so the
    // move is understated by about h²/(8p²) relatively: 1.25e-3 at p = 0.5%
    for (const p of [0.5, 0.77, 1, 2.5, 4.04, 9.9])
      for (const sign of [1, -1])
        for (const m of [1, 0.5]) {
          const f = sign * D * p * p * m;
          expect(Math.abs(cur.delta(f, m) / sq.delta(f, m) - 1), `p=${p} m=${m}`).toBeLessThan(2.5e-3);
          expect(Math.abs(cur.fillFractionFor(f, m) / (2 / 3) - 1)).toBeLessThan(5e-3);
          expect(cur.flowFor(cur.delta(f, m), m) / f).toBeCloseTo(1, 10);
        }
  });

  it('beyond the last row the last segment is extended: a 20% move needs the extrapolated depth', () => {
    const last = D * 100;
    const slope = (last - D * 9.95 * 9.95) / 0.05;
    expect(cur.flowFor(0.2, 1)).toBeCloseTo(last + 10 * slope, 0);
  });
});

describe('depth curve: sides, stress withdrawal and resilience', () => {
  const t = parseDepthCsv('distancePercent,bidDepthUsd,askDepthUsd\n1,100000,400000\n2,150000,900000\n', 'asym.csv');
  const cur = curveImpact(t, 0.5);
  it('a sell walks the bids, a buy the asks', () => {
    expect(cur.delta(-100_000)).toBeCloseTo(-0.01, 15);
    expect(cur.delta(400_000)).toBeCloseTo(0.01, 15);
    expect(cur.delta(-125_000)).toBeCloseTo(-0.015, 15);
    expect(cur.delta(650_000)).toBeCloseTo(0.015, 15);
  });
  it('depth withdrawn by a multiplier m: a flow F at m moves the price as F/m at full depth', () => {
    for (const f of [-140_000, -60_000, 300_000, 1_200_000]) expect(cur.delta(f, 0.4)).toBeCloseTo(cur.delta(f / 0.4, 1), 14);
  });
});

describe('depth curve: bad input', () => {
  const bad: [string, RegExp][] = [
    ['', /bad\.csv line 1: the file is empty/],
    ['distance,bid,ask\n1,2,3\n', /bad\.csv line 1: the header row has no column named distancePercent, bidDepthUsd, askDepthUsd/],
    ['distancePercent,bidDepthUsd,askDepthUsd\n1,100,200\n0.5,150,300\n', /bad\.csv line 3: column 1 \(distancePercent\): "0\.5" is not above the previous row's \(line 2\)/],
    ['distancePercent,bidDepthUsd,askDepthUsd\n1,100,200\n2,90,300\n', /bad\.csv line 3: column 2 \(bidDepthUsd\): "90" is not above .* cumulative depths must strictly increase/],
    ['distancePercent,bidDepthUsd,askDepthUsd\n1,100,abc\u0000\n', /bad\.csv line 2: column 3 \(askDepthUsd\): "abc\\x00" is not allowed/],
    ['distancePercent,bidDepthUsd,askDepthUsd\n1,100\n', /bad\.csv line 2: expected 3 comma-separated values/],
    ['distancePercent,bidDepthUsd,askDepthUsd\n', /bad\.csv line 1: the table has no rows/],
  ];
  for (const [text, re] of bad) it(`refused: ${re.source.slice(0, 60)}`, () => expect(() => parseDepthCsv(text, 'bad.csv')).toThrow(re));

  it('the scenario checks: curve needs a file, a file needs curve, the path policy and the table are checked at load', () => {
    const sc = (impact: unknown, baseDir?: string) => () => parseScenario(merge(SMALL, { market: { impact } }), 'test', baseDir ? { baseDir } : {});
    expect(sc({ kind: 'curve' })).toThrow(/market\.impact\.file: .* kind: curve needs a file/);
    expect(sc({ kind: 'linear', file: LINEAR })).toThrow(/market\.impact\.file: .* is only read with kind: curve/);
    expect(sc({ kind: 'curve', file: '../x.csv' }, dir)).toThrow(/market\.impact\.file: "\.\.\/x\.csv" is not allowed — a data file must be given by a path relative/);
    depthFile('broken.csv', 'distancePercent,bidDepthUsd,askDepthUsd\n1,-5,3\n');
    expect(sc({ kind: 'curve', file: 'broken.csv' }, dir)).toThrow(/market\.impact\.file: .*broken\.csv line 2: column 2 \(bidDepthUsd\)/);
    const ok = parseScenario(merge(SMALL, { market: { impact: { kind: 'curve', file: 'linear.csv' } } }), 'test', { baseDir: dir });
    expect(ok.market.impact.arbitrageUsdPerStep).toBe((D * 60) / 60);
  });
});

describe('the shipped synthetic depth table', () => {
  it('is what scripts/make-synthetic-depth.mjs generates, byte for byte, and parses', async () => {
    const { spawnSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const ROOT = path.resolve(__dirname, '../..');
    const out = path.join(dir, 'gen-depth.csv');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/make-synthetic-depth.mjs'), out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const shipped = readFileSync(path.join(ROOT, 'scenarios/data/synthetic-depth.csv'), 'utf8');
    expect(readFileSync(out, 'utf8')).toBe(shipped);
    const t = parseDepthCsv(shipped, 'synthetic-depth.csv');
    expect(t.distancePercent.length).toBe(57);
  });
});
