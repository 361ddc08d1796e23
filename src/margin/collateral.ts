/**
 * Volatile collateral with tiered haircuts (issue 13 part 2): what a holding of an asset counts as
 * margin, and the closed-form liquidation price of a coin-margined position.
 *
 * Haircut tiers by amount (units of the asset), floors F_0 = 0 < F_1 < … with haircuts h_k: c units
 * count as H(c) = Σ_k h_k · clamp(c − F_k, 0, F_{k+1} − F_k) "haircut units", and are worth H(c) · P as
 * margin at price P. H is increasing and piecewise linear in c (linear in P for a fixed holding).
 */

export interface HaircutTier {
  readonly unitsFloor: number;
  readonly haircut: number;
}

/**
 * H(c): the haircut-weighted amount of a holding of c ≥ 0 units (value as margin = H(c) · price).
 * O(tiers).
 * @example haircutUnits(15, [{ unitsFloor: 0, haircut: 0.95 }, { unitsFloor: 10, haircut: 0.9 }]) // 9.5 + 4.5 = 14
 */
export function haircutUnits(units: number, tiers: readonly HaircutTier[]): number {
  let h = 0;
  for (let k = 0; k < tiers.length; k++) {
    const lo = tiers[k].unitsFloor;
    if (units <= lo) break;
    const hi = k + 1 < tiers.length ? tiers[k + 1].unitsFloor : Infinity;
    h += tiers[k].haircut * (Math.min(units, hi) - lo);
  }
  return h;
}

/**
 * The holding c whose haircut-weighted amount is `target` (the inverse of `haircutUnits`; every
 * haircut is > 0, so H is strictly increasing). O(tiers). Throws a RangeError on a negative target.
 */
export function unitsForHaircutUnits(target: number, tiers: readonly HaircutTier[]): number {
  if (!(target >= 0)) throw new RangeError(`unitsForHaircutUnits: target must be ≥ 0, got ${target}`);
  let left = target;
  for (let k = 0; k < tiers.length; k++) {
    const lo = tiers[k].unitsFloor;
    const hi = k + 1 < tiers.length ? tiers[k + 1].unitsFloor : Infinity;
    const cap = tiers[k].haircut * (hi - lo);
    if (left <= cap) return lo + left / tiers[k].haircut;
    left -= cap;
  }
  return Infinity; // unreachable: the last tier is unbounded
}

/**
 * Liquidation price of a linear position of q units at entry E margined by c units of the traded
 * asset itself (coin-margined, cash margin `cashUsd`), at a fixed maintenance rate m:
 * equity = cash + H(c)·P + side·q·(P − E) = m·q·P, so
 *   P* = (side·q·E − cash) / (H(c) + side·q − m·q).
 * Long (side +1): P* = (qE − cash) / (H(c) + q − mq), liquidated when P falls below it. Short (side −1):
 * P* = (qE + cash) / (q + mq − H(c)), liquidated when P rises above it; a short whose haircut collateral
 * covers q(1 + m) units is never liquidated by a rise (returns Infinity). Returns 0 for a long whose
 * cash alone covers qE (never liquidated by a fall). O(tiers).
 */
export function coinMarginedLiquidationPrice(side: 1 | -1, q: number, entry: number, collateralUnits: number, tiers: readonly HaircutTier[], mmr: number, cashUsd = 0): number {
  const H = haircutUnits(collateralUnits, tiers);
  const num = side * q * entry - cashUsd;
  const den = H + side * q - mmr * q;
  if (side === 1) return num <= 0 ? 0 : num / den;
  return den >= 0 ? Infinity : num / den;
}
