/**
 * Helpers shared by the chart builders: the vega-lite schema URL, the time axis, rounding (so a
 * page does not carry 17-digit floats), quantile-band rows, and a placeholder chart for empty data.
 * Everything here is pure.
 */
import type { Band } from '../../stats/aggregate.js';
import { timeUnitFor } from '../format.js';

export const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Width of a full-width chart's plotting area, in pixels (fits the page's content column). */
export const FULL_WIDTH = 860;
/** Width of a half-width chart's plotting area. */
export const HALF_WIDTH = 380;

/** Format for prices: four significant digits with a dollar sign ($97.53, $0.5123, $12,350). */
export const PRICE_FORMAT = '$,.4~r';

export interface TimeAxis {
  /** Multiply a step index by this to get the axis value. */
  perStep: number;
  title: string;
  unit: 'minutes' | 'hours' | 'days';
}

/** The time axis for a run of `horizonSteps` steps of `stepSeconds` each. */
export function timeAxis(stepSeconds: number, horizonSteps: number): TimeAxis {
  const { unit, secondsPerUnit } = timeUnitFor(stepSeconds * horizonSteps);
  return { perStep: stepSeconds / secondsPerUnit, title: `Time (${unit})`, unit };
}

/** Rounds to `digits` significant digits (default 6); exact for 0 and integers below 1e6. */
export function sig(x: number, digits = 6): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

/** "Bands from 1,000 of 10,000 paths" (or "from all 200 paths"). */
export function bandsNote(samplePaths: number, paths: number): string {
  return samplePaths >= paths
    ? `Bands from all ${samplePaths.toLocaleString('en-US')} paths`
    : `Bands from ${samplePaths.toLocaleString('en-US')} of ${paths.toLocaleString('en-US')} paths`;
}

export interface BandRow {
  t: number;
  p05: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  mean: number;
}

/** One row per time point with the band's quantiles and mean, rounded. */
export function bandRows(steps: number[], band: Band, perStep: number): BandRow[] {
  return steps.map((s, k) => ({
    t: sig(s * perStep),
    p05: sig(band.p05[k]),
    p25: sig(band.p25[k]),
    p50: sig(band.p50[k]),
    p75: sig(band.p75[k]),
    p95: sig(band.p95[k]),
    mean: sig(band.mean[k]),
  }));
}

/** A chart that says there is nothing to draw (still a valid spec with a mark). */
export function emptyChart(title: string, message: string, width = FULL_WIDTH): object {
  return {
    $schema: VL_SCHEMA,
    title: { text: title },
    width,
    height: 60,
    data: { values: [{ message }] },
    mark: { type: 'text', fontSize: 13, color: '#5b6573', align: 'left', baseline: 'middle', x: 8, y: 30 },
    encoding: { text: { field: 'message', type: 'nominal' } },
    view: { stroke: null },
  };
}

/**
 * The hover layer of a time chart: an invisible rule that follows the pointer to the nearest time
 * point, shows there, and carries the tooltip. `x` is the chart's x encoding (omit it when the parent
 * layer supplies one); `extra` adds e.g. the layer's own `data`.
 */
export function hoverRule(tooltip: object[], x?: object, extra: object = {}): object {
  return {
    ...extra,
    mark: { type: 'rule', color: '#222b38' },
    params: [{ name: 'hover', select: { type: 'point', encodings: ['x'], nearest: true, on: 'pointermove', clear: 'pointerout' } }],
    encoding: {
      ...(x ? { x } : {}),
      opacity: { condition: { param: 'hover', empty: false, value: 0.5 }, value: 0 },
      tooltip,
    },
  };
}
