/**
 * Price models against closed forms (docs/design.md §4), at fixed seeds, with tolerances of 3 standard
 * errors computed from independent paths.
 */
import { describe, expect, it } from 'vitest';
import { garch, gbm, merton, createMarketPriceModel, type MarketPriceModel } from '../../src/price/models.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler, standardizedStudentTFromNormal } from '../../src/rng/distributions.js';

/** Feeds a model its shocks from a 'price' stream, as the price process does for one market. */
function driven(model: MarketPriceModel, seed: number, path: number): () => number {
  const z = normalSampler(stream(seed, path, 'price'));
  return () => model.nextLogReturn(z());
}

/** Per-path statistic over many independent paths → mean and its standard error. */
function acrossPaths(paths: number, f: (p: number) => number): { mean: number; se: number } {
  const xs: number[] = [];
  for (let p = 0; p < paths; p++) xs.push(f(p));
  const m = xs.reduce((a, b) => a + b, 0) / paths;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (paths - 1);
  return { mean: m, se: Math.sqrt(v / paths) };
}

describe('GARCH(1,1) with Student-t innovations', () => {
  it('sample variance of returns matches ω/(1−α−β) within 3 SE', () => {
    const cfg = { driftAnnual: 0, longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.88, degreesOfFreedom: 8 };
    const dt = 60 / (365 * 24 * 3600);
    const omega = cfg.longRunVolatilityAnnual ** 2 * dt * (1 - cfg.alpha - cfg.beta);
    const target = omega / (1 - cfg.alpha - cfg.beta);
    const steps = 400;
    const r = acrossPaths(1500, (p) => {
      const m = driven(garch(cfg, dt, stream(3, p, 'price:0')), 3, p);
      let s = 0;
      for (let t = 0; t < steps; t++) s += m() ** 2;
      return s / steps;
    });
    expect(Math.abs(r.mean - target), `sample ${r.mean}, closed form ${target}, SE ${r.se}`).toBeLessThan(3 * r.se);
  });

  it('has fatter tails than a normal: excess kurtosis of returns is clearly positive', () => {
    const cfg = { driftAnnual: 0, longRunVolatilityAnnual: 0.8, alpha: 0.05, beta: 0.9, degreesOfFreedom: 6 };
    const m = driven(garch(cfg, 1 / 365, stream(4, 0, 'price:0')), 4, 0);
    const xs = Array.from({ length: 50_000 }, () => m());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    const k = xs.reduce((a, b) => a + (b - mean) ** 4, 0) / xs.length / (v * v);
    expect(k).toBeGreaterThan(4);
  });

  it('draws its innovation with the tested sampler: with α = β = 0 a return is μΔt + σ√Δt · standardizedStudentTFromNormal(z)', () => {
    const cfg = { driftAnnual: 0.1, longRunVolatilityAnnual: 0.8, alpha: 0, beta: 0, degreesOfFreedom: 5 };
    const dt = 1 / 365;
    const m = garch(cfg, dt, stream(6, 0, 'price:0'));
    const t = standardizedStudentTFromNormal(stream(6, 0, 'price:0'), 5);
    const z = normalSampler(stream(6, 0, 'price'));
    for (let i = 0; i < 1000; i++) {
      const zi = z();
      expect(m.nextLogReturn(zi)).toBe(0.1 * dt + Math.sqrt(0.8 ** 2 * dt) * t(zi));
    }
  });

  it('the conditional variance never exceeds varianceCapMultiple × the long-run variance, and the cap binds at ν = 3', () => {
    // the pre-calibration default (ν = 3) over 200 one-day paths: uncapped, the variance reaches hundreds of times
    // its long-run level (docs/price-models.md: why a GARCH-t path explodes); capped at 50, never above 50
    const dt = 60 / (365 * 24 * 3600);
    const base = { driftAnnual: 0, longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.9, degreesOfFreedom: 3 };
    const longRun = base.longRunVolatilityAnnual ** 2 * dt;
    const peak = (cap?: number) => {
      let top = 0;
      for (let p = 0; p < 200; p++) {
        const model = garch({ ...base, varianceCapMultiple: cap }, dt, stream(5, p, 'price:0'));
        const m = driven(model, 5, p);
        for (let t = 0; t < 1440; t++) {
          m();
          top = Math.max(top, model.snapshot!()[0] / longRun);
        }
      }
      return top;
    };
    expect(peak()).toBeGreaterThan(200);
    const capped = peak(50);
    expect(capped).toBeLessThanOrEqual(50 * (1 + 1e-12));
    expect(capped).toBeGreaterThan(49.99);
  });

  it('a cap that never binds leaves every draw unchanged', () => {
    const cfg = { driftAnnual: 0, longRunVolatilityAnnual: 0.5, alpha: 0.05, beta: 0.9, degreesOfFreedom: 8 };
    const a = driven(garch(cfg, 1 / 525_600, stream(6, 0, 'price:0')), 6, 0);
    const b = driven(garch({ ...cfg, varianceCapMultiple: 1e9 }, 1 / 525_600, stream(6, 0, 'price:0')), 6, 0);
    for (let t = 0; t < 5000; t++) expect(b()).toBe(a());
  });

  it('rejects a variance cap below the long-run variance', () => {
    expect(() => garch({ driftAnnual: 0, longRunVolatilityAnnual: 1, alpha: 0.1, beta: 0.8, degreesOfFreedom: 5, varianceCapMultiple: 0.5 }, 1, stream(1, 0, 'price'))).toThrow(RangeError);
  });

  it('rejects α + β ≥ 1', () => {
    expect(() => garch({ driftAnnual: 0, longRunVolatilityAnnual: 1, alpha: 0.2, beta: 0.8, degreesOfFreedom: 5 }, 1, stream(1, 0, 'price'))).toThrow(RangeError);
  });
});

describe('GBM', () => {
  it('log-return mean and variance match (μ − σ²/2)Δt and σ²Δt within 3 SE', () => {
    const cfg = { driftAnnual: 0.3, volatilityAnnual: 0.9 };
    const dt = 1 / 365;
    const m = driven(gbm(cfg, dt), 9, 0);
    const n = 100_000;
    const xs = Array.from({ length: n }, () => m());
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const mu = (cfg.driftAnnual - 0.5 * cfg.volatilityAnnual ** 2) * dt;
    const s2 = cfg.volatilityAnnual ** 2 * dt;
    expect(Math.abs(mean - mu)).toBeLessThan(3 * Math.sqrt(s2 / n));
    expect(Math.abs(v - s2)).toBeLessThan(3 * s2 * Math.sqrt(2 / (n - 1)));
  });
});

describe('Merton jump-diffusion', () => {
  const cfg = { driftAnnual: 0, volatilityAnnual: 0.5, jumpsPerYear: 50, jumpMeanLog: -0.04, jumpStdLog: 0.03 };
  const dt = 1 / 365;
  it('variance per unit time matches σ² + λ(m² + δ²) within 3 SE', () => {
    const m = driven(merton(cfg, dt, stream(21, 0, 'price:0')), 21, 0);
    const n = 200_000;
    const xs = Array.from({ length: n }, () => m());
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const dev2 = xs.map((x) => (x - mean) ** 2);
    const v = dev2.reduce((a, b) => a + b, 0) / (n - 1);
    const seV = Math.sqrt(dev2.reduce((a, b) => a + (b - v) ** 2, 0) / (n - 1) / n);
    const target = (cfg.volatilityAnnual ** 2 + cfg.jumpsPerYear * (cfg.jumpMeanLog ** 2 + cfg.jumpStdLog ** 2)) * dt;
    expect(Math.abs(v - target), `sample ${v}, closed form ${target}`).toBeLessThan(3 * seV);
  });
  it('third cumulant per unit time matches λ(m³ + 3mδ²) within 3 SE', () => {
    const m = driven(merton(cfg, dt, stream(22, 0, 'price:0')), 22, 0);
    const n = 400_000;
    const xs = Array.from({ length: n }, () => m());
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const d3 = xs.map((x) => (x - mean) ** 3);
    const k3 = d3.reduce((a, b) => a + b, 0) / n;
    const se = Math.sqrt(d3.reduce((a, b) => a + (b - k3) ** 2, 0) / (n - 1) / n);
    const target = cfg.jumpsPerYear * (cfg.jumpMeanLog ** 3 + 3 * cfg.jumpMeanLog * cfg.jumpStdLog ** 2) * dt;
    expect(target).toBeLessThan(0);
    expect(Math.abs(k3 - target), `sample ${k3}, closed form ${target}, SE ${se}`).toBeLessThan(3 * se);
  });
});

describe('createMarketPriceModel', () => {
  it('picks the model named by kind', () => {
    const env = { dtYears: 1 / 525_600, rng: stream(1, 0, 'price:0'), horizonSteps: 10, csvReturns: new Float64Array(20) };
    const kinds = [
      { kind: 'gbm' as const, driftAnnual: 0, volatilityAnnual: 0.8 },
      { kind: 'merton' as const, driftAnnual: 0, volatilityAnnual: 0.6, jumpsPerYear: 20, jumpMeanLog: -0.03, jumpStdLog: 0.03 },
      { kind: 'garch' as const, driftAnnual: 0, longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.9, degreesOfFreedom: 5, varianceCapMultiple: 120 },
      { kind: 'scripted-drawdown' as const, driftAnnual: 0, volatilityAnnual: 0.6, startStep: 0, drawdownFraction: 0.3, durationSteps: 5, recoveryFraction: 0, recoverySteps: 0 },
      { kind: 'csv' as const, file: '/x.csv', mode: 'replay' as const, replayStart: 'first' as const, blockSteps: 5, blocks: 'fixed' as const, demean: false },
    ];
    for (const cfg of kinds) {
      const m = createMarketPriceModel(cfg, env);
      expect(m.kind).toBe(cfg.kind);
      expect(Number.isFinite(m.nextLogReturn(0.5))).toBe(true);
    }
  });
});
