/**
 * Volatile and multi-asset collateral (issue 13 part 2). Accounts may hold, besides their cash margin,
 * units of one or more assets, each a market of the scenario, valued as margin at that market's mark ×
 * a tiered haircut (src/margin/collateral.ts). The books hold the units exactly, as whole "atoms" of
 * each asset (src/engine/books.ts); an asset is money only once sold: a sale's proceeds enter the
 * ledger as cents from the buyers, and what an account still holds when it closes goes back to its
 * trader, as units.
 *
 * - Equity and maintenance checks count the collateral at the current mark (src/engine/account.ts).
 * - Triggers: such an account's liquidation price moves with the collateral's price, so it is not keyed
 *   by one price: like an account over several markets it gets a price box, a band around each of its
 *   markets' marks (the collateral's included) inside which it cannot breach (src/engine/triggers.ts
 *   `scheduleMulti`).
 * - A liquidation first sells all of the account's collateral through each asset's market, in the
 *   round's block of flow (with impact, so collateral sales feed the cascade), then closes as a cash
 *   account. A voluntary close whose loss the cash cannot pay sells it at the book price (no impact).
 */
import type { Scenario } from '../scenario/schema.js';
import type { Population } from '../agents/population.js';
import { haircutUnits, unitsForHaircutUnits, type HaircutTier } from '../margin/collateral.js';
import { stream } from '../rng/streams.js';
import type { PathState } from './state.js';
import { HaltReason, MAX_BOOKABLE_CENTS, PathHalt } from './limits.js';

export interface CollateralAsset {
  /** The market that prices it. */
  readonly market: number;
  readonly tiers: readonly HaircutTier[];
  /** Atoms per unit: a power of ten making one atom worth at most a cent at the initial price. */
  readonly atomsPerUnit: number;
}

/** Which opening accounts post which collateral (the same for every path of a run). */
export interface CollateralPlan {
  readonly assets: readonly CollateralAsset[];
  /** Opening accounts that post collateral, ascending. */
  readonly accounts: Int32Array;
  /** Per listed account k and asset j: atoms posted (accounts.length × assets). */
  readonly atoms: Float64Array;
  /** Per listed account: cents of its margin the collateral replaces (never deposited as cash). */
  readonly replacedCents: Float64Array;
}

/** The atoms per unit of an asset first priced at `priceUsd`: 10^⌈log10(100·price)⌉ (an atom ≤ 1 cent). */
export function atomsPerUnitFor(priceUsd: number): number {
  return Math.pow(10, Math.max(0, Math.ceil(Math.log10(priceUsd * 100) - 1e-12)));
}

/**
 * The plan for a scenario's `traders.collateral`: each opening account is drawn in with probability
 * `accountShare` (stream "collateral", the same on every path); for each asset it posts the units whose
 * haircut value at the initial price equals `marginShare` of its margin, which it then holds instead
 * of that cash. Undefined without volatile collateral.
 */
export function collateralPlan(sc: Scenario, pop: Population): CollateralPlan | undefined {
  const cfg = sc.traders.collateral;
  if (!cfg) return undefined;
  const markets = [sc.market, ...sc.otherMarkets];
  const assets: CollateralAsset[] = cfg.assets.map((c) => {
    const m = markets.findIndex((mk) => mk.name === c.market);
    return { market: m, tiers: c.haircutTiers, atomsPerUnit: atomsPerUnitFor(markets[m].initialPriceUsd) };
  });
  const rng = stream(sc.seed, -1, 'collateral');
  const J = assets.length;
  const ids: number[] = [];
  const atoms: number[] = [];
  const replaced: number[] = [];
  for (let a = 0; a < pop.accounts; a++) {
    if (!(rng() < cfg.accountShare)) continue;
    const M = pop.acctMargin[a];
    let rep = 0;
    for (let j = 0; j < J; j++) {
      const cents = Math.floor(M * cfg.assets[j].marginShare);
      const P0 = markets[assets[j].market].initialPriceUsd;
      const units = unitsForHaircutUnits(cents / 100 / P0, assets[j].tiers);
      atoms.push(Math.round(units * assets[j].atomsPerUnit));
      rep += cents;
    }
    ids.push(a);
    replaced.push(rep);
  }
  return { assets, accounts: Int32Array.from(ids), atoms: Float64Array.from(atoms), replacedCents: Float64Array.from(replaced) };
}

/** Units of asset j account a holds. */
export function collateralUnits(st: PathState, a: number, j: number): number {
  const assets = st.ctx.collateral!.assets;
  return st.books.collateralAtoms(a, j) / assets[j].atomsPerUnit;
}

/** True when account a holds any collateral asset. O(assets). */
export function holdsCollateral(st: PathState, a: number): boolean {
  const J = st.collateralAssets;
  if (J === 0) return false;
  for (let j = 0; j < J; j++) if (st.books.collateralAtoms(a, j) > 0) return true;
  return false;
}

/** What account a's collateral counts as margin at the marks (USD): Σ_j H(units_j) · mark_j. */
export function collateralValue(st: PathState, a: number): number {
  const J = st.collateralAssets;
  if (J === 0) return 0;
  let v = 0;
  for (let j = 0; j < J; j++) v += assetValue(st, a, j);
  return v;
}

/** What account a's holding of asset j counts as margin at its mark (USD): H(units_j) · mark_j (0 when none). */
export function assetValue(st: PathState, a: number, j: number): number {
  const at = st.books.collateralAtoms(a, j);
  if (!(at > 0)) return 0;
  const asset = st.ctx.collateral!.assets[j];
  return haircutUnits(at / asset.atomsPerUnit, asset.tiers) * st.mkt.markPx[asset.market];
}

/** A liquidation of account a is planned: its collateral joins the round's sell flow in each asset's market. */
export function planCollateralSale(st: PathState, a: number): void {
  const J = st.collateralAssets;
  if (J === 0) return;
  const assets = st.ctx.collateral!.assets;
  for (let j = 0; j < J; j++) {
    const at = st.books.collateralAtoms(a, j);
    if (at > 0) st.mkt.flow[assets[j].market] -= (at / assets[j].atomsPerUnit) * st.mkt.market[assets[j].market];
  }
}

/**
 * Sells all of account a's collateral into its margin at `price(m)` per unit (the round's fill, or the
 * book price for a voluntary sale); the proceeds (whole cents, rounded to the nearest) enter from the buyers.
 */
export function sellCollateral(st: PathState, a: number, price: Float64Array): void {
  const J = st.collateralAssets;
  if (J === 0) return;
  const assets = st.ctx.collateral!.assets;
  for (let j = 0; j < J; j++) {
    const at = st.books.collateralAtoms(a, j);
    if (!(at > 0)) continue;
    const proceeds = Math.max(0, Math.round((at / assets[j].atomsPerUnit) * price[assets[j].market] * 100));
    if (!(proceeds <= MAX_BOOKABLE_CENTS)) throw new PathHalt(HaltReason.MoneyOutOfRange);
    st.books.sellCollateral(a, j, proceeds);
    st.events.collateralSales++;
    st.events.collateralSoldCents += proceeds;
  }
}

/**
 * Sells as few of account a's collateral atoms as raise `cents` (asset by asset, in the order the
 * scenario lists them) at `price(m)` per unit — a payment due beyond the cash margin, such as funding.
 * Proceeds are whole cents (rounded to the nearest) from the buyers; an asset is sold whole when all of
 * it is needed. Returns the proceeds (less than `cents` only when the collateral runs out). O(assets).
 */
export function sellCollateralFor(st: PathState, a: number, cents: number, price: Float64Array): number {
  const J = st.collateralAssets;
  if (J === 0 || !(cents > 0)) return 0;
  const assets = st.ctx.collateral!.assets;
  let raised = 0;
  for (let j = 0; j < J && raised < cents; j++) {
    const held = st.books.collateralAtoms(a, j);
    const px = price[assets[j].market];
    if (!(held > 0) || !(px > 0)) continue;
    const centsPerAtom = (px * 100) / assets[j].atomsPerUnit;
    const need = Math.ceil((cents - raised) / centsPerAtom - 1e-9);
    const atoms = Math.min(held, Math.max(1, need));
    const proceeds = Math.max(0, Math.round((atoms / assets[j].atomsPerUnit) * px * 100));
    if (!(proceeds <= MAX_BOOKABLE_CENTS)) throw new PathHalt(HaltReason.MoneyOutOfRange);
    st.books.sellCollateralAtoms(a, j, atoms, proceeds);
    st.events.collateralSales++;
    st.events.collateralSoldCents += proceeds;
    raised += proceeds;
  }
  return raised;
}
