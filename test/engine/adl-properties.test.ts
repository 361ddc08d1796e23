/**
 * ADL properties (issue 21 item 1), on random hand-built books with fast-check (fixed, printed seed):
 * a bankrupt long L at 85 and a crowd of longs and shorts that stay above maintenance. ADL takes only
 * from opposite-side positions in profit (dYdX: any opposite position); the cents taken equal the
 * deficit covered, to the cent, and are exactly min(deficit, what the winners can give); and the
 * outcome does not depend on the order the accounts are listed in.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { identicalTraders } from '../helpers/scenarios.js';
import { handState, settleStepAt, type HandAccount } from '../helpers/handbook.js';
import type { PathState } from '../../src/engine/state.js';
import type { AdlRankingKind } from '../../src/liquidation/waterfall.js';

const SEED = 2121;
const PRICE = 85;
const MMR = 0.05;

function rules(ranking: AdlRankingKind, adlPrice = 'bankruptcy') {
  return identicalTraders({
    market: { impact: { kind: 'none' } },
    policy: {
      maxLeverage: 10,
      maintenance: { kind: 'fixed', mmr: MMR },
      liquidation: { kind: 'full', feeRate: 0 },
      insuranceFund: { initialUsd: 0 },
      markPrice: { kind: 'last' },
      waterfall: { afterInsuranceFund: 'adl', adlRanking: ranking, adlPrice },
    },
  });
}

const stepAt = (st: PathState, price: number) => settleStepAt(st, 1, price);

/** One other account: side, size, entry, margin above what keeps it above maintenance at 85. */
const other = fc.record({
  side: fc.constantFrom(1 as const, -1 as const),
  size: fc.integer({ min: 1, max: 60 }),
  entry: fc.integer({ min: 70, max: 120 }),
  extraCents: fc.integer({ min: 0, max: 300_000 }),
});
type Other = { side: 1 | -1; size: number; entry: number; extraCents: number };

/** Its margin (USD, whole cents): its loss at 85 plus maintenance at 85, plus the extra. */
function marginOf(o: Other): number {
  const loss = Math.max(0, -o.side * o.size * (PRICE - o.entry));
  return Math.ceil((loss + MMR * PRICE * o.size) * 100 + 1) / 100 + o.extraCents / 100;
}

const book = fc.record({
  lSize: fc.integer({ min: 1, max: 100 }),
  // L's margin: below its 15-a-unit loss at 85, so bankrupt by 1 cent to the whole loss
  lMarginShare: fc.double({ min: 0, max: 0.95, noNaN: true }),
  others: fc.uniqueArray(other, { minLength: 1, maxLength: 7, selector: (o) => `${o.side}:${o.size}:${o.entry}:${o.extraCents}` }),
  ranking: fc.constantFrom<AdlRankingKind>('profit-leverage', 'pro-rata', 'pro-rata-pnl', 'hyperliquid', 'binance-leverage-pnl', 'bybit', 'bitmex', 'dydx', 'random'),
});

interface Outcome {
  badDebtCents: number;
  takenCents: number;
  /** Per other account (in the generated order): final size and cents of margin (+ wallet when closed). */
  accounts: { size: number; marginCents: number; hit: number }[];
}

/** Runs the book with L at position `lAt` and the others in `order`; returns the outcome per generated account. */
function run(ranking: AdlRankingKind, L: HandAccount, others: Other[], order: number[], lAt: number, adlPrice = 'bankruptcy'): { st: PathState; out: Outcome } {
  const accts: HandAccount[] = order.map((k) => ({ marginUsd: marginOf(others[k]), positions: [{ side: others[k].side, size: others[k].size, entry: others[k].entry }] }));
  accts.splice(lAt, 0, L);
  const { st } = handState(rules(ranking, adlPrice), accts);
  const walletBefore = st.books.walletCents;
  stepAt(st, PRICE);
  expect(walletBefore).toBe(0);
  const idx = (k: number) => {
    const j = order.indexOf(k);
    return j >= lAt ? j + 1 : j;
  };
  const accounts = others.map((_, k) => ({ size: st.b.size[idx(k)], marginCents: st.b.margin[idx(k)], hit: st.b.adlHit[idx(k)] }));
  st.books.checkConservation(st.nAccounts, 'adl property');
  return { st, out: { badDebtCents: Math.round(st.books.badDebtUsd() * 100), takenCents: Math.round(st.events.adlProfitTakenUsd * 100), accounts } };
}

describe('ADL properties (fast-check, seed ' + SEED + ')', () => {
  it('takes only from opposite positions in profit (dYdX: any opposite position), exactly min(deficit, what they can give), whatever the account order', () => {
    fc.assert(
      fc.property(book, ({ lSize, lMarginShare, others, ranking }) => {
        const lMargin = Math.floor(15 * lSize * lMarginShare * 100) / 100;
        const L: HandAccount = { marginUsd: lMargin, positions: [{ side: 1, size: lSize, entry: 100 }] };
        const deficitCents = Math.round((15 * lSize - lMargin) * 100);
        const perUnit = deficitCents / 100 / lSize;
        const ids = others.map((_, k) => k);
        const { st, out } = run(ranking, L, others, ids, 0);
        // what each candidate can give: min(its share, its equity), in cents; dYdX: all or nothing
        const anyPnl = ranking === 'dydx';
        let capacity = 0;
        others.forEach((o, k) => {
          const g = o.side * (PRICE - o.entry);
          const eligible = o.side === -1 && (anyPnl || g > 0);
          const a = out.accounts[k];
          if (!eligible) {
            // untouched: same size, same margin, never hit
            expect(a.hit).toBe(0);
            expect(a.size).toBe(o.size);
            expect(a.marginCents).toBe(Math.round(marginOf(o) * 100));
            return;
          }
          const eqCents = Math.floor((marginOf(o) + o.size * g) * 100 + 1e-6);
          if (!anyPnl) capacity += Math.max(0, Math.min(Math.round(o.size * perUnit * 100), eqCents));
        });
        expect(out.takenCents + out.badDebtCents).toBe(deficitCents);
        if (!anyPnl) expect(out.takenCents).toBe(Math.min(deficitCents, capacity));
        // what the winners lost is what was taken (each close books its realised PnL in whole cents)
        let lost = 0;
        others.forEach((o, k) => {
          const a = out.accounts[k];
          const g = o.side * (PRICE - o.entry);
          lost += Math.round(marginOf(o) * 100) + Math.round(o.size * g * 100) - (a.marginCents + Math.round(a.size * g * 100));
        });
        expect(Math.abs(lost - st.books.walletCents - out.takenCents)).toBeLessThanOrEqual(others.length);
        // order: the others reversed and L listed last — the same outcome, account by account
        if (ranking !== 'random' && ranking !== 'dydx') {
          const rev = run(ranking, L, others, [...ids].reverse(), others.length).out;
          expect(rev.badDebtCents).toBe(out.badDebtCents);
          expect(rev.takenCents).toBe(out.takenCents);
          rev.accounts.forEach((r, k) => {
            expect(r.size).toBeCloseTo(out.accounts[k].size, 9);
            expect(Math.abs(r.marginCents - out.accounts[k].marginCents)).toBeLessThanOrEqual(ranking.startsWith('pro-rata') ? 1 : 0);
          });
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('at the previous mark (100, the opening mark): the waterfall still adds up to the shortfall, the books balance, non-candidates are untouched, and the bankrupt account keeps what is above its bankruptcy price', () => {
    fc.assert(
      fc.property(book, ({ lSize, lMarginShare, others, ranking }) => {
        const lMargin = Math.floor(15 * lSize * lMarginShare * 100) / 100;
        const L: HandAccount = { marginUsd: lMargin, positions: [{ side: 1, size: lSize, entry: 100 }] };
        const { st, out } = run(ranking, L, others, others.map((_, k) => k), 0, 'previous-mark');
        const e = st.events;
        expect(e.shortfallCents).toBe(Math.round((e.fundPaidUsd + e.adlProfitTakenUsd) * 100) + out.badDebtCents);
        others.forEach((o, k) => {
          if (o.side === -1 && (ranking === 'dydx' || o.entry > PRICE)) return;
          expect(out.accounts[k].hit).toBe(0);
          expect(out.accounts[k].size).toBe(o.size);
        });
        // fully matched at 100 (the previous mark, above L's bankruptcy price): L closes at 100, keeping all its margin
        if (st.events.adlMatchedNotionalUsd >= lSize * PRICE * (1 - 1e-12)) {
          expect(out.badDebtCents).toBe(0);
          expect(st.books.walletCents).toBeGreaterThanOrEqual(Math.round(lMargin * 100));
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});
