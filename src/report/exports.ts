/**
 * Columnar exports of per-path records: `paths.parquet` and `paths.csv`, one row per path, one typed
 * column per field (docs/results.md "paths.parquet and paths.csv"), so pandas, polars and DuckDB read
 * a run without flattening results.json. Values are the engine's float64s at full precision (results.json
 * rounds USD to cents and other reals to 10 significant digits); whole-number fields are INT32, flags
 * BOOLEAN, per-market arrays one column per market (`liquidatedNotionalByMarketUsd_0`, …), and with books
 * redrawn per block a `book` column (⌊pathIndex / pathsPerBook⌋). Written with hyparquet-writer
 * (pure JavaScript, no native code), SNAPPY-compressed, in row groups of 100,000 paths.
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { ParquetWriter, ByteWriter } from 'hyparquet-writer';
import type { PathTable } from '../mc/table.js';
import { columnNames } from '../mc/table.js';

/** Parquet physical types of the export's columns. */
export type ExportType = 'INT32' | 'DOUBLE' | 'BOOLEAN' | 'STRING';

export interface ExportColumn {
  name: string;
  type: ExportType;
  /** Values, one per row (numbers for INT32/DOUBLE, 0/1 for BOOLEAN, strings for STRING). */
  values: ArrayLike<number> | readonly string[];
}

/** The columns of the per-path export, in field order (`book` after pathIndex when books are redrawn). */
function pathExportColumns(t: PathTable, pathsPerBook?: number): ExportColumn[] {
  const out: ExportColumn[] = [];
  for (const f of t.fields) {
    for (const name of columnNames(f)) {
      out.push({ name, type: f.kind === 'int' ? 'INT32' : f.kind === 'bool' ? 'BOOLEAN' : 'DOUBLE', values: t.col(name) });
      if (name === 'pathIndex' && pathsPerBook) {
        out.push({ name: 'book', type: 'INT32', values: Float64Array.from(t.col('pathIndex'), (p) => Math.floor(p / pathsPerBook)) });
      }
    }
  }
  return out;
}

const ROW_GROUP = 100_000;

function columnData(cols: readonly ExportColumn[], from: number, to: number) {
  return cols.map((c) => {
    const v = c.values;
    let data: Int32Array | Float64Array | boolean[] | string[];
    if (c.type === 'INT32') data = Int32Array.from({ length: to - from }, (_, i) => (v as ArrayLike<number>)[from + i]);
    else if (c.type === 'DOUBLE') data = Float64Array.from({ length: to - from }, (_, i) => (v as ArrayLike<number>)[from + i]);
    else if (c.type === 'BOOLEAN') data = Array.from({ length: to - from }, (_, i) => (v as ArrayLike<number>)[from + i] !== 0);
    else data = Array.from({ length: to - from }, (_, i) => (v as readonly string[])[from + i]);
    return { name: c.name, data, type: c.type, nullable: false };
  });
}

/** hyparquet-writer's in-memory writer, flushed to `fd` whenever it holds more than 1 MB (a Parquet file is written front to back). */
function fileSink(fd: number): ByteWriter {
  const w = new ByteWriter();
  const flush = () => {
    if (w.index > 0) writeSync(fd, new Uint8Array(w.buffer, 0, w.index));
    w.index = 0;
  };
  const ensure = w.ensure.bind(w);
  w.ensure = (size: number) => {
    if (w.index > 1_000_000) flush();
    ensure(size);
  };
  w.finish = () => flush();
  return w;
}

/** Writes the columns (all of one length) as a Parquet file, a row group at a time, streaming to disk. */
function writeParquet(file: string, cols: readonly ExportColumn[], meta: Record<string, string> = {}): void {
  const n = cols[0]?.values.length ?? 0;
  const fd = openSync(file, 'w');
  try {
    const writer = fileSink(fd);
    const schema = [
      { name: 'root', num_children: cols.length },
      ...cols.map((c) =>
        c.type === 'STRING' ? { name: c.name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const } : { name: c.name, type: c.type, repetition_type: 'REQUIRED' as const },
      ),
    ];
    const pw = new ParquetWriter({ writer, schema, kvMetadata: Object.entries(meta).map(([key, value]) => ({ key, value })), createdBy: 'marginlab' });
    for (let from = 0; from < n; from += ROW_GROUP) {
      const to = Math.min(n, from + ROW_GROUP);
      void pw.write({ columnData: columnData(cols, from, to), rowGroupSize: to - from });
    }
    pw.finish();
  } finally {
    closeSync(fd);
  }
}

/** A CSV value: integers as written, reals in the shortest form that reads back to the same float64, flags true/false. */
function csvValue(c: ExportColumn, i: number): string {
  if (c.type === 'STRING') {
    const s = (c.values as readonly string[])[i];
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }
  const v = (c.values as ArrayLike<number>)[i];
  if (c.type === 'BOOLEAN') return v !== 0 ? 'true' : 'false';
  return Number.isNaN(v) ? '' : String(v);
}

/** Writes the columns as CSV: a header row of names, one row per value index, `\n` line ends; streamed in blocks of rows. */
function writeCsv(file: string, cols: readonly ExportColumn[]): void {
  const n = cols[0]?.values.length ?? 0;
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, cols.map((c) => c.name).join(',') + '\n');
    for (let from = 0; from < n; from += 10_000) {
      const lines: string[] = [];
      for (let i = from; i < Math.min(n, from + 10_000); i++) lines.push(cols.map((c) => csvValue(c, i)).join(','));
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
}

/** paths.parquet and paths.csv of a run's records, as functions that write them (src/io/files.ts `FileContent`). */
export function pathExports(t: PathTable, meta: { scenario: string; seed: number; pathsPerBook?: number }): { 'paths.parquet': (file: string) => void; 'paths.csv': (file: string) => void } {
  const cols = pathExportColumns(t, meta.pathsPerBook);
  return {
    'paths.parquet': (file) => writeParquet(file, cols, { 'marginlab.scenario': meta.scenario, 'marginlab.seed': String(meta.seed) }),
    'paths.csv': (file) => writeCsv(file, cols),
  };
}

/** One row of a study's points export. */
interface PointRow {
  point: number;
  label: string;
  params: Record<string, number>;
  metric: string;
  est: { estimate: number; lower: number | null; upper: number | null; n: number };
  diff?: { estimate: number; lower: number; upper: number; pValue: number; significant: boolean } | null;
}

const num = (x: number | null | undefined) => (x === null || x === undefined ? NaN : x);

function pointColumns(rows: PointRow[], params: string[], pointName: string): ExportColumn[] {
  return [
    { name: pointName, type: 'INT32', values: rows.map((r) => r.point) },
    { name: 'label', type: 'STRING', values: rows.map((r) => r.label) },
    ...params.map((p): ExportColumn => ({ name: p, type: 'DOUBLE', values: rows.map((r) => r.params[p]) })),
    { name: 'metric', type: 'STRING', values: rows.map((r) => r.metric) },
    { name: 'estimate', type: 'DOUBLE', values: rows.map((r) => r.est.estimate) },
    { name: 'lower', type: 'DOUBLE', values: rows.map((r) => num(r.est.lower)) },
    { name: 'upper', type: 'DOUBLE', values: rows.map((r) => num(r.est.upper)) },
    { name: 'paths', type: 'INT32', values: rows.map((r) => r.est.n) },
    { name: 'differenceFromBaseline', type: 'DOUBLE', values: rows.map((r) => num(r.diff?.estimate)) },
    { name: 'differenceLower', type: 'DOUBLE', values: rows.map((r) => num(r.diff?.lower)) },
    { name: 'differenceUpper', type: 'DOUBLE', values: rows.map((r) => num(r.diff?.upper)) },
    { name: 'differencePValue', type: 'DOUBLE', values: rows.map((r) => num(r.diff?.pValue)) },
    { name: 'differenceSignificant', type: 'BOOLEAN', values: rows.map((r) => (r.diff?.significant ? 1 : 0)) },
  ];
}

/** The shape of a sweep result the export reads (src/sweep/sweep.ts SweepResult). */
export interface SweepLike {
  params: { path: string }[];
  metrics: { key: string }[];
  points: { index: number; label: string; values: Record<string, number>; estimates: Record<string, ExportEstimate>; differences: { baseline: Record<string, ExportDifference> | null } }[];
}
/** The shape of a comparison result the export reads (src/sweep/compare.ts ComparisonResult). */
export interface ComparisonLike {
  metrics: { key: string }[];
  variants: { name: string; estimates: Record<string, ExportEstimate> }[];
  differences: { variant: string; metrics: Record<string, ExportDifference & { significantHolm: boolean; holm?: { lower: number; upper: number }; notApplicable?: string }> }[];
}
type ExportEstimate = { estimate: number; lower: number | null; upper: number | null; n: number };
type ExportDifference = { estimate: number; lower: number; upper: number; pValue: number; significant: boolean };

/**
 * points.parquet and points.csv of a sweep: one row per point × metric — the point's index, label and
 * parameter values, the metric's estimate with its 95% interval (NaN for an open bound) and paths, and
 * the paired difference from the baseline point (NaN on the baseline itself).
 */
export function sweepPointExports(r: SweepLike): { 'points.parquet': (file: string) => void; 'points.csv': (file: string) => void } {
  const rows: PointRow[] = r.points.flatMap((p) =>
    r.metrics.map((m) => ({ point: p.index, label: p.label, params: p.values, metric: m.key, est: p.estimates[m.key], diff: p.differences.baseline?.[m.key] ?? null })),
  );
  const cols = pointColumns(
    rows,
    r.params.map((p) => p.path),
    'point',
  );
  return { 'points.parquet': (f) => writeParquet(f, cols), 'points.csv': (f) => writeCsv(f, cols) };
}

/** points.parquet and points.csv of a comparison: one row per variant × metric (differences from the baseline with their Holm-adjusted intervals; significance after Holm). */
export function comparisonPointExports(r: ComparisonLike): { 'points.parquet': (file: string) => void; 'points.csv': (file: string) => void } {
  const diffs = new Map(r.differences.map((d) => [d.variant, d.metrics]));
  const rows: PointRow[] = r.variants.flatMap((v, i) =>
    r.metrics.map((m) => {
      const d = diffs.get(v.name)?.[m.key];
      // the Holm-adjusted interval, which excludes 0 exactly when significantHolm; none for a metric not applicable to a side
      const diff = d && !d.notApplicable ? { ...d, lower: d.holm?.lower ?? d.lower, upper: d.holm?.upper ?? d.upper, significant: d.significantHolm } : null;
      return { point: i, label: v.name, params: {}, metric: m.key, est: v.estimates[m.key], diff };
    }),
  );
  const cols = pointColumns(rows, [], 'variant');
  return { 'points.parquet': (f) => writeParquet(f, cols), 'points.csv': (f) => writeCsv(f, cols) };
}

/** The shape of a recommendation the export reads (src/sweep/recommend.ts RecommendationResult). */
export interface RecommendationLike {
  marketTarget: { metric: string };
  venueTarget: { metric: string } | null;
  evaluated: {
    order: number;
    fund: number | null;
    values: Record<string, number>;
    scenarios: { name: string; markets: { metric: ExportEstimate }[]; venue: { metric: ExportEstimate } | null }[];
  }[];
  recommended: { markets: { name: string }[] } | null;
  scenario: { market: { name: string }; otherMarkets: { name: string }[] };
}

/**
 * points.parquet and points.csv of a recommendation: one row per evaluated joint point × scenario × target
 * (each market's, then the venue's) — the point's order, the scenario's name as its label, every lever and
 * fund value set, the target's name ("<market>: <metric>" or "venue: <metric>"), the estimate with the
 * interval at the level it was tested at (NaN for an open bound) and its paths.
 */
export function recommendPointExports(r: RecommendationLike): { 'points.parquet': (file: string) => void; 'points.csv': (file: string) => void } {
  const names = [r.scenario.market.name, ...r.scenario.otherMarkets.map((m) => m.name)];
  const params = [...new Set(r.evaluated.flatMap((p) => Object.keys(p.values)))];
  const rows: PointRow[] = r.evaluated.flatMap((p) =>
    p.scenarios.flatMap((s) => [
      ...s.markets.map((m, i) => ({ point: p.order, label: s.name, params: p.values, metric: `${names[i]}: ${r.marketTarget.metric}`, est: m.metric, diff: null })),
      ...(s.venue && r.venueTarget ? [{ point: p.order, label: s.name, params: p.values, metric: `venue: ${r.venueTarget.metric}`, est: s.venue.metric, diff: null }] : []),
    ]),
  );
  // a point that does not set a lever (the scenario's own rules) has NaN there
  const cols = pointColumns(
    rows.map((row) => ({ ...row, params: Object.fromEntries(params.map((k) => [k, row.params[k] ?? NaN])) })),
    params,
    'point',
  ).filter((c) => !c.name.startsWith('difference'));
  return { 'points.parquet': (f) => writeParquet(f, cols), 'points.csv': (f) => writeCsv(f, cols) };
}

/** The shape of a calibration result the export reads (src/sweep/calibrate.ts CalibrationResult). */
export interface CalibrationLike {
  param: string;
  target: { metric: string };
  evaluated: { value: number; order: number; phase: string; looks: number; decision: string; metric: ExportEstimate & { level?: number } }[];
}

/**
 * points.parquet and points.csv of a calibration: one row per evaluated value, in the order the search
 * evaluated them — the value (a column named by the parameter's path), the target metric's estimate with
 * the interval its decision used (and that interval's level), the paths, the looks, the phase (grid or
 * bisection) and the decision (meets, fails, undecided).
 */
export function calibrationPointExports(r: CalibrationLike): { 'points.parquet': (file: string) => void; 'points.csv': (file: string) => void } {
  const ev = [...r.evaluated].sort((a, b) => a.order - b.order);
  const rows: PointRow[] = ev.map((e) => ({ point: e.order, label: `${r.param} = ${e.value}`, params: { [r.param]: e.value }, metric: r.target.metric, est: e.metric }));
  const cols: ExportColumn[] = [
    ...pointColumns(rows, [r.param], 'order').filter((c) => !c.name.startsWith('difference')),
    { name: 'level', type: 'DOUBLE', values: ev.map((e) => num(e.metric.level)) },
    { name: 'looks', type: 'INT32', values: ev.map((e) => e.looks) },
    { name: 'phase', type: 'STRING', values: ev.map((e) => e.phase) },
    { name: 'decision', type: 'STRING', values: ev.map((e) => e.decision) },
  ];
  return { 'points.parquet': (f) => writeParquet(f, cols), 'points.csv': (f) => writeCsv(f, cols) };
}

/** The per-path series of a run's sampled paths, as the engine records them (src/engine/results.ts PathSeries). */
export interface SeriesLike {
  pathIndex: number;
  series: { steps: ArrayLike<number>; fundamentalUsd: ArrayLike<number>; markUsd: ArrayLike<number>; liquidatedLongUsd: ArrayLike<number>; liquidatedShortUsd: ArrayLike<number>; openInterestUsd: ArrayLike<number>; insuranceFundUsd: ArrayLike<number> };
}

/** The key series written to series.parquet, in column order after pathIndex, step and timeSeconds. */
export const SERIES_COLUMNS = ['fundamentalUsd', 'markUsd', 'liquidatedLongUsd', 'liquidatedShortUsd', 'openInterestUsd', 'insuranceFundUsd'] as const;

/**
 * series.parquet of a run (`marginlab run --series-parquet`): one row per sampled path × series point, in
 * path order — pathIndex, step, timeSeconds (step × stepSeconds), the index (fundamental) and mark prices,
 * the liquidated long and short notional since the previous point, open interest and the insurance fund.
 * The sampled paths are paths 0 … min(output.seriesSamplePaths, paths) − 1, at output.seriesPoints points each.
 */
export function seriesExports(series: readonly SeriesLike[], meta: { scenario: string; seed: number; stepSeconds: number }): { 'series.parquet': (file: string) => void } {
  const n = series.reduce((a, s) => a + s.series.steps.length, 0);
  const pathIndex = new Int32Array(n);
  const step = new Int32Array(n);
  const time = new Float64Array(n);
  const values = Object.fromEntries(SERIES_COLUMNS.map((c) => [c, new Float64Array(n)])) as Record<(typeof SERIES_COLUMNS)[number], Float64Array>;
  let i = 0;
  for (const s of [...series].sort((a, b) => a.pathIndex - b.pathIndex)) {
    for (let k = 0; k < s.series.steps.length; k++, i++) {
      pathIndex[i] = s.pathIndex;
      step[i] = s.series.steps[k];
      time[i] = s.series.steps[k] * meta.stepSeconds;
      for (const c of SERIES_COLUMNS) values[c][i] = s.series[c][k];
    }
  }
  const cols: ExportColumn[] = [
    { name: 'pathIndex', type: 'INT32', values: pathIndex },
    { name: 'step', type: 'INT32', values: step },
    { name: 'timeSeconds', type: 'DOUBLE', values: time },
    ...SERIES_COLUMNS.map((c): ExportColumn => ({ name: c, type: 'DOUBLE', values: values[c] })),
  ];
  return { 'series.parquet': (f) => writeParquet(f, cols, { 'marginlab.scenario': meta.scenario, 'marginlab.seed': String(meta.seed) }) };
}
