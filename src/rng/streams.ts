/**
 * Seeded random streams. Every stream is derived from (scenario seed, path index, stream name) and
 * nothing else — never the worker, the clock or the order work is handed out — so a path's draws are
 * the same whatever the worker count, and two policies run on the same seed see the same price shocks
 * (the "price" stream is independent of every other stream).
 *
 * Built on seedrandom's Alea generator (fast, 2^116 period, well tested for simulation).
 */
import seedrandom from 'seedrandom';

/** A source of uniform variates in [0, 1). */
export interface Rng {
  (): number;
}

/** Named streams used by the engine; adding a stream never changes the draws of another. */
export type StreamName = 'price' | 'population' | 'behaviour' | (string & {});

/** Stream for (seed, path, name). `path = -1` is used for draws shared by every path. */
export function stream(seed: number, path: number, name: StreamName): Rng {
  const prng = seedrandom.alea(`marginlab/${seed}/${path}/${name}`);
  return () => prng.double();
}

/** Stream shared by every path of a run (e.g. the trader population). */
export function sharedStream(seed: number, name: StreamName): Rng {
  return stream(seed, -1, name);
}

/**
 * The stream path index of book b's shared draws — its accounts, ages, warm-up slots and warm-up
 * history — when books are redrawn per block of paths (scenario `sampling.pathsPerBook`): −1 − b.
 * Book 0 uses −1, the index every shared draw of a run has always used; no book shares a stream with
 * a path (paths are ≥ 0); and book b's draws depend only on (seed, b), so every policy compared on
 * the seed gets the same book b (common random numbers).
 */
export function bookStreamPath(book: number): number {
  if (!(Number.isInteger(book) && book >= 0)) throw new RangeError(`book index must be a whole number ≥ 0, got ${book}`);
  return -1 - book;
}
