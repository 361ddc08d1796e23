/**
 * Writing a run's outputs: `results.json`, `index.html`, `figures/<chart>.svg` and the per-path exports
 * `paths.parquet` and `paths.csv` (src/report/exports.ts), all-or-nothing.
 * Everything is rendered in memory first, written into a temporary folder next to the target, then
 * moved into place as a whole, so a failure or a kill never leaves a half-written report or a folder
 * mixing two runs.
 */
import type { LeanResults, Results } from '../api/run.js';
import { renderReportFiles } from './html.js';
import { commitOutputFolder, type FileContent } from '../io/files.js';
import { PathTable } from '../mc/table.js';
import { pathExports, seriesExports, type SeriesLike } from './exports.js';
import { pathsPerBookOf } from '../scenario/sampling.js';

/**
 * JSON with one-space indentation, except that arrays of numbers, strings or booleans are written on
 * one line — so per-path columns and series stay compact (about 10 bytes a value) and the file stays
 * readable.
 */
export function compactJson(value: unknown): string {
  const json = JSON.stringify(value, null, 1);
  return json.replace(/\[\n\s*((?:-?[\d.eE+-]+|true|false|null|"(?:[^"\\\n]|\\.)*")(?:,\n\s*(?:-?[\d.eE+-]+|true|false|null|"(?:[^"\\\n]|\\.)*"))*)\n\s*\]/g, (_m, body: string) =>
    `[${body.replace(/,\n\s*/g, ',')}]`,
  );
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
    'results.json': resultsJson(r),
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
export function writeLeanRunOutputs(dir: string, r: LeanResults, table: PathTable, summaryMd: string): string[] {
  const files: Record<string, FileContent> = {
    'results.json': compactJson(r) + '\n',
    ...pathExports(table, { scenario: r.scenario.name, seed: r.seed, pathsPerBook: pathsPerBookOf(r.scenario) }),
    'summary.md': summaryMd,
  };
  return writeFilesAtomically(dir, files, RUN_OUTPUTS);
}

/** Rebuilds only the report (`index.html`, `figures/*.svg`) from saved results; returns the written paths. */
export async function writeReport(dir: string, r: Results, opts: { figures?: boolean } = {}): Promise<string[]> {
  return writeFilesAtomically(dir, await renderReportFiles(r, { ...opts, out: dir }), REPORT_OUTPUTS);
}
