/**
 * The HTML pages of the study commands — sweep, calibration, comparison — assembled from their
 * results with the shared page machinery (`renderPage`). Each function returns the page options;
 * `renderPage(opts)` gives the HTML and `renderFigures(opts.sections)` the SVG figures.
 */
import { stringify } from 'yaml';
import type { PageOptions, PageSection } from './page.js';
import { renderMetricCards } from './page.js';
import { escapeHtml, fmtDuration, fmtInt, fmtInterval, thinMarkHtml, timeUnitFor } from './format.js';
import { fmtDiff, fmtParam, fmtParamValue, fmtUnit, paramAxisFormat, paramTitle as paramWords } from './study-format.js';
import { calibrationStopText, calibrationSummary, comparisonSummary, sweepSummary, toneOfDifference, verdictHtml } from './verdict.js';

export { fmtParam, fmtUnit };
import type { Estimate } from '../stats/ci.js';
import { median } from '../stats/median.js';
import { directionOf } from '../stats/metrics.js';
import { metricDef } from '../sweep/metrics.js';
import type { SweepResult } from '../sweep/sweep.js';
import type { CalibrationResult } from '../sweep/calibrate.js';
import type { ComparisonResult } from '../sweep/compare.js';
import type { Unit } from '../sweep/metrics.js';
import type { PairedDifference } from '../stats/paired.js';
import { CAPITAL_AXIS_TITLES, CAPITAL_MEASURES, varyingMeasure, type CapitalEfficiency } from '../sweep/capital.js';
import { differences } from '../sweep/store.js';
import { DECISION_COLORS, heatmapSpec, intervalScatterSpec, metricLineSpec, pairedDifferenceSpec, type IntervalRow } from './sweep-charts.js';
import { EFFECT_DOMAIN, forestSpec, SIGNIFICANCE_DOMAIN, tailQuantileSpec, variantBandsSpec, variantEstimateSpec, type VariantBandRow } from './compare-charts.js';

function ciHtml(e: Estimate, unit: Unit | null | undefined): string {
  return `${escapeHtml(fmtUnit(e.estimate, unit))} <span class="ci">${escapeHtml(fmtInterval(e, (x) => fmtUnit(x, unit)))}</span>${thinMarkHtml(e)}`;
}

/** A paired difference with its interval (rates in percentage points), flagged * (uncorrected) or ** (Holm); coloured when `key` says which way is safer. */
function diffHtml(d: PairedDifference, unit: Unit, holm?: boolean, key?: string): string {
  const flag = holm ? '&nbsp;<b title="significant after Holm correction">**</b>' : d.significant ? '&nbsp;<b title="significant (uncorrected)">*</b>' : '';
  const tone = key ? toneOfDifference(key, d, holm) : 'neutral';
  const cls = tone === 'better' || tone === 'worse' ? ` class="tone-${tone}"` : '';
  return `<span${cls}>${escapeHtml(fmtDiff(d.estimate, unit))}</span> <span class="ci">[${escapeHtml(fmtDiff(d.lower, unit))}, ${escapeHtml(fmtDiff(d.upper, unit))}]</span>${flag}`;
}

function table(head: string[], rows: string[][]): string {
  return `<div class="table-wrap"><table class="data"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

function scenarioSection(id: string, title: string, scenario: unknown, intro?: string): PageSection {
  return { id, title, introHtml: intro, html: `<pre class="yaml">${escapeHtml(stringify(scenario))}</pre>` };
}

function gainText(g: number | null | undefined): string {
  return g === null || g === undefined ? 'n/a' : `${g.toFixed(g >= 10 ? 0 : 1)}×`;
}

/** A parameter in words with its unit, for titles: "maintenance margin rate (%)". */
const paramTitle = (p: string) => paramWords(p);

// ---------------------------------------------------------------- sweep

export function sweepPage(r: SweepResult): PageOptions {
  const [p0, p1] = r.params;
  const pts = r.points;
  // a list of points (sweep --point) need not fill the grid: no heatmap, and differences only where a neighbour was run
  const fullGrid = pts.length === r.params.reduce((n, q) => n * q.values.length, 1);
  const grid2 = r.params.length === 2 && fullGrid;
  const base = pts[r.baselineIndex];
  // every parameter after the first: a line per combination of their values, and the differences along the first at the reference's values
  const others = r.params.slice(1);
  const grouped = others.length > 0;
  const groupOf = (p: (typeof pts)[number]) => others.map((q) => fmtParamValue(q.path, p.values[q.path])).join(', ');
  const atReference = (p: (typeof pts)[number]) => others.every((q) => p.values[q.path] === base.values[q.path]);
  const othersText = others.map((q) => escapeHtml(paramInfoLabel(q.path))).join(', ');
  const gains = Object.values(r.crnPrecisionGain).filter((g): g is number => g !== null);
  const medianGain = gains.length ? [...gains].sort((a, b) => a - b)[gains.length >> 1] : null;
  const summary = sweepSummary(r, null);
  const refText = r.params.map((p) => `${escapeHtml(paramInfoLabel(p.path))} = ${escapeHtml(fmtParamValue(p.path, base.values[p.path]))}`).join('<br>');
  const headline = `${verdictHtml(summary)}<p class="lead">${escapeHtml(r.scenario.name)} at ${pts.length} points (${r.params
    .map((p) => `<b>${escapeHtml(paramInfoLabel(p.path))}</b> ∈ {${p.values.map((v) => escapeHtml(fmtParamValue(p.path, v))).join(', ')}}`)
    .join(' × ')}), each on the same ${fmtInt(r.paths)} paths (seed ${r.seed}): every point sees identical price shocks, so differences between points are paired path by path. Differences in the table are taken against the reference point, ${refText.replace(/<br>/g, ', ')}.</p>${renderMetricCards(
    [
      { label: 'points × paths', valueHtml: `${pts.length} × ${fmtInt(r.paths)}`, noteHtml: `${fmtInt(pts.length * r.paths)} paths, ${fmtInt(r.traders)} traders` },
      { label: 'reference point', valueHtml: `<span style="font-size:16px">${refText}</span>`, noteHtml: 'the scenario’s own value where it is on the grid, else the first point; every Δ is taken against it' },
      {
        label: 'common random numbers',
        valueHtml: `${gainText(medianGain)} narrower`,
        noteHtml: 'median over metrics of (independent-runs SE ÷ paired SE) for neighbouring points',
      },
      {
        label: 'compute time',
        valueHtml: fmtDuration(summary.computeMs),
        noteHtml: `${r.run.pointsComputed} point(s) computed${r.run.pointsResumed ? `; ${r.run.pointsResumed} resumed from disk (not recomputed)` : ''}; wall time ${fmtDuration(r.run.elapsedMs)}`,
      },
    ],
  )}`;

  const sections: PageSection[] = [];
  const lineCharts = r.metrics.map((m) => ({
    id: `sweep-${m.key.replace(/\W+/g, '-')}`,
    spec: metricLineSpec({
      title: m.label,
      xTitle: paramTitle(p0.path),
      xFormat: paramAxisFormat(p0.path),
      yTitle: m.label,
      unit: m.unit,
      groupTitle: grouped ? others.map((q) => paramTitle(q.path)).join(', ') : undefined,
      rows: pts.map((p) => {
        const e = p.estimates?.[m.key] ?? metricEstimate(p.aggregates, m.key);
        return { x: p.values[p0.path], ...e, ...(grouped ? { group: groupOf(p) } : {}) } as IntervalRow;
      }),
    }),
  }));
  sections.push({
    id: 'risk',
    title: 'Risk metrics against the parameter',
    introHtml: `<p>Each point's estimate with its 95% confidence interval (shaded)${grouped ? `; one line per ${others.length > 1 ? 'combination of values' : 'value'} of ${othersText}` : ''}. Intervals are for each point on its own; for the change between points see the paired differences below, which are much tighter.</p>`,
    charts: lineCharts,
  });
  if (grid2) {
    sections.push({
      id: 'grid',
      title: 'Grid',
      introHtml: `<p>Each cell is one point: ${escapeHtml(paramInfoLabel(p0.path))} across, ${escapeHtml(paramInfoLabel(p1.path))} up; colour and label are the estimate.</p>`,
      charts: r.metrics.slice(0, 6).map((m) => ({
        id: `heat-${m.key.replace(/\W+/g, '-')}`,
        spec: heatmapSpec({
          title: m.label,
          xTitle: paramTitle(p0.path),
          yTitle: paramTitle(p1.path),
          xFormat: paramAxisFormat(p0.path),
          yFormat: paramAxisFormat(p1.path),
          unit: m.unit,
          rows: pts.map((p) => ({ x: p.values[p0.path], y: p.values[p1.path], ...(p.estimates?.[m.key] ?? metricEstimate(p.aggregates, m.key)) })),
        }),
      })),
    });
  }
  const anyNeighbour = pts.some((p) => atReference(p) && p.differences.previous.some((d) => d.param === p0.path));
  if (anyNeighbour) sections.push({
    id: 'differences',
    title: 'Paired differences between neighbouring points',
    introHtml: `<p>The change in each metric from the previous value of ${escapeHtml(paramInfoLabel(p0.path))} to this one${
      grouped ? ` (at the reference point's ${others.map((q) => `${escapeHtml(paramInfoLabel(q.path))} = ${escapeHtml(fmtParamValue(q.path, base.values[q.path]))}`).join(', ')}; every step is in sweep.json)` : ''
    }, computed path by path on the same shocks (dark bar: 95% interval; rates in percentage points). The light bar is the interval the same change would have if the two points had been run on independent paths — the gain from common random numbers.</p>`,
    charts: r.metrics.map((m) => ({
      id: `diff-${m.key.replace(/\W+/g, '-')}`,
      spec: pairedDifferenceSpec({
        title: `Δ ${m.label}`,
        subtitle: `paired intervals ${gainText(r.crnPrecisionGain[m.key])} narrower (median)`,
        xTitle: paramTitle(p0.path),
        xFormat: paramAxisFormat(p0.path),
        yTitle: `change in ${m.label}${m.unit === 'probability' || m.unit === 'fraction' ? ' (pp)' : ''}`,
        unit: m.unit,
        diffText: (x: number) => fmtDiff(x, m.unit),
        rows: pts.flatMap((p) => {
          if (!atReference(p)) return [];
          const prev = p.differences.previous.find((d) => d.param === p0.path);
          if (!prev) return [];
          const d = prev.metrics[m.key];
          const z = 1.959963984540054;
          return [
            {
              x: p.values[p0.path],
              estimate: d.estimate,
              lower: d.lower,
              upper: d.upper,
              unpairedLower: d.estimate - z * d.unpairedStandardError,
              unpairedUpper: d.estimate + z * d.unpairedStandardError,
              label: `${fmtParamValue(p0.path, pts[prev.fromIndex].values[p0.path])} → ${fmtParamValue(p0.path, p.values[p0.path])}`,
            },
          ];
        }),
      }),
    })),
  });
  const measure = varyingMeasure(pts.map((p) => p.capital));
  if (measure) {
    const riskKeys = r.metrics.map((m) => m.key).filter((k) => /badDebt|FundExhausted/.test(k)).slice(0, 3);
    sections.push({
      id: 'frontier',
      title: 'Frontier: risk against capital efficiency',
      introHtml: `<p>Each point's risk against ${escapeHtml(measure.label)} (${measure.higherIsEfficient ? 'higher' : 'lower'} is more capital-efficient). Moving along the curve shows what each unit of safety costs.</p>`,
      charts: riskKeys.map((k) => {
        const m = r.metrics.find((x) => x.key === k)!;
        return {
          id: `frontier-${k.replace(/\W+/g, '-')}`,
          spec: intervalScatterSpec({
            title: `${m.label} against ${measure.label.replace(/ \(.*\)$/, '')}`,
            xTitle: CAPITAL_AXIS_TITLES[measure.key],
            xUnit: measure.unit,
            yTitle: m.label,
            unit: m.unit,
            connect: !grouped,
            rows: pts.map((p) => ({ x: p.capital[measure.key], ...(p.estimates?.[k] ?? metricEstimate(p.aggregates, k)), label: p.label, text: grouped ? '' : fmtParamValue(p0.path, p.values[p0.path]) })),
          }),
        };
      }),
    });
  }
  sections.push({
    id: 'table',
    title: 'All points',
    introHtml: `<p>Estimates with 95% confidence intervals. Δ: paired difference from the reference point (${refText.replace(/<br>/g, ', ')}), rates in percentage points; * the interval excludes 0; green safer, red riskier.</p>`,
    html: table(
      ['point', ...r.metrics.map((m) => escapeHtml(m.label))],
      pts.map((p) => [
        `${r.params.map((q) => `${escapeHtml(paramInfoLabel(q.path))}&nbsp;=&nbsp;${escapeHtml(fmtParamValue(q.path, p.values[q.path]))}`).join('<br>')}${p.index === r.baselineIndex ? '<br><b>(reference)</b>' : ''}`,
        ...r.metrics.map((m) => {
          const d = p.differences.baseline?.[m.key];
          return `${ciHtml(p.estimates?.[m.key] ?? metricEstimate(p.aggregates, m.key), m.unit)}${d ? `<br><span class="ci">Δ ${diffHtml(d, m.unit, undefined, m.key)}</span>` : ''}`;
        }),
      ]),
    ),
  });
  sections.push(
    capitalSection(
      pts.map((p) => ({ name: p.label, capital: p.capital })),
      'capital',
    ),
  );
  sections.push(scenarioSection('scenario', 'Base scenario', r.scenario, `<p>Every point is this scenario with the parameter values above; marginlab ${escapeHtml(r.marginlabVersion)}.</p>`));
  return {
    title: `Sweep — ${r.scenario.name}`,
    subtitle: `${r.params.map((p) => p.path).join(' × ')} · ${pts.length} points × ${fmtInt(r.paths)} paths · seed ${r.seed} · common random numbers`,
    headlineHtml: headline,
    sections,
  };
}

function paramInfoLabel(path: string): string {
  return paramWords(path).replace(/ \((%|USD|×|steps)\)$/, '');
}

function metricEstimate(aggregates: object, key: string): Estimate {
  let v: unknown = aggregates;
  for (const p of key.split('.')) v = (v as Record<string, unknown>)?.[p];
  return v as Estimate;
}

function capitalSection(rows: { name: string; capital: CapitalEfficiency }[], id: string): PageSection {
  return {
    id,
    title: 'Capital efficiency',
    introHtml: '<p>From the trader book at the start (exact, no sampling): what each policy locks up and how much leverage it allows before liquidation.</p>',
    html: table(
      ['', ...CAPITAL_MEASURES.map((m) => escapeHtml(m.label))],
      rows.map((r) => [escapeHtml(r.name), ...CAPITAL_MEASURES.map((m) => escapeHtml(fmtUnit(r.capital[m.key], m.unit)))]),
    ),
  };
}

// ---------------------------------------------------------------- calibration

/** 0.95 → "95%", 0.975 → "97.5%". */
const pctConf = (c: number) => `${Number((100 * c).toPrecision(4))}%`;

export function calibrationPage(r: CalibrationResult): PageOptions {
  const unit = r.target.unit;
  const rec = r.recommended;
  const cmp = r.target.op.replace('<=', '≤').replace('>=', '≥');
  const targetText = `${r.target.label} ${cmp} ${fmtUnit(r.target.value, unit)}`;
  const es = r.errorSpending;
  const summary = calibrationSummary(r, null);
  const lead = verdictHtml(summary) + (rec
    ? `<p class="lead">Recommendation: <b>${escapeHtml(rec.statement ?? `set ${paramInfoLabel(r.param)} = ${fmtParamValue(r.param, rec.value)}`)}</b>. With ${pctConf(r.confidence)} overall confidence, ${escapeHtml(targetText)} there${
        r.status === 'whole-range' ? ' (already at the most capital-efficient end of the range)' : ''
      }. Evaluated at ${escapeHtml(paramInfoLabel(r.param))} = ${escapeHtml(fmtParamValue(r.param, rec.value, 6))}: ${escapeHtml(r.target.label)} ${ciHtml(rec.metric, unit)} (${pctConf(rec.metric.level ?? 2 * r.confidence - 1)} interval on ${fmtInt(rec.paths)} paths)${
        rec.rounded !== undefined && rec.rounded !== rec.value ? `, rounded ${r.prefer === 'low' ? 'up' : 'down'} to the search's resolution ${escapeHtml(fmtParam(rec.resolution))}` : ''
      }.</p>`
    : `<p class="lead"><b>No value of ${escapeHtml(paramInfoLabel(r.param))} in [${escapeHtml(fmtParamValue(r.param, r.range[0]))}, ${escapeHtml(fmtParamValue(r.param, r.range[1]))}] meets ${escapeHtml(targetText)}</b> with ${pctConf(r.confidence)} overall confidence.</p>`);
  const spendingHtml = es
    ? `<p>Overall confidence ${pctConf(r.confidence)}: the recommendation's claim is wrong with probability at most ${pctConf(es.overallAlpha)}, however many values and re-tests the search took. ${escapeHtml(
        es.rule,
      )}: each value may spend ${pctConf(es.perValueAlpha)}, and its looks at ${fmtInt(r.settings.initialPaths)}, ${fmtInt(2 * r.settings.initialPaths)}, … paths test at one-sided ${es.alphaPerLook
        .map((a) => pctConf(a))
        .join(', ')} — so an interval at look j is two-sided ${es.levelPerLook.map((l) => pctConf(l)).join(', ')}. Every interval on this page states its level.</p>`
    : '';
  const headline =
    lead +
    renderMetricCards([
      { label: 'target', valueHtml: escapeHtml(targetText), noteHtml: `overall one-sided confidence ${pctConf(r.confidence)} (error spending over values and re-tests); ${escapeHtml(r.prefer)} values of the parameter are more capital-efficient` },
      {
        label: 'where the metric crosses the target',
        valueHtml:
          r.boundary && r.boundary.fails !== null
            ? `${escapeHtml(fmtParamValue(r.param, Math.min(r.boundary.fails, r.boundary.meets!)))} – ${escapeHtml(fmtParamValue(r.param, Math.max(r.boundary.fails, r.boundary.meets!)))}`
            : r.status === 'whole-range'
              ? 'beyond the range'
              : r.status === 'infeasible'
                ? 'beyond the range'
                : 'not bracketed',
        noteHtml:
          r.status === 'found'
            ? 'between the recommendation and the nearest more efficient value that clearly fails'
            : r.status === 'whole-range'
              ? `every value up to the ${r.prefer === 'low' ? 'low' : 'high'} end meets the target`
              : 'no evaluated value meets the target',
      },
      { label: 'paths spent', valueHtml: fmtInt(r.pathsSpent), noteHtml: `${r.evaluated.length} values evaluated; budget ${fmtInt(r.settings.pathBudget)}` },
      { label: 'search ended', valueHtml: escapeHtml(r.stop.reason), noteHtml: escapeHtml(calibrationStopText(r)) },
    ]) +
    (r.monotonicity.monotone ? `<p>${escapeHtml(r.monotonicity.message)}.</p>` : '') +
    `<ul class="facts"><li>Compute time <b>${escapeHtml(fmtDuration(summary.computeMs))}</b></li><li>Paths computed <b>${fmtInt(r.run.pathsComputed)}</b></li><li>Resumed from disk <b>${fmtInt(r.run.pathsFromDisk)} paths</b></li><li>Seed <b>${r.seed}</b></li></ul>`;
  const rows = r.evaluated.map((e) => ({
    x: e.value,
    estimate: e.metric.estimate,
    lower: e.metric.lower,
    upper: e.metric.upper,
    group: e.decision,
    label: `${paramInfoLabel(r.param)} ${fmtParamValue(r.param, e.value)} (${fmtInt(e.paths)} paths)`,
    text: `#${e.order + 1}`,
  }));
  const categories = { domain: ['meets', 'undecided', 'fails'], range: [DECISION_COLORS.meets, DECISION_COLORS.undecided, DECISION_COLORS.fails] };
  const target = { value: r.target.value, label: `target ${fmtUnit(r.target.value, unit)}` };
  const sections: PageSection[] = [
    {
      id: 'search',
      title: 'Search',
      introHtml: `<p>Every value evaluated (#1 first: a grid of ${r.settings.gridPoints} re-tested from the safe end until one does not meet the target, then bisection), with the metric's interval at the level its last look spent — its ends are the one-sided bounds used to decide. Values whose interval contained the target got more paths (up to ${fmtInt(r.settings.maxPathsPerPoint)}).</p>${spendingHtml}`,
      charts: [
        {
          id: 'search',
          spec: intervalScatterSpec({
            title: `${r.target.label} against ${paramInfoLabel(r.param)}`,
            xTitle: paramTitle(r.param),
            xFormat: paramAxisFormat(r.param),
            yTitle: r.target.label,
            unit: unit ?? 'ratio',
            rows,
            categoryTitle: 'decision',
            categories,
            target,
            marker: rec ? { x: rec.value, label: `recommended ${fmtParamValue(r.param, rec.value)}` } : undefined,
            width: 560,
          }),
        },
      ],
    },
  ];
  const m = r.frontierMeasure;
  if (m) {
    sections.push({
      id: 'frontier',
      title: 'Frontier: risk against capital efficiency',
      introHtml: `<p>The same values placed by ${escapeHtml(m.label)} (${m.higherIsEfficient ? 'higher' : 'lower'} is more capital-efficient): what the last unit of safety costs.</p>`,
      charts: [
        {
          id: 'frontier',
          spec: intervalScatterSpec({
            title: `${r.target.label} against ${m.label.replace(/ \(.*\)$/, '')}`,
            xTitle: CAPITAL_AXIS_TITLES[m.key],
            xUnit: m.unit,
            yTitle: r.target.label,
            unit: unit ?? 'ratio',
            rows: r.evaluated.map((e, i) => ({ ...rows[i], x: e.capital[m.key], text: fmtParamValue(r.param, e.value) })),
            categoryTitle: 'decision',
            categories,
            connect: true,
            target,
            width: 560,
          }),
        },
      ],
      html: lastStepHtml(r),
    });
  }
  sections.push({
    id: 'values',
    title: 'Evaluated values',
    html: table(
      ['#', escapeHtml(paramTitle(r.param)), 'paths', escapeHtml(r.target.label), 'interval level', 'decision', ...(m ? [escapeHtml(m.label)] : [])],
      [...r.evaluated]
        .sort((a, b) => a.value - b.value)
        .map((e) => [
          String(e.order + 1),
          escapeHtml(fmtParamValue(r.param, e.value, 6)) + (rec && e.value === rec.value ? ' <b>(recommended)</b>' : ''),
          fmtInt(e.paths),
          ciHtml(e.metric, unit),
          escapeHtml(e.metric.level !== undefined ? `${pctConf(e.metric.level)} (look ${e.looks ?? 1})` : ''),
          escapeHtml(e.decision + (e.limitedBy ? ` (${e.limitedBy})` : '')),
          ...(m ? [escapeHtml(fmtUnit(e.capital[m.key], m.unit))] : []),
        ]),
    ),
  });
  sections.push(scenarioSection('scenario', 'Scenario', r.scenario, `<p>Seed ${r.seed}; every value runs on path indices 0 … n − 1 of this scenario; marginlab ${escapeHtml(r.marginlabVersion)}.</p>`));
  return {
    title: `Calibration — ${r.scenario.name}`,
    subtitle: `${paramInfoLabel(r.param)} in [${fmtParamValue(r.param, r.range[0])}, ${fmtParamValue(r.param, r.range[1])}] · target ${targetText} · overall confidence ${pctConf(r.confidence)} · ${fmtInt(r.pathsSpent)} paths`,
    headlineHtml: headline,
    sections,
  };
}

function lastStepHtml(r: CalibrationResult): string {
  const s = r.lastStep;
  const m = r.frontierMeasure;
  if (!s || !m) return '';
  const d = s.metricDifference;
  return `<p>The last unit of safety: going from ${escapeHtml(fmtParamValue(r.param, s.from))} to the next more efficient value evaluated, ${escapeHtml(fmtParamValue(r.param, s.to))}, changes ${escapeHtml(m.label)} from ${escapeHtml(fmtUnit(s.capitalFrom[m.key], m.unit))} to ${escapeHtml(
    fmtUnit(s.capitalTo[m.key], m.unit),
  )}${d ? ` and ${escapeHtml(r.target.label)} by ${diffHtml(d, r.target.unit ?? 'ratio')} (paired on the same paths, 95% interval)` : ''}.</p>`;
}

// ---------------------------------------------------------------- comparison

export function comparisonPage(r: ComparisonResult): PageOptions {
  const names = r.variants.map((v) => v.name);
  const base = r.variants.find((v) => v.name === r.baseline)!;
  const summary = comparisonSummary(r, null);
  const headline =
    verdictHtml(summary) +
    `<p class="lead">${r.variants.length} policies on the same ${fmtInt(r.paths)} paths (seed ${r.seed}): identical price shocks, so each difference from <b>${escapeHtml(r.baseline)}</b> is paired path by path. Rates differ in percentage points (pp); a difference counts as better or worse only when it is significant after a Holm–Bonferroni correction over all ${
      r.metrics.length * (r.variants.length - 1)
    } comparisons (less any not applicable to a side, e.g. a fund's figures where a policy has no fund), and the verdict quotes Holm-adjusted intervals, which exclude 0 exactly then.</p>` +
    `<ul class="facts"><li>Compute time <b>${escapeHtml(fmtDuration(summary.computeMs))}</b></li>${summary.resumed ? `<li><b>${escapeHtml(summary.resumed)}</b></li>` : ''}<li>Seed <b>${r.seed}</b></li></ul>`;

  const sections: PageSection[] = [];
  sections.push({
    id: 'metrics',
    title: 'Metrics by policy',
    introHtml: `<p>Estimates with 95% confidence intervals; for each policy, the paired difference from ${escapeHtml(r.baseline)} below it with its <b>unadjusted</b> 95% interval, rates in percentage points (* unadjusted interval excludes 0, ** significant after Holm correction; green: better, red: worse, after Holm correction — the verdict's colours). The forest plot below draws the Holm-adjusted intervals.</p>`,
    html: table(
      ['metric', ...names.map((n) => escapeHtml(n) + (n === r.baseline ? ' (baseline)' : ''))],
      r.metrics.map((m) => [
        escapeHtml(m.label),
        ...r.variants.map((v) => {
          const d = r.differences.find((x) => x.variant === v.name)?.metrics[m.key];
          return `${ciHtml(v.estimates?.[m.key] ?? metricEstimate(v.aggregates, m.key), m.unit)}${
            d ? `<br><span class="ci">Δ ${d.notApplicable ? `n/a: ${escapeHtml(d.notApplicable)}` : diffHtml(d, m.unit, d.significantHolm, m.key)}</span>` : ''
          }`;
        }),
      ]),
    ),
  });
  sections.push({
    id: 'forest',
    title: 'Paired differences (forest plot)',
    introHtml: `<p>Each policy minus ${escapeHtml(r.baseline)}, metric by metric, with Holm-adjusted intervals from paired per-path differences (bootstrap for VaR and ES): each drawn at the level Holm's procedure tests it at, so it excludes 0 exactly when the verdict counts the difference. Green: better, red: worse, grey: a metric with no better direction; faded: not significant after Holm correction. A metric not applicable to a side (a fund's figures where a policy has no fund) is left out. Common random numbers made these intervals ${escapeHtml(
      gainText(median(Object.values(r.crnPrecisionGain).filter((x): x is number => x !== null))),
    )} narrower than independent runs would (median over metrics).</p>`,
    charts: [
      {
        id: 'forest',
        spec: forestSpec({
          title: `Difference from ${r.baseline}`,
          baseline: r.baseline,
          metrics: r.metrics.map((m) => ({
            key: m.key,
            label: m.label,
            unit: m.unit,
            rows: r.differences
              .filter((d) => !d.metrics[m.key].notApplicable)
              .map((d) => {
                const x = d.metrics[m.key];
                const dir = directionOf(metricDef(m.key)?.worse ?? 'neither', x.estimate);
                return {
                  variant: d.variant,
                  estimate: x.estimate,
                  lower: x.holm?.lower ?? x.lower,
                  upper: x.holm?.upper ?? x.upper,
                  pValue: x.pValue,
                  effect: dir === 'neither' ? EFFECT_DOMAIN[2] : dir,
                  significance: x.significantHolm ? SIGNIFICANCE_DOMAIN[0] : SIGNIFICANCE_DOMAIN[1],
                  level: x.holm ? `Holm-adjusted ${Number((100 * x.holm.confidence).toPrecision(4))}%` : '95%, unadjusted',
                };
              }),
          })),
        }),
      },
    ],
  });
  const withSeries = r.variants.filter((v) => v.series);
  if (withSeries.length === r.variants.length) {
    const s0 = base.scenario;
    const tu = timeUnitFor(s0.stepSeconds * s0.horizonSteps);
    const per = s0.stepSeconds / tu.secondsPerUnit;
    const xTitle = `Time (${tu.unit})`;
    const bandRows = (pick: (v: (typeof r.variants)[number]) => { p05: number[]; p50: number[]; p95: number[] }): VariantBandRow[] =>
      r.variants.flatMap((v) => {
        const b = pick(v);
        return v.series!.steps.map((t, k) => ({ t: t * per, variant: v.name, p05: b.p05[k], p50: b.p50[k], p95: b.p95[k] }));
      });
    sections.push({
      id: 'prices',
      title: 'Price bands',
      introHtml: `<p>Mark price across paths per policy (median line, 5–95% shaded; from the first ${fmtInt(withSeries[0].series!.samplePaths)} paths). The exogenous shocks are identical; any gap between policies is liquidation flow moving the price.</p>`,
      charts: [{ id: 'price-bands', spec: variantBandsSpec({ title: 'Mark price', xTitle, yTitle: 'Mark price', unit: 'price', rows: bandRows((v) => v.series!.markUsd), variants: names }) }],
    });
    sections.push({
      id: 'liquidations',
      title: 'Liquidation volume',
      charts: [
        { id: 'cum-liq', spec: variantBandsSpec({ title: 'Cumulative liquidated notional', xTitle, yTitle: 'Liquidated notional', unit: 'usd', rows: bandRows((v) => v.series!.cumulativeLiquidatedUsd), variants: names, zero: true }) },
        ...(['liquidatedNotionalUsd.mean', 'fractionTradersLiquidated.mean', 'largestCascade.notionalUsd.mean'] as const)
          .filter((k) => r.metrics.some((m) => m.key === k))
          .map((k) => {
            const m = r.metrics.find((x) => x.key === k)!;
            return {
              id: `est-${k.replace(/\W+/g, '-')}`,
              spec: variantEstimateSpec({ title: m.label, unit: m.unit, variants: names, rows: r.variants.map((v) => ({ variant: v.name, ...(v.estimates?.[k] ?? metricEstimate(v.aggregates, k)) })) }),
            };
          }),
      ],
    });
    sections.push({
      id: 'fund',
      title: 'Insurance fund',
      charts: [{ id: 'fund-bands', spec: variantBandsSpec({ title: 'Insurance fund', xTitle, yTitle: 'Insurance fund', unit: 'usd', rows: bandRows((v) => v.series!.insuranceFundUsd), variants: names, zero: true }) }],
    });
  }
  sections.push({
    id: 'bad-debt',
    title: 'Bad debt',
    introHtml: '<p>The upper tail of the per-path bad-debt distribution (the quantile function from the 90th percentile up), and each policy’s headline bad-debt estimates.</p>',
    charts: [
      {
        id: 'bad-debt-tail',
        spec: tailQuantileSpec({
          title: 'Bad debt: upper-tail quantiles',
          yTitle: 'Bad debt per path',
          variants: names,
          rows: r.variants.flatMap((v) => v.distributions.p.map((p, k) => ({ p, variant: v.name, value: v.distributions.badDebtUsd[k] }))),
        }),
      },
      ...(['probBadDebt', 'badDebtUsd.mean', 'badDebtUsd.es99', 'probFundExhausted'] as const)
        .filter((k) => r.metrics.some((m) => m.key === k))
        .map((k) => {
          const m = r.metrics.find((x) => x.key === k)!;
          return { id: `est-${k.replace(/\W+/g, '-')}`, spec: variantEstimateSpec({ title: m.label, unit: m.unit, variants: names, rows: r.variants.map((v) => ({ variant: v.name, ...(v.estimates?.[k] ?? metricEstimate(v.aggregates, k)) })) }) };
        }),
    ],
  });
  sections.push(capitalSection(r.variants.map((v) => ({ name: v.name, capital: v.capital })), 'capital'));
  sections.push({
    id: 'policies',
    title: 'Policies',
    introHtml: `<p>What each policy changes relative to ${escapeHtml(r.baseline)}, then the baseline scenario in full. marginlab ${escapeHtml(r.marginlabVersion)}.</p>`,
    html:
      table(
        ['policy', 'source', 'differs from baseline in'],
        r.variants.map((v) => [
          escapeHtml(v.name) + (v.description ? `<br><span class="note">${escapeHtml(v.description)}</span>` : ''),
          escapeHtml(v.source),
          v.name === r.baseline ? '(baseline)' : escapeHtml(differences({ ...base.scenario, name: '', description: '', bookRules: undefined }, { ...v.scenario, name: '', description: '', bookRules: undefined }, 12).join(', ') || '(nothing)'),
        ]),
      ) + `<pre class="yaml">${escapeHtml(stringify(base.scenario))}</pre>`,
  });
  return {
    title: `Comparison — ${names.join(' vs ')}`,
    subtitle: `${r.variants.length} policies · ${fmtInt(r.paths)} paths each · seed ${r.seed} · common random numbers · baseline ${r.baseline}`,
    headlineHtml: headline,
    sections,
  };
}


