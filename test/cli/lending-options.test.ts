/**
 * Aave v3 options of policy.lending (issue 21 item 5) end to end through the CLI: a run with the push
 * oracle, the sentinel's grace period, E-Mode, supply and borrow caps and the usage curve writes finite
 * lending results with money conserved (the run fails otherwise); the oracle holds liquidations back
 * against the same run without it; bad settings are refused in one line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const BASE = `name: lend
seed: 5
paths: 3
horizonSteps: 120
market: { name: ETH, initialPriceUsd: 3000, priceModel: { kind: scripted-drawdown, volatilityAnnual: 0.5, drawdownFraction: 0.25, startStep: 5, durationSteps: 60 }, impact: { kind: linear, depthUsdPerPercent: 5000000, halfLifeSteps: 10 } }
traders: { count: 50 }
lending: { market: ETH, borrowers: 400, collateralUsd: { kind: lognormal, medianUsd: 20000, sigmaLog: 1 }, ltvShareOfMax: { min: 0.9, max: 1 }, eModeShare: 0.3 }
output: { seriesSamplePaths: 1, seriesPoints: 5 }
policy:
  lending:
    eMode: { liquidationThreshold: 0.9, maxLtv: 0.88, liquidationBonus: 0.02 }
    supplyCapUnits: 2000
    borrowCapUsd: 4000000
    interestRateCurve: { optimalUsage: 0.9, slope1Annual: 0.05, slope2Annual: 0.8, availableLiquidityUsd: 1000000 }
    sentinelGraceSeconds: 600
`;

function folder(text: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-lend-'));
  const file = path.join(dir, 's.yaml');
  writeFileSync(file, text);
  return { file, out: (n: string) => path.join(dir, n) };
}
const paths = (out: string) => JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')).paths;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('Aave v3 lending options through the CLI', () => {
  it('a run with every option conserves money and writes finite lending results; a 10% deviation oracle holds liquidations back', async () => {
    const a = folder(BASE);
    const r = await cli('run', a.file, '--out', a.out('all'), '--no-figures', '--workers', '0');
    expect(r.status, r.stderr).toBe(0);
    const p = paths(a.out('all'));
    expect(sum(p.lendingLiquidations)).toBeGreaterThan(0);
    expect(sum(p.lendingInterestUsd)).toBeGreaterThan(0);
    expect(readFileSync(path.join(a.out('all'), 'results.json'), 'utf8')).not.toMatch(/\bNaN\b|Infinity/);
    const r2 = await cli('run', a.file, '--out', a.out('oracle'), '--no-figures', '--workers', '0', '--set', 'policy.lending.oracle={ deviationFraction: 0.1, heartbeatSeconds: 86400 }');
    expect(r2.status, r2.stderr).toBe(0);
    expect(sum(paths(a.out('oracle')).lendingLiquidations)).toBeLessThan(sum(p.lendingLiquidations));
  });

  it('refuses an E-Mode LTV above its LT, slope2 < slope1 (and, in a scenario without a category, an E-Mode share) — one line, exit 2, nothing written', async () => {
    const a = folder(BASE);
    const cases: [string, RegExp][] = [
      ['policy.lending.eMode.maxLtv=0.95', /policy\.lending\.eMode\.maxLtv: 0\.95 is not allowed — must be ≤ eMode\.liquidationThreshold \(0\.9\)/],
      ['policy.lending.interestRateCurve.slope2Annual=0.01', /interestRateCurve\.slope2Annual: 0\.01 is not allowed — must be ≥ slope1Annual \(0\.05\)/],
    ];
    for (const [set, pattern] of cases) {
      const r = await cli('run', a.file, '--out', a.out('bad'), '--set', set);
      expect(isOneLineUserError(r, pattern), `${set}: ${r.stderr}`).toBe(true);
      expect(existsSync(a.out('bad'))).toBe(false);
    }
    const b = folder(BASE.replace(/    eMode: .*\n/, ''));
    const r = await cli('run', b.file, '--out', b.out('bad'));
    expect(isOneLineUserError(r, /lending\.eModeShare: 0\.3 is not allowed — needs an E-Mode category: set policy\.lending\.eMode of the collateral market/), r.stderr).toBe(true);
  });
});
