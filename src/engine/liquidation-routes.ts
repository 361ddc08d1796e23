/**
 * Liquidation routes: who takes a liquidated account's positions. One small named implementation per
 * route, tried in the order of `LIQUIDATION_ROUTES` — the first that applies is the route:
 *   - `backstop`: the vault takes the whole account over at the mark when eq < equityFractionOfMm·MM
 *     (the trader forfeits the rest of the margin) — with `afterBook` (Hyperliquid) only once the
 *     book has been tried on the account (a slice in its cooldown, or a close a cap cut short);
 *   - `liquidators`: liquidators with finite capital take the close at the mark less their bonus, but
 *     only when the bonus covers their slippage and their capital this step suffices — otherwise they
 *     decline and the liquidation waits;
 *   - `market`: the venue's own order against the market (always applies).
 * How each route prices the close is src/engine/close.ts (`Route`).
 */
import type { LiquidationConfig } from '../scenario/schema.js';
import type { PathState } from './state.js';
import { Route } from './close.js';

export interface LiquidationRoute {
  readonly name: 'backstop' | 'liquidators' | 'market';
  readonly route: Route;
  /** It takes the whole account, whatever share the style chose. */
  readonly wholeAccount: boolean;
  /** Its closes use the liquidators' capital this step (mkt.liquidatorUsed). */
  readonly usesLiquidatorCapital: boolean;
  /** Whether configuration `cfg` enables this route at all (asked once per configuration, not per account: `routesOf`). */
  enabled(cfg: LiquidationConfig): boolean;
  /**
   * Whether this route is the one for an account with equity `eq` and maintenance margin `mmv` (USD);
   * `bookTried`: a book order has already been sent for this liquidation (a slice whose cooldown runs,
   * or a close a per-step cap cut short).
   */
  applies(cfg: LiquidationConfig, eq: number, mmv: number, bookTried: boolean): boolean;
  /** Whether it takes a close of `frac` of account a now (false: it declines, the liquidation waits). */
  takes(st: PathState, a: number, frac: number, cfg: LiquidationConfig): boolean;
}

const always = (): boolean => true;

const backstop: LiquidationRoute = {
  name: 'backstop',
  route: Route.Backstop,
  wholeAccount: true,
  usesLiquidatorCapital: false,
  enabled: (cfg) => cfg.backstop.enabled,
  applies: (cfg, eq, mmv, bookTried) => cfg.backstop.enabled && eq < cfg.backstop.equityFractionOfMm * mmv && (bookTried || !cfg.backstop.afterBook),
  takes: always,
};

const liquidators: LiquidationRoute = {
  name: 'liquidators',
  route: Route.Liquidator,
  wholeAccount: false,
  usesLiquidatorCapital: true,
  enabled: (cfg) => cfg.liquidators.enabled,
  applies: (cfg) => cfg.liquidators.enabled,
  takes: (st, a, frac, cfg) => liquidatorsTake(st, a, frac, cfg.liquidators),
};

const market: LiquidationRoute = {
  name: 'market',
  route: Route.Market,
  wholeAccount: false,
  usesLiquidatorCapital: false,
  enabled: always,
  applies: always,
  takes: always,
};

/** The routes in the order they are tried (the market order always applies, so one is always found). */
export const LIQUIDATION_ROUTES: readonly LiquidationRoute[] = [backstop, liquidators, market];

/** The routes configuration `cfg` enables, in the order of LIQUIDATION_ROUTES (the market order last). */
export function routesOf(cfg: LiquidationConfig): readonly LiquidationRoute[] {
  return LIQUIDATION_ROUTES.filter((r) => r.enabled(cfg));
}

/**
 * The route for an account with equity `eq` and maintenance margin `mmv` (`bookTried`: see `applies`): the first of `routes`
 * (`routesOf(cfg)`, resolved once per configuration) that applies — the disabled routes are not asked
 * per account, and under the market order alone nothing is called.
 */
export function routeAmong(routes: readonly LiquidationRoute[], cfg: LiquidationConfig, eq: number, mmv: number, bookTried: boolean): LiquidationRoute {
  const last = routes.length - 1; // the market order, which always applies
  for (let i = 0; i < last; i++) if (routes[i].applies(cfg, eq, mmv, bookTried)) return routes[i];
  return routes[last];
}

/** Liquidators take a close of `frac` of account a only if their bonus covers the slippage and their capital this step suffices. */
function liquidatorsTake(st: PathState, a: number, frac: number, cfg: { bonusFraction: number; capitalUsdPerStep: number }): boolean {
  const { b, mkt } = st;
  let ok = true;
  for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
    if (b.size[q] <= 0) continue;
    const m = b.posMarket[q];
    const qN = frac * b.size[q] * mkt.market[m];
    const slip = Math.abs(Math.expm1(mkt.impact[m].fillFractionFor(qN, mkt.depthMult[m]) * mkt.impact[m].delta(qN, mkt.depthMult[m])));
    if (slip > cfg.bonusFraction || mkt.liquidatorUsed[m] + qN > cfg.capitalUsdPerStep) ok = false;
  }
  return ok;
}
