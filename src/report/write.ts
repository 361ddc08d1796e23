/**
 * Writing a run's outputs: `results.json`, `index.html` and `figures/<chart>.svg`, all-or-nothing. Everything is rendered in
 * memory first, written to temporary files in the target folder, then renamed into place, so a failure
 * never leaves a half-written report.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../api/run.js';
import { renderReportFiles } from './html.js';
import { UserError } from '../errors.js';

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

/** Writes `files` (name → content) into `dir` atomically per file, after all are rendered. */
export function writeFilesAtomically(dir: string, files: Record<string, string | Uint8Array>): string[] {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`--out ${dir}: cannot create the output folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const tmp: [string, string][] = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      const final = path.join(dir, name);
      const t = `${final}.tmp-${process.pid}`;
      mkdirSync(path.dirname(final), { recursive: true });
      writeFileSync(t, content);
      tmp.push([t, final]);
    }
    for (const [t, final] of tmp) renameSync(t, final);
  } catch (e) {
    for (const [t] of tmp) rmSync(t, { force: true });
    throw e;
  }
  return tmp.map(([, f]) => f);
}

/**
 * Renders and writes a run's report folder (`results.json`, `index.html`, `figures/*.svg`); returns
 * the written paths. Everything is rendered before anything is written.
 */
export async function writeRunOutputs(dir: string, r: Results): Promise<string[]> {
  const files: Record<string, string> = { 'results.json': resultsJson(r), ...(await renderReportFiles(r)) };
  return writeFilesAtomically(dir, files);
}

/** Rebuilds only the report (`index.html`, `figures/*.svg`) from saved results; returns the written paths. */
export async function writeReport(dir: string, r: Results): Promise<string[]> {
  return writeFilesAtomically(dir, await renderReportFiles(r));
}
