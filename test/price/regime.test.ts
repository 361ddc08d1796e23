/**
 * Markov regime switching: time in each state against the stationary distribution, sojourn lengths
 * against the expected durations, per-state variance against (σ_s² + λ_s(m_s² + δ_s²))Δt — each
 * within 3 standard errors at fixed seeds — and the loader's checks.
 */
import { describe, expect, it } from 'vitest';
import { regimeSwitching, stationaryDistribution, transitionMatrixOf } from '../../src/price/regime.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';
import { parseScenario } from '../../src/scenario/load.js';
import { UserError } from '../../src/errors.js';

const dt = 60 / (365 * 24 * 3600);
const calm = { name: 'calm', driftAnnual: 0, volatilityAnnual: 0.5, jumpsPerYear: 0, jumpMeanLog: 0, jumpStdLog: 0, expectedDurationSteps: 50 };
const stress = { name: 'stress', driftAnnual: 0, volatilityAnnual: 2, jumpsPerYear: 20_000, jumpMeanLog: -0.004, jumpStdLog: 0.006, expectedDurationSteps: 20 };
const cfg = { states: [calm, stress], initialState: 'stationary' };

function meanSe(xs: number[]): { mean: number; se: number } {
  const n = xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
  return { mean: m, se: Math.sqrt(v / n) };
}

/** Simulates `paths` independent paths of `steps` steps; returns per-path time in calm, returns by state, and sojourn lengths. */
function run(paths: number, steps: number) {
  const fracCalm: number[] = [];
  const byState: number[][] = [[], []];
  const sojourns: number[][] = [[], []];
  for (let p = 0; p < paths; p++) {
    const model = regimeSwitching(cfg, dt, stream(17, p, 'price:0'));
    const z = normalSampler(stream(17, p, 'price'));
    let inCalm = 0;
    let run = 0;
    let first = true;
    for (let t = 0; t < steps; t++) {
      const s = model.regime;
      byState[s].push(model.nextLogReturn(z()));
      if (s === 0) inCalm++;
      run++;
      if (model.regime !== s) {
        if (!first) sojourns[s].push(run); // the first sojourn is cut at the start: left out
        first = false;
        run = 0;
      }
    }
    fracCalm.push(inCalm / steps);
  }
  return { fracCalm, byState, sojourns };
}

describe('Markov regime switching', () => {
  const P = transitionMatrixOf(cfg);
  const pi = stationaryDistribution(P);
  const r = run(300, 4000);

  it('stationary distribution of two states is (p₁₀, p₀₁)/(p₀₁ + p₁₀)', () => {
    const p01 = 1 / 50;
    const p10 = 1 / 20;
    expect(pi[0]).toBeCloseTo(p10 / (p01 + p10), 12);
    expect(pi[1]).toBeCloseTo(p01 / (p01 + p10), 12);
  });

  it('long-run fraction of time in calm matches the stationary distribution within 3 SE', () => {
    const f = meanSe(r.fracCalm);
    expect(Math.abs(f.mean - pi[0]), `sample ${f.mean}, stationary ${pi[0]}, SE ${f.se}`).toBeLessThan(3 * f.se);
  });

  it('mean time spent per visit matches expectedDurationSteps within 3 SE, in each state', () => {
    [50, 20].forEach((d, s) => {
      const m = meanSe(r.sojourns[s]);
      expect(Math.abs(m.mean - d), `state ${s}: sample ${m.mean}, expected ${d}, SE ${m.se}`).toBeLessThan(3 * m.se);
    });
  });

  it('per-state return variance matches (σ_s² + λ_s(m_s² + δ_s²))Δt within 3 SE', () => {
    [calm, stress].forEach((st, s) => {
      const xs = r.byState[s];
      const n = xs.length;
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      const dev2 = xs.map((x) => (x - mean) ** 2);
      const v = dev2.reduce((a, b) => a + b, 0) / (n - 1);
      const se = Math.sqrt(dev2.reduce((a, b) => a + (b - v) ** 2, 0) / (n - 1) / n);
      const target = (st.volatilityAnnual ** 2 + st.jumpsPerYear * (st.jumpMeanLog ** 2 + st.jumpStdLog ** 2)) * dt;
      expect(Math.abs(v - target), `state ${st.name}: sample ${v}, closed form ${target}, SE ${se}`).toBeLessThan(3 * se);
    });
    // the two states really differ (the test above would pass for a model that ignored the state only by luck)
    const vs = r.byState.map((xs) => xs.reduce((a, b) => a + b * b, 0) / xs.length);
    expect(vs[1] / vs[0]).toBeGreaterThan(10);
  });

  it('stationary distribution of a 3-state transition matrix solves π = πP', () => {
    const M = [
      [0.9, 0.08, 0.02],
      [0.1, 0.8, 0.1],
      [0.3, 0.2, 0.5],
    ];
    const q = stationaryDistribution(M);
    expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let j = 0; j < 3; j++) expect(q.reduce((a, qi, i) => a + qi * M[i][j], 0)).toBeCloseTo(q[j], 12);
  });

  it('starts in the first state by default, or the named one', () => {
    expect(regimeSwitching({ states: [calm, stress] }, dt, stream(1, 0, 'x')).regime).toBe(0);
    expect(regimeSwitching({ states: [calm, stress], initialState: 'stress' }, dt, stream(1, 0, 'x')).regime).toBe(1);
  });
});

describe('regime-switching scenario checks', () => {
  const base = (pm: Record<string, unknown>) => ({ traders: { count: 10 }, market: { priceModel: { kind: 'regime-switching', ...pm } } });
  it('the defaults (calm and stress) load', () => {
    const sc = parseScenario(base({}), 'test');
    expect(sc.market.priceModel.kind).toBe('regime-switching');
  });
  const cases: { name: string; pm: Record<string, unknown>; expect: RegExp }[] = [
    { name: 'a state without its duration and no matrix', pm: { states: [calm, { ...stress, expectedDurationSteps: undefined }] }, expect: /market\.priceModel\.states\[1\]\.expectedDurationSteps: \(missing\)/ },
    { name: 'a transition row that does not sum to 1', pm: { states: [calm, stress], transitionMatrix: [[0.9, 0.1], [0.5, 0.4]] }, expect: /market\.priceModel\.transitionMatrix\[1\]: .*sum to 1/ },
    { name: 'an unknown initial state', pm: { states: [calm, stress], initialState: 'panic' }, expect: /market\.priceModel\.initialState: "panic" .*calm, stress.*stationary/ },
    { name: 'duplicate state names', pm: { states: [calm, { ...stress, name: 'calm' }] }, expect: /market\.priceModel\.states\[1\]\.name: "calm" .*unique/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(() => parseScenario(base(c.pm), 'test')).toThrow(UserError);
      expect(() => parseScenario(base(c.pm), 'test')).toThrow(c.expect);
    });
  }
});
