/**
 * Issue 23 item 5: `marginlab fit` warns — on stderr, in `--json` (`warnings`) and as `# warning:` lines in the
 * printed block — about estimates on a bound of the scenario's ranges (whose standard error is then not
 * reported), degenerate components (Merton jumps of size sd ~0 or a jump every few steps, regimes that collapse),
 * a Hessian that is not positive definite, a near-integrated GARCH, and samples too short for the model. On the
 * real crash windows (../shared/data, skipped where absent) regime switching and Merton warn; a GBM fitted to
 * its own simulated series does not. A synthetic Binance kline file with microsecond times (the layout of
 * Binance spot dumps since 2025) is read and fitted.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fitPriceModel, modelWarnings, RECOMMENDED_FIT_RETURNS, type FitResult } from '../../src/stats/fit/fit.js';
import { gbm, garch } from '../../src/price/models.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';
import { readMarketCsv } from '../../src/scenario/market-csv.js';
import { parsePriceCsv } from '../../src/scenario/price-csv.js';
import { cli } from '../helpers/cli.js';
import { HAS_REAL_DATA, REAL } from '../helpers/real-data.js';

const YEAR = 365 * 24 * 3600;
const MINUTE = 60 / YEAR;
const FIXTURE = path.resolve(__dirname, '../fixtures/klines-synthetic-us.csv');

describe('fit warnings on what the estimates mean', () => {
  it('a GBM fitted to its own simulated series gives no warning', () => {
    const z = normalSampler(stream(4, 0, 'price'));
    const m = gbm({ driftAnnual: 0.2, volatilityAnnual: 0.6 }, MINUTE);
    const r = Float64Array.from({ length: 3000 }, () => m.nextLogReturn(z()));
    const fit = fitPriceModel(r, 'gbm', 60);
    expect(fit.warnings).toEqual([]);
    expect(fit.parameters.every((p) => p.standardError !== null)).toBe(true);
  });

  it('richer models fitted to a GBM series say what they could not find: Merton jumps of size sd ~0 (the issue\'s symptom), GARCH β on its bound 0 without a standard error', () => {
    const z = normalSampler(stream(4, 0, 'price'));
    const m = gbm({ driftAnnual: 0, volatilityAnnual: 0.6 }, MINUTE);
    const r = Float64Array.from({ length: 3000 }, () => m.nextLogReturn(z()));
    const mj = fitPriceModel(r, 'merton', 60);
    expect(mj.warnings.join('\n')).toMatch(/jumpStdLog = [\d.e-]+ is ~0 \(degenerate\)/);
    const g = fitPriceModel(r, 'garch', 60);
    expect(g.warnings.join('\n')).toMatch(/beta = [\d.e-]+ is on its bound \(beta ≥ 0\)/);
    expect(g.parameters.find((p) => p.name === 'beta')!.standardError).toBeNull();
  });

  it('regime switching fitted to a GBM series warns that two regimes do not beat one volatility on BIC', () => {
    const z = normalSampler(stream(4, 0, 'price'));
    const m = gbm({ driftAnnual: 0, volatilityAnnual: 0.6 }, MINUTE);
    const r = Float64Array.from({ length: 3000 }, () => m.nextLogReturn(z()));
    const rs = fitPriceModel(r, 'regime-switching', 60);
    expect(rs.warnings.join('\n')).toMatch(/two regimes do not beat one constant volatility \(a GBM\) on BIC \(ΔBIC = \+[\d.]+\)/);
    // on GARCH data (clustered volatility) two regimes do pay for themselves: no such warning
    const g = garch({ driftAnnual: 0, longRunVolatilityAnnual: 0.6, alpha: 0.1, beta: 0.85, degreesOfFreedom: 5 }, MINUTE, stream(7, 0, 'model'));
    const rg = Float64Array.from({ length: 3000 }, () => g.nextLogReturn(z()));
    expect(fitPriceModel(rg, 'regime-switching', 60).warnings.join('\n')).not.toMatch(/two regimes do not beat/);
  });

  it('a drift beyond the schema bound: the estimate is the bound, warned, without a standard error (a start outside the range is moved in)', () => {
    // −200 a year of drift at 50% volatility: the sample drift lies far outside |drift| ≤ 50
    const z = normalSampler(stream(5, 0, 'price'));
    const r = Float64Array.from({ length: 2000 }, () => -200 * MINUTE + 0.5 * Math.sqrt(MINUTE) * z());
    const fit = fitPriceModel(r, 'gbm', 60);
    const drift = fit.parameters.find((p) => p.name === 'driftAnnual')!;
    expect(drift.estimate).toBeCloseTo(-50, 1);
    expect(drift.standardError).toBeNull();
    expect(fit.warnings.join('\n')).toMatch(/driftAnnual = -50 is on its bound \(\|drift\| ≤ 50 a year\)/);
  });

  it('at the command line the warning is on stderr (also with --json), in --json\'s warnings and a # warning: line of the block', async () => {
    const z = normalSampler(stream(5, 0, 'price'));
    let p = 100;
    const rows = ['timestamp,price', '1700000000,100'];
    for (let i = 1; i <= 600; i++) {
      p *= Math.exp(-200 * MINUTE + 0.5 * Math.sqrt(MINUTE) * z());
      rows.push(`${1_700_000_000 + 60 * i},${p.toFixed(8)}`);
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-fitw-'));
    const file = path.join(dir, 'falling.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const said = /driftAnnual = -50 is on its bound/;
    const j = await cli('fit', file, '--model', 'gbm', '--json');
    expect(j.status, j.stderr).toBe(0);
    const w = (JSON.parse(j.stdout) as FitResult).warnings;
    expect(w.join('\n')).toMatch(said);
    expect(j.stderr).toMatch(new RegExp(`marginlab fit: warning: ${said.source}`));
    const y = await cli('fit', file, '--model', 'gbm');
    expect(y.stdout).toMatch(new RegExp(`^# warning: ${said.source}`, 'm'));
    expect(y.stdout).toMatch(/^# {3}driftAnnual: -50 ± n\/a$/m);
  });

  it('a GARCH on few returns warns that they are few', () => {
    const z = normalSampler(stream(6, 0, 'price'));
    const m = garch({ driftAnnual: 0, longRunVolatilityAnnual: 0.6, alpha: 0.08, beta: 0.9, degreesOfFreedom: 5 }, MINUTE, stream(6, 0, 'model'));
    const r = Float64Array.from({ length: 400 }, () => m.nextLogReturn(z()));
    const fit = fitPriceModel(r, 'garch', 60);
    expect(fit.warnings.join('\n')).toMatch(new RegExp(`400 returns are few for a garch fit \\(${RECOMMENDED_FIT_RETURNS.garch} or more recommended\\)`));
  });

  it('degenerate components, near-integrated GARCH and thin samples each name their figure; sound estimates give none', () => {
    const H = 3600 / YEAR;
    // Merton: sound (hourly, 500 jumps a year of 2% on 50% diffusion, 10,000 returns)
    expect(modelWarnings('merton', [0, 0.5, 500, -0.02, 0.02], 10_000, H)).toEqual([]);
    // the fit: jump size sd 7.6e-9, 7,669 jumps a year on one-minute steps (0.0146 a step)
    const w = modelWarnings('merton', [0, 0.5, 7669, -0.001, 7.6e-9], 2880, MINUTE).join('\n');
    expect(w).toMatch(/jumpStdLog = 7\.6e-9 is ~0 \(degenerate\)/);
    expect(modelWarnings('merton', [0, 0.7, 76_085, 0, 0.007], 2000, MINUTE).join('\n')).toMatch(/0\.145 jumps a step \(degenerate\)/);
    expect(modelWarnings('merton', [0, 0.5, 2, -0.1, 0.05], 2000, H).join('\n')).toMatch(/expects 0\.457 jumps in the sample — fewer than 10/);
    // regime switching: sound, then collapsing states and too few switches
    expect(modelWarnings('regime-switching', [0, 0.5, 0, 1.5, 1 - 1 / 500, 1 - 1 / 100], 20_000, MINUTE)).toEqual([]);
    expect(modelWarnings('regime-switching', [0, 0.5, 0, 0.51, 0.99, 0.95], 20_000, MINUTE).join('\n')).toMatch(/stress volatility is 1\.02 × the calm one \(degenerate\): the regimes collapse/);
    expect(modelWarnings('regime-switching', [0, 0.5, 0, 1.5, 0.99, 0.3], 20_000, MINUTE).join('\n')).toMatch(/stress\.expectedDurationSteps = 1\.43 \(degenerate\)/);
    expect(modelWarnings('regime-switching', [0, 0.5, 0, 1.5, 0.99999, 0.9], 5000, MINUTE).join('\n')).toMatch(/the stress state holds 0\.5 of the 5000 steps \(degenerate\)[\s\S]*expects 0\.05 spells of stress/);
    // GARCH: α + β above 0.999
    expect(modelWarnings('garch', [0, 0.5, 0.07, 0.9295, 5], 20_000, MINUTE).join('\n')).toMatch(/alpha \+ beta = 0\.9995 is close to 1 \(integrated GARCH\)/);
    expect(modelWarnings('garch', [0, 0.5, 0.07, 0.92, 5], 20_000, MINUTE)).toEqual([]);
  });
});

type Fit = FitResult & { file: string };

describe.skipIf(!HAS_REAL_DATA)('fit warns on the real crash windows (../shared/data, Binance one-minute klines, millisecond times)', () => {
  it('10 Oct 2025, regime switching: the stress drift on its bound (no standard error), few returns and few stress spells — in --json, on stderr and in the block', async () => {
    const j = await cli('fit', REAL.oct2025, '--model', 'regime-switching', '--json');
    expect(j.status, j.stderr).toBe(0);
    const fit = JSON.parse(j.stdout) as Fit;
    const drift = fit.parameters.find((p) => p.name === 'stress.driftAnnual')!;
    expect(Math.abs(drift.estimate)).toBeCloseTo(50, 1);
    expect(drift.standardError).toBeNull();
    expect(fit.warnings.join('\n')).toMatch(/stress\.driftAnnual = -50 is on its bound/);
    expect(fit.warnings.join('\n')).toMatch(/565 returns are few for a regime-switching fit/);
    for (const w of fit.warnings) expect(j.stderr).toContain(`marginlab fit: warning: ${w}`);
    const y = await cli('fit', REAL.oct2025, '--model', 'regime-switching');
    expect(y.status).toBe(0);
    for (const w of fit.warnings) expect(y.stdout).toContain(`# warning: ${w}`);
  });

  it('10 Oct 2025 and 12 Mar 2020, Merton: degenerate jumps (a jump every few steps) and the drift on its bound', async () => {
    for (const [file, perStep] of [[REAL.oct2025, /0\.145 jumps a step/], [REAL.mar2020, /0\.42\d jumps a step/]] as const) {
      const j = await cli('fit', file, '--model', 'merton', '--json');
      expect(j.status, j.stderr).toBe(0);
      const w = (JSON.parse(j.stdout) as Fit).warnings.join('\n');
      expect(w).toMatch(perStep);
      expect(w).toMatch(/\(degenerate\): jumps that frequent are the everyday noise/);
      expect(w).toMatch(/driftAnnual = -50 is on its bound/);
    }
  });

  it('12 Mar 2020, regime switching: fitted (the sample drift of −136 a year no longer leaves the optimiser at its start), both drifts on the bound', async () => {
    const j = await cli('fit', REAL.mar2020, '--model', 'regime-switching', '--json');
    expect(j.status, j.stderr).toBe(0);
    const fit = JSON.parse(j.stdout) as Fit;
    for (const p of fit.parameters) if (p.name.endsWith('driftAnnual')) expect(p.estimate).toBeGreaterThanOrEqual(-50);
    expect(fit.parameters.find((p) => p.name === 'stress.volatilityAnnual')!.standardError).not.toBeNull();
    expect(fit.warnings.filter((w) => /driftAnnual = -50 is on its bound/.test(w))).toHaveLength(2);
  });
});

describe('Binance klines as downloaded, with microsecond times (test/fixtures/klines-synthetic-us.csv, synthetic)', () => {
  it('reads as candles at the right times, and fit takes it', async () => {
    const c = readMarketCsv(FIXTURE);
    expect(c.layout).toBe('candles');
    if (c.layout !== 'candles') return;
    expect(c.candles.timesSeconds.length).toBe(130);
    expect(c.candles.timesSeconds[0]).toBe(1735689600); // 2025-01-01T00:00:00Z
    expect(c.candles.timesSeconds[1] - c.candles.timesSeconds[0]).toBe(60);
    const r = await cli('fit', FIXTURE, '--model', 'gbm', '--json');
    expect(r.status, r.stderr).toBe(0);
    const fit = JSON.parse(r.stdout) as Fit;
    expect(fit.observations).toBe(129);
    expect(fit.stepSeconds).toBe(60);
  });

  it('a timestamp,price file in milliseconds reads the same times as in seconds', () => {
    const ms = parsePriceCsv('timestamp,price\n1735689600000,100\n1735689660000,101\n', 'ms.csv');
    const s = parsePriceCsv('timestamp,price\n1735689600,100\n1735689660,101\n', 's.csv');
    expect([...ms.timesSeconds]).toEqual([...s.timesSeconds]);
  });
});
