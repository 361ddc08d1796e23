/**
 * Cascade sizes as a complementary CDF on log-log axes: P(a cascade has ≥ x accounts) and
 * P(≥ x USD liquidated). A straight tail on these axes is a power law; a steeper drop means big
 * cascades are rare. A cascade is every liquidation in one step (all its generations). The CCDF is
 * exact at the histogram's bin edges: P(S ≥ edge_b) = Σ_{b' ≥ b} count_b' / Σ count.
 */
import { COLORS } from '../theme.js';
import { HALF_WIDTH, VL_SCHEMA, emptyChart, sig } from './common.js';

export interface BinnedCounts {
  lowerBound: number[];
  count: number[];
}

export interface CcdfRow {
  x: number;
  ccdf: number;
  atLeast: number;
}

/** CCDF points at each bin's lower edge, dropping the bins past the largest cascade. */
export function ccdfRows(h: BinnedCounts): CcdfRow[] {
  const total = h.count.reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  const rows: CcdfRow[] = [];
  let atLeast = total;
  for (let b = 0; b < h.count.length; b++) {
    if (atLeast > 0) rows.push({ x: sig(h.lowerBound[b]), ccdf: sig(atLeast / total), atLeast });
    atLeast -= h.count[b];
  }
  return rows;
}

export interface CascadeCcdfInput {
  accounts: BinnedCounts;
  notionalUsd: BinnedCounts;
  subtitle?: string | string[];
  width?: number;
}

/** Powers of ten covering [lo, hi] (lo, hi > 0), for log-axis ticks and grid lines. */
export function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo) + 1e-9); e <= Math.ceil(Math.log10(hi) - 1e-9); e++) out.push(Number(`1e${e}`));
  return out;
}

function panel(rows: CcdfRow[], xTitle: string, xFormat: object, color: string, width: number, what: string, minCcdf: number): object {
  const xs = rows.map((r) => r.x);
  return {
    width,
    height: 240,
    data: { values: rows },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: xTitle,
        scale: { type: 'log' },
        axis: { ...xFormat, values: decades(Math.min(...xs), Math.max(...xs)) },
      },
      y: {
        field: 'ccdf',
        type: 'quantitative',
        title: 'Share of cascades at least this large',
        scale: { type: 'log', domain: [decades(minCcdf, 1)[0], 1] },
        axis: { values: decades(minCcdf, 1), labelExpr: "format(datum.value * 100, '~g') + '%'" },
      },
    },
    layer: [
      { mark: { type: 'line', color, strokeWidth: 1.8, interpolate: 'step-after' } },
      {
        mark: { type: 'point', color, filled: true, size: 36 },
        encoding: {
          tooltip: [
            { field: 'x', type: 'quantitative', title: `At least (${what})`, ...xFormat },
            { field: 'ccdf', type: 'quantitative', title: 'Share of cascades', format: '.3~%' },
            { field: 'atLeast', type: 'quantitative', title: 'Cascades', format: ',d' },
          ],
        },
      },
    ],
  };
}

export function cascadeCcdfSpec(input: CascadeCcdfInput): object {
  const a = ccdfRows(input.accounts);
  const n = ccdfRows(input.notionalUsd);
  if (a.length === 0) return emptyChart('Cascade sizes', 'No liquidation happened on any path, so there are no cascades to show.');
  const w = input.width ?? HALF_WIDTH;
  const minCcdf = Math.min(...a.map((r) => r.ccdf), ...n.map((r) => r.ccdf));
  return {
    $schema: VL_SCHEMA,
    title: {
      text: 'Cascade sizes (complementary CDF, log-log)',
      subtitle: input.subtitle ?? `${a[0].atLeast.toLocaleString('en-US')} cascades (steps with at least one liquidation) across all paths.`,
    },
    hconcat: [
      panel(a, 'Accounts liquidated in the cascade', { format: ',d' }, COLORS.realised, w, 'accounts', minCcdf),
      panel(n, 'Notional liquidated in the cascade (USD)', { formatType: 'usd' }, COLORS.exogenous, w, 'USD', minCcdf),
    ],
    resolve: { scale: { y: 'shared' } },
  };
}
