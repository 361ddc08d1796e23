/**
 * Closing (all or part of) a position: the arithmetic of a liquidation, in integer cents.
 * Pure functions; the engine applies their results through the ledger.
 */

/**
 * Size to close in a partial liquidation so that afterwards eq − fee ≥ (1 + buffer)·m·Q'·X, with
 * m = MM(N)/N the effective rate at the current notional, X the fill price and f the fee rate.
 * Closing at X leaves equity unchanged except for the fee, and scales MM down with the remaining
 * size Q' = Q − ΔQ, so ΔQ = ((1+b)·m·N − eq) / (X·((1+b)·m − f)).
 * Returns the full size when that is not possible (eq ≤ 0, or (1+b)·m ≤ f, or ΔQ ≥ Q).
 * Never returns more than `size` nor less than 0.
 */
export function partialCloseSize(
  size: number,
  fillPrice: number,
  equityUsd: number,
  effectiveMmr: number,
  bufferFraction: number,
  feeRate: number,
): number {
  if (!(equityUsd > 0)) return size;
  const target = (1 + bufferFraction) * effectiveMmr;
  if (target <= feeRate) return size;
  const notional = size * fillPrice;
  const need = target * notional - equityUsd;
  if (need <= 0) return 0;
  const dq = need / (fillPrice * (target - feeRate));
  return dq >= size * (1 - 1e-9) ? size : dq;
}

/**
 * Realised PnL of closing `size` units of a position of `side` entered at `entry`, at `price`: side·size·(price − entry)
 * rounded to whole cents (the engine books it exactly; src/engine/close.ts).
 */
export function realisedPnlCents(side: number, size: number, price: number, entry: number): number {
  return Math.round(side * size * (price - entry) * 100);
}

/**
 * A fee of `rate` on `notionalUsd` (rounded to cents), capped by the margin the account holds after
 * the close and by its equity (margin plus the unrealised PnL of what stays open), and never negative:
 * a fee is only taken from equity that exists — a close that leaves a shortfall (margin 0, equity < 0)
 * pays none. The liquidation fee and a voluntary close's taker fee (src/engine/close.ts) are both this.
 */
export function cappedFeeCents(rate: number, notionalUsd: number, marginCents: number, equityCents: number): number {
  return Math.max(0, Math.min(Math.round(rate * notionalUsd * 100), marginCents, equityCents));
}
