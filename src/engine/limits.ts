/**
 * What the engine's state may hold, and what happens at the edge. Prices and money stay finite and
 * exact: the impact state saturates at ±ln(MAX_IMPACT_RATIO) (a venue's book cannot sit more than 20×
 * above or below the index through its own flow), depth that withdraws in stress keeps at least
 * MIN_DEPTH_MULTIPLIER of itself, and a path whose index leaves [S0 / MAX_INDEX_FALL, S0 · MAX_INDEX_MOVE]
 * (a collapse to a trillionth of the start is representable — LUNA fell about ten-millionfold in May 2022 —
 * a rise beyond a millionfold is not) or whose bookings would leave the exact range of the ledger (whole cents, at most 2^50 a close) stops at that
 * step with a named condition (`haltReason`) recorded in its summary — its money still balances to the
 * cent. A silent NaN or ±Infinity is never written.
 */

/** The book may sit at most this many times above or below the index through impact. */
export const MAX_IMPACT_RATIO = 20;
export const MAX_IMPACT_LOG = Math.log(MAX_IMPACT_RATIO);
/** Depth withdrawn in stress keeps at least this fraction of itself. */
export const MIN_DEPTH_MULTIPLIER = 1e-3;
/** The index may rise at most this many times above its initial price. */
export const MAX_INDEX_MOVE = 1e6;
/**
 * The index may fall at most this many times below its initial price (S0 ≥ 1e-6 USD keeps the price a normal
 * double; an account's money stays bounded by its notional, and a booking beyond the ledger's range still stops
 * the path with money-out-of-range).
 */
export const MAX_INDEX_FALL = 1e12;

/**
 * Most cents one close may book (2^50 ≈ $11 trillion): well inside the ledger's exact range (2^53), so
 * the sums built from it (shortfall, fund, vault, fee) stay exact too.
 */
export const MAX_BOOKABLE_CENTS = 2 ** 50;

/** Why a path stopped before its horizon (0 = it did not). */
export const enum HaltReason {
  None = 0,
  /** The index price left [S0 / 1e12, S0 · 1e6]. */
  PriceOutOfRange = 1,
  /** A booking would have left the ledger's exact range (|cents| ≥ 2^53) or was not a number. */
  MoneyOutOfRange = 2,
  /** A market's state was no longer a finite number. */
  NonFinite = 3,
}

export const HALT_REASONS = ['none', 'price-out-of-range', 'money-out-of-range', 'non-finite-state'] as const;

/** Thrown by a phase before it changes anything, so the path can stop with its books balanced. */
export class PathHalt extends Error {
  override readonly name = 'PathHalt';
  constructor(readonly reason: HaltReason) {
    super(HALT_REASONS[reason]);
  }
}

/** Saturates an impact state at ±MAX_IMPACT_LOG. */
export function saturateImpact(x: number): number {
  return x > MAX_IMPACT_LOG ? MAX_IMPACT_LOG : x < -MAX_IMPACT_LOG ? -MAX_IMPACT_LOG : x;
}
