/**
 * Sweeps over more than two parameters, and calibration's points.parquet (issue 23 item 8), from the
 * command line: a grid of every
 * combination of three parameters, written to sweep.json, points.parquet (a column per parameter, a row
 * per point × metric) and a page; each point equal to the same point swept alone (common random numbers
 * make a point independent of its neighbours); too many parameters, or one given twice, is one line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const SCENARIO = path.resolve(__dirname, '../fixtures/shard-small.yaml');
const A = 'policy.maintenance.mmr=0.02,0.03';
const B = 'policy.insuranceFund.initialUsd=0,50000';
const C = 'policy.liquidation.feeRate=0.005,0.01';

describe('marginlab sweep over three parameters', () => {
  it('runs every combination (first parameter outermost), exports a column per parameter to points.parquet, and each point equals that point swept alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-grid-'));
    try {
      const r = await cli('sweep', SCENARIO, '--param', A, '--param', B, '--param', C, '--paths', '6', '--workers', '1', '--out', path.join(dir, 'grid'), '--no-figures');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/8 points × 6 paths/);
      const sw = JSON.parse(readFileSync(path.join(dir, 'grid', 'sweep.json'), 'utf8'));
      expect(sw.params.map((p: { path: string }) => p.path)).toEqual(['policy.maintenance.mmr', 'policy.insuranceFund.initialUsd', 'policy.liquidation.feeRate']);
      const combos = sw.points.map((p: { values: Record<string, number> }) => Object.values(p.values).join('/'));
      expect(combos).toEqual([
        '0.02/0/0.005', '0.02/0/0.01', '0.02/50000/0.005', '0.02/50000/0.01',
        '0.03/0/0.005', '0.03/0/0.01', '0.03/50000/0.005', '0.03/50000/0.01',
      ]);
      const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dir, 'grid', 'points.parquet')) })) as Record<string, unknown>[];
      expect(rows.length).toBe(8 * sw.metrics.length);
      for (const row of rows) {
        const p = sw.points[row.point as number];
        for (const k of Object.keys(p.values)) expect(row[k]).toBe(p.values[k]);
        expect(row.estimate).toBe(p.estimates[row.metric as string].estimate);
      }
      const page = readFileSync(path.join(dir, 'grid', 'index.html'), 'utf8');
      expect(page).toContain('one line per combination of values of');
      // the point (0.03, 50000, 0.01) swept alone: the same estimates
      const one = await cli('sweep', SCENARIO, '--param', 'policy.maintenance.mmr=0.03', '--param', 'policy.insuranceFund.initialUsd=50000', '--param', 'policy.liquidation.feeRate=0.01', '--paths', '6', '--workers', '1', '--out', path.join(dir, 'one'), '--no-figures');
      expect(one.status, one.stderr).toBe(0);
      const single = JSON.parse(readFileSync(path.join(dir, 'one', 'sweep.json'), 'utf8'));
      expect(single.points[0].estimates).toEqual(sw.points[7].estimates);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('seven parameters, or one given twice: one line naming the limit or the parameter, exit 2, nothing written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-grid-'));
    try {
      const seven = ['policy.maintenance.mmr=0.02', 'policy.insuranceFund.initialUsd=0', 'policy.liquidation.feeRate=0.01', 'policy.maxLeverage=20', 'traders.count=100', 'traders.longShare=0.5', 'market.initialPriceUsd=100'];
      const r = await cli('sweep', SCENARIO, ...seven.flatMap((p) => ['--param', p]), '--paths', '4', '--out', path.join(dir, 'x'));
      expect(isOneLineUserError(r, /7 parameters given — a sweep takes 1 to 6/), r.stderr).toBe(true);
      const twice = await cli('sweep', SCENARIO, '--param', A, '--param', B, '--param', 'policy.maintenance.mmr=0.04', '--paths', '4', '--out', path.join(dir, 'y'));
      expect(isOneLineUserError(twice, /policy\.maintenance\.mmr is given twice/), twice.stderr).toBe(true);
      expect(existsSync(path.join(dir, 'x', 'sweep.json')) || existsSync(path.join(dir, 'y', 'sweep.json'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('marginlab calibrate writes points.parquet', () => {
  it('one row per evaluated value in the order evaluated: the value, the target metric with the interval its decision used, looks, phase and decision, as calibration.json says', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-cal-'));
    try {
      const r = await cli('calibrate', SCENARIO, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', 'fractionTradersLiquidated.mean <= 5%', '--paths', '10', '--budget', '200', '--grid', '3', '--workers', '1', '--out', path.join(dir, 'cal'), '--no-figures');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/points\.parquet/);
      const cal = JSON.parse(readFileSync(path.join(dir, 'cal', 'calibration.json'), 'utf8'));
      const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dir, 'cal', 'points.parquet')) })) as Record<string, unknown>[];
      expect(rows.length).toBe(cal.evaluated.length);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      const byOrder = [...cal.evaluated].sort((a: { order: number }, b: { order: number }) => a.order - b.order);
      rows.forEach((row, k) => {
        const e = byOrder[k];
        expect(row.order).toBe(e.order);
        expect(row['policy.maintenance.mmr']).toBe(e.value);
        expect(row.metric).toBe('fractionTradersLiquidated.mean');
        expect(row.estimate).toBe(e.metric.estimate);
        expect(row.lower).toBe(e.metric.lower ?? NaN);
        expect(row.paths).toBe(e.paths);
        expect(row.level).toBe(e.metric.level);
        expect(row.decision).toBe(e.decision);
        expect(row.phase).toBe(e.phase);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('marginlab sweep over a list of points (--point)', () => {
  it('runs only the listed points, in the order given, each equal to the same point of the grid; points.parquet has a row per point × metric', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-points-'));
    try {
      const common = ['--paths', '6', '--workers', '1', '--no-figures'];
      const r = await cli('sweep', SCENARIO, '--point', 'policy.maintenance.mmr=0.03,policy.insuranceFund.initialUsd=50000', '--point', 'policy.maintenance.mmr=0.02,policy.insuranceFund.initialUsd=0', ...common, '--out', path.join(dir, 'list'));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/2 points × 6 paths/);
      const list = JSON.parse(readFileSync(path.join(dir, 'list', 'sweep.json'), 'utf8'));
      expect(list.points.map((p: { values: Record<string, number> }) => p.values)).toEqual([
        { 'policy.maintenance.mmr': 0.03, 'policy.insuranceFund.initialUsd': 50000 },
        { 'policy.maintenance.mmr': 0.02, 'policy.insuranceFund.initialUsd': 0 },
      ]);
      const g = await cli('sweep', SCENARIO, '--param', A, '--param', B, ...common, '--out', path.join(dir, 'grid'));
      expect(g.status, g.stderr).toBe(0);
      const grid = JSON.parse(readFileSync(path.join(dir, 'grid', 'sweep.json'), 'utf8'));
      expect(list.points[0].estimates).toEqual(grid.points[3].estimates); // (0.03, 50000)
      expect(list.points[1].estimates).toEqual(grid.points[0].estimates); // (0.02, 0)
      const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dir, 'list', 'points.parquet')) })) as Record<string, unknown>[];
      expect(rows.length).toBe(2 * list.metrics.length);
      expect(rows[0]['policy.insuranceFund.initialUsd']).toBe(50000);
      // the page draws no heatmap of a grid the list does not fill, and no neighbour differences where no neighbour ran
      const page = readFileSync(path.join(dir, 'list', 'index.html'), 'utf8');
      expect(page).not.toContain('id="chart-heat-');
      expect(page).not.toContain('<section id="differences">');
      expect(readFileSync(path.join(dir, 'grid', 'index.html'), 'utf8')).toContain('id="chart-heat-');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('points naming different parameters, a point twice, a bad value, or --point with --param: one line, exit 2', async () => {
    const out = path.join(tmpdir(), 'marginlab-points-none');
    const run = (...a: string[]) => cli('sweep', SCENARIO, ...a, '--paths', '4', '--out', out);
    expect(isOneLineUserError(await run('--point', 'policy.maintenance.mmr=0.02', '--point', 'policy.insuranceFund.initialUsd=0'), /--point 2 .*every point must name the same parameters/)).toBe(true);
    expect(isOneLineUserError(await run('--point', 'policy.maintenance.mmr=0.02', '--point', 'policy.maintenance.mmr=0.02'), /--point 2 .*given twice/)).toBe(true);
    expect(isOneLineUserError(await run('--point', 'policy.maintenance.mmr=abc'), /--point 1 "policy\.maintenance\.mmr=abc": expected <path>=<number>/)).toBe(true);
    expect(isOneLineUserError(await run('--point', 'policy.maintenance.mmr=0.02', '--param', A), /--point and --param: pass one/)).toBe(true);
    expect(existsSync(path.join(out, 'sweep.json'))).toBe(false);
  });
});
