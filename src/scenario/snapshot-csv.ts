/**
 * Reading a position snapshot (`traders.snapshot`): the venue's open positions as a CSV, one row per
 * position, validated row by row — a bad row is one error naming the file, the line and the column,
 * quoting at most a short escaped excerpt of one cell.
 *
 * Columns (header row required; names case-insensitive, any order; other columns ignored):
 *
 * | column | required | meaning |
 * | --- | --- | --- |
 * | account | yes | the account's label (letters, digits, `._:-`, at most 80 characters) |
 * | market | yes | a market name of the scenario (`market.name` or an `otherMarkets[].name`) |
 * | side | yes | `long` or `short` |
 * | size | yes | units of the asset, > 0 |
 * | entryPrice | yes | USD per unit, > 0 |
 * | margin | yes | USD ≥ 0: the isolated position's collateral, or the cross account's balance (the same on each of its rows) |
 * | marginMode | no (isolated) | `isolated` or `cross` |
 * | reserve | no (0) | isolated only: USD held outside the position for top-ups |
 * | leverage | no | leverage at entry (≥ 1) as the venue reports it; default Σ size·entryPrice / margin |
 * | stopPrice, takeProfitPrice | no | the position's resting orders; `none` = no order; empty or absent = drawn from the scenario's stopLoss / takeProfit |
 * | topUpTrigger | no | isolated only: the margin ratio below which the trader tops up from the reserve (> 1), `none` = never; empty or absent = drawn from traders.topUp |
 * | deleverage | no | `1`/`0` (`true`/`false`): cuts positions on volatility spikes; empty or absent = drawn from traders.volatilityDeleverage |
 *
 * Each isolated row is an account of its own in the engine (a venue's isolated positions of one user
 * are separate margin accounts); the rows of a cross account are its positions (at most one per
 * market), backed by one balance. At most `MAX_SNAPSHOT_ROWS` rows and `MAX_SNAPSHOT_BYTES` bytes.
 */
import { createHash } from 'node:crypto';
import { MIB } from '../io/files.js';
import { cachedFileReader, csvHeader, excerpt } from './price-csv.js';
import { MAX_USD } from './bounds.js';

const MAX_SNAPSHOT_BYTES = 256 * MIB;
const MAX_SNAPSHOT_ROWS = 5_000_000;

/** One engine account of the snapshot with its positions; behaviour fields NaN / −1 = not given (drawn). */
export interface SnapshotAccount {
  label: string;
  cross: boolean;
  marginUsd: number;
  reserveUsd: number;
  /** NaN = not given. */
  leverage: number;
  /** Margin ratio trigger; 0 = never tops up; NaN = drawn. */
  topUpTrigger: number;
  /** 1 / 0; −1 = drawn. */
  deleverage: number;
  market: number[];
  side: number[];
  size: number[];
  entry: number[];
  /** NaN = drawn; Infinity = none (no order). */
  stop: number[];
  takeProfit: number[];
}

export interface Snapshot {
  readonly file: string;
  readonly sha256: string;
  readonly accounts: SnapshotAccount[];
  readonly positions: number;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const LABEL = /^[A-Za-z0-9._:-]{1,80}$/;
const COLS = ['account', 'market', 'side', 'size', 'entryPrice', 'margin', 'marginMode', 'reserve', 'leverage', 'stopPrice', 'takeProfitPrice', 'topUpTrigger', 'deleverage'] as const;
type Col = (typeof COLS)[number];
const REQUIRED: Col[] = ['account', 'market', 'side', 'size', 'entryPrice', 'margin'];

/**
 * Parses snapshot CSV text against the scenario's market names; `file` is used only in messages. O(rows).
 * @throws UserError naming the file, line and column of the first problem
 */
export function parseSnapshotCsv(text: string, file: string, marketNames: readonly string[], sha256 = createHash('sha256').update(text).digest('hex')): Snapshot {
  const { lines, headerIndex: li, header, fail } = csvHeader(text, file, `the file is empty — expected a header row naming the columns (${REQUIRED.join(',')}, …) and one row per position`);
  const at = {} as Record<Col, number>;
  for (const c of COLS) at[c] = header.indexOf(c.toLowerCase());
  const missing = REQUIRED.filter((c) => at[c] < 0);
  if (missing.length) fail(li + 1, `the header row has no column named ${missing.join(', ')} — required: ${REQUIRED.join(', ')}`);

  const accounts: SnapshotAccount[] = [];
  const crossByLabel = new Map<string, { acct: SnapshotAccount; line: number }>();
  let positions = 0;
  for (let k = li + 1; k < lines.length; k++) {
    const raw = lines[k];
    if (raw.trim() === '') continue;
    const line = k + 1;
    if (positions >= MAX_SNAPSHOT_ROWS) fail(line, `more than ${MAX_SNAPSHOT_ROWS} positions — a snapshot holds at most ${MAX_SNAPSHOT_ROWS}`);
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length !== header.length) fail(line, `expected ${header.length} comma-separated values (${excerpt(header.join(','), 80).slice(1, -1)}), found ${cells.length}`);
    const cell = (c: Col) => (at[c] < 0 ? '' : cells[at[c]]);
    const bad = (c: Col, allowed: string): never => fail(line, `column ${at[c] + 1} (${c}): ${excerpt(cell(c))} is not allowed — ${allowed}`);
    const num = (c: Col, ok: (x: number) => boolean, allowed: string): number => {
      const v = NUMBER.test(cell(c)) ? Number(cell(c)) : NaN;
      if (!(Number.isFinite(v) && ok(v))) bad(c, allowed);
      return v;
    };
    /** An optional order/behaviour cell: '' = drawn (NaN), 'none' = none (`none`), else a number. */
    const opt = (c: Col, none: number, ok: (x: number) => boolean, allowed: string): number => {
      const s = cell(c);
      if (s === '') return NaN;
      if (s.toLowerCase() === 'none') return none;
      return num(c, ok, `${allowed}, "none" or empty (drawn from the scenario)`);
    };

    const label = cell('account');
    if (!LABEL.test(label)) bad('account', 'account labels are 1 to 80 letters, digits, ".", "_", ":" or "-"');
    const market = marketNames.indexOf(cell('market'));
    if (market < 0) bad('market', `the market must be one of the scenario's markets (${marketNames.join(', ')})`);
    const sideText = cell('side').toLowerCase();
    if (sideText !== 'long' && sideText !== 'short') bad('side', 'side is long or short');
    const side = sideText === 'long' ? 1 : -1;
    const size = num('size', (x) => x > 0 && x <= 1e15, 'sizes are positive numbers of units (at most 1e15)');
    const entry = num('entryPrice', (x) => x > 0 && x <= 1e12, 'entry prices are positive USD amounts (at most 1e12)');
    const marginUsd = num('margin', (x) => x >= 0 && x <= MAX_USD, `margins are USD amounts from 0 to ${MAX_USD}`);
    const modeText = cell('marginMode').toLowerCase();
    if (modeText !== '' && modeText !== 'isolated' && modeText !== 'cross') bad('marginMode', 'marginMode is isolated or cross (empty = isolated)');
    const cross = modeText === 'cross';
    const reserveUsd = cell('reserve') === '' ? 0 : num('reserve', (x) => x >= 0 && x <= MAX_USD, `reserves are USD amounts from 0 to ${MAX_USD}`);
    if (cross && reserveUsd > 0) bad('reserve', "a cross account's balance (margin) already holds its reserve: leave reserve empty or 0 on cross rows");
    const leverage = cell('leverage') === '' ? NaN : num('leverage', (x) => x >= 1 && x <= 1000, 'leverage is a number from 1 to 1000 (empty = notional / margin)');
    const stop = opt('stopPrice', Infinity, (x) => x > 0, 'a stop price is a positive USD amount');
    const takeProfit = opt('takeProfitPrice', Infinity, (x) => x > 0, 'a take-profit price is a positive USD amount');
    const trig = opt('topUpTrigger', 0, (x) => x > 1 && x <= 100, 'a top-up trigger is a margin ratio above 1 (at most 100)');
    if (cross && trig > 0) bad('topUpTrigger', 'cross accounts do not top up (their reserve is already margin): leave it empty or "none"');
    const dl = cell('deleverage').toLowerCase();
    if (!['', '0', '1', 'true', 'false'].includes(dl)) bad('deleverage', 'deleverage is 1 or 0 (true or false), or empty (drawn from the scenario)');
    const deleverage = dl === '' ? -1 : dl === '1' || dl === 'true' ? 1 : 0;

    if (cross) {
      const seen = crossByLabel.get(label);
      if (seen) {
        const a = seen.acct;
        if (a.marginUsd !== marginUsd) bad('margin', `account ${label} is a cross account whose balance is ${a.marginUsd} on line ${seen.line}: give the same balance on each of its rows`);
        if (a.market.includes(market)) bad('market', `account ${label} already holds a position in ${marketNames[market]} (a cross account holds one position per market)`);
        const lev = Number.isNaN(leverage) ? NaN : leverage;
        if (!Object.is(a.leverage, lev)) bad('leverage', `account ${label} gives leverage ${Number.isNaN(a.leverage) ? '(empty)' : a.leverage} on line ${seen.line}: give the same on each of its rows`);
        if (!Object.is(a.deleverage, deleverage)) bad('deleverage', `account ${label} gives a different deleverage on line ${seen.line}: give the same on each of its rows`);
        a.market.push(market);
        a.side.push(side);
        a.size.push(size);
        a.entry.push(entry);
        a.stop.push(stop);
        a.takeProfit.push(takeProfit);
        positions++;
        continue;
      }
    }
    const acct: SnapshotAccount = { label, cross, marginUsd, reserveUsd, leverage, topUpTrigger: trig, deleverage, market: [market], side: [side], size: [size], entry: [entry], stop: [stop], takeProfit: [takeProfit] };
    if (cross) crossByLabel.set(label, { acct, line });
    accounts.push(acct);
    positions++;
  }
  if (positions === 0) fail(li + 1, 'the snapshot has no positions — at least one row is needed');
  // a label used both as a cross account and for isolated rows is allowed (a venue user's isolated positions and cross account)
  return { file, sha256, accounts, positions };
}

const readSnapshotFile = cachedFileReader<Snapshot>('snapshot CSV', MAX_SNAPSHOT_BYTES);

/**
 * Reads and parses a snapshot CSV (cached by path, size, modification times and market names).
 * @throws UserError if the file cannot be read or is malformed
 */
export function readSnapshotCsv(absFile: string, marketNames: readonly string[]): Snapshot {
  return readSnapshotFile(absFile, (text, sha256) => parseSnapshotCsv(text, absFile, marketNames, sha256), marketNames.join('\u0000'));
}
