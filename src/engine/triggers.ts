/**
 * Trigger keys: where each position sits in its market's heaps, so that a step touches only the
 * positions whose trigger a price move crossed (docs/design.md §6). Single-position accounts are keyed by
 * price; accounts holding several markets have no single trigger price and are scheduled on the drift
 * clock instead (`scheduleMulti`).
 */
import type { PathState } from './state.js';
import { IN_DEC_DOWN, IN_DEC_UP, IN_LIQ_DOWN, IN_LIQ_UP, IN_TOP_DOWN, IN_TOP_UP, removeFromHeaps } from './book.js';
import { equity, maintenance } from './account.js';
import { collateralValue, holdsCollateral } from './collateral.js';
import { bankruptcyPrice } from '../margin/maintenance.js';

let exhaustiveMultiChecks = false;
/**
 * Test hook: check multi-market cross accounts at every price change instead of skipping the ones
 * the drift clock proves safe. Results must be identical either way.
 */
export function setExhaustiveMultiChecks(on: boolean): void {
  exhaustiveMultiChecks = on;
}

/** Removes position p from every heap. */
export function unkey(st: PathState, p: number): void {
  removeFromHeaps(st.b.heaps[st.b.posMarket[p]], p);
}

/**
 * Recomputes position p's trigger prices. Liquidation keys: the liquidation price (static
 * schedules) or the bankruptcy price (dynamic rate; compared against P·(1 ∓ rate)). Order keys: the
 * top-up trigger and stop on the adverse side, the take-profit on the favourable side. Positions of
 * multi-market cross accounts are not keyed (checked on the drift clock).
 */
export function rekeyPosition(st: PathState, p: number): void {
  const b = st.b;
  const a = b.posAccount[p];
  const q = b.size[p];
  const m = b.posMarket[p];
  const h = b.heaps[m];
  if (q <= 0 || b.nPos[a] !== 1) {
    removeFromHeaps(h, p);
    return;
  }
  const side = b.posSide[p] as 1 | -1;
  const c = b.margin[a] / 100;
  const model = st.mm[m];
  const inCall = b.graceUntil[a] >= 0;
  // removals go through the membership bits: a position is in few heaps, and an absent one costs a read of one byte
  const bits = h.member[p];
  // volatile collateral: the liquidation price moves with the collateral's price, so the account is
  // checked on the drift clock (no liquidation or top-up key); its stop and take-profit stay keyed by price
  const floating = st.collateralAssets > 0 && holdsCollateral(st, a);
  if (floating) {
    if (bits & IN_LIQ_DOWN) h.liqDown.remove(p);
    if (bits & IN_LIQ_UP) h.liqUp.remove(p);
    if (bits & IN_TOP_DOWN) h.topDown.remove(p);
    if (bits & IN_TOP_UP) h.topUp.remove(p);
    if (!inCall) scheduleMulti(st, a);
  } else if (inCall) {
    if (bits & IN_LIQ_DOWN) h.liqDown.remove(p);
    if (bits & IN_LIQ_UP) h.liqUp.remove(p);
  } else if (model.dynamic) {
    const B = bankruptcyPrice(side, q, b.entry[p], c);
    if (side === 1) h.liqDown.set(p, B);
    else h.liqUp.set(p, -B);
  } else {
    const liq = model.thresholdPrice(side, q, b.entry[p], c, 1);
    if (side === 1) h.liqDown.set(p, liq);
    else h.liqUp.set(p, -liq);
  }
  // adverse-side orders: top-up trigger, stop-loss. Under a dynamic rate the top-up trigger
  // P·(1 − k·rate) < B moves every step, so it is keyed by the bankruptcy price B in its own heap
  // and compared with the widest personal trigger (see decisions.ts).
  let adverse = side === 1 ? -Infinity : Infinity;
  const wantsTopUp = b.topUp[a] && b.reserve[a] > 0 && b.pendingDue[a] < 0 && !inCall;
  if (floating) {
    // no top-up trigger (see above)
  } else if (model.dynamic) {
    const B = bankruptcyPrice(side, q, b.entry[p], c);
    if (wantsTopUp && side === 1) h.topDown.set(p, B);
    else if (bits & IN_TOP_DOWN) h.topDown.remove(p);
    if (wantsTopUp && side === -1) h.topUp.set(p, -B);
    else if (bits & IN_TOP_UP) h.topUp.remove(p);
  } else if (wantsTopUp) {
    adverse = model.thresholdPrice(side, q, b.entry[p], c, b.topUpTrigger[a]);
  }
  const stop = b.stop[p];
  if (stop === stop) adverse = side === 1 ? Math.max(adverse, stop) : Math.min(adverse, stop);
  const tp = b.takeProfit[p];
  if (side === 1) {
    if (adverse > -Infinity) h.decDown.set(p, adverse);
    else if (bits & IN_DEC_DOWN) h.decDown.remove(p);
    if (tp === tp) h.decUp.set(p, -tp);
    else if (bits & IN_DEC_UP) h.decUp.remove(p);
  } else {
    if (adverse < Infinity) h.decUp.set(p, -adverse);
    else if (bits & IN_DEC_UP) h.decUp.remove(p);
    if (tp === tp) h.decDown.set(p, tp);
    else if (bits & IN_DEC_DOWN) h.decDown.remove(p);
  }
}

/**
 * Schedules the next check of multi-market cross account a on the drift clock C = Σ over every mark
 * change of |Δ log mark| (all markets). While C advances by ΔC, each market's mark moves by at most
 * ΔD_m with Σ ΔD_m ≤ ΔC, so position k's value and maintenance margin change by at most
 * N_k·(1 + r_max)·(e^{ΔD_k} − 1); the sum over the account's positions is convex in the ΔD_k, so it is
 * largest with the whole move in one market: N_max·(1 + r_max)·(e^{ΔC} − 1), N_max the account's
 * largest position notional. The account cannot breach before that reaches its slack eq − MM.
 * Volatile collateral worth V (haircut value, linear in its price) adds at most V·(e^{ΔD} − 1) in its
 * market, so the weight becomes N_max·(1 + r_max) + V (an upper bound of every market's weight).
 */
export function scheduleMulti(st: PathState, a: number, eqKnown = NaN, mmKnown = NaN): void {
  const b = st.b;
  const mark = st.mkt.markPx;
  let N = 0;
  let nMax = 0;
  const last = b.firstPos[a] + b.nPos[a];
  for (let q = b.firstPos[a]; q < last; q++) {
    if (b.size[q] <= 0) continue;
    const v = b.size[q] * mark[b.posMarket[q]];
    N += v;
    if (v > nMax) nMax = v;
  }
  const dyn = st.mm[0].dynamic;
  // (the caller may pass the account's equity and maintenance margin at these marks, just computed)
  const eq = eqKnown === eqKnown ? eqKnown : equity(st, a);
  const slack = eq - (dyn ? st.rMax * N : mmKnown === mmKnown ? mmKnown : maintenance(st, a));
  const clock = st.mkt.driftClock;
  const w = nMax * (1 + st.rMax) + (st.collateralAssets > 0 ? collateralValue(st, a) : 0);
  const due = slack > 0 && w > 0 && !exhaustiveMultiChecks ? clock + Math.log1p(slack / w) : clock + 1e-12;
  b.multiDue.set(a, -due);
}

/** Marks a multi-market cross account for a check at the next opportunity. */
export function touchMulti(st: PathState, a: number): void {
  if (st.b.nPos[a] > 1 || (st.collateralAssets > 0 && holdsCollateral(st, a))) st.b.multiDue.set(a, -st.mkt.driftClock);
}

/** After account a's balance or positions changed: re-key its position, or re-check it soon. */
export function retrigger(st: PathState, a: number): void {
  if (st.b.nPos[a] === 1) rekeyPosition(st, st.b.firstPos[a]);
  else touchMulti(st, a);
}
