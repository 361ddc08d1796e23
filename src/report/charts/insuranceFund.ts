/**
 * Insurance-fund trajectory: quantile bands of the fund balance over time across paths, with the
 * starting balance as a reference line. A band reaching zero means the fund ran dry on those paths.
 */
import { COLORS } from '../theme.js';
import { bandChartSpec } from './bandChart.js';
import { sig, type BandRow } from './common.js';

export interface InsuranceFundInput {
  rows: BandRow[];
  initialUsd: number;
  xTitle: string;
  subtitle?: string | string[];
  width?: number;
}

export function insuranceFundSpec(input: InsuranceFundInput): object {
  return bandChartSpec({
    title: 'Insurance fund over time',
    subtitle: input.subtitle,
    rows: input.rows,
    color: COLORS.fund,
    yTitle: 'Fund balance (USD)',
    xTitle: input.xTitle,
    width: input.width,
    height: 220,
    extraLayers: [
      {
        data: { values: [{ y: sig(input.initialUsd), label: 'starting balance' }] },
        layer: [
          { mark: { type: 'rule', strokeDash: [2, 2], color: '#5b6573' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
          {
            mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, x: { expr: 'width - 4' }, fontSize: 10.5, color: '#5b6573' },
            encoding: { y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
    ],
  });
}
