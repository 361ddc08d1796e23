/**
 * Property tests on liquidation arithmetic (fast-check, fixed seeds): a liquidation never increases
 * a position, and after a close either equity ≥ 0 or the shortfall is recorded.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cappedFeeCents, partialCloseSize, realisedPnlCents } from '../../src/liquidation/close.js';

const arbPosition = fc.record({
  side: fc.constantFrom(1 as const, -1 as const),
  size: fc.double({ min: 1e-3, max: 1e5, noNaN: true }),
  entry: fc.double({ min: 1, max: 1e4, noNaN: true }),
  move: fc.double({ min: -0.6, max: 0.6, noNaN: true }),
  leverage: fc.double({ min: 1, max: 100, noNaN: true }),
  mmr: fc.double({ min: 0.001, max: 0.2, noNaN: true }),
  buffer: fc.double({ min: 0, max: 2, noNaN: true }),
  fee: fc.double({ min: 0, max: 0.05, noNaN: true }),
});

/** A drawn position moved to its new price, and the partial-close size the engine would choose. */
function partialClose(p: { side: 1 | -1; size: number; entry: number; move: number; leverage: number; mmr: number; buffer: number; fee: number }) {
  const price = p.entry * (1 + p.move);
  const c = (p.size * p.entry) / p.leverage;
  const eq = c + p.side * p.size * (price - p.entry);
  return { price, eq, dq: partialCloseSize(p.size, price, eq, p.mmr, p.buffer, p.fee) };
}

describe('partial liquidation size', () => {
  it('is within [0, size]: a liquidation never increases the position', () => {
    fc.assert(
      fc.property(arbPosition, (p) => {
        const { dq } = partialClose(p);
        expect(dq).toBeGreaterThanOrEqual(0);
        expect(dq).toBeLessThanOrEqual(p.size);
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
  it('restores eq − fee ≥ (1 + buffer)·MM on the remaining position when it does not close it all', () => {
    fc.assert(
      fc.property(arbPosition, (p) => {
        const { price, eq, dq } = partialClose(p);
        if (dq >= p.size || dq === 0) return;
        const after = eq - p.fee * dq * price;
        const mmAfter = (1 + p.buffer) * p.mmr * (p.size - dq) * price;
        expect(after).toBeGreaterThanOrEqual(mmAfter * (1 - 1e-9) - 1e-9);
      }),
      { seed: 8, numRuns: 2000 },
    );
  });
});

describe('close arithmetic (the functions src/engine/close.ts books with)', () => {
  it('after a full close, collateral ≥ 0 or the (negative) remainder is exactly the shortfall; the fee only comes from equity that exists', () => {
    fc.assert(
      fc.property(arbPosition, (p) => {
        const price = p.entry * (1 + p.move);
        const cCents = Math.round(((p.size * p.entry) / p.leverage) * 100);
        const pnl = realisedPnlCents(p.side, p.size, price, p.entry);
        expect(Number.isSafeInteger(pnl)).toBe(true);
        // settled as the ledger does (Books.settlePnl): the margin pays what it can, the rest is the shortfall
        const marginAfter = Math.max(0, cCents + pnl);
        const shortfall = Math.max(0, -(cCents + pnl));
        const fee = cappedFeeCents(p.fee, p.size * price, marginAfter, marginAfter - shortfall);
        expect(Number.isSafeInteger(fee)).toBe(true);
        expect(fee).toBeGreaterThanOrEqual(0);
        expect(fee).toBeLessThanOrEqual(marginAfter);
        // money identity: collateral + pnl = fee + what is left − the shortfall
        expect(cCents + pnl).toBe(fee + (marginAfter - fee) - shortfall);
        if (shortfall > 0) expect(fee).toBe(0); // no fee from equity that does not exist
        else expect(fee).toBe(Math.min(Math.round(p.fee * p.size * price * 100), marginAfter));
      }),
      { seed: 9, numRuns: 2000 },
    );
  });
  it('a fee is capped by the equity left when the rest of the position is under water', () => {
    // margin $100 after the close, the open rest $60 under water: at most $40 can be charged
    expect(cappedFeeCents(0.01, 10_000, 100_00, 40_00)).toBe(40_00);
    expect(cappedFeeCents(0.01, 1_000, 100_00, 40_00)).toBe(10_00);
    expect(cappedFeeCents(0.01, 1_000, 100_00, -5_00)).toBe(0);
  });
  it('realised PnL is signed by side and rounded to the cent', () => {
    expect(realisedPnlCents(1, 2, 101.005, 100)).toBe(201);
    expect(realisedPnlCents(-1, 2, 101, 100)).toBe(-200);
  });
});
