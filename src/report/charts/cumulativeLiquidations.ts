/**
 * Cumulative liquidated notional (longs + shorts) over time: quantile bands across paths. Where the
 * per-bucket chart shows when liquidations happen, this one shows how much has been closed by then.
 */
import { COLORS } from '../theme.js';
import { bandChartSpec } from './bandChart.js';
import type { BandRow } from './common.js';

export interface CumulativeLiquidationsInput {
  rows: BandRow[];
  xTitle: string;
  subtitle?: string | string[];
  width?: number;
}

export function cumulativeLiquidationsSpec(input: CumulativeLiquidationsInput): object {
  return bandChartSpec({
    title: 'Cumulative liquidated notional',
    subtitle: input.subtitle,
    rows: input.rows,
    color: COLORS.realised,
    yTitle: 'Liquidated so far (USD)',
    xTitle: input.xTitle,
    width: input.width,
    height: 220,
  });
}
