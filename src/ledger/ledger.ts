/**
 * The ledger: the only place money moves. Balances are decimal.js values in integer cents, so every
 * booking is exact. The engine keeps float64 copies of per-trader balances (also integer cents, which
 * float64 holds exactly below 2^53) for its mark-to-market checks; at the end of each path
 * `checkConservation` proves the two agree and that what came in equals what is held plus what was
 * lost.
 *
 * Accounts:
 * - external   — the outside world; deposits come from it (its balance is −deposits)
 * - margin     — collateral posted against open positions (sum over traders)
 * - reserve    — traders' funds held outside positions (isolated traders' top-up reserves)
 * - wallet     — what closed positions returned to their traders
 * - insurance  — the insurance fund
 * - market     — the counterparty to traders' PnL (the rest of the market)
 * Bad debt is not an account: it is the part of the market's claim on a bankrupt trader that no one
 * paid; it is recorded beside the books and enters the conservation identity.
 */
import { Decimal } from 'decimal.js';
import { ConservationError } from '../errors.js';

export const ACCOUNTS = ['external', 'margin', 'reserve', 'wallet', 'insurance', 'market'] as const;
export type Account = (typeof ACCOUNTS)[number];

const ZERO = new Decimal(0);

function cents(x: number, what: string): Decimal {
  if (!Number.isSafeInteger(x) || x < 0) throw new ConservationError(`${what}: amount must be a non-negative whole number of cents, got ${x}`);
  return new Decimal(x);
}

export class Ledger {
  private readonly bal = new Map<Account, Decimal>(ACCOUNTS.map((a) => [a, ZERO]));
  private deposits = ZERO;
  private badDebt = ZERO;
  /** Σ over closes of −(realised PnL): what traders owed the market net of what it owed them. */
  private claims = ZERO;

  /** Money entering from outside (trader deposits, the fund's seed capital). */
  deposit(to: Exclude<Account, 'external'>, amountCents: number): void {
    this.transfer('external', to, amountCents);
    this.deposits = this.deposits.plus(cents(amountCents, 'deposit'));
  }

  /** Moves a non-negative amount of cents between two accounts. */
  transfer(from: Account, to: Account, amountCents: number): void {
    if (amountCents === 0) return;
    const d = cents(amountCents, `transfer ${from}→${to}`);
    this.bal.set(from, this.bal.get(from)!.minus(d));
    this.bal.set(to, this.bal.get(to)!.plus(d));
  }

  /** Records a realised PnL (cents, signed) as a claim between a trader and the market. */
  recordRealisedPnl(pnlCents: number): void {
    this.claims = this.claims.minus(pnlCents);
  }

  /** Records an unpaid part of the market's claim (a shortfall nobody covered). */
  recordBadDebt(amountCents: number): void {
    this.badDebt = this.badDebt.plus(cents(amountCents, 'bad debt'));
  }

  balanceCents(a: Account): Decimal {
    return this.bal.get(a)!;
  }

  balanceUsd(a: Account): number {
    return this.bal.get(a)!.div(100).toNumber();
  }

  badDebtCents(): Decimal {
    return this.badDebt;
  }

  /**
   * Exact end-of-path checks; throws `ConservationError` on any violation:
   * 1. every booking balanced: Σ balances = 0;
   * 2. the engine's float state equals the books for margin, reserve and wallet (`held` in cents);
   * 3. deposits = margin + reserve + wallet + insurance + market, and
   *    market + bad debt = the traders' net realised losses (what was owed to the market).
   */
  checkConservation(held: { margin: number; reserve: number; wallet: number; insurance: number }, context: string): void {
    const sum = ACCOUNTS.reduce((s, a) => s.plus(this.bal.get(a)!), ZERO);
    const fail = (msg: string) => {
      throw new ConservationError(`${context}: money not conserved — ${msg}`);
    };
    if (!sum.isZero()) fail(`bookings do not balance (sum ${sum.toString()} cents)`);
    for (const a of ['margin', 'reserve', 'wallet', 'insurance'] as const) {
      const h = new Decimal(held[a]);
      if (!h.equals(this.bal.get(a)!)) fail(`${a}: engine holds ${h.toString()} cents, ledger ${this.bal.get(a)!.toString()}`);
    }
    const inside = (['margin', 'reserve', 'wallet', 'insurance', 'market'] as const).reduce((s, a) => s.plus(this.bal.get(a)!), ZERO);
    if (!inside.equals(this.deposits)) fail(`deposits ${this.deposits.toString()} ≠ held + paid to market ${inside.toString()}`);
    const paid = this.bal.get('market')!.plus(this.badDebt);
    if (!paid.equals(this.claims)) fail(`market received ${this.bal.get('market')!.toString()} + bad debt ${this.badDebt.toString()} ≠ net realised losses ${this.claims.toString()}`);
  }
}
