/**
 * Reading OHLC candles (open, high, low, close per interval) as exchanges publish them, with one clear error per
 * malformed file: the file, the line number and what is wrong.
 *
 * Layouts accepted:
 * - a header row naming a time column (`open_time`, `timestamp`, `time` or `date`) and `open`, `high`, `low`,
 *   `close` in any order (other columns ignored; names case-insensitive);
 * - Binance's kline files as downloaded, without a header: `open_time, open, high, low, close, volume, …`.
 * Times are ISO-8601, unix seconds, milliseconds (Binance) or microseconds (Binance spot since 2025); they must
 * strictly increase. Prices must be positive with low ≤ open, close ≤ high.
 *
 * Messages never echo the file (cells are quoted through `excerpt`). Files above `MAX_CSV_BYTES` are refused
 * before parsing; a parsed file is cached by path, size and modification times.
 */
import { createHash } from 'node:crypto';
import { cachedFileReader, csvHeader, excerpt, MAX_CSV_BYTES, parseTimestamp } from './price-csv.js';

export interface Candles {
  /** The absolute path the data was read from. */
  readonly file: string;
  /** SHA-256 (hex) of the file's bytes. */
  readonly sha256: string;
  /** Open time of each candle, unix seconds, strictly increasing. */
  readonly timesSeconds: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

const TIME_NAMES = ['open_time', 'timestamp', 'time', 'date'];
const PRICE_NAMES = ['open', 'high', 'low', 'close'] as const;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Parses candle CSV text. `file` is only used in messages. O(n) in the rows.
 * @throws UserError naming the file and line of the first problem
 */
export function parseCandleCsv(text: string, file: string, sha256 = createHash('sha256').update(text).digest('hex')): Candles {
  const { lines, headerIndex, header, fail } = csvHeader(text, file, 'the file is empty — expected OHLC candles (a header "open_time,open,high,low,close" or Binance kline rows)');
  // A first row that starts with a number is data: Binance's kline layout without a header.
  const headerless = NUMBER.test(header[0] ?? '');
  let ti: number;
  let cols: number[];
  let first: number;
  if (headerless) {
    if (header.length < 5) fail(headerIndex + 1, `found ${header.length} columns without a header — Binance kline rows have open_time,open,high,low,close,… (at least 5 columns)`);
    ti = 0;
    cols = [1, 2, 3, 4];
    first = headerIndex;
  } else {
    ti = header.findIndex((h) => TIME_NAMES.includes(h));
    cols = PRICE_NAMES.map((n) => header.indexOf(n));
    const missing = [...(ti < 0 ? ['a time column (open_time, timestamp, time or date)'] : []), ...PRICE_NAMES.filter((_, k) => cols[k] < 0)];
    if (missing.length) fail(headerIndex + 1, `the header row has no ${missing.join(', ')} — candles need open_time,open,high,low,close`);
    first = headerIndex + 1;
  }
  const width = header.length;
  const t: number[] = [];
  const px: number[][] = [[], [], [], []];
  let lastLine = 0;
  for (let k = first; k < lines.length; k++) {
    const raw = lines[k];
    if (raw.trim() === '') continue;
    const line = k + 1;
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length !== width) fail(line, `expected ${width} comma-separated values, found ${cells.length}`);
    const ts = parseTimestamp(cells[ti]);
    if (typeof ts === 'string') fail(line, `column ${ti + 1}: ${ts}`);
    const v = cols.map((c, j) => {
      const x = NUMBER.test(cells[c]) ? Number(cells[c]) : NaN;
      if (!(Number.isFinite(x) && x > 0)) fail(line, `column ${c + 1}: ${PRICE_NAMES[j]} ${excerpt(cells[c])} is not allowed — prices must be positive numbers`);
      return x;
    });
    const [o, h, l, c] = v;
    if (!(l <= Math.min(o, c) && Math.max(o, c) <= h)) fail(line, `low ${l}, open ${o}, close ${c}, high ${h}: a candle needs low ≤ open, close ≤ high`);
    if (t.length > 0 && !((ts as number) > t[t.length - 1])) fail(line, `column ${ti + 1}: time ${excerpt(cells[ti])} is not after the previous row's (line ${lastLine}) — times must strictly increase`);
    t.push(ts as number);
    v.forEach((x, j) => px[j].push(x));
    lastLine = line;
  }
  if (t.length < 2) fail(lastLine || headerIndex + 1, `found ${t.length} candle${t.length === 1 ? '' : 's'} — at least two are needed`);
  return {
    file,
    sha256,
    timesSeconds: Float64Array.from(t),
    open: Float64Array.from(px[0]),
    high: Float64Array.from(px[1]),
    low: Float64Array.from(px[2]),
    close: Float64Array.from(px[3]),
  };
}

const readCandleFile = cachedFileReader<Candles>('candle CSV', MAX_CSV_BYTES);

/**
 * Reads and parses a candle CSV (cached by path, size and modification times); refuses a file above
 * `MAX_CSV_BYTES` or one that is not a regular file before parsing.
 * @throws UserError if the file cannot be read or is malformed
 */
export function readCandleCsv(absFile: string): Candles {
  return readCandleFile(absFile, (text, sha256) => parseCandleCsv(text, absFile, sha256));
}
