/**
 * The sensitivity report (`marginlab sensitivity`): a tornado chart of how much the headline metric moves
 * when each policy lever is stepped down and up from the scenario's value (paired differences on the same
 * paths, with their 95% intervals), the same numbers as a table, and summary.md with that table.
 * `sensitivityPage(r)` gives the page options (renderPage renders them), `sensitivitySummary(r, out)` the
 * `Summary` (`--json`, summary.md via summaryMarkdown, `marginlab list`), `sensitivityVerdict(r)` the
 * sentences every one of them starts with.
 */
import type { PageOptions } from './page.js';
import { escapeHtml, fmtInt, fmtLimit } from './format.js';
import { fmtDiff, fmtParamValue, fmtUnit, paramInfo } from './study-format.js';
import { diffAxisFormat, sig, VL_SCHEMA } from './sweep-charts.js';
import type { Unit } from '../sweep/metrics.js';
import type { SensitivityResult, SensitivityRow } from '../sweep/sensitivity.js';
import { SUMMARY_FORMAT, type Summary, type SummaryFigure, type VerdictSentence } from './verdict.js';

/** A lever in words: "maintenance margin rate", "insurance fund". */
const paramInfoLabel = (path: string) => paramInfo(path).label;

const SIDE_COLORS = { down: '#1b9e77', up: '#d95f02' } as const;

/** "maintenance margin rate 2% → 1.6% / 2.4%" */
function leverText(l: SensitivityRow): string {
  return `${paramInfoLabel(l.path)} ${fmtParamValue(l.path, l.base)} → ${fmtParamValue(l.path, l.down)} / ${fmtParamValue(l.path, l.up)}`;
}

const change = (d: { estimate: number; lower: number; upper: number }, unit: Unit) => `${fmtDiff(d.estimate, unit)} [${fmtDiff(d.lower, unit)}, ${fmtDiff(d.upper, unit)}]`;

/** Two sentences: the metric at the scenario's values; the lever that moves it most, with both changes, or that none moves it detectably. */
function sensitivitySentences(r: SensitivityResult): VerdictSentence[] {
  const unit = r.metric.unit as Unit;
  const top = r.levers[0];
  const sig = r.levers.filter((l) => l.changeDown.significantHolm || l.changeUp.significantHolm);
  const label = r.metric.label.charAt(0).toUpperCase() + r.metric.label.slice(1);
  const lead = { text: `${label} is ${fmtUnit(r.base.estimate, unit)} at the scenario's values (${fmtInt(r.base.n)} paths).`, tone: 'neutral' as const };
  if (sig.length === 0) {
    return [lead, { text: `No lever step moves it detectably after Holm correction; the largest swing is ${paramInfoLabel(top.path)} (${fmtDiff(top.changeDown.estimate, unit)} down, ${fmtDiff(top.changeUp.estimate, unit)} up).`, tone: 'neutral' }];
  }
  const s = sig[0];
  const name = paramInfoLabel(s.path);
  const most = `${name.charAt(0).toUpperCase() + name.slice(1)} moves it most: ${fmtDiff(s.changeDown.estimate, unit)} at ${fmtParamValue(s.path, s.down)} and ${fmtDiff(s.changeUp.estimate, unit)} at ${fmtParamValue(
    s.path,
    s.up,
  )} (significant after Holm correction${sig.length > 1 ? `; ${sig.length - 1} more lever${sig.length > 2 ? 's' : ''} too` : ''}).`;
  return [lead, { text: most, tone: 'neutral' }];
}

/** The verdict in one line: the sentences joined. */
export function sensitivityVerdict(r: SensitivityResult): string {
  return sensitivitySentences(r).map((s) => s.text).join(' ');
}

/** Tornado: per lever (largest swing on top), a bar from 0 to the change for each step, with its 95% interval. */
export function tornadoSpec(r: SensitivityResult, width = 620): object {
  const unit = r.metric.unit as Unit;
  const rows = r.levers.flatMap((l) =>
    (['down', 'up'] as const).map((side) => {
      const d = side === 'down' ? l.changeDown : l.changeUp;
      return {
        lever: paramInfoLabel(l.path),
        side: side === 'down' ? 'step down' : 'step up',
        value: fmtParamValue(l.path, l[side]),
        estimate: sig(d.estimate),
        lower: sig(d.lower),
        upper: sig(d.upper),
        text: change(d, unit),
      };
    }),
  );
  const order = r.levers.map((l) => paramInfoLabel(l.path));
  return {
    $schema: VL_SCHEMA,
    title: { text: `Change in ${r.metric.label} for a step in each lever`, subtitle: 'Paired on the same paths; bars: the change, lines: its 95% interval; largest swing on top.' },
    width,
    height: Math.max(60, 44 * r.levers.length),
    data: { values: rows },
    encoding: {
      y: { field: 'lever', type: 'nominal', title: null, sort: order, axis: { labelLimit: 260 } },
      yOffset: { field: 'side', type: 'nominal', sort: ['step down', 'step up'] },
      color: { field: 'side', type: 'nominal', title: null, scale: { domain: ['step down', 'step up'], range: [SIDE_COLORS.down, SIDE_COLORS.up] } },
      tooltip: [
        { field: 'lever', type: 'nominal', title: 'lever' },
        { field: 'side', type: 'nominal', title: 'step' },
        { field: 'value', type: 'nominal', title: 'value' },
        { field: 'text', type: 'nominal', title: 'change [95% CI]' },
      ],
    },
    layer: [
      { data: { values: [{ x: 0 }] }, mark: { type: 'rule', color: '#5b6573' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: null, yOffset: null, color: null, tooltip: null } },
      { mark: { type: 'bar', height: { band: 0.8 } }, encoding: { x: { field: 'estimate', type: 'quantitative', title: `change in ${r.metric.label}`, axis: diffAxisFormat(unit) }, x2: { datum: 0 } } },
      { mark: { type: 'rule', color: '#1d2430', strokeWidth: 1.5 }, encoding: { x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } } },
    ],
  };
}

function tableRows(r: SensitivityResult): string[][] {
  const unit = r.metric.unit as Unit;
  return r.levers.map((l) => [
    paramInfoLabel(l.path),
    fmtParamValue(l.path, l.base),
    `${fmtParamValue(l.path, l.down)}: ${change(l.changeDown, unit)}${l.changeDown.significantHolm ? ' **' : ''}`,
    `${fmtParamValue(l.path, l.up)}: ${change(l.changeUp, unit)}${l.changeUp.significantHolm ? ' **' : ''}`,
    fmtDiff(l.swing, unit).replace(/^\+/, ''),
  ]);
}

const HEAD = ['lever', 'scenario value', 'step down: change [95% CI]', 'step up: change [95% CI]', 'swing'];

export function sensitivityPage(r: SensitivityResult): PageOptions {
  const c = r.comparison;
  const html = `<div class="table-wrap"><table class="data"><thead><tr>${HEAD.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${tableRows(r)
    .map((row) => `<tr>${row.map((x, i) => `<td>${i === 0 ? escapeHtml(x) : `<span class="num">${escapeHtml(x)}</span>`}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
  return {
    title: `Sensitivity — ${r.scenarioName}`,
    subtitle: `${r.metric.label} · ${r.levers.length} levers stepped down and up · ${fmtInt(c.paths)} paths each · seed ${c.seed} · common random numbers`,
    headlineHtml: `<div class="verdict"><p>${escapeHtml(sensitivityVerdict(r))}</p></div><p class="lead">Each lever is moved one step down and one step up from the scenario's value, one at a time, every variant on the same ${fmtInt(
      c.paths,
    )} paths (seed ${c.seed}), so each change is a paired difference path by path; ** marks a change significant after a Holm–Bonferroni correction over all ${2 * r.levers.length} steps.</p>`,
    sections: [
      { id: 'tornado', title: 'Tornado', charts: [{ id: 'tornado', spec: tornadoSpec(r), caption: `Change in ${r.metric.label} from ${fmtUnit(r.base.estimate, r.metric.unit as Unit)} at the scenario's values.` }] },
      { id: 'levers', title: 'Levers', introHtml: `<p>The same numbers as the chart (and as summary.md); rates differ in percentage points.</p>`, html },
    ],
  };
}

/** The scorecard: the metric at the scenario's values, then each lever's change for a step down and up (95% intervals, as the table). */
function sensitivityFigures(r: SensitivityResult): SummaryFigure[] {
  const unit = r.metric.unit as Unit;
  const f = (x: number) => fmtUnit(x, unit);
  const d = (x: number) => fmtDiff(x, unit);
  const base: SummaryFigure = {
    key: r.metric.key,
    label: `${r.metric.label} at the scenario's values`,
    unit,
    estimate: r.base.estimate,
    lower: r.base.lower,
    upper: r.base.upper,
    text: `${f(r.base.estimate)} (95% CI ${fmtLimit(r.base.lower, f)} to ${fmtLimit(r.base.upper, f)})`,
    tone: 'neutral',
  };
  const steps = r.levers.flatMap((l) =>
    (['down', 'up'] as const).map((side): SummaryFigure => {
      const c = side === 'down' ? l.changeDown : l.changeUp;
      return {
        key: `${l.path}.${side}`,
        label: `${paramInfoLabel(l.path)} → ${fmtParamValue(l.path, l[side])}`,
        unit,
        estimate: c.estimate,
        lower: c.lower,
        upper: c.upper,
        text: `${d(c.estimate)} (95% CI ${d(c.lower)} to ${d(c.upper)})${c.significantHolm ? ', significant after Holm correction' : ''}`,
        tone: 'neutral',
      };
    }),
  );
  return [base, ...steps];
}

/** The verdict and scorecard of a sensitivity (the `--json` shape of every command); its lever table is summary.md's table. */
export function sensitivitySummary(r: SensitivityResult, out: string | null): Summary {
  const c = r.comparison;
  const sentences = sensitivitySentences(r);
  return {
    format: SUMMARY_FORMAT,
    command: 'sensitivity',
    name: r.scenarioName,
    out,
    verdict: sentences.map((s) => s.text).join(' '),
    sentences,
    figures: sensitivityFigures(r),
    warnings: [...c.warnings],
    seed: c.seed,
    paths: c.paths,
    computeMs: c.run.elapsedMs,
    resumed: c.run.variantsResumed > 0 ? `${c.run.variantsResumed} of ${c.variants.length} variants resumed from disk` : null,
    marginlabVersion: r.marginlabVersion,
    details: { metric: r.metric, base: r.base, levers: r.levers },
    tables: [
      {
        title: `Change in ${r.metric.label} (${r.metric.key}) for a step in each lever; a change marked with two asterisks is significant after Holm correction over ${2 * r.levers.length} steps`,
        head: HEAD,
        rows: tableRows(r),
      },
    ],
  };
}
