/**
 * The books of lending positions (issue 13 part 4), kept beside the engine's `Books` on the same
 * ledger: per borrower, collateral held (whole atoms of the collateral asset) and debt (whole cents);
 * the treasury's atoms; Σ debts. Debts are the lending pool's claim (`Ledger.recordLoan` …), money
 * moves only when a liquidator repays (into the `lending` account) and sells what it seized (proceeds
 * from the buyers, into `liquidator`). `checkUnits` proves every atom posted is held, seized or the
 * treasury's; the ledger's conservation check compares Σ debts with its loans outstanding.
 */
import { ConservationError } from '../errors.js';
import type { Ledger } from './ledger.js';

export class LoanBooks {
  constructor(private readonly ledger: Ledger) {}

  private loanColl = new Float64Array(0);
  private loanDebt = new Float64Array(0);
  private loanPosted = 0;
  private loanSeized = 0;
  /** Σ debts (cents), kept with them. */
  private loanSum = 0;
  private treasury = 0;

  /** Borrowers post their collateral (atoms) and borrow their debts (cents: the pool's claim; the cash leaves with them). */
  openLoans(atoms: Float64Array, debtCents: Float64Array): void {
    this.loanColl = Float64Array.from(atoms);
    this.loanDebt = Float64Array.from(debtCents);
    this.loanPosted = 0;
    this.loanSeized = 0;
    this.treasury = 0;
    let lent = 0;
    for (let k = 0; k < atoms.length; k++) {
      this.loanPosted += atoms[k];
      lent += debtCents[k];
    }
    this.ledger.recordLoan(lent);
    this.loanSum = lent;
  }
  /** Borrower k's collateral (atoms) and debt (cents). */
  loanAtoms(k: number): number {
    return this.loanColl[k];
  }
  loanDebtCents(k: number): number {
    return this.loanDebt[k];
  }
  /** Collateral atoms the protocol's treasury holds (its cut of liquidation bonuses). */
  get treasuryAtoms(): number {
    return this.treasury;
  }
  /**
   * One step's interest: every open debt becomes ⌈scaled[k] · index⌉ cents (never less than it was);
   * the step's total is booked as one interest claim. Returns it (cents). O(borrowers), no allocation.
   */
  accrueLoans(scaled: Float64Array, index: number): number {
    // a closed debt has scaled 0, so stays 0; an open one only grows (the index only grows)
    const d = this.loanDebt;
    let sum = 0;
    for (let k = 0; k < d.length; k++) {
      const next = Math.ceil(scaled[k] * index);
      d[k] = next;
      sum += next;
    }
    const interest = sum - this.loanSum;
    if (interest < 0) throw new ConservationError(`lending: debts fell from ${this.loanSum} to ${sum} cents on an interest step`);
    this.loanSum = sum;
    if (interest > 0) this.ledger.recordInterest(interest);
    return interest;
  }
  /**
   * A liquidation of borrower k: the liquidator repays `repay` cents to the pool and seizes `seized`
   * atoms (the treasury `fee` atoms), which it sells for `proceeds` cents (paid by the buyers, into its
   * account). When no collateral is left, the debt that remains is written off. Returns that deficit (cents).
   */
  liquidateLoan(k: number, repay: number, seized: number, fee: number, proceeds: number): number {
    if (repay > this.loanDebt[k] || seized + fee > this.loanColl[k]) throw new ConservationError(`lending: borrower ${k} repays ${repay} of ${this.loanDebt[k]} cents, gives ${seized + fee} of ${this.loanColl[k]} atoms`);
    if (proceeds > 0) this.ledger.deposit('liquidator', proceeds);
    this.ledger.repayLoan('liquidator', repay);
    this.loanDebt[k] -= repay;
    this.loanSum -= repay;
    this.loanColl[k] -= seized + fee;
    this.loanSeized += seized;
    this.treasury += fee;
    let deficit = 0;
    if (this.loanColl[k] === 0 && this.loanDebt[k] > 0) {
      deficit = this.loanDebt[k];
      this.ledger.recordDeficit(deficit);
      this.loanDebt[k] = 0;
      this.loanSum -= deficit;
    }
    return deficit;
  }

  /** Σ debts outstanding (cents). */
  debtSumCents(): number {
    return this.loanSum;
  }

  /** Every collateral atom posted is held, seized by a liquidator, or the treasury's (exact); throws ConservationError. */
  checkUnits(context: string): void {
    let held = 0;
    let sum = 0;
    for (let k = 0; k < this.loanColl.length; k++) {
      held += this.loanColl[k];
      sum += this.loanDebt[k];
    }
    if (sum !== this.loanSum) throw new ConservationError(`${context}: lending debts sum to ${sum} cents, their running total says ${this.loanSum}`);
    if (held + this.loanSeized + this.treasury !== this.loanPosted) {
      throw new ConservationError(`${context}: lending collateral not conserved — ${this.loanPosted} atoms posted, ${held} held + ${this.loanSeized} seized + ${this.treasury} to the treasury`);
    }
  }
}
