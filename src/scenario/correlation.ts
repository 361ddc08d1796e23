/**
 * Correlation matrices of the markets' price shocks: validation and the Cholesky factor used to
 * correlate independent normals (z = L·n, so Cov(z) = L·Lᵀ = C).
 */

/** Outcome of a Cholesky factorisation of a symmetric matrix. */
export type CholeskyResult =
  | { ok: true; /** Row-major lower-triangular factor, K×K. */ lower: Float64Array }
  | { ok: false; /** Row and column of the entry that makes the matrix indefinite. */ row: number; col: number };

/**
 * Cholesky factor of a symmetric positive semi-definite matrix: C = L·Lᵀ with L lower-triangular.
 * Semi-definite matrices (e.g. two markets with correlation 1) are accepted: a pivot within `tol`
 * of 0 gives a zero column, provided the rest of that column is also (within √tol) explained by the
 * earlier columns. On failure, returns the entry to blame: the off-diagonal entry of the failing row
 * with the largest magnitude (the correlation that cannot coexist with the ones before it).
 * O(K³).
 */
export function choleskyPsd(c: ReadonlyArray<ReadonlyArray<number>>, tol = 1e-10): CholeskyResult {
  const K = c.length;
  const L = new Float64Array(K * K);
  const blame = (i: number): CholeskyResult => {
    let col = 0;
    for (let j = 1; j < i; j++) if (Math.abs(c[i][j]) > Math.abs(c[i][col])) col = j;
    return { ok: false, row: i, col };
  };
  for (let j = 0; j < K; j++) {
    let d = c[j][j];
    for (let k = 0; k < j; k++) d -= L[j * K + k] ** 2;
    if (d < -tol) return blame(j);
    if (d <= tol) {
      // zero pivot: column j must already be explained by the earlier columns
      for (let i = j + 1; i < K; i++) {
        let r = c[i][j];
        for (let k = 0; k < j; k++) r -= L[i * K + k] * L[j * K + k];
        if (Math.abs(r) > Math.sqrt(tol)) return { ok: false, row: i, col: j };
      }
      continue;
    }
    const ljj = Math.sqrt(d);
    L[j * K + j] = ljj;
    for (let i = j + 1; i < K; i++) {
      let r = c[i][j];
      for (let k = 0; k < j; k++) r -= L[i * K + k] * L[j * K + k];
      L[i * K + j] = r / ljj;
    }
  }
  return { ok: true, lower: L };
}

/**
 * Checks a correlation matrix for `k` markets: shape k×k, unit diagonal, symmetric, entries in
 * [−1, 1], positive semi-definite. Returns `undefined` if valid, else the field (`correlation[i][j]`),
 * the value there and what is allowed.
 */
export function correlationProblem(
  c: ReadonlyArray<ReadonlyArray<number>>,
  k: number,
  names: readonly string[],
): { field: string; value: unknown; allowed: string } | undefined {
  const order = `[${names.join(', ')}]`;
  if (c.length !== k) {
    return { field: 'correlation', value: `${c.length} rows`, allowed: `must be a ${k}×${k} matrix, one row and column per market in the order ${order}` };
  }
  for (let i = 0; i < k; i++) {
    if (c[i].length !== k) return { field: `correlation[${i}]`, value: c[i], allowed: `each row must have ${k} entries, one per market in the order ${order}` };
  }
  for (let i = 0; i < k; i++) {
    if (Math.abs(c[i][i] - 1) > 1e-12) return { field: `correlation[${i}][${i}]`, value: c[i][i], allowed: 'the diagonal must be 1' };
    for (let j = 0; j < i; j++) {
      if (Math.abs(c[i][j] - c[j][i]) > 1e-12) {
        return { field: `correlation[${i}][${j}]`, value: c[i][j], allowed: `the matrix must be symmetric (correlation[${j}][${i}] is ${c[j][i]})` };
      }
    }
  }
  const r = choleskyPsd(c);
  if (!r.ok) {
    return {
      field: `correlation[${r.row}][${r.col}]`,
      value: c[r.row][r.col],
      allowed: `the matrix must be positive semi-definite, and this correlation is inconsistent with the others among the first ${r.row + 1} markets`,
    };
  }
  return undefined;
}
