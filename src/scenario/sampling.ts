/**
 * The block of paths that share one trader book (scenario `sampling.pathsPerBook`), resolved for a
 * scenario's path count. Free of the schema's validators so the browser's what-if bundle can use it.
 */
import type { Scenario } from './schema.js';
import { UserError } from '../errors.js';

/**
 * Studies (sweep, calibrate, compare) run every point on the same paths (common random numbers), so a
 * precision target, which lets each run choose its own path count, is `run`'s alone.
 * @throws UserError naming the field and what to do instead
 */
export function refusePrecisionInStudy(sc: Pick<Scenario, 'sampling'>, command: string, source: string): void {
  if (sc.sampling?.precision === undefined) return;
  throw new UserError(
    `${source}: sampling.precision is read by run only — ${command} runs every point on the same paths (common random numbers), so the path count cannot vary by point; remove it and set paths (a run --precision of the baseline tells how many)`,
  );
}

/**
 * The number of paths per book a scenario runs with (`sampling.pathsPerBook` resolved for its
 * `paths`), or undefined when every path shares one book (`all`, or a snapshot under `auto`).
 */
export function pathsPerBookOf(sc: Pick<Scenario, 'paths' | 'sampling' | 'traders'>): number | undefined {
  const n = sc.sampling?.pathsPerBook ?? 'auto';
  if (n === 'all') return undefined;
  if (n === 'auto') {
    if (sc.traders.snapshot !== undefined) return undefined;
    return autoPathsPerBook(sc.paths);
  }
  return n;
}

/**
 * The default block size for P paths: max(2, min(⌊P / 50⌋, ⌈√P⌉)) — at least 50 books from 100 to
 * 2,500 paths, about √P books of √P paths above, never fewer than 2 paths a book
 * (docs/methodology.md §2 gives the reasons and the cost).
 */
export function autoPathsPerBook(paths: number): number {
  return Math.max(2, Math.min(Math.floor(paths / 50), Math.ceil(Math.sqrt(paths))));
}
