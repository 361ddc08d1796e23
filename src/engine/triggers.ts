/**
 * Trigger keys: where each position sits in its market's heaps, so that a step touches only the
 * positions whose trigger a price move crossed (docs/design.md §6). Single-position accounts are keyed by
 * price; accounts holding several markets (or volatile collateral) have no single trigger price: each
 * gets a price box instead, a band per market it holds, and is checked when a mark leaves it (`scheduleMulti`).
 */
import type { PathState } from './state.js';
import { IN_DEC_DOWN, IN_DEC_UP, IN_LIQ_DOWN, IN_LIQ_UP, IN_TOP_DOWN, IN_TOP_UP, removeFromHeaps } from './book.js';
import { equity, maintenance } from './account.js';
import { assetValue, holdsCollateral } from './collateral.js';
import { bankruptcyPrice } from '../margin/maintenance.js';
import { IndexedMaxHeap } from './heap.js';

let exhaustiveMultiChecks = false;
/**
 * Test hook: check multi-market cross accounts at every price change instead of skipping the ones
 * their price box proves safe. Results must be identical either way.
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
 * multi-market cross accounts are not keyed (checked by their price box, `scheduleMulti`).
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
  // checked by its price box (no liquidation or top-up key); its stop and take-profit stay keyed by price
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
 * Schedules the next check of multi-market account a (positions in several markets, or volatile
 * collateral) by a price box: for each market m it holds, a band [P_m·(1 − d_m), P_m·(1 + u_m)] around
 * the current mark P_m inside which it provably cannot breach. It is due when any of those marks leaves
 * its band (b.boxDown / b.boxUp, keyed like the liquidation heaps) — on displacement, not on the
 * distance the prices travelled, so an account whose prices wander about their level stays unchecked.
 *
 * The bound. Let f(P) = eq(P) − M(P), M the maintenance margin (r_max·N under a dynamic rate: no rate
 * the schedule reaches is higher), and S = f at the marks of this check. Move market m by a factor
 * 1 + x. A position there of notional N (= size × P_m) and side s changes its PnL by s·N·x and its
 * maintenance by at most r_max·N·|x| (every schedule's MM is continuous in the notional with slope at
 * most r_max: fixed, tiered with maintenance amounts, size-scaled at a fixed size), so its part of f
 * changes by at least N·(s·x − r_max·|x|). Collateral worth V in m (haircut units × mark) changes by V·x.
 * Per market, f falls by at most λ⁺_m·x on a rise (x > 0) and λ⁻_m·|x| on a fall, with
 *   λ⁺_m = Σ_shorts N·(1 + r_max) + Σ_longs N·(r_max − 1) − V_m,
 *   λ⁻_m = Σ_longs N·(1 + r_max) + Σ_shorts N·(r_max − 1) + V_m,
 * so over the band the worst point is one of its ends, and over the box f falls by at most
 * Σ_m max(λ⁺_m·u_m, λ⁻_m·d_m). With shares a_m ≥ 0, Σ a_m = S' < S, u_m = a_m / λ⁺_m and d_m = a_m / λ⁻_m,
 * f > S − S' > 0 everywhere in the box: no breach. A side with λ ≤ 0 only gains (a long's rise: no upper
 * end), and d_m ≥ 1 means even a fall to 0 is safe (no lower end). S' = S − 1e-9·(the magnitudes eq and
 * MM sum), far above the rounding of the check's own float sums (~1e-15 of them). Any split of S' is
 * valid; a_m ∝ max(λ⁺_m, λ⁻_m)·σ_m (σ_m the market's nominal volatility a step) makes each band about
 * as many standard deviations wide. An account with S' ≤ 0, or under `setExhaustiveMultiChecks`, is
 * due at the drift clock's next advance instead (any mark change, as before boxes).
 */
export function scheduleMulti(st: PathState, a: number, eqKnown = NaN, mmKnown = NaN): void {
  const b = st.b;
  const K = st.K;
  const mark = st.mkt.markPx;
  const r = st.rMax;
  const lossUp = b.boxLossUp;
  const lossDown = b.boxLossDown;
  let dyn = false;
  for (let m = 0; m < K; m++) {
    lossUp[m] = 0;
    lossDown[m] = 0;
    if (st.mm[m].dynamic) dyn = true;
  }
  let N = 0;
  let scale = Math.abs(b.margin[a] / 100);
  const last = b.firstPos[a] + b.nPos[a];
  for (let q = b.firstPos[a]; q < last; q++) {
    const sz = b.size[q];
    if (!(sz > 0)) continue;
    const m = b.posMarket[q];
    const v = sz * mark[m];
    N += v;
    scale += v * (1 + r) + sz * Math.abs(b.entry[q]);
    if (b.posSide[q] === 1) {
      lossUp[m] += v * (r - 1);
      lossDown[m] += v * (1 + r);
    } else {
      lossUp[m] += v * (1 + r);
      lossDown[m] += v * (r - 1);
    }
  }
  for (let j = 0; j < st.collateralAssets; j++) {
    const v = assetValue(st, a, j);
    const m = st.ctx.collateral!.assets[j].market;
    lossUp[m] -= v;
    lossDown[m] += v;
    scale += v;
  }
  // (the caller may pass the account's equity and maintenance margin at these marks, just computed)
  const eq = eqKnown === eqKnown ? eqKnown : equity(st, a);
  const slack = eq - (dyn ? r * N : mmKnown === mmKnown ? mmKnown : maintenance(st, a)) - 1e-9 * scale;
  const i = b.multiIndex[a];
  if (!(slack > 0) || exhaustiveMultiChecks || i < 0) {
    unbox(st, i);
    b.multiDue.set(a, -(st.mkt.driftClock + 1e-12));
    return;
  }
  b.multiDue.remove(a);
  let total = 0;
  for (let m = 0; m < K; m++) {
    const w = Math.max(lossUp[m], lossDown[m]);
    if (w > 0) total += w * volWeight(st, m);
  }
  for (let m = 0; m < K; m++) {
    const up = lossUp[m];
    const down = lossDown[m];
    const w = Math.max(up, down);
    if (!(w > 0)) {
      b.boxUp[m].remove(i);
      b.boxDown[m].remove(i);
      continue;
    }
    const share = (slack * (w * volWeight(st, m))) / total;
    if (up > 0) b.boxUp[m].set(i, -(mark[m] * (1 + share / up)));
    else b.boxUp[m].remove(i);
    if (down > share) b.boxDown[m].set(i, mark[m] * (1 - share / down));
    else b.boxDown[m].remove(i);
  }
}

/**
 * The book opens: every multi-market account gets its first schedule — its box at the opening marks,
 * or, without one, a check at the first opportunity. Both depend only on the opening book and marks,
 * the same on every path of a run, so they are built on the first path and copied on later ones (as
 * the trigger heaps are, src/engine/open.ts); rebuilt if the marks or the test mode differ.
 */
export function openMultiSchedules(st: PathState): void {
  const b = st.b;
  const mark = st.mkt.markPx;
  const t = b.boxTemplate;
  if (t && t.exhaustive === exhaustiveMultiChecks && t.marks.every((x, m) => x === mark[m])) {
    b.multiDue.clear();
    for (let k = 0; k < t.due.length; k++) b.multiDue.set(t.due[k], 0);
    for (let m = 0; m < st.K; m++) {
      b.boxDown[m].copyFrom(t.down[m]);
      b.boxUp[m].copyFrom(t.up[m]);
    }
    return;
  }
  b.multiDue.clear();
  for (let m = 0; m < st.K; m++) {
    b.boxDown[m].clear();
    b.boxUp[m].clear();
  }
  const due: number[] = [];
  for (let k = 0; k < b.multi.length; k++) {
    const a = b.multi[k];
    scheduleMulti(st, a);
    if (!b.multiDue.has(a)) continue;
    b.multiDue.set(a, 0); // no box: due at the first check, whatever the marks do
    due.push(a);
  }
  const copy = (h: IndexedMaxHeap) => {
    const c = new IndexedMaxHeap(b.multi.length);
    c.copyFrom(h);
    return c;
  };
  b.boxTemplate = { marks: Float64Array.from(mark), exhaustive: exhaustiveMultiChecks, due: Int32Array.from(due), down: b.boxDown.map(copy), up: b.boxUp.map(copy) };
}

/** Market m's weight in the split of an account's slack: its nominal volatility a step (positive). */
function volWeight(st: PathState, m: number): number {
  const s = st.mkt.nominalVolPerStep[m];
  return s > 1e-12 ? s : 1e-12;
}

/** Removes the account with multi index i (−1: none) from every market's box heaps. */
function unbox(st: PathState, i: number): void {
  if (i < 0) return;
  for (let m = 0; m < st.K; m++) {
    st.b.boxUp[m].remove(i);
    st.b.boxDown[m].remove(i);
  }
}

/** Takes multi-market account a off every schedule (it is re-scheduled by `touchMulti` when it needs checks again). */
export function unscheduleMulti(st: PathState, a: number): void {
  st.b.multiDue.remove(a);
  unbox(st, st.b.multiIndex[a]);
}

/** True when some multi-market account is due: its drift-clock reading has come, or a mark left its price box. */
export function multiDueNow(st: PathState): boolean {
  const { b, mkt } = st;
  if (b.multiDue.size > 0 && b.multiDue.topKey() >= -mkt.driftClock) return true;
  for (let m = 0; m < st.K; m++) {
    const P = mkt.markPx[m];
    if (b.boxDown[m].topKey() > P || b.boxUp[m].topKey() > -P) return true;
  }
  return false;
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
