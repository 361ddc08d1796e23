/**
 * Phase 2b, the money that moves with time: perpetual funding between longs and shorts, and the
 * periodic settlement of unrealised PnL into margin (variation margin) with profit withdrawals.
 *
 * Funding (policy.funding), per market, every k = intervalSeconds / stepSeconds steps: the rate per
 * rate interval F = P̄ + clamp(I − P̄, −clamp, clamp), capped at ±capPerInterval, with P̄ the premium
 * (book / index − 1) averaged over the steps since the last payment (`mean`, or `time-weighted`: the
 * j-th step weighs j) and I the interest component. Each payment pays F × intervalSeconds /
 * rateIntervalSeconds (Hyperliquid: the 8-hour rate, hourly at 1/8). F > 0: each long pays, and each
 * short receives, that rate × its own notional (at the mark or the index, `notionalPrice`), in whole
 * cents (rounded per position). A payer short of cash sells collateral for the rest; what cash and
 * collateral cannot pay is left unpaid (counted, `fundingUnpaidUsd`). The market's outside book (the
 * ledger's `outside` account) is the counterparty: it takes what the simulated accounts pay and pays
 * what they receive, so an unbalanced book (or an unpaid payment) moves its balance, to the cent.
 */
import type { PathState } from './state.js';
import { sellCollateralFor } from './collateral.js';
import { retrigger } from './triggers.js';
import { HaltReason, MAX_BOOKABLE_CENTS, PathHalt } from './limits.js';
import { initialMargin } from '../margin/initial.js';

/** Each step: accumulates every funded market's premium, and pays funding and settles variation margin when due. */
export function fundingAndSettlement(st: PathState): void {
  const f = st.funding;
  if (!f) return;
  const { mkt } = st;
  for (let m = 0; m < st.K; m++) {
    const every = f.fundingEvery[m];
    if (every > 0) {
      // the j-th step since the last payment weighs j (time-weighted) or 1 (mean)
      const w = f.timeWeighted[m] ? f.premiumSteps[m] + 1 : 1;
      f.premiumSum[m] += w * (mkt.market[m] / mkt.indexPx[m] - 1);
      f.premiumWeight[m] += w;
      f.premiumSteps[m]++;
      if (st.t % every === 0) payFunding(st, m);
    }
    const vm = f.settleEvery[m];
    if (vm > 0 && st.t % vm === 0) settleVariationMargin(st, m);
  }
}

/** The funding rate for market m per rate interval, from its averaged premium (resets the premium average). */
export function fundingRate(st: PathState, m: number): number {
  const f = st.funding!;
  const cfg = st.ctx.rules[m].policy.funding!;
  const p = f.premiumWeight[m] > 0 ? f.premiumSum[m] / f.premiumWeight[m] : 0;
  f.premiumSum[m] = 0;
  f.premiumWeight[m] = 0;
  f.premiumSteps[m] = 0;
  const rate = p + Math.min(cfg.clamp, Math.max(-cfg.clamp, cfg.interestRatePerInterval - p));
  return Math.min(cfg.capPerInterval, Math.max(-cfg.capPerInterval, rate));
}

function payFunding(st: PathState, m: number): void {
  const { b, mkt, events, books } = st;
  const f = st.funding!;
  const F = fundingRate(st, m);
  f.lastRate[m] = F;
  const rate = F * f.paymentShare[m]; // this payment's share of the rate-interval rate
  if (rate === 0) return;
  const payerSide = rate > 0 ? 1 : -1;
  const r = Math.abs(rate);
  const P = f.atIndex[m] ? mkt.indexPx[m] : mkt.markPx[m];
  for (let p = 0; p < st.nPositions; p++) {
    if (b.size[p] <= 0 || b.posMarket[p] !== m) continue;
    const a = b.posAccount[p];
    const due = Math.round(r * b.size[p] * P * 100);
    if (!(due > 0)) continue;
    if (!(due <= MAX_BOOKABLE_CENTS)) throw new PathHalt(HaltReason.MoneyOutOfRange);
    if (b.posSide[p] === payerSide) {
      // due from equity: the cash margin first, then collateral sold at the book price
      if (due > b.margin[a] && st.collateralAssets > 0) sellCollateralFor(st, a, due - b.margin[a], mkt.market);
      const paid = Math.min(due, b.margin[a]);
      books.funding(a, paid);
      events.fundingPaidCents += paid;
      events.fundingUnpaidCents += due - paid;
      if (payerSide > 0) events.fundingByLongsCents += paid; // longs paid
    } else {
      books.funding(a, -due);
      events.fundingReceivedCents += due;
      if (payerSide < 0) events.fundingByLongsCents -= due; // longs received
    }
    retrigger(st, a);
  }
}

/**
 * Variation margin for market m: each open position's unrealised PnL at the mark is realised into its
 * account's margin and its entry reset to the mark; a loss larger than the margin is left to
 * liquidation. Accounts that withdraw profit (traders.withdrawProfitShare; single-position accounts)
 * then move the gain just settled to their wallet, as far as their margin stays above the initial
 * margin of the position.
 */
function settleVariationMargin(st: PathState, m: number): void {
  const { b, mkt, books, events } = st;
  const P = mkt.markPx[m];
  const rule = st.ctx.rules[m].initialMargin;
  const withdrawers = st.ctx.withdrawers;
  b.entriesMoved = true;
  for (let p = 0; p < st.nPositions; p++) {
    if (b.size[p] <= 0 || b.posMarket[p] !== m) continue;
    const a = b.posAccount[p];
    const u = Math.round(b.posSide[p] * b.size[p] * (P - b.entry[p]) * 100);
    if (u < 0 && -u > b.margin[a]) continue;
    if (u !== 0) {
      books.realise(u);
      books.settlePnl(a, u);
    }
    b.entry[p] = P;
    if (u > 0 && withdrawers && withdrawers[a] && b.nPos[a] === 1) {
      // the settled gain, as far as the margin stays above the position's initial margin
      const N = b.size[p] * P;
      const keep = Math.ceil(initialMargin(N, b.size[p], rule, st.mm[m]) * 100);
      const excess = Math.min(u, b.margin[a] - keep);
      if (excess > 0) {
        books.withdraw(a, excess);
        events.profitWithdrawnCents += excess;
      }
    }
    retrigger(st, a);
  }
}

/** The funding fields FundingState reads (a market's resolved `policy.funding`). */
interface FundingRule {
  enabled?: boolean;
  intervalSeconds: number;
  rateIntervalSeconds?: number;
  premiumAveraging?: 'mean' | 'time-weighted';
  notionalPrice?: 'mark' | 'index';
}

/** Per path: which markets pay funding or settle variation margin and how often, and the premium averages. */
export class FundingState {
  /** Steps between funding payments per market (0: none). */
  readonly fundingEvery: Int32Array;
  /** Steps between variation-margin settlements per market (0: none). */
  readonly settleEvery: Int32Array;
  /** Per market: Σ w·premium, Σ w and the steps since the last payment. */
  readonly premiumSum: Float64Array;
  readonly premiumWeight: Float64Array;
  readonly premiumSteps: Int32Array;
  /** The last rate (per rate interval) per market. */
  readonly lastRate: Float64Array;
  /** Per market: intervalSeconds / rateIntervalSeconds, 1 when the rate is quoted per payment interval. */
  readonly paymentShare: Float64Array;
  /** Per market: 1 when premiums are time-weighted (the j-th step since the last payment weighs j). */
  readonly timeWeighted: Uint8Array;
  /** Per market: 1 when notionals are taken at the index (oracle), 0 at the mark. */
  readonly atIndex: Uint8Array;

  constructor(fundingEvery: Int32Array, settleEvery: Int32Array, paymentShare = new Float64Array(fundingEvery.length).fill(1), timeWeighted = new Uint8Array(fundingEvery.length), atIndex = new Uint8Array(fundingEvery.length)) {
    const K = fundingEvery.length;
    this.fundingEvery = fundingEvery;
    this.settleEvery = settleEvery;
    this.premiumSum = new Float64Array(K);
    this.premiumWeight = new Float64Array(K);
    this.premiumSteps = new Int32Array(K);
    this.lastRate = new Float64Array(K);
    this.paymentShare = paymentShare;
    this.timeWeighted = timeWeighted;
    this.atIndex = atIndex;
  }

  /** The funding state a path of this context needs, or undefined when no market funds or settles. */
  static of(rules: readonly { policy: { funding?: FundingRule; variationMargin?: { everySeconds: number } } }[], stepSeconds: number): FundingState | undefined {
    const steps = (s: number | undefined) => (s === undefined ? 0 : Math.max(1, Math.round(s / stepSeconds)));
    const on = (f: FundingRule | undefined) => (f && f.enabled !== false ? f : undefined);
    const fe = Int32Array.from(rules, (r) => steps(on(r.policy.funding)?.intervalSeconds));
    const se = Int32Array.from(rules, (r) => steps(r.policy.variationMargin?.everySeconds));
    if (fe.every((x) => x === 0) && se.every((x) => x === 0)) return undefined;
    const share = Float64Array.from(rules, (r) => {
      const f = r.policy.funding;
      return f ? f.intervalSeconds / (f.rateIntervalSeconds ?? f.intervalSeconds) : 1;
    });
    const tw = Uint8Array.from(rules, (r) => (r.policy.funding?.premiumAveraging === 'time-weighted' ? 1 : 0));
    const ix = Uint8Array.from(rules, (r) => (r.policy.funding?.notionalPrice === 'index' ? 1 : 0));
    return new FundingState(fe, se, share, tw, ix);
  }
}
