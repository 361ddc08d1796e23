/**
 * The correlation matrix of several markets' log returns, estimated from their price histories on the
 * timestamps they share — what a scenario's `correlation:` block needs (`marginlab fit --markets`).
 *
 * Alignment: for each pair of markets (or, by default, for all markets together) the timestamps present in
 * every file concerned are kept, then only those on the grid t₀ + k·Δ (Δ = `stepSeconds`, default the median
 * spacing of the common timestamps), and a return is taken between two kept timestamps exactly Δ apart
 * (a gap in any file drops that return rather than stretching it over a longer horizon). ρ̂ is Pearson's
 * correlation of the n aligned returns; its large-sample standard error under normality is (1 − ρ̂²)/√n.
 *
 * Positive semi-definiteness: estimated on one common sample, the matrix is PSD by construction. With
 * `pairwise` alignment (each pair on its own overlap: more data when the histories cover different
 * periods) it need not be; its smallest eigenvalue is reported, and an indefinite matrix is replaced by a
 * near one that is a valid correlation matrix (`nearestCorrelation`), with a warning. The engine's Cholesky
 * check (src/scenario/correlation.ts) is the test of validity used throughout.
 */
import { sampleCorrelation } from 'simple-statistics';
import { UserError } from '../../errors.js';
import { choleskyPsd } from '../../scenario/correlation.js';

/** One market's history: unix seconds (strictly increasing) and positive prices. */
export interface MarketHistory {
  readonly name: string;
  /** Shown in messages (a file's base name). */
  readonly file: string;
  readonly timesSeconds: Float64Array;
  readonly prices: Float64Array;
}

export interface CorrelationEstimate {
  names: string[];
  /** Spacing Δ of the aligned returns, seconds. */
  stepSeconds: number;
  alignment: 'common' | 'pairwise';
  /** n of each entry: aligned returns of the pair (the diagonal: of the market alone on the same rule). */
  observations: number[][];
  /** The matrix to use: the estimate, or its repair when the estimate was not PSD. Unit diagonal, symmetric. */
  matrix: number[][];
  /** The estimate before any repair. */
  estimated: number[][];
  /** (1 − ρ̂²)/√n per entry (0 on the diagonal). */
  standardErrors: number[][];
  /** Smallest eigenvalue of the estimate (negative: not PSD). */
  minEigenvalue: number;
  repaired: boolean;
  warnings: string[];
}

/** Fewest aligned returns a correlation is estimated from (its standard error is then ≤ 1/√30 ≈ 0.18). */
export const MIN_CORRELATION_RETURNS = 30;

const key = (t: number) => Math.round(t * 1000);

/** Median of the positive gaps between sorted keys (ms). */
function medianGapMs(keys: number[]): number {
  const d: number[] = [];
  for (let i = 1; i < keys.length; i++) d.push(keys[i] - keys[i - 1]);
  d.sort((a, b) => a - b);
  const n = d.length;
  return n % 2 ? d[(n - 1) / 2] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
}

/**
 * The log returns of `markets` on their shared timestamps one step apart: `returns[m][r]`, the same r for
 * every market. `stepMs` null = the median spacing of the shared timestamps. O(Σ rows).
 */
export function alignedLogReturns(markets: readonly MarketHistory[], stepMs: number | null): { returns: Float64Array[]; stepMs: number; shared: number } {
  const maps = markets.map((m) => {
    const mp = new Map<number, number>();
    for (let i = 0; i < m.timesSeconds.length; i++) mp.set(key(m.timesSeconds[i]), Math.log(m.prices[i]));
    return mp;
  });
  const shared: number[] = [];
  for (const k of maps[0].keys()) if (maps.every((mp) => mp.has(k))) shared.push(k);
  shared.sort((a, b) => a - b);
  const step = stepMs ?? (shared.length >= 2 ? medianGapMs(shared) : 0);
  const returns = markets.map(() => [] as number[]);
  if (step > 0) {
    const onGrid = shared.filter((k) => (k - shared[0]) % step === 0);
    for (let i = 1; i < onGrid.length; i++) {
      if (onGrid[i] - onGrid[i - 1] !== step) continue;
      for (let m = 0; m < maps.length; m++) returns[m].push(maps[m].get(onGrid[i])! - maps[m].get(onGrid[i - 1])!);
    }
  }
  return { returns: returns.map((r) => Float64Array.from(r)), stepMs: step, shared: shared.length };
}

/** Pearson's correlation of two equally long samples (simple-statistics' sampleCorrelation), clipped to [−1, 1]; 0 when either is constant. O(n). */
export function pearson(x: Float64Array, y: Float64Array): number {
  const r = sampleCorrelation(x as unknown as number[], y as unknown as number[]);
  return Number.isFinite(r) ? Math.max(-1, Math.min(1, r)) : 0;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: A = V·diag(λ)·Vᵀ, the columns of V
 * the eigenvectors. O(K³) per sweep; converges in a few sweeps for the K ≤ a few dozen markets here.
 */
export function symmetricEigen(a: ReadonlyArray<ReadonlyArray<number>>): { values: number[]; vectors: number[][] } {
  const K = a.length;
  const A = a.map((r) => [...r]);
  const V: number[][] = A.map((_, i) => A.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < K; i++) for (let j = i + 1; j < K; j++) off += A[i][j] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < K; p++) {
      for (let q = p + 1; q < K; q++) {
        if (Math.abs(A[p][q]) < 1e-300) continue;
        const theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < K; k++) {
          const akp = A[k][p];
          const akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < K; k++) {
          const apk = A[p][k];
          const aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < K; k++) {
          const vkp = V[k][p];
          const vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: A.map((r, i) => r[i]), vectors: V };
}

/**
 * A valid correlation matrix near an indefinite symmetric one with unit diagonal: the eigenvalues are
 * clipped at `floor` (V·max(λ, floor)·Vᵀ), then the result is rescaled to unit diagonal (D^−½·B·D^−½, which
 * keeps it positive definite). This is the eigenvalue-clipping repair, close to but not exactly Higham's
 * nearest correlation matrix in the Frobenius norm. O(K³).
 */
export function nearestCorrelation(c: ReadonlyArray<ReadonlyArray<number>>, floor = 1e-6): number[][] {
  const K = c.length;
  const { values, vectors: V } = symmetricEigen(c);
  const lam = values.map((v) => Math.max(v, floor));
  const B = c.map((_, i) => c.map((__, j) => {
    let s = 0;
    for (let k = 0; k < K; k++) s += V[i][k] * lam[k] * V[j][k];
    return s;
  }));
  return B.map((r, i) => r.map((v, j) => (i === j ? 1 : v / Math.sqrt(B[i][i] * B[j][j]))));
}

/** A correlation rounded to 4 decimals, as printed. */
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Estimates the correlation matrix of `markets`' log returns (module comment). `stepSeconds` undefined =
 * the median spacing of the shared timestamps. The matrix is rounded to 4 decimals and is checked (and,
 * when indefinite, repaired) *after* rounding, so what is printed is what the scenario validates.
 * @throws UserError when fewer than two markets are given, or a pair shares fewer than
 *   `MIN_CORRELATION_RETURNS` returns one step apart (naming the files, their spans and spacings); with
 *   `repair: false`, when the estimate is not positive semi-definite
 */
export function estimateCorrelation(markets: readonly MarketHistory[], opts: { stepSeconds?: number; pairwise?: boolean; repair?: boolean } = {}): CorrelationEstimate {
  const K = markets.length;
  if (K < 2) throw new UserError(`--markets: ${K} market${K === 1 ? '' : 's'} given — a correlation needs at least two, as NAME=FILE,NAME=FILE (e.g. BTC-PERP=btc.csv,ETH-PERP=eth.csv)`);
  const stepMs = opts.stepSeconds === undefined ? null : Math.round(opts.stepSeconds * 1000);
  const span = (m: MarketHistory) => {
    const t = m.timesSeconds;
    const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
    return `${m.name}=${m.file}: ${t.length} rows, ${iso(t[0])} to ${iso(t[t.length - 1])}`;
  };
  const tooFew = (ms: MarketHistory[], n: number, shared: number, step: number): never => {
    throw new UserError(
      `--markets: ${ms.map((m) => m.name).join(' and ')} share ${shared} timestamp${shared === 1 ? '' : 's'} and ${n} return${n === 1 ? '' : 's'} one ${step > 0 ? `${step / 1000}-second ` : ''}step apart — at least ${MIN_CORRELATION_RETURNS} are needed to estimate a correlation; give histories of the same period sampled at the same times (${ms.map(span).join('; ')})`,
    );
  };
  const est: number[][] = markets.map((_, i) => markets.map((__, j) => (i === j ? 1 : 0)));
  const obs: number[][] = markets.map(() => markets.map(() => 0));
  let step = stepMs ?? 0;
  if (!opts.pairwise) {
    const a = alignedLogReturns(markets, stepMs);
    const n = a.returns[0].length;
    if (n < MIN_CORRELATION_RETURNS) tooFew([...markets], n, a.shared, a.stepMs);
    step = a.stepMs;
    for (let i = 0; i < K; i++) {
      obs[i][i] = n;
      for (let j = 0; j < i; j++) {
        est[i][j] = est[j][i] = pearson(a.returns[i], a.returns[j]);
        obs[i][j] = obs[j][i] = n;
      }
    }
  } else {
    // one step for every pair: the given one, or the median spacing of all markets' shared timestamps (else of the first pair's)
    if (stepMs === null) {
      const all = alignedLogReturns(markets, null);
      step = all.stepMs > 0 ? all.stepMs : alignedLogReturns(markets.slice(0, 2), null).stepMs;
    }
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < i; j++) {
        const a = alignedLogReturns([markets[i], markets[j]], step);
        const n = a.returns[0].length;
        if (n < MIN_CORRELATION_RETURNS) tooFew([markets[j], markets[i]], n, a.shared, step);
        est[i][j] = est[j][i] = pearson(a.returns[0], a.returns[1]);
        obs[i][j] = obs[j][i] = n;
      }
    }
    // the diagonal: the most returns any of the market's pairs had
    for (let i = 0; i < K; i++) obs[i][i] = Math.max(...obs[i].filter((_, j) => j !== i));
  }
  const estimated = est.map((r) => r.map(round4));
  const warnings: string[] = [];
  const minEigenvalue = Math.min(...symmetricEigen(estimated).values);
  let matrix = estimated;
  let repaired = false;
  if (!choleskyPsd(estimated).ok) {
    // one common sample is PSD by construction: there only the rounding of a nearly singular matrix can break it
    const why = opts.pairwise ? 'the pairs were estimated on different overlaps' : 'a nearly singular matrix rounded to four decimals';
    if (opts.repair === false) {
      throw new UserError(`--markets: the estimated correlation matrix is not positive semi-definite (smallest eigenvalue ${minEigenvalue.toPrecision(3)}) — ${why}; drop --no-repair to print the nearest valid matrix${opts.pairwise ? ', or estimate on the timestamps every file shares (without --pairwise)' : ''}`);
    }
    // repair, then round; shrink toward the identity in the rare case rounding breaks it again
    let fixed = nearestCorrelation(estimated).map((r) => r.map(round4));
    for (let s = 1; !choleskyPsd(fixed).ok && s <= 100; s++) fixed = fixed.map((r, i) => r.map((v, j) => (i === j ? 1 : round4(v * (1 - s / 100)))));
    matrix = fixed;
    repaired = true;
    let worst = 0;
    for (let i = 0; i < K; i++) for (let j = 0; j < i; j++) worst = Math.max(worst, Math.abs(fixed[i][j] - estimated[i][j]));
    warnings.push(`the estimated correlation matrix is not positive semi-definite (smallest eigenvalue ${minEigenvalue.toPrecision(3)}: ${why}); printed is a near valid matrix (eigenvalues clipped, unit diagonal), which moves a correlation by up to ${round4(worst)}`);
  }
  const standardErrors = estimated.map((r, i) => r.map((rho, j) => (i === j ? 0 : (1 - rho * rho) / Math.sqrt(obs[i][j]))));
  return { names: markets.map((m) => m.name), stepSeconds: step / 1000, alignment: opts.pairwise ? 'pairwise' : 'common', observations: obs, matrix, estimated, standardErrors, minEigenvalue, repaired, warnings };
}
