/**
 * Phase 2b, the money that moves with time: perpetual funding between longs and shorts, and the
 * periodic settlement of unrealised PnL into margin (variation margin) with profit withdrawals.
 *
 * Funding (policy.funding), per market, every k = intervalSeconds / stepSeconds steps: the rate
 * F = P̄ + clamp(I − P̄, −clamp, clamp), capped at ±capPerInterval, with P̄ the mean premium
 * (book / index − 1) over the steps since the last payment and I the interest component. F > 0: each
 * long pays F × its notional at the mark (at most its margin) and the shorts share what was paid in
 * proportion to their notional, in whole cents (largest remainder), so every cent paid is received.
 * A one-sided market pays nothing (no one to receive it).
 */
import type { PathState } from './state.js';
import { allocateProRata } from '../liquidation/waterfall.js';
import { retrigger } from './triggers.js';
import { initialMargin } from '../margin/initial.js';

/** Each step: accumulates every funded market's premium, and pays funding and settles variation margin when due. */
export function fundingAndSettlement(st: PathState): void {
  const f = st.funding;
  if (!f) return;
  const { mkt } = st;
  for (let m = 0; m < st.K; m++) {
    const every = f.fundingEvery[m];
    if (every > 0) {
      f.premiumSum[m] += mkt.market[m] / mkt.indexPx[m] - 1;
      f.premiumSteps[m]++;
      if (st.t % every === 0) payFunding(st, m);
    }
    const vm = f.settleEvery[m];
    if (vm > 0 && st.t % vm === 0) settleVariationMargin(st, m);
  }
}

/** The funding rate for market m from its mean premium (resets the premium average). */
export function fundingRate(st: PathState, m: number): number {
  const f = st.funding!;
  const cfg = st.ctx.rules[m].policy.funding!;
  const p = f.premiumSteps[m] > 0 ? f.premiumSum[m] / f.premiumSteps[m] : 0;
  f.premiumSum[m] = 0;
  f.premiumSteps[m] = 0;
  const rate = p + Math.min(cfg.clamp, Math.max(-cfg.clamp, cfg.interestRatePerInterval - p));
  return Math.min(cfg.capPerInterval, Math.max(-cfg.capPerInterval, rate));
}

function payFunding(st: PathState, m: number): void {
  const { b, mkt, events } = st;
  const F = fundingRate(st, m);
  st.funding!.lastRate[m] = F;
  if (F === 0) return;
  const payerSide = F > 0 ? 1 : -1;
  const P = mkt.markPx[m];
  const s = st.funding!;
  let nPay = 0;
  let nGet = 0;
  let total = 0;
  for (let p = 0; p < st.nPositions; p++) {
    if (b.size[p] <= 0 || b.posMarket[p] !== m) continue;
    const a = b.posAccount[p];
    if (b.posSide[p] === payerSide) {
      const c = Math.min(Math.round(Math.abs(F) * b.size[p] * P * 100), b.margin[a]);
      if (c <= 0) continue;
      s.payers[nPay] = a;
      s.paid[nPay++] = c;
      total += c;
    } else {
      s.receivers[nGet] = a;
      s.weights[nGet++] = b.size[p] * P;
    }
  }
  if (nGet === 0 || total === 0) return; // nobody to receive it: nothing changes hands
  const got = allocateProRata(total, s.weights.subarray(0, nGet), new Float64Array(nGet).fill(total));
  st.books.funding(s.payers, s.paid, nPay, s.receivers, got, nGet);
  events.fundingPaidCents += total;
  events.fundingByLongsCents += payerSide * total;
  for (let k = 0; k < nPay; k++) retrigger(st, s.payers[k]);
  for (let k = 0; k < nGet; k++) retrigger(st, s.receivers[k]);
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

/** Per path: which markets pay funding or settle variation margin and how often, the premium averages, and scratch space. */
export class FundingState {
  /** Steps between funding payments per market (0: none). */
  readonly fundingEvery: Int32Array;
  /** Steps between variation-margin settlements per market (0: none). */
  readonly settleEvery: Int32Array;
  readonly premiumSum: Float64Array;
  readonly premiumSteps: Int32Array;
  /** The last rate paid per market. */
  readonly lastRate: Float64Array;
  readonly payers: Int32Array;
  readonly paid: Float64Array;
  readonly receivers: Int32Array;
  readonly weights: Float64Array;

  constructor(fundingEvery: Int32Array, settleEvery: Int32Array, positions: number) {
    const K = fundingEvery.length;
    this.fundingEvery = fundingEvery;
    this.settleEvery = settleEvery;
    this.premiumSum = new Float64Array(K);
    this.premiumSteps = new Int32Array(K);
    this.lastRate = new Float64Array(K);
    this.payers = new Int32Array(positions);
    this.paid = new Float64Array(positions);
    this.receivers = new Int32Array(positions);
    this.weights = new Float64Array(positions);
  }

  /** The funding state a path of this context needs, or undefined when no market funds or settles. */
  static of(rules: readonly { policy: { funding?: { intervalSeconds: number }; variationMargin?: { everySeconds: number } } }[], stepSeconds: number, positions: number): FundingState | undefined {
    const steps = (s: number | undefined) => (s === undefined ? 0 : Math.max(1, Math.round(s / stepSeconds)));
    const fe = Int32Array.from(rules, (r) => steps(r.policy.funding?.intervalSeconds));
    const se = Int32Array.from(rules, (r) => steps(r.policy.variationMargin?.everySeconds));
    if (fe.every((x) => x === 0) && se.every((x) => x === 0)) return undefined;
    return new FundingState(fe, se, positions);
  }
}
