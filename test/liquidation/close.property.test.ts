/**
 * Property tests on liquidation arithmetic (fast-check, fixed seeds): a liquidation never increases
 * a position, and after a close either equity ≥ 0 or the shortfall is recorded.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { closeOutcome, partialCloseSize } from '../../src/liquidation/close.js';

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

describe('close outcome', () => {
  it('after a full close, collateral ≥ 0 or the (negative) remainder is exactly the shortfall', () => {
    fc.assert(
      fc.property(arbPosition, (p) => {
        const price = p.entry * (1 + p.move);
        const cCents = Math.round(((p.size * p.entry) / p.leverage) * 100);
        const out = closeOutcome(p.side, p.size, p.entry, price, cCents, p.fee, 0);
        expect(Number.isSafeInteger(out.pnlCents)).toBe(true);
        expect(out.feeCents).toBeGreaterThanOrEqual(0);
        // money identity: collateral + pnl = fee + what is left (which may be negative = shortfall)
        expect(cCents + out.pnlCents).toBe(out.feeCents + out.collateralAfterCents);
        if (out.collateralAfterCents < 0) expect(out.feeCents).toBe(0); // no fee from equity that does not exist
      }),
      { seed: 9, numRuns: 2000 },
    );
  });
});
