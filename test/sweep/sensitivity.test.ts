/**
 * `marginlab sensitivity` (issue 23 item 8): each lever stepped down and up on common random numbers, from the
 * command line — the steps as asked (absolute or a percentage), each variant's estimate equal to the same
 * point of a sweep (the same paths), each change the paired difference from the base, levers ordered by swing,
 * the tornado on the page and the same numbers in summary.md; bad levers are one line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import type { SensitivityResult } from '../../src/sweep/sensitivity.js';

const SCENARIO = path.resolve(__dirname, '../fixtures/shard-small.yaml');
const METRIC = 'fractionTradersLiquidated.mean';

describe('marginlab sensitivity', () => {
  it('steps each lever down and up on the same paths: estimates equal a sweep’s, changes are paired differences, ordered by swing, in the tornado and in summary.md', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-sens-'));
    try {
      const r = await cli('sensitivity', SCENARIO, '--lever', 'policy.maintenance.mmr=0.01', '--lever', 'policy.insuranceFund.initialUsd=50%', '--metric', METRIC, '--paths', '12', '--workers', '1', '--out', path.join(dir, 's'), '--no-figures');
      expect(r.status, r.stderr).toBe(0);
      // the folder is named before the simulation starts
      expect(r.stderr.split('\n')[0]).toBe(`sensitivity of shard-small: writing to ${path.join(dir, 's')}`);
      expect(r.stdout).toMatch(/^Mean fraction of traders liquidated is [\d.]+% at the scenario's values \(12 paths\)\./);
      const s = JSON.parse(readFileSync(path.join(dir, 's', 'sensitivity.json'), 'utf8')) as SensitivityResult;
      const byPath = Object.fromEntries(s.levers.map((l) => [l.path, l]));
      expect(byPath['policy.maintenance.mmr']).toMatchObject({ base: 0.025, down: 0.015, up: 0.035 });
      expect(byPath['policy.insuranceFund.initialUsd']).toMatchObject({ base: 5000, down: 2500, up: 7500 });
      expect(s.levers.map((l) => l.swing)).toEqual([...s.levers.map((l) => l.swing)].sort((a, b) => b - a));
      // a higher maintenance rate liquidates at least as many traders on the same paths
      expect(byPath['policy.maintenance.mmr'].changeUp.estimate).toBeGreaterThan(0);

      // the same points swept: identical estimates (the same paths) for a lever outside the book's draw (the fund;
      // a margin lever is stepped on the base's opening book, as compare holds it, where a sweep redraws), and the
      // change is up minus base
      const sw = await cli('sweep', SCENARIO, '--param', 'policy.insuranceFund.initialUsd=2500,5000,7500', '--metric', METRIC, '--paths', '12', '--workers', '1', '--out', path.join(dir, 'sw'), '--no-figures');
      expect(sw.status, sw.stderr).toBe(0);
      const sweep = JSON.parse(readFileSync(path.join(dir, 'sw', 'sweep.json'), 'utf8'));
      const est = (name: string) => s.comparison.variants.find((v) => v.name === name)!.estimates[METRIC].estimate;
      // (equal to rounding: the comparison and the sweep sum the weighted paths in their own order)
      const same = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.abs(b));
      same(est('base'), sweep.points[1].estimates[METRIC].estimate);
      same(est('policy.insuranceFund.initialUsd-down'), sweep.points[0].estimates[METRIC].estimate);
      same(est('policy.insuranceFund.initialUsd-up'), sweep.points[2].estimates[METRIC].estimate);
      expect(byPath['policy.maintenance.mmr'].changeUp.estimate).toBeCloseTo(est('policy.maintenance.mmr-up') - est('base'), 12);
      expect(s.base.estimate).toBe(est('base'));

      // summary.md: one row per lever with the page's numbers; the page carries the tornado
      const md = readFileSync(path.join(dir, 's', 'summary.md'), 'utf8');
      const html = readFileSync(path.join(dir, 's', 'index.html'), 'utf8');
      const rows = md.split('\n').filter((l) => /^\| (maintenance margin rate|insurance fund) \|/.test(l));
      expect(rows).toHaveLength(2);
      for (const row of rows) for (const cell of row.split(' | ').slice(1, 4)) expect(html).toContain(cell.replace(/\s*\|$/, '').trim());
      expect(html).toContain('id="chart-tornado"');
      expect(html).toContain('"side":"step up"');
      expect(existsSync(path.join(dir, 's', 'points.parquet'))).toBe(true);

      // rerunning reuses the saved variants and gives the same numbers
      const again = await cli('sensitivity', SCENARIO, '--lever', 'policy.maintenance.mmr=0.01', '--lever', 'policy.insuranceFund.initialUsd=50%', '--metric', METRIC, '--paths', '12', '--workers', '1', '--out', path.join(dir, 's'), '--no-figures');
      expect(again.status, again.stderr).toBe(0);
      const s2 = JSON.parse(readFileSync(path.join(dir, 's', 'sensitivity.json'), 'utf8')) as SensitivityResult;
      expect(s2.levers).toEqual(s.levers);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad levers: not a numeric field, a malformed step, a step that breaks a rule, too many — one line each, exit 2, nothing written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-sens-'));
    try {
      const out = path.join(dir, 'x');
      const run = (...levers: string[]) => cli('sensitivity', SCENARIO, ...levers.flatMap((l) => ['--lever', l]), '--paths', '4', '--out', out);
      expect(isOneLineUserError(await run('seed'), /--lever "seed": cannot be varied/)).toBe(true);
      expect(isOneLineUserError(await run('policy.maintenance.mmr=abc'), /--lever policy\.maintenance\.mmr=abc: expected a positive step/)).toBe(true);
      expect(isOneLineUserError(await run('policy.maintenance.mmr=0.1'), /--lever policy\.maintenance\.mmr stepped down to/)).toBe(true);
      const six = ['policy.maintenance.mmr', 'policy.insuranceFund.initialUsd', 'policy.liquidation.feeRate', 'market.impact.depthUsdPerPercent', 'market.impact.halfLifeSteps', 'traders.count'];
      expect(isOneLineUserError(await run(...six), /6 levers — at most 5/)).toBe(true);
      expect(existsSync(path.join(out, 'sensitivity.json'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
