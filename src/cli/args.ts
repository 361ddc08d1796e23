/**
 * Option parsers and options shared by every command. Each parser fails with a one-line
 * `InvalidArgumentError` naming the flag, the value and what is allowed (the CLI exits 2).
 */
import { InvalidArgumentError, Option } from 'commander';
import { defaultWorkers } from '../mc/runner.js';

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

/** `--workers <n>`: worker threads, 0 = the calling thread. */
export function workersOption(): Option {
  return new Option('--workers <n>', `worker threads (default: available cores, here ${defaultWorkers()}; 0 = this thread)`).argParser(intArg('--workers', 0, 1024));
}

/** `--seed <s>` with the given help text. */
export function seedOption(help = 'random seed (overrides the scenario)'): Option {
  return new Option('--seed <s>', help).argParser(intArg('--seed', 0, 2 ** 32 - 1));
}

/** `--no-figures` for the study commands. */
export function noFiguresOption(): Option {
  return new Option('--no-figures', 'skip the SVG copies of the charts (figures/); the HTML page is always written');
}
