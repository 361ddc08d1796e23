/**
 * Honest formatting (issue 14, part 3): differences of rates in percentage points, never percent; one
 * minus sign (U+2212) everywhere; dollars with units and thousands separators for the terminal;
 * parameters named in words with their unit; calibrated values rounded to the search tolerance in the
 * safe direction.
 */
import { describe, expect, it } from 'vitest';
import { fmtEstimate, fmtInt, fmtNum, fmtPct, fmtPp, fmtSigned, fmtUsdFull, MINUS, usdFormat } from '../../src/report/format.js';
import { fmtDiff, fmtParamValue, fmtUnit, paramInfo, paramTitle } from '../../src/report/study-format.js';
import { roundedParam, toleranceDecimals } from '../../src/report/verdict.js';

describe('percentage points', () => {
  it('a difference of rates is written in percentage points, signed', () => {
    expect(fmtPp(0.017)).toBe('+1.7 pp');
    expect(fmtPp(-0.0042)).toBe(`${MINUS}0.42 pp`);
    expect(fmtPp(0.00012)).toBe('+0.012 pp');
    expect(fmtPp(0.25)).toBe('+25.0 pp');
    expect(fmtPp(0)).toBe('0 pp');
  });
  it('2% → 3% is +1.0 pp, not +1% and not +50%', () => {
    expect(fmtPp(0.03 - 0.02)).toBe('+1.0 pp');
    expect(fmtDiff(0.03 - 0.02, 'probability')).toBe('+1.0 pp');
    expect(fmtDiff(0.03 - 0.02, 'fraction')).toBe('+1.0 pp');
  });
  it('differences of other units keep their unit and sign', () => {
    expect(fmtDiff(-1_250_000, 'usd')).toBe(`${MINUS}$1.25M`);
    expect(fmtDiff(12.5, 'count')).toBe('+12.5');
    expect(fmtDiff(0, 'usd')).toBe('$0');
  });
});

describe('one minus sign', () => {
  it('every formatter writes U+2212, never a hyphen-minus', () => {
    const outs = [fmtPct(-0.05), fmtInt(-3), fmtNum(-1234.5), usdFormat(-1500), fmtUsdFull(-250_000), fmtUnit(-0.5, 'log'), fmtUnit(-2, 'count'), fmtSigned(-2, String), fmtPp(-0.01), fmtParamValue('policy.maintenance.mmr', -0.01)];
    for (const s of outs) {
      expect(s, s).toContain(MINUS);
      expect(s, s).not.toContain('-');
    }
  });
});

describe('money in the terminal', () => {
  it('has a unit and thousands separators', () => {
    expect(fmtUsdFull(1_234_567.8)).toBe('$1,234,568');
    expect(fmtUsdFull(12.5)).toBe('$12.50');
    expect(fmtUsdFull(0)).toBe('$0');
    expect(fmtUsdFull(-250_000)).toBe(`${MINUS}$250,000`);
  });
  it('an interval carries the unit on both bounds', () => {
    expect(fmtEstimate({ estimate: 0.032, lower: 0.023, upper: 0.045 }, fmtPct)).toBe('3.20% (95% CI 2.30% to 4.50%)');
    expect(fmtEstimate({ estimate: 1500, lower: 900, upper: 2100 }, fmtUsdFull)).toBe('$1,500 (95% CI $900 to $2,100)');
  });
});

describe('parameters in words', () => {
  it('axis titles name the parameter and its unit, not its path', () => {
    expect(paramTitle('policy.maintenance.mmr')).toBe('maintenance margin rate (%)');
    expect(paramTitle('policy.maxLeverage')).toBe('maximum leverage (×)');
    expect(paramTitle('policy.insuranceFund.initialUsd')).toBe('insurance fund (USD)');
    expect(paramTitle('policy.maintenance.tiers[1].mmr')).toBe('maintenance margin rate of tier 2 (%)');
    expect(paramTitle('market.impact.depthUsdPerPercent')).toBe('market depth per 1% move (USD)');
    // an unknown field still reads as words: camelCase split, unit suffix turned into the unit
    expect(paramTitle('traders.topUp.reactionDelaySteps')).toBe('reaction delay (steps)');
    for (const p of ['policy.maintenance.mmr', 'policy.liquidation.feeRate', 'traders.topUp.reactionDelaySteps']) expect(paramTitle(p)).not.toMatch(/[a-z][A-Z]|\./);
  });
  it('values are written in the parameter’s unit', () => {
    expect(fmtParamValue('policy.maintenance.mmr', 0.0072)).toBe('0.72%');
    expect(fmtParamValue('policy.maxLeverage', 20)).toBe('20×');
    expect(fmtParamValue('policy.insuranceFund.initialUsd', 250_000)).toBe('$250,000');
    expect(paramInfo('policy.liquidation.feeRate').unit).toBe('percent');
  });
});

describe('calibrated values rounded to the search tolerance', () => {
  it('shows as many decimals as the tolerance (in the unit shown)', () => {
    expect(toleranceDecimals('policy.maintenance.mmr', 0.0002)).toBe(2); // 0.02 percentage points
    expect(toleranceDecimals('policy.maintenance.mmr', 0.001)).toBe(1);
    expect(toleranceDecimals('policy.maxLeverage', 1)).toBe(0);
  });
  it('rounds towards safety: a lower bound up, the failing side down', () => {
    expect(roundedParam('policy.maintenance.mmr', 0.00716, 0.0002, 'up')).toBe('0.72%');
    expect(roundedParam('policy.maintenance.mmr', 0.00716, 0.0002, 'down')).toBe('0.71%');
    expect(roundedParam('policy.maintenance.mmr', 0.0072, 0.0002, 'up')).toBe('0.72%'); // exact values stay
    expect(roundedParam('policy.maxLeverage', 23.4, 1, 'down')).toBe('23×');
  });
});
