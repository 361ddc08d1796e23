/**
 * The fillable-price bound on liquidation orders (`liquidation.fillablePrice`; dYdX v4, x/clob/keeper
 * liquidations.go `GetFillablePrice`). A venue's market order closing position q of account a may
 * fill no worse than
 *   L = P · (1 − s · ABR · SMMR · MMF_q)        (s = +1 closing a long, −1 closing a short)
 * with P the mark (dYdX margins at the oracle price), MMF_q = MM_q / N_q the position's maintenance
 * fraction, SMMR = spreadToMaintenanceRatio and ABR = clamp(BA · (1 − equity / MM), 0, 1) the
 * adjusted bankruptcy rating (BA = bankruptcyAdjustment). An order is an IOC: what does not fill
 * within L is cancelled.
 *
 * The engine trades a round's orders as one block (src/engine/liquidation.ts `tradeRound`). Here, after
 * the round is planned and before it trades, each bounded market's orders are taken in the chain's
 * order (`SortLiquidationOrders`: the bound furthest from the mark first, then the larger order; then
 * by account, where the chain compares order hashes) — and each walks
 * the book from where the flow before it left the price: it keeps what fits before the book's marginal
 * price after the cumulative flow would pass its bound; an order whose bound the book is already past
 * keeps nothing. Flow the bound does not govern (other routes, collateral and lending sales) walks
 * first. Since each later order on a side has a bound at least as close to the mark, and the other
 * side's orders move the price back, the block's final marginal price is within every kept order's
 * bound; so is the book before the block, and the block's average fill lies between the two.
 *
 * What is cut waits for the next step (the chain retries in the next block; the engine's next chance
 * is the next step). An account none of whose orders fill and whose equity is negative is deleveraged
 * (dYdX deleverages a subaccount with negative total net collateral whose liquidation order filled
 * nothing), when its market's waterfall is `adl` and it holds one position; otherwise it waits.
 * Accounts with volatile collateral (whose sale was planned with the close) are not bounded.
 */
import type { PathState } from './state.js';
import { Route } from './close.js';
import { equity, isOpen, maintenance } from './account.js';
import { holdsCollateral } from './collateral.js';
import { saturateImpact } from './limits.js';
import { adlMatch } from './adl-match.js';
import { postpone } from './liquidation.js';

/** Whether any market's liquidation orders carry a fillable-price bound (asked once per round). */
export function anyFillableBound(st: PathState): boolean {
  for (const r of st.ctx.rules) if (r.liquidation.fillablePrice !== undefined) return true;
  return false;
}

// one round's bounded orders (reused between rounds)
const pos: number[] = [];
const acct: number[] = [];
const limit: number[] = [];
const reach: number[] = [];
const order: number[] = [];
const cutAccounts = new Set<number>();

/**
 * Applies the bound to the round's nClose closes (b.list2, b.route, b.closeSize, mkt.flow) before the
 * trade; returns how many accounts still close (b.list2 and b.route compacted in order).
 */
export function boundFills(st: PathState, gen: number, nClose: number): number {
  const { b, mkt } = st;
  cutAccounts.clear();
  for (let m = 0; m < st.K; m++) {
    const fp = st.ctx.rules[m].liquidation.fillablePrice;
    if (fp === undefined) continue;
    const P = mkt.markPx[m];
    const px = mkt.market[m];
    // the round's bounded orders in market m: each one's bound and how far from the mark it lies
    let n = 0;
    for (let k = 0; k < nClose; k++) {
      if (b.route[k] !== Route.Market) continue;
      const a = b.list2[k];
      if (st.collateralAssets > 0 && holdsCollateral(st, a)) continue;
      let abr = NaN;
      for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
        if (b.posMarket[q] !== m || !(b.size[q] > 0) || !(b.closeSize[q] > 0)) continue;
        if (abr !== abr) {
          const mm = maintenance(st, a);
          abr = mm > 0 ? Math.min(1, Math.max(0, fp.bankruptcyAdjustment * (1 - equity(st, a) / mm))) : 1;
        }
        const N = b.size[q] * P;
        const r = (abr * fp.spreadToMaintenanceRatio * st.mm[m].mm(N, b.size[q])) / N;
        pos[n] = q;
        acct[n] = a;
        reach[n] = r;
        limit[n] = P * (1 - b.posSide[q] * r);
        order[n] = n;
        n++;
      }
    }
    if (n === 0) continue;
    // flow the bound does not govern walks first
    let F = mkt.flow[m];
    for (let i = 0; i < n; i++) F += b.posSide[pos[i]] * b.closeSize[pos[i]] * px;
    const sorted = order.slice(0, n).sort((i, j) => reach[j] - reach[i] || b.closeSize[pos[j]] - b.closeSize[pos[i]] || acct[i] - acct[j]);
    const imp = mkt.impact[m];
    const dm = mkt.depthMult[m];
    const x0 = mkt.impactState[m];
    const logF = mkt.logF[m];
    for (const i of sorted) {
      const q = pos[i];
      const f = -b.posSide[q] * b.closeSize[q] * px; // the order's flow (USD, + buy)
      const end = Math.exp(logF + saturateImpact(x0 + imp.delta(F + f, dm)));
      if (f < 0 ? end >= limit[i] && px >= limit[i] : end <= limit[i] && px <= limit[i]) {
        F += f;
        continue;
      }
      // the flow that brings the marginal price to the bound, and this order's part of what is left to
      // it (none when the book is already past it: the block's average fill lies between the book and the end)
      const G = imp.flowFor(Math.log(limit[i]) - logF - x0, dm);
      const pastAlready = f < 0 ? px < limit[i] : px > limit[i];
      const kept = pastAlready ? 0 : f < 0 ? Math.max(f, Math.min(0, G - F)) : Math.min(f, Math.max(0, G - F));
      const cut = Math.abs(f - kept);
      F += kept;
      mkt.flow[m] -= f - kept;
      mkt.marketLiqUsed[m] -= cut; // (at the book price, as queueClose counted it)
      b.liqThisStep[acct[i]] -= (cut / px) * P; // (at the mark, as queueClose counted it)
      b.closeSize[q] = Math.abs(kept) / px;
      cutAccounts.add(acct[i]);
    }
  }
  if (cutAccounts.size === 0) return nClose;
  // accounts left with nothing to close wait (or are deleveraged); the others close, in order
  let kept = 0;
  for (let k = 0; k < nClose; k++) {
    const a = b.list2[k];
    if (cutAccounts.has(a)) {
      let closes = false;
      for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) if (b.size[q] > 0 && b.closeSize[q] > 0) closes = true;
      if (!closes) {
        const eq = equity(st, a);
        if (eq < 0 && b.nPos[a] === 1 && st.ctx.rules[b.posMarket[b.firstPos[a]]].waterfall.afterInsuranceFund === 'adl') adlMatch(st, a, -eq, gen);
        if (isOpen(st, a)) postpone(st, a, false);
        continue;
      }
      postpone(st, a, false);
    }
    b.list2[kept] = a;
    b.route[kept++] = b.route[k];
  }
  return kept;
}
