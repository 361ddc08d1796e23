/**
 * Option parsers and options shared by every command. Each parser fails with a one-line
 * `InvalidArgumentError` naming the flag, the value and what is allowed (the CLI exits 2).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { defaultWorkers } from '../mc/runner.js';
import { UserError } from '../errors.js';

export function intArg(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name}: ${JSON.stringify(v)} is not allowed — expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function numberArg(name: string, check: (x: number) => boolean, allowed: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${name}: ${JSON.stringify(v)} is not allowed — ${allowed}`);
    return n;
  };
}

/** Collects a repeatable option into a list. */
export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

/** `lo..hi` → [lo, hi]. Throws `InvalidArgumentError`. */
export function rangeArg(v: string): [number, number] {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*\.\.\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*$/i.exec(v);
  if (!m) throw new InvalidArgumentError(`--range: ${JSON.stringify(v)} is not allowed — expected lo..hi with lo < hi, e.g. 0.005..0.05`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (!(lo < hi)) throw new InvalidArgumentError(`--range: ${JSON.stringify(v)} is an empty range — allowed: lo..hi with lo < hi, e.g. 0.005..0.05`);
  return [lo, hi];
}

/** Most worker threads `--workers` accepts: 4 × the available cores (each thread costs 6–8 MiB and a share of the CPU). */
const WORKERS_PER_CORE = 4;
function maxWorkers(): number {
  return WORKERS_PER_CORE * Math.max(1, availableParallelism());
}

/** `--workers <n>`: worker threads, 0 = the calling thread, at most 4 × the available cores. */
export function workersOption(): Option {
  const cores = Math.max(1, availableParallelism());
  const max = maxWorkers();
  const parse = intArg('--workers', 0, max);
  return new Option('--workers <n>', `worker threads (default: available cores, here ${defaultWorkers()}; 0 = this thread; at most ${max})`).argParser((v: string) => {
    try {
      return parse(v);
    } catch {
      throw new InvalidArgumentError(
        `--workers: ${JSON.stringify(v)} is not allowed — expected a whole number from 0 to ${max} (${WORKERS_PER_CORE} × the ${cores} available core${cores === 1 ? '' : 's'}; 0 runs in this thread)`,
      );
    }
  });
}

/** `--allow-any-path`: let a scenario read data files outside its own folder. */
export function allowAnyPathOption(): Option {
  return new Option('--allow-any-path', "let the scenario's data files (a csv price model's file) be absolute paths or lie outside the scenario file's folder");
}

/**
 * The default output folder `reports/<name><suffix>`. The scenario schema already refuses names that
 * would escape; this checks again that the result is strictly inside reports/.
 */
export function defaultOutDir(name: string, suffix = ''): string {
  const out = path.join('reports', `${name}${suffix}`);
  const rel = path.relative(path.resolve('reports'), path.resolve(out));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || rel.includes(path.sep)) {
    throw new UserError(`name: ${JSON.stringify(name)} is not allowed — the report folder reports/<name> must be a folder inside reports/; use letters, digits, ".", "_" and "-"`);
  }
  return out;
}

/** `--seed <s>` with the given help text. */
export function seedOption(help = 'random seed (overrides the scenario)'): Option {
  return new Option('--seed <s>', help).argParser(intArg('--seed', 0, 2 ** 32 - 1));
}

/** `--json`: the verdict and scorecard as JSON on stdout — the same Summary fields for every command that writes one. */
export function summaryJsonOption(help = 'print the verdict and scorecard as JSON on stdout (the same fields for every command)'): Option {
  return new Option('--json', help);
}

/** `--no-figures` for the study commands. */
export function noFiguresOption(): Option {
  return new Option('--no-figures', 'skip the SVG copies of the charts (figures/); the HTML page is always written');
}
