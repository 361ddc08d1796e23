/**
 * Pure pieces of the loss waterfall after the insurance fund: the auto-deleveraging order and the
 * pro-rata allocation of a socialised loss. The engine applies their results through the ledger.
 */
import { kthSmallest } from '../math/select.js';
import type { Rng } from '../rng/streams.js';

/**
 * ADL ranking score (Binance/BitMEX style): profit % × effective leverage
 * = (PnL / margin) × (notional / equity), from the position's unrealised PnL at the mark and its
 * account's margin, notional and equity (USD). Higher is deleveraged first; no margin or no equity
 * ranks first (Infinity).
 */
export function adlScoreOf(pnlUsd: number, marginUsd: number, notionalUsd: number, equityUsd: number): number {
  const profitPct = marginUsd > 0 ? pnlUsd / marginUsd : Infinity;
  const lev = equityUsd > 0 ? notionalUsd / equityUsd : Infinity;
  return profitPct * lev;
}

/** The ADL rankings the engine knows (scenario field policy.waterfall.adlRanking). */
export const ADL_RANKINGS = ['profit-leverage', 'random', 'pro-rata', 'pro-rata-pnl', 'hyperliquid', 'binance-leverage-pnl', 'bybit', 'bitmex', 'dydx'] as const;
export type AdlRankingKind = (typeof ADL_RANKINGS)[number];

/** What a ranking reads of one candidate position and its account (USD, at the mark). */
export interface AdlCandidate {
  /** +1 long, −1 short. */
  side: number;
  size: number;
  entry: number;
  mark: number;
  /** The account's cash margin (its wallet balance before unrealised PnL; volatile collateral at its haircut value included). */
  walletUsd: number;
  /** The account's equity: wallet + unrealised PnL of all its positions (its account value). */
  equityUsd: number;
  /** The account's unrealised PnL (all its positions). */
  unrealisedUsd: number;
  /** The account's notional (all its positions). */
  notionalUsd: number;
  /** The account's maintenance margin (its tier or bracket at this notional). */
  maintenanceUsd: number;
}

/**
 * A candidate's ADL score under `ranking` (higher is deleveraged first). pnl = side·size·(mark − entry).
 * - profit-leverage: (pnl / wallet) × (account notional / equity) — adlScoreOf.
 * - hyperliquid: (mark / entry) × (account notional / account value), the profit ratio taken on the
 *   position's side (entry / mark for a short, so that more profit ranks higher).
 * - binance-leverage-pnl: max(0, uPnL) / max(1, wallet) × MM / (wallet + uPnL), 0 when wallet + uPnL ≤ 0
 *   (uPnL, wallet, MM the account's); ranked by its quantile rank / N, the same order as the score.
 * - bybit, bitmex: price return × effective leverage = side·(mark/entry − 1) × |MV| / (MV − BV) with MV
 *   the position's value at the mark and BV at its bankruptcy price (where the account's equity is 0),
 *   so |MV| / (MV − BV) = position notional / account equity. The two venues publish the same formula.
 * - random, pro-rata, pro-rata-pnl, dydx: no score (0): the order is set by `rankAdl`.
 * No equity (≤ 0) ranks first (Infinity) where the score divides by it.
 */
export function adlScore(ranking: AdlRankingKind, c: AdlCandidate): number {
  const pnl = c.side * c.size * (c.mark - c.entry);
  switch (ranking) {
    case 'profit-leverage':
      return adlScoreOf(pnl, c.walletUsd, c.notionalUsd, c.equityUsd);
    case 'hyperliquid': {
      const ratio = c.side > 0 ? c.mark / c.entry : c.entry / c.mark;
      return c.equityUsd > 0 ? ratio * (c.notionalUsd / c.equityUsd) : Infinity;
    }
    case 'binance-leverage-pnl': {
      const pnlPct = Math.max(0, c.unrealisedUsd) / Math.max(1, c.walletUsd);
      const total = c.walletUsd + c.unrealisedUsd;
      return total > 0 ? pnlPct * (c.maintenanceUsd / total) : 0;
    }
    case 'bybit':
    case 'bitmex': {
      const ret = c.side * (c.mark / c.entry - 1);
      return c.equityUsd > 0 ? ret * ((c.size * c.mark) / c.equityUsd) : Infinity;
    }
    default:
      return 0;
  }
}

/** Whether `ranking` sorts its candidates by `adlScore` (highest first). */
export function ranksByScore(ranking: AdlRankingKind): boolean {
  return ranking === 'profit-leverage' || ranking === 'hyperliquid' || ranking === 'binance-leverage-pnl' || ranking === 'bybit' || ranking === 'bitmex';
}

/**
 * Orders n ADL candidates given in increasing id order (`ids[0 … n)`, their `scores`), writing the
 * ranked ids to `out[0 … n)`: the scored rankings (`ranksByScore`) by score, highest first (ties by
 * id; binance-leverage-pnl's quantile rank / n orders the same way); 'random' by a Fisher–Yates
 * shuffle from `rng` (n − 1 draws); 'dydx' in id order from a random start (one draw, wrapping round:
 * dYdX's ForEachSubaccountRandomStart); 'pro-rata' and 'pro-rata-pnl' in id order (every candidate
 * takes a share). `perm` is scratch space of length ≥ n. O(n log n); allocates nothing.
 */
export function rankAdl(ids: Int32Array, scores: Float64Array, n: number, ranking: AdlRankingKind, rng: Rng, perm: Int32Array, out: Int32Array): void {
  if (ranksByScore(ranking)) {
    for (let i = 0; i < n; i++) perm[i] = i;
    perm.subarray(0, n).sort((a, b) => (scores[b] === scores[a] ? a - b : scores[b] > scores[a] || Number.isNaN(scores[a]) ? 1 : -1));
    for (let i = 0; i < n; i++) out[i] = ids[perm[i]];
    return;
  }
  if (ranking === 'dydx') {
    const start = n > 0 ? Math.floor(rng() * n) : 0;
    for (let i = 0; i < n; i++) out[i] = ids[(start + i) % n];
    return;
  }
  for (let i = 0; i < n; i++) out[i] = ids[i];
  if (ranking === 'random') {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const x = out[i];
      out[i] = out[j];
      out[j] = x;
    }
  }
}

/** i ranks before j by score (highest first, ties by the lower index): the order of `rankAdl`'s scored rankings without NaN. */
function scoreBefore(scores: Float64Array, i: number, j: number): boolean {
  return scores[i] > scores[j] || (scores[i] === scores[j] && i < j);
}

function siftByScore(scores: Float64Array, heap: Int32Array, size: number, at: number): void {
  const x = heap[at];
  let i = at;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    const c = l + 1 < size && scoreBefore(scores, heap[l + 1], heap[l]) ? l + 1 : l;
    if (!scoreBefore(scores, heap[c], x)) break;
    heap[i] = heap[c];
    i = c;
  }
  heap[i] = x;
}

/**
 * The scored rankings' order (`rankAdl`) built lazily, for a caller that reads only the head: arranges
 * indices 0 … n−1 of `scores` as a heap in `heap` (O(n)); `popRanked` then gives them one at a time in
 * rankAdl's order (O(log n) each). The order is a strict total order, so the prefix is the same as a
 * full sort's. Returns false (nothing arranged) when a score is NaN: rankAdl places those itself.
 */
export function heapifyByScore(scores: Float64Array, n: number, heap: Int32Array): boolean {
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) return false;
    heap[i] = i;
  }
  for (let i = (n >> 1) - 1; i >= 0; i--) siftByScore(scores, heap, n, i);
  return true;
}

/** The next index in rankAdl's order from a heap of `size` > 0 entries arranged by `heapifyByScore` (the heap then holds size − 1). */
export function popRanked(scores: Float64Array, heap: Int32Array, size: number): number {
  const top = heap[0];
  heap[0] = heap[size - 1];
  if (size > 1) siftByScore(scores, heap, size - 1, 0);
  return top;
}

/**
 * Splits `totalCents` across holders in proportion to `weights`, never giving holder k more than
 * `caps[k]` (cents). Whole cents by the largest-remainder method; what a capped holder cannot take is
 * redistributed among the others. The result sums exactly to min(totalCents, Σ caps).
 *
 * Rounds: each round offers every holder still open (weight > 0, room left) its ideal share
 * remaining · w / Σw; holders whose ideal reaches their room take the room and close, the others take
 * the ideal rounded down; while some holder closed, the rest is offered again. In the round where
 * none closes, the cents left over by rounding down go one each to the largest remainders
 * (ideal − share), ties to the lower index.
 *
 * O(n · rounds); rounds ≤ 1 + the number of holders that hit their cap. The leftover cents
 * are placed by one selection of the remainders (O(n) expected) (the threshold) instead of sorting the holders with
 * a comparator — the same holders, in the same order of preference.
 * @throws RangeError on negative or non-integer totals/caps, or weights/caps of different lengths
 */
export function allocateProRata(totalCents: number, weights: ArrayLike<number>, caps: ArrayLike<number>): Float64Array {
  if (!Number.isSafeInteger(totalCents) || totalCents < 0) throw new RangeError(`total must be whole non-negative cents, got ${totalCents}`);
  if (weights.length !== caps.length) throw new RangeError('weights and caps must have the same length');
  const n = weights.length;
  const out = new Float64Array(n);
  let capacity = 0;
  for (let k = 0; k < n; k++) {
    if (!Number.isSafeInteger(caps[k]) || caps[k] < 0) throw new RangeError(`caps must be whole non-negative cents, got ${caps[k]}`);
    if (weights[k] > 0) capacity += caps[k];
  }
  let remaining = Math.min(totalCents, capacity);
  const open = new Uint8Array(n);
  for (let k = 0; k < n; k++) open[k] = weights[k] > 0 && caps[k] > 0 ? 1 : 0;
  const share = new Float64Array(n);
  while (remaining > 0) {
    let wsum = 0;
    for (let k = 0; k < n; k++) if (open[k]) wsum += weights[k];
    if (wsum <= 0) break;
    share.fill(0);
    let given = 0;
    let capped = false;
    for (let k = 0; k < n; k++) {
      if (!open[k]) continue;
      const room = caps[k] - out[k];
      const ideal = (remaining * weights[k]) / wsum;
      if (ideal >= room) {
        share[k] = room;
        open[k] = 0;
        capped = true;
      } else share[k] = Math.floor(ideal);
      given += share[k];
    }
    if (!capped) {
      // largest remainders get the leftover cents (an open holder's share is below its room — its
      // ideal is — so each can take one more cent)
      const left = remaining - given;
      if (left > 0) giveLeftoverCents(left, remaining, wsum, weights, open, share);
      for (let k = 0; k < n; k++) out[k] += share[k];
      break;
    }
    for (let k = 0; k < n; k++) out[k] += share[k];
    remaining -= given;
  }
  return out;
}

function countOpen(open: Uint8Array): number {
  let c = 0;
  for (let k = 0; k < open.length; k++) c += open[k];
  return c;
}

/**
 * One more cent each to the `left` open holders with the largest remainders (remaining · w / wsum −
 * share), ties to the lower index; all of them when `left` ≥ their number. The remainders are sorted
 * once (selected, not sorted) to find the threshold: holders above it take a cent, then holders at it in index
 * order until the cents run out.
 */
function giveLeftoverCents(left: number, remaining: number, wsum: number, weights: ArrayLike<number>, open: Uint8Array, share: Float64Array): void {
  const n = open.length;
  const nOpen = countOpen(open);
  if (left >= nOpen) {
    for (let k = 0; k < n; k++) if (open[k]) share[k]++;
    return;
  }
  const rem = new Float64Array(nOpen);
  for (let k = 0, i = 0; k < n; k++) if (open[k]) rem[i++] = (remaining * weights[k]) / wsum - share[k];
  const threshold = kthSmallest(rem.slice(), nOpen - left); // the left-th largest remainder
  let above = 0;
  for (let i = 0; i < nOpen; i++) if (rem[i] > threshold) above++;
  let atThreshold = left - above; // cents for holders whose remainder equals the threshold, lowest index first
  for (let k = 0, i = 0; k < n; k++) {
    if (!open[k]) continue;
    const r = rem[i++];
    if (r > threshold) share[k]++;
    else if (r === threshold && atThreshold > 0) {
      share[k]++;
      atThreshold--;
    }
  }
}
