/**
 * Issue 11 items 5 and 20 for the study commands:
 *   - calibrate on a whole-number field searches whole numbers only and checks every grid value before
 *     anything is run or written (it used to write manifest.json and points/ before refusing 150.5);
 *   - a calibration target the metric cannot take (a probability above 100%, negative money, a value
 *     that is not finite) is refused;
 *   - run, sweep and calibrate refuse an invalid `variants:` block just as compare does;
 *   - an override with a __proto__, constructor or prototype key is refused, not silently dropped.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'marginlab-studies-'));
const BASE = 'name: s\npaths: 10\nhorizonSteps: 10\ntraders: { count: 20 }\npolicy: { maxLeverage: 20 }\noutput: { seriesSamplePaths: 1, seriesPoints: 5 }\n';

function scenario(extra = ''): { file: string; out: string } {
  const d = tmp();
  const file = path.join(d, 's.yaml');
  writeFileSync(file, BASE + extra);
  return { file, out: path.join(d, 'out') };
}

describe('item 5: calibrate on a whole-number field', () => {
  it('a range with fractional ends is refused before anything is written', async () => {
    const s = scenario();
    const r = await cli('calibrate', s.file, '--param', 'traders.count', '--range', '10.5..40', '--target', 'probBadDebt <= 50%', '--grid', '3', '--out', s.out, '--workers', '0');
    expect(isOneLineUserError(r, /--range 10\.5\.\.40: not allowed — traders\.count takes whole numbers only/), r.stderr).toBe(true);
    expect(existsSync(s.out)).toBe(false);
  });
  it('the grid and the bisection evaluate whole numbers only (101..200 with --grid 3 has no 150.5)', async () => {
    const s = scenario();
    const r = await cli('calibrate', s.file, '--param', 'traders.count', '--range', '11..30', '--target', 'paths.liquidationCount.mean <= 0.5', '--confidence', '0.975', '--grid', '3', '--out', s.out, '--workers', '0', '--no-figures', '--budget', '200', '--max-paths', '20');
    expect(r.status, r.stderr).toBe(0);
    const cal = JSON.parse(readFileSync(path.join(s.out, 'calibration.json'), 'utf8'));
    const values = cal.evaluated.map((e: { value: number }) => e.value);
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect(values.every(Number.isInteger), values.join(', ')).toBe(true);
    expect(values).toContain(21); // the grid midpoint 20.5 rounded
    expect(cal.settings.tolerance).toBeGreaterThanOrEqual(1);
  });
  it('every grid value is checked before the folder is opened', async () => {
    const s = scenario();
    // mmr must stay below 1/maxLeverage = 0.05: the end 0.06 fails before any path is run or written
    const r = await cli('calibrate', s.file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.06', '--target', 'probBadDebt <= 1%', '--out', s.out, '--workers', '0');
    expect(isOneLineUserError(r, /calibration value policy\.maintenance\.mmr=0\.06/), r.stderr).toBe(true);
    expect(existsSync(s.out)).toBe(false);
  });
});

describe('item 20: targets the metric cannot take are refused', () => {
  const cases: [string, RegExp][] = [
    ['probBadDebt <= 150%', /the value 1\.5 is not allowed — probBadDebt is a probability, between 0 and 1/],
    ['probFundExhausted <= -1', /the value -1 is not allowed — probFundExhausted is a probability/],
    ['badDebtUsd.var99 <= -5', /the value -5 is not allowed — badDebtUsd\.var99 is an amount of money, never negative/],
    ['badDebtUsd.var99 <= 1e999', /the value Infinity is not allowed/],
    ['paths.liquidationCount.mean >= -3', /is a count, never negative/],
  ];
  for (const [target, re] of cases) {
    it(`"${target}"`, async () => {
      const s = scenario();
      const r = await cli('calibrate', s.file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', target, '--confidence', '0.975', '--out', s.out, '--workers', '0');
      expect(isOneLineUserError(r, /--target/, re), r.stderr).toBe(true);
      expect(existsSync(s.out)).toBe(false);
    });
  }
  it('a profit-and-loss metric may have a negative target', async () => {
    const s = scenario();
    const r = await cli('calibrate', s.file, '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', 'paths.liquidatorPnlUsd.mean >= -5', '--confidence', '0.975', '--out', s.out, '--workers', '0', '--no-figures', '--budget', '100');
    expect(r.stderr).not.toMatch(/--target/);
  });
});

describe('item 20: every command validates a variants: block as compare does', () => {
  const blocks: [string, string, RegExp][] = [
    ['a duplicate name', 'variants:\n  - { name: a }\n  - { name: a }\n', /variants\[1\]\.name: "a" is used twice/],
    ['an invalid override', 'variants:\n  - { name: a }\n  - { name: b, override: { policy: { maxLeverage: -3 } } }\n', /variants\[1\] \(b\): policy\.maxLeverage: -3 is not allowed/],
    ['an override of the seed', 'variants:\n  - { name: a }\n  - { name: b, override: { seed: 4 } }\n', /variants\[1\]\.override\.seed: not allowed/],
  ];
  for (const [name, block, re] of blocks) {
    for (const cmd of [
      ['run'],
      ['sweep', '--param', 'policy.maintenance.mmr=0.01,0.02'],
      ['calibrate', '--param', 'policy.maintenance.mmr', '--range', '0.01..0.04', '--target', 'probBadDebt <= 1%'],
      ['compare'],
    ]) {
      it(`${cmd[0]}: ${name}`, async () => {
        const s = scenario(block);
        const r = await cli(cmd[0], s.file, ...cmd.slice(1), '--out', s.out, '--workers', '0');
        expect(isOneLineUserError(r, re), r.stderr).toBe(true);
        expect(existsSync(s.out)).toBe(false);
      });
    }
  }
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`an override with a ${key} key is refused, naming it`, async () => {
      const s = scenario(`variants:\n  - { name: a }\n  - name: b\n    override:\n      policy:\n        ${key}: { maxLeverage: 5 }\n`);
      const r = await cli('compare', s.file, '--out', s.out, '--workers', '0');
      expect(isOneLineUserError(r, new RegExp(`variants\\[1\\]\\.override\\.policy\\.${key}: not allowed`)), r.stderr).toBe(true);
    });
  }
  it('a __proto__ key at the top of an override is refused too', async () => {
    const s = scenario('variants:\n  - { name: a }\n  - name: b\n    override:\n      __proto__: { paths: 5 }\n');
    const r = await cli('compare', s.file, '--out', s.out, '--workers', '0');
    expect(isOneLineUserError(r, /variants\[1\]\.override\.__proto__: not allowed/), r.stderr).toBe(true);
  });
});
