/**
 * Issue 11 items 7, 8, 15 and 20 (input side): a valid scenario cannot ask for money the ledger
 * cannot hold exactly (cents above 2^53), arrays larger than the machine (arrival room, positions,
 * time series), or contradictory collateral bounds. Each limit is refused at load time with one line
 * naming the field; every shipped scenario and benchmark stays within them.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { arrivalRoom, MAX_BOOK_USD, MAX_USD, meanCollateralUsd } from '../../src/scenario/bounds.js';
import { arrivalCapacity } from '../../src/agents/population.js';
import { UserError } from '../../src/errors.js';
import { scenarioFiles } from '../helpers/files.js';
import { merge, SMALL } from '../helpers/scenarios.js';

const ROOT = path.resolve(__dirname, '../..');
const parse = (over: unknown) => parseScenario(merge(SMALL, over), 'test');

describe('item 7: money stays below 2^53 cents', () => {
  it('the bounds leave room: one field at most 1e12 USD, the book at most 1e13 USD, both far below 2^53 cents', () => {
    expect(MAX_USD * 100).toBeLessThan(2 ** 53);
    expect(MAX_BOOK_USD * 100 * 9).toBeLessThan(2 ** 53);
  });
  const fields: [string, unknown][] = [
    ['policy.insuranceFund.initialUsd', { policy: { insuranceFund: { initialUsd: 1e14 } } }],
    ['policy.insuranceFund.maxPayoutUsdPerStep', { policy: { insuranceFund: { maxPayoutUsdPerStep: 1e13 } } }],
    ['traders.collateralUsd.medianUsd', { traders: { collateralUsd: { kind: 'lognormal', medianUsd: 1e14, sigmaLog: 1 } } }],
    ['traders.collateralUsd.maxUsd', { traders: { collateralUsd: { maxUsd: 1e13 } } }],
    ['policy.liquidation.backstop.capitalUsd', { policy: { liquidation: { backstop: { capitalUsd: 1e14 } } } }],
    ['policy.liquidation.liquidators.capitalUsdPerStep', { policy: { liquidation: { liquidators: { capitalUsdPerStep: 1e14 } } } }],
    ['policy.liquidation.caps.marketNotionalUsdPerStep', { policy: { liquidation: { caps: { marketNotionalUsdPerStep: 1e14 } } } }],
    ['market.initialPriceUsd', { market: { initialPriceUsd: 1e300 } }],
  ];
  for (const [field, over] of fields) {
    it(`${field} above its bound is refused, naming it`, () => {
      expect(() => parse(over)).toThrow(UserError);
      expect(() => parse(over)).toThrow(new RegExp(`^test: ${field.replace(/[.[\]]/g, '\\$&')}: .* is not allowed — too big`));
    });
  }
  it("the book's expected deposits and notional are bounded, naming traders.collateralUsd", () => {
    expect(() => parse({ traders: { count: 10_000, collateralUsd: { kind: 'lognormal', medianUsd: 1e9, sigmaLog: 1 } } })).toThrow(
      /traders\.collateralUsd: .* is not allowed — the book's expected (deposits|notional) .* must be at most 1\.00e13 USD/,
    );
    // heavy tails count through the mean: median 2,000 with sigmaLog 5 has mean ≈ 5.4e8
    expect(() => parse({ traders: { count: 10_000, collateralUsd: { kind: 'lognormal', medianUsd: 2000, sigmaLog: 5 } } })).toThrow(/expected/);
    expect(meanCollateralUsd(parse({ traders: { collateralUsd: { kind: 'pareto', minUsd: 100, alpha: 2, maxUsd: 1e6 } } }))).toBe(200);
  });
});

describe('item 8 and 15: sizes derived from inputs are bounded', () => {
  it('room for arrivals (count + arrival room ≤ 5,000,000) names traders.arrivals', () => {
    expect(() => parse({ horizonSteps: 10_000_000, traders: { arrivals: { perStep: 1000 } } })).toThrow(/traders\.arrivals: .* is not allowed — the book needs room for up to 1\.00e10 arriving traders/);
  });
  it('positions (count × markets per cross account + arrivals ≤ 10,000,000) name traders.count', () => {
    const three = [{ name: 'B' }, { name: 'C' }];
    expect(() => parse({ traders: { count: 4_000_000, collateralUsd: { kind: 'lognormal', medianUsd: 10, sigmaLog: 0.1 } }, otherMarkets: three })).toThrow(/traders\.count: 4000000 is not allowed — the book holds up to 1\.20e7 positions/);
  });
  it('time-series memory (sampled paths × points ≤ 2,000,000) names output.seriesSamplePaths', () => {
    expect(() => parse({ paths: 5000, horizonSteps: 20_000, output: { seriesSamplePaths: 5000, seriesPoints: 10_000 } })).toThrow(
      /output\.seriesSamplePaths: 5000 is not allowed — the time series keep .* = 5000 × 10000 = 5\.00e7 time points/,
    );
    // what counts is what is kept: paths and the horizon cap both factors
    expect(() => parse({ paths: 10, horizonSteps: 20_000, output: { seriesSamplePaths: 100_000, seriesPoints: 10_000 } })).not.toThrow();
  });
  it("the scenario layer's arrival room equals the engine's arrival capacity", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 1e-6, max: 100, noNaN: true }), fc.integer({ min: 1, max: 100_000 }), (perStep, momentumPerStep, momentumZCap, horizonSteps) => {
        const s = { ...parse({}), horizonSteps, traders: { ...parse({}).traders, arrivals: { ...parse({}).traders.arrivals, perStep, momentumPerStep, momentumZCap } } };
        expect(arrivalRoom(s)).toBe(arrivalCapacity(s));
      }),
      { seed: 11, numRuns: 200 },
    );
  });
});

describe('item 20: contradictory collateral and maintenance bounds', () => {
  it('Pareto maxUsd below minUsd is refused', () => {
    expect(() => parse({ traders: { collateralUsd: { kind: 'pareto', minUsd: 1000, alpha: 1.5, maxUsd: 10 } } })).toThrow(/traders\.collateralUsd\.maxUsd: 10 is not allowed — must be ≥ minUsd \(1000\)/);
  });
  it('size-scaled and volatility-adaptive caps below their floors are refused', () => {
    expect(() => parse({ policy: { maintenance: { kind: 'size-scaled', baseMmr: 0.03, maxMmr: 0.01 } } })).toThrow(/policy\.maintenance\.maxMmr: 0\.01 .* ≥ baseMmr/);
    expect(() => parse({ policy: { maintenance: { kind: 'volatility-adaptive', floorMmr: 0.03, maxMmr: 0.01 } } })).toThrow(/policy\.maintenance\.maxMmr: 0\.01 .* ≥ floorMmr/);
  });
});

describe('every shipped scenario and benchmark is within the bounds', () => {
  for (const f of [...scenarioFiles(), path.join(ROOT, 'bench/standard.yaml'), path.join(ROOT, 'bench/small.yaml')]) {
    it(path.relative(ROOT, f), () => {
      expect(() => loadScenarioFile(f)).not.toThrow();
    });
  }
});
