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
