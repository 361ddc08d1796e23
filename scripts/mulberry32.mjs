/**
 * The fixed-seed uniform generator of the synthetic-data scripts (make-synthetic-csv.mjs, make-synthetic-markets.mjs):
 * mulberry32, small and exactly reproducible, so each script rewrites its files byte for byte.
 * @returns a function giving uniforms in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
