/**
 * The extra price move caused by cascades, per path, as two histograms binned in Node:
 * left, the move the path's largest cascade added within its step (liquidation flow's impact,
 * negative when longs were sold); right, how much deeper the realised maximum drawdown was than the
 * exogenous one (percentage points). A dashed rule marks each median.
 */
import { quantile } from 'simple-statistics';
import { COLORS } from '../theme.js';
import { HALF_WIDTH, VL_SCHEMA, emptyChart, sig } from './common.js';
import { histogram } from './histogram.js';

export interface CascadeImpactInput {
  /** Per path with at least one cascade: largest cascade's price move, in percent (signed). */
  largestCascadeMovePct: number[];
  /** Per path: realised minus exogenous max drawdown, in percentage points. */
  extraDrawdownPct: number[];
  width?: number;
}

function panel(values: number[], title: string, xTitle: string, color: string, width: number): object {
  const bins = histogram(values, 30).map((b) => ({ x0: sig(b.x0), x1: sig(b.x1), count: b.count, share: sig(b.count / values.length) }));
  const median = sig(quantile(values, 0.5));
  return {
    title: { text: title, fontSize: 12.5 },
    width,
    height: 200,
    layer: [
      {
        data: { values: bins },
        mark: { type: 'bar', color, opacity: 0.85, binSpacing: 1 },
        encoding: {
          x: { field: 'x0', type: 'quantitative', bin: 'binned', title: xTitle, axis: { format: '.2~f' } },
          x2: { field: 'x1' },
          y: { field: 'count', type: 'quantitative', title: 'Paths' },
          tooltip: [
            { field: 'x0', type: 'quantitative', title: 'From', format: '.3~f' },
            { field: 'x1', type: 'quantitative', title: 'To', format: '.3~f' },
            { field: 'count', type: 'quantitative', title: 'Paths', format: ',d' },
            { field: 'share', type: 'quantitative', title: 'Share of paths', format: '.1~%' },
          ],
        },
      },
      {
        data: { values: [{ median, label: `median ${median.toFixed(2)}` }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [4, 3], color: '#222b38' }, encoding: { x: { field: 'median', type: 'quantitative' } } },
          {
            mark: { type: 'text', align: 'left', dx: 4, dy: 2, baseline: 'top', y: 0, fontSize: 10.5, color: '#222b38' },
            encoding: { x: { field: 'median', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
    ],
  };
}

export function cascadeImpactSpec(input: CascadeImpactInput): object {
  const w = input.width ?? HALF_WIDTH;
  if (input.extraDrawdownPct.length === 0) return emptyChart('Extra price move from cascades', 'No paths.');
  const panels = [];
  if (input.largestCascadeMovePct.length > 0) {
    panels.push(panel(input.largestCascadeMovePct, 'Move added by the largest cascade', 'Price move within the cascade’s step (%)', COLORS.realised, w));
  }
  panels.push(panel(input.extraDrawdownPct, 'Extra maximum drawdown', 'Realised − exogenous max drawdown (pct. points)', COLORS.exogenous, w));
  return {
    $schema: VL_SCHEMA,
    title: {
      text: 'Extra price move caused by cascades',
      subtitle: `Per path, ${input.extraDrawdownPct.length.toLocaleString('en-US')} paths; binned before plotting. Dashed line: median.`,
    },
    hconcat: panels,
  };
}
