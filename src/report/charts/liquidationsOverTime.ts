/**
 * Liquidations over time: liquidated notional per time bucket across paths, longs and shorts in two
 * rows on a shared scale. Shading is the 5–95% and 25–75% band across paths, the line is the mean
 * (the median is often zero: most buckets of most paths have no liquidation).
 */
import { COLORS } from '../theme.js';
import { FULL_WIDTH, VL_SCHEMA, type BandRow, hoverRule } from './common.js';

export interface LiquidationsInput {
  long: BandRow[];
  short: BandRow[];
  xTitle: string;
  /** e.g. "per 6-minute interval". */
  bucketLabel: string;
  subtitle?: string | string[];
  width?: number;
}

export const SIDES = { long: 'Longs liquidated', short: 'Shorts liquidated' } as const;

export function liquidationsOverTimeSpec(input: LiquidationsInput): object {
  const rows = [...input.long.map((r) => ({ side: SIDES.long, ...r })), ...input.short.map((r) => ({ side: SIDES.short, ...r }))];
  const color = {
    field: 'side',
    type: 'nominal',
    title: null,
    scale: { domain: [SIDES.long, SIDES.short], range: [COLORS.long, COLORS.short] },
    legend: null,
  };
  const x = { field: 't', type: 'quantitative', title: input.xTitle, scale: { nice: false } };
  const usd = { formatType: 'usd' };
  return {
    $schema: VL_SCHEMA,
    title: {
      text: `Liquidated notional over time (${input.bucketLabel})`,
      subtitle: input.subtitle ?? 'Shading: 5–95% and 25–75% of paths. Line: mean across paths.',
    },
    data: { values: rows },
    facet: {
      row: {
        field: 'side',
        type: 'nominal',
        title: null,
        sort: [SIDES.long, SIDES.short],
        header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontSize: 12, labelFontWeight: 600, labelPadding: 4 },
      },
    },
    spec: {
      width: input.width ?? FULL_WIDTH,
      height: 130,
      encoding: { x },
      layer: [
        {
          mark: { type: 'area', opacity: 0.22 },
          encoding: { y: { field: 'p05', type: 'quantitative', title: 'Notional (USD)', axis: { ...usd, tickCount: 4 } }, y2: { field: 'p95' }, color },
        },
        { mark: { type: 'area', opacity: 0.45 }, encoding: { y: { field: 'p25', type: 'quantitative' }, y2: { field: 'p75' }, color } },
        { mark: { type: 'line', strokeWidth: 1.6 }, encoding: { y: { field: 'mean', type: 'quantitative' }, color } },
        hoverRule([
          { field: 'side', type: 'nominal', title: 'Side' },
          { field: 't', type: 'quantitative', title: input.xTitle, format: ',.2~f' },
          { field: 'mean', type: 'quantitative', title: 'Mean', ...usd },
          { field: 'p50', type: 'quantitative', title: 'Median', ...usd },
          { field: 'p75', type: 'quantitative', title: '75th percentile', ...usd },
          { field: 'p95', type: 'quantitative', title: '95th percentile', ...usd },
        ]),
      ],
    },
    resolve: { scale: { y: 'shared' } },
  };
}
