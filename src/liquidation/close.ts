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

/** Outcome of closing `closeSize` of a position, in integer cents. */
export interface CloseOutcome {
  /** Realised PnL on the closed part (cents, signed). */
  pnlCents: number;
  /** Fee charged (cents, ≥ 0, capped by the remaining equity). */
  feeCents: number;
  /** Collateral left after PnL and fee (cents; negative = shortfall when the position is fully closed). */
  collateralAfterCents: number;
}

/**
 * Realised PnL q·(X − E) on the closed size, rounded to cents; fee = min(feeRate·ΔQ·X, equity after
 * the close) and never negative, so a fee is only taken from equity that exists.
 */
export function closeOutcome(
  side: 1 | -1,
  closeSize: number,
  entry: number,
  fillPrice: number,
  collateralCents: number,
  feeRate: number,
  remainingUnrealisedUsd: number,
): CloseOutcome {
  const pnlCents = Math.round(side * closeSize * (fillPrice - entry) * 100);
  const afterPnl = collateralCents + pnlCents;
  const equityCents = afterPnl + Math.round(remainingUnrealisedUsd * 100);
  const feeWanted = Math.round(feeRate * closeSize * fillPrice * 100);
  const feeCents = Math.max(0, Math.min(feeWanted, equityCents, afterPnl));
  return { pnlCents, feeCents, collateralAfterCents: afterPnl - feeCents };
}
