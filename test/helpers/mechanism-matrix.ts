/**
 * The mechanism matrix: small books exercising every mechanism together (multi-market cross margin,
 * every maintenance schedule, mark rule, liquidation style (and what a breach does in a cooldown), caps (per
 * position per block, fund payout per account), grace, liquidators, backstop (at once or after the book), ADL
 * (with the fund's takeover limit)
 * rankings, socialised loss, arrivals, take-profit, deleveraging). Case k draws its options from a
 * seeded stream, so the list is fixed. Used by the golden outputs and the price-box equivalence test.
 */
import seedrandom from 'seedrandom';
import { small } from './scenarios.js';

export const MECHANISM_CASES = 60;

export function mechanismCase(k: number) {
  const rng = seedrandom(`golden-mechanisms-${k}`);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const markets = pick([1, 1, 2, 3]);
  const maintenance = pick([
    { kind: 'fixed', mmr: 0.02 },
    { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.01 }, { notionalFloorUsd: 20_000, mmr: 0.03 }] },
    { kind: 'size-scaled', mode: 'sqrt', baseMmr: 0.01, sqrtCoefficient: 0.001 },
    { kind: 'size-scaled', mode: 'linear', baseMmr: 0.01, slopePerUnitSize: 0.0001 },
    { kind: 'fraction-of-imr', fraction: 0.5 },
    { kind: 'volatility-adaptive', floorMmr: 0.01, maxMmr: 0.04 },
  ]);
  const other = Array.from({ length: markets - 1 }, (_, j) => ({
    name: `M${j + 1}`,
    initialPriceUsd: 50 * (j + 1),
    priceModel: { kind: 'gbm', volatilityAnnual: 1.5 },
    impact: { depthUsdPerPercent: 1e5 },
  }));
  const rho = 0.5;
  const correlation = markets > 1 ? Array.from({ length: markets }, (_, i) => Array.from({ length: markets }, (_, j) => (i === j ? 1 : rho))) : undefined;
  const cap = pick([undefined, undefined, 2e4, 2e5]);
  const arrivals = pick([0, 0.3, 1]);
  // the rules added later draw from a stream of their own, so the draws above (and what they cover) stay as they were
  const extra = seedrandom(`golden-mechanisms-extra-${k}`);
  const pickExtra = <T>(xs: readonly T[]): T => xs[Math.floor(extra() * xs.length)];
  const later = {
    lowerTier: extra() < 0.15,
    duringCooldown: pickExtra(['wait', 'full']),
    afterBook: extra() < 0.5,
    positionBlockLimit: pickExtra([undefined, { shareOfNotional: 0.1, minNotionalUsd: 1_000, blocksPerStep: pickExtra([1, 5]) }]),
    fundPayoutUsdPerAccountPerStep: pickExtra([undefined, 200]),
    takeoverMaxShareOfFund: pickExtra([undefined, 1]),
  };
  const sc = {
    seed: 1000 + k,
    paths: 2,
    horizonSteps: 120,
    market: { priceModel: { longRunVolatilityAnnual: pick([1.5, 4]) }, impact: { depthUsdPerPercent: pick([2e4, 2e5]) } },
    otherMarkets: other,
    correlation,
    traders: {
      count: 150,
      crossMarginShare: pick([0, 0.3, 0.8]),
      arrivals: { perStep: arrivals, momentumPerStep: arrivals },
      takeProfit: { share: pick([0, 0.2]) },
      stopLoss: { share: pick([0, 0.3]) },
      volatilityDeleverage: { share: pick([0, 0.2]) },
      topUp: { share: pick([0, 0.5]), actProbabilityPerStep: pick([0.5, 1]) },
    },
    policy: {
      maintenance,
      markPrice: { kind: pick(['last', 'ema', 'median']) },
      liquidation: {
        kind: pick(['full', 'partial', 'fraction']),
        aboveNotionalUsd: 5_000,
        caps: cap === undefined ? {} : { marketNotionalUsdPerStep: cap, perAccountNotionalUsdPerStep: cap / 3 },
        backstop: { enabled: rng() < 0.4, capitalUsd: 2_000 },
        liquidators: { enabled: rng() < 0.4, bonusFraction: pick([0.002, 0.02]), capitalUsdPerStep: pick([5_000, 50_000]) },
        marginCall: { graceSteps: pick([0, 0, 3]) },
      },
      insuranceFund: { initialUsd: pick([0, 500, 50_000]), maxShareOfFundPerEvent: pick([1, 0.5]), maxPayoutUsdPerStep: pick([undefined, 5_000]) },
      waterfall: { afterInsuranceFund: pick(['none', 'adl', 'socialised']), adlRanking: pick(['profit-leverage', 'random', 'pro-rata']), socialisedBasis: pick(['open-interest', 'winners']) },
    },
  };
  const liq = sc.policy.liquidation as Record<string, unknown> & { caps: Record<string, unknown>; backstop: Record<string, unknown> };
  if (later.lowerTier) liq.kind = 'lower-tier';
  liq.duringCooldown = later.duringCooldown;
  liq.backstop.afterBook = later.afterBook;
  if (later.positionBlockLimit) liq.caps.positionBlockLimit = later.positionBlockLimit;
  if (later.fundPayoutUsdPerAccountPerStep) liq.caps.fundPayoutUsdPerAccountPerStep = later.fundPayoutUsdPerAccountPerStep;
  if (later.takeoverMaxShareOfFund) (sc.policy.waterfall as Record<string, unknown>).adlTrigger = { takeoverMaxShareOfFund: later.takeoverMaxShareOfFund };
  return small(sc);
}

