/**
 * The registry of per-path fields: every figure a path reports (`PathSummary`), declared once with
 * its kind, unit, one-line meaning and how the engine fills it at the end of the path. Everything that
 * lists per-path fields is derived from this table: `summarise` (records.ts), the `PathSummary` type
 * (results.ts), the column table's kinds (src/mc/table.ts), the Parquet/CSV column types
 * (src/report/exports.ts), the shard and study-chunk field lists, the per-path part of the results
 * schema (src/report/results-schema.ts) and the `paths` table of docs/results.md (`npm run docs:fields`
 * writes it; test/engine/fields.test.ts checks it).
 *
 * Adding a per-path field = one entry here (its counter in `EventCounts` if it counts events) plus the
 * engine line that counts it (docs/design.md, "Adding a per-path field").
 */
import type { EventCounts, PathState } from './state.js';
import type { PathRecorder } from './records.js';
import type { Scenario } from '../scenario/schema.js';

/** count: a whole number (INT32 in Parquet); real: a float64; flag: a boolean. */
export type FieldKind = 'count' | 'real' | 'flag';

/** The unit shown in docs/results.md; `USD` fields are rounded to cents in results.json. */
export type FieldUnit = '—' | 'USD' | 'count' | 'accounts' | 'rounds' | 'log' | 'fraction' | 'boolean' | 'rate' | 'step' | 'code' | 'ratio';

/** What a field's `fill` reads at the end of a path. */
export interface FieldSource {
  st: PathState;
  rec: PathRecorder;
  /** The insurance fund at the start of the path (cents). */
  fundStartCents: number;
  /** Lending positions at the end, at the marks (zero without lending). */
  lend: { debtUsd: number; collateralUsd: number };
}

interface FieldCommon {
  unit: FieldUnit;
  /** One line for docs/results.md's `paths` table (Markdown). */
  doc: string;
  /**
   * What the report needs: `required` fields must be in every results.json it reads (per-path column and
   * drill-down summary); `optional` ones are read when present (files written before them still render).
   */
  report?: 'required' | 'optional';
  /** Present only in runs of scenarios where this holds (absent from every summary otherwise). */
  when?: (sc: Scenario) => boolean;
  /** Which direction is worse for the venue, for a comparison's verdict on `paths.<field>.mean` (absent: neither, descriptive). */
  worse?: 'higher' | 'lower';
}

/** One per-path field: its kind (and per-market width) decides its value type. */
export type FieldDef = FieldCommon &
  (
    | { kind: 'count' | 'real'; perMarket?: undefined; fill: (s: FieldSource) => number }
    | { kind: 'flag'; perMarket?: undefined; fill: (s: FieldSource) => boolean }
    | { kind: 'count' | 'real'; perMarket: true; fill: (s: FieldSource) => number[] }
  );

type NumericCounter = { [K in keyof EventCounts]: EventCounts[K] extends number ? K : never }[keyof EventCounts];

/** A counter of `EventCounts`, as counted. */
const counter =
  <K extends keyof EventCounts>(name: K) =>
  (s: FieldSource): EventCounts[K] =>
    s.st.events[name];

/** A counter of `EventCounts` kept in exact cents, in USD. */
const cents =
  (name: NumericCounter) =>
  (s: FieldSource): number =>
    s.st.events[name] / 100;

/** Every per-path field, in the order a summary lists them (the order of results.json `paths` and of the exports' columns). */
export const PATH_FIELDS = {
  pathIndex: { kind: 'count', report: 'required', unit: '—', fill: (s) => s.st.pathIndex, doc: 'the path index k (0-based)' },
  badDebtUsd: { kind: 'real', worse: 'higher', report: 'required', unit: 'USD', fill: (s) => s.st.books.badDebtUsd(), doc: 'bad debt left on the path: shortfalls not covered by the backstop, the fund, ADL or socialised loss. Exact cents.' },
  liquidationCount: { kind: 'count', report: 'required', unit: 'count', fill: counter('liquidations'), doc: 'liquidations (closes) on the path. It equals the sum of the cascade sizes.' },
  liquidatedNotionalUsd: { kind: 'real', report: 'required', unit: 'USD', fill: (s) => s.rec.liquidatedLongUsd + s.rec.liquidatedShortUsd, doc: 'liquidated notional, all markets = long + short' },
  liquidatedLongNotionalUsd: { kind: 'real', unit: 'USD', fill: (s) => s.rec.liquidatedLongUsd, doc: 'liquidated notional of long positions' },
  liquidatedShortNotionalUsd: { kind: 'real', unit: 'USD', fill: (s) => s.rec.liquidatedShortUsd, doc: 'liquidated notional of short positions' },
  tradersLiquidated: { kind: 'count', report: 'optional', unit: 'accounts', fill: counter('tradersLiquidated'), doc: 'distinct accounts liquidated at least once, arrivals included' },
  fundStartUsd: { kind: 'real', unit: 'USD', fill: (s) => s.fundStartCents / 100, doc: 'the insurance fund at the start (`policy.insuranceFund.initialUsd`)' },
  fundEndUsd: { kind: 'real', worse: 'lower', report: 'required', unit: 'USD', fill: (s) => s.st.books.fundCents / 100, doc: 'the insurance fund at the end: start + fees − payouts' },
  fundPaidUsd: { kind: 'real', worse: 'higher', report: 'optional', unit: 'USD', fill: counter('fundPaidUsd'), doc: 'the total the fund paid towards shortfalls' },
  fundExhausted: { kind: 'flag', worse: 'higher', report: 'optional', unit: 'boolean', fill: counter('fundExhausted'), doc: 'see [terms](#terms): the fund paid what it could and hit exactly $0 with part of a shortfall still open. Bad debt alone does not set it: with caps on the fund, bad debt can be recorded while the fund still holds money' },
  largestCascadeAccounts: { kind: 'count', unit: 'count', fill: (s) => s.rec.largestAccounts, doc: "liquidations in the path's largest cascade. The largest is the step with the largest liquidated notional, and the earliest such step on a tie." },
  largestCascadeNotionalUsd: { kind: 'real', report: 'required', unit: 'USD', fill: (s) => s.rec.largestNotionalUsd, doc: 'the liquidated notional of that step' },
  largestCascadeGenerations: { kind: 'count', report: 'required', unit: 'rounds', fill: (s) => s.rec.largestGenerations, doc: 'the generations of that step' },
  largestCascadeImpactLog: { kind: 'real', report: 'required', unit: 'log', fill: (s) => s.rec.largestImpactLog, doc: "Σ over that step's rounds of the change in market 0's impact state caused by the round's liquidation flow: the move the cascade added beyond the exogenous move. It is 0 if market 0 had no liquidation flow in that step." },
  cascadeCount: { kind: 'count', report: 'required', unit: 'count', fill: counter('cascades'), doc: 'steps with at least one liquidation' },
  maxDrawdownExogenous: { kind: 'real', report: 'required', unit: 'fraction', fill: (s) => s.rec.maxDrawdownExogenous, doc: "the maximum drawdown of market 0's fundamental price, measured at the ends of steps from the initial price" },
  maxDrawdownRealised: { kind: 'real', report: 'required', unit: 'fraction', fill: (s) => s.rec.maxDrawdownRealised, doc: "the maximum drawdown of market 0's market price (with impact) at the ends of steps" },
  minImpactLog: { kind: 'real', unit: 'log', fill: (s) => s.rec.minImpactLog, doc: 'the most negative impact state of market 0 at the end of a step. It starts at 0, so it is ≤ 0.' },
  maxImpactLog: { kind: 'real', unit: 'log', fill: (s) => s.rec.maxImpactLog, doc: 'the most positive impact state of market 0 at the end of a step. It starts at 0, so it is ≥ 0.' },
  stopLossCount: { kind: 'count', unit: 'count', fill: counter('stopLosses'), doc: 'stop-loss orders executed. Only single-position accounts carry live orders.' },
  takeProfitCount: { kind: 'count', unit: 'count', fill: counter('takeProfits'), doc: 'take-profit orders executed' },
  deleverageCount: { kind: 'count', unit: 'count', fill: counter('deleverages'), doc: 'positions cut by volatility-spike deleveraging (`traders.volatilityDeleverage`)' },
  topUpCount: { kind: 'count', unit: 'count', fill: counter('topUps'), doc: "top-ups: transfers from a trader's reserve into margin, including answers to margin calls" },
  topUpUsd: { kind: 'real', unit: 'USD', fill: counter('topUpUsd'), doc: 'the total topped up' },
  arrivals: { kind: 'count', report: 'optional', unit: 'accounts', fill: counter('arrivals'), doc: 'new traders who opened a position during the path (Poisson and momentum arrivals)' },
  momentumArrivals: { kind: 'count', unit: 'accounts', fill: counter('momentumArrivals'), doc: 'the momentum-driven arrivals among `arrivals`' },
  arrivalsDropped: { kind: 'count', unit: 'accounts', fill: counter('arrivalsDropped'), doc: "arrivals beyond the book's capacity, which were not opened (capacity: the Poisson mean + 8 SD + 16 over the horizon, `arrivalCapacity`)" },
  marginCalls: { kind: 'count', unit: 'count', fill: counter('marginCalls'), doc: 'margin-call grace periods opened (`policy.liquidation.marginCall`)' },
  marginCallsSurvived: { kind: 'count', unit: 'count', fill: counter('marginCallsSurvived'), doc: 'grace periods that expired with the account out of breach. It was not liquidated.' },
  liquidationsDeferred: { kind: 'count', unit: 'count', fill: counter('liquidationsDeferred'), doc: 'liquidations postponed to a later step: caps, capped partial closes, cooldowns, or liquidators declining. Counted once per account per step.' },
  liquidatorDeclined: { kind: 'count', unit: 'count', fill: counter('liquidatorDeclined'), doc: 'times liquidators declined an account: the expected slippage exceeded the bonus, or their per-step capital was used up. Each of these is also a deferral.' },
  liquidatorPnlUsd: { kind: 'real', unit: 'USD', fill: counter('liquidatorPnlUsd'), doc: "liquidators' total PnL: Σ size × (the market fill − the price paid the trader, mark × (1 ∓ bonus)). That is the bonus minus the slippage of unwinding into the market." },
  backstopTakeovers: { kind: 'count', unit: 'count', fill: counter('backstopTakeovers'), doc: 'accounts taken over by the backstop vault' },
  backstopPnlUsd: { kind: 'real', unit: 'USD', fill: counter('backstopPnlUsd'), doc: "the vault's PnL: forfeited margin + unwind PnL (fill − mark) − the part of its takeovers' shortfalls it paid (at most its capital; the rest goes down the waterfall)." },
  adlNotionalUsd: { kind: 'real', worse: 'higher', unit: 'USD', fill: counter('adlNotionalUsd'), doc: 'the notional of positions closed by ADL, at the mark' },
  adlAccounts: { kind: 'count', worse: 'higher', unit: 'accounts', fill: counter('adlAccounts'), doc: 'distinct accounts deleveraged by ADL' },
  adlProfitTakenUsd: { kind: 'real', worse: 'higher', report: 'optional', unit: 'USD', fill: counter('adlProfitTakenUsd'), doc: 'the total ADL haircut: what the deleveraged accounts paid towards shortfalls — the deficit ADL covered, and the least a pro-rata haircut of profits would have taken' },
  adlMatchedNotionalUsd: { kind: 'real', unit: 'USD', fill: counter('adlMatchedNotionalUsd'), doc: 'bankrupt positions ADL matched against winners at their bankruptcy price before any trade (never sent to the market), notional at the mark' },
  adlPnlClosedUsd: { kind: 'real', worse: 'higher', unit: 'USD', fill: counter('adlPnlClosedUsd'), doc: "the unrealised profit, at the mark, of the winners' positions ADL closed — the profit haircut in Chitra (2025)'s accounting; `adlPnlClosedUsd / adlProfitTakenUsd` is how far ADL over-reached" },
  socialisedLossUsd: { kind: 'real', worse: 'higher', report: 'optional', unit: 'USD', fill: counter('socialisedLossUsd'), doc: 'the total deficit taken from accounts as socialised loss' },
  socialisedAccounts: { kind: 'count', worse: 'higher', unit: 'accounts', fill: counter('socialisedAccounts'), doc: 'distinct accounts charged a socialised loss' },
  liquidationFeesUsd: { kind: 'real', report: 'optional', unit: 'USD', fill: cents('feesCents'), doc: 'liquidation fees collected (into the insurance fund), exact cents' },
  tradingFeesUsd: { kind: 'real', unit: 'USD', fill: cents('tradingFeesCents'), doc: 'taker fees on entries and voluntary closes (`policy.tradingFees`), exact cents' },
  fundingPaidUsd: { kind: 'real', unit: 'USD', fill: cents('fundingPaidCents'), doc: "funding paid by the simulated accounts over the path (all markets, exact cents): each payer's rate × its own notional, from cash and, when cash is short, collateral sold" },
  fundingReceivedUsd: { kind: 'real', unit: 'USD', fill: cents('fundingReceivedCents'), doc: "funding received by the simulated accounts (each receiver's rate × its own notional), exact cents" },
  fundingOutsideUsd: { kind: 'real', unit: 'USD', fill: (s) => s.st.books.outsideCents / 100, doc: "the market's outside book, counterparty to every funding payment: paid − received by the simulated accounts (negative: it paid the simulated book), exact cents; non-zero when the simulated longs and shorts are unbalanced" },
  fundingUnpaidUsd: { kind: 'real', unit: 'USD', fill: cents('fundingUnpaidCents'), doc: 'funding due that neither cash nor collateral could pay (left to the outside book), exact cents' },
  fundingPaidByLongsUsd: { kind: 'real', unit: 'USD', fill: cents('fundingByLongsCents'), doc: 'funding longs paid less funding longs received (negative: longs received on net), exact cents' },
  profitWithdrawnUsd: { kind: 'real', unit: 'USD', fill: cents('profitWithdrawnCents'), doc: 'settled profit withdrawn to wallets at variation-margin settlements (`traders.withdrawProfitShare`)' },
  venueRevenueUsd: { kind: 'real', unit: 'USD', fill: (s) => s.st.books.venueCents / 100, doc: "the venue's fee revenue at the end of the path (trading fees to the venue, less the share sent to the fund)" },
  fundFromFeesUsd: { kind: 'real', unit: 'USD', fill: cents('fundFromFeesCents'), doc: "the fund's recapitalisation from the venue's fees: its share of them, exact cents" },
  fundInjectedUsd: { kind: 'real', unit: 'USD', fill: cents('fundInjectedCents'), doc: "the venue's injections into the fund from outside, exact cents" },
  injectionCount: { kind: 'count', unit: 'count', fill: counter('injections'), doc: "traders' capital injections after margin calls (`traders.injection`)" },
  injectedUsd: { kind: 'real', unit: 'USD', fill: cents('injectedCents'), doc: 'the capital traders injected after margin calls, exact cents' },
  rebalanceCount: { kind: 'count', unit: 'count', fill: counter('rebalances'), doc: "times margin was moved between one trader's isolated positions to avert a liquidation (`traders.rebalancing`)" },
  rebalancedUsd: { kind: 'real', unit: 'USD', fill: cents('rebalancedCents'), doc: 'the margin so moved, exact cents' },
  collateralSales: { kind: 'count', unit: 'count', fill: counter('collateralSales'), doc: "volatile collateral sales (`traders.collateral`), one per account and asset: in liquidations, through the asset's market at the round's fill (with impact), in voluntary closes whose loss the cash could not pay, at the book price, and for funding due beyond the cash, as few atoms as pay it at the book price" },
  collateralSoldUsd: { kind: 'real', unit: 'USD', fill: cents('collateralSoldCents'), doc: 'the proceeds of those sales, exact cents' },
  lendingLiquidations: { kind: 'count', unit: 'count', fill: counter('lendingLiquidations'), doc: "lending liquidations, each repaying part or all of one borrower's debt (close factor, HF 0.95, small positions; scenario `lending`)" },
  lendingRepaidUsd: { kind: 'real', unit: 'USD', fill: cents('lendingRepaidCents'), doc: 'the debt liquidators repaid, exact cents' },
  lendingCollateralSoldUsd: { kind: 'real', unit: 'USD', fill: cents('lendingSoldCents'), doc: "what liquidators sold the seized collateral for through its market (at the round's fill, with impact), exact cents" },
  lendingLiquidatorPnlUsd: { kind: 'real', unit: 'USD', fill: cents('lendingLiquidatorPnlCents'), doc: "lending liquidators' PnL: proceeds − repaid (negative when impact exceeded the bonus), exact cents" },
  lendingProtocolFeeUsd: { kind: 'real', unit: 'USD', fill: counter('lendingProtocolFeeUsd'), doc: "the protocol's cut of the liquidation bonus, kept by its treasury as collateral units, valued at the mark when seized" },
  lendingInterestUsd: { kind: 'real', unit: 'USD', fill: cents('lendingInterestCents'), doc: 'interest accrued on the debts over the path, exact cents' },
  lendingDeficits: { kind: 'count', unit: 'count', fill: counter('lendingDeficits'), doc: "debts written off when a liquidation left a borrower no collateral (Aave v3.3's deficit)" },
  lendingDeficitUsd: { kind: 'real', unit: 'USD', fill: cents('lendingDeficitCents'), doc: "the debt so written off, exact cents; not part of `badDebtUsd` (the perpetual venue's)" },
  lendingDebtEndUsd: { kind: 'real', unit: 'USD', fill: (s) => s.lend.debtUsd, doc: "at the end: the borrowers' debt outstanding" },
  lendingCollateralEndUsd: { kind: 'real', unit: 'USD', fill: (s) => s.lend.collateralUsd, doc: "at the end: the borrowers' collateral at the mark" },
  shortfallUsd: { kind: 'real', worse: 'higher', report: 'optional', unit: 'USD', fill: cents('shortfallCents'), doc: "the loss waterfall's input: what closed accounts' margin could not pay (including a backstop takeover's unwind loss the vault could not pay), exact cents. It is covered, in order, by `backstopCoveredUsd`, `fundPaidUsd`, `adlProfitTakenUsd` or `socialisedLossUsd`, and the rest is `badDebtUsd`: shortfall = backstop + fund + ADL + socialised + bad debt on every path (`test/engine/mechanisms.test.ts`)" },
  backstopCoveredUsd: { kind: 'real', report: 'optional', unit: 'USD', fill: cents('backstopCoveredCents'), doc: 'the part of shortfalls the backstop vault paid from its capital, exact cents' },
  maxMmr: { kind: 'real', unit: 'rate', fill: counter('maxMmr'), doc: 'the highest maintenance rate reached on the path, over all markets, for `volatility-adaptive` maintenance (including its starting rate). It is 0 for static schedules (fixed, tiered, size-scaled, fraction-of-imr).' },
  finalFundamentalUsd: { kind: 'real', unit: 'USD', fill: (s) => Math.exp(s.st.mkt.logF[0]), doc: "market 0's fundamental price after the last step" },
  finalMarkUsd: { kind: 'real', unit: 'USD', fill: (s) => s.st.mkt.markPx[0], doc: "market 0's mark price after the last step" },
  haltedAtStep: { kind: 'count', unit: 'step', fill: (s) => s.st.haltedAtStep, doc: "−1 if the path ran to its horizon; otherwise the step at which it stopped because its state left what the engine represents exactly (`src/engine/limits.ts`): the path's money still balances to the cent, and its figures cover the steps up to that one. The run's `warnings` count such paths." },
  haltReason: { kind: 'count', unit: 'code', fill: (s) => s.st.halt, doc: "0 = none; 1 = an index price left [S0 / 10¹², S0 · 10⁶] (a collapse to near zero is representable); 2 = a booking would have left the exact range of the books (whole cents below 2^53); 3 = a market's state was not a finite number" },
  liquidatedNotionalByMarketUsd: { kind: 'real', perMarket: true, unit: 'USD', fill: (s) => Array.from(s.rec.marketLiquidatedUsd), doc: "per market, in the order [market, …otherMarkets]: the path's liquidated notional (at the fills)" },
  liquidatedPositionsByMarket: { kind: 'count', perMarket: true, unit: 'count', fill: (s) => Array.from(s.rec.marketLiquidatedPositions), doc: 'per market, in the order [market, …otherMarkets]: the positions closed by liquidation (full or partial closes)' },
  badDebtByMarketUsd: {
    kind: 'real',
    perMarket: true,
    unit: 'USD',
    when: (sc) => sc.output.badDebtByMarket === true,
    fill: (s) => Array.from({ length: s.st.K }, (_, m) => (s.st.events.badDebtByMarketCents[m] ?? 0) / 100),
    doc: "only with `output.badDebtByMarket: true` (set by `recommend`; absent otherwise): per market, in the order [market, …otherMarkets], the bad debt left by shortfalls that arose in that market, exact cents; the markets' values sum to `badDebtUsd`",
  },
  shortfallByMarketUsd: {
    kind: 'real',
    perMarket: true,
    unit: 'USD',
    when: (sc) => sc.output.badDebtByMarket === true,
    fill: (s) => Array.from({ length: s.st.K }, (_, m) => (s.st.events.shortfallByMarketCents[m] ?? 0) / 100),
    doc: "only with `output.badDebtByMarket: true` (set by `recommend`; absent otherwise): per market, in the order [market, …otherMarkets], the shortfalls that arose in that market and were sent to its fund (after any backstop takeover), exact cents — what the market asks of the fund, whatever the fund's size",
  },
  likelihoodRatio: { kind: 'real', unit: 'ratio', when: (sc) => !!sc.sampling?.importance, fill: (s) => Math.exp(s.st.prices.logLikelihoodRatio()), doc: "importance sampling only (absent otherwise): the path's likelihood ratio dP/dQ = Π φ(n)/φ(n − θ) over its shifted shocks, the weight every estimator gives it" },
} as const satisfies Record<string, FieldDef>;

type Fields = typeof PATH_FIELDS;
/** The name of a per-path field. */
export type PathFieldName = keyof Fields;
type ValueOf<D> = D extends { perMarket: true } ? number[] : D extends { kind: 'flag' } ? boolean : number;
type Conditional = { [K in PathFieldName]: Fields[K] extends { when: unknown } ? K : never }[PathFieldName];

/** A path's summary as the registry declares it (`PathSummary` in results.ts). */
export type PathFieldValues = { [K in Exclude<PathFieldName, Conditional>]: ValueOf<Fields[K]> } & { [K in Conditional]?: ValueOf<Fields[K]> };

/** A field of the registry with its name. */
export type NamedField = FieldDef & { name: PathFieldName };

/** The registry as a list, in summary order. */
export const PATH_FIELD_LIST: readonly NamedField[] = (Object.keys(PATH_FIELDS) as PathFieldName[]).map((name) => ({ ...(PATH_FIELDS[name] as FieldDef), name }));

/** The registry entry of `name`, or undefined when no field has that name. */
export function pathField(name: string): NamedField | undefined {
  return Object.hasOwn(PATH_FIELDS, name) ? PATH_FIELD_LIST.find((f) => f.name === name) : undefined;
}

/** The fields a run of `sc` records, in summary order (the conditional ones only where they hold). */
export function fieldsOfScenario(sc: Scenario): NamedField[] {
  return PATH_FIELD_LIST.filter((f) => !f.when || f.when(sc));
}

/** A path's summary from the registry: each field's `fill`, in registry order, conditional fields only where they hold. */
export function fillSummary(s: FieldSource): PathFieldValues {
  const out: Record<string, number | boolean | number[]> = {};
  for (const f of PATH_FIELD_LIST) {
    if (f.when && !f.when(s.st.sc)) continue;
    out[f.name] = f.fill(s);
  }
  return out as PathFieldValues;
}
