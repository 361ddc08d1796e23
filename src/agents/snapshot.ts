/**
 * The opening book from a position snapshot (`traders.snapshot`, src/scenario/snapshot-csv.ts): the
 * venue's own accounts and positions mapped onto the engine's book exactly — no resampling, no
 * warm-up — in the file's order (each isolated row one account, each cross account one account with
 * its rows as positions). Margins and reserves are rounded to whole cents, as the ledger holds them.
 *
 * Behaviours the file does not give (an empty or absent stopPrice, takeProfitPrice, topUpTrigger or
 * deleverage) are drawn from the scenario's distributions (traders.stopLoss, takeProfit, topUp,
 * volatilityDeleverage) with the rules of a drawn book (`placeAccount`, `drawAccount`): a stop at a
 * drawn fraction of the position's margin share, placed at half that distance from the initial price
 * if the price has already passed it. The draws come from the stream (seed, book 0,
 * "snapshot-behaviour"), a fixed number per account (4 per position, then 3), so an account's draws do
 * not depend on what the file gives for the others.
 *
 * `snapshotCsv` writes a book back as a snapshot with every behaviour given; loading it gives the same
 * book bit for bit (the round trip of test/agents/snapshot.test.ts).
 */
import type { Scenario } from '../scenario/schema.js';
import type { MaintenanceModel } from '../margin/maintenance.js';
import { readSnapshotCsv, type Snapshot } from '../scenario/snapshot-csv.js';
import { bookStreamPath, stream } from '../rng/streams.js';
import { arrivalCapacity, BookWriter, bookShape, marketConfigs, newAccountDraw, newPlacedAccount, type Population } from './population.js';

function snapshotOf(sc: Scenario): Snapshot {
  if (!sc.traders.snapshot) throw new Error('scenario has no traders.snapshot');
  return readSnapshotCsv(sc.traders.snapshot, marketConfigs(sc).map((m) => m.name));
}

/** The opening book from the scenario's snapshot. O(positions). */
export function snapshotPopulation(sc: Scenario, _maintenance: readonly MaintenanceModel[]): Population {
  const snap = snapshotOf(sc);
  const shape = bookShape(sc);
  const cfg = sc.traders;
  const K = shape.K;
  const extra = arrivalCapacity(sc);
  const book = new BookWriter(snap.accounts.length + extra, snap.positions + extra, K);
  const s0 = marketConfigs(sc).map((m) => m.initialPriceUsd);
  const rng = stream(sc.seed, bookStreamPath(0), 'snapshot-behaviour');
  const d = newAccountDraw(K);
  const placed = newPlacedAccount(K);
  for (const acct of snap.accounts) {
    const n = acct.market.length;
    const marginCents = Math.round(acct.marginUsd * 100);
    const reserveCents = Math.round(acct.reserveUsd * 100);
    const postedShare = marginCents / 100 / n;
    d.cross = acct.cross;
    d.count = n;
    placed.marginCents = marginCents;
    placed.reserveCents = reserveCents;
    placed.capped = 0;
    placed.totalNotionalUsd = 0;
    for (let k = 0; k < n; k++) {
      const m = acct.market[k];
      const side = acct.side[k];
      const e = acct.entry[k];
      const q = acct.size[k];
      d.market[k] = m;
      d.side[k] = side;
      placed.size[k] = q;
      placed.entry[k] = e;
      placed.totalNotionalUsd += q * e;
      const [u1, u2, u3, u4] = [rng(), rng(), rng(), rng()];
      placed.stop[k] = orderPrice(acct.stop[k], u1 < cfg.stopLoss.share, cfg.stopLoss.lossFractionOfCollateralMin, cfg.stopLoss.lossFractionOfCollateralMax, u2, -side, e, q, postedShare, s0[m]);
      placed.takeProfit[k] = orderPrice(acct.takeProfit[k], u3 < cfg.takeProfit.share, cfg.takeProfit.gainFractionOfCollateralMin, cfg.takeProfit.gainFractionOfCollateralMax, u4, side, e, q, postedShare, s0[m]);
    }
    const [v1, v2, v3] = [rng(), rng(), rng()];
    if (Number.isNaN(acct.topUpTrigger)) {
      d.topUp = v1 < cfg.topUp.share && !acct.cross && reserveCents > 0;
      d.topUpTrigger = d.topUp ? 1 + (cfg.topUp.triggerMarginRatio - 1) * (0.75 + 0.5 * v2) : 0;
    } else {
      d.topUp = acct.topUpTrigger > 0 && !acct.cross;
      d.topUpTrigger = d.topUp ? acct.topUpTrigger : 0;
    }
    d.deleverage = acct.deleverage < 0 ? v3 < cfg.volatilityDeleverage.share : acct.deleverage === 1;
    d.collateralUsd = 1; // acctLeverage is set below
    const a = book.accounts;
    book.add(d, placed);
    book.acctLeverage[a] = Number.isNaN(acct.leverage) ? (marginCents > 0 ? placed.totalNotionalUsd / (marginCents / 100) : 1000) : acct.leverage;
  }
  return book.finish();
}

/**
 * A stop (dir = −side) or take-profit (dir = +side) price: the file's (Infinity = none → NaN), or
 * drawn: at `frac` of the position's margin share from the entry, at half that from the initial
 * price when the price has already passed it (`placeAccount`'s rule).
 */
function orderPrice(given: number, has: boolean, lo: number, hi: number, u: number, dir: number, e: number, q: number, postedShare: number, pNow: number): number {
  if (given === Infinity) return NaN;
  if (!Number.isNaN(given)) return given;
  if (!has) return NaN;
  const perUnit = ((lo + (hi - lo) * u) * postedShare) / q;
  let px = e + dir * perUnit;
  if (dir < 0 ? px >= pNow : px <= pNow) px = pNow + dir * perUnit * 0.5;
  return px > 0 ? px : NaN;
}

/** A number as the shortest text that reads back to the same double. */
const exact = (x: number) => String(x);

/**
 * The opening book `pop` as a snapshot CSV (every behaviour given, `none` where there is none), in
 * the book's account order; account labels `a<index>`.
 */
export function snapshotCsv(pop: Population, marketNames: readonly string[]): string {
  const rows = ['account,market,side,size,entryPrice,margin,marginMode,reserve,leverage,stopPrice,takeProfitPrice,topUpTrigger,deleverage'];
  for (let a = 0; a < pop.accounts; a++) {
    const cross = pop.acctCross[a] === 1;
    for (let p = pop.acctFirstPos[a]; p < pop.acctFirstPos[a] + pop.acctNPos[a]; p++) {
      const stop = pop.posStop[p];
      const tp = pop.posTakeProfit[p];
      rows.push(
        [
          `a${a}`,
          marketNames[pop.posMarket[p]],
          pop.posSide[p] === 1 ? 'long' : 'short',
          exact(pop.posSize[p]),
          exact(pop.posEntry[p]),
          exact(pop.acctMargin[a] / 100),
          cross ? 'cross' : 'isolated',
          exact(pop.acctReserve[a] / 100),
          exact(pop.acctLeverage[a]),
          Number.isNaN(stop) ? 'none' : exact(stop),
          Number.isNaN(tp) ? 'none' : exact(tp),
          pop.acctTopUp[a] ? exact(pop.acctTopUpTrigger[a]) : 'none',
          pop.acctDeleverage[a] ? '1' : '0',
        ].join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}
