/**
 * Price fan chart: quantile bands across paths of the exogenous (fundamental) price, shaded, and of
 * the realised mark price (with the impact of liquidation flow), drawn as lines on top — so the
 * reader sees how far the realised band reaches beyond the exogenous one, i.e. how much of the fall
 * the liquidations themselves caused. Click a legend entry to highlight one series; hover for values.
 */
import { COLORS } from '../theme.js';
import { FULL_WIDTH, PRICE_FORMAT, VL_SCHEMA, type BandRow, hoverRule } from './common.js';

export interface PriceFanInput {
  fundamental: BandRow[];
  mark: BandRow[];
  xTitle: string;
  subtitle?: string | string[];
  width?: number;
  height?: number;
}

export const PRICE_SERIES = { exogenous: 'Exogenous (price model only)', realised: 'Realised mark (with liquidation impact)' } as const;

export function priceFanSpec(input: PriceFanInput): object {
  const rows = [
    ...input.fundamental.map((r) => ({ series: PRICE_SERIES.exogenous, ...r })),
    ...input.mark.map((r) => ({ series: PRICE_SERIES.realised, ...r })),
  ];
  const wide = input.fundamental.map((f, k) => {
    const m = input.mark[k];
    return { t: f.t, exoP05: f.p05, exoP50: f.p50, exoP95: f.p95, realP05: m.p05, realP50: m.p50, realP95: m.p95 };
  });
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: [PRICE_SERIES.exogenous, PRICE_SERIES.realised], range: [COLORS.exogenous, COLORS.realised] },
    legend: { orient: 'top', direction: 'horizontal', symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 3, labelLimit: 400 },
  };
  const highlight = (on: number, off: number) => ({ condition: { param: 'series', value: on }, value: off });
  const x = { field: 't', type: 'quantitative', title: input.xTitle, scale: { nice: false } };
  const only = (s: string) => ({ filter: { field: 'series', equal: s } });
  const priceTip = (field: string, title: string) => ({ field, type: 'quantitative', title, format: PRICE_FORMAT });
  return {
    $schema: VL_SCHEMA,
    title: {
      text: 'Price across paths: exogenous vs realised',
      subtitle: input.subtitle ?? 'Blue shading: exogenous 5–95% and 25–75% of paths; blue dashed line on top: exogenous median. Red lines: realised median (thick), 25/75% (thin) and 5/95% (dashed).',
    },
    width: input.width ?? FULL_WIDTH,
    height: input.height ?? 300,
    layer: [
      {
        data: { values: rows },
        layer: [
          {
            transform: [only(PRICE_SERIES.exogenous)],
            mark: { type: 'area' },
            encoding: {
              x,
              y: { field: 'p05', type: 'quantitative', title: 'Price (USD)', scale: { zero: false }, axis: { format: PRICE_FORMAT } },
              y2: { field: 'p95' },
              color,
              opacity: highlight(0.2, 0.05),
            },
          },
          {
            transform: [only(PRICE_SERIES.exogenous)],
            mark: { type: 'area' },
            encoding: { x, y: { field: 'p25', type: 'quantitative' }, y2: { field: 'p75' }, color, opacity: highlight(0.3, 0.06) },
          },
          {
            mark: { type: 'line', strokeWidth: 2.2 },
            params: [{ name: 'series', select: { type: 'point', fields: ['series'] }, bind: 'legend' }],
            encoding: { x, y: { field: 'p50', type: 'quantitative' }, color, opacity: highlight(1, 0.2) },
          },
          {
            transform: [only(PRICE_SERIES.realised), { fold: ['p05', 'p25', 'p75', 'p95'], as: ['quantile', 'price'] }],
            mark: { type: 'line' },
            encoding: {
              x,
              y: { field: 'price', type: 'quantitative' },
              color,
              detail: { field: 'quantile', type: 'nominal' },
              strokeDash: { field: 'quantile', type: 'nominal', scale: { domain: ['p05', 'p25', 'p75', 'p95'], range: [[5, 3], [1, 0], [1, 0], [5, 3]] }, legend: null },
              strokeWidth: { value: 1.2 },
              opacity: highlight(0.95, 0.15),
            },
          },
          // the exogenous median again, dashed and on top, so it stays visible where the realised lines cover it
          {
            transform: [only(PRICE_SERIES.exogenous)],
            mark: { type: 'line', strokeWidth: 2.2, strokeDash: [7, 4] },
            encoding: { x, y: { field: 'p50', type: 'quantitative' }, color, opacity: highlight(1, 0.2) },
          },
        ],
      },
      hoverRule([
        { field: 't', type: 'quantitative', title: input.xTitle, format: ',.2~f' },
        priceTip('exoP50', 'Exogenous median'),
        priceTip('exoP05', 'Exogenous 5%'),
        priceTip('exoP95', 'Exogenous 95%'),
        priceTip('realP50', 'Realised median'),
        priceTip('realP05', 'Realised 5%'),
        priceTip('realP95', 'Realised 95%'),
      ], x, { data: { values: wide } }),
    ],
  };
}
