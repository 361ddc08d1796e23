/**
 * Reading a depth curve (`market.impact: { kind: curve, file }`): a CSV of cumulative order-book depth
 * by distance from mid, per side, with one clear error per malformed file (the file, the line, the
 * column), never echoing more than a short escaped excerpt of one cell.
 *
 * Format: a header row naming the columns `distancePercent`, `bidDepthUsd` and `askDepthUsd` (any
 * order, case-insensitive; other columns ignored), then one row per distance: the notional (USD) resting
 * within that distance of mid on each side — what a sell (bids) or a buy (asks) of that size would walk
 * through. Distances are positive percentages (0.5 = 0.5%) and strictly increase; each side's depth is
 * positive and strictly increases with the distance. A point (0, 0, 0) is implied. At most
 * `MAX_DEPTH_ROWS` rows.
 *
 * The parsed table is cached by (absolute path, size, modification time) like the price CSV.
 */
import { createHash } from 'node:crypto';
import { cachedFileReader, csvHeader, excerpt } from './price-csv.js';
import { MAX_USD } from './bounds.js';

/** Largest depth CSV read (1 MiB). */
const MAX_DEPTH_BYTES = 1024 * 1024;
/** Most rows a depth table may hold. */
const MAX_DEPTH_ROWS = 10_000;

export interface DepthTable {
  readonly file: string;
  readonly sha256: string;
  /** Distances from mid in percent, starting with the implied 0. */
  readonly distancePercent: Float64Array;
  /** Cumulative depth (USD) within each distance, starting with 0: bids (hit by sells) and asks (lifted by buys). */
  readonly bidDepthUsd: Float64Array;
  readonly askDepthUsd: Float64Array;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const COLUMNS = ['distancepercent', 'biddepthusd', 'askdepthusd'] as const;

/**
 * Parses depth CSV text; `file` is used only in messages. O(rows).
 * @throws UserError naming the file, line and column of the first problem
 */
export function parseDepthCsv(text: string, file: string, sha256 = createHash('sha256').update(text).digest('hex')): DepthTable {
  const { lines, headerIndex: li, header, fail } = csvHeader(text, file, 'the file is empty — expected a header row "distancePercent,bidDepthUsd,askDepthUsd" and at least one row');
  const idx = COLUMNS.map((c) => header.indexOf(c));
  const missing = COLUMNS.filter((_, k) => idx[k] < 0);
  if (missing.length > 0) {
    fail(li + 1, `the header row has no column named ${missing.map((m) => ['distancePercent', 'bidDepthUsd', 'askDepthUsd'][COLUMNS.indexOf(m)]).join(', ')} — the first row must name the columns, e.g. "distancePercent,bidDepthUsd,askDepthUsd"`);
  }
  const names = ['distancePercent', 'bidDepthUsd', 'askDepthUsd'];
  const cols: number[][] = [[0], [0], [0]];
  let prevLine = 0;
  for (let k = li + 1; k < lines.length; k++) {
    const raw = lines[k];
    if (raw.trim() === '') continue;
    const line = k + 1;
    if (cols[0].length > MAX_DEPTH_ROWS) fail(line, `more than ${MAX_DEPTH_ROWS} rows — a depth table holds at most ${MAX_DEPTH_ROWS}`);
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length !== header.length) fail(line, `expected ${header.length} comma-separated values (${excerpt(header.join(','), 80).slice(1, -1)}), found ${cells.length}`);
    for (let c = 0; c < 3; c++) {
      const cell = cells[idx[c]];
      const v = NUMBER.test(cell) ? Number(cell) : NaN;
      const col = `column ${idx[c] + 1} (${names[c]})`;
      const max = c === 0 ? 100 : MAX_USD;
      if (!(Number.isFinite(v) && v > 0 && v <= max)) fail(line, `${col}: ${excerpt(cell)} is not allowed — ${c === 0 ? 'distances are percentages above 0 and at most 100' : `depths are positive amounts of USD, at most ${MAX_USD}`}`);
      const prev = cols[c][cols[c].length - 1];
      if (!(v > prev)) {
        fail(line, `${col}: ${excerpt(cell)} is not above the previous row's${prevLine ? ` (line ${prevLine})` : ''} — ${c === 0 ? 'distances' : 'cumulative depths'} must strictly increase down the table`);
      }
      cols[c].push(v);
    }
    prevLine = line;
  }
  if (cols[0].length < 2) fail(li + 1, 'the table has no rows — at least one row of depths is needed');
  return { file, sha256, distancePercent: Float64Array.from(cols[0]), bidDepthUsd: Float64Array.from(cols[1]), askDepthUsd: Float64Array.from(cols[2]) };
}

const readDepthFile = cachedFileReader<DepthTable>('depth CSV', MAX_DEPTH_BYTES);

/**
 * Reads and parses a depth CSV (cached by path, size and modification times). Refuses a file above
 * `MAX_DEPTH_BYTES` or one that is not a regular file, before parsing.
 * @throws UserError if the file cannot be read or is malformed
 */
export function readDepthCsv(absFile: string): DepthTable {
  return readDepthFile(absFile, (text, sha256) => parseDepthCsv(text, absFile, sha256));
}

/** Cumulative depth (USD) within `percent` of mid on one side, by linear interpolation (beyond the last row, the last segment's slope). */
export function depthWithin(distance: Float64Array, depth: Float64Array, percent: number): number {
  let k = 0;
  while (k < distance.length - 2 && distance[k + 1] < percent) k++;
  return depth[k] + ((percent - distance[k]) * (depth[k + 1] - depth[k])) / (distance[k + 1] - distance[k]);
}
