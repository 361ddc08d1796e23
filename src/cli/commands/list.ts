/**
 * `marginlab list [folder]`: the saved outputs under a folder (default `reports/`) — runs, sweeps,
 * calibrations, comparisons, recommendations, sensitivities — one line each with its headline figures, newest first; `--json` prints
 * each one's summary (the same shape every command prints with `--json`). A folder that cannot be read
 * is listed as such rather than stopping the list.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { terminalSafe, UserError } from '../../errors.js';
import { fmtInt } from '../../report/format.js';
import type { Summary } from '../../report/verdict.js';
import { findOutputFolders, KINDS, loadSaved, summaryOfSaved, type SavedKind } from '../saved.js';

interface Row {
  dir: string;
  kind: SavedKind;
  modified: Date;
  summary: Summary | null;
  error: string | null;
}

/** The figures a line of the list shows for each kind. */
function headline(s: Summary): string {
  const pick = (...keys: string[]) => keys.map((k) => s.figures.find((f) => f.key === k)).filter((f) => f !== undefined);
  switch (s.command) {
    case 'run':
      return pick('probBadDebt', 'badDebtUsd.mean', 'probFundExhausted')
        .map((f) => `${f.label} ${f.text.replace(/ \(95% CI .*\)$/, '')}`)
        .join(' · ');
    case 'calibrate':
      return s.sentences[0]?.text.replace(/:.*$/, '') ?? '';
    case 'sensitivity':
      return s.verdict; // the metric at the scenario's values, then the lever that moves it most
    default:
      return s.sentences[0]?.text ?? '';
  }
}

function clip(x: string, n: number): string {
  return x.length <= n ? x : `${x.slice(0, n - 1)}…`;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list saved runs, sweeps, calibrations, comparisons, recommendations and sensitivities with their headline figures')
    .argument('[folder]', 'folder holding output folders', 'reports')
    .option('--json', 'print every summary as JSON (an array) on stdout')
    .action((folder: string, opts: { json?: boolean }) => {
      let found;
      try {
        found = findOutputFolders(folder);
      } catch (e) {
        throw e instanceof UserError ? e : new UserError(`${folder}: cannot be read (${(e as Error).message})`);
      }
      const rows: Row[] = found.map(({ dir, kind }) => {
        const modified = statSync(path.join(dir, KINDS[kind].file)).mtime;
        try {
          return { dir, kind, modified, summary: summaryOfSaved(loadSaved(dir), dir), error: null };
        } catch (e) {
          return { dir, kind, modified, summary: null, error: (e as Error).message };
        }
      });
      rows.sort((a, b) => b.modified.getTime() - a.modified.getTime() || a.dir.localeCompare(b.dir));
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows.map((r) => ({ folder: r.dir, kind: r.kind, modified: r.modified.toISOString(), summary: r.summary, error: r.error })), null, 2) + '\n');
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(terminalSafe(`no saved runs in ${folder} (marginlab run, sweep, calibrate, compare, recommend and sensitivity write their folders there)\n`, { keepNewlines: true }));
        return;
      }
      const w = Math.min(40, Math.max(...rows.map((r) => r.dir.length)));
      const kw = Math.max(9, ...rows.map((r) => r.kind.length));
      const pad = (x: string, n: number) => (x.length >= n ? x : x + ' '.repeat(n - x.length));
      const lines = rows.map((r) => {
        const when = r.modified.toISOString().slice(0, 16).replace('T', ' ');
        const what = r.summary ? `${fmtInt(r.summary.paths)} paths  ${headline(r.summary)}` : `unreadable: ${r.error}`;
        return `${pad(r.dir, w)}  ${pad(r.kind, kw)}  ${when}  ${clip(what, 160)}`;
      });
      process.stdout.write(terminalSafe(`${pad('folder', w)}  ${pad('kind', kw)}  ${pad('saved (UTC)', 16)}  headline\n${lines.join('\n')}\n`, { keepNewlines: true }));
    });
}
