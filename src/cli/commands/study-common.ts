/**
 * Pieces shared by the `sweep`, `calibrate` and `compare` commands: a progress bar showing points and
 * paths, and writing a study's JSON, HTML page and SVG figures all-or-nothing. Option parsers are in
 * ../args.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { defaultOutDir } from '../args.js';
import path from 'node:path';
import { terminalSafe } from '../../errors.js';
import cliProgress from 'cli-progress';
import type { PageOptions } from '../../report/page.js';
import type { StudyProgress } from '../../sweep/sweep.js';
import { summaryMarkdown, type Summary } from '../../report/verdict.js';
import type { FileContent } from '../../io/files.js';

export interface StudyBar {
  update: (p: StudyProgress) => void;
  stop: () => void;
}

/** A progress bar on stderr (points and paths) when it is a terminal; silent otherwise. */
export function studyProgress(stream: NodeJS.WriteStream = process.stderr): StudyBar {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'points {points} | paths {bar} {value}/{total} | {rate}/s | {label}',
      hideCursor: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  let started = false;
  return {
    update: (p) => {
      const payload = {
        points: p.points ? `${p.pointsDone}/${p.points}` : `${p.pointsDone}`,
        rate: ((p.pathsDone / Math.max(1e-3, (Date.now() - t0) / 1000)) | 0).toString(),
        label: p.label.length > 48 ? `${p.label.slice(0, 45)}...` : p.label,
      };
      if (!started) {
        bar.start(p.pathsTotal || p.pathsDone || 1, p.pathsDone, payload);
        started = true;
      } else {
        if (p.pathsTotal) bar.setTotal(p.pathsTotal);
        bar.update(p.pathsDone, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** The files a study command writes into its folder (besides points/ or variants/ for resuming). */
export const studyOutputs = (jsonName: string) => [jsonName, 'index.html', 'summary.md', 'figures'];

/**
 * Renders the page (and, unless `figures` is false, its SVG figures under figures/) and writes them
 * with the JSON (when given; `marginlab report` rebuilds from it and leaves it alone) and summary.md,
 * all-or-nothing. The report modules (vega) are loaded only here, so a command that fails on its input
 * fails fast.
 */
export async function writeStudy(
  dir: string,
  jsonName: string,
  json: unknown | undefined,
  page: () => Promise<PageOptions>,
  summary: Summary,
  figures = true,
  extra: Record<string, FileContent> = {},
): Promise<{ files: string[]; figures: number }> {
  const { renderFigures, renderPage } = await import('../../report/page.js');
  const { writeFilesAtomically } = await import('../../report/write.js');
  const opts = await page();
  const svgs = figures ? await renderFigures(opts.sections) : {};
  const files: Record<string, FileContent> = { 'index.html': renderPage(opts), 'summary.md': summaryMarkdown(summary), ...svgs, ...extra };
  if (json !== undefined) files[jsonName] = JSON.stringify(json, null, 1) + '\n';
  // figures/ is always replaced, so --no-figures never leaves an earlier run's figures beside the new page
  const written = writeFilesAtomically(dir, files, [...(json !== undefined ? studyOutputs(jsonName) : ['index.html', 'summary.md', 'figures']), ...Object.keys(extra)]);
  return { files: written.filter((f) => !f.includes(`${path.sep}figures${path.sep}`)), figures: Object.keys(svgs).length };
}

/** "wrote a, b and 12 figures". */
export function wroteLine(w: { files: string[]; figures: number }): string {
  return `wrote ${w.files.join(', ')}${w.figures ? ` and ${w.figures} figures` : ''}`;
}

/** An argument as a shell would need it typed again: quoted when it holds anything but plain characters. */
function shellWord(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/**
 * What a study command says around its simulation, on stderr: `onStart` (called by the study once its inputs
 * are checked and the folder opened, before any path runs) names the output folder — "sweep of NAME: writing
 * to OUT" and how many finished chunks it found there; while `run(fn)` runs, Ctrl-C (SIGINT) prints one line
 * saying what was kept and the command that resumes, and exits 130.
 */
export function studyLifecycle(command: string, name: string, out: string, note: string | null = null, argv: readonly string[] = process.argv.slice(2)) {
  return {
    onStart: (resumedChunks: number): void => {
      if (note) process.stderr.write(`${terminalSafe(note)}\n`);
      process.stderr.write(
        `${terminalSafe(`${command} of ${name}: writing to ${out}${resumedChunks ? `, resuming from ${resumedChunks} finished chunk${resumedChunks === 1 ? '' : 's'} saved there` : ''}`)}\n`,
      );
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      const onInt = (): void => {
        const kept = ['points', 'variants'].reduce((n, d) => {
          try {
            return n + readdirSync(path.join(out, d)).filter((f) => f.endsWith('.json')).length;
          } catch {
            return n;
          }
        }, 0);
        process.stderr.write(
          `\n${terminalSafe(`interrupted: ${kept} finished chunk${kept === 1 ? '' : 's'} kept in ${out}; resume with: marginlab ${[...argv, ...(argv.includes('--out') ? [] : ['--out', out])].map(shellWord).join(' ')}`)}\n`,
        );
        process.exit(130);
      };
      process.once('SIGINT', onInt);
      try {
        return await fn();
      } finally {
        process.removeListener('SIGINT', onInt);
      }
    },
  };
}

/**
 * The folder a study writes when no --out is given: reports/<name><suffix>, unless that holds a finished
 * study (its `jsonName`), which is never silently rewritten: then the first reports/<name><suffix>-2, -3, …
 * that holds no finished study (one holding unfinished work of this study resumes it), with a note saying
 * so. An --out the user gives is used as given (it resumes the same study, and refuses another).
 */
export function studyOutDir(name: string, suffix: string, jsonName: string, out: string | undefined): { out: string; note: string | null } {
  if (out !== undefined) return { out, note: null };
  const base = defaultOutDir(name, suffix);
  if (!existsSync(path.join(base, jsonName))) return { out: base, note: null };
  for (let k = 2; k < 10_000; k++) {
    const cand = defaultOutDir(`${name}${suffix}-${k}`);
    if (!existsSync(path.join(cand, jsonName))) {
      return { out: cand, note: `${base} holds a finished study; writing ${cand} (pass --out ${base} to reuse its points, or --out ${base} --fresh to replace it)` };
    }
  }
  throw new UserError(`${base}: 10,000 earlier studies of this name — pass --out`);
}
