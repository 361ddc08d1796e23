/**
 * What a command prints when it has finished: the verdict and scorecard on stdout — in words by
 * default, as JSON with `--json` (src/report/verdict.ts `Summary`: the same field names for run,
 * sweep, calibrate, compare, recommend and sensitivity, the output folder included) — and its warnings
 * and the files written on stderr.
 */
import { summaryText, type Summary } from '../report/verdict.js';
import { terminalSafe } from '../errors.js';

export function emitSummary(summary: Summary, json: boolean | undefined, written: string): void {
  // Names and paths from the user reach the verdict, warnings and the list of files: printed terminal-safe.
  process.stdout.write(json ? JSON.stringify(summary, null, 2) + '\n' : terminalSafe(summaryText(summary), { keepNewlines: true }));
  emitWarnings(summary, written);
}

/** A study's warnings, then the line naming what it wrote, on stderr (terminal-safe). */
export function emitWarnings(summary: Summary, written: string): void {
  process.stderr.write(terminalSafe(summary.warnings.map((w) => `warning: ${w}\n`).join('') + (written.endsWith('\n') ? written : written + '\n'), { keepNewlines: true }));
}
