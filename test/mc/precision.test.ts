/**
 * Issue 23 item 4: runs to a stated precision (`run --precision`, scenario `sampling.precision`). The run adds
 * paths in batches until every headline figure's 95% interval is within the target of it and none is thin,
 * or a budget ends; its result is the plain run of the final count, byte for byte — whether the batches add
 * paths to the ones run (books of a fixed size) or rerun them (`pathsPerBook: auto`, whose blocks move with
 * the count), and for any worker count. The classification of figures (src/stats/precision.ts) is checked on
 * its own; bad input is one line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { runScenario, type Results } from '../../src/api/run.js';
import { checkPrecision, relativeHalfWidth, HEADLINE_FIGURES } from '../../src/stats/precision.js';
import { runSummary } from '../../src/report/verdict.js';
import { SMALL, merge, small } from '../helpers/scenarios.js';
import { cli, isOneLineUserError } from '../helpers/cli.js';

/** The small test scenario with a fund no shortfall exhausts: its bad-debt figures are zero, its liquidation figures not. */
const calm = (precision: Record<string, unknown>, over: unknown = {}) => small(merge({ paths: 30, policy: { insuranceFund: { initialUsd: 1e9 } }, sampling: { precision } }, over));

/** results without what may differ between two runs of the same paths: wall time, the start time, the precision record, the echo of the target. */
function comparable(r: Results): string {
  const { run: _run, precision: _p, scenario, ...rest } = r;
  const { precision: _t, ...sampling } = scenario.sampling;
  return JSON.stringify({ ...rest, scenario: { ...scenario, sampling } });
}

describe('a run to a stated precision', () => {
  it('equals the plain run of its final count, byte for byte, when batches add paths (books of 10 paths)', async () => {
    const sc = calm({ relativeHalfWidth: 0.2, maxPaths: 400 }, { sampling: { pathsPerBook: 10 } });
    const r = await runScenario(sc, { workers: 0 });
    const p = r.precision!;
    expect(p.stages.length).toBeGreaterThan(1);
    // the batches after the first ran only their new paths
    expect(p.stages.slice(1).every((s, k) => s.simulatedPaths === s.paths - p.stages[k].paths)).toBe(true);
    expect(p.simulatedPaths).toBe(p.finalPaths);
    expect(r.aggregates.paths).toBe(p.finalPaths);
    expect(r.scenario.paths).toBe(p.finalPaths);
    const plain = await runScenario(small(merge({ paths: p.finalPaths, policy: { insuranceFund: { initialUsd: 1e9 } }, sampling: { pathsPerBook: 10 } }, {})), { workers: 0 });
    expect(JSON.stringify(r.paths)).toBe(JSON.stringify(plain.paths));
    expect(comparable(r)).toBe(comparable(plain));
  });

  it('equals the plain run of its final count under pathsPerBook: auto (batches rerun the moved blocks), on 2 workers against a serial plain run', async () => {
    const sc = calm({ relativeHalfWidth: 0.2, maxPaths: 400 });
    const r = await runScenario(sc, { workers: 2 });
    const p = r.precision!;
    expect(p.stages.length).toBeGreaterThan(1);
    expect(p.simulatedPaths).toBe(p.stages.reduce((s, x) => s + x.simulatedPaths, 0));
    const plain = await runScenario(small(merge({ paths: p.finalPaths, policy: { insuranceFund: { initialUsd: 1e9 } } }, {})), { workers: 0 });
    expect(JSON.stringify(r.paths)).toBe(JSON.stringify(plain.paths));
    expect(comparable(r)).toBe(comparable(plain));
  });

  it('with importance sampling in the scenario the batches run the tilted, weighted paths and still equal the plain run of the final count', async () => {
    const imp = { pathsPerBook: 10, importance: { shiftPerStep: -0.05 } };
    const r = await runScenario(calm({ relativeHalfWidth: 0.3, maxPaths: 200 }, { sampling: imp }), { workers: 0, drilldown: false });
    expect(r.aggregates.sampling.design).toMatch(/importance/);
    expect(r.precision!.stages.length).toBeGreaterThan(1);
    const plain = await runScenario(small(merge({ paths: r.precision!.finalPaths, policy: { insuranceFund: { initialUsd: 1e9 } }, sampling: imp }, {})), { workers: 0, drilldown: false });
    expect(JSON.stringify(r.paths)).toBe(JSON.stringify(plain.paths));
    expect(comparable(r)).toBe(comparable(plain));
  });

  it('meets its target: stops at the first batch where every headline figure is within it, and the one before was not', async () => {
    const target = 0.25;
    const r = await runScenario(calm({ relativeHalfWidth: target, maxPaths: 2000 }), { workers: 0 });
    const p = r.precision!;
    expect(p.met).toBe(true);
    expect(p.stoppedBy).toBe('target');
    // checked again from the written aggregates, not from the record
    for (const f of HEADLINE_FIGURES) {
      const e = f.of(r.aggregates);
      if (f.event !== null) {
        expect(e.estimate, f.key).toBe(0); // no bad debt, no fund exhausted: zero, exempt
        continue;
      }
      expect(e.tail?.thin ?? false, f.key).toBe(false);
      expect(relativeHalfWidth(e)!, f.key).toBeLessThanOrEqual(target);
    }
    const before = await runScenario(small(merge({ paths: p.stages[p.stages.length - 2].paths, policy: { insuranceFund: { initialUsd: 1e9 } } }, {})), { workers: 0 });
    expect(checkPrecision(before.aggregates, target).met).toBe(false);
    expect(runSummary(r, null).verdict).toMatch(new RegExp(`Run to ±25%: every headline figure's 95% interval is within ±25% of it at ${p.finalPaths} paths`));
    expect(runSummary(r, null).verdict).toMatch(/No path had bad debt or an exhausted fund: a relative precision does not apply to a zero, and P\(bad debt\) is below/);
  });

  it('stops on its path budget, not met, and says so in the results and the verdict', async () => {
    const r = await runScenario(calm({ relativeHalfWidth: 0.01, maxPaths: 70 }), { workers: 0 });
    const p = r.precision!;
    expect(p).toMatchObject({ met: false, stoppedBy: 'paths', finalPaths: 70, maxPaths: 70, relativeHalfWidth: 0.01 });
    expect(r.aggregates.paths).toBe(70);
    expect(p.figures.some((f) => f.status === 'wide' || f.status === 'thin')).toBe(true);
    expect(runSummary(r, null).verdict).toMatch(/The ±1% target was not met: the path budget \(70 paths\) ended the run at 70 paths \(\d batches?, 70 paths simulated, [\d.]+ s\) with .*liquidated notional per path at ±[\d.]+%/);
  });

  it('stops on its time budget after the first batch when no further batch fits', async () => {
    const r = await runScenario(calm({ relativeHalfWidth: 0.01, maxPaths: 100_000, maxSeconds: 0.001 }), { workers: 0 });
    expect(r.precision).toMatchObject({ met: false, stoppedBy: 'time', finalPaths: 30, maxSeconds: 0.001 });
    expect(r.precision!.stages).toHaveLength(1);
    expect(runSummary(r, null).verdict).toMatch(/The ±1% target was not met: the time budget \(0\.001 s\) ended the run at 30 paths \(1 batch, 30 paths simulated/);
  });

  it('a bad-debt tail that is thin keeps the run going; the projection asks for the tail count', async () => {
    // the small scenario at 400% volatility and no fund has bad debt on some paths: ES 99% rests on 1 tail path at 60
    const r = await runScenario(small({ paths: 60, market: { priceModel: { longRunVolatilityAnnual: 4 } }, policy: { insuranceFund: { initialUsd: 0 } } }), { workers: 0, drilldown: false });
    expect(r.aggregates.probBadDebt.estimate).toBeGreaterThan(0);
    const c = checkPrecision(r.aggregates, 0.5);
    const es = c.figures.find((f) => f.key === 'badDebtUsd.es99')!;
    expect(es.status).toBe('thin');
    expect(c.met).toBe(false);
    expect(es.pathsNeeded).toBe(1000);
    expect(c.pathsNeeded!).toBeGreaterThanOrEqual(1000);
    expect(c.figures.find((f) => f.key === 'probBadDebt')!.status).not.toBe('zero');
  });
});

describe('run --precision at the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-precision-'));
  const file = path.join(dir, 's.yaml');
  writeFileSync(file, stringify(merge(SMALL, { paths: 30, policy: { insuranceFund: { initialUsd: 1e9 } } })));

  it('writes the precision record to results.json and the sentence to summary.md, one line per batch on stderr', async () => {
    const out = path.join(dir, 'out');
    const r = await cli('run', file, '--precision', '0.3', '--set', 'sampling.precision.maxPaths=500', '--workers', '0', '--out', out, '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as Results;
    expect(res.precision).toMatchObject({ relativeHalfWidth: 0.3, maxPaths: 500, met: true, stoppedBy: 'target' });
    expect(res.scenario.sampling.precision).toEqual({ relativeHalfWidth: 0.3, maxPaths: 500, maxSeconds: 1800 });
    expect(res.paths.badDebtUsd).toHaveLength(res.precision!.finalPaths);
    expect(r.stderr).toMatch(/^precision: 30 paths \(30 run, [\d.]+ s\): .* — target ±30%; the figures project about [\d,]+ paths$/m);
    expect(r.stderr).toMatch(/^precision: [\d,]+ paths .*: every headline figure within ±30% — done$/m);
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toMatch(/Run to ±30%/);
    const j = await cli('run', file, '--precision', '0.3', '--set', 'sampling.precision.maxPaths=500', '--workers', '0', '--out', path.join(dir, 'out-json'), '--no-figures', '--json');
    expect((JSON.parse(j.stdout) as { details: { precision: { finalPaths: number } } }).details.precision.finalPaths).toBe(res.precision!.finalPaths);
    // the report rebuilt from results.json says the same
    const rebuilt = await cli('report', out, '--json', '--no-figures');
    expect(rebuilt.status, rebuilt.stderr).toBe(0);
    expect((JSON.parse(rebuilt.stdout) as { verdict: string }).verdict).toMatch(/Run to ±30%: every headline figure's 95% interval is within ±30% of it/);
  });

  it('bad input is one line, exit 2, nothing written: --precision 0, negative, above 1, not a number; a zero target in the scenario; with --shard', async () => {
    const out = path.join(dir, 'never');
    for (const v of ['0', '-0.1', '1.5', 'ten']) {
      expect(isOneLineUserError(await cli('run', file, '--precision', v, '--out', out), new RegExp(`--precision: "${v}" is not allowed — expected a relative half-width above 0 and at most 1`)), v).toBe(true);
    }
    expect(isOneLineUserError(await cli('run', file, '--set', 'sampling.precision.relativeHalfWidth=0', '--out', out), /sampling\.precision\.relativeHalfWidth/)).toBe(true);
    expect(isOneLineUserError(await cli('run', file, '--precision', '0.1', '--set', 'sampling.precision.maxPaths=0', '--out', out), /sampling\.precision\.maxPaths/)).toBe(true);
    expect(isOneLineUserError(await cli('run', file, '--precision', '0.1', '--shard', '0/2', '--out', out), /--shard: not with a precision target/)).toBe(true);
    expect(existsSync(out)).toBe(false);
  });

  it('studies refuse a precision target (every point runs the same paths): sweep, calibrate and compare, one line, exit 2', async () => {
    const withTarget = path.join(dir, 'target.yaml');
    writeFileSync(withTarget, stringify(merge(SMALL, { sampling: { precision: { relativeHalfWidth: 0.1 } } })));
    const out = path.join(dir, 'never-study');
    const said = /sampling\.precision is read by run only — (sweep|calibrate|compare) runs every point on the same paths/;
    expect(isOneLineUserError(await cli('sweep', withTarget, '--param', 'policy.maxLeverage=10,20', '--out', out), said)).toBe(true);
    expect(isOneLineUserError(await cli('calibrate', withTarget, '--param', 'policy.maxLeverage', '--range', '5..20', '--target', 'probBadDebt <= 1%', '--out', out), said)).toBe(true);
    expect(isOneLineUserError(await cli('compare', withTarget, file, '--out', out), said)).toBe(true);
    expect(existsSync(out)).toBe(false);
  });
});
