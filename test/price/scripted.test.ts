/**
 * The scripted stress path: every leg ends exactly at its target on every path (the bridge is
 * pinned), the bridge's midpoint mean and variance match the Brownian-bridge closed form within 3 SE,
 * GBM noise outside the window, and the loader's checks.
 */
import { describe, expect, it } from 'vitest';
import { createPriceProcess, loadPriceData } from '../../src/price/process.js';
import { scriptedDrawdown, scriptedTargetDrawdown } from '../../src/price/scripted.js';
import { parseScenario } from '../../src/scenario/load.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';
import { UserError } from '../../src/errors.js';

const dt = 60 / (365 * 24 * 3600);
const twoLegs = {
  kind: 'scripted-drawdown' as const,
  driftAnnual: 0,
  volatilityAnnual: 1.2,
  startStep: 30,
  drawdownFraction: 0.3,
  durationSteps: 120,
  recoveryFraction: 0.25,
  recoverySteps: 20,
  secondDrawdownFraction: 0.35,
  secondDurationSteps: 60,
};

/** Cumulative log level after each step 0 … steps of path p, through the price process. */
function levels(pm: Record<string, unknown>, p: number, steps: number): Float64Array {
  const sc = parseScenario({ seed: 8, horizonSteps: steps, traders: { count: 10 }, market: { priceModel: pm } }, 'test');
  const proc = createPriceProcess(sc, p, loadPriceData(sc));
  const out = new Float64Array(1);
  const x = new Float64Array(steps + 1);
  for (let t = 1; t <= steps; t++) {
    proc.next(out);
    x[t] = x[t - 1] + out[0];
  }
  return x;
}

describe('scripted drawdown (Brownian bridge pinned to the target)', () => {
  it('every leg ends exactly at its target level on every path', () => {
    const a = twoLegs.startStep;
    const e1 = a + twoLegs.durationSteps;
    const er = e1 + twoLegs.recoverySteps;
    const e2 = er + twoLegs.secondDurationSteps;
    for (let p = 0; p < 200; p++) {
      const x = levels(twoLegs, p, e2 + 40);
      expect(Math.abs(x[a])).toBeGreaterThan(0); // GBM noise before the window
      expect(1 - Math.exp(x[e1] - x[a])).toBeCloseTo(0.3, 12);
      // recovery regains 25% of the price lost in leg 1
      expect(Math.exp(x[er] - x[a])).toBeCloseTo(0.7 + 0.25 * 0.3, 12);
      expect(1 - Math.exp(x[e2] - x[er])).toBeCloseTo(0.35, 12);
      expect(1 - Math.exp(x[e2] - x[a])).toBeCloseTo(scriptedTargetDrawdown(twoLegs), 12);
    }
  });

  it('two-leg target drawdown is 1 − (1 − d₁(1 − ρ))(1 − d₂)', () => {
    expect(scriptedTargetDrawdown(twoLegs)).toBeCloseTo(1 - (1 - 0.3 * 0.75) * 0.65, 14);
    expect(scriptedTargetDrawdown({ ...twoLegs, recoverySteps: 0, recoveryFraction: 0, secondDrawdownFraction: undefined, secondDurationSteps: undefined })).toBeCloseTo(0.3, 14);
  });

  it('midpoint of the bridge has mean x₀ + ½ln(1 − d) and variance σ²Δt·D/4 within 3 SE', () => {
    const D = 100;
    const k = 50;
    const cfg = { ...twoLegs, startStep: 10, durationSteps: D, recoverySteps: 0, recoveryFraction: 0, secondDrawdownFraction: undefined, secondDurationSteps: undefined };
    const n = 5000;
    const mids: number[] = [];
    for (let p = 0; p < n; p++) {
      const m = scriptedDrawdown(cfg, dt);
      const z = normalSampler(stream(31, p, 'price'));
      let x = 0;
      let x0 = 0;
      for (let t = 1; t <= cfg.startStep + k; t++) {
        x += m.nextLogReturn(z());
        if (t === cfg.startStep) x0 = x;
      }
      mids.push(x - x0);
    }
    const mean = mids.reduce((a, b) => a + b, 0) / n;
    const v = mids.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const targetMean = (k / D) * Math.log(1 - cfg.drawdownFraction);
    const targetVar = cfg.volatilityAnnual ** 2 * dt * ((k * (D - k)) / D);
    expect(Math.abs(mean - targetMean), `mean ${mean}, closed form ${targetMean}`).toBeLessThan(3 * Math.sqrt(targetVar / n));
    // the bridge is Gaussian: SE of a sample variance is σ²·√(2/(n − 1))
    expect(Math.abs(v - targetVar), `variance ${v}, closed form ${targetVar}`).toBeLessThan(3 * targetVar * Math.sqrt(2 / (n - 1)));
  });

  it('outside the window the returns are GBM with variance σ²Δt (within 3 SE)', () => {
    const cfg = { ...twoLegs, startStep: 0, durationSteps: 10, recoverySteps: 0, recoveryFraction: 0, secondDrawdownFraction: undefined, secondDurationSteps: undefined };
    const m = scriptedDrawdown(cfg, dt);
    const z = normalSampler(stream(32, 0, 'price'));
    for (let t = 0; t < 10; t++) m.nextLogReturn(z());
    const n = 50_000;
    const xs = Array.from({ length: n }, () => m.nextLogReturn(z()));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const s2 = cfg.volatilityAnnual ** 2 * dt;
    expect(Math.abs(v - s2)).toBeLessThan(3 * s2 * Math.sqrt(2 / (n - 1)));
    expect(Math.abs(mean + 0.5 * s2)).toBeLessThan(3 * Math.sqrt(s2 / n));
  });
});

describe('scripted-drawdown scenario checks', () => {
  const sc = (pm: Record<string, unknown>, horizonSteps = 600) =>
    parseScenario({ horizonSteps, traders: { count: 10 }, market: { priceModel: { kind: 'scripted-drawdown', ...pm } } }, 'test');
  it('a window that ends after the horizon is refused, naming startStep and the sum', () => {
    expect(() => sc({ startStep: 500, durationSteps: 200 })).toThrow(UserError);
    expect(() => sc({ startStep: 500, durationSteps: 200 })).toThrow(/market\.priceModel\.startStep: 500 .*= 700\) must end within horizonSteps \(600\)/);
  });
  it('a second leg needs both its fraction and its duration', () => {
    expect(() => sc({ secondDrawdownFraction: 0.2 })).toThrow(/market\.priceModel\.secondDurationSteps: \(missing\)/);
  });
  it('a recovery needs steps', () => {
    expect(() => sc({ recoveryFraction: 0.5 })).toThrow(/market\.priceModel\.recoverySteps: 0 .*recoveryFraction/);
  });
  it('a drawdown of 100% or more is refused by the schema', () => {
    expect(() => sc({ drawdownFraction: 1 })).toThrow(/market\.priceModel\.drawdownFraction: 1 is not allowed/);
  });
});

describe('scripted legs (any number, each pinned to its own move, with its own noise)', () => {
  const legs = [
    { move: -0.02, durationSteps: 40 },
    { move: -0.1, durationSteps: 6, volatilityAnnual: 3 },
    { move: -0.05, durationSteps: 1 },
    { move: 0.08, durationSteps: 12, volatilityAnnual: 2 },
    { move: 0, durationSteps: 30 },
  ];
  const cfg = { kind: 'scripted-drawdown' as const, volatilityAnnual: 0.6, startStep: 20, legs };

  it('every leg ends exactly at its move from where the previous one ended, on every path', () => {
    for (let p = 0; p < 200; p++) {
      const x = levels(cfg, p, 150);
      let at = cfg.startStep;
      for (const l of legs) {
        const from = at;
        at += l.durationSteps;
        expect(Math.expm1(x[at] - x[from]), `path ${p}, leg ending at ${at}`).toBeCloseTo(l.move, 12);
      }
    }
  });

  it('the target drawdown is the largest fall between pinned levels, a rise counting as a new peak', () => {
    const lvl = [1, 0.98, 0.98 * 0.9, 0.98 * 0.9 * 0.95, 0.98 * 0.9 * 0.95 * 1.08];
    expect(scriptedTargetDrawdown({ driftAnnual: 0, recoveryFraction: 0, recoverySteps: 0, ...cfg })).toBeCloseTo(1 - lvl[3], 14);
    // a rise to 1.5 then a fall of 40%: the drawdown is 40%, measured from the new peak, not from the start
    const up = { driftAnnual: 0, volatilityAnnual: 0.6, startStep: 0, recoveryFraction: 0, recoverySteps: 0, legs: [{ move: 0.5, durationSteps: 5 }, { move: -0.4, durationSteps: 5 }] };
    expect(scriptedTargetDrawdown(up)).toBeCloseTo(0.4, 14);
  });

  it('a leg’s own volatility sets its noise: midpoint variance σ_leg²Δt·D/4 within 3 SE', () => {
    const D = 40;
    const one = { driftAnnual: 0, volatilityAnnual: 0.5, startStep: 0, recoveryFraction: 0, recoverySteps: 0, legs: [{ move: -0.1, durationSteps: D, volatilityAnnual: 2.5 }] };
    const n = 4000;
    const mids: number[] = [];
    for (let p = 0; p < n; p++) {
      const m = scriptedDrawdown(one, dt);
      const z = normalSampler(stream(33, p, 'price'));
      let x = 0;
      for (let t = 1; t <= D / 2; t++) x += m.nextLogReturn(z());
      mids.push(x);
    }
    const mean = mids.reduce((a, b) => a + b, 0) / n;
    const v = mids.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    const targetVar = 2.5 ** 2 * dt * (D / 4);
    expect(Math.abs(mean - 0.5 * Math.log(0.9))).toBeLessThan(3 * Math.sqrt(targetVar / n));
    expect(Math.abs(v - targetVar), `variance ${v}, closed form ${targetVar}`).toBeLessThan(3 * targetVar * Math.sqrt(2 / (n - 1)));
  });

  it('a collapse of 99.9999% is representable (move −0.999999)', () => {
    const x = levels({ ...cfg, legs: [{ move: -0.999999, durationSteps: 50 }] }, 0, 80);
    expect(Math.expm1(x[70] - x[20])).toBeCloseTo(-0.999999, 9);
  });
});

describe('scripted legs: scenario checks', () => {
  const sc = (pm: Record<string, unknown>, horizonSteps = 600) =>
    parseScenario({ horizonSteps, traders: { count: 10 }, market: { priceModel: { kind: 'scripted-drawdown', ...pm } } }, 'test');
  it('the classic fields are refused beside legs, naming the field', () => {
    const legs = [{ move: -0.1, durationSteps: 10 }];
    expect(() => sc({ legs, drawdownFraction: 0.2 })).toThrow(/market\.priceModel\.drawdownFraction: 0\.2 .*not used with legs/);
    expect(() => sc({ legs, secondDurationSteps: 5 })).toThrow(/market\.priceModel\.secondDurationSteps: 5 .*not used with legs/);
    expect(() => sc({ legs, recoverySteps: 5 })).toThrow(/market\.priceModel\.recoverySteps: 5 .*not used with legs/);
  });
  it('legs that end after the horizon are refused, naming startStep and the sum', () => {
    expect(() => sc({ startStep: 500, legs: [{ move: -0.1, durationSteps: 60 }, { move: 0.05, durationSteps: 60 }] })).toThrow(/market\.priceModel\.startStep: 500 .*= 620\) must end within horizonSteps \(600\)/);
  });
  it('a leg of −100% and an empty script are refused by the schema', () => {
    expect(() => sc({ legs: [{ move: -1, durationSteps: 10 }] })).toThrow(/market\.priceModel\.legs\[0\]\.move: -1 is not allowed/);
    expect(() => sc({ legs: [] })).toThrow(/market\.priceModel\.legs/);
  });
  it('without legs the classic defaults are filled in (−30% over 60 steps)', () => {
    const pm = sc({}).market.priceModel;
    expect(pm.kind === 'scripted-drawdown' && [pm.drawdownFraction, pm.durationSteps]).toEqual([0.3, 60]);
  });
});
