/**
 * Text formatting of study values (no vega, so the CLI can use it without loading the report stack).
 */
import { fmtInt, fmtPct, usdFormat } from './format.js';
import type { Unit } from '../sweep/metrics.js';

/** A value in its unit, for text. */
export function fmtUnit(x: number, unit: Unit | 'ratio' | 'usd' | null | undefined): string {
  if (!Number.isFinite(x)) return String(x);
  switch (unit) {
    case 'usd':
      return usdFormat(x);
    case 'probability':
    case 'fraction':
      return fmtPct(x);
    case 'log':
      return x.toFixed(4);
    default:
      return Math.abs(x) >= 1000 ? fmtInt(x) : String(Number(x.toPrecision(4)));
  }
}

/** A parameter value for text (up to 6 significant digits). */
export function fmtParam(x: number): string {
  return String(Number(x.toPrecision(6)));
}

