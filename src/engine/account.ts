/**
 * Account arithmetic at the current marks: open or not, equity, maintenance margin, notional. Every
 * phase that judges an account asks these. O(positions of the account).
 */
import type { PathState } from './state.js';
import { collateralValue } from './collateral.js';

/** True while account a holds any position. */
export function isOpen(st: PathState, a: number): boolean {
  const b = st.b;
  const last = b.firstPos[a] + b.nPos[a];
  for (let q = b.firstPos[a]; q < last; q++) if (b.size[q] > 0) return true;
  return false;
}

/** Equity (USD) of account a at the marks: cash collateral + volatile collateral at its haircut value + unrealised PnL. */
export function equity(st: PathState, a: number): number {
  const b = st.b;
  const mark = st.mkt.markPx;
  let eq = b.margin[a] / 100;
  if (st.collateralAssets > 0) eq += collateralValue(st, a);
  const last = b.firstPos[a] + b.nPos[a];
  for (let q = b.firstPos[a]; q < last; q++) {
    if (b.size[q] > 0) eq += b.posSide[q] * b.size[q] * (mark[b.posMarket[q]] - b.entry[q]);
  }
  return eq;
}

/** Maintenance margin (USD) of account a at the marks. */
export function maintenance(st: PathState, a: number): number {
  const b = st.b;
  const mark = st.mkt.markPx;
  let mmv = 0;
  const last = b.firstPos[a] + b.nPos[a];
  for (let q = b.firstPos[a]; q < last; q++) {
    if (b.size[q] > 0) mmv += st.mm[b.posMarket[q]].mm(b.size[q] * mark[b.posMarket[q]], b.size[q]);
  }
  return mmv;
}

/** Notional (USD) of account a at the marks. */
export function notional(st: PathState, a: number): number {
  const b = st.b;
  const mark = st.mkt.markPx;
  let n = 0;
  const last = b.firstPos[a] + b.nPos[a];
  for (let q = b.firstPos[a]; q < last; q++) if (b.size[q] > 0) n += b.size[q] * mark[b.posMarket[q]];
  return n;
}

/** Unrealised PnL (USD) of account a's positions at the marks (the socialised-loss "winners" weight). */
export function unrealisedPnl(st: PathState, a: number): number {
  const b = st.b;
  const mark = st.mkt.markPx;
  let u = 0;
  const last = b.firstPos[a] + b.nPos[a];
  for (let q = b.firstPos[a]; q < last; q++) {
    if (b.size[q] > 0) u += b.posSide[q] * b.size[q] * (mark[b.posMarket[q]] - b.entry[q]);
  }
  return u;
}
