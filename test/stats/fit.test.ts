/**
 * Issue 16 part 3: maximum-likelihood fitting of the price models (src/stats/fit). Each model's
 * parameters are recovered from a long series simulated by the project's own model (src/price) at a
 * fixed seed, within 3 standard errors of the observed information; the fitted block validates as a
 * scenario's priceModel; the goodness-of-fit residuals tell a wrong model from the right one; bad
 * input at the command line is one line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { fitPriceModel, type FitModel, type FitResult } from '../../src/stats/fit/fit.js';
import { gbm, garch, merton, type MarketPriceModel } from '../../src/price/models.js';
import { regimeSwitching } from '../../src/price/regime.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';
import { PriceModelSchema, ScenarioSchema } from '../../src/scenario/schema.js';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const YEAR = 365 * 24 * 3600;

function simulate(model: MarketPriceModel, n: number, seed: number): Float64Array {
  const z = normalSampler(stream(seed, 0, 'price'));
  return Float64Array.from({ length: n }, () => model.nextLogReturn(z()));
}

function expectRecovered(fit: FitResult, truth: Record<string, number>): void {
  for (const [name, value] of Object.entries(truth)) {
    const p = fit.parameters.find((q) => q.name === name);
    expect(p, name).toBeDefined();
    expect(p!.standardError, `${name} has a standard error`).not.toBeNull();
    const z = (p!.estimate - value) / p!.standardError!;
    expect(Math.abs(z), `${name}: ${p!.estimate} vs ${value} ± ${p!.standardError}`).toBeLessThan(3);
  }
}

const rs = (calm: number, stress: number) => ({
  states: [
    { name: 'calm', driftAnnual: 0, volatilityAnnual: 0.5, jumpsPerYear: 0, jumpMeanLog: 0, jumpStdLog: 0, expectedDurationSteps: calm },
    { name: 'stress', driftAnnual: 0, volatilityAnnual: 1.5, jumpsPerYear: 0, jumpMeanLog: 0, jumpStdLog: 0, expectedDurationSteps: stress },
  ],
});

const CASES: { model: FitModel; stepSeconds: number; n: number; truth: Record<string, number>; make: (dt: number) => MarketPriceModel }[] = [
  { model: 'gbm', stepSeconds: 60, n: 20_000, truth: { driftAnnual: 0.5, volatilityAnnual: 0.8 }, make: (dt) => gbm({ driftAnnual: 0.5, volatilityAnnual: 0.8 }, dt) },
  {
    model: 'garch',
    stepSeconds: 60,
    n: 20_000,
    truth: { driftAnnual: 0, longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.9, degreesOfFreedom: 5 },
    make: (dt) => garch({ driftAnnual: 0, longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.9, degreesOfFreedom: 5 }, dt, stream(11, 0, 'model')),
  },
  {
    model: 'merton',
    stepSeconds: 3600,
    n: 10_000,
    truth: { driftAnnual: 0.2, volatilityAnnual: 0.5, jumpsPerYear: 500, jumpMeanLog: -0.02, jumpStdLog: 0.02 },
    make: (dt) => merton({ driftAnnual: 0.2, volatilityAnnual: 0.5, jumpsPerYear: 500, jumpMeanLog: -0.02, jumpStdLog: 0.02 }, dt, stream(11, 0, 'model')),
  },
  {
    model: 'regime-switching',
    stepSeconds: 60,
    n: 20_000,
    truth: {
      'calm.driftAnnual': 0,
      'calm.volatilityAnnual': 0.5,
      'stress.volatilityAnnual': 1.5,
      'calm.expectedDurationSteps': 500,
      'stress.expectedDurationSteps': 100,
      'calm.stayProbabilityPerStep': 1 - 1 / 500,
      'stress.stayProbabilityPerStep': 1 - 1 / 100,
    },
    make: (dt) => regimeSwitching(rs(500, 100), dt, stream(11, 0, 'model')),
  },
];

describe('fit: maximum-likelihood recovery of each price model from its own simulated series', () => {
  for (const c of CASES) {
    it(`${c.model}: every parameter within 3 standard errors of the truth; the block is a valid priceModel`, () => {
      const r = simulate(c.make(c.stepSeconds / YEAR), c.n, 11);
      const fit = fitPriceModel(r, c.model, c.stepSeconds);
      expectRecovered(fit, c.truth);
      expect(fit.warnings).toEqual([]);
      expect(PriceModelSchema.safeParse(fit.priceModel).success).toBe(true);
      const sc = ScenarioSchema.safeParse({ stepSeconds: c.stepSeconds, market: { priceModel: fit.priceModel } });
      expect(sc.success, JSON.stringify(sc.error?.issues)).toBe(true);
      expect(fit.aic).toBeCloseTo(2 * fit.parameters.filter((p) => !p.name.endsWith('expectedDurationSteps')).length - 2 * fit.logLikelihood, 6);
      // the right model's pseudo-residuals look standard normal
      expect(fit.residuals.ksDistance).toBeLessThan(1.36 / Math.sqrt(c.n));
      expect(fit.residuals.qq.theoretical).toHaveLength(99);
    });
  }

  it('the residuals and AIC tell a wrong model: GBM fitted to GARCH-t data has fat-tailed residuals and a worse AIC', () => {
    const dt = 60 / YEAR;
    const r = simulate(garch({ driftAnnual: 0, longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.9, degreesOfFreedom: 5 }, dt, stream(11, 0, 'model')), 20_000, 11);
    const wrong = fitPriceModel(r, 'gbm', 60);
    const right = fitPriceModel(r, 'garch', 60);
    expect(wrong.residuals.excessKurtosis).toBeGreaterThan(2);
    expect(wrong.residuals.ksDistance).toBeGreaterThan(1.63 / Math.sqrt(r.length));
    expect(right.aic).toBeLessThan(wrong.aic - 100);
  });

  it('GBM: the estimates equal the closed-form MLE (sample mean and variance of the returns)', () => {
    const dt = 60 / YEAR;
    const r = simulate(gbm({ driftAnnual: 0.3, volatilityAnnual: 0.6 }, dt), 5_000, 3);
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length;
    const fit = fitPriceModel(r, 'gbm', 60);
    const sigma = Math.sqrt(v / dt);
    expect(fit.parameters[1].estimate).toBeCloseTo(sigma, 5);
    expect(Math.abs(fit.parameters[0].estimate - (m / dt + 0.5 * sigma * sigma)) / fit.parameters[0].standardError!).toBeLessThan(0.01);
    // observed information of σ in closed form: se = σ / √(2n)
    expect(fit.parameters[1].standardError! / (sigma / Math.sqrt(2 * r.length))).toBeCloseTo(1, 2);
  });
});

describe('marginlab fit at the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-fit-'));
  const csv = path.join(dir, 'prices.csv');
  const dt = 60 / YEAR;
  const r = simulate(gbm({ driftAnnual: 0, volatilityAnnual: 0.7 }, dt), 500, 5);
  let p = 100;
  const rows = ['timestamp,price', `${1_700_000_000},${p}`];
  r.forEach((x, i) => {
    p *= Math.exp(x);
    rows.push(`${1_700_000_000 + 60 * (i + 1)},${p.toFixed(6)}`);
  });
  writeFileSync(csv, rows.join('\n') + '\n');

  it('prints a priceModel block that validates in a scenario, and --json carries the QQ data', async () => {
    const y = await cli('fit', csv, '--model', 'gbm');
    expect(y.status, y.stderr).toBe(0);
    const block = parse(y.stdout) as { priceModel: unknown };
    expect(ScenarioSchema.safeParse({ market: { priceModel: block.priceModel } }).success).toBe(true);
    expect(y.stdout).toMatch(/# log-likelihood .*AIC/);
    const j = await cli('fit', csv, '--model', 'gbm', '--json');
    const fit = JSON.parse(j.stdout) as FitResult;
    expect(fit.observations).toBe(500);
    expect(fit.stepSeconds).toBe(60);
    expect(fit.residuals.qq.empirical.length).toBe(99);
    const out = path.join(dir, 'fitted.yaml');
    const o = await cli('fit', csv, '--model', 'gbm', '--out', out);
    expect(o.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(y.stdout);
  });

  it('bad input is one line, exit 2, nothing written: missing file, malformed CSV, unknown model, too few returns', async () => {
    const out = path.join(dir, 'never.yaml');
    expect(isOneLineUserError(await cli('fit', path.join(dir, 'missing.csv'), '--model', 'gbm', '--out', out), /missing\.csv: price CSV file not found/)).toBe(true);
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp,price\n1700000000,100\n1700000060,abc\n');
    expect(isOneLineUserError(await cli('fit', bad, '--model', 'gbm', '--out', out), /bad\.csv line 3: column 2: price "abc" is not allowed/)).toBe(true);
    expect(isOneLineUserError(await cli('fit', csv, '--model', 'heston', '--out', out), /'heston' is invalid\. Allowed choices are gbm, merton, garch, regime-switching/)).toBe(true);
    expect(isOneLineUserError(await cli('fit', csv, '--model', 'gbm', '--step-seconds', '3600', '--out', out), /gives 8 returns .* at least 100/)).toBe(true);
    expect(existsSync(out)).toBe(false);
  });
});
