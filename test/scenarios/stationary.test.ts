/**
 * A path starts from a market in equilibrium (docs/design.md §2): the first hour liquidates at the rate of
 * any later hour. The test, at each scenario's own seed: per path, x = notional liquidated in hour 1
 * and y = mean notional liquidated per hour in hours 2 … 24; the one-sided paired t statistic of
 * x − y over P paths must stay below 2.33 (not significantly above at the 1% level). The same test on
 * the old set-up — an unseasoned book (`warmup: none`), the venue's last book price as the mark and no
 * arbitrage — must fail it: the test can tell.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { runPaths } from '../../src/mc/runner.js';
import { SCENARIOS_DIR } from '../helpers/files.js';

const PATHS = 192;
const T_CRIT = 2.33;

/**
 * The old set-up's market where the shipped one is now calibrated to a calm week (issue 22): on default.yaml's
 * calibrated market (GARCH-t at 36%) the old set-up still opens with a wave (first hour 3.0× later hours) but
 * liquidates too rarely for 192 paths to tell it from noise (t = 1.37), so the control keeps the market the test
 * was written on, 80% a year with ν = 3.
 */
const OLD_MARKET: Record<string, object> = {
  'default.yaml': { kind: 'garch', longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.9, degreesOfFreedom: 3 },
};

/** First-hour excess over later hours: its mean, standard error and t, and the ratio of the means. */
async function firstHourExcess(file: string, old = false) {
  const base = loadScenarioFile(path.join(SCENARIOS_DIR, file));
  const sc = parseScenario({
    ...base,
    paths: PATHS,
    ...(old
      ? {
          traders: { ...base.traders, warmup: 'none' },
          market: { ...base.market, ...(OLD_MARKET[file] ? { priceModel: OLD_MARKET[file] } : {}), impact: { ...base.market.impact, arbitrageUsdPerStep: 0 } },
          policy: { ...base.policy, markPrice: { kind: 'last' } },
        }
      : {}),
    output: { ...base.output, seriesSamplePaths: PATHS, seriesPoints: base.horizonSteps + 1 },
  });
  const out = await runPaths(sc, { workers: 0 });
  const perHour = Math.round(3600 / sc.stepSeconds);
  const hours = Math.floor(sc.horizonSteps / perHour);
  const d: number[] = [];
  let first = 0;
  let later = 0;
  for (const { series } of out.series) {
    const byHour = new Float64Array(hours);
    for (let j = 1; j < series.steps.length; j++) {
      const h = Math.floor((series.steps[j] - 1) / perHour);
      if (h < hours) byHour[h] += series.liquidatedLongUsd[j] + series.liquidatedShortUsd[j];
    }
    const rest = byHour.slice(1).reduce((a, b) => a + b, 0) / (hours - 1);
    d.push(byHour[0] - rest);
    first += byHour[0];
    later += rest;
  }
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
  const se = sd / Math.sqrt(d.length);
  return { t: se > 0 ? mean / se : 0, ratio: later > 0 ? first / later : Infinity };
}

describe('a path starts in equilibrium: no start-up liquidation wave', () => {
  for (const file of ['default.yaml', 'whale-thin-depth.yaml']) {
    it(`${file}: the first hour's liquidated notional is not significantly above later hours' (one-sided t < ${T_CRIT}, ${PATHS} paths)`, async () => {
      const seasoned = await firstHourExcess(file);
      console.log(`${file}: seasoned book, first hour / later hours = ${seasoned.ratio.toFixed(2)}, t = ${seasoned.t.toFixed(2)}`);
      expect(seasoned.t).toBeLessThan(T_CRIT);
    });
    it(`${file}: the old set-up (unseasoned book, last-price mark, no arbitrage) fails the same test — a start-up wave`, async () => {
      const old = await firstHourExcess(file, true);
      console.log(`${file}: old set-up, first hour / later hours = ${old.ratio.toFixed(2)}, t = ${old.t.toFixed(2)}`);
      expect(old.t).toBeGreaterThan(T_CRIT);
      expect(old.ratio).toBeGreaterThan(2);
    });
  }
});

/**
 * Top-ups too: the warm-up lets top-up traders act as they do on a path, so a path does not open with
 * a burst of top-ups from accounts the warm-up pushed below their trigger without letting them react
 * (before it did, the standard bench book's first hour held 5× the later hours' top-ups). Per path,
 * x = top-ups in hour 1 (the same scenario run for one hour: the first hour of a path does not depend
 * on its horizon) and y = the mean per later hour; one-sided paired t < 2.33.
 */
describe('a path starts in equilibrium: no start-up burst of top-ups', () => {
  it(`high-leverage-retail.yaml: the first hour's top-ups are not significantly above later hours' (one-sided t < ${T_CRIT}, ${PATHS} paths)`, async () => {
    const base = loadScenarioFile(path.join(SCENARIOS_DIR, 'high-leverage-retail.yaml'));
    const perHour = Math.round(3600 / base.stepSeconds);
    const hours = Math.floor(base.horizonSteps / perHour);
    const whole = await runPaths(parseScenario({ ...base, paths: PATHS }), { workers: 0, series: false });
    const first = await runPaths(parseScenario({ ...base, paths: PATHS, horizonSteps: perHour }), { workers: 0, series: false });
    const d: number[] = [];
    let x = 0;
    let y = 0;
    for (let i = 0; i < PATHS; i++) {
      const h1 = first.summaries[i].topUpCount;
      const rest = (whole.summaries[i].topUpCount - h1) / (hours - 1);
      expect(rest).toBeGreaterThanOrEqual(0);
      d.push(h1 - rest);
      x += h1;
      y += rest;
    }
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (d.length - 1));
    const t = sd > 0 ? mean / (sd / Math.sqrt(d.length)) : 0;
    console.log(`high-leverage-retail.yaml: top-ups, first hour / later hours = ${(x / y).toFixed(2)}, t = ${t.toFixed(2)}`);
    expect(y).toBeGreaterThan(0); // the book does top up: the test has something to compare
    expect(t).toBeLessThan(T_CRIT);
  });
});
