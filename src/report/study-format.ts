/**
 * Text formatting of study values (no vega, so the CLI can use it without loading the report stack):
 * values in their unit, differences (rates in percentage points), and parameters named in words
 * ("maintenance margin rate (%)", not `policy.maintenance.mmr`).
 */
import { fmtInt, fmtNum, fmtPct, fmtPp, fmtSigned, minus, usdFormat } from './format.js';
import type { Unit } from '../sweep/metrics.js';

/** A value in its unit, for text (minus sign U+2212 for negatives). */
export function fmtUnit(x: number, unit: Unit | 'ratio' | 'usd' | null | undefined): string {
  if (!Number.isFinite(x)) return String(x);
  switch (unit) {
    case 'usd':
      return usdFormat(x);
    case 'probability':
    case 'fraction':
      return fmtPct(x);
    case 'log':
      return minus(x.toFixed(4));
    default:
      return Math.abs(x) >= 1000 ? fmtInt(x) : minus(String(Number(x.toPrecision(4))));
  }
}

/**
 * A difference between two values of a metric, signed: rates (probabilities, fractions) in
 * percentage points ("+1.7 pp"), dollars as "+$12.5k" / "−$3.1M", counts and ratios as "+2.4".
 */
export function fmtDiff(d: number, unit: Unit | 'ratio' | 'usd' | null | undefined): string {
  if (!Number.isFinite(d)) return String(d);
  if (unit === 'probability' || unit === 'fraction') return fmtPp(d);
  return fmtSigned(d, (v) => fmtUnit(v, unit));
}

/** A parameter value for text (up to 6 significant digits). */
export function fmtParam(x: number): string {
  return minus(String(Number(x.toPrecision(6))));
}

/** How a parameter is shown: words for titles, and the unit its values are written in. */
export interface ParamInfo {
  /** In words, without unit: "maintenance margin rate". */
  label: string;
  /** percent: a fraction shown as %; usd: dollars; times: a multiple ("20×"); plain: a number. */
  unit: 'percent' | 'usd' | 'times' | 'steps' | 'plain';
}

/** Parameters with a name better than their field's words. */
const KNOWN: Record<string, ParamInfo> = {
  'policy.maintenance.mmr': { label: 'maintenance margin rate', unit: 'percent' },
  'policy.maintenance.fraction': { label: 'maintenance margin as a share of initial margin', unit: 'percent' },
  'policy.maintenance.floorMmr': { label: 'maintenance margin floor', unit: 'percent' },
  'policy.maintenance.baseMmr': { label: 'base maintenance margin rate', unit: 'percent' },
  'policy.maintenance.maxMmr': { label: 'maximum maintenance margin rate', unit: 'percent' },
  'policy.maxLeverage': { label: 'maximum leverage', unit: 'times' },
  'policy.liquidation.feeRate': { label: 'liquidation fee', unit: 'percent' },
  'policy.liquidation.bufferFraction': { label: 'partial-liquidation buffer', unit: 'percent' },
  'policy.liquidation.closeFraction': { label: 'share closed per liquidation', unit: 'percent' },
  'policy.insuranceFund.initialUsd': { label: 'insurance fund', unit: 'usd' },
  'market.impact.depthUsdPerPercent': { label: 'market depth per 1% move', unit: 'usd' },
  'market.impact.halfLifeSteps': { label: 'impact half-life', unit: 'steps' },
  'traders.count': { label: 'traders', unit: 'plain' },
  'traders.longShare': { label: 'share of longs', unit: 'percent' },
};

/** "depthUsdPerPercent" → "depth usd per percent" → words without the unit suffix. */
function words(field: string): string {
  return field
    .replace(/(Usd|Steps|Annual)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/\bmmr\b/i, 'maintenance margin rate')
    .toLowerCase()
    .trim();
}

/** The words and unit of a parameter path (`policy.maintenance.tiers[1].mmr` → "maintenance margin rate of tier 2", percent). */
export function paramInfo(path: string): ParamInfo {
  if (KNOWN[path]) return KNOWN[path];
  const tier = /\.tiers\[(\d+)\]\.(\w+)$/.exec(path);
  if (tier) {
    const inner = paramInfo(`policy.maintenance.${tier[2]}`);
    const base = tier[2] === 'mmr' ? { label: 'maintenance margin rate', unit: 'percent' as const } : tier[2].endsWith('Usd') ? { label: words(tier[2]), unit: 'usd' as const } : inner;
    return { label: `${base.label} of tier ${Number(tier[1]) + 1}`, unit: base.unit };
  }
  const last = path.split('.').pop() ?? path;
  const unit: ParamInfo['unit'] = /Usd$/.test(last)
    ? 'usd'
    : /Steps$/.test(last)
      ? 'steps'
      : /(Mmr|mmr|Rate|Fraction|Share|Weight)$/.test(last) || /^(probability|confidence|share)/i.test(last)
        ? 'percent'
        : /Leverage$/.test(last)
          ? 'times'
          : 'plain';
  return { label: words(last), unit };
}

/** An axis or column title for a parameter, in words with its unit: "maintenance margin rate (%)". */
export function paramTitle(path: string): string {
  const p = paramInfo(path);
  const u = { percent: ' (%)', usd: ' (USD)', times: ' (×)', steps: ' (steps)', plain: '' }[p.unit];
  return p.label + u;
}

/** A parameter's value in its unit: 0.0072 → "0.72%" (percent), 20 → "20×", 250000 → "$250,000". */
export function fmtParamValue(path: string, x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  const unit = paramInfo(path).unit;
  const sig = (v: number) => Number(v.toPrecision(digits));
  switch (unit) {
    case 'percent':
      return `${minus(String(sig(100 * x)))}%`;
    case 'usd':
      return `${x < 0 ? '\u2212' : ''}$${fmtNum(Math.abs(sig(x)), 2)}`;
    case 'times':
      return `${fmtNum(sig(x), 2)}×`;
    case 'steps':
      return `${fmtNum(sig(x), 2)} steps`;
    default:
      return fmtNum(sig(x), 6);
  }
}

/** The d3 format for a parameter's axis: percent parameters as "2.5%", others as numbers. */
export function paramAxisFormat(path: string): { format: string } | { formatType: string } {
  const unit = paramInfo(path).unit;
  if (unit === 'percent') return { format: '.3~%' };
  if (unit === 'usd') return { formatType: 'usd' };
  return { format: ',.4~r' };
}
