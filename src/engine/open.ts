/**
 * Opening the book at step 0: the opening accounts and positions copied into the reusable buffers,
 * every balance deposited through the books, and the trigger heaps built (once per run, then copied).
 */
import type { PathState } from './state.js';
import { HEAP_NAMES, copyHeaps, makeHeaps } from './book.js';
import { openMultiSchedules, rekeyPosition } from './triggers.js';
import { openLending } from './lending.js';
import { scheduleTopUp } from './topups.js';

export function openBook(st: PathState): void {
  const { pop, b, mkt } = st;
  const A = pop.accounts;
  const P = pop.positions;
  if (!b.opening) {
    // first path on these buffers: everything, and the book's totals
    b.cross.set(pop.acctCross);
    b.topUp.set(pop.acctTopUp);
    b.topUpTrigger.set(pop.acctTopUpTrigger);
    b.firstPos.set(pop.acctFirstPos);
    b.nPos.set(pop.acctNPos);
    b.posAccount.set(pop.posAccount);
    b.posMarket.set(pop.posMarket);
    b.posSide.set(pop.posSide);
    b.entry.set(pop.posEntry);
    b.stop.set(pop.posStop);
    b.takeProfit.set(pop.posTakeProfit);
    let margin = 0;
    let reserve = 0;
    for (let a = 0; a < A; a++) {
      margin += pop.acctMargin[a];
      reserve += pop.acctReserve[a];
    }
    const oiLong = new Float64Array(st.K);
    const oiShort = new Float64Array(st.K);
    for (let p = 0; p < P; p++) {
      if (pop.posSide[p] === 1) oiLong[pop.posMarket[p]] += pop.posSize[p];
      else oiShort[pop.posMarket[p]] += pop.posSize[p];
    }
    b.opening = { margin, reserve, oiLong, oiShort };
  } else {
    // later paths: only what a path changes. The opening book's static fields are never written
    // during a path, except entry prices under variation margin; arrivals write slots past it, which
    // are restored here.
    const used = b.usedAccounts;
    const usedP = b.usedPositions;
    if (b.entriesMoved) {
      b.entry.set(pop.posEntry.subarray(0, P));
      b.entriesMoved = false;
    }
    if (used > A) {
      b.cross.set(pop.acctCross.subarray(A, used), A);
      b.topUp.set(pop.acctTopUp.subarray(A, used), A);
      b.topUpTrigger.set(pop.acctTopUpTrigger.subarray(A, used), A);
      b.firstPos.set(pop.acctFirstPos.subarray(A, used), A);
      b.nPos.set(pop.acctNPos.subarray(A, used), A);
    }
    if (usedP > P) {
      b.posAccount.set(pop.posAccount.subarray(P, usedP), P);
      b.posMarket.set(pop.posMarket.subarray(P, usedP), P);
      b.posSide.set(pop.posSide.subarray(P, usedP), P);
      b.entry.set(pop.posEntry.subarray(P, usedP), P);
      b.stop.set(pop.posStop.subarray(P, usedP), P);
      b.takeProfit.set(pop.posTakeProfit.subarray(P, usedP), P);
    }
  }
  b.size.set(pop.posSize);
  b.pendingDue.fill(-1);
  b.graceUntil.fill(-1);
  b.cooldownUntil.fill(-1);
  b.fundPaidStep.fill(-1);
  b.liquidated.fill(0);
  b.liqThisStep.fill(0);
  b.mark.fill(0);
  b.listed.fill(0);
  b.queued.fill(0);
  b.adlHit.fill(0);
  b.socialisedHit.fill(0);
  b.listedToClose.fill(0);
  b.dueHead.fill(-1);
  b.dueTail.fill(-1);
  mkt.oiLong.set(b.opening.oiLong);
  mkt.oiShort.set(b.opening.oiShort);
  st.books.open(pop, b.opening, st.ctx.collateral);
  openLending(st);
  // The opening heaps depend only on the book, so they are built once per run and copied per path.
  if (!b.template) {
    for (const h of b.heaps) for (const k of HEAP_NAMES) h[k].clear();
    for (let p = 0; p < pop.positions; p++) rekeyPosition(st, p);
    b.template = b.heaps.map((h) => {
      const c = makeHeaps(pop.positionCapacity, b.heapUse);
      copyHeaps(c, h);
      return c;
    });
  } else {
    b.heaps.forEach((h, m) => copyHeaps(h, b.template![m]));
  }
  for (let m = 0; m < st.K; m++) if (st.mm[m].dynamic) st.events.maxMmr = Math.max(st.events.maxMmr, st.mm[m].rate());
  openMultiSchedules(st);
  // top-ups the warm-up left pending at step 0 (seasoned books) fall due in the path as its own would
  const due = pop.acctTopUpDue;
  if (due) for (let a = 0; a < A; a++) if (due[a] > 0) scheduleTopUp(st, a, due[a]);
}
