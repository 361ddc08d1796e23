/**
 * Issue 13's panels: collateral value vs position value over time (volatile collateral and lending:
 * what backs the open positions at the marks, against what they are worth), and funding paid by side
 * over time (net funding paid by longs; the market's outside book takes any imbalance with the shorts).
 */
import { COLORS } from '../theme.js';
import { bandChartSpec } from './bandChart.js';
import type { BandRow } from './common.js';

export interface CollateralValueInput {
  /** Bands of collateral value ÷ position value, per path (cash + haircut value of collateral + borrowers' collateral, over open interest + borrowers' debt). */
  coverage: BandRow[];
  xTitle: string;
  subtitle?: string | string[];
  width?: number;
}

export function collateralValueSpec(input: CollateralValueInput): object {
  return bandChartSpec({
    title: 'Collateral value vs position value',
    subtitle: input.subtitle,
    rows: input.coverage,
    color: COLORS.fund,
    yTitle: 'Collateral ÷ position value',
    yFormat: '.1%',
    xTitle: input.xTitle,
    width: input.width,
    height: 240,
    zero: false,
  });
}

export interface FundingBySideInput {
  rows: BandRow[];
  xTitle: string;
  subtitle?: string | string[];
  width?: number;
}

export function fundingBySideSpec(input: FundingBySideInput): object {
  return bandChartSpec({
    title: 'Funding paid by side over time',
    subtitle: input.subtitle,
    rows: input.rows,
    color: '#1b9e77',
    yTitle: 'Paid by longs, net (USD)',
    xTitle: input.xTitle,
    width: input.width,
    height: 220,
    zero: false,
    extraLayers: [
      {
        data: { values: [{ y: 0 }] },
        mark: { type: 'rule', strokeDash: [2, 2], color: '#5b6573' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  });
}
