/**
 * Writing a run's outputs: `results.json` and `index.html`, all-or-nothing. Everything is rendered in
 * memory first, written to temporary files in the target folder, then renamed into place, so a failure
 * never leaves a half-written report.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Results } from '../api/run.js';
import { renderHtml } from './html.js';
import { UserError } from '../errors.js';

export function resultsJson(r: Results): string {
  return JSON.stringify(r, null, 1) + '\n';
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

/** Renders and writes a run's report folder; returns the written paths. */
export function writeRunOutputs(dir: string, r: Results): string[] {
  const files: Record<string, string> = {
    'results.json': resultsJson(r),
    'index.html': renderHtml(r),
  };
  return writeFilesAtomically(dir, files);
}
