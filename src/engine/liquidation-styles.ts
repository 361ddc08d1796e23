/**
 * Liquidation styles (policy.liquidation.kind): how much of a breached account one liquidation closes,
 * and what a close leaves behind. One small named implementation per style, chosen by `kind` from
 * `LIQUIDATION_STYLES`:
 *   - `full`: the whole account;
 *   - `partial`: just enough to restore eq − fee ≥ (1 + buffer)·MM (src/liquidation/close.ts);
 *   - `fraction`: `closeFraction` of an account above `aboveNotionalUsd` (a smaller one in full), then
 *     a cooldown;
 *   - `lower-tier`: down to the floor of the maintenance tier below (Bybit's risk-limit reduction), then
 *     a cooldown.
 * A liquidation that a per-step cap cut short carries on in the next step (`continuing`): a full close
 * finishes, a fraction close takes its fraction again, the others restart from the margin ratio.
 * During a cooldown a breach waits, or (`duringCooldown: full`, Hyperliquid) closes the whole account
 * (src/engine/liquidation.ts `planLiquidations`).
 */
import type { LiquidationConfig } from '../scenario/schema.js';
import type { PathState } from './state.js';
import { partialCloseSize } from '../liquidation/close.js';

export interface LiquidationStyle {
  readonly kind: LiquidationConfig['kind'];
  /**
   * Share of account a's notional N to close at a breach, given its equity `eq` and maintenance
   * margin `mmv` as the maintenance check found them (USD).
   */
  closeFraction(st: PathState, a: number, N: number, eq: number, mmv: number, cfg: LiquidationConfig): number;
  /** Share to close when carrying on a liquidation a cap cut short (0: it stops; the ratio decides afresh). */
  continuingFraction(N: number, cfg: LiquidationConfig): number;
  /** After the close is queued, before it is booked (b.closeSize holds its sizes): what the style leaves on the account (a cooldown). */
  afterClose(st: PathState, a: number, cfg: LiquidationConfig): void;
}

const nothing = (): void => {};

const full: LiquidationStyle = {
  kind: 'full',
  closeFraction: () => 1,
  continuingFraction: () => 1,
  afterClose: nothing,
};

const partial: LiquidationStyle = {
  kind: 'partial',
  closeFraction: (_st, _a, N, eq, mmv, cfg) => (N > 0 ? partialCloseSize(N, 1, eq, mmv / N, cfg.bufferFraction, cfg.feeRate) / N : 1),
  continuingFraction: () => 0,
  afterClose: nothing,
};

/**
 * A close that leaves the account open starts its cooldown: no further close before step
 * t + max(1, cooldownSteps) — or, with `duringCooldown: full`, only a close of the whole account. A
 * cooldown of 0 still means one slice per step (the rounds of a step are instantaneous: closing 20%
 * again and again within them would never end). A close during a running cooldown does not restart it.
 */
function startCooldown(st: PathState, a: number, cfg: LiquidationConfig): void {
  const { b } = st;
  if (b.cooldownUntil[a] > st.t) return;
  let partial = false;
  for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) if (b.size[q] > 0 && b.closeSize[q] < b.size[q] * (1 - 1e-12)) partial = true;
  if (partial) b.cooldownUntil[a] = st.t + Math.max(1, cfg.cooldownSteps);
}

const fraction: LiquidationStyle = {
  kind: 'fraction',
  closeFraction: (_st, _a, N, _eq, _mmv, cfg) => (N > cfg.aboveNotionalUsd ? cfg.closeFraction : 1),
  continuingFraction: (N, cfg) => (N > cfg.aboveNotionalUsd ? cfg.closeFraction : 0),
  afterClose: startCooldown,
};

const lowerTier: LiquidationStyle = {
  kind: 'lower-tier',
  closeFraction: (st, a, N) => lowerTierFraction(st, a, N),
  continuingFraction: () => 0,
  afterClose: startCooldown,
};

/** Every style, by `kind`. */
export const LIQUIDATION_STYLES: Readonly<Record<LiquidationConfig['kind'], LiquidationStyle>> = { full, partial, fraction, 'lower-tier': lowerTier };

/**
 * Lower-tier liquidation (Bybit's risk-limit reduction): the share of account a's notional N to close
 * so that its one position falls to the floor of the maintenance tier below its own; 1 (a full close)
 * in the lowest tier, under a schedule without tiers, or for an account over several markets.
 */
export function lowerTierFraction(st: PathState, a: number, N: number): number {
  const { b } = st;
  if (b.nPos[a] !== 1 || !(N > 0)) return 1;
  const mm = st.ctx.rules[b.posMarket[b.firstPos[a]]].policy.maintenance;
  if (mm.kind !== 'tiered') return 1;
  let k = 0;
  // a position already at a tier's floor (where the previous reduction left it) goes on to the tier below
  const atFloor = N * (1 - 1e-9);
  while (k + 1 < mm.tiers.length && mm.tiers[k + 1].notionalFloorUsd <= atFloor) k++;
  return k === 0 ? 1 : 1 - mm.tiers[k].notionalFloorUsd / N;
}
