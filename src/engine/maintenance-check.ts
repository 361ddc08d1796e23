/**
 * Phase 4, the maintenance check: which accounts are in breach this round. It looks only where a
 * breach can be — positions whose liquidation trigger the mark crossed (heaps), multi-market cross
 * accounts whose check is due (a mark left their price box), liquidations a per-step cap cut short, and accounts in a
 * margin-call grace period — never at the whole book. Margin calls (a breach that opens a grace period
 * instead of a liquidation) live here too.
 */
import { accountPolicy, type PathState } from './state.js';
import { equity, isOpen, maintenance } from './account.js';
import { multiDueNow, rekeyPosition, scheduleMulti, touchMulti, unscheduleMulti } from './triggers.js';
import { cancelTopUp, scheduleTopUp } from './topups.js';
import { HaltReason, PathHalt } from './limits.js';
import { collateralValue } from './collateral.js';

/** Sets account a's per-step flag (1 = in this round's list, 2 = postponed to a later step). */
export function setMark(st: PathState, a: number, v: number): void {
  const b = st.b;
  if (!b.listed[a]) {
    b.listed[a] = 1;
    b.marked[st.nMarked++] = a;
  }
  b.mark[a] = v;
}

/** Appends account a to this round's list with its equity and maintenance margin; returns the new count. */
function list(st: PathState, n: number, a: number, eq: number, mmv: number): number {
  const b = st.b;
  setMark(st, a, 1);
  b.list[n] = a;
  b.listEq[n] = eq;
  b.listMm[n] = mmv;
  return n + 1;
}

/**
 * Lists in b.list the accounts to liquidate (or put on a margin call) in round `gen`, flagging each,
 * with their equity and maintenance margin at the marks (b.listEq, b.listMm). Returns how many.
 */
export function maintenanceCheck(st: PathState, gen: number): number {
  const { b, mkt } = st;
  if (!Number.isFinite(mkt.driftClock)) throw new PathHalt(HaltReason.NonFinite);
  let n = 0;
  // (a) accounts whose liquidation trigger the mark crossed
  for (let m = 0; m < st.K; m++) {
    const h = b.heaps[m];
    const P = mkt.markPx[m];
    const dyn = st.mm[m].dynamic;
    const rate = dyn ? st.mm[m].rate() : 0;
    const xDown = dyn ? P * (1 - rate) : P;
    const xUp = dyn ? -P * (1 + rate) : -P;
    for (let dir = 0; dir < 2; dir++) {
      const heap = dir === 0 ? h.liqDown : h.liqUp; // longs breach on a fall, shorts on a rise
      const x = dir === 0 ? xDown : xUp;
      while (heap.topKey() > x) {
        const p = heap.pop();
        const a = b.posAccount[p];
        if (b.mark[a]) continue;
        let open: boolean;
        let eq = 0;
        let mmv = 0;
        if (b.nPos[a] === 1 && st.collateralAssets === 0) {
          // the account's only position is p (in market m): isOpen, equity and maintenance in one pass, the same arithmetic
          const sz = b.size[p];
          open = sz > 0;
          if (open) {
            eq = b.margin[a] / 100 + b.posSide[p] * sz * (P - b.entry[p]);
            mmv = 0 + st.mm[m].mm(sz * P, sz);
          }
        } else {
          open = isOpen(st, a);
          eq = open ? equity(st, a) : 0;
          mmv = open ? maintenance(st, a) : 0;
        }
        if (open && eq < mmv) n = list(st, n, a, eq, mmv);
        else b.deferred[st.nDeferred++] = a; // float tie at the threshold: re-keyed after the cascade
      }
    }
  }
  // (b) multi-market accounts whose check is due: touched, or a mark left their price box (its own
  //     function, so the single-market path through (a) stays small)
  if (multiDueNow(st)) n = dueMultiChecks(st, n);
  // (c) liquidations a per-step cap cut short: they continue, breach or not
  if (gen === 0) {
    for (let k = 0; k < st.stepRequeued; k++) {
      const a = b.requeue[k];
      if (!b.queued[a]) continue;
      b.queued[a] = 0;
      if (b.mark[a] || !isOpen(st, a)) continue;
      n = list(st, n, a, equity(st, a), maintenance(st, a));
    }
  }
  // (d) accounts in a margin-call grace period
  for (let k = 0; k < st.nGrace; k++) {
    const a = b.grace[k];
    if (b.mark[a] || b.graceUntil[a] < 0 || !isOpen(st, a)) continue;
    const call = accountPolicy(st, a).liquidation.marginCall;
    const eq = equity(st, a);
    const mmv = maintenance(st, a);
    const expired = st.t >= b.graceUntil[a];
    if (eq < call.liquidateBelowEquityFractionOfMm * mmv || (expired && eq < mmv)) n = list(st, n, a, eq, mmv);
  }
  compactGrace(st);
  return n;
}

/**
 * Lists (after the first n) the multi-market accounts in breach among those due — touched, or a mark
 * outside their price box — and re-schedules the others; returns the new count.
 */
function dueMultiChecks(st: PathState, n: number): number {
  const { b, mkt } = st;
  // listed in account order: which of them their schedule happened to make due first is not a fact
  // about the market, so the results do not depend on how the checks are scheduled
  const fromB = n;
  const due = b.multiDue;
  while (due.size > 0 && due.topKey() >= -mkt.driftClock) n = checkMulti(st, n, due.pop());
  for (let m = 0; m < st.K; m++) {
    const P = mkt.markPx[m];
    const down = b.boxDown[m];
    const up = b.boxUp[m];
    while (down.topKey() > P) n = checkMulti(st, n, b.multi[down.pop()]);
    while (up.topKey() > -P) n = checkMulti(st, n, b.multi[up.pop()]);
  }
  if (n - fromB > 1) sortListByAccount(b, fromB, n);
  return n;
}

/** Checks due multi-market account a: lists it (returns n + 1) if in breach, else re-schedules it. */
function checkMulti(st: PathState, n: number, a: number): number {
  const { b, mkt } = st;
  // watched by the grace list, or handled this step already (re-scheduled after the cascade)
  if (b.graceUntil[a] >= 0 || b.mark[a]) {
    unscheduleMulti(st, a);
    return n;
  }
  // isOpen, equity and maintenance in one pass over the positions (each sum in the same order as theirs)
  let open = false;
  let eq = b.margin[a] / 100;
  if (st.collateralAssets > 0) eq += collateralValue(st, a);
  let mmv = 0;
  const last = b.firstPos[a] + b.nPos[a];
  for (let q = b.firstPos[a]; q < last; q++) {
    const sz = b.size[q];
    if (!(sz > 0)) continue;
    open = true;
    const m = b.posMarket[q];
    const P = mkt.markPx[m];
    eq += b.posSide[q] * sz * (P - b.entry[q]);
    mmv += st.mm[m].mm(sz * P, sz);
  }
  if (open && !(eq < mmv)) {
    scheduleMulti(st, a, eq, mmv);
    return n;
  }
  unscheduleMulti(st, a); // closed, or in breach
  return open ? list(st, n, a, eq, mmv) : n;
}

/** Sorts b.list[from … to) (with its equity and maintenance entries) by account id. O(k log k). */
function sortListByAccount(b: PathState['b'], from: number, to: number): void {
  const k = to - from;
  const ids = b.sortIds.subarray(0, k);
  for (let i = 0; i < k; i++) {
    ids[i] = b.list[from + i];
    b.sortEq[b.list[from + i]] = b.listEq[from + i];
    b.sortMm[b.list[from + i]] = b.listMm[from + i];
  }
  ids.sort();
  for (let i = 0; i < k; i++) {
    const a = ids[i];
    b.list[from + i] = a;
    b.listEq[from + i] = b.sortEq[a];
    b.listMm[from + i] = b.sortMm[a];
  }
}

/** A first breach opens a margin call: the account leaves the liquidation heaps for the grace list. */
export function openGrace(st: PathState, a: number): void {
  const { b } = st;
  b.graceUntil[a] = st.t + accountPolicy(st, a).liquidation.marginCall.graceSteps;
  b.grace[st.nGrace++] = a;
  setMark(st, a, 1);
  st.events.marginCalls++;
  // the position leaves the liquidation heaps while the call runs; the grace list watches it
  for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
    const h = b.heaps[b.posMarket[q]];
    h.liqDown.remove(q);
    h.liqUp.remove(q);
  }
  // traders with a reserve answer the call after their reaction delay; those who inject fresh capital
  // after theirs (an exponential delay, at least a step)
  if (b.topUp[a] && b.reserve[a] > 0) {
    if (b.pendingDue[a] >= 0) cancelTopUp(st, a);
    scheduleTopUp(st, a, st.t + st.sc.traders.topUp.reactionDelaySteps);
  } else if (st.ctx.injectors?.[a]) {
    if (b.pendingDue[a] >= 0) cancelTopUp(st, a);
    const delay = Math.max(1, Math.ceil(-Math.log(1 - st.behaviour()) * st.sc.traders.injection.meanDelaySteps));
    scheduleTopUp(st, a, st.t + delay);
  }
}

/** Drops finished margin calls from the grace list (survivors are re-keyed). */
function compactGrace(st: PathState): void {
  const { b } = st;
  let w = 0;
  for (let k = 0; k < st.nGrace; k++) {
    const a = b.grace[k];
    if (b.graceUntil[a] < 0) continue; // ended by a liquidation
    if (!isOpen(st, a)) {
      b.graceUntil[a] = -1;
      continue;
    }
    if (st.t >= b.graceUntil[a] && !b.mark[a]) {
      // expired and not in breach: the call is met
      b.graceUntil[a] = -1;
      st.events.marginCallsSurvived++;
      if (b.nPos[a] === 1) rekeyPosition(st, b.firstPos[a]);
      else touchMulti(st, a);
      continue;
    }
    b.grace[w++] = a;
  }
  st.nGrace = w;
}
