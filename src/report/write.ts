/**
 * Writing a run's outputs: `results.json`, `index.html`, `figures/<chart>.svg` and the per-path exports
 * `paths.parquet` and `paths.csv` (src/report/exports.ts), all-or-nothing.
 * Everything is rendered in memory first, written into a temporary folder next to the target, then
 * moved into place as a whole, so a failure or a kill never leaves a half-written report or a folder
 * mixing two runs.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { LeanResults, Results } from '../api/run.js';
import { renderReportFiles } from './html.js';
import { commitOutputFolder, type FileContent } from '../io/files.js';
import { PathTable } from '../mc/table.js';
import { pathExports, seriesExports, type SeriesLike } from './exports.js';
import { pathsPerBookOf } from '../scenario/sampling.js';

/**
 * JSON with one-space indentation, except that arrays of numbers, strings or booleans are written on
 * one line — so per-path columns and series stay compact (about 10 bytes a value) and the file stays
 * readable. The same text as `JSON.stringify(value, null, 1)` with such arrays joined onto one line, written
 * directly: the indented form of a million-path column (and the regular expression that folded it) cost
 * about 7 KB a path at the peak (issue 26).
 */
export function compactJson(value: unknown): string {
  const out: string[] = [];
  writeJson(value, '', out);
  return out.join('');
}

/**
 * `compactJson(value) + '\n'` written to `file` in blocks of about a megabyte, never as one string: a large run's
 * results.json (about 235 bytes a path) is not held twice (parts and joined text) before it reaches the disk.
 */
export function compactJsonFile(value: unknown): (file: string) => void {
  return (file) => {
    const fd = openSync(file, 'w');
    try {
      const out = new FlushingParts(fd);
      writeJson(value, '', out);
      out.push('\n');
      out.flush();
    } finally {
      closeSync(fd);
    }
  };
}

/** Where JSON text goes: an array of parts, or parts written to a file a megabyte at a time. */
interface TextSink {
  push(...parts: string[]): unknown;
}

/** Text parts that are written to `fd` (and dropped) whenever they hold more than a megabyte. */
class FlushingParts implements TextSink {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly fd: number) {}
  push(...xs: string[]): void {
    for (const x of xs) {
      this.parts.push(x);
      this.size += x.length;
    }
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length > 0) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/** A value as JSON.stringify would see it: after toJSON; undefined for what it leaves out (undefined, functions, symbols). */
function jsonValue(v: unknown, key: string): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
  return v === undefined || typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
}

const isPrimitive = (v: unknown) => v === null || (typeof v !== 'object' && v !== undefined);

function writeJson(v: unknown, indent: string, out: TextSink): void {
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v) ?? 'null');
    return;
  }
  const inner = `${indent} `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push('[]');
      return;
    }
    const items = v.map((x, i) => jsonValue(x, String(i)) ?? null);
    if (items.every(isPrimitive)) {
      out.push('[', items.map((x) => JSON.stringify(x)).join(','), ']');
      return;
    }
    out.push('[\n');
    items.forEach((x, i) => {
      out.push(inner);
      writeJson(x, inner, out);
      out.push(i < items.length - 1 ? ',\n' : '\n');
    });
    out.push(indent, ']');
    return;
  }
  const entries: [string, unknown][] = [];
  for (const k of Object.keys(v)) {
    const x = jsonValue((v as Record<string, unknown>)[k], k);
    if (x !== undefined) entries.push([k, x]);
  }
  if (entries.length === 0) {
    out.push('{}');
    return;
  }
  out.push('{\n');
  entries.forEach(([k, x], i) => {
    out.push(inner, JSON.stringify(k), ': ');
    writeJson(x, inner, out);
    out.push(i < entries.length - 1 ? ',\n' : '\n');
  });
  out.push(indent, '}');
}

export function resultsJson(r: Results): string {
  return compactJson(r) + '\n';
}

/**
 * Writes `files` (name → content) as the folder `dir`, all-or-nothing (src/io/files.ts): the whole
 * folder is built next to `dir` and moved into place, so it never mixes two runs. Entries of an
 * existing `dir` not in `replace` (default: the names written) are kept.
 */
export function writeFilesAtomically(dir: string, files: Record<string, FileContent>, replace?: readonly string[]): string[] {
  return commitOutputFolder(dir, files, { replace });
}

/** What `marginlab run` writes into its folder (an earlier run's files of these names are replaced). */
export const RUN_OUTPUTS = ['results.json', 'index.html', 'summary.md', 'figures', 'paths.parquet', 'paths.csv', 'series.parquet'] as const;
/** What `marginlab report` writes (the results.json it was built from is kept). */
export const REPORT_OUTPUTS = ['index.html', 'summary.md', 'figures'] as const;

/**
 * Renders and writes a run's report folder (`results.json`, `index.html`, `figures/*.svg`); returns
 * the written paths. Everything is rendered before anything is written.
 */
export async function writeRunOutputs(dir: string, r: Results, opts: { figures?: boolean; table?: PathTable; /** Writes series.parquet: every sampled path's series (run --series-parquet). */ series?: readonly SeriesLike[] } = {}): Promise<string[]> {
  const files: Record<string, FileContent> = {
    ...(opts.series ? seriesExports(opts.series, { scenario: r.scenario.name, seed: r.seed, stepSeconds: r.scenario.stepSeconds }) : {}),
    'results.json': compactJsonFile(r),
    // without the run's exact table (a library caller), the per-path columns of results.json (cents, 10 digits)
    ...pathExports(opts.table ?? PathTable.fromColumns(r.paths), { scenario: r.scenario.name, seed: r.seed, pathsPerBook: pathsPerBookOf(r.scenario) }),
    ...(await renderReportFiles(r, { figures: opts.figures, out: dir })),
  };
  return writeFilesAtomically(dir, files, RUN_OUTPUTS);
}

/**
 * What `merge --no-inline-paths` writes for a run too large for per-path columns in JSON: results.json
 * without `paths`, summary.md, paths.parquet and paths.csv (streamed to disk). No index.html: the page
 * draws from the inline columns.
 */
export function writeLeanRunOutputs(dir: string, r: LeanResults, table: PathTable, summaryMd: string, series?: readonly SeriesLike[]): string[] {
  const files: Record<string, FileContent> = {
    'results.json': compactJsonFile(r),
    ...pathExports(table, { scenario: r.scenario.name, seed: r.seed, pathsPerBook: pathsPerBookOf(r.scenario) }),
    ...(series ? seriesExports(series, { scenario: r.scenario.name, seed: r.seed, stepSeconds: r.scenario.stepSeconds }) : {}),
    'summary.md': summaryMd,
  };
  return writeFilesAtomically(dir, files, RUN_OUTPUTS);
}

/** Rebuilds only the report (`index.html`, `figures/*.svg`) from saved results; returns the written paths. */
export async function writeReport(dir: string, r: Results, opts: { figures?: boolean } = {}): Promise<string[]> {
  return writeFilesAtomically(dir, await renderReportFiles(r, { ...opts, out: dir }), REPORT_OUTPUTS);
}
