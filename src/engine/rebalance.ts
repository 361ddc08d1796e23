/**
 * Rebalancing between one trader's isolated positions (traders.rebalancing): before an account is
 * liquidated, margin above its paired account's initial margin moves to it, up to the top-up target
 * ratio. If that restores it, it is not liquidated. The money moves margin to margin, through the books.
 */
import type { PathState } from './state.js';
import { equity, isOpen, maintenance, notional } from './account.js';
import { initialMargin } from '../margin/initial.js';
import { retrigger } from './triggers.js';

/** Tries to rescue account a (equity eq, maintenance margin mmv) from its pair. Returns true when a is no longer in breach. */
export function rebalanceFromPair(st: PathState, a: number, eq: number, mmv: number): boolean {
  const s = st.ctx.siblings?.[a] ?? -1;
  if (s < 0 || !isOpen(st, s) || st.b.nPos[s] !== 1 || st.b.nPos[a] !== 1) return false;
  const b = st.b;
  const q = b.firstPos[s];
  const m = b.posMarket[q];
  const im = initialMargin(notional(st, s), b.size[q], st.ctx.rules[m].initialMargin, st.mm[m]);
  // what the pair can spare: its equity above its initial margin (and above its maintenance margin), in its margin
  const spare = Math.min(b.margin[s], Math.floor((equity(st, s) - Math.max(im, maintenance(st, s))) * 100));
  const need = Math.ceil((st.sc.traders.topUp.targetMarginRatio * mmv - eq) * 100);
  const move = Math.min(spare, need);
  if (!(move > 0)) return false;
  st.books.rebalance(s, a, move);
  st.events.rebalances++;
  st.events.rebalancedCents += move;
  retrigger(st, s);
  if (eq + move / 100 < mmv) return false;
  retrigger(st, a);
  return true;
}
