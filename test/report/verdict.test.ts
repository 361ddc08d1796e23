/**
 * The verdict (issue 14, part 1): two or three plain sentences first in every report, the same text in
 * summary.md and on stdout, and one JSON shape for every command.
 *
 * Exact text on hand-built results (each number chosen, so the sentence a committee would quote is
 * pinned down), then the four commands on small fixed-seed studies: the verdict quotes the study's own
 * figures, summary.md holds the same sentences, and `--json` has the same field names for all four.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseScenario } from '../../src/scenario/load.js';
import { runScenario, type Results } from '../../src/api/run.js';
import { runSweep, type SweepResult } from '../../src/sweep/sweep.js';
import { runCalibration, type CalibrationResult } from '../../src/sweep/calibrate.js';
import { runComparison, variantsFromBlock, type ComparisonResult } from '../../src/sweep/compare.js';
import { calibrationStopText, calibrationSummary, comparisonSummary, runSummary, summaryMarkdown, summaryText, sweepSummary, verdictHtml, type Summary } from '../../src/report/verdict.js';
import { fmtPct, MINUS } from '../../src/report/format.js';
import { syntheticResults, SMALL_STUDY } from './fixture.js';
import { cli } from '../helpers/cli.js';

const capital = (maintenanceLeverage: number) =>
  ({ openInterestUsd: 1e8, maintenanceMarginUsd: 1e8 / maintenanceLeverage, initialMarginUsd: 5e6, maintenanceLeverage, meanLeverage: 6, maxLeverage: 20, insuranceFundUsd: 1e5, depositsUsd: 4e7 }) as CalibrationResult['evaluated'][number]['capital'];

function calibration(over: Partial<CalibrationResult> = {}): CalibrationResult {
  return {
    format: 'marginlab.calibration/1',
    marginlabVersion: '0.0.0-test',
    scenario: { name: 'cal' } as CalibrationResult['scenario'],
    seed: 7,
    traders: 1000,
    param: 'policy.maintenance.mmr',
    range: [0.004, 0.024],
    target: { metric: 'probFundExhausted', op: '<=', value: 0.01, label: 'P(insurance fund exhausted)', unit: 'probability' },
    confidence: 0.95,
    prefer: 'low',
    settings: { initialPaths: 1000, maxPathsPerPoint: 16000, pathBudget: 80000, tolerance: 0.0002, gridPoints: 5 },
    errorSpending: { overallAlpha: 0.05, tests: 10, perValueAlpha: 0.005, looks: 5, alphaPerLook: [0.001, 0.001, 0.001, 0.001, 0.001], levelPerLook: [0.998, 0.998, 0.998, 0.998, 0.998], rule: 'Bonferroni over values and looks' },
    status: 'found',
    recommended: { value: 0.00716, rounded: 0.0072, resolution: 0.0002, statement: 'set policy.maintenance.mmr ≥ 0.72%', metric: { estimate: 0.004, lower: 0.001, upper: 0.0093, standardError: null, n: 4000, level: 0.9, method: 'wilson' }, paths: 4000, capital: capital(139.7) },
    boundary: { meets: 0.00716, fails: 0.00403, width: 0.00313 },
    stop: { reason: 'clear', message: 'clear' },
    lastStep: null,
    reference: { value: 0.0065, capital: capital(153.8) },
    monotonicity: { direction: 'decreasing', monotone: true, violations: [], message: 'monotone (decreasing) over all 7 evaluated values' },
    frontierMeasure: null,
    evaluated: [],
    pathsSpent: 21000,
    run: { workers: 2, elapsedMs: 61_000, startedAt: '2026-01-01T00:00:00.000Z', pathsComputed: 21000, pathsFromDisk: 0 },
    ...over,
  };
}

describe('calibration verdict, exact text', () => {
  it('says what to set, with the target, the bracket and the cost, rounded to the search tolerance', () => {
    const s = calibrationSummary(calibration(), 'reports/cal');
    expect(s.sentences.map((x) => x.text)).toEqual([
      'Set MMR ≥ 0.72%: at that value P(insurance fund exhausted) ≤ 1.00% with 95% confidence (estimate 0.40%, one-sided bound 0.93%, 4,000 paths).',
      'The threshold lies between 0.40% and 0.72%, to the search tolerance of 0.02%.',
      'Raising MMR from the scenario’s 0.65% to 0.72% costs 9.2% of allowed leverage (open interest ÷ maintenance margin: 154× → 140×).',
    ]);
    expect(s.verdict).toBe(s.sentences.map((x) => x.text).join(' '));
  });
  it('says how the search ended with the parameter and every interval bound in their units', () => {
    const undecided = { value: 0.006, paths: 16000, metric: { estimate: 0.009, lower: 0.0054, upper: 0.0115, standardError: null, n: 16000, level: 0.9, method: 'wilson' as const }, looks: 5, lookAlpha: 0.01, decision: 'undecided' as const, limitedBy: 'per-point limit' as const, capital: capital(160), order: 5, phase: 'bisection' as const, aggregates: null as never };
    const r = calibration({ stop: { reason: 'per-point limit', message: 'raw' }, evaluated: [undecided] });
    expect(calibrationStopText(r)).toBe('per-point path limit reached (16,000 paths) at 0.6%: its interval [0.54%, 1.15%] still contains the target 1.00% — more paths might allow values up to 0.6%');
    expect(calibrationStopText(calibration({ stop: { reason: 'clear', message: 'raw' } }))).toBe('decision clear: 0.716% meets the target and 0.403% clearly fails it (bracket 0.313% ≤ tolerance 0.02%)');
  });
  it('says so when no value in the range meets the target', () => {
    const s = calibrationSummary(
      calibration({
        status: 'infeasible',
        recommended: null,
        boundary: null,
        evaluated: [{ value: 0.024, paths: 16000, metric: { estimate: 0.02, lower: 0.015, upper: 0.026, standardError: null, n: 16000, level: 0.9, method: 'wilson' }, looks: 5, lookAlpha: 0.01, decision: 'fails', limitedBy: null, capital: capital(41.7), order: 4, phase: 'grid', aggregates: null as never }],
      }),
      null,
    );
    expect(s.sentences[0]).toEqual({ text: 'No maintenance margin rate between 0.4% and 2.4% keeps P(insurance fund exhausted) ≤ 1.00% with 95% confidence.', tone: 'worse' });
    expect(s.sentences[1].text).toContain('The safest value evaluated, 2.4%');
  });
});

function comparison(): ComparisonResult {
  // a difference with its unadjusted 95% interval and its Holm-adjusted one (wider); significant after Holm when the adjusted one excludes 0
  const d = (estimate: number, lower: number, upper: number, holmLower: number, holmUpper: number) => ({
    estimate,
    lower,
    upper,
    standardError: 0.001,
    unpairedStandardError: 0.01,
    pValue: lower > 0 || upper < 0 ? 0.001 : 0.4,
    significant: lower > 0 || upper < 0,
    significantHolm: holmLower > 0 || holmUpper < 0,
    holm: { lower: holmLower, upper: holmUpper, confidence: 0.99 },
    n: 1000,
    method: 'paired-mean' as const,
    confidence: 0.95,
  });
  const na = { ...d(-0.01, -0.02, 0, -0.03, 0.01), significantHolm: false, notApplicable: 'no fund' };
  const variant = (name: string, lev: number) => ({ name, description: '', source: 'x.yaml', scenario: { name: 'cmp' }, aggregates: {}, capital: capital(lev), population: {}, series: null, cascadeHistograms: {}, distributions: { p: [], badDebtUsd: [], liquidatedNotionalUsd: [] } });
  return {
    format: 'marginlab.comparison/1',
    marginlabVersion: '0.0.0-test',
    seed: 3,
    paths: 1000,
    baseline: 'fixed',
    metrics: [
      { key: 'probBadDebt', label: 'P(bad debt > 0)', unit: 'probability' },
      { key: 'badDebtUsd.mean', label: 'mean bad debt', unit: 'usd' },
      { key: 'probFundExhausted', label: 'P(insurance fund exhausted)', unit: 'probability' },
      { key: 'fundPaidUsd.mean', label: 'mean insurance fund paid out', unit: 'usd' },
      { key: 'fractionTradersLiquidated.mean', label: 'mean fraction of traders liquidated', unit: 'fraction' },
    ],
    variants: [variant('fixed', 40), variant('tiered', 40), variant('adaptive', 40), variant('safer', 40), variant('riskier', 40)] as unknown as ComparisonResult['variants'],
    differences: [
      // the trade-off: fewer traders liquidated, but the fund pays more; P(bad debt) up, significant only unadjusted
      {
        variant: 'tiered',
        metrics: {
          probBadDebt: d(0.005, 0.0008, 0.0092, -0.0004, 0.0104),
          'badDebtUsd.mean': d(80, 3, 158, -40, 200),
          probFundExhausted: d(0.005, 0.0008, 0.0092, -0.0004, 0.0104),
          'fundPaidUsd.mean': d(889, 631, 1_147, 500, 1_300),
          'fractionTradersLiquidated.mean': d(-0.0063, -0.0078, -0.0048, -0.0085, -0.0041),
        },
      },
      { variant: 'adaptive', metrics: { probBadDebt: d(0.004, -0.002, 0.01, -0.004, 0.012), 'badDebtUsd.mean': d(100, -500, 700, -700, 900), probFundExhausted: na, 'fundPaidUsd.mean': { ...na, estimate: 300 }, 'fractionTradersLiquidated.mean': d(0.001, -0.001, 0.003, -0.002, 0.004) } },
      { variant: 'safer', metrics: { probBadDebt: d(-0.021, -0.03, -0.012, -0.033, -0.009), 'badDebtUsd.mean': d(-12_300, -15_000, -9_000, -16_000, -8_000), probFundExhausted: d(0, 0, 0, 0, 0), 'fundPaidUsd.mean': d(-50, -300, 200, -400, 300), 'fractionTradersLiquidated.mean': d(0.0001, -0.001, 0.0012, -0.002, 0.002) } },
      { variant: 'riskier', metrics: { probBadDebt: d(0.03, 0.02, 0.04, 0.015, 0.045), 'badDebtUsd.mean': d(2_500_000, 2_000_000, 3_000_000, 1_800_000, 3_200_000), probFundExhausted: d(0.01, 0.002, 0.018, -0.001, 0.021), 'fundPaidUsd.mean': d(0, 0, 0, 0, 0), 'fractionTradersLiquidated.mean': d(0.001, -0.001, 0.003, -0.002, 0.004) } },
    ],
    crnPrecisionGain: {},
    warnings: ['tiered faces a different opening book from fixed: 12 of 1,000 accounts (1.2%) …'],
    run: { workers: 2, elapsedMs: 1000, startedAt: '', variantsResumed: 0 },
  };
}

describe('comparison verdict, exact text', () => {
  const s = comparisonSummary(comparison(), null);
  it('a trade-off, a no-difference, a clean win and a clean loss, each in one sentence with Holm-adjusted intervals (rates in pp)', () => {
    expect(s.sentences).toEqual([
      {
        text: `tiered is a trade-off against fixed: better on mean fraction of traders liquidated ${MINUS}0.63 pp (Holm-adjusted CI ${MINUS}0.85 pp to ${MINUS}0.41 pp), but worse on mean insurance fund paid out +$889 (Holm-adjusted CI +$500 to +$1.3k).`,
        tone: 'mixed',
      },
      { text: 'adaptive and fixed do not differ significantly on any metric after Holm correction.', tone: 'neutral' },
      { text: `safer is better than fixed on P(bad debt > 0) ${MINUS}2.1 pp (Holm-adjusted CI ${MINUS}3.3 pp to ${MINUS}0.90 pp) and 1 more, and nothing is significantly worse.`, tone: 'better' },
      { text: 'riskier is worse than fixed on P(bad debt > 0) +3.0 pp (Holm-adjusted CI +1.5 pp to +4.5 pp) and 1 more, and nothing is significantly better.', tone: 'worse' },
    ]);
  });
  it('never calls a policy better while something that matters is significantly worse', () => {
    const tiered = s.sentences.find((x) => x.text.startsWith('tiered'))!;
    expect(tiered.text).not.toMatch(/is better than/);
    expect(tiered.text).toContain('insurance fund paid out');
  });
  it('quotes only intervals that agree with the verdict: every figure marked better / worse has a Holm-adjusted interval excluding 0, every other one includes 0', () => {
    for (const f of s.figures) {
      if (f.lower === null || f.upper === null) continue;
      const excludes = f.lower > 0 || f.upper < 0;
      expect(excludes, `${f.label}: ${f.text}`).toBe(f.tone === 'better' || f.tone === 'worse');
      expect(f.text).toMatch(/Holm-adjusted 99% CI/);
    }
  });
  it('a fund metric degenerate for one side reads "n/a: no fund" and is not counted as a difference', () => {
    const fig = s.figures.find((f) => f.key === 'adaptive.probFundExhausted')!;
    expect(fig).toMatchObject({ text: 'n/a: no fund', tone: 'neutral', lower: null, upper: null });
    expect(s.figures.find((f) => f.key === 'adaptive.fundPaidUsd.mean')!.text).toBe('n/a: no fund');
  });
  it('colours the page’s sentences better / worse / trade-off and carries the book warning', () => {
    const html = verdictHtml(s);
    expect(html).toContain('<p class="mixed">tiered is a trade-off');
    expect(html).toContain('<p class="better">safer is better');
    expect(html).toContain('<p class="worse">riskier is worse');
    expect(html).toContain('class="warning-box"');
    expect(s.warnings).toEqual(comparison().warnings);
  });
  it('a file written before Holm-adjusted intervals existed says its intervals are unadjusted', () => {
    const old = comparison();
    for (const d of old.differences) for (const x of Object.values(d.metrics)) delete (x as { holm?: unknown }).holm;
    const t = comparisonSummary(old, null);
    expect(t.sentences[0].text).toContain('(95% CI, unadjusted');
  });
});

describe('run verdict on the fixed-seed synthetic results', () => {
  const r = syntheticResults({ paths: 500, badDebtShare: 0.1, seed: 42 });
  const s = runSummary(r, 'reports/x');
  it('states bad debt against open interest and against the insurance fund', () => {
    const a = r.aggregates;
    expect(s.sentences[0].text).toMatch(new RegExp(`^Over 1 day, ${fmtPct(a.probBadDebt.estimate).replace('.', '\\.')} of 500 paths ended with bad debt \\(\\d+ paths; 95% CI `));
    expect(s.sentences[0].text).toMatch(/of the \$140M open interest and .* the \$100k insurance fund\.$/);
    // 500 paths put 5 in the worst 1%: too few to bound ES 99%, so the verdict gives the paths, not a number;
    // then who paid (the fixture's shortfall is fund + bad debt) and the fund, in the same sentence
    expect(a.badDebtUsd.es99.tail).toMatchObject({ paths: 5, thin: true });
    expect(s.sentences[1].text).toMatch(/^The worst 1% of paths \(ES 99%\) rests on 5 tail paths — too few to bound it \(it needs ≥ [\d,]+ paths\); of all shortfalls, the insurance fund paid [\d.]+% and [\d.]+% was left as bad debt; the fund ran out on /);
    // which the figures are: the fixture's paths are on one book
    expect(s.sentences[2].text).toBe('Conditioned on one book: one market state and one set of positions, shared by every path.');
    expect(s.sentences).toHaveLength(3);
  });
  it('with no bad debt says so with the bound', () => {
    const none = runSummary(syntheticResults({ paths: 200, badDebtShare: 0, seed: 1 }), null);
    expect(none.sentences[0].text).toBe('No path of 200 (each 1 day) ended with bad debt: at 95% confidence the chance of bad debt over 1 day is below 1.83%.');
  });
  it('summary.md and the terminal carry the same sentences and the scorecard', () => {
    const md = summaryMarkdown(s);
    const txt = summaryText(s);
    for (const x of s.sentences) {
      expect(md).toContain(x.text);
      expect(txt).toContain(x.text);
    }
    expect(md).toContain('| P(bad debt > 0) |');
    expect(md).toContain('reports/x');
    expect(txt).toMatch(/P\(bad debt > 0\)\s+\d/);
  });
});

// ---------------------------------------------------------------- the four commands on small fixed-seed studies

const SMALL = SMALL_STUDY;

describe('verdicts of the four commands on fixed-seed studies', () => {
  let run: Results;
  let sweep: SweepResult;
  let cal: CalibrationResult;
  let cmp: ComparisonResult;
  beforeAll(async () => {
    const sc = parseScenario(SMALL);
    run = await runScenario(sc, { workers: 0 });
    sweep = await runSweep(sc, { params: [{ path: 'policy.maintenance.mmr', values: [0.01, 0.025, 0.04] }], workers: 0 });
    cal = await runCalibration(sc, { param: 'policy.maintenance.mmr', range: [0.005, 0.045], target: 'fractionTradersLiquidated.mean <= 5%', initialPaths: 24, maxPathsPerPoint: 48, pathBudget: 400, workers: 0 });
    const withVariants = parseScenario({ ...SMALL, variants: [{ name: 'base', override: {} }, { name: 'fund-x10', override: { policy: { insuranceFund: { initialUsd: 20_000 } } } }] });
    cmp = await runComparison(variantsFromBlock(withVariants, 'inline'), { workers: 0 });
  }, 120_000);

  it('run: quotes its own estimates', () => {
    const s = runSummary(run, null);
    expect(s.verdict).toContain(fmtPct(run.aggregates.probBadDebt.estimate === 0 ? run.aggregates.probBadDebt.upper! : run.aggregates.probBadDebt.estimate));
  });
  it('sweep: names its reference point (the scenario’s own MMR, 2.5%) and the range', () => {
    const s = sweepSummary(sweep, null);
    expect(s.sentences[0].text).toMatch(/^Sweeping maintenance margin rate from 1% to 4% \(3 points × 24 paths on the same shocks\)/);
    expect(s.sentences[0].text).toContain('the reference point (maintenance margin rate 2.5%, the scenario’s own value)');
  });
  it('calibrate: says which MMR to set and quotes the target', () => {
    const s = calibrationSummary(cal, null);
    if (cal.recommended) expect(s.sentences[0].text).toMatch(/^Set MMR ≥ [\d.]+%: at that value mean fraction of traders liquidated ≤ 5\.00% with 95% confidence/);
    else expect(s.sentences[0].text).toMatch(/^No maintenance margin rate between/);
  });
  it('compare: a ten times larger fund is better or no different on bad debt, never worse', () => {
    const s = comparisonSummary(cmp, null);
    expect(s.sentences.some((x) => x.text.startsWith('fund-x10 is worse'))).toBe(false);
    expect(s.sentences[0].text).toMatch(/^fund-x10 (is better than base|and base do not differ)/);
  });
  it('the --json summary has the same field names for run, sweep, calibrate and compare', () => {
    const all: Summary[] = [runSummary(run, 'a'), sweepSummary(sweep, 'b'), calibrationSummary(cal, 'c'), comparisonSummary(cmp, 'd')];
    const keys = all.map((s) => Object.keys(s).sort());
    for (const k of keys) expect(k).toEqual(keys[0]);
    expect(keys[0]).toEqual(['command', 'computeMs', 'details', 'figures', 'format', 'marginlabVersion', 'name', 'out', 'paths', 'resumed', 'seed', 'sentences', 'verdict', 'warnings']);
    for (const s of all) for (const f of s.figures) expect(Object.keys(f).sort()).toEqual(['estimate', 'key', 'label', 'lower', 'text', 'tone', 'unit', 'upper']);
  });
});

describe('the CLI prints the verdict and writes summary.md', () => {
  it('run: human form on stdout, --json with the output folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-verdict-'));
    const file = path.join(dir, 's.yaml');
    writeFileSync(file, JSON.stringify({ ...SMALL, paths: 6 }));
    const out = path.join(dir, 'out');
    const r = await cli('run', file, '--out', out, '--workers', '0', '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Run verdict-small: (Over|No path)/);
    expect(r.stderr).toMatch(/wrote .*summary\.md/);
    const md = readFileSync(path.join(out, 'summary.md'), 'utf8');
    expect(md.startsWith('# Run: verdict-small\n')).toBe(true);
    const j = await cli('run', file, '--out', out, '--workers', '0', '--no-figures', '--json', '--force');
    const summary = JSON.parse(j.stdout) as Summary;
    expect(summary.out).toBe(out);
    expect(summary.command).toBe('run');
    expect(md).toContain(summary.sentences[0].text);
  });
});
