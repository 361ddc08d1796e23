/**
 * Closing positions: the one place positions and balances change together. Realised PnL is settled
 * with the market at this round's fill prices (or, for a liquidator, the backstop vault or an ADL
 * match, at the mark less the liquidator's bonus, or at the mark), the fee goes to the insurance fund,
 * what a fully closed account has left goes back to its trader, and a shortfall is left in `st.loss`
 * for the loss waterfall, which the caller runs next (`lossWaterfall`, src/engine/waterfall.ts).
 * The arithmetic is the pure rules of src/liquidation/close.ts.
 */
import { accountPolicy, type PathState } from './state.js';
import { isOpen } from './account.js';
import { retrigger, unkey } from './triggers.js';
import { cancelTopUp } from './topups.js';
import { chargeTradingFee } from './fees.js';
import { cappedFeeCents, realisedPnlCents } from '../liquidation/close.js';
import { HaltReason, MAX_BOOKABLE_CENTS, PathHalt } from './limits.js';
import { holdsCollateral, sellCollateral } from './collateral.js';

/**
 * The price the trader closes at by `route`: the market's fill; a liquidator's mark less its bonus; the
 * vault's or an ADL match's mark (an ADL close never reaches the market).
 */
function tradePrice(st: PathState, route: Route, m: number, side: number, bonus: number): number {
  if (route === Route.Liquidator) return st.mkt.markPx[m] * (1 - side * bonus);
  if (route === Route.Backstop || route === Route.Adl) return st.mkt.markPx[m];
  return st.mkt.fill[m];
}

/**
 * Before anything changes: every realised PnL this close would book (and their sum) must be whole
 * cents the ledger represents exactly (|x| < 2^53); otherwise the path stops here (money-out-of-range),
 * its books still balanced. The same arithmetic as the close below.
 */
function checkBookable(st: PathState, first: number, last: number, only: number, route: Route, bonus: number): void {
  const { b, mkt } = st;
  let sum = 0;
  for (let q = first; q < last; q++) {
    if (b.size[q] <= 0 || (only >= 0 && q !== only)) continue;
    let dq = Math.min(b.size[q], b.closeSize[q]);
    if (dq >= b.size[q] * (1 - 1e-12)) dq = b.size[q];
    if (!(dq > 0)) continue;
    const m = b.posMarket[q];
    const side = b.posSide[q];
    const px = tradePrice(st, route, m, side, bonus);
    const c = realisedPnlCents(side, dq, px, b.entry[q]);
    const third = route === Route.Liquidator || route === Route.Backstop ? realisedPnlCents(side, dq, mkt.fill[m], px) : 0;
    sum += c;
    if (!(Math.abs(c) <= MAX_BOOKABLE_CENTS && Math.abs(third) <= MAX_BOOKABLE_CENTS && Math.abs(sum) <= MAX_BOOKABLE_CENTS)) throw new PathHalt(HaltReason.MoneyOutOfRange);
  }
}

/** How a closing account's positions leave the book. */
export const enum Route {
  /** The venue's own order against the market (fills at mkt.fill). */
  Market = 0,
  /** A liquidator takes it at the mark less its bonus and unwinds against the market. */
  Liquidator = 1,
  /** The backstop vault takes the whole account at the mark; the trader forfeits the rest of the margin. */
  Backstop = 2,
  /**
   * Auto-deleveraging: a bankrupt position and the ranked winners matched against it close at the
   * mark, with no market trade; the winners' haircuts (`adlCreditCents`, passed to the bankrupt
   * account) bring its price to the bankruptcy price.
   */
  Adl = 3,
}

/** What a close charges or credits besides its PnL. */
export interface CloseOptions {
  /** Liquidation fee on the closed notional, capped by the equity left, to the insurance fund. */
  feeRate?: number;
  /** ADL: the winners' haircuts passed on to this account (cents). */
  adlCreditCents?: number;
  /** ADL: the part of adlCreditCents that covers a shortfall (recorded as such); all of it by default. */
  adlShortfallCents?: number;
  /**
   * ADL, a winner's side: cents this account gives up to the bankrupt position it is matched against
   * (its units close at the bankruptcy price instead of the mark), taken from its own margin after the
   * close's PnL is settled — selling its volatile collateral if the cash falls short — and before what
   * a fully closed account has left goes back to its trader. At most what the account holds.
   */
  adlHaircutCents?: number;
  /** A full liquidation leaves what is left of the margin to the insurance fund. */
  forfeit?: boolean;
  /** A voluntary close's taker fee on the closed notional (policy.tradingFees), capped like the liquidation fee. */
  tradingFeeRate?: number;
}

const NONE: CloseOptions = {};

/**
 * Closes, for account a, either the single position `only` (b.closeSize[only]) or — with only = −1 —
 * b.closeSize[q] of each of its positions, at the route's price (`tradePrice`). Any shortfall is left
 * in `st.loss` for `lossWaterfall`, which the caller runs next. Returns the ADL haircut paid (cents;
 * 0 unless opts.adlHaircutCents).
 */
export function closePositions(st: PathState, a: number, only: number, route: Route, opts: CloseOptions = NONE): number {
  const feeRate = opts.feeRate ?? 0;
  const adlCreditCents = opts.adlCreditCents ?? 0;
  const forfeit = opts.forfeit ?? false;
  const { b, books, mkt, events } = st;
  const first = b.firstPos[a];
  const last = first + b.nPos[a];
  // (only a liquidator's price has a bonus: other routes do not look the policy up)
  const bonus = route === Route.Liquidator ? accountPolicy(st, a).liquidation.liquidators.bonusFraction : 0;
  // (all in cents)
  let pnl = 0;
  let closedNotional = 0;
  let remainingUnrealised = 0;
  let vaultPnl = 0;
  let liquidatorPnl = 0;
  let worst = -1;
  let worstDq = 0;
  let worstNotional = 0;
  // (one position: the loop below checks it before anything changes)
  const single = last - first === 1;
  if (!single) checkBookable(st, first, last, only, route, bonus);
  for (let q = first; q < last; q++) {
    if (b.size[q] <= 0) continue;
    const m = b.posMarket[q];
    const side = b.posSide[q];
    let dq = 0;
    if (only < 0 || q === only) dq = Math.min(b.size[q], b.closeSize[q]);
    if (only >= 0 && q !== only) dq = 0;
    if (dq >= b.size[q] * (1 - 1e-12)) dq = b.size[q];
    const fill = mkt.fill[m];
    if (dq > 0) {
      // the trader's price: market fill; liquidators pay the mark less their bonus; the vault and ADL the mark
      const px = tradePrice(st, route, m, side, bonus);
      const c = realisedPnlCents(side, dq, px, b.entry[q]);
      const unwind = route === Route.Liquidator || route === Route.Backstop;
      // the liquidator's or the vault's unwind: bought at px, sold to the market at the fill
      const third = unwind ? realisedPnlCents(side, dq, fill, px) : 0;
      if (single && !(Math.abs(c) <= MAX_BOOKABLE_CENTS && Math.abs(third) <= MAX_BOOKABLE_CENTS)) throw new PathHalt(HaltReason.MoneyOutOfRange);
      pnl += c;
      books.realise(c);
      if (unwind) {
        books.realise(third);
        if (route === Route.Liquidator) liquidatorPnl += third;
        else vaultPnl += third;
      }
      const at = route === Route.Adl ? px : fill; // an ADL match never reached the market's fill
      closedNotional += dq * at;
      if (worst < 0 || dq * at > worstNotional) {
        worst = q;
        worstDq = dq;
        worstNotional = dq * at;
      }
      b.size[q] -= dq;
      if (b.size[q] < 1e-12 * dq) b.size[q] = 0;
      if (side === 1) mkt.oiLong[m] -= dq;
      else mkt.oiShort[m] -= dq;
    }
    if (b.size[q] > 0) remainingUnrealised += side * b.size[q] * (mkt.markPx[m] - b.entry[q]);
  }
  // ADL: the winners' haircuts, paid into the market, are passed on to this account (so the matched
  // part trades at its bankruptcy price); they count as shortfall covered by ADL
  if (adlCreditCents > 0) {
    pnl += adlCreditCents;
    events.shortfallCents += opts.adlShortfallCents ?? adlCreditCents;
  }
  // a loss the cash cannot pay: the trader sells its volatile collateral first (at the book price)
  if (st.collateralAssets > 0 && pnl < 0 && -pnl > b.margin[a] && holdsCollateral(st, a)) sellCollateral(st, a, mkt.market);
  // realised PnL against the market; what the margin cannot pay is the shortfall
  let shortfall = books.settlePnl(a, pnl);
  // ADL, a winner: its haircut from its own margin (its collateral sold first if the cash is short)
  let haircutPaid = 0;
  const haircut = opts.adlHaircutCents ?? 0;
  if (haircut > 0) {
    if (st.collateralAssets > 0 && haircut > b.margin[a] && holdsCollateral(st, a)) sellCollateral(st, a, mkt.market);
    haircutPaid = books.haircutMargin(a, haircut);
  }
  const full = !isOpen(st, a);
  // fee, capped by the equity that exists (none after a shortfall: the margin is then 0)
  const after = b.margin[a];
  const equityAfter = after - shortfall + Math.round(remainingUnrealised * 100);
  const fee = cappedFeeCents(feeRate, closedNotional, after, equityAfter);
  // the fee goes to the fund of the market of the account's largest close
  const rules = st.ctx.rules[b.posMarket[worst >= 0 ? worst : first]];
  books.chargeFee(a, fee, rules.fund);
  events.feesCents += fee;
  if (opts.tradingFeeRate && shortfall === 0) {
    const tfee = cappedFeeCents(opts.tradingFeeRate, closedNotional, b.margin[a], equityAfter - fee);
    chargeTradingFee(st, a, tfee, b.posMarket[worst >= 0 ? worst : first]);
  }
  // liquidator and vault PnL (against the market)
  if (liquidatorPnl !== 0) {
    books.liquidatorPnl(liquidatorPnl);
    events.liquidatorPnlUsd += liquidatorPnl / 100;
  }
  const loss = st.loss;
  if (route === Route.Backstop) {
    events.backstopTakeovers++;
    loss.vaultBefore = books.backstopCents;
    // the trader forfeits what is left of the margin to the vault; the vault's unwind PnL is paid from
    // its capital; what it cannot pay joins the trader's shortfall (the waterfall asks the vault first)
    books.forfeitToBackstop(a);
    shortfall += books.backstopUnwind(vaultPnl);
  }
  events.shortfallCents += shortfall;
  if (full) {
    if (forfeit && route !== Route.Backstop && b.margin[a] > 0) {
      // the venue keeps what is left (a takeover at the bankruptcy price): into the fund, as a fee
      const left = b.margin[a];
      books.chargeFee(a, left, st.ctx.rules[b.posMarket[worst >= 0 ? worst : first]].fund);
      events.feesCents += left;
    }
    books.returnToWallet(a);
    if (st.collateralAssets > 0) books.returnCollateral(a);
    for (let q = first; q < last; q++) unkey(st, q);
    if (b.pendingDue[a] >= 0) cancelTopUp(st, a);
    b.graceUntil[a] = -1;
  } else retrigger(st, a);
  // for the waterfall: ADL prices the deficit per unit of the largest position closed (each unit
  // matched against it gives up shortfall / size, the gap between its bankruptcy price and its fill)
  const q = worst >= 0 ? worst : first;
  loss.pending = shortfall > 0 || route === Route.Backstop;
  loss.shortfall = shortfall;
  loss.market = b.posMarket[q];
  loss.side = b.posSide[q] as 1 | -1;
  loss.units = worstDq;
  loss.account = a;
  loss.takeover = route === Route.Backstop;
  return haircutPaid;
}
