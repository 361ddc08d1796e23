/**
 * Closing positions: the one place positions and balances change together. Realised PnL is settled
 * with the market at this round's fill prices (or, for a liquidator or the backstop vault, at the mark
 * less the liquidator's bonus, or at the mark), the fee goes to the insurance fund, what a fully
 * closed account has left goes back to its trader, and a shortfall goes down the loss waterfall.
 */
import { accountPolicy, type PathState } from './state.js';
import { isOpen } from './account.js';
import { retrigger, unkey } from './triggers.js';
import { cancelTopUp } from './topups.js';
import { coverShortfall } from './waterfall.js';
import { chargeTradingFee } from './fees.js';
import { HaltReason, MAX_BOOKABLE_CENTS, PathHalt } from './limits.js';
import { holdsCollateral, sellCollateral } from './collateral.js';

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
    const fill = mkt.fill[m];
    let px = fill;
    if (route === Route.Liquidator) px = mkt.markPx[m] * (1 - side * bonus);
    else if (route === Route.Backstop || route === Route.Adl) px = mkt.markPx[m];
    const c = Math.round(side * dq * (px - b.entry[q]) * 100);
    const third = route === Route.Liquidator || route === Route.Backstop ? Math.round(side * dq * (fill - px) * 100) : 0;
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
   * Auto-deleveraging: matched against the ranked winners at the mark, no market trade; the winners'
   * haircuts (`adlCreditCents`) bring the price to the bankruptcy price.
   */
  Adl = 3,
}

/** What a close charges or credits besides its PnL. */
export interface CloseOptions {
  /** Liquidation fee on the closed notional, capped by the equity left, to the insurance fund. */
  feeRate?: number;
  /** ADL: the winners' haircuts passed on to this account (cents). */
  adlCreditCents?: number;
  /** A full liquidation leaves what is left of the margin to the insurance fund. */
  forfeit?: boolean;
  /** A voluntary close's taker fee on the closed notional (policy.tradingFees), capped like the liquidation fee. */
  tradingFeeRate?: number;
}

const NONE: CloseOptions = {};

/**
 * Closes, for account a, either the single position `only` (b.closeSize[only]) or — with only = −1 —
 * b.closeSize[q] of each of its positions, at this round's fill prices (mkt.fill).
 */
export function closePositions(st: PathState, a: number, only: number, route: Route, opts: CloseOptions = NONE): void {
  const feeRate = opts.feeRate ?? 0;
  const adlCreditCents = opts.adlCreditCents ?? 0;
  const forfeit = opts.forfeit ?? false;
  const { b, books, mkt, events } = st;
  const first = b.firstPos[a];
  const last = first + b.nPos[a];
  const bonus = accountPolicy(st, a).liquidation.liquidators.bonusFraction;
  // (all in cents)
  let pnl = 0;
  let closedNotional = 0;
  let remainingUnrealised = 0;
  let vaultPnl = 0;
  let liquidatorPnl = 0;
  let worst = -1;
  let worstDq = 0;
  let worstNotional = 0;
  checkBookable(st, first, last, only, route, bonus);
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
      // the trader's price: market fill; liquidators pay the mark less their bonus; the vault the mark
      let px = fill;
      if (route === Route.Liquidator) px = mkt.markPx[m] * (1 - side * bonus);
      else if (route === Route.Backstop || route === Route.Adl) px = mkt.markPx[m];
      const c = Math.round(side * dq * (px - b.entry[q]) * 100);
      pnl += c;
      books.realise(c);
      if (route === Route.Liquidator || route === Route.Backstop) {
        const third = Math.round(side * dq * (fill - px) * 100);
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
    events.shortfallCents += adlCreditCents;
  }
  // a loss the cash cannot pay: the trader sells its volatile collateral first (at the book price)
  if (st.collateralAssets > 0 && pnl < 0 && -pnl > b.margin[a] && holdsCollateral(st, a)) sellCollateral(st, a, mkt.market);
  // realised PnL against the market; what the margin cannot pay is the shortfall
  let shortfall = books.settlePnl(a, pnl);
  const full = !isOpen(st, a);
  // fee, capped by the equity that exists
  const after = b.margin[a];
  const equityAfter = after - shortfall + Math.round(remainingUnrealised * 100);
  const fee = shortfall > 0 ? 0 : Math.max(0, Math.min(Math.round(feeRate * closedNotional * 100), after, equityAfter));
  // the fee goes to the fund of the market of the account's largest close
  const rules = st.ctx.rules[b.posMarket[worst >= 0 ? worst : first]];
  books.chargeFee(a, fee, rules.fund);
  events.feesCents += fee;
  if (opts.tradingFeeRate && shortfall === 0) {
    const tfee = Math.max(0, Math.min(Math.round(opts.tradingFeeRate * closedNotional * 100), b.margin[a], equityAfter - fee));
    chargeTradingFee(st, a, tfee, b.posMarket[worst >= 0 ? worst : first]);
  }
  // liquidator and vault PnL (against the market)
  if (liquidatorPnl !== 0) {
    books.liquidatorPnl(liquidatorPnl);
    events.liquidatorPnlUsd += liquidatorPnl / 100;
  }
  if (route === Route.Backstop) {
    events.backstopTakeovers++;
    const before = books.backstopCents;
    // the trader forfeits what is left of the margin to the vault; the vault's unwind PnL, then the
    // trader's shortfall, are paid from its capital; what it cannot pay goes down the waterfall
    books.forfeitToBackstop(a);
    shortfall += books.backstopUnwind(vaultPnl);
    events.shortfallCents += shortfall;
    if (shortfall > 0) {
      const covered = books.backstopCover(shortfall);
      events.backstopCoveredCents += covered;
      shortfall -= covered;
    }
    events.backstopPnlUsd += (books.backstopCents - before) / 100;
  } else events.shortfallCents += shortfall;
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
  if (shortfall > 0) {
    // ADL prices the deficit per unit of the largest position closed: each unit matched against it
    // gives up shortfall / size (the gap between its bankruptcy price and its fill)
    const q = worst >= 0 ? worst : first;
    coverShortfall(st, shortfall, b.posMarket[q], b.posSide[q] as 1 | -1, worstDq > 0 ? shortfall / 100 / worstDq : 0);
  }
}
