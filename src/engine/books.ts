/**
 * The books: the ledger (exact, decimal) and the engine's float mirror of it (per-account margin and
 * reserve in integer cents, the wallet, the insurance fund and the backstop vault), moved together.
 * Every money movement in a path is one method here; phases read balances but never write them
 * (an architecture test checks this). Amounts are whole cents; float64 holds them exactly below 2^53.
 *
 * Ledger accounts (src/ledger/ledger.ts): margin, reserve, wallet, insurance, backstop, liquidator,
 * market, venue, lending, outside (the market's outside book, counterparty to the funding imbalance), external. The conservation check at the end of a path compares the mirror with the ledger.
 */
import { Ledger } from '../ledger/ledger.js';
import { LoanBooks } from '../ledger/loans.js';
import { ConservationError } from '../errors.js';
import type { Population } from '../agents/population.js';

export class Books {
  private readonly ledger = new Ledger();
  private wallet = 0;
  /** Each insurance fund's balance and its payouts this step (cents); the ledger holds their sum. */
  private readonly fund: Float64Array;
  private readonly fundPaidStep: Float64Array;
  private fundTotal = 0;
  private vault: number;
  private venue = 0;
  /** The market's outside book: net funding it received from the simulated accounts (cents, may be negative). */
  private outsideBook = 0;
  /** Volatile collateral (issue 13 part 2): atoms held per (account, asset), and per asset the atoms posted, sold and returned. */
  private readonly coll: Float64Array;
  private readonly assets: number;
  private readonly pledged: Float64Array;
  private readonly sold: Float64Array;
  private readonly returned: Float64Array;

  constructor(
    /** Per-account collateral (cents), the book's `margin` array. */
    readonly margin: Float64Array,
    /** Per-account top-up reserve (cents), the book's `reserve` array. */
    readonly reserve: Float64Array,
    fundCents: readonly number[],
    backstopCents: number,
    /** Collateral atoms per (account, asset), the book's `collateral` array (account a, asset j at a·assets + j). */
    collateral: Float64Array = new Float64Array(0),
    assets = 0,
  ) {
    this.coll = collateral;
    this.assets = assets;
    this.pledged = new Float64Array(assets);
    this.sold = new Float64Array(assets);
    this.returned = new Float64Array(assets);
    this.fund = Float64Array.from(fundCents);
    this.fundPaidStep = new Float64Array(fundCents.length);
    for (const c of fundCents) this.fundTotal += c;
    this.vault = backstopCents;
  }

  /** All insurance funds together (cents). */
  get fundCents(): number {
    return this.fundTotal;
  }
  /** Insurance fund f's balance (cents). */
  fundCentsOf(f: number): number {
    return this.fund[f];
  }
  /** Backstop vault capital (cents). */
  get backstopCents(): number {
    return this.vault;
  }
  /** The venue's fee revenue (cents). */
  get venueCents(): number {
    return this.venue;
  }
  /** What closed accounts returned to their traders (cents). */
  get walletCents(): number {
    return this.wallet;
  }
  /** Fund f's payouts so far this step (cents), for its per-step payout cap. */
  fundPaidThisStepCents(f: number): number {
    return this.fundPaidStep[f];
  }

  /**
   * Opens the book: every opening account's margin and reserve, the fund and the vault, deposited. With
   * volatile collateral (`plan`), the listed accounts post their atoms instead of the cash they replace:
   * that cash is never deposited (it enters the ledger only if the collateral is sold).
   */
  open(pop: Population, totals: { margin: number; reserve: number }, plan?: { accounts: Int32Array; atoms: Float64Array; replacedCents: Float64Array }): void {
    this.margin.set(pop.acctMargin);
    this.reserve.set(pop.acctReserve);
    let deposited = totals.margin;
    if (this.assets > 0) {
      this.coll.fill(0);
      this.pledged.fill(0);
      this.sold.fill(0);
      this.returned.fill(0);
    }
    if (plan && this.assets > 0) {
      const J = this.assets;
      for (let k = 0; k < plan.accounts.length; k++) {
        const a = plan.accounts[k];
        this.margin[a] -= plan.replacedCents[k];
        deposited -= plan.replacedCents[k];
        for (let j = 0; j < J; j++) {
          this.coll[a * J + j] = plan.atoms[k * J + j];
          this.pledged[j] += plan.atoms[k * J + j];
        }
      }
    }
    this.ledger.deposit('margin', deposited);
    if (totals.reserve > 0) this.ledger.deposit('reserve', totals.reserve);
    if (this.fundTotal > 0) this.ledger.deposit('insurance', this.fundTotal);
    if (this.vault > 0) this.ledger.deposit('backstop', this.vault);
  }

  /** Atoms of collateral asset j account a holds. */
  collateralAtoms(a: number, j: number): number {
    return this.coll[a * this.assets + j];
  }

  /**
   * Account a sells all its atoms of asset j for `proceeds` whole cents, paid into its margin by the
   * buyers (money entering from outside, like a deposit; the atoms leave as sold).
   */
  sellCollateral(a: number, j: number, proceeds: number): void {
    const k = a * this.assets + j;
    this.sold[j] += this.coll[k];
    this.coll[k] = 0;
    if (proceeds > 0) {
      this.ledger.deposit('margin', proceeds);
      this.margin[a] += proceeds;
    }
  }

  /** Account a sells `atoms` of asset j (≤ what it holds) for `proceeds` cents from the buyers (a partial sale). */
  sellCollateralAtoms(a: number, j: number, atoms: number, proceeds: number): void {
    const k = a * this.assets + j;
    if (!(Number.isSafeInteger(atoms) && atoms > 0 && atoms <= this.coll[k])) throw new ConservationError(`collateral: account ${a} sells ${atoms} atoms of asset ${j} holding ${this.coll[k]}`);
    this.sold[j] += atoms;
    this.coll[k] -= atoms;
    if (proceeds > 0) {
      this.ledger.deposit('margin', proceeds);
      this.margin[a] += proceeds;
    }
  }

  /** A closing account's remaining collateral goes back to its trader (as units; no money moves). */
  returnCollateral(a: number): void {
    for (let j = 0; j < this.assets; j++) {
      const k = a * this.assets + j;
      this.returned[j] += this.coll[k];
      this.coll[k] = 0;
    }
  }

  /** Lending positions' books (issue 13 part 4): collateral atoms and debts per borrower, on this ledger. */
  readonly loans = new LoanBooks(this.ledger);

  /** A new account (an arrival) deposits its margin; it has no reserve. */
  openAccount(a: number, marginCents: number): void {
    this.margin[a] = marginCents;
    this.reserve[a] = 0;
    this.ledger.deposit('margin', marginCents);
  }

  beginStep(): void {
    this.fundPaidStep.fill(0);
  }

  /** A top-up: `cents` from account a's reserve into its margin. */
  topUp(a: number, cents: number): void {
    if (cents <= 0) return;
    this.ledger.transfer('reserve', 'margin', cents);
    this.reserve[a] -= cents;
    this.margin[a] += cents;
  }

  /** Records the realised PnL of a closed part (a claim between a trader and the market). */
  realise(pnlCents: number): void {
    this.ledger.recordRealisedPnl(pnlCents);
  }

  /**
   * Settles account a's realised PnL with the market: a gain is paid into its margin, a loss out of
   * it as far as the margin goes. Returns the shortfall (cents it could not pay, ≥ 0).
   */
  settlePnl(a: number, pnlCents: number): number {
    const margin = this.margin[a];
    if (pnlCents >= 0) {
      this.ledger.transfer('market', 'margin', pnlCents);
      this.margin[a] = margin + pnlCents;
      return 0;
    }
    const paid = Math.min(-pnlCents, margin);
    this.ledger.transfer('margin', 'market', paid);
    this.margin[a] = margin - paid;
    return -pnlCents - paid;
  }

  /** A liquidation fee from account a's margin into insurance fund f. */
  chargeFee(a: number, cents: number, f: number): void {
    if (cents <= 0) return;
    this.ledger.transfer('margin', 'insurance', cents);
    this.fund[f] += cents;
    this.fundTotal += cents;
    this.margin[a] -= cents;
  }

  /**
   * A trading fee of `cents` from account a's margin: to the venue's revenue, or (f ≥ 0) into
   * insurance fund f. The caller caps it by the margin.
   */
  tradingFee(a: number, cents: number, f: number): void {
    if (cents <= 0) return;
    this.margin[a] -= cents;
    if (f >= 0) {
      this.ledger.transfer('margin', 'insurance', cents);
      this.fund[f] += cents;
      this.fundTotal += cents;
    } else {
      this.ledger.transfer('margin', 'venue', cents);
      this.venue += cents;
    }
  }

  /**
   * One account's funding payment: `cents` > 0 it pays from its margin (at most its margin), < 0 it
   * receives. Each account pays or receives F × its own notional, so the payments of the simulated
   * longs and shorts need not cancel: the market's outside book (ledger account `outside`) is the
   * counterparty of every payment, its balance the net the simulated book paid it.
   */
  funding(a: number, cents: number): void {
    if (!(cents <= this.margin[a])) throw new ConservationError(`funding: account ${a} pays ${cents} cents from a margin of ${this.margin[a]}`);
    if (cents > 0) this.ledger.transfer('margin', 'outside', cents);
    else if (cents < 0) this.ledger.transfer('outside', 'margin', -cents);
    this.margin[a] -= cents;
    this.outsideBook += cents;
  }

  /** The outside book's funding balance (cents): what the simulated book paid it, net; negative when it paid in. */
  get outsideCents(): number {
    return this.outsideBook;
  }

  /** Fresh capital from outside into account a's margin (an injection after a margin call). */
  inject(a: number, cents: number): void {
    if (cents <= 0) return;
    this.ledger.deposit('margin', cents);
    this.margin[a] += cents;
  }

  /** The venue recapitalises insurance fund f with `cents` from outside. */
  recapitalise(f: number, cents: number): void {
    if (cents <= 0) return;
    this.ledger.deposit('insurance', cents);
    this.fund[f] += cents;
    this.fundTotal += cents;
  }

  /** A trader moves `cents` of margin from its account `from` to its account `to` (rebalancing; margin to margin). */
  rebalance(from: number, to: number, cents: number): void {
    if (cents <= 0) return;
    if (cents > this.margin[from]) throw new ConservationError(`rebalance: ${cents} cents from a margin of ${this.margin[from]}`);
    this.margin[from] -= cents;
    this.margin[to] += cents;
  }

  /** A trader withdraws `cents` of account a's margin (settled profit) to its wallet. */
  withdraw(a: number, cents: number): void {
    if (cents <= 0) return;
    const c = Math.min(cents, this.margin[a]);
    this.ledger.transfer('margin', 'wallet', c);
    this.wallet += c;
    this.margin[a] -= c;
  }

  /** Liquidators' PnL (bonus less slippage), settled with the market. */
  liquidatorPnl(cents: number): void {
    if (cents > 0) this.ledger.transfer('market', 'liquidator', cents);
    else if (cents < 0) this.ledger.transfer('liquidator', 'market', -cents);
  }

  /** A backstop takeover: the trader forfeits what is left of account a's margin to the vault. Returns it. */
  forfeitToBackstop(a: number): number {
    const c = this.margin[a];
    if (c > 0) {
      this.ledger.transfer('margin', 'backstop', c);
      this.vault += c;
      this.margin[a] = 0;
    }
    return c;
  }

  /**
   * The vault's PnL on unwinding a takeover against the market: a gain is added to its capital, a
   * loss paid from it as far as it goes. Returns the part of a loss it could not pay (cents, ≥ 0).
   */
  backstopUnwind(pnlCents: number): number {
    if (pnlCents > 0) {
      this.ledger.transfer('market', 'backstop', pnlCents);
      this.vault += pnlCents;
      return 0;
    }
    if (pnlCents < 0) {
      const pay = Math.min(this.vault, -pnlCents);
      this.ledger.transfer('backstop', 'market', pay);
      this.vault -= pay;
      return -pnlCents - pay;
    }
    return 0;
  }

  /** The vault pays (part of) a shortfall from its capital. Returns cents paid. */
  backstopCover(shortfallCents: number): number {
    const pay = Math.min(this.vault, shortfallCents);
    if (pay > 0) {
      this.ledger.transfer('backstop', 'market', pay);
      this.vault -= pay;
    }
    return pay;
  }

  /** A fully closed account returns what is left of its margin to the trader's wallet. */
  returnToWallet(a: number): void {
    const c = this.margin[a];
    if (c > 0) this.ledger.transfer('margin', 'wallet', c);
    this.wallet += c;
    this.margin[a] = 0;
  }

  /** Insurance fund f pays `cents` of a shortfall. */
  fundCover(f: number, cents: number): void {
    if (cents <= 0) return;
    this.ledger.transfer('insurance', 'market', cents);
    this.fund[f] -= cents;
    this.fundTotal -= cents;
    this.fundPaidStep[f] += cents;
  }

  /** An ADL haircut on account a's margin (the winner's own account, before anything goes back to its trader). Returns cents taken (≤ its margin). */
  haircutMargin(a: number, cents: number): number {
    const pay = Math.min(cents, this.margin[a]);
    this.margin[a] -= pay;
    this.ledger.transfer('margin', 'market', pay);
    return pay;
  }

  /** Socialised loss: share[k] cents from the margin of accts[k] (each ≤ its margin), to the market. */
  socialise(accts: ArrayLike<number>, share: ArrayLike<number>, n: number): number {
    let total = 0;
    for (let k = 0; k < n; k++) {
      const c = share[k];
      if (c <= 0) continue;
      this.margin[accts[k]] -= c;
      total += c;
    }
    if (total > 0) this.ledger.transfer('margin', 'market', total);
    return total;
  }

  /** Deficits (cents) per market waiting for the round's socialised loss (waterfall.ts `socialisedLoss`); no path may end with one. */
  private social?: Float64Array;
  /** Market m's deficit of `cents` beyond its fund waits for the round's socialised loss (a claim of the market, charged to no one yet). */
  deferToSocialised(m: number, cents: number, markets: number): void {
    (this.social ??= new Float64Array(markets))[m] += cents;
  }
  /** The waiting deficits per market (cents), handed over once (undefined when none waits). */
  takeSocialisedDeficits(): Float64Array | undefined {
    const d = this.social;
    this.social = undefined;
    return d;
  }

  /** A shortfall nobody covered: bad debt. */
  badDebt(cents: number): void {
    this.ledger.recordBadDebt(cents);
  }
  badDebtUsd(): number {
    return this.ledger.badDebtCents().div(100).toNumber();
  }

  /** End of path: the mirror equals the ledger and money is conserved (throws ConservationError otherwise). */
  checkConservation(accounts: number, context: string): void {
    if (this.social) throw new ConservationError(`${context}: a socialised deficit was never spread`);
    let margin = 0;
    let reserve = 0;
    let funds = 0;
    for (let a = 0; a < accounts; a++) (margin += this.margin[a]), (reserve += this.reserve[a]);
    for (let f = 0; f < this.fund.length; f++) funds += this.fund[f];
    if (funds !== this.fundTotal) throw new ConservationError(`${context}: the insurance funds hold ${funds} cents, their total says ${this.fundTotal}`);
    this.ledger.checkConservation({ margin, reserve, wallet: this.wallet, insurance: this.fundTotal, backstop: this.vault, venue: this.venue, outside: this.outsideBook, loans: this.loans.debtSumCents() }, context);
    this.loans.checkUnits(context);
    // collateral units: every atom posted is still held, was sold, or went back to its trader (exact integers)
    for (let j = 0; j < this.assets; j++) {
      let held = 0;
      for (let a = 0; a < accounts; a++) held += this.coll[a * this.assets + j];
      if (held + this.sold[j] + this.returned[j] !== this.pledged[j]) {
        throw new ConservationError(`${context}: collateral asset ${j} not conserved — ${this.pledged[j]} atoms posted, ${held} held + ${this.sold[j]} sold + ${this.returned[j]} returned`);
      }
    }
  }
}
