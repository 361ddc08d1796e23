/**
 * Phase 3, trader decisions (before new entries, which are `arrivals.ts`): top-ups falling due, orders
 * the mark triggered (stop-losses and take-profits close; top-up triggers start the reaction delay),
 * and deleveraging after a volatility spike. Voluntary closes of a step trade as one block of flow
 * per market.
 */
import type { PathState } from './state.js';
import { equity, maintenance } from './account.js';
import { applyFlows } from './market.js';
import { closePositions, Route } from './close.js';
import { lossWaterfall, socialisedLoss } from './waterfall.js';
import { rekeyPosition } from './triggers.js';
import { dueTopUps, scheduleTopUp } from './topups.js';

export function traderDecisions(st: PathState): void {
  dueTopUps(st);
  let n = triggeredOrders(st, st.b.list2);
  dynamicTopUpTriggers(st);
  n = volatilityDeleveraging(st, st.b.list2, n);
  if (n > 0) voluntaryCloses(st, st.b.list2, n);
}

/**
 * Orders triggered by the mark, falls first then rises per market: stops and take-profits are listed
 * in `ids` (their close size set) for closing; a crossed top-up trigger starts the reaction delay.
 * Returns how many positions were listed.
 */
export function triggeredOrders(st: PathState, ids: Int32Array): number {
  const { b, events } = st;
  const delay = st.sc.traders.topUp.reactionDelaySteps;
  let n = 0;
  for (let m = 0; m < st.K; m++) {
    const h = b.heaps[m];
    const P = st.mkt.markPx[m];
    for (let dir = 0; dir < 2; dir++) {
      const heap = dir === 0 ? h.decDown : h.decUp; // orders hit by a fall, then by a rise
      const x = dir === 0 ? P : -P;
      while (heap.topKey() > x) {
        const p = heap.pop();
        const side = b.posSide[p];
        const stop = b.stop[p];
        const tp = b.takeProfit[p];
        const acct = b.posAccount[p];
        if (stop === stop && (side === 1 ? P <= stop : P >= stop)) {
          b.listedToClose[p] = 1;
          ids[n++] = p;
          b.closeSize[p] = b.size[p];
          events.stopLosses++;
        } else if (tp === tp && (side === 1 ? P >= tp : P <= tp)) {
          b.listedToClose[p] = 1;
          ids[n++] = p;
          b.closeSize[p] = b.size[p];
          events.takeProfits++;
        } else {
          if (b.pendingDue[acct] < 0) scheduleTopUp(st, acct, st.t + delay);
          rekeyPosition(st, p); // keeps the other orders while the top-up is pending
        }
      }
    }
  }
  return n;
}

/**
 * Dynamic rate: top-up candidates are positions with P·(1 ∓ k_max·rate) past their bankruptcy price;
 * each is checked exactly, and those not yet at their own trigger wait (they stay in the heap and are
 * looked at again next step).
 */
export function dynamicTopUpTriggers(st: PathState): void {
  const { b } = st;
  const delay = st.sc.traders.topUp.reactionDelaySteps;
  for (let m = 0; m < st.K; m++) {
    if (!st.mm[m].dynamic) continue;
    const h = b.heaps[m];
    const rate = st.mm[m].rate();
    const P = st.mkt.markPx[m];
    let parked = 0;
    const park = b.scratchPos;
    for (let dir = 0; dir < 2; dir++) {
      const heap = dir === 0 ? h.topDown : h.topUp;
      const x = dir === 0 ? P * (1 - st.topUpTriggerMax * rate) : -P * (1 + st.topUpTriggerMax * rate);
      while (heap.topKey() > x) {
        const key = heap.topKey();
        const p = heap.pop();
        const acct = b.posAccount[p];
        if (equity(st, acct) < b.topUpTrigger[acct] * maintenance(st, acct)) {
          if (b.pendingDue[acct] < 0) scheduleTopUp(st, acct, st.t + delay);
          rekeyPosition(st, p);
        } else {
          park[parked] = p;
          b.parkKey[parked++] = key;
        }
      }
      for (let i = 0; i < parked; i++) heap.set(park[i], b.parkKey[i]);
      parked = 0;
    }
  }
}

/**
 * Volatility-spike deleveraging: accounts that deleverage cut each position by a fraction. Appends to
 * `ids`; a position its stop or take-profit already closes in full this step is not listed again.
 */
export function volatilityDeleveraging(st: PathState, ids: Int32Array, n: number): number {
  const { b, mkt } = st;
  const f = st.sc.traders.volatilityDeleverage.reduceFraction;
  for (let m = 0; m < st.K; m++) {
    if (!mkt.deleverageDue[m]) continue;
    mkt.deleverageDue[m] = 0;
    const list = st.ctx.deleveragers[m];
    for (let k = 0; k < list.length; k++) {
      const p = list[k];
      if (b.size[p] <= 0 || b.mark[b.posAccount[p]] || b.listedToClose[p]) continue;
      b.listedToClose[p] = 1;
      b.closeSize[p] = b.size[p] * f;
      ids[n++] = p;
      st.events.deleverages++;
    }
  }
  return n;
}

/**
 * Closes b.closeSize[p] of each listed position at the market, as one block of flow per market; a
 * close at a gapped price may leave a shortfall, and its loss waterfall runs before the next close.
 */
export function voluntaryCloses(st: PathState, ids: Int32Array, n: number): void {
  const { b, mkt } = st;
  mkt.flow.fill(0);
  for (let k = 0; k < n; k++) {
    const p = ids[k];
    mkt.flow[b.posMarket[p]] -= b.posSide[p] * b.closeSize[p] * mkt.market[b.posMarket[p]];
  }
  applyFlows(st);
  for (let k = 0; k < n; k++) {
    const p = ids[k];
    b.listedToClose[p] = 0;
    if (!(b.size[p] > 0)) continue;
    closePositions(st, b.posAccount[p], p, Route.Market, { tradingFeeRate: st.ctx.rules[b.posMarket[p]].policy.tradingFees.takerRate });
    lossWaterfall(st);
  }
  socialisedLoss(st); // the block's deficits beyond the funds, socialised once
}
