/**
 * How far two opening books differ, account by account. Two policies on the same seed draw the same
 * traders, but a book is seasoned on a warm-up history under each policy's own rules (and checked
 * against its initial margin), so a different maintenance rule or maximum leverage leaves partly
 * different survivors (docs/methodology.md §2, "What holds for common random numbers"). A comparison
 * says how many accounts differ, so a reader knows how much of a difference is the book's.
 *
 * An account differs when its margin, reserve or entry leverage differs, or when any of its positions
 * differs in market, side, size or entry price (relative tolerance 1e−12). O(accounts + positions).
 */
import type { Population } from '../agents/population.js';
import { maxNotionalFor, type InitialMarginRule } from '../margin/initial.js';
import type { MaintenanceModel } from '../margin/maintenance.js';

export interface BookDifference {
  /** Accounts in each opening book. */
  accounts: number;
  /** Accounts whose collateral or positions differ between the two books. */
  accountsDiffering: number;
  /** accountsDiffering / accounts. */
  shareOfAccounts: number;
  /** Open interest of each book at the initial prices (USD): [baseline, variant]. */
  openInterestUsd: [number, number];
  /** Open interest (baseline book) held by the differing accounts (USD). */
  openInterestDifferingUsd: number;
}

const same = (x: number, y: number) => x === y || (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));

function openInterest(p: Population, prices: readonly number[]): number {
  let oi = 0;
  for (let q = 0; q < p.positions; q++) oi += p.posSize[q] * prices[p.posMarket[q]];
  return oi;
}

/** The account-by-account difference of two opening books drawn for the same traders (`prices`: each market's initial price). */
export function bookDifference(a: Population, b: Population, prices: readonly number[]): BookDifference {
  const oiA = openInterest(a, prices);
  const oiB = openInterest(b, prices);
  if (a.accounts !== b.accounts) {
    return { accounts: Math.max(a.accounts, b.accounts), accountsDiffering: Math.max(a.accounts, b.accounts), shareOfAccounts: 1, openInterestUsd: [oiA, oiB], openInterestDifferingUsd: oiA };
  }
  let differing = 0;
  let oiDiffering = 0;
  for (let k = 0; k < a.accounts; k++) {
    let differs =
      !same(a.acctMargin[k], b.acctMargin[k]) || !same(a.acctReserve[k], b.acctReserve[k]) || !same(a.acctLeverage[k], b.acctLeverage[k]) || a.acctNPos[k] !== b.acctNPos[k];
    let notional = 0;
    const n = a.acctNPos[k];
    for (let i = 0; i < n; i++) {
      const p = a.acctFirstPos[k] + i;
      notional += a.posSize[p] * prices[a.posMarket[p]];
      if (differs) continue;
      const q = b.acctFirstPos[k] + i;
      if (a.posMarket[p] !== b.posMarket[q] || a.posSide[p] !== b.posSide[q] || !same(a.posSize[p], b.posSize[q]) || !same(a.posEntry[p], b.posEntry[q])) differs = true;
    }
    if (differs) {
      differing++;
      oiDiffering += notional;
    }
  }
  return { accounts: a.accounts, accountsDiffering: differing, shareOfAccounts: a.accounts ? differing / a.accounts : 0, openInterestUsd: [oiA, oiB], openInterestDifferingUsd: oiDiffering };
}

/** Positions of an opening book that a rulebook would not have admitted when they opened. */
export interface Inadmissible {
  /** Positions whose notional at entry exceeds what the rules' initial margin allows on their collateral. */
  positions: number;
  /** Accounts holding at least one. */
  accounts: number;
  /** Their notional at the initial prices (USD), and the book's open interest. */
  notionalUsd: number;
  openInterestUsd: number;
}

/**
 * The positions of `pop` (a book drawn under other rules) that `rules` would not admit: a position
 * opened on its share of its account's own collateral (notional ÷ entry leverage, split evenly over
 * the account's positions, as the book is drawn) above the largest notional the market's initial-margin
 * rule allows on that share at its entry price (src/margin/initial.ts `maxNotionalFor`; relative
 * tolerance 1e−9). Such positions are kept in a comparison that holds the book fixed, and reported.
 * O(positions · 80) (the bisection of maxNotionalFor).
 */
export function inadmissiblePositions(pop: Population, rules: readonly InitialMarginRule[], maintenance: readonly MaintenanceModel[], prices: readonly number[]): Inadmissible {
  let positions = 0;
  let accounts = 0;
  let notional = 0;
  for (let a = 0; a < pop.accounts; a++) {
    const n = pop.acctNPos[a];
    if (n === 0) continue;
    let entryNotional = 0;
    for (let i = 0; i < n; i++) {
      const p = pop.acctFirstPos[a] + i;
      entryNotional += pop.posSize[p] * pop.posEntry[p];
    }
    const share = entryNotional / pop.acctLeverage[a] / n;
    let any = false;
    for (let i = 0; i < n; i++) {
      const p = pop.acctFirstPos[a] + i;
      const m = pop.posMarket[p];
      const at = pop.posSize[p] * pop.posEntry[p];
      if (at > maxNotionalFor(share, pop.posEntry[p], rules[m], maintenance[m]) * (1 + 1e-9)) {
        positions++;
        notional += pop.posSize[p] * prices[m];
        any = true;
      }
    }
    if (any) accounts++;
  }
  return { positions, accounts, notionalUsd: notional, openInterestUsd: openInterest(pop, prices) };
}
