/**
 * Bad debt per path: a histogram of the paths that ended with bad debt (binned in Node; the paths
 * with none are counted in the subtitle, since they would dwarf every other bar), with the 95% and
 * 99% value-at-risk and the 99% expected shortfall as vertical lines, each with its 95% confidence
 * interval drawn as a bracket. Heavy tails (largest > 50 × median of the positive values) switch the
 * x axis to log scale with quarter-decade bins; when the fullest bin holds more than 50 × the
 * emptiest non-empty one, the count axis is square-root scaled (and says so) so single tail paths
 * stay visible.
 */
import { quantile } from 'simple-statistics';
import type { Estimate } from '../../stats/ci.js';
import { COLORS } from '../theme.js';
import { usdFormat, fmtPct } from '../format.js';
import { FULL_WIDTH, VL_SCHEMA, emptyChart, sig } from './common.js';
import { histogram, logHistogram, type Bin } from './histogram.js';

export interface BadDebtInput {
  badDebtUsd: ArrayLike<number>;
  var95: Estimate;
  var99: Estimate;
  es99: Estimate;
  probBadDebt: Estimate;
  width?: number;
}

export interface RiskLine {
  label: string;
  value: number;
  /** Confidence limits; null = open (the sample cannot give one). */
  lower: number | null;
  upper: number | null;
  color: string;
}

/** Chooses linear or log bins for the positive values. */
function badDebtBins(positive: number[]): { bins: Bin[]; log: boolean } {
  if (positive.length >= 5) {
    const med = quantile(positive, 0.5);
    const max = Math.max(...positive);
    if (med > 0 && max / med > 50) return { bins: logHistogram(positive), log: true };
  }
  return { bins: histogram(positive, 40), log: false };
}

export function badDebtHistogramSpec(input: BadDebtInput): object {
  const all = Array.from(input.badDebtUsd);
  const n = all.length;
  const positive = all.filter((x) => x > 0);
  const title = 'Bad debt per path';
  if (positive.length === 0) {
    return emptyChart(
      title,
      `No path ended with bad debt (0 of ${n.toLocaleString('en-US')}); at 95% confidence P(bad debt > 0) is at most ${fmtPct(input.probBadDebt.upper ?? 1)}.`,
    );
  }
  const { bins, log } = badDebtBins(positive);
  const rows = bins.map((b) => ({ x0: sig(b.x0), x1: sig(b.x1), count: b.count, share: sig(b.count / n) }));
  const candidates: RiskLine[] = [
    { label: 'VaR 95%', value: input.var95.estimate, lower: input.var95.lower, upper: input.var95.upper, color: COLORS.neutral },
    { label: 'VaR 99%', value: input.var99.estimate, lower: input.var99.lower, upper: input.var99.upper, color: COLORS.badDebt },
    { label: 'ES 99%', value: input.es99.estimate, lower: input.es99.lower, upper: input.es99.upper, color: COLORS.accent },
  ];
  const atZero = candidates.filter((l) => !(l.value > 0)).map((l) => l.label);
  // an open upper limit is drawn to the right edge of the bars and labelled "open"
  const edge = Math.max(bins[bins.length - 1].x1, ...candidates.map((l) => l.value));
  const opened: string[] = [];
  // where a value sits across the x axis (0 = left edge, 1 = right edge), to keep its label inside the chart
  const xMin = log ? bins[0].x0 : 0;
  const xMax = Math.max(edge, ...candidates.map((l) => l.upper ?? edge));
  const frac = (v: number) => (log ? Math.log(Math.max(v, xMin) / xMin) / Math.log(xMax / xMin) : (v - xMin) / (xMax - xMin || 1));
  const lines = candidates
    .filter((l) => l.value > 0)
    .map((l, k) => {
      if (l.upper === null) opened.push(l.label);
      const lower = log ? Math.max(l.lower ?? 0, bins[0].x0) : (l.lower ?? 0);
      const upper = l.upper ?? edge;
      // a label right of its bracket, or left of it when the bracket ends in the right 40% of the axis
      const left = frac(upper) > 0.6;
      return {
        ...l,
        value: sig(l.value),
        lower: sig(lower),
        upper: sig(upper),
        open: l.upper === null ? 'open (too few tail paths)' : '',
        y: 12 + 16 * k,
        text: `${l.label} ${usdFormat(l.value)}${l.upper === null ? ' (upper limit open)' : ''}`,
        at: sig(left ? lower : upper),
        side: left ? 'left' : 'right',
      };
    });
  const x = {
    field: 'x0',
    type: 'quantitative',
    bin: 'binned',
    title: `Bad debt per path (USD${log ? ', log scale' : ''})`,
    scale: log ? { type: 'log' } : { zero: true },
    axis: { formatType: 'usd' },
  };
  const zeros = n - positive.length;
  const nonEmpty = rows.filter((b) => b.count > 0).map((b) => b.count);
  const maxCount = Math.max(...nonEmpty);
  const sqrtY = maxCount > 50 * Math.min(...nonEmpty);
  return {
    $schema: VL_SCHEMA,
    title: {
      text: title,
      subtitle: [
        `${positive.length.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} paths (${fmtPct(positive.length / n)}) ended with bad debt; the ${zeros.toLocaleString('en-US')} with none are not drawn.`,
        'Vertical lines: value-at-risk and expected shortfall over all paths; brackets: their 95% confidence intervals.' +
          (atZero.length ? ` ${atZero.join(' and ')} ${atZero.length > 1 ? 'are' : 'is'} $0 (not drawn).` : '') +
          (opened.length ? ` ${opened.join(' and ')}: too few tail paths for an upper limit (bracket runs to the edge).` : ''),
      ],
    },
    width: input.width ?? FULL_WIDTH,
    height: 260,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', color: COLORS.badDebt, opacity: 0.75, binSpacing: 1 },
        encoding: {
          x,
          x2: { field: 'x1' },
          y: {
            field: 'count',
            type: 'quantitative',
            title: sqrtY ? 'Paths (square-root scale)' : 'Paths',
            scale: sqrtY ? { type: 'sqrt' } : {},
            // whole paths only: list the ticks when there are few, else let d3 pick (integers above 6)
            axis: maxCount <= 6 ? { values: Array.from({ length: maxCount + 1 }, (_, k) => k), format: ',d' } : { tickCount: 6, format: ',d' },
          },
          tooltip: [
            { field: 'x0', type: 'quantitative', title: 'From', formatType: 'usd' },
            { field: 'x1', type: 'quantitative', title: 'To', formatType: 'usd' },
            { field: 'count', type: 'quantitative', title: 'Paths', format: ',d' },
            { field: 'share', type: 'quantitative', title: 'Share of all paths', format: '.2~%' },
          ],
        },
      },
      ...(lines.length
        ? [
            {
              data: { values: lines },
              encoding: {
                color: { field: 'label', type: 'nominal', scale: { domain: lines.map((l) => l.label), range: lines.map((l) => l.color) }, legend: null },
                tooltip: [
                  { field: 'label', type: 'nominal', title: 'Measure' },
                  { field: 'value', type: 'quantitative', title: 'Estimate', formatType: 'usd' },
                  { field: 'lower', type: 'quantitative', title: '95% CI lower', formatType: 'usd' },
                  { field: 'upper', type: 'quantitative', title: '95% CI upper', formatType: 'usd' },
                  { field: 'open', type: 'nominal', title: 'Upper limit' },
                ],
              },
              layer: [
                { mark: { type: 'rule', strokeWidth: 2, strokeDash: [6, 3] }, encoding: { x: { field: 'value', type: 'quantitative' } } },
                {
                  mark: { type: 'rule', strokeWidth: 1.5 },
                  encoding: { x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' }, y: { field: 'y', type: 'quantitative', scale: null } },
                },
                // a white halo under each label keeps it readable over the bars; labels near the right edge sit left of their bracket
                ...(['right', 'left'] as const).filter((side) => lines.some((l) => l.side === side)).flatMap((side) => {
                  const mark = { type: 'text', align: side === 'right' ? 'left' : 'right', dx: side === 'right' ? 5 : -5, baseline: 'middle', fontSize: 11, fontWeight: 600 };
                  const encoding = { x: { field: 'at', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: null }, text: { field: 'text' } };
                  const only = [{ filter: { field: 'side', equal: side } }];
                  return [
                    { transform: only, mark: { ...mark, stroke: '#ffffff', strokeWidth: 3.5, strokeJoin: 'round' }, encoding: { ...encoding, color: { value: '#ffffff' } } },
                    { transform: only, mark, encoding },
                  ];
                }),
              ],
            },
          ]
        : []),
    ],
  };
}
