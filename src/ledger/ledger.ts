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
 * - backstop   — the backstop vault's capital and PnL
 * - liquidator — liquidators' PnL (bonus less slippage), settled with the market
 * - venue      — the venue's revenue: trading fees it keeps
 * - lending    — a lending pool's cash: debt repaid to it (its loans left with the borrowers)
 * - outside    — the market's outside book: the positions beyond the simulated traders, counterparty to
 *                the funding imbalance (each account pays or receives F × its own notional; when the
 *                simulated longs and shorts differ, the outside book receives or pays the difference,
 *                so its balance may be negative: net funding it paid into the simulated book)
 * Loans are not an account either: the pool's claim on its borrowers (principal lent + interest −
 * repayments − deficit written off) is recorded beside the books, like the market's claim, and checked
 * against the engine's per-borrower debts.
 * Bad debt is not an account: it is the part of the market's claim on a bankrupt trader that no one
 * paid; it is recorded beside the books and enters the conservation identity.
 *
 * Cost: a booking — a deposit too — adds integer cents to a pending total (exact: every partial sum is
 * checked to stay a safe integer, below 2^53); `settle()` — called by the engine once per step, and
 * by every read — folds the pending totals into the decimal books. So there is no decimal arithmetic
 * per trader or per event, and no rounding anywhere. (Deposits were folded per deposit until
 * 7 Dec 2026: an arrival cost about 3.5 µs, most of it decimal.js.)
 */
import { Decimal } from 'decimal.js';
import { ConservationError } from '../errors.js';

const ACCOUNTS = ['external', 'margin', 'reserve', 'wallet', 'insurance', 'market', 'backstop', 'liquidator', 'venue', 'lending', 'outside'] as const;
export type Account = (typeof ACCOUNTS)[number];

const ZERO = new Decimal(0);

function cents(x: number, what: string): Decimal {
  if (!Number.isSafeInteger(x) || x < 0) throw new ConservationError(`${what}: amount must be a non-negative whole number of cents, got ${x}`);
  return new Decimal(x);
}

const INDEX: Record<Account, number> = { external: 0, margin: 1, reserve: 2, wallet: 3, insurance: 4, market: 5, backstop: 6, liquidator: 7, venue: 8, lending: 9, outside: 10 };

export class Ledger {
  private readonly bal = new Map<Account, Decimal>(ACCOUNTS.map((a) => [a, ZERO]));
  /** Pending net change per account (integer cents), folded into `bal` by `settle()`. */
  private readonly pending = new Float64Array(ACCOUNTS.length);
  private pendingClaims = 0;
  private pendingBadDebt = 0;
  private pendingDeposits = 0;
  private dirty = false;
  private deposits = ZERO;
  private badDebt = ZERO;
  /** Σ over closes of −(realised PnL): what traders owed the market net of what it owed them. */
  private claims = ZERO;
  /** Lending (exact integer cents, each total < 2^53): principal lent, interest accrued, repaid, deficit written off. */
  private lent = 0;
  private interest = 0;
  private repaid = 0;
  private deficit = 0;

  /** A pool lends `amountCents` to a borrower (the cash leaves with the borrower; the claim is recorded). */
  recordLoan(amountCents: number): void {
    this.lent = this.addLoanTotal(this.lent, amountCents, 'loan');
  }
  /** Interest accrued on a borrower's debt. */
  recordInterest(amountCents: number): void {
    this.interest = this.addLoanTotal(this.interest, amountCents, 'interest');
  }
  /** A liquidator repays `amountCents` of a borrower's debt to the pool (from its account). */
  repayLoan(from: Account, amountCents: number): void {
    this.transfer(from, 'lending', amountCents);
    this.repaid = this.addLoanTotal(this.repaid, amountCents, 'repayment');
  }
  /** Debt no collateral is left to repay, written off (Aave v3.3's deficit). */
  recordDeficit(amountCents: number): void {
    this.deficit = this.addLoanTotal(this.deficit, amountCents, 'deficit');
  }
  private addLoanTotal(total: number, amountCents: number, what: string): number {
    cents(amountCents, what);
    const t = total + amountCents;
    if (!Number.isSafeInteger(t)) throw new ConservationError(`${what}: the lending total leaves the exact range of whole cents`);
    return t;
  }
  /** Loans outstanding (cents): lent + interest − repaid − deficit. */
  loansCents(): number {
    return this.lent + this.interest - this.repaid - this.deficit;
  }
  deficitCents(): number {
    return this.deficit;
  }

  /** Money entering from outside (trader deposits, the fund's seed capital). */
  deposit(to: Exclude<Account, 'external'>, amountCents: number): void {
    if (!Number.isSafeInteger(amountCents) || amountCents < 0) cents(amountCents, 'deposit'); // throws
    this.transfer('external', to, amountCents);
    this.pendingDeposits += amountCents;
    this.dirty = true;
    if (!Number.isSafeInteger(this.pendingDeposits)) {
      this.pendingDeposits -= amountCents;
      this.settle();
      this.deposits = this.deposits.plus(amountCents);
    }
  }

  /** Moves a non-negative amount of cents between two accounts. */
  transfer(from: Account, to: Account, amountCents: number): void {
    if (amountCents === 0) return;
    if (!Number.isSafeInteger(amountCents) || amountCents < 0) cents(amountCents, `transfer ${from}→${to}`);
    const p = this.pending;
    const f = INDEX[from];
    const t = INDEX[to];
    p[f] -= amountCents;
    p[t] += amountCents;
    this.dirty = true;
    if (!Number.isSafeInteger(p[f]) || !Number.isSafeInteger(p[t])) this.settleExact(from, to, amountCents);
  }

  /** Records a realised PnL (cents, signed) as a claim between a trader and the market. */
  recordRealisedPnl(pnlCents: number): void {
    if (!Number.isSafeInteger(pnlCents)) throw new ConservationError(`realised PnL must be whole cents, got ${pnlCents}`);
    this.pendingClaims -= pnlCents;
    this.dirty = true;
    if (!Number.isSafeInteger(this.pendingClaims)) {
      this.pendingClaims += pnlCents;
      this.settle();
      this.claims = this.claims.minus(pnlCents);
    }
  }

  /** Records an unpaid part of the market's claim (a shortfall nobody covered). */
  recordBadDebt(amountCents: number): void {
    if (!Number.isSafeInteger(amountCents) || amountCents < 0) cents(amountCents, 'bad debt'); // throws
    this.pendingBadDebt += amountCents;
    this.dirty = true;
    if (!Number.isSafeInteger(this.pendingBadDebt)) {
      this.pendingBadDebt -= amountCents;
      this.settle();
      this.badDebt = this.badDebt.plus(amountCents);
    }
  }

  /** Rare path: a pending total would leave the exact-integer range; undo, settle, book in decimal. */
  private settleExact(from: Account, to: Account, amountCents: number): void {
    this.pending[INDEX[from]] += amountCents;
    this.pending[INDEX[to]] -= amountCents;
    this.settle();
    const d = new Decimal(amountCents);
    this.bal.set(from, this.bal.get(from)!.minus(d));
    this.bal.set(to, this.bal.get(to)!.plus(d));
  }

  /** Folds pending integer-cent totals into the decimal books. O(accounts). */
  settle(): void {
    if (!this.dirty) return;
    ACCOUNTS.forEach((a, k) => {
      const v = this.pending[k];
      if (v !== 0) {
        this.bal.set(a, this.bal.get(a)!.plus(v));
        this.pending[k] = 0;
      }
    });
    if (this.pendingClaims !== 0) this.claims = this.claims.plus(this.pendingClaims);
    if (this.pendingBadDebt !== 0) this.badDebt = this.badDebt.plus(this.pendingBadDebt);
    if (this.pendingDeposits !== 0) this.deposits = this.deposits.plus(this.pendingDeposits);
    this.pendingClaims = 0;
    this.pendingBadDebt = 0;
    this.pendingDeposits = 0;
    this.dirty = false;
  }

  balanceCents(a: Account): Decimal {
    this.settle();
    return this.bal.get(a)!;
  }

  balanceUsd(a: Account): number {
    return this.balanceCents(a).div(100).toNumber();
  }

  badDebtCents(): Decimal {
    this.settle();
    return this.badDebt;
  }

  /**
   * Exact end-of-path checks; throws `ConservationError` on any violation:
   * 1. every booking balanced: Σ balances = 0;
   * 2. the engine's float state equals the books for margin, reserve and wallet (`held` in cents);
   * 3. deposits = margin + reserve + wallet + insurance + backstop + liquidator + market + venue +
   *    lending + outside (the outside book's funding balance, which may be negative), and
   *    market + bad debt = net realised losses of traders, liquidators and the vault (what was owed
   *    to the market).
   */
  checkConservation(held: { margin: number; reserve: number; wallet: number; insurance: number; backstop?: number; venue?: number; outside?: number; loans?: number }, context: string): void {
    this.settle();
    const sum = ACCOUNTS.reduce((s, a) => s.plus(this.bal.get(a)!), ZERO);
    const fail = (msg: string) => {
      throw new ConservationError(`${context}: money not conserved — ${msg}`);
    };
    if (!sum.isZero()) fail(`bookings do not balance (sum ${sum.toString()} cents)`);
    for (const a of ['margin', 'reserve', 'wallet', 'insurance', 'backstop', 'venue', 'outside'] as const) {
      const h = new Decimal(held[a] ?? 0);
      if (!h.equals(this.bal.get(a)!)) fail(`${a}: engine holds ${h.toString()} cents, ledger ${this.bal.get(a)!.toString()}`);
    }
    const inside = (['margin', 'reserve', 'wallet', 'insurance', 'backstop', 'liquidator', 'market', 'venue', 'lending', 'outside'] as const).reduce((s, a) => s.plus(this.bal.get(a)!), ZERO);
    if (!inside.equals(this.deposits)) fail(`deposits ${this.deposits.toString()} ≠ held + paid to market ${inside.toString()}`);
    const paid = this.bal.get('market')!.plus(this.badDebt);
    if (!paid.equals(this.claims)) fail(`market received ${this.bal.get('market')!.toString()} + bad debt ${this.badDebt.toString()} ≠ net realised losses ${this.claims.toString()}`);
    // lending: the pool holds exactly what was repaid, and its claim equals the engine's debts
    if (!this.bal.get('lending')!.equals(this.repaid)) fail(`lending pool holds ${this.bal.get('lending')!.toString()} cents, ${this.repaid} were repaid`);
    if ((held.loans ?? 0) !== this.loansCents()) fail(`loans: engine holds ${held.loans ?? 0} cents of debt, the ledger ${this.loansCents()} (lent ${this.lent} + interest ${this.interest} − repaid ${this.repaid} − deficit ${this.deficit})`);
  }
}
