/**
 * The verdict: two or three plain sentences a risk committee can quote, first in every report (run,
 * sweep, calibrate, compare, recommend, sensitivity), the same text in `summary.md` in the output
 * folder and on stdout.
 *
 *   runSummary(results, out)        sweepSummary(sweep, out)
 *   calibrationSummary(cal, out)    comparisonSummary(cmp, out)
 *     → Summary  (the `--json` shape: the same field names for every command; recommend's and
 *       sensitivity's are built beside their pages, src/report/recommend-report.ts and sensitivity-page.ts)
 *   summaryMarkdown(summary)  → summary.md       summaryText(summary) → the terminal's human form
 *   verdictHtml(summary)      → the page's verdict box (sentences coloured better / worse)
 *
 * Pure functions of a command's results (no vega, no file system), so the CLI, `marginlab report`
 * and `marginlab list` build the same text from the same saved JSON.
 */
import type { Results } from '../api/run.js';
import type { SweepResult } from '../sweep/sweep.js';
import type { CalibrationResult } from '../sweep/calibrate.js';
import type { ComparedDifference, ComparisonResult } from '../sweep/compare.js';
import type { Unit } from '../sweep/metrics.js';
import type { PairedDifference } from '../stats/paired.js';
import type { Estimate } from '../stats/ci.js';
import { lossWaterfallOfColumns, WATERFALL_STAGES, type LossWaterfall } from '../stats/waterfall.js';
import { escapeHtml, fmtDuration, fmtInt, fmtLimit, fmtPct, fmtPp, fmtUsdFull, MINUS, usdFormat } from './format.js';
import { fmtDiff, fmtParamValue, fmtUnit, paramInfo } from './study-format.js';
import { directionOf } from '../stats/metrics.js';
import { metricDef } from '../sweep/metrics.js';

export const SUMMARY_FORMAT = 'marginlab.summary/1';

/** better / worse: a policy's difference that is significant after correction; mixed: a trade-off (better on some, worse on others); unclear: significant before correction only. */
export type Tone = 'better' | 'worse' | 'mixed' | 'unclear' | 'neutral';

export interface VerdictSentence {
  text: string;
  tone: Tone;
}

/** One line of the scorecard: a figure with its interval (null bounds for exact figures). */
export interface SummaryFigure {
  key: string;
  label: string;
  unit: Unit | 'usd' | 'ratio' | 'param';
  estimate: number;
  lower: number | null;
  upper: number | null;
  /** The figure in words with its unit on every bound: "3.20% (95% CI 2.30% to 4.50%)". */
  text: string;
  tone: Tone;
}

/** What every command prints with `--json` and writes as summary.md: identical field names for run, sweep, calibrate, compare, recommend and sensitivity. */
export interface Summary {
  format: typeof SUMMARY_FORMAT;
  command: 'run' | 'sweep' | 'calibrate' | 'compare' | 'recommend' | 'sensitivity';
  /** The scenario's name (the baseline's, for a comparison). */
  name: string;
  /** The output folder, as given on the command line (null when none was written). */
  out: string | null;
  /** The verdict: the sentences joined. */
  verdict: string;
  sentences: VerdictSentence[];
  /** The scorecard. */
  figures: SummaryFigure[];
  warnings: string[];
  seed: number;
  /** Paths per run (per point, per variant; for a calibration, every path it spent). */
  paths: number;
  /** Time spent simulating in this invocation (ms), and what was taken from disk instead. */
  computeMs: number;
  resumed: string | null;
  marginlabVersion: string;
  /** Command-specific figures (run: the headline estimates of `results.json`). */
  details: Record<string, unknown>;
  /** Tables printed after the verdict in summary.md (recommend: one row per market), plain text cells. */
  tables?: { title: string; head: string[]; rows: string[][] }[];
}

// ---------------------------------------------------------------- helpers

/** Dollars for text: in full below $10,000 ("$8,034", "$54.47"), to three significant digits above ("$73.9M"), two below a cent ("$0.0040"). */
export const usdText = (x: number) => (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 0.01) ? usdFormat(x) : fmtUsdFull(x));

/** "1 path", "2 paths", "1,000 paths". */
export function plural(n: number, word: string): string {
  return `${fmtInt(n)} ${word}${Math.round(n) === 1 ? '' : 's'}`;
}

/** An interval in words; an open limit (too few tail paths to bound it) reads "open". */
function ciText(e: { estimate: number; lower: number | null; upper: number | null }, f: (x: number) => string, level = '95%'): string {
  return `${f(e.estimate)} (${level} CI ${fmtLimit(e.lower, f)} to ${fmtLimit(e.upper, f)})`;
}

/** What a thin tail figure rests on, in words ("; thin: rests on 3 tail paths, 1 non-zero — needs ≥ 1,000 paths"), else "". */
function thinText(e: Partial<Estimate>): string {
  if (!(e.tail?.thin || e.upper === null) || !e.tail) return '';
  const need = e.tail.pathsNeeded ? ` — needs ≥ ${fmtInt(e.tail.pathsNeeded)} paths` : '';
  // a mean rests on its non-zero paths; a VaR or ES on the paths in its tail
  const rests =
    e.n !== undefined && e.tail.paths >= e.n
      ? `${fmtInt(e.tail.nonZero)} non-zero of ${plural(e.n, 'path')}`
      : `${plural(e.tail.paths, 'tail path')}, ${fmtInt(e.tail.nonZero)} non-zero`;
  return `; thin: rests on ${rests}${need}`;
}

function figure(
  key: string,
  label: string,
  unit: SummaryFigure['unit'],
  e: Estimate | { estimate: number; lower: number | null; upper: number | null },
  f: (x: number) => string,
  tone: Tone = 'neutral',
  level = '95%',
): SummaryFigure {
  return { key, label, unit, estimate: e.estimate, lower: e.lower, upper: e.upper, text: ciText(e, f, level) + thinText(e as Partial<Estimate>), tone };
}

function exactFigure(key: string, label: string, unit: SummaryFigure['unit'], x: number, text: string): SummaryFigure {
  return { key, label, unit, estimate: x, lower: null, upper: null, text, tone: 'neutral' };
}

/** A share with sensible precision for ratios that may be far below 1% or far above 100%: "under 0.01%", "0.091%", "12%", "3.4×", "3,200×", "3.2 million×". */
export function shareText(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 1e9) return `${Number((x / 1e9).toPrecision(2))} billion×`;
  if (x >= 1e6) return `${Number((x / 1e6).toPrecision(2))} million×`;
  if (x >= 2) return `${Number(x.toPrecision(2)).toLocaleString('en-US')}×`;
  if (x === 0) return '0%';
  if (x < 1e-4) return 'under 0.01%';
  const p = 100 * x;
  return `${Number(p.toPrecision(2))}%`;
}

/** "1 day", "6 hours". */
function horizonText(seconds: number): string {
  const plural = (x: number, unit: string) => `${Number(x.toFixed(2))} ${unit}${x === 1 ? '' : 's'}`;
  if (seconds < 2 * 3600) return plural(seconds / 60, 'minute');
  if (seconds < 2 * 86400 && seconds !== 86400) return plural(seconds / 3600, 'hour');
  return plural(seconds / 86400, 'day');
}

function join(sentences: VerdictSentence[]): string {
  return sentences.map((s) => s.text).join(' ');
}

function plainList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The figure of a unit for text: dollars in full. */
function unitText(x: number, unit: Unit | null | undefined): string {
  return unit === 'usd' ? usdText(x) : fmtUnit(x, unit);
}

// ---------------------------------------------------------------- run

/** The waterfall of a run: from results.json's aggregates, else its per-path columns (null for files without them). */
export function runWaterfall(r: Results): LossWaterfall | null {
  return (r.aggregates as { lossWaterfall?: LossWaterfall }).lossWaterfall ?? lossWaterfallOfColumns(r.paths as never);
}

/** Who paid the shortfall, in words: "the insurance fund paid 62%, ADL 30% and 8% was left as bad debt" (null without a shortfall). */
function whoPaid(w: LossWaterfall): string | null {
  if (w.pathsWithShortfall === 0) return null;
  const phrase: Record<string, string> = {
    backstopCoveredUsd: 'the backstop vault paid',
    fundPaidUsd: 'the insurance fund paid',
    adlProfitTakenUsd: 'auto-deleveraging (ADL) took',
    socialisedLossUsd: 'a socialised loss spread',
  };
  const paid = WATERFALL_STAGES.filter((s) => s.key !== 'badDebtUsd' && w.stages[s.key].shareOfShortfall > 0.0005).map(
    (s) => `${phrase[s.key]} ${shareText(w.stages[s.key].shareOfShortfall)}`,
  );
  // any bad debt at all is said, however small its share: "nothing" only when there was none
  const bd = w.stages.badDebtUsd;
  const left = bd.pathsPaying > 0 || bd.shareOfShortfall > 0 ? `${shareText(bd.shareOfShortfall)} was left as bad debt` : 'nothing was left as bad debt';
  return plainList([...paid, left]);
}

/** The waterfall as a sentence: "Of the shortfall liquidated accounts left ($54.47 a path on average; 4 paths had one), …". */
function waterfallSentence(w: LossWaterfall): string | null {
  const who = whoPaid(w);
  if (!who) return null;
  return `Of the shortfall liquidated accounts left (${usdText(w.shortfallUsd.mean.estimate)} a path on average; ${plural(w.pathsWithShortfall, 'path')} had one), ${who}.`;
}

/**
 * What a run's figures are: averaged over N market states (books redrawn per block of paths) or
 * conditioned on one book (`sampling.pathsPerBook: all`, or a snapshot).
 */
export function bookSentence(r: Pick<Results, 'aggregates' | 'scenario'>): VerdictSentence {
  const smp = r.aggregates.sampling;
  const B = smp?.books ?? 1;
  const n = smp?.pathsPerBook ?? r.aggregates.paths;
  if (B > 1) {
    const last = r.aggregates.paths - (B - 1) * n;
    return { text: `Averaged over ${fmtInt(B)} market states (books), ${plural(n, 'path')} each${last !== n ? ` (the last ${fmtInt(last)})` : ''}.`, tone: 'neutral' };
  }
  const whose = r.scenario.traders.snapshot !== undefined ? "the snapshot's book" : 'one book';
  return { text: `Conditioned on ${whose}: one market state and one set of positions${r.aggregates.paths > 1 ? ', shared by every path' : ''}.`, tone: 'neutral' };
}

/** The sentence of a run to a stated precision (results.json `precision`): met, or which budget ended it and what was left. */
export function precisionSentence(p: NonNullable<Results['precision']>, pb: Estimate): VerdictSentence {
  const pct = (x: number) => `±${Number((100 * x).toPrecision(3))}%`;
  const zero = p.figures.filter((f) => f.status === 'zero');
  const none = plainList([...(zero.some((f) => f.key === 'probBadDebt') ? ['bad debt'] : []), ...(zero.some((f) => f.key === 'probFundExhausted') ? ['an exhausted fund'] : [])]);
  const zeroText = zero.length
    ? ` No path had ${none.replace(' and ', ' or ')}: a relative precision does not apply to a zero${zero.some((f) => f.key === 'probBadDebt') ? `, and P(bad debt) is below ${fmtLimit(pb.upper, fmtPct)} at 95%` : ''}.`
    : '';
  const batches = `${fmtInt(p.stages.length)} batch${p.stages.length === 1 ? '' : 'es'}, ${fmtInt(p.simulatedPaths)} paths simulated, ${(p.elapsedMs / 1000).toFixed(1)} s`;
  if (p.met) return { text: `Run to ${pct(p.relativeHalfWidth)}: every headline figure's 95% interval is within ${pct(p.relativeHalfWidth)} of it at ${fmtInt(p.finalPaths)} paths (${batches}).${zeroText}`, tone: 'neutral' };
  const open = p.figures.filter((f) => f.status === 'thin' || f.status === 'wide');
  const left = plainList(open.map((f) => `${f.label} ${f.status === 'thin' || f.relativeHalfWidth === null ? 'thin' : `at ${pct(f.relativeHalfWidth)}`}`));
  const budget = p.stoppedBy === 'paths' ? `the path budget (${fmtInt(p.maxPaths)} paths)` : `the time budget (${p.maxSeconds >= 100 ? fmtInt(p.maxSeconds) : Number(p.maxSeconds.toPrecision(3))} s)`;
  return { text: `The ${pct(p.relativeHalfWidth)} target was not met: ${budget} ended the run at ${fmtInt(p.finalPaths)} paths (${batches}) with ${left}.${zeroText}`, tone: 'neutral' };
}

export function runSummary(r: Results, out: string | null): Summary {
  const a = r.aggregates;
  const s = r.scenario;
  const oi = r.population.openInterestUsd;
  const fund = s.policy.insuranceFund.initialUsd;
  const horizon = horizonText(s.horizonSteps * s.stepSeconds);
  const sentences: VerdictSentence[] = [];
  const pb = a.probBadDebt;
  const mean = a.badDebtUsd.mean.estimate;
  const of = (x: number, whole: string) => `${shareText(x)}${x >= 2 ? '' : ' of'} the ${whole}`;
  const rel = (x: number) => `${of(x / oi, `${usdFormat(oi)} open interest`)}${fund > 0 ? ` and ${of(x / fund, `${usdFormat(fund)} insurance fund`)}` : ''}`;
  const weighted = a.sampling?.design?.startsWith('importance');
  const nBooks = a.sampling?.books ?? 1;
  const pathsText = weighted ? plural(a.paths, 'importance-sampled path') : plural(a.paths, 'path');
  const ci = (e: Estimate, f: (x: number) => string) => `95% CI ${fmtLimit(e.lower, f)} to ${fmtLimit(e.upper, f)}`;
  const w = runWaterfall(r);
  const books = bookSentence(r);
  const pfe = a.probFundExhausted;
  const fundText = fund > 0 ? (pfe.estimate === 0 ? `the fund never ran out (below ${fmtLimit(pfe.upper, fmtPct)} at 95% confidence)` : `the fund ran out on ${fmtPct(pfe.estimate)} of paths (${ci(pfe, fmtPct)})`) : 'there was no insurance fund';
  if (pb.estimate === 0) {
    sentences.push({
      text: `${a.paths === 1 ? 'The one path' : `No path of ${fmtInt(a.paths)}`} (${weighted ? 'importance-sampled, ' : ''}${a.paths === 1 ? '' : 'each '}${horizon}) ${a.paths === 1 ? 'ended without' : 'ended with'} bad debt: at 95% confidence the chance of bad debt over ${horizon} is below ${fmtLimit(pb.upper, fmtPct)}.`,
      tone: 'neutral',
    });
    const ws = w ? waterfallSentence(w) : null;
    sentences.push({
      text:
        ws ??
        `Liquidations closed ${usdText(a.liquidatedNotionalUsd.mean.estimate)} of notional a path on average (${shareText(a.liquidatedNotionalUsd.mean.estimate / oi)} of open interest), and no liquidation left a shortfall the account's margin could not pay.`,
      tone: 'neutral',
    });
  } else {
    sentences.push({
      text: `Over ${horizon}, ${fmtPct(pb.estimate)} of ${pathsText} ended with bad debt (${weighted ? '' : `${plural(pb.tail?.nonZero ?? 0, 'path')}; `}${ci(pb, fmtPct)}); mean bad debt was ${usdText(mean)} a path (${ci(a.badDebtUsd.mean, usdText)}), ${rel(mean)}.`,
      tone: 'neutral',
    });
    // the tail, who paid the shortfalls and the fund, in one sentence
    const esE = a.badDebtUsd.es99;
    const tail =
      esE.tail?.thin || esE.upper === null
        ? `The worst 1% of paths (ES 99%) rests on ${plural(esE.tail?.paths ?? 0, 'tail path')} — too few to bound it${esE.tail?.pathsNeeded ? ` (it needs ≥ ${fmtInt(esE.tail.pathsNeeded)} paths)` : ''}`
        : `In the worst 1% of paths bad debt averaged ${usdText(esE.estimate)} (ES 99%), ${shareText(esE.estimate / oi)} of open interest`;
    const who = w ? whoPaid(w) : null;
    sentences.push({ text: `${tail}; ${who ? `of all shortfalls, ${who}; ` : ''}${fundText}.`, tone: 'neutral' });
  }
  sentences.push(books);
  if (r.precision) sentences.push(precisionSentence(r.precision, pb));
  const figures: SummaryFigure[] = [
    figure('probBadDebt', 'P(bad debt > 0)', 'probability', pb, fmtPct),
    figure('badDebtUsd.mean', 'mean bad debt per path', 'usd', a.badDebtUsd.mean, usdText),
    figure('badDebtUsd.var99', 'bad-debt VaR 99%', 'usd', a.badDebtUsd.var99, usdText),
    figure('badDebtUsd.es99', 'bad-debt ES 99%', 'usd', a.badDebtUsd.es99, usdText),
    figure('probFundExhausted', 'P(insurance fund exhausted)', 'probability', a.probFundExhausted, fmtPct),
    figure('fractionTradersLiquidated.mean', 'traders liquidated (mean share)', 'fraction', a.fractionTradersLiquidated.mean, fmtPct),
    figure('liquidatedNotionalUsd.mean', 'liquidated notional per path', 'usd', a.liquidatedNotionalUsd.mean, usdText),
    exactFigure('openInterestUsd', nBooks > 1 ? `open interest at the start (book 0 of ${fmtInt(nBooks)})` : 'open interest at the start', 'usd', oi, usdText(oi)),
    exactFigure('insuranceFundUsd', 'insurance fund at the start', 'usd', fund, usdText(fund)),
  ];
  if (w) {
    for (const st of WATERFALL_STAGES) {
      if (st.key === 'badDebtUsd') continue;
      const x = w.stages[st.key];
      if (x.pathsPaying === 0) continue;
      figures.push(figure(`lossWaterfall.${st.key}`, `paid by ${st.label} per path (${shareText(x.shareOfShortfall)} of shortfall)`, 'usd', x.mean, usdText));
    }
  }
  const details = {
    meanBadDebtUsd: a.badDebtUsd.mean,
    probBadDebt: pb,
    badDebtVar95Usd: a.badDebtUsd.var95,
    badDebtVar99Usd: a.badDebtUsd.var99,
    badDebtEs95Usd: a.badDebtUsd.es95,
    badDebtEs99Usd: a.badDebtUsd.es99,
    probFundExhausted: a.probFundExhausted,
    meanFractionTradersLiquidated: a.fractionTradersLiquidated.mean,
    liquidationCount: a.liquidationCount,
    liquidatedNotionalUsd: a.liquidatedNotionalUsd,
    largestCascade: a.largestCascade,
    traders: a.traders,
    openInterestUsd: oi,
    insuranceFundUsd: fund,
    sampling: a.sampling,
    ...(a.bookVariance ? { bookVariance: a.bookVariance } : {}),
    ...(r.precision ? { precision: r.precision } : {}),
  };
  return {
    format: SUMMARY_FORMAT,
    command: 'run',
    name: s.name,
    out,
    verdict: join(sentences),
    sentences,
    figures,
    warnings: r.warnings ?? [],
    seed: r.seed,
    paths: a.paths,
    computeMs: r.run.elapsedMs,
    resumed: null,
    marginlabVersion: r.marginlabVersion,
    details,
  };
}

// ---------------------------------------------------------------- sweep

/**
 * better / worse for a difference that is significant (after Holm correction when `holm` is given),
 * unclear when significant before correction only; neutral for a descriptive metric (the catalogue's
 * `worse: 'neither'`, src/stats/metrics.ts) and for one not applicable to a side ("no fund").
 */
export function toneOfDifference(key: string, d: { estimate: number; significant?: boolean; notApplicable?: string }, holm: boolean | undefined): Tone {
  if (d.notApplicable) return 'neutral';
  const dir = directionOf(metricDef(key)?.worse ?? 'neither', d.estimate);
  if (dir === 'neither') return 'neutral';
  const significant = holm ?? d.significant;
  if (!significant) return d.significant ? 'unclear' : 'neutral';
  return dir;
}

/** A sweep point in words: its value alone for a one-parameter sweep ("0.4%"), else "label value, label value". */
function pointText(values: Record<string, number>): string {
  const e = Object.entries(values);
  if (e.length === 1) return fmtParamValue(e[0][0], e[0][1]);
  return e.map(([p, v]) => `${paramInfo(p).label} ${fmtParamValue(p, v)}`).join(', ');
}

/** "costs 13% of allowed leverage", "raises allowed leverage by 12%", "multiplies allowed leverage by 5". */
function leverageChange(from: number, to: number): string {
  const c = to / from - 1;
  if (c <= 0) return `costs ${shareText(-c)} of allowed leverage`;
  return c >= 1 ? `multiplies allowed leverage by ${Number((to / from).toPrecision(2))}` : `raises allowed leverage by ${shareText(c)}`;
}

/** A leverage multiple to three significant digits: "41.7×". */
const times = (x: number) => `${Number(x.toPrecision(3)).toLocaleString('en-US')}×`;

function estimateOf(aggregates: object, key: string): Estimate {
  let v: unknown = aggregates;
  for (const p of key.split('.')) v = (v as Record<string, unknown>)?.[p];
  return v as Estimate;
}

/** Compute time of a study and what it took from disk. */
function sweepTimes(r: SweepResult): { computeMs: number; resumed: string | null } {
  const computeMs = r.points.filter((p) => !p.run.resumed).reduce((a, p) => a + p.run.elapsedMs, 0);
  return { computeMs, resumed: r.run.pointsResumed > 0 ? `${r.run.pointsResumed} of ${plural(r.points.length, 'point')} resumed from disk` : null };
}

export function sweepSummary(r: SweepResult, out: string | null): Summary {
  const pts = r.points;
  const base = pts[r.baselineIndex];
  const m0 = r.metrics[0];
  const first = pts[0];
  const last = pts[pts.length - 1];
  const e = (p: (typeof pts)[number], key: string) => p.estimates?.[key] ?? estimateOf(p.aggregates, key);
  const reference = `the reference point (${r.params.map((p) => `${paramInfo(p.path).label} ${fmtParamValue(p.path, base.values[p.path])}`).join(', ')}${
    isScenarioValue(r, base) ? ', the scenario’s own value' : ', the first point'
  })`;
  const sentences: VerdictSentence[] = [];
  const range = r.params.map((p) => `${paramInfo(p.path).label} from ${fmtParamValue(p.path, Math.min(...p.values))} to ${fmtParamValue(p.path, Math.max(...p.values))}`).join(' and ');
  sentences.push({
    text: `Sweeping ${range} (${plural(pts.length, 'point')} × ${plural(r.paths, 'path')} on the same shocks), ${m0.label} goes from ${unitText(e(first, m0.key).estimate, m0.unit)} at ${pointText(first.values)} to ${unitText(
      e(last, m0.key).estimate,
      m0.unit,
    )} at ${pointText(last.values)}; at ${reference} it is ${ciText(e(base, m0.key), (x) => unitText(x, m0.unit))}.`,
    tone: 'neutral',
  });
  // significant paired differences against the reference, per metric
  const sig = r.metrics.map((m) => {
    const diffs = pts.filter((p) => p.differences.baseline).map((p) => ({ p, d: p.differences.baseline![m.key] }));
    const significant = diffs.filter((x) => x.d && x.d.significant);
    return { m, diffs, significant };
  });
  const s0 = sig[0];
  if (s0.diffs.length) {
    const biggest = [...s0.significant].sort((a, b) => Math.abs(b.d.estimate) - Math.abs(a.d.estimate))[0];
    sentences.push({
      text: biggest
        ? `Against the reference, ${m0.label} differs significantly at ${s0.significant.length} of ${plural(s0.diffs.length, 'other point')} (paired on the same paths); the largest change is ${diffText(biggest.d.estimate, m0.unit)} (95% CI ${diffText(
            biggest.d.lower,
            m0.unit,
          )} to ${diffText(biggest.d.upper, m0.unit)}) at ${pointText(biggest.p.values)}.`
        : `Against the reference, no point's ${m0.label} differs significantly (paired on the same paths, 95% intervals).`,
      tone: 'neutral',
    });
  }
  const lev = pts.map((p) => p.capital.maintenanceLeverage).filter(Number.isFinite);
  if (lev.length && Math.max(...lev) - Math.min(...lev) > 1e-9 * Math.max(...lev)) {
    sentences.push({
      text: `Leverage allowed before liquidation (open interest ÷ maintenance margin) ranges from ${times(Math.min(...lev))} to ${times(Math.max(...lev))} over the sweep (${times(base.capital.maintenanceLeverage)} at the reference).`,
      tone: 'neutral',
    });
  }
  const figures = r.metrics.map((m) => figure(m.key, `${m.label} (reference)`, m.unit, e(base, m.key), (x) => unitText(x, m.unit)));
  const time = sweepTimes(r);
  return {
    format: SUMMARY_FORMAT,
    command: 'sweep',
    name: r.scenario.name,
    out,
    verdict: join(sentences),
    sentences,
    figures,
    warnings: [],
    seed: r.seed,
    paths: r.paths,
    ...time,
    marginlabVersion: r.marginlabVersion,
    details: {
      params: r.params.map((p) => ({ path: p.path, label: paramInfo(p.path).label, values: p.values })),
      reference: { index: r.baselineIndex, values: base.values },
      points: pts.map((p) => ({ values: p.values, ...Object.fromEntries(r.metrics.map((m) => [m.key, e(p, m.key)])) })),
      crnPrecisionGain: r.crnPrecisionGain,
      pointsResumed: r.run.pointsResumed,
      pointsComputed: r.run.pointsComputed,
    },
  };
}

function isScenarioValue(r: SweepResult, p: SweepResult['points'][number]): boolean {
  return r.params.every((q) => {
    let v: unknown = r.scenario;
    for (const seg of q.path.replace(/\[(\d+)\]/g, '.$1').split('.')) v = (v as Record<string, unknown>)?.[seg];
    return v === p.values[q.path];
  });
}

// ---------------------------------------------------------------- calibration

/** Decimals that show a parameter to its search tolerance (in the unit it is written in). */
export function toleranceDecimals(param: string, tolerance: number): number {
  const scale = paramInfo(param).unit === 'percent' ? 100 : 1;
  const t = tolerance * scale;
  if (!(t > 0)) return 2;
  return Math.max(0, Math.min(6, Math.ceil(-Math.log10(t) - 1e-9)));
}

/**
 * A parameter value rounded to the search tolerance, in the safe direction (`up` rounds towards
 * larger values): "0.72%" for 0.00716 with tolerance 0.0002 rounding up.
 */
export function roundedParam(param: string, x: number, tolerance: number, direction: 'up' | 'down' | 'nearest'): string {
  const info = paramInfo(param);
  const scale = info.unit === 'percent' ? 100 : 1;
  const d = toleranceDecimals(param, tolerance);
  const f = 10 ** d;
  const v = x * scale * f;
  const r = (direction === 'up' ? Math.ceil(v - 1e-9) : direction === 'down' ? Math.floor(v + 1e-9) : Math.round(v)) / f;
  const body = r.toFixed(d);
  switch (info.unit) {
    case 'percent':
      return `${body.replace(/^-/, MINUS)}%`;
    case 'usd':
      return `$${Number(body).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })}`;
    case 'times':
      return `${body}×`;
    default:
      return body.replace(/^-/, MINUS);
  }
}

/** The short name of a calibrated parameter for the imperative ("Set MMR ≥ …"). */
function shortName(param: string): string {
  if (/\.mmr$|Mmr$/.test(param) && !/tiers\[/.test(param)) return 'MMR';
  if (/maxLeverage$/.test(param)) return 'maximum leverage';
  return paramInfo(param).label;
}

export function calibrationSummary(r: CalibrationResult, out: string | null): Summary {
  const rec = r.recommended;
  const unit = r.target.unit;
  const cmp = r.target.op.replace('<=', '≤').replace('>=', '≥');
  const targetText = `${r.target.label} ${cmp} ${unitText(r.target.value, unit)}`;
  const tol = r.settings.tolerance;
  const safeDir = r.prefer === 'low' ? 'up' : 'down';
  const geq = r.prefer === 'low' ? '≥' : '≤';
  const name = shortName(r.param);
  const conf = `${Number((100 * r.confidence).toPrecision(4))}%`;
  const sentences: VerdictSentence[] = [];
  if (rec) {
    const recText = roundedParam(r.param, rec.rounded ?? rec.value, tol, safeDir);
    const bound = r.target.op.startsWith('<') ? rec.metric.upper : rec.metric.lower;
    sentences.push({
      text: `Set ${name} ${geq} ${recText}: at that value ${targetText} with ${conf} confidence (estimate ${unitText(rec.metric.estimate, unit)}, one-sided bound ${fmtLimit(bound, (x) => unitText(x, unit))}, ${plural(rec.paths, 'path')}).`,
      tone: 'neutral',
    });
    const b = r.boundary;
    if (r.status === 'whole-range') {
      sentences.push({ text: `Every value up to the ${r.prefer === 'low' ? 'low' : 'high'} end of the range meets the target, so the threshold lies beyond ${fmtParamValue(r.param, r.prefer === 'low' ? r.range[0] : r.range[1])}.`, tone: 'neutral' });
    } else if (b && b.fails !== null && b.meets !== null) {
      const lo = Math.min(b.fails, b.meets);
      const hi = Math.max(b.fails, b.meets);
      sentences.push({
        text: `The threshold lies between ${roundedParam(r.param, lo, tol, 'down')} and ${roundedParam(r.param, hi, tol, 'up')}, to the search tolerance of ${fmtParamValue(r.param, tol)}.`,
        tone: 'neutral',
      });
    } else if (b && b.meets !== null && b.fails === null) {
      sentences.push({
        text: `No ${r.prefer === 'low' ? 'lower' : 'higher'} value evaluated clearly fails the target, so the threshold may lie ${r.prefer === 'low' ? 'below' : 'above'} ${roundedParam(r.param, b.meets, tol, safeDir)} (search ended: ${r.stop.reason}).`,
        tone: 'neutral',
      });
    }
    const ref = r.reference;
    const lever = (c: { maintenanceLeverage: number }) => c.maintenanceLeverage;
    if (ref && Number.isFinite(lever(ref.capital)) && Number.isFinite(lever(rec.capital)) && ref.value !== rec.value) {
      const from = lever(ref.capital);
      const to = lever(rec.capital);
      const verb = (r.prefer === 'low' ? rec.value > ref.value : rec.value < ref.value) ? (r.prefer === 'low' ? 'Raising' : 'Lowering') : r.prefer === 'low' ? 'Lowering' : 'Raising';
      sentences.push({
        text: `${verb} ${name} from the scenario’s ${fmtParamValue(r.param, ref.value)} to ${recText} ${leverageChange(from, to)} (open interest ÷ maintenance margin: ${times(from)} → ${times(to)}).`,
        tone: 'neutral',
      });
    } else if (r.lastStep && Number.isFinite(lever(r.lastStep.capitalFrom)) && Number.isFinite(lever(r.lastStep.capitalTo))) {
      const from = lever(r.lastStep.capitalTo);
      const to = lever(r.lastStep.capitalFrom);
      sentences.push({
        text: `Going from ${fmtParamValue(r.param, r.lastStep.to)} (the next value evaluated) to ${recText} ${leverageChange(from, to)} (${times(from)} → ${times(to)}).`,
        tone: 'neutral',
      });
    }
  } else {
    const best = [...r.evaluated].sort((a, b) => (r.prefer === 'low' ? b.value - a.value : a.value - b.value))[0];
    sentences.push({
      text: `No ${paramInfo(r.param).label} between ${fmtParamValue(r.param, r.range[0])} and ${fmtParamValue(r.param, r.range[1])} keeps ${targetText} with ${conf} confidence.`,
      tone: 'worse',
    });
    if (best) {
      const bound = r.target.op.startsWith('<') ? best.metric.upper : best.metric.lower;
      sentences.push({
        text: `The safest value evaluated, ${fmtParamValue(r.param, best.value)}, has ${r.target.label} ${unitText(best.metric.estimate, unit)} (one-sided bound ${fmtLimit(bound, (x) => unitText(x, unit))}); widen the range or change another lever.`,
        tone: 'neutral',
      });
    }
  }
  const warnings = r.monotonicity.monotone ? [] : [r.monotonicity.message];
  const figures: SummaryFigure[] = [
    exactFigure('target', 'target', unit ?? 'ratio', r.target.value, `${targetText} (one-sided ${conf})`),
    ...(rec
      ? [
          exactFigure('recommended', `recommended ${paramInfo(r.param).label}`, 'param', rec.value, `${roundedParam(r.param, rec.rounded ?? rec.value, tol, safeDir)} (evaluated at ${fmtParamValue(r.param, rec.value, 6)})`),
          figure(r.target.metric, `${r.target.label} at the recommendation`, unit ?? 'ratio', rec.metric, (x) => unitText(x, unit), 'neutral', `${Number((100 * (2 * r.confidence - 1)).toPrecision(4))}%`),
          exactFigure('maintenanceLeverage', 'allowed leverage at the recommendation', 'ratio', rec.capital.maintenanceLeverage, times(rec.capital.maintenanceLeverage)),
        ]
      : []),
    exactFigure('pathsSpent', 'paths spent', 'count', r.pathsSpent, `${fmtInt(r.pathsSpent)} over ${plural(r.evaluated.length, 'value')}`),
  ];
  return {
    format: SUMMARY_FORMAT,
    command: 'calibrate',
    name: r.scenario.name,
    out,
    verdict: join(sentences),
    sentences,
    figures,
    warnings,
    seed: r.seed,
    paths: r.pathsSpent,
    computeMs: r.run.elapsedMs,
    resumed: r.run.pathsFromDisk > 0 ? `${fmtInt(r.run.pathsFromDisk)} of ${fmtInt(r.pathsSpent)} paths resumed from disk` : null,
    marginlabVersion: r.marginlabVersion,
    details: {
      param: r.param,
      range: r.range,
      target: r.target,
      confidence: r.confidence,
      status: r.status,
      recommended: rec ? { value: rec.value, metric: rec.metric, paths: rec.paths } : null,
      boundary: r.boundary,
      tolerance: tol,
      reference: r.reference ? { value: r.reference.value, maintenanceLeverage: r.reference.capital.maintenanceLeverage } : null,
      stop: r.stop,
    },
  };
}

/**
 * How a calibration's search ended, in words with units (the `stop.message` of calibration.json, written
 * with parameter values in their unit and every interval bound in the metric's unit).
 */
export function calibrationStopText(r: CalibrationResult): string {
  const p = (x: number) => fmtParamValue(r.param, x, 6);
  const u = (x: number) => unitText(x, r.target.unit);
  const cmp = r.target.op.replace('<=', '≤').replace('>=', '≥');
  const target = `${r.target.label} ${cmp} ${u(r.target.value)}`;
  const undecided = r.evaluated.filter((e) => e.decision === 'undecided').sort((a, b) => a.value - b.value);
  const b = r.boundary;
  switch (r.stop.reason) {
    case 'infeasible':
      return `no value in [${p(r.range[0])}, ${p(r.range[1])}] meets ${target} with ${Number((100 * r.confidence).toPrecision(4))}% confidence${
        undecided.length ? ` (undecided at ${undecided.map((e) => p(e.value)).join(', ')} when the path limit was reached — more paths might change that)` : ''
      }; widen the range toward the ${r.prefer === 'low' ? 'high' : 'low'} end or relax the target`;
    case 'range end':
      return `the most capital-efficient end of the range (${p(r.recommended?.value ?? (r.prefer === 'low' ? r.range[0] : r.range[1]))}) already meets the target; extend the range to look further`;
    case 'clear':
      return b && b.meets !== null && b.fails !== null
        ? `decision clear: ${p(b.meets)} meets the target and ${p(b.fails)} clearly fails it (bracket ${p(Math.abs(b.meets - b.fails))} ≤ tolerance ${p(r.settings.tolerance)})`
        : r.stop.message;
    default: {
      // the undecided value next to the recommendation, on its efficient side
      const rec = r.recommended?.value;
      const near = undecided.filter((e) => rec === undefined || (r.prefer === 'low' ? e.value < rec : e.value > rec)).sort((x, y) => (r.prefer === 'low' ? y.value - x.value : x.value - y.value))[0];
      const what = r.stop.reason === 'path budget' ? `path budget reached (${fmtInt(r.settings.pathBudget)} paths)` : `per-point path limit reached (${fmtInt(r.settings.maxPathsPerPoint)} paths)`;
      if (!near) return `${what}: bracket not yet narrower than the tolerance ${p(r.settings.tolerance)}`;
      return `${what} at ${p(near.value)}: its interval [${fmtLimit(near.metric.lower, u)}, ${fmtLimit(near.metric.upper, u)}] still contains the target ${u(r.target.value)} — more paths might allow values up to ${p(near.value)}`;
    }
  }
}

// ---------------------------------------------------------------- comparison

/** Metrics a comparison verdict speaks about, most important first. */
const VERDICT_ORDER = ['probBadDebt', 'badDebtUsd.mean', 'badDebtUsd.es99', 'badDebtUsd.var99', 'probFundExhausted', 'fractionTradersLiquidated.mean', 'liquidatedNotionalUsd.mean', 'largestCascade.notionalUsd.mean', 'extraDrawdown.mean'];

/** A difference for text: rates in percentage points, dollars to three significant digits with their sign ("+$1.2M"). */
function diffText(x: number, unit: Unit): string {
  return fmtDiff(x, unit);
}

/** The interval a comparison shows beside its verdict: Holm-adjusted where the file has it, else the 95% one, labelled unadjusted. */
function shownInterval(d: ComparedDifference): { lower: number; upper: number; label: string } {
  return d.holm ? { lower: d.holm.lower, upper: d.holm.upper, label: 'Holm-adjusted CI' } : { lower: d.lower, upper: d.upper, label: '95% CI, unadjusted' };
}

function diffClause(label: string, d: ComparedDifference, unit: Unit): string {
  const i = shownInterval(d);
  return `${label} ${diffText(d.estimate, unit)} (${i.label} ${diffText(i.lower, unit)} to ${diffText(i.upper, unit)})`;
}

/** "and 2 more", or "". */
const more = (n: number) => (n > 0 ? ` and ${n} more` : '');

/**
 * The comparison's verdict: one sentence per policy against the baseline, then one on bad debt when
 * no policy differs on it. A policy is called better only when something is significantly better and
 * nothing with a direction (the catalogue's `worse`) is significantly worse; worse the other way round;
 * when both, the sentence states the trade-off with the largest-ranked figure of each side.
 * Significance is after Holm correction, and the intervals quoted are the Holm-adjusted ones, so they
 * exclude 0 exactly when the verdict counts the difference.
 */
export function comparisonSummary(r: ComparisonResult, out: string | null): Summary {
  const sentences: VerdictSentence[] = [];
  const ordered = [...r.metrics].sort((a, b) => {
    const ia = VERDICT_ORDER.indexOf(a.key);
    const ib = VERDICT_ORDER.indexOf(b.key);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const figures: SummaryFigure[] = [];
  for (const d of r.differences) {
    const judged = ordered.map((m) => ({ m, d: d.metrics[m.key] as ComparedDifference, tone: toneOfDifference(m.key, d.metrics[m.key], d.metrics[m.key].significantHolm) }));
    const better = judged.filter((x) => x.tone === 'better');
    const worse = judged.filter((x) => x.tone === 'worse');
    const b = r.baseline;
    const list = (xs: typeof judged, k: number) => `${plainList(xs.slice(0, k).map((x) => diffClause(x.m.label, x.d, x.m.unit)))}${more(xs.length - k)}`;
    if (better.length && !worse.length) {
      sentences.push({ text: `${d.variant} is better than ${b} on ${list(better, 1)}, and nothing is significantly worse.`, tone: 'better' });
    } else if (worse.length && !better.length) {
      sentences.push({ text: `${d.variant} is worse than ${b} on ${list(worse, 1)}, and nothing is significantly better.`, tone: 'worse' });
    } else if (better.length && worse.length) {
      sentences.push({ text: `${d.variant} is a trade-off against ${b}: better on ${list(better, 1)}, but worse on ${list(worse, 1)}.`, tone: 'mixed' });
    } else {
      const unclear = judged.filter((x) => x.tone === 'unclear').length;
      sentences.push({
        text: `${d.variant} and ${b} do not differ significantly on any metric after Holm correction${unclear ? ` (${unclear} difference${unclear === 1 ? ' would be' : 's would be'} significant on ${unclear === 1 ? 'its' : 'their'} own, unadjusted)` : ''}.`,
        tone: unclear ? 'unclear' : 'neutral',
      });
    }
    const v = r.variants.find((x) => x.name === d.variant)!;
    const bv = r.variants.find((x) => x.name === r.baseline)!;
    const lf = v.capital.maintenanceLeverage;
    const lb = bv.capital.maintenanceLeverage;
    if (Number.isFinite(lf) && Number.isFinite(lb) && Math.abs(lf / lb - 1) > 0.005) {
      const last = sentences[sentences.length - 1];
      last.text = last.text.replace(/\.$/, '') + `; it allows ${shareText(Math.abs(lf / lb - 1))} ${lf < lb ? 'less' : 'more'} leverage before liquidation (${times(lb)} → ${times(lf)}).`;
    }
    for (const x of judged) {
      const label = `${d.variant} − ${r.baseline}: ${x.m.label}`;
      if (x.d.notApplicable) {
        figures.push({ key: `${d.variant}.${x.m.key}`, label, unit: x.m.unit, estimate: x.d.estimate, lower: null, upper: null, text: `n/a: ${x.d.notApplicable}`, tone: 'neutral' });
        continue;
      }
      const i = shownInterval(x.d);
      figures.push({ ...figure(`${d.variant}.${x.m.key}`, label, x.m.unit, { estimate: x.d.estimate, lower: i.lower, upper: i.upper }, (y) => diffText(y, x.m.unit), x.tone, x.d.holm ? `Holm-adjusted ${levelText(x.d.holm.confidence)}` : '95%, unadjusted') });
    }
  }
  // bad debt is what a committee asks about first: say so when no policy differs on it
  const badDebtKeys = r.metrics.map((m) => m.key).filter((k) => /^(probBadDebt|badDebtUsd)/.test(k));
  if (badDebtKeys.length && !r.differences.some((d) => badDebtKeys.some((k) => d.metrics[k].significantHolm))) {
    const none = r.variants.every((v) => (v.aggregates as { probBadDebt?: { estimate: number } }).probBadDebt?.estimate === 0);
    sentences.push({ text: `No policy differs significantly from ${r.baseline} on bad debt after Holm correction${none ? ' (no path ended with bad debt under any of them)' : ''}.`, tone: 'neutral' });
  }
  const book = comparisonBookSentence(r);
  if (book) sentences.push(book);
  const warnings = [...r.warnings];
  return {
    format: SUMMARY_FORMAT,
    command: 'compare',
    name: r.variants.find((v) => v.name === r.baseline)?.scenario.name ?? r.baseline,
    out,
    verdict: join(sentences),
    sentences,
    figures,
    warnings,
    seed: r.seed,
    paths: r.paths,
    computeMs: r.run.elapsedMs,
    resumed: r.source === 'saved' ? `compared from ${r.variants.length} saved runs without simulating` : r.run.variantsResumed > 0 ? `${r.run.variantsResumed} of ${r.variants.length} policies resumed from disk` : null,
    marginlabVersion: r.marginlabVersion,
    details: {
      baseline: r.baseline,
      variants: r.variants.map((v) => v.name),
      differences: r.differences,
      crnPrecisionGain: r.crnPrecisionGain,
      ...(r.bookDifferences ? { bookDifferences: r.bookDifferences } : {}),
    },
  };
}

/** A confidence level in words: 0.95 → "95%", 0.99722 → "99.72%". */
function levelText(c: number): string {
  return `${Number((100 * c).toPrecision(4))}%`;
}

/**
 * The opening book of a comparison in one sentence: held fixed (every policy faced the baseline's book)
 * with the positions a policy's rules would not admit, counted and with their notional; or redrawn per
 * policy (the warnings say by how much). Null for files that say nothing about it.
 */
function comparisonBookSentence(r: ComparisonResult): VerdictSentence | null {
  if (r.bookHeld === undefined) return null;
  if (!r.bookHeld) return { text: `Each policy drew its own opening book under its own rules (--redraw-book), so part of each difference is the book's.`, tone: 'neutral' };
  const out = (r.bookDifferences ?? []).filter((b) => b.inadmissible && b.inadmissible.positions > 0);
  const oi = r.bookDifferences?.find((b) => b.inadmissible)?.inadmissible?.openInterestUsd;
  const kept = out.map((b) => `${plural(b.inadmissible!.positions, 'position')} (${usdText(b.inadmissible!.notionalUsd)}) under ${b.variant}'s`);
  return {
    text: `Every policy faced ${r.baseline}'s opening book${oi !== undefined ? ` (${usdText(oi)} open interest)` : ''}; ${
      kept.length ? `${plainList(kept)} initial margin would not have been admitted and were kept` : "every position in it passes each policy's initial margin"
    }.`,
    tone: 'neutral',
  };
}

// ---------------------------------------------------------------- renderings

const COMMAND_TITLE = { run: 'Run', sweep: 'Sweep', calibrate: 'Calibration', compare: 'Comparison', recommend: 'Recommendation', sensitivity: 'Sensitivity' } as const;

/** summary.md: a Markdown scorecard for governance posts. */
export function summaryMarkdown(s: Summary): string {
  const mark = (t: Tone) => (t === 'better' ? '✅ ' : t === 'worse' ? '⚠️ ' : t === 'mixed' ? '⚖️ ' : '');
  const cell = (x: string) => x.replace(/\|/g, '\\|');
  const lines = [
    `# ${COMMAND_TITLE[s.command]}: ${s.name}`,
    '',
    ...s.sentences.map((x) => `${mark(x.tone)}${x.text}`).flatMap((x) => [x, '']),
    ...(s.tables ?? []).flatMap((t) => [`**${cell(t.title)}**`, '', `| ${t.head.map(cell).join(' | ')} |`, `| ${t.head.map(() => '---').join(' | ')} |`, ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`), '']),
    ...(s.warnings.length ? ['**Warnings**', '', ...s.warnings.map((w) => `- ${w}`), ''] : []),
    '| figure | value |',
    '| --- | --- |',
    ...s.figures.map((f) => `| ${cell(f.label)} | ${mark(f.tone)}${cell(f.text)} |`),
    '',
    `Seed ${s.seed} · ${plural(s.paths, 'path')}${s.command === 'calibrate' || s.command === 'recommend' ? ' in all' : s.command === 'run' ? '' : ' each'} · compute time ${fmtDuration(s.computeMs)}${s.resumed ? ` (${s.resumed})` : ''} · marginlab ${s.marginlabVersion}${
      s.out ? ` · ${s.out}` : ''
    }`,
    '',
  ];
  return lines.join('\n');
}

/** The human form on stdout: the verdict and the scorecard aligned (warnings go to stderr, see src/cli/emit.ts). */
export function summaryText(s: Summary): string {
  const width = Math.min(48, Math.max(...s.figures.map((f) => f.label.length), 10));
  const pad = (x: string) => (x.length >= width ? x : x + ' '.repeat(width - x.length));
  const toneMark = (t: Tone) => (t === 'better' ? ' (better)' : t === 'worse' ? ' (worse)' : t === 'mixed' ? ' (trade-off)' : '');
  return [
    `${COMMAND_TITLE[s.command]} ${s.name}: ${s.verdict}`,
    '',
    ...(s.tables ?? []).flatMap((t) => [t.title, ...t.rows.map((r) => `  ${r.map((c, i) => `${i > 0 ? `${t.head[i]}: ` : ''}${c}`).join(' · ')}`), '']),
    ...s.figures.map((f) => `  ${pad(f.label)}  ${f.text}${toneMark(f.tone)}`),
    '',
    `seed ${s.seed} · ${plural(s.paths, 'path')}${s.command === 'calibrate' || s.command === 'recommend' ? ' in all' : s.command === 'run' ? '' : ' each'} · compute time ${fmtDuration(s.computeMs)}${s.resumed ? ` (${s.resumed})` : ''}`,
    '',
  ].join('\n');
}

/** The page's verdict box: each sentence a paragraph, better / worse sentences coloured. */
export function verdictHtml(s: Summary): string {
  return `<div class="verdict" id="verdict"><p class="verdict-kicker">Verdict</p>${s.sentences
    .map((x) => `<p${x.tone !== 'neutral' ? ` class="${x.tone}"` : ''}>${escapeHtml(x.text)}</p>`)
    .join('')}</div>${s.warnings.length ? `<div class="warning-box">${s.warnings.map((w) => `<p><b>Warning:</b> ${escapeHtml(w)}</p>`).join('')}</div>` : ''}`;
}

export { fmtPp };
