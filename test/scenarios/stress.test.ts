/**
 * The stress-scenario library (scenarios/stress/): every scenario runs from the CLI, its exogenous
 * drawdown matches the target stated in its comments within the stated tolerance, and the engine's
 * realised dynamics — the book price's drawdown and when and on which side liquidations happen —
 * match the public figures each file states (`# realised-target:` lines):
 *   window-share X      ≥ X of liquidated notional inside the first market's scripted legs
 *   long-share LO HI    long share of liquidated notional (all markets) within [LO, HI]
 *   adl                 auto-deleveraging happens
 *
 * Each file states, per market, `# drawdown-target: <market name> <target> +<tolerance>`. The realised
 * maximum drawdown of a scripted path can only exceed the target (its leg ends are pinned relative to
 * the window's starting level, and the peak is at least that level), so the check is
 * target ≤ realised ≤ target + tolerance, on every path. The stated target must also be the one the
 * scenario's legs imply (so the comment cannot drift from the numbers).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { createPriceProcess, loadPriceData } from '../../src/price/process.js';
import { scriptedLegs, scriptedTargetDrawdown } from '../../src/price/scripted.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runPaths } from '../../src/mc/runner.js';

const ROOT = path.resolve(__dirname, '../..');
const DIR = path.join(ROOT, 'scenarios/stress');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

interface Target {
  market: string;
  target: number;
  tolerance: number;
}

function realisedTargetsOf(text: string) {
  const window = text.match(/^# realised-target: window-share ([\d.]+)\s*$/m);
  const long = text.match(/^# realised-target: long-share ([\d.]+) ([\d.]+)\s*$/m);
  return {
    windowShare: window ? Number(window[1]) : undefined,
    longShare: long ? [Number(long[1]), Number(long[2])] : undefined,
    adl: /^# realised-target: adl\s*$/m.test(text),
  };
}

function targetsOf(text: string): Target[] {
  return [...text.matchAll(/^# drawdown-target: (\S+) ([\d.]+) \+([\d.]+)\s*$/gm)].map((m) => ({ market: m[1], target: Number(m[2]), tolerance: Number(m[3]) }));
}

/** `# book-drawdown-extra: <market> +<x>`: how much deeper than the index band the book price (with liquidation impact) may fall; 0 when absent. */
function bookExtraOf(text: string, market: string): number {
  const m = [...text.matchAll(/^# book-drawdown-extra: (\S+) \+([\d.]+)\s*$/gm)].find((x) => x[1] === market);
  return m ? Number(m[2]) : 0;
}

describe('stress-scenario library', () => {
  it('holds the four episodes', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const key of ['2020-03', '2022-05', '2022-11', '2025-10']) expect(files.some((f) => f.startsWith(key))).toBe(true);
  });

  for (const f of files) {
    describe(f, () => {
      const file = path.join(DIR, f);
      const text = readFileSync(file, 'utf8');
      const sc = loadScenarioFile(file);
      const markets = [sc.market, ...sc.otherMarkets];
      const targets = targetsOf(text);

      it('states a drawdown target for every market, matching its scripted legs, and says what it does not reproduce', () => {
        expect(targets.map((t) => t.market).sort()).toEqual(markets.map((m) => m.name).sort());
        for (const t of targets) {
          const pm = markets.find((m) => m.name === t.market)!.priceModel;
          expect(pm.kind).toBe('scripted-drawdown');
          if (pm.kind !== 'scripted-drawdown') continue;
          expect(Math.abs(t.target - scriptedTargetDrawdown(pm)), `${t.market}: stated ${t.target}, legs imply ${scriptedTargetDrawdown(pm)}`).toBeLessThanOrEqual(0.0005);
          expect(t.tolerance).toBeGreaterThan(0);
          expect(t.tolerance).toBeLessThanOrEqual(0.05);
        }
        expect(sc.description).toMatch(/does not/);
        expect(sc.traders.count).toBeLessThanOrEqual(10_000);
      });

      it('runs from the CLI and each path’s exogenous drawdown of the first market is within the stated tolerance', () => {
        const out = path.join(mkdtempSync(path.join(tmpdir(), 'marginlab-stress-')), 'out');
        const r = spawnSync(process.execPath, [CLI, 'run', file, '--paths', '3', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
        expect(r.status, r.stderr).toBe(0);
        const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
        const t = targets.find((x) => x.market === sc.market.name)!;
        const exact = sc.market.priceModel.kind === 'scripted-drawdown' ? scriptedTargetDrawdown(sc.market.priceModel) : NaN;
        const dd: number[] = results.paths.maxDrawdownExogenous;
        expect(dd).toHaveLength(3);
        for (const d of dd) {
          expect(d, `realised ${d}, target ${t.target} +${t.tolerance}`).toBeGreaterThanOrEqual(exact - 1e-6);
          expect(d, `realised ${d}, target ${t.target} +${t.tolerance}`).toBeLessThanOrEqual(t.target + t.tolerance);
        }
        expect(results.aggregates.maxDrawdownExogenous.mean.estimate).toBeLessThanOrEqual(t.target + t.tolerance);
      });

      it('realised dynamics match the public record: liquidations in the crash window, long:short split, realised drawdown (8 paths)', async () => {
        const rt = realisedTargetsOf(text);
        expect(rt.windowShare, 'states a window-share target').toBeDefined();
        expect(rt.longShare, 'states a long-share band').toBeDefined();
        const P = 8;
        const run = parseScenario({ ...sc, paths: P, output: { ...sc.output, seriesSamplePaths: P, seriesPoints: sc.horizonSteps + 1 } });
        const out = await runPaths(run, { workers: 0 });
        const pm = sc.market.priceModel;
        if (pm.kind !== 'scripted-drawdown') throw new Error('the first market must be scripted');
        const legs = scriptedLegs(pm);
        const [w0, w1] = [legs[0].from, legs[legs.length - 1].to];
        let inside = 0;
        let total = 0;
        let long = 0;
        for (const { series } of out.series) {
          for (let j = 1; j < series.steps.length; j++) {
            const v = series.liquidatedLongUsd[j] + series.liquidatedShortUsd[j];
            total += v;
            long += series.liquidatedLongUsd[j];
            if (series.steps[j] > w0 && series.steps[j] <= w1) inside += v;
          }
        }
        expect(total).toBeGreaterThan(0);
        expect(inside / total, `share of liquidated notional in steps (${w0}, ${w1}]`).toBeGreaterThanOrEqual(rt.windowShare!);
        const [lo, hi] = rt.longShare!;
        expect(long / total, 'long share of liquidated notional').toBeGreaterThanOrEqual(lo);
        expect(long / total, 'long share of liquidated notional').toBeLessThanOrEqual(hi);
        const t = targets.find((x) => x.market === sc.market.name)!;
        for (const s of out.summaries) {
          expect(s.maxDrawdownRealised, `realised drawdown of the book price, path ${s.pathIndex}`).toBeGreaterThanOrEqual(scriptedTargetDrawdown(pm) - 1e-6);
          expect(s.maxDrawdownRealised, `realised drawdown of the book price, path ${s.pathIndex}`).toBeLessThanOrEqual(t.target + t.tolerance + bookExtraOf(text, sc.market.name));
        }
        if (rt.adl) expect(out.summaries.filter((s) => s.adlNotionalUsd > 0).length, 'paths with ADL').toBeGreaterThan(P / 2);
      });

      it('every market’s exogenous drawdown is within its stated tolerance on 50 paths of the price process', () => {
        const data = loadPriceData(sc);
        const K = markets.length;
        for (let p = 0; p < 50; p++) {
          const proc = createPriceProcess(sc, p, data);
          const out = new Float64Array(K);
          const x = new Float64Array(K);
          const peak = new Float64Array(K);
          const dd = new Float64Array(K);
          for (let s = 0; s < sc.horizonSteps; s++) {
            proc.next(out);
            for (let m = 0; m < K; m++) {
              x[m] += out[m];
              if (x[m] > peak[m]) peak[m] = x[m];
              dd[m] = Math.max(dd[m], -Math.expm1(x[m] - peak[m]));
            }
          }
          markets.forEach((mk, m) => {
            const t = targets.find((y) => y.market === mk.name)!;
            const exact = mk.priceModel.kind === 'scripted-drawdown' ? scriptedTargetDrawdown(mk.priceModel) : NaN;
            expect(dd[m], `${mk.name} path ${p}`).toBeGreaterThanOrEqual(exact - 1e-9);
            expect(dd[m], `${mk.name} path ${p}`).toBeLessThanOrEqual(t.target + t.tolerance);
          });
        }
      });
    });
  }
  it('LUNA collapses to near zero (−99.9999%) without stopping the path, liquidating LUNA positions on the way (2 paths)', async () => {
    const sc = loadScenarioFile(path.join(DIR, '2022-05-luna-ust.yaml'));
    const out = await runPaths(parseScenario({ ...sc, paths: 2 }), { workers: 0 });
    for (const s of out.summaries) {
      expect(s.haltReason, `path ${s.pathIndex} stopped at step ${s.haltedAtStep}`).toBe(0);
      expect(s.liquidatedPositionsByMarket[1], 'LUNA positions liquidated').toBeGreaterThan(100);
    }
    const luna = sc.otherMarkets[0];
    expect(luna.priceModel.kind === 'scripted-drawdown' && scriptedTargetDrawdown(luna.priceModel)).toBeGreaterThan(0.999999);
  });
});
