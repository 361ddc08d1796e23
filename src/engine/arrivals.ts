/**
 * Phase 3, new entries: Poisson arrivals at a base rate, plus momentum traders arriving after large
 * moves in their direction. Each order is checked against the initial margin at the mark; the step's
 * opening orders trade as one block of flow per market and fill at its average price. Orders beyond
 * the book's spare capacity are dropped (counted), placing no flow.
 */
import type { PathState } from './state.js';
import { poisson } from '../rng/distributions.js';
import { drawCollateralUsd, drawLeverage, pickWeighted } from '../agents/population.js';
import { maxNotionalFor } from '../margin/initial.js';
import { applyFlows } from './market.js';
import { rekeyPosition } from './triggers.js';
import { chargeTradingFee } from './fees.js';

/** Queues one order (market m, side) unless the book is full; draws its collateral and leverage. */
function addOrder(st: PathState, n: number, m: number, side: 1 | -1, momentum: boolean): number {
  const { b, sc } = st;
  const cfg = sc.traders.arrivals;
  if (st.nAccounts + n >= st.pop.accountCapacity || st.nPositions + n >= st.pop.positionCapacity) {
    st.events.arrivalsDropped++; // beyond the book's spare capacity: not placed, no flow
    return n;
  }
  const rng = st.arrivalsRng;
  const collateralUsd = drawCollateralUsd(sc.traders, rng, st.arrivalsNormal);
  const rule = st.ctx.rules[m].initialMargin;
  const L = momentum ? cfg.momentumLeverage : drawLeverage(sc.traders, rng, st.arrivalsNormal, rule.maxLeverage);
  // initial-margin check at the current mark, under the market's own rule
  b.orderNotional[n] = Math.min(collateralUsd * L, maxNotionalFor(collateralUsd, st.mkt.markPx[m], rule, st.mm[m]));
  b.orderMarket[n] = m;
  b.orderSide[n] = side;
  b.orderDeposit[n] = Math.round(collateralUsd * 100);
  b.orderMomentum[n] = momentum ? 1 : 0;
  return n + 1;
}

export function arrivals(st: PathState): void {
  const { sc, mkt, b } = st;
  const cfg = sc.traders.arrivals;
  if (cfg.perStep === 0 && cfg.momentumPerStep === 0) return;
  const rng = st.arrivalsRng;
  let n = 0;
  const nBase = poisson(rng, cfg.perStep);
  for (let k = 0; k < nBase; k++) {
    const m = pickWeighted(st.marketWeights, rng);
    n = addOrder(st, n, m, rng() < sc.traders.longShare ? 1 : -1, false);
  }
  if (cfg.momentumPerStep > 0) {
    const L = cfg.momentumLookbackSteps;
    for (let m = 0; m < st.K; m++) {
      const hist = mkt.logMarkHistory[m];
      const r = hist[(st.t - 1) % (L + 1)] - hist[st.t % (L + 1)];
      const z = r / (mkt.nominalVolPerStep[m] * Math.sqrt(L));
      const nMom = poisson(rng, cfg.momentumPerStep * Math.min(Math.abs(z), cfg.momentumZCap));
      for (let k = 0; k < nMom; k++) n = addOrder(st, n, m, z >= 0 ? 1 : -1, true);
    }
  }
  if (n === 0) return;
  mkt.flow.fill(0);
  for (let k = 0; k < n; k++) mkt.flow[b.orderMarket[k]] += b.orderSide[k] * b.orderNotional[k];
  applyFlows(st);
  for (let k = 0; k < n; k++) {
    const a = st.nAccounts++;
    const p = st.nPositions++;
    const m = b.orderMarket[k];
    const side = b.orderSide[k];
    const px = mkt.fill[m];
    st.books.openAccount(a, b.orderDeposit[k]);
    // the entry's taker fee, out of the deposit
    const rate = st.ctx.rules[m].policy.tradingFees.takerRate;
    if (rate > 0) chargeTradingFee(st, a, Math.min(Math.round(rate * b.orderNotional[k] * 100), b.orderDeposit[k]), m);
    b.cross[a] = 0;
    b.topUp[a] = 0;
    b.firstPos[a] = p;
    b.nPos[a] = 1;
    b.posAccount[p] = a;
    b.posMarket[p] = m;
    b.posSide[p] = side;
    b.entry[p] = px;
    b.size[p] = b.orderNotional[k] / px;
    b.stop[p] = NaN;
    b.takeProfit[p] = NaN;
    if (side === 1) mkt.oiLong[m] += b.size[p];
    else mkt.oiShort[m] += b.size[p];
    st.events.arrivals++;
    if (b.orderMomentum[k]) st.events.momentumArrivals++;
    rekeyPosition(st, p);
  }
}
