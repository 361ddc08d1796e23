/**
 * A path starts from a market in equilibrium (docs/design.md §2): the opening of a path liquidates and
 * tops up at the rate of any later stretch — neither a start-up wave nor a quiet start. Two-sided
 * tests, at each scenario's own seed and default sampling (books redrawn per block of paths):
 *
 *   per path, x = the quantity in the opening window (the first hour, or the first 10 minutes) and
 *   y = its mean per window of the same length over the rest of the horizon; the paired t statistic of
 *   x − y must satisfy |t| < the critical value below.
 *
 * Quantities: liquidated notional, whether a path liquidates at all in the window (the measure of
 * issue 22: with one book 0.1–0.7% of paths liquidated in the first 10 minutes against 9.5% in later
 * blocks), and top-ups. Scenarios: default, whale-thin-depth, high-leverage-retail, calm-market, each
 * at the default block size (192 paths: 64 books of 3). Paths that share a book are correlated, so
 * the unit of the test is the book (the mean of x − y over its paths) and t has B − 1 degrees of
 * freedom. 4 × 3 × 2 = 24 comparisons: the critical value is the two-sided Bonferroni one for a
 * family-wise 1% level, the Student-t quantile 1 − 0.01 / (2 · 24) (3.73 with 64 books). Each test
 * logs the ratios it could detect at its sample's spread.
 *
 * The opening window is run alone (horizonSteps = the window): a path's opening does not depend on
 * its horizon (checked below on every path's series), so x comes from a short run's summary and
 * y from the whole run's summary minus x; whether a window liquidates comes from the series.
 *
 * The tests can tell: the old set-up (unseasoned book, last-price mark, no arbitrage) fails with a
 * start-up wave, and one book for every path (`sampling.pathsPerBook: all`, one warm-up history: the
 * whole run in one market state) fails on the default scenario with a quiet start (issue 22).
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import type { Scenario, ScenarioInput } from '../../src/scenario/schema.js';
import { runPaths, type MonteCarloOutput } from '../../src/mc/runner.js';
import type { PathSeries, PathSummary } from '../../src/engine/path.js';
import { pathsPerBookOf } from '../../src/scenario/sampling.js';
import { studentTQuantile } from '../../src/math/special.js';
import { SCENARIOS_DIR } from '../helpers/files.js';

const PATHS = 192;
/** About 10 s of CPU a scenario (37 s the file); the wall time on a shared 2-core machine under load reached 160 s. */
const SLOW = 300_000;
const FAMILY_ALPHA = 0.01;
/** The two-sided Bonferroni critical value of one comparison with `units` independent units (books, or paths with one book). */
const tCrit = (units: number) => studentTQuantile(1 - FAMILY_ALPHA / (2 * COMPARISONS), units - 1);
const SCENARIOS = ['default.yaml', 'whale-thin-depth.yaml', 'high-leverage-retail.yaml', 'calm-market.yaml'];
const WINDOWS = [
  { name: 'first hour', seconds: 3600 },
  { name: 'first 10 minutes', seconds: 600 },
];
/** A quantity compared per path: from the summaries (`of`), or — without `of` — whether the window had any liquidation (from the series). */
interface Quantity {
  name: string;
  of?: (s: PathSummary) => number;
}
const QUANTITIES: Quantity[] = [
  { name: 'liquidated notional', of: (s) => s.liquidatedNotionalUsd },
  { name: 'paths with a liquidation' },
  { name: 'top-ups', of: (s) => s.topUpCount },
];
const COMPARISONS = SCENARIOS.length * QUANTITIES.length * WINDOWS.length;

interface OpeningWindow {
  name: string;
  steps: number;
  count: number;
  opening: PathSummary[];
}

interface Comparison {
  /** Paired t of opening − mean later window. */
  t: number;
  /** Independent units the t rests on (books). */
  units: number;
  /** Opening total / mean later window total. */
  ratio: number;
  /** Mean of the later windows, summed over paths (the test has something to compare when > 0). */
  later: number;
  /** The opening / later ratios, below 1 and above 1, from which the test rejects (at this sample's spread). */
  detectable: [number, number];
}

function compare(x: ArrayLike<number>, y: ArrayLike<number>, perBook: number | undefined): Comparison {
  // paths that share a book are correlated: the unit of the test is the book (its paths' mean of x − y), or the path with one book
  const size = perBook ?? 1;
  const P = x.length;
  const d: number[] = [];
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < P; i += size) {
    let di = 0;
    const end = Math.min(P, i + size);
    for (let k = i; k < end; k++) {
      di += x[k] - y[k];
      sx += x[k];
      sy += y[k];
    }
    d.push(di / (end - i));
  }
  const n = d.length;
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  const reach = sy > 0 ? (tCrit(n) * se * P) / sy : Infinity;
  return { t: se > 0 ? mean / se : 0, units: n, ratio: sy > 0 ? sx / sy : Infinity, later: sy, detectable: [Math.max(0, 1 - reach), 1 + reach] };
}

/**
 * Per path, the quantity in the opening window (x) and its mean per later window (y): from the
 * summaries (`total` over the whole horizon, `first` over the opening run alone), or per window from
 * the series.
 */
function openingAndLater(q: Quantity, whole: MonteCarloOutput, w: OpeningWindow): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < whole.summaries.length; i++) {
    if (q.of) {
      const first = q.of(w.opening[i]);
      x.push(first);
      y.push((q.of(whole.summaries[i]) - first) / (w.count - 1));
    } else {
      const per = liquidatedPerWindow(whole.series[i].series, w.steps, w.count);
      x.push(per[0] > 0 ? 1 : 0);
      let later = 0;
      for (let k = 1; k < w.count; k++) later += per[k] > 0 ? 1 : 0;
      y.push(later / (w.count - 1));
    }
  }
  return { x, y };
}

/** Runs a scenario (with `over` applied) whole and for each opening window; every run on P paths, one thread. */
async function openingRuns(file: string, over: (base: Scenario) => Partial<ScenarioInput> = () => ({}), only?: string) {
  const base = loadScenarioFile(path.join(SCENARIOS_DIR, file));
  const sc = (horizonSteps: number, series: number) =>
    parseScenario({ ...base, ...over(base), paths: PATHS, horizonSteps, output: { seriesSamplePaths: series, seriesPoints: horizonSteps + 1 } } as ScenarioInput);
  const wholeScenario = sc(base.horizonSteps, PATHS);
  const whole = await runPaths(wholeScenario, { workers: 0 });
  const windows: OpeningWindow[] = [];
  for (const w of WINDOWS.filter((x) => !only || x.name === only)) {
    const steps = Math.round(w.seconds / base.stepSeconds);
    const opening = await runPaths(sc(steps, 1), { workers: 0, series: false });
    windows.push({ ...w, steps, count: Math.floor(base.horizonSteps / steps), opening: opening.summaries });
  }
  return { base, whole, windows, perBook: pathsPerBookOf(wholeScenario) };
}

/** Liquidated notional per window of `steps` steps (windows 0 … count − 1) of a path, from its series (one point a step). */
function liquidatedPerWindow(series: PathSeries, steps: number, count: number): Float64Array {
  const per = new Float64Array(count);
  for (let j = 1; j < series.steps.length; j++) {
    const k = Math.floor((series.steps[j] - 1) / steps);
    if (k < count) per[k] += series.liquidatedLongUsd[j] + series.liquidatedShortUsd[j];
  }
  return per;
}

/**
 * Why the opening is below later stretches where it still is: a path has no voluntary turnover, while the
 * seasoned book is the equilibrium of a book with it (each slot's position closed at rate
 * 1/meanHoldingHours and reopened at the price of the moment: the exponential ages of the warm-up).
 * Without it the book ages through the path and its mass near the thresholds grows by about
 * 1/meanHoldingHours an hour (calm-market, 1,800 paths: accounts within 2% of liquidation 5,799 at
 * step 0, 7,744 at 12 h, 8,529 at 24 h; liquidations per 2 h 279 → about 450), so later stretches
 * liquidate more than the first. With that turnover emulated in the path the profile stays flat
 * (5,799 → 5,994 → 5,642) and the first 2 h liquidate 1.08× the later ones.
 */
const TURNOVER = 'a path has no voluntary turnover (positions closed at 1/meanHoldingHours and reopened, as the warm-up assumes): the book ages through the path and later stretches liquidate more';

/**
 * Quiet starts the model is known to have, tested as such (the test fails when one is fixed, so it
 * moves to the passing set). docs/methodology.md §2 describes them.
 */
const KNOWN_GAPS: { file: string; window: string; quantities: string[]; direction: 'below' | 'above'; why: string }[] = [
  {
    file: 'high-leverage-retail.yaml',
    window: 'first hour',
    quantities: ['liquidated notional'],
    direction: 'below',
    why: 'under partial liquidation a path leaves a liquidated account at its buffer, just above its threshold, where it is liquidated again and again; the warm-up renews it whole, so the book piles up near the thresholds only during the path (accounts within 0.2% of liquidation: 5,673 at step 0, 17,579 at 4 h, over 192 paths; under a full liquidation the first hour is 1.05× the later ones. Seasoning with partial liquidations in the warm-up makes the hours nearly flat but gives different books to full and partial policies)',
  },
  {
    file: 'default.yaml',
    window: 'first 10 minutes',
    quantities: ['liquidated notional'],
    direction: 'below',
    why: TURNOVER,
  },
  {
    file: 'calm-market.yaml',
    window: 'first 10 minutes',
    quantities: ['liquidated notional', 'paths with a liquidation', 'top-ups'],
    direction: 'below',
    why: `${TURNOVER}; here only 2–3 liquidations (or top-ups) are expected in the first 10 minutes of 192 paths, and a window with none gives |t| of 7–10 (the paired t has no spread from x)`,
  },
];

const fmt = (c: Comparison) => `ratio ${c.ratio.toFixed(2)}, t = ${c.t.toFixed(2)} on ${c.units} books (|t| < ${tCrit(c.units).toFixed(2)}) (detectable: below ${c.detectable[0].toFixed(2)}× or above ${c.detectable[1].toFixed(2)}×)`;

describe(`a path starts in equilibrium: the opening is neither above nor below later stretches (two-sided paired t over books, ${PATHS} paths, ${COMPARISONS} comparisons at a family-wise 1%)`, () => {
  for (const file of SCENARIOS) {
    it(`${file}: liquidated notional, paths with a liquidation and top-ups in the first hour and the first 10 minutes are in line with later hours and 10-minute blocks`, async () => {
      // every scenario at the default block size (whale-thin-depth's 100 paths a book would leave 2 books: no power)
      const { whole, windows, perBook } = await openingRuns(file, () => ({ sampling: { pathsPerBook: 'auto' } }));
      expect(perBook).toBeGreaterThan(1);
      // a path's opening does not depend on its horizon: the short runs' liquidations equal the whole run's first steps
      expect(whole.series.map((s) => s.pathIndex)).toEqual(whole.summaries.map((_, i) => i));
      for (const w of windows) {
        for (const { pathIndex, series } of whole.series) {
          expect(w.opening[pathIndex].liquidatedNotionalUsd).toBeCloseTo(liquidatedPerWindow(series, w.steps, 1)[0], 2);
        }
      }
      for (const w of windows) {
        for (const q of QUANTITIES) {
          const { x, y } = openingAndLater(q, whole, w);
          const c = compare(x, y, perBook);
          console.log(`${file}: ${q.name}, ${w.name} / later: ${fmt(c)}`);
          expect(c.later).toBeGreaterThan(0); // the scenario liquidates and tops up: each test has something to compare
          const gap = KNOWN_GAPS.find((g) => g.file === file && g.window === w.name && g.quantities.includes(q.name));
          // a known gap is still there (when it is fixed, this fails: move it to the passing set)
          if (gap?.direction === 'below') expect(c.t, gap.why).toBeLessThan(-tCrit(c.units));
          else if (gap?.direction === 'above') expect(c.t, gap.why).toBeGreaterThan(tCrit(c.units));
          else expect(Math.abs(c.t)).toBeLessThan(tCrit(c.units));
        }
      }
    }, SLOW);
  }

  it('default.yaml: one book for every path (pathsPerBook: all — one warm-up history, one market state) fails the two-sided test with a quiet start', async () => {
    const { whole, windows, perBook } = await openingRuns('default.yaml', () => ({ sampling: { pathsPerBook: 'all' } }), 'first 10 minutes');
    expect(perBook).toBeUndefined();
    for (const q of QUANTITIES.slice(0, 2)) {
      const { x, y } = openingAndLater(q, whole, windows[0]);
      const c10 = compare(x, y, perBook);
      console.log(`default.yaml, one book: ${q.name}, first 10 minutes / later: ${fmt(c10)}`);
      expect(c10.t).toBeLessThan(-tCrit(c10.units));
      expect(c10.ratio).toBeLessThan(0.5);
    }
  }, SLOW);

  it('the old set-up (unseasoned book, last-price mark, no arbitrage) fails the same test with a start-up wave', async () => {
    // on default.yaml's calibrated market (GARCH-t at 36% a year, issue 22 part 2) the old set-up still opens with a
    // wave (first hour about 3× later hours) but liquidates too rarely for 192 paths to tell it from noise (t ≈ 1.8),
    // so the control keeps the market the test was written on: 80% a year with ν = 3
    const { whole, windows, perBook } = await openingRuns('default.yaml', (b) => ({
      traders: { ...b.traders, warmup: 'none' },
      market: { ...b.market, priceModel: { kind: 'garch', longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.9, degreesOfFreedom: 3 }, impact: { ...b.market.impact, arbitrageUsdPerStep: 0 } },
      policy: { ...b.policy, markPrice: { kind: 'last' } },
    }), 'first hour');
    const liq = QUANTITIES[0];
    const { x, y } = openingAndLater(liq, whole, windows[0]);
    const c = compare(x, y, perBook);
    console.log(`default.yaml, old set-up: ${liq.name}, first hour / later: ${fmt(c)}`);
    expect(c.t).toBeGreaterThan(tCrit(c.units));
    expect(c.ratio).toBeGreaterThan(2);
  }, SLOW);
});
