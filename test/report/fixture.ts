/**
 * A synthetic but well-formed `Results` object for report tests: any number of paths, heavy-tailed
 * bad debt on a chosen share of paths, bands over `points` time points and ten drill-down paths —
 * built in milliseconds with the real aggregation functions (no simulation), from a fixed seed.
 */
import { RESULTS_FORMAT, plainSeries, type DrilldownPath, type Results } from '../../src/api/run.js';
import type { PathSeries, PathSummary } from '../../src/engine/path.js';
import { aggregate, seriesBands } from '../../src/stats/aggregate.js';
import { loadScenarioFile } from '../../src/scenario/load.js';

export interface FixtureOptions {
  paths?: number;
  points?: number;
  /** Share of paths with bad debt > 0. */
  badDebtShare?: number;
  /** Paths whose series feed the bands. */
  samplePaths?: number;
  seed?: number;
}

function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
}

export function syntheticResults(opts: FixtureOptions = {}): Results {
  const paths = opts.paths ?? 500;
  const points = opts.points ?? 120;
  const share = opts.badDebtShare ?? 0.1;
  const rnd = lcg(opts.seed ?? 42);
  const scenario = { ...loadScenarioFile('scenarios/default.yaml'), paths };
  const traders = scenario.traders.count;
  const summaries: PathSummary[] = [];
  for (let p = 0; p < paths; p++) {
    const bad = rnd() < share ? 1000 * Math.pow(rnd(), -1.5) : 0; // Pareto tail
    const liq = 1e6 * Math.exp(2 * rnd());
    const ddExo = 0.02 + 0.2 * rnd() ** 2;
    summaries.push({
      pathIndex: p,
      badDebtUsd: bad,
      liquidationCount: Math.floor(liq / 5000),
      liquidatedNotionalUsd: liq,
      liquidatedLongNotionalUsd: 0.7 * liq,
      liquidatedShortNotionalUsd: 0.3 * liq,
      tradersLiquidated: Math.floor(traders * 0.05 * rnd()),
      fundStartUsd: 250_000,
      fundEndUsd: bad > 0 ? 0 : 250_000 + 1000 * rnd(),
      fundPaidUsd: bad > 0 ? 250_000 : 0,
      fundExhausted: bad > 0,
      largestCascadeAccounts: 1 + Math.floor(100 * rnd() ** 3),
      largestCascadeNotionalUsd: liq * 0.3,
      largestCascadeGenerations: 1 + Math.floor(6 * rnd() ** 2),
      largestCascadeImpactLog: -0.01 * rnd(),
      cascadeCount: 1 + Math.floor(40 * rnd()),
      maxDrawdownExogenous: ddExo,
      maxDrawdownRealised: ddExo + 0.01 * rnd(),
      minImpactLog: -0.02 * rnd(),
      maxImpactLog: 0.01 * rnd(),
      stopLossCount: 3,
      topUpCount: 5,
      topUpUsd: 1000,
      finalFundamentalUsd: 100,
      finalMarkUsd: 100,
      arrivals: 0, // the share liquidated divides by the opening book plus arrivals
      // the loss waterfall: shortfall = fund + bad debt (no backstop, ADL or socialised loss in this policy)
      liquidationFeesUsd: Math.round(0.002 * liq * 100) / 100,
      shortfallUsd: (bad > 0 ? 250_000 : 0) + bad,
      backstopCoveredUsd: 0,
      adlProfitTakenUsd: 0,
      socialisedLossUsd: 0,
    } as PathSummary);
  }
  const steps = Int32Array.from({ length: points }, (_, k) => Math.round((k * scenario.horizonSteps) / (points - 1)));
  const series = (p: number): PathSeries => {
    const f = new Float64Array(points);
    const m = new Float64Array(points);
    let x = 100;
    for (let k = 0; k < points; k++) {
      x *= Math.exp(0.01 * (rnd() - 0.5));
      f[k] = x;
      m[k] = x * (1 - 0.003 * rnd());
    }
    const flow = () => Float64Array.from({ length: points }, (_, k) => (k > 0 && rnd() < 0.2 ? 1e5 * rnd() : 0));
    const oi = Float64Array.from({ length: points }, (_, k) => 1.4e8 - 1e5 * k);
    const fund = Float64Array.from({ length: points }, (_, k) => 250_000 + 50 * k * (p % 3));
    return {
      steps,
      fundamentalUsd: f,
      markUsd: m,
      liquidatedLongUsd: flow(),
      liquidatedShortUsd: flow(),
      openInterestUsd: oi,
      insuranceFundUsd: fund,
      liquidatedByGenerationUsd: Float64Array.from([5e6, 2e6, 5e5, 1e5]),
      liquidatedByGenerationClassUsd: [0.5, 0.25, 0.15, 0.1].map((w) => Float64Array.from({ length: points }, (_, k) => (k > 0 && k % 7 === 0 ? 1e5 * w : 0))),
    };
  };
  const sample = Math.min(paths, opts.samplePaths ?? 200);
  const sampled = Array.from({ length: sample }, (_, p) => ({ pathIndex: p, series: series(p) }));
  const labels = ['worst-1', 'worst-2', 'worst-3', 'worst-4', 'worst-5', 'median', 'best', 'random-1', 'random-2', 'random-3'];
  const drilldown: DrilldownPath[] = labels.slice(0, Math.min(paths, labels.length)).map((label, k) => {
    const s = series(k);
    return {
      pathIndex: k,
      label,
      summary: summaries[k],
      series: plainSeries(s),
    };
  });
  const cols = {} as Record<string, unknown[]>;
  for (const key of Object.keys(summaries[0])) cols[key] = summaries.map((s) => (s as unknown as Record<string, unknown>)[key]);
  return {
    format: RESULTS_FORMAT,
    marginlabVersion: '0.0.0-test',
    seed: scenario.seed,
    scenario,
    run: { workers: 2, elapsedMs: 1234, startedAt: '2026-01-01T00:00:00.000Z' },
    population: {
      traders,
      positions: traders,
      openInterestByMarketUsd: [1.4e8],
      longs: Math.round(traders * 0.6),
      shorts: traders - Math.round(traders * 0.6),
      crossMargin: Math.round(traders * 0.2),
      meanLeverage: 6.5,
      cappedByInitialMargin: 0,
      depositsUsd: 4e7,
      openInterestUsd: 1.4e8,
    },
    aggregates: aggregate(summaries, traders),
    cascadeHistograms: {
      accounts: { lowerBound: Array.from({ length: 24 }, (_, b) => 2 ** b), count: [500, 300, 150, 60, 20, 6, 2, 1, ...new Array(16).fill(0)] },
      notionalUsd: { lowerBound: Array.from({ length: 48 }, (_, b) => 10 ** (2 + b / 4)), count: [...new Array(10).fill(0), 40, 90, 200, 300, 200, 100, 50, 20, 5, 1, ...new Array(28).fill(0)] },
      generations: { generations: Array.from({ length: 32 }, (_, g) => g + 1), count: [600, 300, 100, 30, 8, 1, ...new Array(26).fill(0)] },
    },
    series: seriesBands(sampled),
    drilldown,
    paths: cols as Results['paths'],
  };
}

/** A small fixed-seed scenario for the verdicts of run, sweep, calibrate and compare (300 traders, 24 paths, 3 hours). */
export const SMALL_STUDY = {
  name: 'verdict-small',
  seed: 11,
  paths: 24,
  horizonSteps: 180,
  traders: { count: 300 },
  market: { impact: { kind: 'linear', depthUsdPerPercent: 300_000 } },
  policy: { insuranceFund: { initialUsd: 2_000 } },
};
