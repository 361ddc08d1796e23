/** Types for the parts of `fmin` (Nelder–Mead) that src/stats/fit uses; the package ships none. */
declare module 'fmin' {
  export interface NelderMeadResult {
    /** Best point found. */
    x: number[];
    /** Function value there. */
    fx: number;
  }
  export interface NelderMeadParameters {
    maxIterations?: number;
    /** Initial simplex: a coordinate that is 0 is moved by this much (others are multiplied by nonZeroDelta). */
    zeroDelta?: number;
    nonZeroDelta?: number;
    /** Stops when the simplex's values differ by less than this and its points by less than this. */
    minErrorDelta?: number;
    minTolerance?: number;
  }
  export function nelderMead(f: (x: number[]) => number, x0: number[], parameters?: NelderMeadParameters): NelderMeadResult;
  const fmin: { nelderMead: typeof nelderMead };
  export default fmin;
}
