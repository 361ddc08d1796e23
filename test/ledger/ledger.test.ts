import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/ledger/ledger.js';
import { ConservationError } from '../../src/errors.js';

function booked(): Ledger {
  const l = new Ledger();
  l.deposit('margin', 100_00);
  l.deposit('reserve', 50_00);
  l.deposit('insurance', 20_00);
  // a trader loses $130 on $100 margin: market gets $100, fund pays $20, $10 is bad debt
  l.recordRealisedPnl(-130_00);
  l.transfer('margin', 'market', 100_00);
  l.transfer('insurance', 'market', 20_00);
  l.recordBadDebt(10_00);
  return l;
}

describe('ledger', () => {
  it('balances exactly when every movement is booked', () => {
    const l = booked();
    expect(() => l.checkConservation({ margin: 0, reserve: 50_00, wallet: 0, insurance: 0 }, 'test')).not.toThrow();
    expect(l.balanceUsd('market')).toBe(120);
    expect(l.badDebtCents().toNumber()).toBe(10_00);
  });
  it('detects engine state that moved money without booking it', () => {
    const l = booked();
    expect(() => l.checkConservation({ margin: 1, reserve: 50_00, wallet: 0, insurance: 0 }, 'test')).toThrow(ConservationError);
  });
  it('detects a shortfall that was neither paid nor recorded as bad debt', () => {
    const l = new Ledger();
    l.deposit('margin', 100_00);
    l.recordRealisedPnl(-130_00);
    l.transfer('margin', 'market', 100_00);
    expect(() => l.checkConservation({ margin: 0, reserve: 0, wallet: 0, insurance: 0 }, 'test')).toThrow(/bad debt/);
  });
  it('rejects fractional or negative cents', () => {
    const l = new Ledger();
    expect(() => l.transfer('margin', 'market', 1.5)).toThrow(ConservationError);
    expect(() => l.transfer('margin', 'market', -1)).toThrow(ConservationError);
  });
  it('stays exact beyond 2^53 cents by settling into decimals', () => {
    const l = new Ledger();
    const big = 2 ** 52;
    l.deposit('margin', big);
    l.deposit('margin', big);
    l.deposit('margin', 3);
    l.transfer('margin', 'wallet', big);
    l.transfer('margin', 'wallet', big);
    l.transfer('margin', 'wallet', 3);
    expect(l.balanceCents('wallet').toFixed()).toBe((2n * 2n ** 52n + 3n).toString());
    expect(() => l.checkConservation({ margin: 0, reserve: 0, wallet: 2 * big + 3, insurance: 0 }, 'test')).toThrow(); // float state cannot hold it exactly
  });
});
