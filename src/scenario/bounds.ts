/**
 * Limits on what a valid scenario may ask of the machine and of the ledger, checked at load time
 * (called by `checkScenario`): the sizes of arrays derived from the inputs, the memory of the time
 * series, and the money in the book. Each limit is stated in docs/scenarios.md ("Limits").
 *
 * Money. The ledger books whole cents in float64, exact below 2^53 cents (≈ 9.0e13 USD). Every money
 * field is at most `MAX_USD` (1e12 USD, in the schema), and the book as a whole is bounded: its
 * expected deposits (collateral plus top-up reserves) and its largest expected notional at entry
 * (collateral × policy.maxLeverage), over the opening book and every arrival it has room for, are each at most
 * `MAX_BOOK_USD` (1e13 USD = 1e15 cents, a factor 9 below 2^53 for profits and losses on top).
 * "Expected" uses the collateral distribution's mean: median · e^(σ²/2) for lognormal, and for
 * Pareto α·x_m/(α − 1) capped at maxUsd.
 */
import type { Scenario } from './schema.js';

type Fail = (field: string, value: unknown, allowed: string) => never;

/** Largest single money amount (USD) a field may hold. */
export const MAX_USD = 1e12;
/** Largest expected deposits, and expected notional, of the whole book (USD). */
export const MAX_BOOK_USD = 1e13;
/** Most accounts the book's arrays may hold: the opening book plus room for arrivals. */
const MAX_ACCOUNTS = 5_000_000;
/** Most positions (one per isolated account, one per market of a cross account, plus arrivals). */
const MAX_POSITIONS = 10_000_000;
/** Most time points kept in memory for the series bands: sampled paths × points per path (≈ 100 bytes each). */
const MAX_SERIES_VALUES = 2_000_000;

/**
 * Room the book keeps for arrivals: Poisson mean + 8 standard deviations + 16, the mean being
 * (perStep + momentumPerStep · momentumZCap) · horizonSteps. The same formula as the engine's
 * `arrivalCapacity` (src/agents/population.ts; the scenario layer does not import it, a test keeps
 * them equal).
 */
export function arrivalRoom(s: Scenario): number {
  const a = s.traders.arrivals;
  const rate = a.perStep + a.momentumPerStep * a.momentumZCap;
  if (rate === 0) return 0;
  const mean = rate * s.horizonSteps;
  return Math.ceil(mean + 8 * Math.sqrt(mean) + 16);
}

/** Mean of the collateral distribution (USD). */
export function meanCollateralUsd(s: Scenario): number {
  const c = s.traders.collateralUsd;
  if (c.kind === 'lognormal') return c.medianUsd * Math.exp((c.sigmaLog * c.sigmaLog) / 2);
  return Math.min(c.maxUsd, (c.alpha * c.minUsd) / (c.alpha - 1));
}

function fmt(x: number): string {
  return x >= 1e6 ? x.toExponential(2).replace('e+', 'e') : String(Math.round(x));
}

export function checkBounds(s: Scenario, fail: Fail): void {
  const t = s.traders;
  const extra = arrivalRoom(s);
  const accounts = t.count + extra;
  if (!(accounts <= MAX_ACCOUNTS)) {
    const a = t.arrivals;
    fail(
      'traders.arrivals',
      { perStep: a.perStep, momentumPerStep: a.momentumPerStep, momentumZCap: a.momentumZCap },
      `the book needs room for up to ${fmt(extra)} arriving traders over ${s.horizonSteps} steps (rate (perStep + momentumPerStep · momentumZCap) · horizonSteps plus 8 standard deviations), and traders.count (${t.count}) plus that must be at most ${MAX_ACCOUNTS} — lower the arrival rates or horizonSteps`,
    );
  }
  const K = 1 + s.otherMarkets.length;
  const crossPer = K === 1 ? 1 : Math.min(K, t.crossMarketsPerAccount ?? K);
  const positions = t.count * crossPer + extra;
  if (!(positions <= MAX_POSITIONS)) {
    fail(
      'traders.count',
      t.count,
      `the book holds up to ${fmt(positions)} positions (traders.count × ${crossPer} market${crossPer === 1 ? '' : 's'} per cross account, plus arrivals), and at most ${MAX_POSITIONS} are allowed — lower traders.count or traders.crossMarketsPerAccount`,
    );
  }
  const sampled = Math.min(s.output.seriesSamplePaths, s.paths);
  const points = Math.min(s.output.seriesPoints, s.horizonSteps + 1);
  if (!(sampled * points <= MAX_SERIES_VALUES)) {
    fail(
      'output.seriesSamplePaths',
      s.output.seriesSamplePaths,
      `the time series keep min(seriesSamplePaths, paths) × min(seriesPoints, horizonSteps + 1) = ${sampled} × ${points} = ${fmt(sampled * points)} time points in memory (about 100 bytes each), at most ${fmt(MAX_SERIES_VALUES)} — lower output.seriesSamplePaths or output.seriesPoints`,
    );
  }
  const mean = meanCollateralUsd(s);
  const deposits = accounts * mean * (1 + t.topUp.reserveMultipleOfCollateral);
  if (!(deposits <= MAX_BOOK_USD)) {
    fail(
      'traders.collateralUsd',
      t.collateralUsd,
      `the book's expected deposits — ${fmt(accounts)} accounts × mean collateral ${fmt(mean)} USD × (1 + topUp.reserveMultipleOfCollateral) = ${fmt(deposits)} USD — must be at most ${fmt(MAX_BOOK_USD)} USD, so the ledger's cents stay exact (below 2^53)`,
    );
  }
  // every entry's notional is capped by the initial margin: collateral × policy.maxLeverage
  const leverage = s.policy.maxLeverage;
  const notional = accounts * mean * leverage;
  if (!(notional <= MAX_BOOK_USD)) {
    fail(
      'traders.collateralUsd',
      t.collateralUsd,
      `the book's expected notional — ${fmt(accounts)} accounts × mean collateral ${fmt(mean)} USD × policy.maxLeverage ${leverage} = ${fmt(notional)} USD — must be at most ${fmt(MAX_BOOK_USD)} USD, so the ledger's cents stay exact (below 2^53)`,
    );
  }
}
